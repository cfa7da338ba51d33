//===- GoldenTest.cpp - Compiled models against Hugging Face --------------===//
//
// For every fixture: the model.so that `llama4c compile` made from its
// config.json, driven by the runtime's generate() exactly as llama4-run
// drives it (greedy, N = generated_ids.shape[1] new tokens), must give
//   - prefill logits within 1e-4 of prefill_logits (max |ours - ref| /
//     max |ref| over [B, S, V]);
//   - the logits of every step within 1e-4 of decode_logits: step 0 is the
//     prefill's last position, step t >= 1 our decode call t - 1 (which fed
//     generated_ids[:, t-1] at position S + t - 1);
//   - exactly generated_ids.
// The errors are printed so CI logs carry them. So must a prompt fed in
// pieces of a few tokens. A prefill asked for the
// logits of chosen tokens only must return the reference's for those.
// Then llama4-run itself, on the same model, must print the reference ids.
//
//===----------------------------------------------------------------------===//

#include "runtime/kv-cache/KvCache.h"
#include "test/golden/GoldenFixture.h"
#include "test/runtime/TestSupport.h"

#include "gtest/gtest.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>

#include <unistd.h>

using namespace llama4c::golden;
using namespace llama4c::runtime;
using namespace llama4c::runtime::testing;

namespace {

constexpr double kTolerance = 1e-4;

class GoldenTest : public ::testing::TestWithParam<std::string> {};

/// Runs fixture `name` as generate() does with `options` (keeping the
/// logits, N new tokens) and checks it against the reference.
void expectMatchesHuggingFace(const std::string &name,
                              GenerateOptions options) {
  Expected<std::unique_ptr<LoadedModel>> loaded = loadModel(name);
  ASSERT_TRUE(loaded) << loaded.error().message();
  Expected<Reference> reference = loadReference(name);
  ASSERT_TRUE(reference) << reference.error().message();
  const LoadedModel &model = **loaded;
  int64_t B = reference->batch, S = reference->promptLength,
          N = reference->newTokens, V = reference->vocab;
  ASSERT_EQ(model.model.manifest().vocabSize, V);

  options.maxNewTokens = N;
  options.keepLogits = true;
  Expected<Generation> generation =
      generate(model.model, model.weights, reference->inputIds, options);
  ASSERT_TRUE(generation) << generation.error().message();
  ASSERT_EQ(generation->decodeSteps, N - 1);

  double prefillError = 0, decodeError = 0;
  for (int64_t b = 0; b < B; ++b) {
    const std::vector<float> &prefill = generation->prefillLogits[b];
    ASSERT_EQ(int64_t(prefill.size()), S * V);
    prefillError =
        std::max(prefillError,
                 relativeError(prefill.data(),
                               &reference->prefillLogits[b * S * V], S * V));
  }
  for (int64_t t = 0; t < N; ++t) {
    // One step, all rows: scale by the step's largest reference logit.
    std::vector<float> ours, ref;
    for (int64_t b = 0; b < B; ++b) {
      const float *step = t == 0 ? &generation->prefillLogits[b][(S - 1) * V]
                                 : &generation->decodeLogits[b][(t - 1) * V];
      ours.insert(ours.end(), step, step + V);
      const float *expected = &reference->decodeLogits[(b * N + t) * V];
      ref.insert(ref.end(), expected, expected + V);
    }
    double error = relativeError(ours.data(), ref.data(), ours.size());
    EXPECT_LE(error, kTolerance) << "decode step " << t;
    decodeError = std::max(decodeError, error);
  }
  std::printf("[ golden   ] %s, prefill chunk %lld: max relative error "
              "prefill %.3g, decode %.3g\n",
              name.c_str(), (long long)options.prefillChunk, prefillError,
              decodeError);
  ::testing::Test::RecordProperty("prefill_max_relative_error",
                                  std::to_string(prefillError));
  ::testing::Test::RecordProperty("decode_max_relative_error",
                                  std::to_string(decodeError));
  EXPECT_LE(prefillError, kTolerance);
  EXPECT_EQ(generation->tokens, reference->generatedIds);
}

TEST_P(GoldenTest, MatchesHuggingFace) {
  expectMatchesHuggingFace(GetParam(), GenerateOptions());
}

// A prompt fed in pieces, each prefill call continuing the cache where the
// one before ended, gives the same logits: pieces of 1 token (every call
// reads the cache), and of 3 (calls that start and end inside attention
// chunks of 4 and 8, and cross their ends).
TEST_P(GoldenTest, MatchesHuggingFaceFedInPieces) {
  for (int64_t tokens : {1, 3}) {
    SCOPED_TRACE("prefill chunk " + std::to_string(tokens));
    GenerateOptions options;
    options.prefillChunk = tokens;
    expectMatchesHuggingFace(GetParam(), options);
  }
}

// A prefill returns the logits of the tokens it is asked for, in the order
// asked (here each row's last, first and middle, and the last again), as
// the reference has them at those positions.
TEST_P(GoldenTest, ReturnsTheLogitsOfTheTokensAskedFor) {
  const std::string &name = GetParam();
  Expected<std::unique_ptr<LoadedModel>> loaded = loadModel(name);
  ASSERT_TRUE(loaded) << loaded.error().message();
  Expected<Reference> reference = loadReference(name);
  ASSERT_TRUE(reference) << reference.error().message();
  const LoadedModel &model = **loaded;
  int64_t B = reference->batch, S = reference->promptLength,
          V = reference->vocab;
  std::vector<int32_t> tokens, positions, logitsAt;
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t s = 0; s < S; ++s) {
      tokens.push_back(int32_t(reference->inputIds[b][s]));
      positions.push_back(int32_t(s));
    }
    logitsAt.insert(logitsAt.end(),
                    {int32_t(S - 1), 0, int32_t(S / 2), int32_t(S - 1)});
  }
  int64_t R = int64_t(logitsAt.size()) / B;
  Expected<KvCache> cache =
      KvCache::allocate(model.model.manifest(), B, S,
                        KvCache::defaultLimitBytes(), model.model.gpu());
  ASSERT_TRUE(cache) << cache.error().message();
  ASSERT_TRUE(cache->reserve(0, B, S));
  KvCacheView kvCache = cache->rowsFrom(0);
  std::vector<float> logits(size_t(B * R * V), NAN);
  std::vector<int32_t> nextTokens(size_t(B * R), -2);
  llama4c_call call{};
  call.weights = model.weights.pointers();
  call.tokens = tokens.data();
  call.positions = positions.data();
  call.batch = B;
  call.seq = S;
  call.kv_cache = kvCache.buffers.data();
  call.block_table = kvCache.blockTable;
  call.block_table_width = kvCache.tableWidth;
  call.kv_pages = kvCache.pages;
  call.logits_at = logitsAt.data();
  call.logits_per_row = R;
  call.logits = logits.data();
  call.next_tokens = nextTokens.data();
  Expected<void> ran = model.model.prefill(call);
  ASSERT_TRUE(ran) << ran.error().message();
  for (int64_t b = 0; b < B; ++b)
    for (int64_t r = 0; r < R; ++r) {
      int64_t s = logitsAt[size_t(b * R + r)];
      EXPECT_LE(
          relativeError(&logits[size_t((b * R + r) * V)],
                        &reference->prefillLogits[size_t((b * S + s) * V)],
                        size_t(V)),
          kTolerance)
          << "row " << b << ", token " << s;
      const float *row = &logits[size_t((b * R + r) * V)];
      EXPECT_EQ(nextTokens[size_t(b * R + r)],
                int32_t(std::max_element(row, row + V) - row))
          << "row " << b << ", token " << s;
    }
}

TEST_P(GoldenTest, LlamaRunPrintsTheReferenceIds) {
  const std::string &name = GetParam();
  Expected<Reference> reference = loadReference(name);
  ASSERT_TRUE(reference) << reference.error().message();
  std::vector<std::string> args = {
      goldenModel(name), "--weights", fixtureDir(name), "--max-new-tokens",
      std::to_string(reference->newTokens)};
  std::string expected;
  for (size_t b = 0; b < reference->inputIds.size(); ++b) {
    std::string ids;
    for (size_t s = 0; s < reference->inputIds[b].size(); ++s)
      ids += (s ? "," : "") + std::to_string(reference->inputIds[b][s]);
    args.insert(args.end(), {"--prompt-ids", ids});
    expected += "row " + std::to_string(b) + ":";
    for (int64_t id : reference->generatedIds[b])
      expected += " " + std::to_string(id);
    expected += "\n";
  }
  std::string scratch = ::testing::TempDir() + "llama4c-golden-" + name + "-" +
                        std::to_string(::getpid());
  std::filesystem::create_directories(scratch);
  ToolResult result = runTool(LLAMA4_RUN_PATH, args, "", scratch);
  std::filesystem::remove_all(scratch);
  EXPECT_EQ(result.exitCode, 0) << result.err;
  EXPECT_EQ(result.out, expected);
  EXPECT_EQ(result.err.rfind("prefill: ", 0), 0u) << result.err;
}

INSTANTIATE_TEST_SUITE_P(Fixtures, GoldenTest,
                         ::testing::ValuesIn(fixtureNames()),
                         [](const ::testing::TestParamInfo<std::string> &info) {
                           return info.param;
                         });

} // namespace
