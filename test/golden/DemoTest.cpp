//===- DemoTest.cpp - The bundled demo model against transformers ---------===//
//
// examples/tiny-llama4, compiled by llama4c and run by llama4-run end to
// end (tokenizer, chat template, streaming generation, the chat's KV cache
// reuse), must generate greedily exactly the tokens transformers'
// generate() does: six text prompts and a three-turn chat whose
// conversation crosses the model's 64-token attention chunks
// (test/golden/demo/generations.json, scripts/make_demo_golden.py). Its
// bf16 build must give transformers' bf16 prefill logits within 1e-2
// relative L2 on a prompt that crosses a chunk. Every test runs on each
// golden build: native, x86-64-v3 (AVX2) and the GPU kernels emulated on
// the host; the bf16 one also for a CPU that multiplies bf16 pairs. Its
// long-context variant (config-long.json) must answer past its positions.
//
//===----------------------------------------------------------------------===//

#include "test/golden/GoldenFixture.h"

#include "runtime/safetensors/Bf16.h"
#include "runtime/safetensors/SafetensorsFile.h"
#include "runtime/support/CpuFeatures.h"
#include "test/runtime/TestSupport.h"

#include "gtest/gtest.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <cstring>

using namespace llama4c::runtime;
using namespace llama4c::runtime::testing;
using nlohmann::json;

namespace {

using llama4c::golden::goldenBuilds;
using llama4c::golden::goldenModel;

const std::string kDemo = LLAMA4C_DEMO_MODEL_DIR;

json golden() {
  return json::parse(readFile(std::string(LLAMA4C_DEMO_GOLDEN)));
}

class DemoTest : public TempDirTest,
                 public ::testing::WithParamInterface<std::string> {
protected:
  std::string model() const { return goldenModel("tiny-llama4", GetParam()); }

  /// llama4-run, greedy, as many new tokens as the reference has.
  json runJson(std::vector<std::string> args, const std::string &input = "") {
    args.insert(
        args.begin(),
        {model(), "--weights", kDemo, "--temperature", "0", "--max-new-tokens",
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

TEST_P(DemoTest, TextPromptsContinueAsTransformers) {
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

TEST_P(DemoTest, ChatTurnsMatchTransformers) {
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

/// `model`, the demo in bf16, prefills transformers' bf16 reference prompt
/// to within 1e-2 relative L2 of its logits (`dir`: a scratch directory).
void expectBf16PrefillWithinOnePercent(const std::string &model,
                                       const std::string &dir) {
  Expected<SafetensorsFile> reference =
      SafetensorsFile::open(LLAMA4C_DEMO_BF16_REFERENCE);
  ASSERT_TRUE(reference) << reference.error().message();
  const TensorView *ids = reference->find("input_ids");
  const TensorView *expected = reference->find("logits");
  ASSERT_TRUE(ids && expected);
  std::vector<int64_t> prompt(ids->bytes / sizeof(int64_t));
  std::memcpy(prompt.data(), ids->data, ids->bytes);
  std::string list;
  for (int64_t id : prompt)
    list += (list.empty() ? "" : ",") + std::to_string(id);

  ToolResult result =
      runTool(LLAMA4_RUN_PATH,
              {model, "--weights", kDemo, "--prompt-ids", list,
               "--max-new-tokens", "1", "--dump-logits", dir + "/dump"},
              "", dir);
  ASSERT_EQ(result.exitCode, 0) << result.err;
  Expected<SafetensorsFile> dump = SafetensorsFile::open(dir + "/dump");
  ASSERT_TRUE(dump) << dump.error().message();
  const TensorView *ours = dump->find("prefill_logits.0");
  ASSERT_TRUE(ours);
  size_t count = expected->bytes / sizeof(uint16_t);
  ASSERT_EQ(ours->bytes, count * sizeof(float));
  std::vector<float> theirs(count), mine(count);
  bf16ToF32(theirs.data(), expected->data, count);
  std::memcpy(mine.data(), ours->data, ours->bytes);
  double error = llama4c::golden::relativeL2(mine.data(), theirs.data(), count);
  std::printf("[ bf16     ] demo prefill, %zu tokens: relative L2 %.3g\n",
              prompt.size(), error);
  EXPECT_LE(error, 1e-2);
}

TEST_P(DemoTest, Bf16PrefillIsWithinOnePercentOfTransformers) {
  expectBf16PrefillWithinOnePercent(goldenModel("tiny-llama4-bf16", GetParam()),
                                    dir);
}

// The bf16 demo compiled for Cooper Lake, the first x86 CPU with
// AVX512_BF16: its products of bf16 pairs (vdpbf16ps), which the native
// build has only where the compiling machine has them. Compiled on every
// machine, run where the CPU has them.
class DemoBf16PairsTest : public TempDirTest {};

TEST_F(DemoBf16PairsTest, PrefillIsWithinOnePercentOfTransformers) {
  std::string build = LLAMA4C_DEMO_BF16_PAIRS_BUILD;
  if (build.empty())
    GTEST_SKIP() << "the golden models are not compiled for the CPU";
  if (!cpuHasFeature("avx512bf16"))
    GTEST_SKIP() << "this CPU lacks AVX512_BF16";
  expectBf16PrefillWithinOnePercent(goldenModel("tiny-llama4-bf16", build),
                                    dir);
}

// examples/tiny-llama4/config-long.json: the demo with Scout's
// max_position_embeddings, on the same weights. It continues the golden
// prompts as the demo does, and takes a prompt of 3,000 tokens, past the
// demo's 2,048 positions, that the demo refuses; the prompt goes in calls
// of one 64-token chunk.
class DemoLongTest : public TempDirTest {};

TEST_F(DemoLongTest, TheLongVariantAnswersPastTheDemosPositions) {
  std::string longModel = goldenModel("tiny-llama4-long", "native");
  json expected = golden()["prompts"][0];
  ToolResult same = runTool(
      LLAMA4_RUN_PATH,
      {longModel, "--weights", kDemo, "--temperature", "0", "--max-new-tokens",
       std::to_string(expected["tokens"].size()), "--prompt-ids",
       [&] {
         std::string ids;
         for (const json &id : expected["prompt_ids"])
           ids += (ids.empty() ? "" : ",") + std::to_string(id.get<int>());
         return ids;
       }(),
       "--json"},
      "", dir);
  ASSERT_EQ(same.exitCode, 0) << same.err;
  EXPECT_EQ(json::parse(same.out)["rows"][0]["tokens"], expected["tokens"]);

  std::string ids;
  for (int i = 0; i < 3000; ++i)
    ids += std::to_string(i * 37 % 2000) + " ";
  writeFile(dir + "/ids", ids);
  std::vector<std::string> args = {"--weights",
                                   kDemo,
                                   "--prompt-ids-file",
                                   dir + "/ids",
                                   "--max-new-tokens",
                                   "8",
                                   "--temperature",
                                   "0",
                                   "--json"};
  args.insert(args.begin(), goldenModel("tiny-llama4", "native"));
  ToolResult refused = runTool(LLAMA4_RUN_PATH, args, "", dir);
  EXPECT_EQ(refused.exitCode, 1);
  EXPECT_NE(refused.err.find("prompt row 0: 3000 prompt tokens + 8 new "
                             "tokens exceed max_position_embeddings 2048"),
            std::string::npos)
      << refused.err;
  args[0] = longModel;
  ToolResult answered = runTool(LLAMA4_RUN_PATH, args, "", dir);
  ASSERT_EQ(answered.exitCode, 0) << answered.err;
  json result = json::parse(answered.out);
  EXPECT_EQ(result["timing"]["prefill"]["tokens"], 3000);
  EXPECT_EQ(result["timing"]["prefill"]["calls"], 47); // 3000 / 64, rounded up

  // The memory it states: every checkpoint tensor, read as stored (f32);
  // keys and values of the chunked layers' 64-slot windows and of the
  // global layer's 3,008 positions, in pages of 256 (llama4c compile's
  // default --kv-page-size).
  Expected<SafetensorsFile> checkpoint =
      SafetensorsFile::open(kDemo + "/model.safetensors");
  ASSERT_TRUE(checkpoint) << checkpoint.error().message();
  uint64_t checkpointBytes = 0;
  for (const TensorView &tensor : checkpoint->tensors())
    checkpointBytes += tensor.bytes;
  json text = json::parse(readFile(kDemo + "/config-long.json"));
  int64_t chunked = 0, layers = text["num_hidden_layers"];
  for (const json &rope : text["no_rope_layers"])
    chunked += rope.get<int64_t>();
  uint64_t slot = 2 * text["num_key_value_heads"].get<uint64_t>() *
                  text["head_dim"].get<uint64_t>() * sizeof(float);
  uint64_t chunk = text["attention_chunk_size"];
  const json &memory = result["memory"];
  EXPECT_EQ(memory["weight_bytes"], checkpointBytes);
  EXPECT_EQ(memory["converted_weight_bytes"], 0); // an f32 model of f32 ones
  EXPECT_EQ(memory["kv_cache_bytes"],
            slot * (chunked * chunk +
                    (layers - chunked) * ((3000 + 8 + 255) / 256 * 256)));
  EXPECT_GT(memory["peak_resident_bytes"].get<uint64_t>(),
            memory["kv_cache_bytes"].get<uint64_t>());
  EXPECT_NE(answered.err.find("memory: weights "), std::string::npos)
      << answered.err;
}

INSTANTIATE_TEST_SUITE_P(Builds, DemoTest, ::testing::ValuesIn(goldenBuilds()),
                         [](const auto &info) { return info.param; });

} // namespace
