//===- BuildVisionTower.cpp - The vision tower of a multimodal config -----===//
//
// Reads like Llama4VisionModel.forward followed by the multimodal projector:
// patch embedding, class + positional embedding, pre-LayerNorm, encoder
// layers with 2-D RoPE, post-LayerNorm, drop the class token, pixel
// shuffle, adapter MLP, projector into the text hidden size.
//
// The encoder layers all have one shape, so the layer is built once, as the
// private function @vision_encoder_layer taking the hidden state and the
// layer's 16 tensors, and prefill calls it per layer with that layer's
// weights. Compiling Scout's 34 vision layers then costs one layer's worth
// of lowering and LLVM time instead of 34.
//
//===----------------------------------------------------------------------===//

#include "dialects/llama4/IR/Llama4Dialect.h"
#include "frontends/hf/ModelBuilder.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

#include <cmath>

using namespace mlir;
using namespace llama4c;

static constexpr int64_t kDynamic = ShapedType::kDynamic;

namespace {

/// A tensor of an encoder layer: its name within the layer and its shape.
struct LayerTensor {
  std::string name;
  SmallVector<int64_t, 2> shape;
};

/// Reads a tensor of the encoder layer being built by its name in the layer.
using LayerTensors = function_ref<Value(StringRef)>;

class VisionTowerBuilder {
public:
  VisionTowerBuilder(ModelBuilder &mb)
      : mb(mb), vision(*mb.config.vision), b(mb.b) {}

  Value features(Value pixels);

private:
  /// The tensors of one encoder layer, in @vision_encoder_layer's argument
  /// order (after the hidden state).
  SmallVector<LayerTensor> layerTensors() const;
  /// Declares @vision_encoder_layer before the function being built.
  func::FuncOp buildLayerFunction();
  Value encoderLayer(Value h, LayerTensors tensor);
  Value layerNorm(Value x, Value weight, Value bias, Location loc);
  /// nn.Linear with bias: x [N, T, in] -> [N, T, out].
  Value linearWithBias(Value x, Value weight, Value bias, Location loc);
  std::string path(StringRef module) {
    return WeightNames::visionModel(("model.layers." + module).str());
  }

  ModelBuilder &mb;
  const Llama4VisionConfig &vision;
  OpBuilder &b;
};

} // namespace

SmallVector<LayerTensor> VisionTowerBuilder::layerTensors() const {
  int64_t dim = vision.hiddenSize, width = vision.intermediateSize;
  SmallVector<LayerTensor> tensors = {{"input_layernorm.weight", {dim}},
                                      {"input_layernorm.bias", {dim}}};
  for (StringRef proj : {"q_proj", "k_proj", "v_proj", "o_proj"}) {
    std::string prefix = ("self_attn." + proj).str();
    tensors.push_back({prefix + ".weight", {dim, dim}});
    tensors.push_back({prefix + ".bias", {dim}});
  }
  tensors.append({{"post_attention_layernorm.weight", {dim}},
                  {"post_attention_layernorm.bias", {dim}},
                  {"mlp.fc1.weight", {width, dim}},
                  {"mlp.fc1.bias", {width}},
                  {"mlp.fc2.weight", {dim, width}},
                  {"mlp.fc2.bias", {dim}}});
  return tensors;
}

Value VisionTowerBuilder::layerNorm(Value x, Value weight, Value bias,
                                    Location loc) {
  // transformers builds nn.LayerNorm with PyTorch's default eps whatever
  // the config's norm_eps says.
  return llama4::LayerNormOp::create(b, loc, x.getType(), x, weight, bias,
                                     b.getF64FloatAttr(1e-5));
}

Value VisionTowerBuilder::linearWithBias(Value x, Value weight, Value bias,
                                         Location loc) {
  auto type = cast<RankedTensorType>(x.getType());
  SmallVector<int64_t> shape(type.getShape());
  shape.back() = cast<RankedTensorType>(weight.getType()).getDimSize(0);
  return llama4::LinearOp::create(b, loc, mb.tensor(shape), x, weight, bias);
}

Value VisionTowerBuilder::encoderLayer(Value h, LayerTensors tensor) {
  int64_t heads = vision.numAttentionHeads, headDim = vision.headDim();
  Location attnLoc = mb.loc(path("self_attn"));
  Value x = layerNorm(h, tensor("input_layernorm.weight"),
                      tensor("input_layernorm.bias"),
                      mb.loc(path("input_layernorm")));
  auto project = [&](StringRef proj) {
    return mb.splitHeads(
        linearWithBias(x, tensor(("self_attn." + proj + ".weight").str()),
                       tensor(("self_attn." + proj + ".bias").str()), attnLoc),
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
      linearWithBias(mb.mergeHeads(attn, attnLoc),
                     tensor("self_attn.o_proj.weight"),
                     tensor("self_attn.o_proj.bias"), attnLoc));

  Location mlpLoc = mb.loc(path("mlp"));
  x = layerNorm(h, tensor("post_attention_layernorm.weight"),
                tensor("post_attention_layernorm.bias"),
                mb.loc(path("post_attention_layernorm")));
  Value mlp = llama4::GeluMlpOp::create(
      b, mlpLoc, x.getType(), x, tensor("mlp.fc1.weight"),
      tensor("mlp.fc1.bias"), tensor("mlp.fc2.weight"), tensor("mlp.fc2.bias"));
  return arith::AddFOp::create(b, mlpLoc, h, mlp);
}

func::FuncOp VisionTowerBuilder::buildLayerFunction() {
  OpBuilder::InsertionGuard guard(b);
  Operation *caller = b.getInsertionBlock()->getParentOp();
  while (!isa<func::FuncOp>(caller))
    caller = caller->getParentOp();
  b.setInsertionPoint(caller);

  RankedTensorType hidden =
      mb.tensor({kDynamic, vision.numPatches() + 1, vision.hiddenSize});
  SmallVector<LayerTensor> tensors = layerTensors();
  SmallVector<Type> inputs = {hidden};
  for (const LayerTensor &t : tensors)
    inputs.push_back(mb.tensor(t.shape));
  Location loc = mb.loc(WeightNames::visionModel("model.layers"));
  auto function = func::FuncOp::create(b, loc, "vision_encoder_layer",
                                       b.getFunctionType(inputs, {hidden}));
  function.setPrivate();
  Block *body = function.addEntryBlock();
  b.setInsertionPointToStart(body);
  Value out = encoderLayer(body->getArgument(0), [&](StringRef name) {
    auto it = llvm::find_if(
        tensors, [&](const LayerTensor &t) { return t.name == name; });
    assert(it != tensors.end() && "not a tensor of the encoder layer");
    return Value(body->getArgument(1 + (it - tensors.begin())));
  });
  func::ReturnOp::create(b, loc, out);
  return function;
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
  std::string pre = WeightNames::visionModel("layernorm_pre");
  h = layerNorm(h, mb.weight(pre + ".weight", {dim}),
                mb.weight(pre + ".bias", {dim}), mb.loc(pre));
  func::FuncOp layerFunction = buildLayerFunction();
  for (int64_t layer = 0; layer < vision.numHiddenLayers; ++layer) {
    SmallVector<Value> operands = {h};
    for (const LayerTensor &t : layerTensors())
      operands.push_back(
          mb.weight(WeightNames::visionLayer(layer, t.name), t.shape));
    h = func::CallOp::create(
            b, mb.loc(WeightNames::visionModel("model.layers." +
                                               std::to_string(layer))),
            layerFunction, operands)
            .getResult(0);
  }
  std::string post = WeightNames::visionModel("layernorm_post");
  Location postLoc = mb.loc(post);
  h = layerNorm(h, mb.weight(post + ".weight", {dim}),
                mb.weight(post + ".bias", {dim}), postLoc);

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
