//===- BatchTest.cpp - Prompts of different lengths in one batch ----------===//
//
// Rows 0 and 1 of a multi-row fixture, row 1 cut short by 3 tokens: the
// batch now needs one prefill per row and decodes its rows at different
// positions. Row 1's greedy continuation (and its logits) must equal a
// batch-1 run of the shortened prompt, and row 0 must still produce the
// reference's generated_ids. No new reference is needed: the runtime is
// compared with itself and with the fixture.
//
//===----------------------------------------------------------------------===//

#include "test/golden/GoldenFixture.h"

#include "gtest/gtest.h"

#include <algorithm>
#include <cstdio>

using namespace llama4c::golden;
using namespace llama4c::runtime;

namespace {

constexpr double kTolerance = 1e-4;
constexpr int64_t kCut = 3;

class BatchTest : public ::testing::TestWithParam<std::string> {};

TEST_P(BatchTest, ShorterRowMatchesItsOwnRun) {
  const std::string &name = GetParam();
  Expected<Reference> reference = loadReference(name);
  ASSERT_TRUE(reference) << reference.error().message();
  if (reference->batch < 2)
    GTEST_SKIP() << name << " has a single row";
  Expected<std::unique_ptr<LoadedModel>> loaded = loadModel(name);
  ASSERT_TRUE(loaded) << loaded.error().message();
  const LoadedModel &model = **loaded;

  std::vector<int64_t> full = reference->inputIds[0];
  std::vector<int64_t> shorter(reference->inputIds[1].begin(),
                               reference->inputIds[1].end() - kCut);
  GenerateOptions options;
  options.maxNewTokens = reference->newTokens;
  options.keepLogits = true;
  Expected<Generation> together =
      generate(model.model, model.weights, {full, shorter}, options);
  ASSERT_TRUE(together) << together.error().message();
  Expected<Generation> alone =
      generate(model.model, model.weights, {shorter}, options);
  ASSERT_TRUE(alone) << alone.error().message();

  EXPECT_EQ(together->tokens[0], reference->generatedIds[0]);
  ASSERT_EQ(together->tokens[1], alone->tokens[0]);
  const std::vector<float> &prefill = together->prefillLogits[1];
  const std::vector<float> &decode = together->decodeLogits[1];
  ASSERT_EQ(prefill.size(), alone->prefillLogits[0].size());
  ASSERT_EQ(decode.size(), alone->decodeLogits[0].size());
  double prefillError = relativeError(
      prefill.data(), alone->prefillLogits[0].data(), prefill.size());
  double decodeError = relativeError(
      decode.data(), alone->decodeLogits[0].data(), decode.size());
  std::printf("[ batch    ] %s: rows of %zu and %zu tokens vs batch 1: max "
              "relative difference prefill %.3g, decode %.3g\n",
              name.c_str(), full.size(), shorter.size(), prefillError,
              decodeError);
  EXPECT_LE(prefillError, kTolerance);
  EXPECT_LE(decodeError, kTolerance);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, BatchTest,
                         ::testing::ValuesIn(fixtureNames()),
                         [](const ::testing::TestParamInfo<std::string> &info) {
                           return info.param;
                         });

} // namespace
