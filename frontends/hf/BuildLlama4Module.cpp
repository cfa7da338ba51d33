//===- BuildLlama4Module.cpp - config.json -> llama4 module ---------------===//
//
// Reads like Llama4ForCausalLM.forward: embed, (scatter image features),
// decoder layers, final norm, lm_head. One function per block of the model;
// each layer's choices (MoE or dense, RoPE or NoPE, chunked or global) come
// resolved from the config. The vision tower lives in BuildVisionTower.cpp.
//
//===----------------------------------------------------------------------===//

#include "frontends/hf/BuildLlama4Module.h"

#include "dialects/llama4/IR/Llama4Dialect.h"
#include "frontends/hf/KvCacheLayout.h"
#include "frontends/hf/ModelBuilder.h"

#include <cmath>
#include <map>

using namespace mlir;
using namespace llama4c;

static constexpr int64_t kDynamic = ShapedType::kDynamic;

//===----------------------------------------------------------------------===//
// ModelBuilder
//===----------------------------------------------------------------------===//

ModelBuilder::ModelBuilder(ModuleOp module, const Llama4Config &config,
                           Type elementType, StringRef configPath)
    : b(module.getContext()), config(config), names(config), module(module),
      elementType(elementType),
      fileLoc(FileLineColLoc::get(module.getContext(), configPath, 1, 1)) {}

Location ModelBuilder::loc(const Twine &modulePath) {
  return NameLoc::get(b.getStringAttr(modulePath), fileLoc);
}

RankedTensorType ModelBuilder::tensor(ArrayRef<int64_t> shape) const {
  return RankedTensorType::get(shape, elementType);
}

Value ModelBuilder::weight(StringRef name, ArrayRef<int64_t> shape) {
  RankedTensorType type = tensor(shape);
  auto [it, inserted] = declared.try_emplace(name, nullptr);
  if (inserted) {
    // Declarations stay together at the top of the module, in first-use
    // order, which is the order of the model's forward pass.
    OpBuilder declare(module.getContext());
    if (lastDeclaration)
      declare.setInsertionPointAfter(lastDeclaration);
    else
      declare.setInsertionPointToStart(module.getBody());
    lastDeclaration = llama4::WeightOp::create(
        declare, fileLoc, declare.getStringAttr(name), TypeAttr::get(type));
    it->second = lastDeclaration;
  }
  auto declaration = cast<llama4::WeightOp>(it->second);
  return llama4::WeightRefOp::create(b, b.getUnknownLoc(),
                                     declaration.getTensorType(), name);
}

Value ModelBuilder::splitHeads(Value x, int64_t heads, int64_t headDim,
                               Location loc) {
  auto type = cast<RankedTensorType>(x.getType());
  SmallVector<int64_t> shape(type.getShape().drop_back());
  shape.append({heads, headDim});
  SmallVector<OpFoldResult> outputShape = tensor::getMixedSizes(b, loc, x);
  outputShape.back() = b.getIndexAttr(heads);
  outputShape.push_back(b.getIndexAttr(headDim));
  SmallVector<ReassociationIndices> groups;
  for (int64_t i = 0, e = type.getRank() - 1; i < e; ++i)
    groups.push_back({i});
  groups.push_back({type.getRank() - 1, type.getRank()});
  return tensor::ExpandShapeOp::create(b, loc, tensor(shape), x, groups,
                                       outputShape);
}

Value ModelBuilder::mergeHeads(Value x, Location loc) {
  auto type = cast<RankedTensorType>(x.getType());
  ArrayRef<int64_t> dims = type.getShape();
  SmallVector<int64_t> shape(dims.drop_back(2));
  shape.push_back(dims[dims.size() - 2] * dims.back());
  SmallVector<ReassociationIndices> groups;
  for (int64_t i = 0, e = type.getRank() - 2; i < e; ++i)
    groups.push_back({i});
  groups.push_back({type.getRank() - 2, type.getRank() - 1});
  return tensor::CollapseShapeOp::create(b, loc, tensor(shape), x, groups);
}

//===----------------------------------------------------------------------===//
// Text decoder
//===----------------------------------------------------------------------===//

namespace {

/// The key and value cache of one decoder layer, threaded through the entry
/// function: arguments in, updated values out, with their scales where they
/// hold float8 codes; and, where they are pages of a pool, the block table
/// that allots them to the rows.
struct LayerCache {
  Value key, value;
  Value keyScales, valueScales;
  Value blockTable;

  /// The cache's tensors in the order functions take and return them.
  SmallVector<Value> buffers() const {
    SmallVector<Value> all = {key, value};
    if (keyScales)
      all.append({keyScales, valueScales});
    return all;
  }
  /// Takes the tensors of buffers() from `values`.
  void assign(ValueRange values) {
    key = values[0];
    value = values[1];
    if (keyScales) {
      keyScales = values[2];
      valueScales = values[3];
    }
  }
};

/// The tensors of one decoder layer, named by their checkpoint suffix
/// ("self_attn.q_proj.weight"). Inside a layer function each new tensor
/// becomes the function's next argument; the list of suffixes and shapes is
/// what every call site passes, reading layer i's weights.
class LayerWeights {
public:
  explicit LayerWeights(Block *body) : body(body) {}

  Value get(StringRef tensor, RankedTensorType type, Location loc) {
    tensors.push_back({tensor.str(), type});
    return body->addArgument(type, loc);
  }

  struct Tensor {
    std::string suffix;
    RankedTensorType type;
  };
  std::vector<Tensor> tensors;

private:
  Block *body;
};

/// Builds the text decoder. Layers of one kind (MoE or dense, RoPE or NoPE,
/// chunked or global) share one function per entry point, called once per
/// layer: compile time grows with the number of kinds (2 for Scout), not of
/// layers.
class TextDecoderBuilder {
public:
  TextDecoderBuilder(ModelBuilder &mb, ModuleOp module, StringRef entry)
      : mb(mb), text(mb.config.text), module(module), entry(entry.str()) {}

  /// Calls layer `layer`'s function: h [B, S, D] -> h [B, S, D]; updates
  /// `cache`.
  Value decoderLayer(int64_t layer, Value h, Value positions,
                     LayerCache &cache);
  /// h [B, S, D], indices [B, R] -> the R chosen tokens' h [B, R, D].
  Value gatherTokens(Value h, Value indices);
  /// h [B, S, D] -> logits [B, S, V] in f32.
  Value head(Value h);
  Value embed(Value tokens);

private:
  struct LayerFunction {
    func::FuncOp func;
    std::vector<LayerWeights::Tensor> weights;
  };
  /// The function computing layers of `kind` for this entry point, built on
  /// first use.
  const LayerFunction &layerFunction(const DecoderLayerKind &kind,
                                     Type hiddenType, Type positionsType,
                                     const LayerCache &cache);
  /// The body of a layer function: h -> h, updating `cache`.
  Value layerBody(const DecoderLayerKind &kind, LayerWeights &weights, Value h,
                  Value positions, LayerCache &cache);
  Value projection(LayerWeights &weights, StringRef proj, Value x,
                   int64_t outDim, Location loc);
  Value attention(const DecoderLayerKind &kind, LayerWeights &weights, Value x,
                  Value positions, LayerCache &cache);
  Value feedForward(const DecoderLayerKind &kind, LayerWeights &weights,
                    Value x);
  Value weight(LayerWeights &weights, const Twine &suffix,
               ArrayRef<int64_t> shape, Location loc) {
    return weights.get(suffix.str(), mb.tensor(shape), loc);
  }
  llama4::ActivationAttr activation() {
    return llama4::ActivationAttr::get(
        mb.b.getContext(), text.hiddenAct == Activation::Silu
                               ? llama4::Activation::silu
                               : llama4::Activation::gelu);
  }
  /// Layer functions serve many layers; their locations say "layers.*".
  std::string path(StringRef module) {
    return (mb.config.textWeightPrefix() + "model.layers.*." + module).str();
  }
  static std::string kindName(const DecoderLayerKind &kind) {
    return std::string(kind.isChunked ? "chunked" : "global") +
           (kind.usesRope ? "_rope" : "_nope") + (kind.isMoe ? "_moe" : "_mlp");
  }

  ModelBuilder &mb;
  const Llama4TextConfig &text;
  ModuleOp module;
  std::string entry;
  std::map<std::string, LayerFunction> layerFunctions;
};

} // namespace

Value TextDecoderBuilder::embed(Value tokens) {
  int64_t seq = cast<RankedTensorType>(tokens.getType()).getDimSize(1);
  Value table =
      mb.weight(mb.names.embedTokens(), {text.vocabSize, text.hiddenSize});
  return llama4::EmbedTokensOp::create(
      mb.b, mb.loc(mb.config.textWeightPrefix() + "model.embed_tokens"),
      mb.tensor({kDynamic, seq, text.hiddenSize}), tokens, table);
}

Value TextDecoderBuilder::projection(LayerWeights &weights, StringRef proj,
                                     Value x, int64_t outDim, Location loc) {
  int64_t inDim = cast<RankedTensorType>(x.getType()).getShape().back();
  Value w = weight(weights, "self_attn." + proj + ".weight", {outDim, inDim},
                   loc);
  Value bias;
  if (text.attentionBias)
    bias = weight(weights, "self_attn." + proj + ".bias", {outDim}, loc);
  SmallVector<int64_t> shape(cast<RankedTensorType>(x.getType()).getShape());
  shape.back() = outDim;
  return llama4::LinearOp::create(mb.b, loc, mb.tensor(shape), x, w, bias);
}

Value TextDecoderBuilder::attention(const DecoderLayerKind &kind,
                                    LayerWeights &weights, Value x,
                                    Value positions, LayerCache &cache) {
  Location loc = mb.loc(path("self_attn"));
  OpBuilder &b = mb.b;
  int64_t d = text.headDim, heads = text.numAttentionHeads,
          kvHeads = text.numKeyValueHeads;

  Value q = mb.splitHeads(projection(weights, "q_proj", x, heads * d, loc),
                          heads, d, loc);
  Value k = mb.splitHeads(projection(weights, "k_proj", x, kvHeads * d, loc),
                          kvHeads, d, loc);
  Value v = mb.splitHeads(projection(weights, "v_proj", x, kvHeads * d, loc),
                          kvHeads, d, loc);

  // RoPE layers rotate q and k, then (if use_qk_norm) RMS-normalise them;
  // NoPE layers do neither and instead scale queries by the temperature.
  if (kind.usesRope) {
    llama4::Llama3RopeScalingAttr scaling;
    if (text.ropeScaling)
      scaling = llama4::Llama3RopeScalingAttr::get(
          b.getContext(), APFloat(text.ropeScaling->factor),
          APFloat(text.ropeScaling->lowFreqFactor),
          APFloat(text.ropeScaling->highFreqFactor),
          text.ropeScaling->originalMaxPositionEmbeddings);
    FloatAttr theta = b.getF64FloatAttr(text.ropeTheta);
    q = llama4::RopeOp::create(b, loc, q.getType(), q, positions, theta,
                               scaling);
    k = llama4::RopeOp::create(b, loc, k.getType(), k, positions, theta,
                               scaling);
    if (text.useQkNorm) {
      FloatAttr eps = b.getF64FloatAttr(text.rmsNormEps);
      q = llama4::QkNormOp::create(b, loc, q, eps);
      k = llama4::QkNormOp::create(b, loc, k, eps);
    }
  }
  llama4::TemperatureTuningAttr temperature;
  if (!kind.usesRope && text.attnTemperatureTuning)
    temperature = llama4::TemperatureTuningAttr::get(
        b.getContext(), text.floorScale, APFloat(text.attnScale));

  int64_t chunk = kind.isChunked ? *text.attentionChunkSize : 0;
  Value out = llama4::AttentionOp::create(
      b, loc, q.getType(), q, k, v, cache.key, cache.value, cache.keyScales,
      cache.valueScales, cache.blockTable, positions,
      b.getF64FloatAttr(1.0 / std::sqrt(static_cast<double>(d))),
      b.getI64IntegerAttr(chunk), temperature);
  // The cache is written after attention read the previous tokens from it;
  // keys are stored rotated and normalised.
  auto store = [&](Value &into, Value &scales, Value update) {
    auto op = llama4::KvCacheUpdateOp::create(
        b, loc, into.getType(), scales ? scales.getType() : Type(), into,
        update, scales, cache.blockTable, positions,
        b.getI64IntegerAttr(chunk));
    into = op.getResult();
    if (scales)
      scales = op.getNewScales();
  };
  store(cache.key, cache.keyScales, k);
  store(cache.value, cache.valueScales, v);
  return projection(weights, "o_proj", mb.mergeHeads(out, loc),
                    text.hiddenSize, loc);
}

Value TextDecoderBuilder::feedForward(const DecoderLayerKind &kind,
                                      LayerWeights &weights, Value x) {
  Location loc = mb.loc(path("feed_forward"));
  int64_t dim = text.hiddenSize;
  auto tensor = [&](StringRef name, ArrayRef<int64_t> shape) {
    return weight(weights, "feed_forward." + name, shape, loc);
  };
  if (!kind.isMoe) {
    int64_t width = text.intermediateSizeMlp;
    Value gate = tensor("gate_proj.weight", {width, dim});
    Value up = tensor("up_proj.weight", {width, dim});
    Value down = tensor("down_proj.weight", {dim, width});
    return llama4::SwigluMlpOp::create(mb.b, loc, x.getType(), x, gate, up,
                                       down, activation());
  }
  int64_t experts = text.numLocalExperts, width = text.intermediateSize;
  Value router = tensor("router.weight", {experts, dim});
  // Experts are stored [in, out] with no ".weight" suffix.
  Value gateUp = tensor("experts.gate_up_proj", {experts, dim, 2 * width});
  Value down = tensor("experts.down_proj", {experts, width, dim});
  Value sharedGate = tensor("shared_expert.gate_proj.weight", {width, dim});
  Value sharedUp = tensor("shared_expert.up_proj.weight", {width, dim});
  Value sharedDown = tensor("shared_expert.down_proj.weight", {dim, width});
  return llama4::MoeOp::create(mb.b, loc, x.getType(), x, router, gateUp, down,
                               sharedGate, sharedUp, sharedDown,
                               mb.b.getI64IntegerAttr(text.numExpertsPerTok),
                               activation());
}

Value TextDecoderBuilder::layerBody(const DecoderLayerKind &kind,
                                    LayerWeights &weights, Value h,
                                    Value positions, LayerCache &cache) {
  OpBuilder &b = mb.b;
  FloatAttr eps = b.getF64FloatAttr(text.rmsNormEps);
  Location inputNormLoc = mb.loc(path("input_layernorm"));
  Value inputNorm = weight(weights, "input_layernorm.weight",
                           {text.hiddenSize}, inputNormLoc);
  Value x = llama4::RmsNormOp::create(b, inputNormLoc, h.getType(), h,
                                      inputNorm, eps);
  h = arith::AddFOp::create(b, mb.loc(path("self_attn")), h,
                            attention(kind, weights, x, positions, cache));

  Location postNormLoc = mb.loc(path("post_attention_layernorm"));
  Value postNorm = weight(weights, "post_attention_layernorm.weight",
                          {text.hiddenSize}, postNormLoc);
  x = llama4::RmsNormOp::create(b, postNormLoc, h.getType(), h, postNorm, eps);
  return arith::AddFOp::create(b, mb.loc(path("feed_forward")), h,
                               feedForward(kind, weights, x));
}

const TextDecoderBuilder::LayerFunction &
TextDecoderBuilder::layerFunction(const DecoderLayerKind &kind, Type hiddenType,
                                  Type positionsType, const LayerCache &cache) {
  std::string name = "decoder_layer_" + kindName(kind) + "_" + entry;
  auto it = layerFunctions.find(name);
  if (it != layerFunctions.end())
    return it->second;

  OpBuilder &b = mb.b;
  OpBuilder::InsertionGuard guard(b);
  // Callees go right before the entry function being built, so that module
  // order is call order (passes such as drop-equivalent-buffer-results
  // visit functions in that order).
  b.setInsertionPoint(b.getInsertionBlock()->getParentOp());
  Location loc = mb.loc(path(""));
  SmallVector<Value> buffers = cache.buffers();
  SmallVector<Type> cacheTypes(ValueRange(buffers).getTypes());
  SmallVector<Type> inputs = {hiddenType, positionsType};
  llvm::append_range(inputs, cacheTypes);
  if (cache.blockTable)
    inputs.push_back(cache.blockTable.getType());
  SmallVector<Type> results = {hiddenType};
  llvm::append_range(results, cacheTypes);
  auto func =
      func::FuncOp::create(b, loc, name, b.getFunctionType(inputs, results));
  func.setPrivate();
  Block *body = func.addEntryBlock();
  b.setInsertionPointToStart(body);
  LayerWeights weights(body);
  LayerCache inBody = cache;
  inBody.assign(body->getArguments().slice(2, buffers.size()));
  if (cache.blockTable)
    inBody.blockTable = body->getArgument(2 + buffers.size());
  Value h = layerBody(kind, weights, body->getArgument(0), body->getArgument(1),
                      inBody);
  SmallVector<Value> returned = {h};
  llvm::append_range(returned, inBody.buffers());
  func::ReturnOp::create(b, loc, returned);
  func.setFunctionType(
      b.getFunctionType(body->getArgumentTypes(), func.getResultTypes()));
  return layerFunctions[name] = {func, std::move(weights.tensors)};
}

Value TextDecoderBuilder::decoderLayer(int64_t layer, Value h, Value positions,
                                       LayerCache &cache) {
  const LayerFunction &function = layerFunction(text.layers[layer], h.getType(),
                                                positions.getType(), cache);
  SmallVector<Value> operands = {h, positions};
  llvm::append_range(operands, cache.buffers());
  if (cache.blockTable)
    operands.push_back(cache.blockTable);
  for (const LayerWeights::Tensor &tensor : function.weights)
    operands.push_back(mb.weight(mb.names.textLayer(layer, tensor.suffix),
                                 tensor.type.getShape()));
  auto call = func::CallOp::create(
      mb.b,
      mb.loc(mb.config.textWeightPrefix() + "model.layers." + Twine(layer)),
      function.func, operands);
  cache.assign(call.getResults().drop_front());
  return call.getResult(0);
}

Value TextDecoderBuilder::gatherTokens(Value h, Value indices) {
  auto hType = cast<RankedTensorType>(h.getType());
  auto gathered = RankedTensorType::get(
      {hType.getDimSize(0), kDynamic, hType.getDimSize(2)},
      hType.getElementType());
  return llama4::GatherTokensOp::create(
      mb.b, mb.loc(mb.config.textWeightPrefix() + "model.norm"), gathered, h,
      indices);
}

Value TextDecoderBuilder::head(Value h) {
  OpBuilder &b = mb.b;
  Value normWeight = mb.weight(mb.names.finalNorm(), {text.hiddenSize});
  h = llama4::RmsNormOp::create(
      b, mb.loc(mb.config.textWeightPrefix() + "model.norm"), h.getType(), h,
      normWeight, b.getF64FloatAttr(text.rmsNormEps));
  Value lmHead = mb.weight(mb.names.lmHead(), {text.vocabSize, text.hiddenSize});
  auto hType = cast<RankedTensorType>(h.getType());
  // Logits leave the model in f32: sampling reads them in f32 (as
  // transformers' generate() upcasts them) whatever the compute type.
  auto logitsType = RankedTensorType::get(
      {hType.getDimSize(0), hType.getDimSize(1), text.vocabSize},
      b.getF32Type());
  return llama4::LmHeadOp::create(
      b, mb.loc(mb.config.textWeightPrefix() + "lm_head"), logitsType, h,
      lmHead);
}

//===----------------------------------------------------------------------===//
// Entry functions
//===----------------------------------------------------------------------===//

/// Builds `prefill` (seq = dynamic, with the tokens whose logits it returns
/// and, when multimodal, pixel values) or `decode` (seq = 1, the logits of
/// its one token), their caches as `options` says.
static void buildEntry(ModelBuilder &mb, ModuleOp module, StringRef name,
                       int64_t seq, bool withImages,
                       const BuildOptions &options) {
  MLIRContext *ctx = module.getContext();
  const Llama4TextConfig &text = mb.config.text;
  TextDecoderBuilder decoder(mb, module, name);
  auto ids = RankedTensorType::get({kDynamic, seq}, IntegerType::get(ctx, 32));

  SmallVector<Type> inputs = {ids, ids};
  SmallVector<DictionaryAttr> inputAttrs;
  Builder attrs(ctx);
  auto named = [&](StringRef argName) {
    return attrs.getDictionaryAttr(
        attrs.getNamedAttr("llama4.name", attrs.getStringAttr(argName)));
  };
  inputAttrs.push_back(named("tokens"));
  inputAttrs.push_back(named("positions"));
  bool choosesLogits = ShapedType::isDynamic(seq);
  if (choosesLogits) {
    // [B, R]: which of each row's tokens get logits.
    inputs.push_back(
        RankedTensorType::get({kDynamic, kDynamic}, IntegerType::get(ctx, 32)));
    inputAttrs.push_back(named("logits_at"));
  }
  if (withImages) {
    const Llama4VisionConfig &vision = *mb.config.vision;
    inputs.push_back(mb.tensor(
        {kDynamic, vision.numChannels, vision.imageSize, vision.imageSize}));
    inputAttrs.push_back(named("pixel_values"));
  }
  // The logits, then each logits row's greedy token.
  SmallVector<Type> results = {
      RankedTensorType::get({kDynamic, seq, text.vocabSize},
                            Float32Type::get(ctx)),
      RankedTensorType::get({kDynamic, seq}, IntegerType::get(ctx, 32))};
  bool fp8 = options.kvCacheType == KvCacheType::F8E4M3;
  std::vector<KvCacheEntry> layout =
      kvCacheLayout(mb.config, options.kvPageSize, /*scaled=*/fp8);
  bool paged = llvm::any_of(
      layout, [](const KvCacheEntry &entry) { return entry.pageSize > 0; });
  if (paged) {
    // [B, T]: row b's pages of the global layers' pools, in position order.
    inputs.push_back(
        RankedTensorType::get({kDynamic, kDynamic}, IntegerType::get(ctx, 32)));
    inputAttrs.push_back(named("block_table"));
  }
  for (const KvCacheEntry &entry : layout) {
    // [B, Hkv, window, d] for a chunked layer, [pages, Hkv, page size, d]
    // for a global one; f8E4M3FN codes with f32 scales [.., 1] where fp8.
    bool chunked = entry.window > 0;
    bool scales = entry.kind == KvCacheKind::KeyScales ||
                  entry.kind == KvCacheKind::ValueScales;
    SmallVector<int64_t> shape = {kDynamic, entry.kvHeads,
                                  chunked ? entry.window : entry.pageSize,
                                  entry.width};
    Type cache = mb.tensor(shape);
    if (scales || fp8)
      cache = RankedTensorType::get(
          shape, scales ? Type(attrs.getF32Type())
                        : Type(attrs.getType<Float8E4M3FNType>()));
    inputs.push_back(cache);
    results.push_back(cache);
    inputAttrs.push_back(attrs.getDictionaryAttr(attrs.getNamedAttr(
        llama4::kKvCacheAttrName,
        attrs.getDictionaryAttr(
            {attrs.getNamedAttr("layer", attrs.getI64IntegerAttr(entry.layer)),
             attrs.getNamedAttr(
                 "kind", attrs.getStringAttr(kvCacheKindName(entry.kind))),
             attrs.getNamedAttr(
                 chunked ? llama4::kKvCacheWindow : llama4::kKvCachePageSize,
                 attrs.getI64IntegerAttr(chunked ? entry.window
                                                 : entry.pageSize))}))));
  }

  OpBuilder &b = mb.b;
  b.setInsertionPointToEnd(module.getBody());
  auto func = func::FuncOp::create(b, mb.loc(name), name,
                                   b.getFunctionType(inputs, results));
  func.setAllArgAttrs(inputAttrs);
  Block *body = func.addEntryBlock();
  b.setInsertionPointToStart(body);

  Value tokens = body->getArgument(0), positions = body->getArgument(1);
  unsigned pixelValues = choosesLogits ? 3 : 2;
  unsigned blockTable = withImages ? pixelValues + 1 : pixelValues;
  unsigned firstCache = paged ? blockTable + 1 : blockTable;
  Value h = decoder.embed(tokens);
  if (withImages) {
    Value features = mb.visionFeatures(body->getArgument(pixelValues));
    h = llama4::ScatterImageFeaturesOp::create(
        b, mb.loc("multi_modal_projector"), h.getType(), h, tokens, features,
        b.getI64IntegerAttr(mb.config.imageTokenIndex));
  }
  SmallVector<Value> outputs = {Value(), Value()};
  int64_t perLayer = fp8 ? 4 : 2;
  for (int64_t layer = 0; layer < text.numHiddenLayers; ++layer) {
    LayerCache cache;
    unsigned first = firstCache + perLayer * layer;
    cache.key = body->getArgument(first);
    cache.value = body->getArgument(first + 1);
    if (fp8) {
      cache.keyScales = body->getArgument(first + 2);
      cache.valueScales = body->getArgument(first + 3);
    }
    if (layout[perLayer * layer].pageSize > 0)
      cache.blockTable = body->getArgument(blockTable);
    h = decoder.decoderLayer(layer, h, positions, cache);
    llvm::append_range(outputs, cache.buffers());
  }
  if (choosesLogits)
    h = decoder.gatherTokens(h, body->getArgument(2));
  outputs[0] = decoder.head(h);
  outputs[1] =
      llama4::GreedyTokenOp::create(b, mb.loc(name), results[1], outputs[0]);
  func::ReturnOp::create(b, mb.loc(name), outputs);
}

OwningOpRef<ModuleOp> llama4c::buildLlama4Module(MLIRContext &context,
                                                 const Llama4Config &config,
                                                 const BuildOptions &options) {
  context.loadDialect<llama4::Llama4Dialect, func::FuncDialect,
                      arith::ArithDialect, tensor::TensorDialect>();
  Location fileLoc = FileLineColLoc::get(&context, options.configPath, 1, 1);
  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  Type elementType = options.computeType == ComputeType::BF16
                         ? Type(BFloat16Type::get(&context))
                         : Type(Float32Type::get(&context));
  ModelBuilder mb(*module, config, elementType, options.configPath);
  buildEntry(mb, *module, "prefill", kDynamic, config.isMultimodal(), options);
  buildEntry(mb, *module, "decode", 1, /*withImages=*/false, options);
  return module;
}
