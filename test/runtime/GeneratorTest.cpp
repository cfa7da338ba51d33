//===- GeneratorTest.cpp - Tests for generate() on FakeModel.c ------------===//
//
// FakeModel.c derives every logit from the row's whole history as read back
// from its KV cache, so matching its arithmetic (fakeContinuation below)
// shows that generate() feeds each row the right tokens at the right
// positions and keeps rows apart in the cache: batched, per row with
// prompts of different lengths, with stop ids. Then the checks that refuse
// bad prompts before any model call, and failures from the model, the
// cache limit and the sampler.
//
//===----------------------------------------------------------------------===//

#include "runtime/generate/Generator.h"

#include "test/runtime/FakeModels.h"
#include "test/runtime/TestSupport.h"

#include <algorithm>
#include <optional>

using namespace llama4c::runtime;
using namespace llama4c::runtime::testing;

namespace {

constexpr int64_t kVocab = 16;

/// The greedy tokens FakeModel.c gives `prompt` for `count` new tokens with
/// zero bias and table[0, 0] = `offset`, ending after a stop id.
std::vector<int64_t> fakeContinuation(std::vector<int64_t> sequence,
                                      int64_t count, int64_t offset = 0,
                                      const std::vector<int64_t> &stops = {}) {
  auto target = [&](int64_t p) {
    int64_t sum = p + offset;
    for (int64_t q = 0; q <= p; ++q)
      sum += (q + 1) * sequence[q];
    return sum % kVocab;
  };
  std::vector<int64_t> tokens;
  for (int64_t i = 0; i < count; ++i) {
    tokens.push_back(target(int64_t(sequence.size()) - 1));
    if (std::find(stops.begin(), stops.end(), tokens.back()) != stops.end())
      break;
    sequence.push_back(tokens.back());
  }
  return tokens;
}

class GeneratorTest : public TempDirTest {
protected:
  void SetUp() override {
    TempDirTest::SetUp();
    Expected<Model> opened = Model::open(fakeModel());
    ASSERT_TRUE(opened) << opened.error().message();
    model.emplace(std::move(*opened));
    bindWeights(/*offset=*/0);
  }

  /// Binds bias = 0 and table = [[offset, poison, 0], [0, 0, 0]].
  void bindWeights(float offset, float poison = 0) {
    weights.reset();
    checkpoint.reset();
    writeFile(
        path("model.safetensors"),
        SafetensorsImage::of(
            {{"bias", "F32", {kVocab}, bytesOf(std::vector<float>(kVocab))},
             {"table",
              "F32",
              {2, 3},
              bytesOf<float>({offset, poison, 0, 0, 0, 0})}})
            .bytes());
    Expected<Checkpoint> opened = Checkpoint::open(dir);
    ASSERT_TRUE(opened) << opened.error().message();
    checkpoint.emplace(std::move(*opened));
    Expected<BoundWeights> bound =
        BoundWeights::bind(model->manifest(), *checkpoint);
    ASSERT_TRUE(bound) << bound.error().message();
    weights.emplace(std::move(*bound));
  }

  static GenerateOptions greedy(int64_t maxNewTokens) {
    GenerateOptions options;
    options.maxNewTokens = maxNewTokens;
    return options;
  }

  Expected<Generation> run(const std::vector<std::vector<int64_t>> &prompts,
                           const GenerateOptions &options) {
    return generate(*model, *weights, prompts, options);
  }

  /// Tokens of a run that must succeed.
  std::vector<std::vector<int64_t>>
  tokensOf(const std::vector<std::vector<int64_t>> &prompts,
           const GenerateOptions &options) {
    Expected<Generation> generation = run(prompts, options);
    EXPECT_TRUE(generation) << generation.error().message();
    return generation ? generation->tokens
                      : std::vector<std::vector<int64_t>>{};
  }

  std::optional<Model> model;
  std::optional<Checkpoint> checkpoint;
  std::optional<BoundWeights> weights;
};

const std::vector<int64_t> kPromptA = {3, 1, 4, 1, 5};
const std::vector<int64_t> kPromptB = {9, 2, 6, 5, 3};
const std::vector<int64_t> kShortPrompt = {2, 7};

TEST_F(GeneratorTest, BatchedGreedyDecodingFollowsTheModel) {
  Expected<Generation> generation = run({kPromptA, kPromptB}, greedy(8));
  ASSERT_TRUE(generation) << generation.error().message();
  EXPECT_EQ(generation->tokens[0], fakeContinuation(kPromptA, 8));
  EXPECT_EQ(generation->tokens[1], fakeContinuation(kPromptB, 8));
  EXPECT_EQ(generation->decodeSteps, 7);
  EXPECT_EQ(generation->timing.prefillTokens, 10);
  EXPECT_EQ(generation->timing.decodeTokens, 14);
  EXPECT_TRUE(generation->prefillLogits.empty());
  EXPECT_TRUE(generation->decodeLogits.empty());
}

TEST_F(GeneratorTest, WeightsReachTheModel) {
  bindWeights(/*offset=*/5);
  EXPECT_EQ(tokensOf({kPromptA}, greedy(4))[0],
            fakeContinuation(kPromptA, 4, /*offset=*/5));
}

// Rows of different lengths are prefilled one by one into their own cache
// rows, then decoded together at different positions.
TEST_F(GeneratorTest, PromptsOfDifferentLengthsMatchSeparateRuns) {
  std::vector<std::vector<int64_t>> together =
      tokensOf({kPromptA, kShortPrompt, kPromptB}, greedy(9));
  ASSERT_EQ(together.size(), 3u);
  EXPECT_EQ(together[0], fakeContinuation(kPromptA, 9));
  EXPECT_EQ(together[1], fakeContinuation(kShortPrompt, 9));
  EXPECT_EQ(together[2], fakeContinuation(kPromptB, 9));
  EXPECT_EQ(together[1], tokensOf({kShortPrompt}, greedy(9))[0]);
}

TEST_F(GeneratorTest, KeepsTheLogitsOfEveryCall) {
  GenerateOptions options = greedy(4);
  options.keepLogits = true;
  Expected<Generation> generation = run({kPromptA, kShortPrompt}, options);
  ASSERT_TRUE(generation) << generation.error().message();
  ASSERT_EQ(generation->prefillLogits.size(), 2u);
  EXPECT_EQ(generation->prefillLogits[0].size(), kPromptA.size() * kVocab);
  EXPECT_EQ(generation->prefillLogits[1].size(), kShortPrompt.size() * kVocab);
  ASSERT_EQ(generation->decodeSteps, 3);
  auto argmax = [](const float *logits) {
    return int64_t(std::max_element(logits, logits + kVocab) - logits);
  };
  for (size_t b = 0; b < 2; ++b) {
    const std::vector<int64_t> &tokens = generation->tokens[b];
    const std::vector<float> &prefill = generation->prefillLogits[b];
    EXPECT_EQ(argmax(prefill.data() + prefill.size() - kVocab), tokens[0]);
    ASSERT_EQ(generation->decodeLogits[b].size(), size_t(3 * kVocab));
    for (int64_t t = 0; t < 3; ++t)
      EXPECT_EQ(argmax(generation->decodeLogits[b].data() + t * kVocab),
                tokens[t + 1])
          << "row " << b << ", step " << t;
  }
}

TEST_F(GeneratorTest, RowsEndAtAStopId) {
  std::vector<int64_t> free = fakeContinuation(kPromptA, 10);
  GenerateOptions options = greedy(10);
  options.stopTokenIds = {free[2]};
  std::vector<std::vector<int64_t>> tokens =
      tokensOf({kPromptA, kPromptB}, options);
  ASSERT_EQ(tokens.size(), 2u);
  EXPECT_EQ(tokens[0], fakeContinuation(kPromptA, 10, 0, {free[2]}));
  EXPECT_EQ(tokens[0].back(), free[2]);
  EXPECT_EQ(tokens[1], fakeContinuation(kPromptB, 10, 0, {free[2]}));

  // Once every row has stopped, decoding ends.
  Expected<Generation> alone = run({kPromptA}, options);
  ASSERT_TRUE(alone) << alone.error().message();
  EXPECT_EQ(alone->tokens[0].size(), 3u);
  EXPECT_EQ(alone->decodeSteps, 2);
}

TEST_F(GeneratorTest, ZeroNewTokensRunsOnlyThePrefill) {
  Expected<Generation> generation = run({kPromptA}, greedy(0));
  ASSERT_TRUE(generation) << generation.error().message();
  EXPECT_TRUE(generation->tokens[0].empty());
  EXPECT_EQ(generation->decodeSteps, 0);
  EXPECT_EQ(generation->timing.prefillTokens, 5);
}

TEST_F(GeneratorTest, SamplingIsReproducibleBySeed) {
  GenerateOptions options = greedy(12);
  options.sampling.temperature = 1.5;
  options.seed = 42;
  std::vector<std::vector<int64_t>> first =
      tokensOf({kPromptA, kPromptB}, options);
  EXPECT_EQ(tokensOf({kPromptA, kPromptB}, options), first);
  // top-k 1 leaves only the argmax.
  options.sampling.topK = 1;
  EXPECT_EQ(tokensOf({kPromptA}, options)[0], fakeContinuation(kPromptA, 12));
}

TEST_F(GeneratorTest, RefusesBadPrompts) {
  EXPECT_EQ(errorOf(run({kPromptA, {1, 2, 16}}, greedy(2))),
            "prompt row 1, position 2: token id 16 is out of range: "
            "vocab_size is 16");
  EXPECT_EQ(errorOf(run({{-1}}, greedy(2))),
            "prompt row 0, position 0: token id -1 is out of range: "
            "vocab_size is 16");
  EXPECT_EQ(errorOf(run({kPromptA, {}}, greedy(2))), "prompt row 1: empty");
  EXPECT_EQ(errorOf(run({}, greedy(2))), "generate: no prompts");
  EXPECT_EQ(errorOf(run({kPromptA}, greedy(-1))),
            "generate: max_new_tokens must not be negative, got -1");
}

TEST_F(GeneratorTest, RefusesPromptsThatAreTooLong) {
  std::vector<int64_t> thirty(30, 1);
  EXPECT_EQ(errorOf(run({kPromptA, thirty}, greedy(3))),
            "prompt row 1: 30 prompt tokens + 3 new tokens exceed "
            "max_position_embeddings 32");
  EXPECT_TRUE(run({thirty}, greedy(2)));
  EXPECT_EQ(errorOf(run({std::vector<int64_t>(33, 1)}, greedy(0))),
            "prompt row 0: 33 prompt tokens + 0 new tokens exceed "
            "max_position_embeddings 32");

  GenerateOptions options = greedy(2);
  options.maxPromptTokens = 4;
  EXPECT_EQ(errorOf(run({kPromptA}, options)),
            "prompt row 0: 5 tokens, over the limit of 4 prompt tokens");
  options.maxPromptTokens = 5;
  EXPECT_TRUE(run({kPromptA}, options));
}

TEST_F(GeneratorTest, ReportsFailuresOfTheModelCacheAndSampler) {
  GenerateOptions options = greedy(2);
  options.kvCacheLimitBytes = 64;
  EXPECT_EQ(errorOf(run({kPromptA}, options)),
            "kv cache: batch 1, context 7: needs 88 bytes, over the limit of "
            "64 bytes");

  options = greedy(2);
  options.sampling.topP = 0;
  std::string message = errorOf(run({kPromptA}, options));
  EXPECT_EQ(message.rfind("sampler: top_p", 0), 0u) << message;

  bindWeights(/*offset=*/0, /*poison=*/1);
  EXPECT_EQ(errorOf(run({kPromptA}, greedy(2))),
            fakeModel() + ": llama4c_prefill failed with status 7");
}

} // namespace
