//===- GenerationConfigTest.cpp - generation_config.json as transformers --===//
//
// What generation_config.json sets, what transformers' GenerationConfig
// defaults fill in when it is silent, and one-line errors naming the field.
//
//===----------------------------------------------------------------------===//

#include "runtime/generate/GenerationConfig.h"

#include "test/runtime/TestSupport.h"

using namespace llama4c::runtime;
using namespace llama4c::runtime::testing;

namespace {

class GenerationConfigTest : public TempDirTest {
protected:
  Expected<GenerationConfig> read(const std::string &text) {
    writeFile(path("generation_config.json"), text);
    return readGenerationConfig(dir);
  }
};

TEST_F(GenerationConfigTest, WithoutAFileDecodingIsGreedy) {
  Expected<GenerationConfig> config = readGenerationConfig(dir);
  ASSERT_TRUE(config) << config.error().message();
  EXPECT_EQ(config->sampling.temperature, 0);
  EXPECT_TRUE(config->eosTokenIds.empty());
  EXPECT_FALSE(config->maxNewTokens);
}

// Llama 4 instruct's file: do_sample, temperature 0.6, top_p 0.9, three
// eos ids; top_k is transformers' default, 50.
TEST_F(GenerationConfigTest, ReadsSamplingAndStopping) {
  Expected<GenerationConfig> config =
      read(R"({"bos_token_id": 200000, "do_sample": true, "eos_token_id":
              [200001, 200007, 200008], "pad_token_id": 200018,
              "temperature": 0.6, "top_p": 0.9, "max_new_tokens": 100,
              "transformers_version": "4.51.0"})");
  ASSERT_TRUE(config) << config.error().message();
  EXPECT_EQ(config->sampling.temperature, 0.6);
  EXPECT_EQ(config->sampling.topK, 50);
  EXPECT_EQ(config->sampling.topP, 0.9);
  EXPECT_EQ(config->eosTokenIds,
            (std::vector<int64_t>{200001, 200007, 200008}));
  EXPECT_EQ(config->maxNewTokens, 100);

  config = read(R"({"do_sample": true, "eos_token_id": 7, "top_k": null})");
  ASSERT_TRUE(config) << config.error().message();
  EXPECT_EQ(config->sampling.temperature, 1.0);
  EXPECT_EQ(config->sampling.topK, 50);
  EXPECT_EQ(config->sampling.topP, 1.0);
  EXPECT_EQ(config->eosTokenIds, (std::vector<int64_t>{7}));

  // Without do_sample, temperature and friends are ignored, as in
  // transformers.
  config = read(R"({"temperature": 0.6, "top_k": 5})");
  ASSERT_TRUE(config) << config.error().message();
  EXPECT_EQ(config->sampling.temperature, 0);
}

TEST_F(GenerationConfigTest, ErrorsNameTheField) {
  std::string file = path("generation_config.json");
  EXPECT_EQ(errorOf(read(R"({"do_sample": "yes"})")),
            file + ": do_sample: expected true or false, got string \"yes\"");
  EXPECT_EQ(errorOf(read(R"({"do_sample": true, "top_k": -1})")),
            file + ": top_k: expected a non-negative integer, got -1");
  EXPECT_EQ(errorOf(read(R"({"do_sample": true, "top_p": 0})")),
            file + ": sampler: top_p: must be in (0, 1], got 0");
  EXPECT_EQ(errorOf(read(R"({"eos_token_id": [1, "two"]})")),
            file + ": eos_token_id: expected a token id or a list of them, "
                   "got an array");
  EXPECT_EQ(errorOf(read(R"({"max_new_tokens": 1.5})")),
            file +
                ": max_new_tokens: expected a non-negative integer, got 1.5");
  EXPECT_EQ(errorOf(read("[]")),
            file + ": expected a JSON object, got an array");
  EXPECT_NE(errorOf(read("{")).find(file + ": invalid JSON"),
            std::string::npos);
}

} // namespace
