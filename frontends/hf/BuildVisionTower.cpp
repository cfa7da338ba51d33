//===- BuildVisionTower.cpp - The vision tower of a multimodal config -----===//
//
// Reads like Llama4VisionModel.forward followed by the multimodal projector:
// patch embedding, class + positional embedding, pre-LayerNorm, encoder
// layers with 2-D RoPE, post-LayerNorm, drop the class token, pixel
// shuffle, adapter MLP, projector into the text hidden size.
//
//===----------------------------------------------------------------------===//

#include "dialects/llama4/IR/Llama4Dialect.h"
#include "frontends/hf/ModelBuilder.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"

#include <cmath>

using namespace mlir;
using namespace llama4c;

static constexpr int64_t kDynamic = ShapedType::kDynamic;

namespace {

class VisionTowerBuilder {
public:
  VisionTowerBuilder(ModelBuilder &mb)
      : mb(mb), vision(*mb.config.vision), b(mb.b) {}

  Value features(Value pixels);

private:
  Value encoderLayer(int64_t layer, Value h);
  Value layerNorm(Value x, const std::string &weightPrefix, Location loc);
  /// nn.Linear with bias of vision layer `layer`: x [N, T, in] -> [N, T, out].
  Value linearWithBias(int64_t layer, StringRef proj, Value x, int64_t outDim,
                       Location loc);
  std::string path(int64_t layer, StringRef module) {
    return WeightNames::visionLayer(layer, module);
  }

  ModelBuilder &mb;
  const Llama4VisionConfig &vision;
  OpBuilder &b;
};

} // namespace

Value VisionTowerBuilder::layerNorm(Value x, const std::string &weightPrefix,
                                    Location loc) {
  int64_t dim = vision.hiddenSize;
  // transformers builds nn.LayerNorm with PyTorch's default eps whatever
  // the config's norm_eps says.
  return llama4::LayerNormOp::create(
      b, loc, x.getType(), x, mb.weight(weightPrefix + ".weight", {dim}),
      mb.weight(weightPrefix + ".bias", {dim}), b.getF64FloatAttr(1e-5));
}

Value VisionTowerBuilder::linearWithBias(int64_t layer, StringRef proj, Value x,
                                         int64_t outDim, Location loc) {
  auto type = cast<RankedTensorType>(x.getType());
  int64_t inDim = type.getShape().back();
  std::string name = WeightNames::visionLayer(layer, proj);
  SmallVector<int64_t> shape(type.getShape());
  shape.back() = outDim;
  return llama4::LinearOp::create(b, loc, mb.tensor(shape), x,
                                  mb.weight(name + ".weight", {outDim, inDim}),
                                  mb.weight(name + ".bias", {outDim}));
}

Value VisionTowerBuilder::encoderLayer(int64_t layer, Value h) {
  int64_t dim = vision.hiddenSize, heads = vision.numAttentionHeads,
          headDim = vision.headDim();
  Location attnLoc = mb.loc(path(layer, "self_attn"));
  Value x = layerNorm(h, path(layer, "input_layernorm"),
                      mb.loc(path(layer, "input_layernorm")));
  auto project = [&](StringRef proj) {
    return mb.splitHeads(
        linearWithBias(layer, ("self_attn." + proj).str(), x, dim, attnLoc),
        heads, headDim, attnLoc);
  };
  Value q = project("q_proj"), k = project("k_proj"), v = project("v_proj");
  IntegerAttr side = b.getI64IntegerAttr(vision.patchGridSide());
  FloatAttr theta = b.getF64FloatAttr(vision.ropeTheta);
  q = llama4::VisionRopeOp::create(b, attnLoc, q, side, theta);
  k = llama4::VisionRopeOp::create(b, attnLoc, k, side, theta);
  Value attn = llama4::VisionAttentionOp::create(
      b, attnLoc, q.getType(), q, k, v,
      b.getF64FloatAttr(1.0 / std::sqrt(static_cast<double>(headDim))));
  h = arith::AddFOp::create(
      b, attnLoc, h,
      linearWithBias(layer, "self_attn.o_proj", mb.mergeHeads(attn, attnLoc),
                     dim, attnLoc));

  Location mlpLoc = mb.loc(path(layer, "mlp"));
  x = layerNorm(h, path(layer, "post_attention_layernorm"),
                mb.loc(path(layer, "post_attention_layernorm")));
  int64_t width = vision.intermediateSize;
  Value mlp = llama4::GeluMlpOp::create(
      b, mlpLoc, x.getType(), x,
      mb.weight(path(layer, "mlp.fc1.weight"), {width, dim}),
      mb.weight(path(layer, "mlp.fc1.bias"), {width}),
      mb.weight(path(layer, "mlp.fc2.weight"), {dim, width}),
      mb.weight(path(layer, "mlp.fc2.bias"), {dim}));
  return arith::AddFOp::create(b, mlpLoc, h, mlp);
}

Value VisionTowerBuilder::features(Value pixels) {
  int64_t dim = vision.hiddenSize, patches = vision.numPatches();
  int64_t patchValues =
      vision.numChannels * vision.patchSize * vision.patchSize;
  Value h = llama4::UnfoldPatchEmbedOp::create(
      b, mb.loc(WeightNames::visionModel("patch_embedding")),
      mb.tensor({kDynamic, patches, dim}), pixels,
      mb.weight(WeightNames::visionModel("patch_embedding.linear.weight"),
                {dim, patchValues}),
      b.getI64IntegerAttr(vision.patchSize));
  h = llama4::ClassPosEmbedOp::create(
      b, mb.loc(WeightNames::visionModel("positional_embedding_vlm")),
      mb.tensor({kDynamic, patches + 1, dim}), h,
      mb.weight(WeightNames::visionModel("class_embedding"), {dim}),
      mb.weight(WeightNames::visionModel("positional_embedding_vlm"),
                {patches + 1, dim}));
  h = layerNorm(h, WeightNames::visionModel("layernorm_pre"),
                mb.loc(WeightNames::visionModel("layernorm_pre")));
  for (int64_t layer = 0; layer < vision.numHiddenLayers; ++layer)
    h = encoderLayer(layer, h);
  Location postLoc = mb.loc(WeightNames::visionModel("layernorm_post"));
  h = layerNorm(h, WeightNames::visionModel("layernorm_post"), postLoc);

  // The class token is the last of each tile; pixel shuffle reads only the
  // patch grid.
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, postLoc, h);
  sizes[1] = b.getIndexAttr(patches);
  SmallVector<OpFoldResult> offsets(3, b.getIndexAttr(0)),
      strides(3, b.getIndexAttr(1));
  h = tensor::ExtractSliceOp::create(b, postLoc,
                                     mb.tensor({kDynamic, patches, dim}), h,
                                     offsets, sizes, strides);

  double ratio = vision.pixelShuffleRatio;
  int64_t tokens = vision.tokensPerTile();
  int64_t shuffled = std::llround(dim / (ratio * ratio));
  Location adapterLoc = mb.loc(WeightNames::visionModel("vision_adapter"));
  h = llama4::PixelShuffleOp::create(b, adapterLoc,
                                     mb.tensor({kDynamic, tokens, shuffled}),
                                     h, b.getF64FloatAttr(ratio));
  int64_t adapterIn = vision.intermediateSize, hidden = vision.projectorInputDim,
          out = vision.projectorOutputDim;
  h = llama4::VisionAdapterOp::create(
      b, adapterLoc, mb.tensor({kDynamic, tokens, out}), h,
      mb.weight(WeightNames::visionModel("vision_adapter.mlp.fc1.weight"),
                {hidden, adapterIn}),
      mb.weight(WeightNames::visionModel("vision_adapter.mlp.fc2.weight"),
                {out, hidden}));
  int64_t textDim = mb.config.text.hiddenSize;
  return llama4::MultiModalProjectorOp::create(
      b, mb.loc("multi_modal_projector"), mb.tensor({kDynamic, textDim}), h,
      mb.weight(WeightNames::multiModalProjector(),
                {textDim, vision.visionOutputDim}));
}

Value ModelBuilder::visionFeatures(Value pixelValues) {
  return VisionTowerBuilder(*this).features(pixelValues);
}
