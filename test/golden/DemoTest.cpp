//===- DemoTest.cpp - The bundled demo model against transformers ---------===//
//
// examples/tiny-llama4, compiled by llama4c and run by llama4-run end to
// end (tokenizer, chat template, streaming generation, the chat's KV cache
// reuse), must generate greedily exactly the tokens transformers'
// generate() does: six text prompts and a three-turn chat whose
// conversation crosses the model's 64-token attention chunks
// (test/golden/demo/generations.json, scripts/make_demo_golden.py).
//
//===----------------------------------------------------------------------===//

#include "test/runtime/TestSupport.h"

#include "gtest/gtest.h"

#include <nlohmann/json.hpp>

using namespace llama4c::runtime::testing;
using nlohmann::json;

namespace {

const std::string kDemo = LLAMA4C_DEMO_MODEL_DIR;
const std::string kModel = LLAMA4C_DEMO_MODEL;

json golden() {
  return json::parse(readFile(std::string(LLAMA4C_DEMO_GOLDEN)));
}

class DemoTest : public TempDirTest {
protected:
  /// llama4-run, greedy, as many new tokens as the reference has.
  json runJson(std::vector<std::string> args, const std::string &input = "") {
    args.insert(
        args.begin(),
        {kModel, "--weights", kDemo, "--temperature", "0", "--max-new-tokens",
         std::to_string(golden()["max_new_tokens"].get<int>()), "--json"});
    ToolResult result = runTool(LLAMA4_RUN_PATH, args, input, dir);
    EXPECT_EQ(result.exitCode, 0) << result.err;
    json lines = json::array();
    for (size_t begin = 0, end;
         (end = result.out.find('\n', begin)) != std::string::npos;
         begin = end + 1)
      lines.push_back(json::parse(result.out.substr(begin, end - begin)));
    return lines;
  }
};

TEST_F(DemoTest, TextPromptsContinueAsTransformers) {
  json cases = golden()["prompts"];
  ASSERT_GE(cases.size(), 5u);
  for (const json &expected : cases) {
    json lines = runJson({"--prompt", expected["prompt"]});
    ASSERT_EQ(lines.size(), 1u);
    const json &row = lines[0]["rows"][0];
    EXPECT_EQ(row["prompt_tokens"], expected["prompt_ids"].size());
    ASSERT_GE(expected["tokens"].size(), 32u);
    EXPECT_EQ(row["tokens"], expected["tokens"]) << expected["prompt"];
    EXPECT_EQ(row["text"], expected["text"]);
  }
}

TEST_F(DemoTest, ChatTurnsMatchTransformers) {
  json turns = golden()["chat"];
  std::string input;
  for (const json &turn : turns)
    input += turn["user"].get<std::string>() + "\n";
  json replies = runJson({"--chat"}, input);
  ASSERT_EQ(replies.size(), turns.size());
  for (size_t i = 0; i < turns.size(); ++i) {
    EXPECT_EQ(replies[i]["conversation_tokens"],
              turns[i]["conversation_tokens"])
        << "turn " << i;
    EXPECT_EQ(replies[i]["tokens"], turns[i]["tokens"]) << "turn " << i;
    EXPECT_EQ(replies[i]["content"], turns[i]["content"]) << "turn " << i;
  }
  // Later turns reuse the cache: only their new part is computed.
  EXPECT_GT(replies[2]["cached_tokens"], 64);
}

} // namespace
