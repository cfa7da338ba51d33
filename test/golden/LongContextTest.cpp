//===- LongContextTest.cpp - A 131,072-token prompt against the spec ------===//
//
// test/golden/long-context (scripts/make_long_context.py): a two-layer
// model with Scout's attention chunk, RoPE and temperature tuning, a
// chunked layer then a global one, and a prompt of 131,072 tokens that
// crosses 15 chunk ends. transformers cannot run it in memory, so the
// reference is a float64 re-implementation of the spec, itself checked
// against transformers on a 9,000-token prefix. generate() feeds the
// prompt as llama4-run does (calls of one attention chunk), then decodes
// greedily; the logits at every chunk's first two and last positions,
// 16 random ones and each decode step must be the reference's within
// 1e-4, and the tokens its tokens.
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

TEST(LongContextTest, A131072TokenPromptMatchesTheSpecAcrossChunks) {
  const std::string dir = LLAMA4C_LONG_CONTEXT_DIR;
  Expected<std::unique_ptr<LoadedModel>> loaded =
      LoadedModel::open(goldenModel("long-context"), dir);
  ASSERT_TRUE(loaded) << loaded.error().message();
  const LoadedModel &model = **loaded;
  Expected<SafetensorsFile> file =
      SafetensorsFile::open(dir + "/reference.safetensors");
  ASSERT_TRUE(file) << file.error().message();
  const TensorView *ids = file->find("input_ids");
  const TensorView *positions = file->find("positions");
  const TensorView *steps = file->find("decode_logits");
  ASSERT_TRUE(ids && ids->shape.size() == 1 && positions &&
              positions->shape.size() == 1 && steps &&
              steps->shape.size() == 2);
  int64_t S = ids->shape[0], P = positions->shape[0], N = steps->shape[0],
          V = steps->shape[1];
  ASSERT_EQ(model.model.manifest().vocabSize, V);
  Expected<std::vector<uint8_t>> prompt =
      readTensor<uint8_t>(*file, "input_ids", DType::U8, {S});
  Expected<std::vector<int64_t>> at =
      readTensor<int64_t>(*file, "positions", DType::I64, {P});
  Expected<std::vector<float>> prefillRef =
      readTensor<float>(*file, "prefill_logits", DType::F32, {P, V});
  Expected<std::vector<int64_t>> generatedRef =
      readTensor<int64_t>(*file, "generated_ids", DType::I64, {N});
  Expected<std::vector<float>> decodeRef =
      readTensor<float>(*file, "decode_logits", DType::F32, {N, V});
  ASSERT_TRUE(prompt && at && prefillRef && generatedRef && decodeRef);

  GenerateOptions options;
  options.maxNewTokens = N;
  options.keepLogits = true;
  Expected<Generation> generation = generate(
      model.model, model.weights,
      {std::vector<int64_t>(prompt->begin(), prompt->end())}, options);
  ASSERT_TRUE(generation) << generation.error().message();
  const std::vector<float> &prefill = generation->prefillLogits[0];
  ASSERT_EQ(int64_t(prefill.size()), S * V);

  double prefillError = 0;
  for (int64_t p = 0; p < P; ++p) {
    int64_t position = (*at)[p];
    ASSERT_LT(position, S);
    double error = relativeError(&prefill[position * V],
                                 &(*prefillRef)[p * V], size_t(V));
    EXPECT_LE(error, kTolerance) << "position " << position;
    prefillError = std::max(prefillError, error);
  }
  double decodeError = 0;
  for (int64_t t = 0; t < N; ++t) {
    const float *ours = t == 0 ? &prefill[(S - 1) * V]
                               : &generation->decodeLogits[0][(t - 1) * V];
    double error = relativeError(ours, &(*decodeRef)[t * V], size_t(V));
    EXPECT_LE(error, kTolerance) << "decode step " << t;
    decodeError = std::max(decodeError, error);
  }
  EXPECT_EQ(generation->tokens[0], *generatedRef);
  const GenerationTiming &timing = generation->timing;
  std::printf("[ long     ] %lld tokens in %lld calls, %.1f s: max relative "
              "error at %lld positions %.3g, decode %.3g\n",
              (long long)S, (long long)timing.prefillCalls,
              timing.prefillSeconds, (long long)P, prefillError, decodeError);
}

} // namespace
