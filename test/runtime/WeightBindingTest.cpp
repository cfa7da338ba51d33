//===- WeightBindingTest.cpp - Tests for BoundWeights::bind ---------------===//
//
// Matching tensors are used in place, in manifest order; bf16 tensors are
// widened for an f32 model and misaligned ones copied; everything else
// (a missing tensor, another shape, another dtype) fails with a message
// naming the checkpoint file and the tensor.
//
//===----------------------------------------------------------------------===//

#include "runtime/loader/WeightBinding.h"

#include "test/runtime/TestSupport.h"

#include <cstring>

using namespace llama4c::runtime;
using namespace llama4c::runtime::testing;
using json = nlohmann::json;

namespace {

/// A manifest of compute type `dtype` with weights "bias" [4] and
/// "table" [2, 3].
Manifest manifestOf(const char *dtype) {
  return llama4c::runtime::testing::manifestOf(dtype,
                                               {{{"name", "bias"},
                                                 {"dtype", dtype},
                                                 {"shape", {4}},
                                                 {"role", "every_step"}},
                                                {{"name", "table"},
                                                 {"dtype", dtype},
                                                 {"shape", {2, 3}},
                                                 {"role", "embedding"}}},
                                               json::array());
}

const std::vector<float> kBias = {1, 2, 3, 4};
const std::vector<float> kTable = {0.5f, -1, 2, 3, 4, 5};

class WeightBindingTest : public TempDirTest {
protected:
  /// Writes model.safetensors holding `tensors` and opens the directory.
  Checkpoint checkpointOf(const std::vector<TensorSpec> &tensors) {
    writeFile(path("model.safetensors"), SafetensorsImage::of(tensors).bytes());
    return open();
  }

  Checkpoint open() {
    Expected<Checkpoint> checkpoint = Checkpoint::open(dir);
    EXPECT_TRUE(checkpoint) << checkpoint.error().message();
    return std::move(*checkpoint);
  }

  /// The error of binding an f32 manifest to a checkpoint where "table" is
  /// `table` and "bias" is valid.
  std::string errorWithTable(const TensorSpec &table) {
    Checkpoint checkpoint =
        checkpointOf({{"bias", "F32", {4}, bytesOf(kBias)}, table});
    return errorOf(BoundWeights::bind(manifestOf("f32"), checkpoint));
  }

  static std::vector<float> floatsAt(const void *data, size_t count) {
    std::vector<float> values(count);
    std::memcpy(values.data(), data, count * sizeof(float));
    return values;
  }
};

TEST_F(WeightBindingTest, UsesMatchingTensorsInPlaceInManifestOrder) {
  // The checkpoint holds them in the other order, plus a tensor the model
  // does not use.
  Checkpoint checkpoint =
      checkpointOf({{"table", "F32", {2, 3}, bytesOf(kTable)},
                    {"vision.patch_embedding", "F32", {1}, bytesOf<float>({9})},
                    {"bias", "F32", {4}, bytesOf(kBias)}});
  Expected<BoundWeights> bound =
      BoundWeights::bind(manifestOf("f32"), checkpoint);
  ASSERT_TRUE(bound) << bound.error().message();
  ASSERT_EQ(bound->size(), 2u);
  EXPECT_EQ(bound->pointers()[0], checkpoint.find("bias")->data);
  EXPECT_EQ(bound->pointers()[1], checkpoint.find("table")->data);
  EXPECT_EQ(bound->copiedBytes(), 0u);
}

TEST_F(WeightBindingTest, UsesBf16TensorsInPlaceForABf16Model) {
  Checkpoint checkpoint =
      checkpointOf({{"bias", "BF16", {4}, std::string(8, '\1')},
                    {"table", "BF16", {2, 3}, std::string(12, '\2')}});
  Expected<BoundWeights> bound =
      BoundWeights::bind(manifestOf("bf16"), checkpoint);
  ASSERT_TRUE(bound) << bound.error().message();
  EXPECT_EQ(bound->pointers()[1], checkpoint.find("table")->data);
  EXPECT_EQ(bound->copiedBytes(), 0u);
}

TEST_F(WeightBindingTest, WidensBf16TensorsForAnF32Model) {
  // bf16 1.0, -2.0, 0.5, 3.0 (the top halves of their f32 patterns).
  Checkpoint checkpoint =
      checkpointOf({{"bias",
                     "BF16",
                     {4},
                     bytesOf<uint16_t>({0x3F80, 0xC000, 0x3F00, 0x4040})},
                    {"table", "F32", {2, 3}, bytesOf(kTable)}});
  Expected<BoundWeights> bound =
      BoundWeights::bind(manifestOf("f32"), checkpoint);
  ASSERT_TRUE(bound) << bound.error().message();
  EXPECT_NE(bound->pointers()[0], checkpoint.find("bias")->data);
  EXPECT_EQ(floatsAt(bound->pointers()[0], 4),
            (std::vector<float>{1, -2, 0.5f, 3}));
  EXPECT_EQ(bound->pointers()[1], checkpoint.find("table")->data);
  EXPECT_EQ(bound->copiedBytes(), 4 * sizeof(float));
}

// safetensors promises no alignment: a header of odd length leaves every
// tensor at an odd address, and the model gets aligned copies.
TEST_F(WeightBindingTest, CopiesMisalignedTensors) {
  SafetensorsImage image =
      SafetensorsImage::of({{"bias", "F32", {4}, bytesOf(kBias)},
                            {"table", "F32", {2, 3}, bytesOf(kTable)}});
  std::string header = image.header.dump();
  while ((8 + header.size()) % 4 != 1)
    header += ' ';
  writeFile(path("model.safetensors"),
            encodeSafetensors(header, image.data, /*alignment=*/1));
  Checkpoint checkpoint = open();
  ASSERT_NE(reinterpret_cast<uintptr_t>(checkpoint.find("bias")->data) % 4, 0u);

  Expected<BoundWeights> bound =
      BoundWeights::bind(manifestOf("f32"), checkpoint);
  ASSERT_TRUE(bound) << bound.error().message();
  for (size_t i = 0; i < 2; ++i)
    EXPECT_EQ(reinterpret_cast<uintptr_t>(bound->pointers()[i]) % 4, 0u);
  EXPECT_EQ(floatsAt(bound->pointers()[0], 4), kBias);
  EXPECT_EQ(floatsAt(bound->pointers()[1], 6), kTable);
  EXPECT_EQ(bound->copiedBytes(), 10 * sizeof(float));
}

TEST_F(WeightBindingTest, RejectsAMissingTensor) {
  Checkpoint checkpoint = checkpointOf({{"bias", "F32", {4}, bytesOf(kBias)}});
  EXPECT_EQ(errorOf(BoundWeights::bind(manifestOf("f32"), checkpoint)),
            dir + ": table: tensor not found in the checkpoint");
}

TEST_F(WeightBindingTest, RejectsAnotherShape) {
  EXPECT_EQ(errorWithTable({"table", "F32", {3, 2}, bytesOf(kTable)}),
            path("model.safetensors") +
                ": table: expected f32 [2, 3], got f32 [3, 2]");
  EXPECT_EQ(errorWithTable({"table", "F32", {6}, bytesOf(kTable)}),
            path("model.safetensors") +
                ": table: expected f32 [2, 3], got f32 [6]");
  // A bf16 tensor that could be widened still needs the right shape.
  EXPECT_EQ(errorWithTable({"table", "BF16", {3, 2}, std::string(12, '\0')}),
            path("model.safetensors") +
                ": table: expected f32 [2, 3], got bf16 [3, 2]");
}

TEST_F(WeightBindingTest, RejectsAnotherDtype) {
  EXPECT_EQ(errorWithTable({"table", "F16", {2, 3}, std::string(12, '\0')}),
            path("model.safetensors") +
                ": table: expected f32 [2, 3], got f16 [2, 3]");
  EXPECT_EQ(errorWithTable({"table", "I32", {2, 3}, std::string(24, '\0')}),
            path("model.safetensors") +
                ": table: expected f32 [2, 3], got i32 [2, 3]");
  // Only f32 <-> bf16 converts; an f16 tensor does not feed a bf16 model.
  Checkpoint checkpoint =
      checkpointOf({{"bias", "F16", {4}, std::string(8, '\0')},
                    {"table", "F32", {2, 3}, bytesOf(kTable)}});
  EXPECT_EQ(errorOf(BoundWeights::bind(manifestOf("bf16"), checkpoint)),
            path("model.safetensors") +
                ": bias: expected bf16 [4], got f16 [4]");
}

TEST_F(WeightBindingTest, RoundsF32TensorsForABf16Model) {
  // 1.0 and -2.0 are exact in bf16 (8 significant bits); 1 + 2^-8 lies
  // halfway and rounds to even (1.0); 1 + 3 * 2^-9 rounds up to 1 + 2^-7.
  Checkpoint checkpoint = checkpointOf(
      {{"bias", "F32", {4},
        bytesOf<float>({1.0f, -2.0f, 1.0f + 1.0f / 256, 1.0f + 3.0f / 512})},
       {"table", "BF16", {2, 3}, std::string(12, '\2')}});
  Expected<BoundWeights> bound =
      BoundWeights::bind(manifestOf("bf16"), checkpoint);
  ASSERT_TRUE(bound) << bound.error().message();
  std::vector<uint16_t> bias(4);
  std::memcpy(bias.data(), bound->pointers()[0], 8);
  EXPECT_EQ(bias, (std::vector<uint16_t>{0x3F80, 0xC000, 0x3F80, 0x3F81}));
  EXPECT_EQ(bound->pointers()[1], checkpoint.find("table")->data);
  EXPECT_EQ(bound->copiedBytes(), 4 * sizeof(uint16_t));
}

TEST_F(WeightBindingTest, NamesTheShardAtFault) {
  const char *shard1 = "model-00001-of-00002.safetensors";
  const char *shard2 = "model-00002-of-00002.safetensors";
  writeFile(
      path(shard1),
      SafetensorsImage::of({{"bias", "F32", {4}, bytesOf(kBias)}}).bytes());
  writeFile(path(shard2), SafetensorsImage::of(
                              {{"table", "F32", {2, 2}, std::string(16, '\0')}})
                              .bytes());
  writeFile(
      path("model.safetensors.index.json"),
      json({{"weight_map", {{"bias", shard1}, {"table", shard2}}}}).dump());
  Checkpoint checkpoint = open();
  EXPECT_EQ(errorOf(BoundWeights::bind(manifestOf("f32"), checkpoint)),
            path(shard2) + ": table: expected f32 [2, 3], got f32 [2, 2]");
}

} // namespace
