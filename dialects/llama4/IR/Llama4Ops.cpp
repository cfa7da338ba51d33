//===- Llama4Ops.cpp - Verifiers of the llama4 ops ------------------------===//
//
// Each verifier states the shape contract of its op (see the legend in
// Llama4Ops.td) through ShapeVerifier, so every diagnostic quotes the
// offending shapes.
//
//===----------------------------------------------------------------------===//

#include "dialects/llama4/IR/Llama4Dialect.h"
#include "dialects/llama4/IR/ShapeVerifier.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

#include <cmath>
#include <cstdio>

using namespace mlir;
using namespace mlir::llama4;

static constexpr int64_t kDynamic = ShapedType::kDynamic;

static ArrayRef<int64_t> shapeOf(Value value) {
  return cast<ShapedType>(value.getType()).getShape();
}

/// 0.5 rather than 5.000000e-01.
static std::string shortNumber(double value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%g", value);
  return text;
}

/// `a * b`, dynamic when either is.
static int64_t mulDims(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) ? kDynamic
                                                              : a * b;
}

/// The shape of `input` with its last dimension replaced by `last`.
static SmallVector<int64_t> withLastDim(Value input, int64_t last) {
  SmallVector<int64_t> shape(shapeOf(input));
  shape.back() = last;
  return shape;
}

static LogicalResult verifyPositive(Operation *op, StringRef name,
                                    double value) {
  if (!std::isfinite(value))
    return op->emitOpError() << name << " must be finite, got " << value;
  if (!(value > 0.0))
    return op->emitOpError() << name << " must be positive, got " << value;
  return success();
}

//===----------------------------------------------------------------------===//
// Weights
//===----------------------------------------------------------------------===//

LogicalResult WeightOp::verify() {
  RankedTensorType type = getTensorType();
  if (getSymName().empty())
    return emitOpError() << "weight name must not be empty";
  if (!type.hasStaticShape())
    return emitOpError() << "weight '" << getSymName()
                         << "' must have a static shape, got "
                         << formatShape(type);
  return success();
}

LogicalResult
WeightRefOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  auto weight =
      symbolTable.lookupNearestSymbolFrom<WeightOp>(*this, getNameAttr());
  if (!weight)
    return emitOpError() << "'" << getName()
                         << "' does not name a llama4.weight";
  if (weight.getTensorType() != getType())
    return emitOpError() << "type " << getType()
                         << " does not match the declared weight type "
                         << weight.getTensorType();
  return success();
}

//===----------------------------------------------------------------------===//
// Embedding and norms
//===----------------------------------------------------------------------===//

LogicalResult EmbedTokensOp::verify() {
  SmallVector<int64_t> expected(shapeOf(getIds()));
  if (shapeOf(getTable()).size() == 2)
    expected.push_back(shapeOf(getTable())[1]);
  return ShapeVerifier(*this)
      .rank("ids", getIds(), 2)
      .rank("table", getTable(), 2)
      .sameElementType({{"table", getTable()}, {"result", getResult()}})
      .resultShape(expected)
      .verified();
}

LogicalResult GatherTokensOp::verify() {
  ArrayRef<int64_t> input = shapeOf(getInput());
  SmallVector<int64_t> expected(shapeOf(getIndices()));
  if (input.size() == 3)
    expected.push_back(input[2]);
  return ShapeVerifier(*this)
      .rank("input", getInput(), 3)
      .rank("indices", getIndices(), 2)
      .sameDim("indices", getIndices(), 0, "input", getInput(), 0)
      .sameElementType({{"input", getInput()}, {"result", getResult()}})
      .resultShape(expected)
      .verified();
}

LogicalResult GreedyTokenOp::verify() {
  ArrayRef<int64_t> logits = shapeOf(getLogits());
  return ShapeVerifier(*this)
      .minRank("logits", getLogits(), 1)
      .resultShape(logits.empty() ? logits : logits.drop_back())
      .verified();
}

LogicalResult RmsNormOp::verify() {
  if (failed(verifyPositive(*this, "eps", getEps().convertToDouble())))
    return failure();
  return ShapeVerifier(*this)
      .minRank("input", getInput(), 1)
      .rank("weight", getWeight(), 1)
      .sameDim("weight", getWeight(), 0, "input", getInput(), -1)
      .sameElementType({{"input", getInput()},
                        {"weight", getWeight()},
                        {"result", getResult()}})
      .resultShape(shapeOf(getInput()))
      .verified();
}

LogicalResult LayerNormOp::verify() {
  if (failed(verifyPositive(*this, "eps", getEps().convertToDouble())))
    return failure();
  return ShapeVerifier(*this)
      .minRank("input", getInput(), 1)
      .rank("weight", getWeight(), 1)
      .rank("bias", getBias(), 1)
      .sameDim("weight", getWeight(), 0, "input", getInput(), -1)
      .sameDim("bias", getBias(), 0, "input", getInput(), -1)
      .sameElementType({{"input", getInput()},
                        {"weight", getWeight()},
                        {"bias", getBias()},
                        {"result", getResult()}})
      .resultShape(shapeOf(getInput()))
      .verified();
}

/// The contract shared by linear and lm_head: input [..., in] times an
/// nn.Linear weight [out, in] gives [..., out].
static ShapeVerifier &verifyProjection(ShapeVerifier &verifier, Value input,
                                       Value weight) {
  verifier.minRank("input", input, 1)
      .rank("weight", weight, 2)
      .sameDim("weight", weight, 1, "input", input, -1)
      .sameElementType({{"input", input}, {"weight", weight}});
  if (shapeOf(weight).size() == 2 && !shapeOf(input).empty())
    verifier.resultShape(withLastDim(input, shapeOf(weight)[0]));
  return verifier;
}

LogicalResult LinearOp::verify() {
  ShapeVerifier verifier(*this);
  verifyProjection(verifier, getInput(), getWeight())
      .sameElementType({{"input", getInput()}, {"result", getResult()}});
  if (Value bias = getBias())
    verifier.rank("bias", bias, 1)
        .sameDim("bias", bias, 0, "weight", getWeight(), 0)
        .sameElementType({{"input", getInput()}, {"bias", bias}});
  return verifier.verified();
}

LogicalResult LmHeadOp::verify() {
  ShapeVerifier verifier(*this);
  verifyProjection(verifier, getInput(), getWeight());
  // Logits may be wider than the activations (f32 for sampling), never
  // narrower.
  Type input = getElementTypeOrSelf(getInput().getType());
  Type result = getElementTypeOrSelf(getResult().getType());
  return verifier
      .check(result == input || result.isF32(),
             "result element type must be the input's or f32")
      .verified();
}

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

/// input [B, S, heads, d] whose first two dimensions match positions [B, S].
static ShapeVerifier &verifyPerTokenHeads(ShapeVerifier &verifier,
                                          StringRef what, Value input,
                                          Value positions) {
  return verifier.rank(what, input, 4)
      .rank("positions", positions, 2)
      .sameDim("positions", positions, 0, what, input, 0)
      .sameDim("positions", positions, 1, what, input, 1);
}

LogicalResult RopeOp::verify() {
  if (failed(verifyPositive(*this, "theta", getTheta().convertToDouble())))
    return failure();
  ShapeVerifier verifier(*this);
  verifyPerTokenHeads(verifier, "input", getInput(), getPositions());
  if (!verifier.hasFailed()) {
    int64_t headDim = shapeOf(getInput())[3];
    verifier.check(ShapedType::isDynamic(headDim) || headDim % 2 == 0,
                   "head dim " + Twine(headDim) + " of input " +
                       formatShape(getInput().getType()) +
                       " must be even to rotate pairs of elements");
  }
  return verifier
      .sameElementType({{"input", getInput()}, {"result", getResult()}})
      .resultShape(shapeOf(getInput()))
      .verified();
}

LogicalResult QkNormOp::verify() {
  if (failed(verifyPositive(*this, "eps", getEps().convertToDouble())))
    return failure();
  return ShapeVerifier(*this).minRank("input", getInput(), 1).verified();
}

/// The attributes both attention ops share: a positive scale and a chunk
/// size of 0 (global attention) or more.
static LogicalResult verifyScaleAndChunk(Operation *op, double scale,
                                         int64_t chunkSize) {
  if (failed(verifyPositive(op, "scale", scale)))
    return failure();
  if (chunkSize < 0)
    return op->emitOpError() << "chunk_size must be 0 (global attention) or "
                                "positive, got "
                             << chunkSize;
  return success();
}

namespace {
/// A dimension another operand's must match: `dim` of `value`, `name`.
struct DimOf {
  StringRef name;
  Value value;
  int64_t dim;
};
} // namespace

/// The key and value caches of an attention op, whose rows, KV heads and
/// head dims are `rows`, `kvHeads` and `headDim`: [B, Hkv, L, d] each, L
/// the chunk on a chunked layer; or, given a block table [B, T], pools of
/// pages [pages, Hkv, P, d], which only a global layer's cache may be.
static ShapeVerifier &verifyCaches(ShapeVerifier &verifier, Value keyCache,
                                   Value valueCache, Value blockTable,
                                   int64_t chunk, DimOf rows, DimOf kvHeads,
                                   DimOf headDim) {
  verifier.rank("key cache", keyCache, 4).rank("value cache", valueCache, 4);
  if (blockTable)
    verifier.rank("block table", blockTable, 2)
        .check(chunk == 0, "only a global layer's cache (chunk_size 0) is "
                           "paged, got chunk_size " +
                               Twine(chunk));
  if (verifier.hasFailed())
    return verifier;
  for (auto [name, cache] : {std::pair<StringRef, Value>{"key cache", keyCache},
                             {"value cache", valueCache}}) {
    if (!blockTable)
      verifier.sameDim(name, cache, 0, rows.name, rows.value, rows.dim);
    verifier.sameDim(name, cache, 1, kvHeads.name, kvHeads.value, kvHeads.dim)
        .sameDim(name, cache, 3, headDim.name, headDim.value, headDim.dim);
  }
  verifier.sameDim("value cache", valueCache, 2, "key cache", keyCache, 2);
  if (blockTable)
    verifier.sameDim("value cache", valueCache, 0, "key cache", keyCache, 0)
        .sameDim("block table", blockTable, 0, rows.name, rows.value, rows.dim);
  if (chunk > 0)
    for (auto [name, cache] :
         {std::pair<StringRef, Value>{"key cache", keyCache},
          {"value cache", valueCache}})
      verifier.dimIs(name, cache, 2, chunk,
                     "a chunked layer's cache holds one chunk");
  return verifier;
}

namespace {
/// A cache operand of an attention op, and its scales (null for none).
struct CacheOperand {
  StringRef name, scalesName;
  Value cache, scales;
};
} // namespace

/// The element types of an attention op's caches: `compute`'s without
/// scales, or f8E4M3FN with scales, each [its cache's first three dims, 1]
/// (one scale per cached vector).
static ShapeVerifier &verifyCacheTypes(ShapeVerifier &verifier,
                                       StringRef computeName, Value compute,
                                       ArrayRef<CacheOperand> caches) {
  if (!isa<Float8E4M3FNType>(getElementTypeOrSelf(caches[0].cache.getType()))) {
    SmallVector<std::pair<StringRef, Value>> typed = {{computeName, compute}};
    for (const CacheOperand &operand : caches) {
      verifier.check(!operand.scales, "only f8E4M3FN caches take scales");
      typed.push_back({operand.name, operand.cache});
    }
    return verifier.sameElementType(typed);
  }
  for (const CacheOperand &operand : caches) {
    verifier
        .sameElementType(
            {{caches[0].name, caches[0].cache}, {operand.name, operand.cache}})
        .check(bool(operand.scales), "f8E4M3FN caches need their scales");
    if (verifier.hasFailed())
      return verifier;
    StringRef name = operand.scalesName;
    verifier.rank(name, operand.scales, 4)
        .dimIs(name, operand.scales, 3, 1, "one scale per cached vector");
    for (int64_t dim = 0; dim < 3; ++dim)
      verifier.sameDim(name, operand.scales, dim, operand.name, operand.cache,
                       dim);
  }
  return verifier;
}

LogicalResult AttentionOp::verify() {
  if (failed(verifyScaleAndChunk(*this, getScale().convertToDouble(),
                                 getChunkSizeAttr().getInt())))
    return failure();
  ShapeVerifier verifier(*this);
  verifyPerTokenHeads(verifier, "query", getQuery(), getPositions())
      .rank("key", getKey(), 4)
      .rank("value", getValue(), 4);
  if (verifier.hasFailed())
    return failure();
  // key/value [B, S, Hkv, d].
  for (auto [name, value] : {std::pair<StringRef, Value>{"key", getKey()},
                             {"value", getValue()}})
    verifier.sameDim(name, value, 0, "query", getQuery(), 0)
        .sameDim(name, value, 1, "query", getQuery(), 1)
        .sameDim(name, value, 3, "query", getQuery(), 3);
  verifier.sameDim("value", getValue(), 2, "key", getKey(), 2);
  if (verifyCaches(verifier, getKeyCache(), getValueCache(), getBlockTable(),
                   getChunkSizeAttr().getInt(), {"query", getQuery(), 0},
                   {"key", getKey(), 2}, {"query", getQuery(), 3})
          .hasFailed())
    return failure();
  int64_t numHeads = shapeOf(getQuery())[2];
  int64_t numKvHeads = shapeOf(getKey())[2];
  if (!ShapedType::isDynamic(numHeads) && !ShapedType::isDynamic(numKvHeads))
    verifier.check(numKvHeads > 0 && numHeads % numKvHeads == 0,
                   "query heads (" + Twine(numHeads) +
                       ") must be a multiple of key/value heads (" +
                       Twine(numKvHeads) + "): query is " +
                       formatShape(getQuery().getType()) + ", key is " +
                       formatShape(getKey().getType()));
  if (verifyCacheTypes(
          verifier, "query", getQuery(),
          {{"key cache", "key scales", getKeyCache(), getKeyScales()},
           {"value cache", "value scales", getValueCache(), getValueScales()}})
          .hasFailed())
    return failure();
  return verifier
      .sameElementType({{"query", getQuery()},
                        {"key", getKey()},
                        {"value", getValue()},
                        {"result", getResult()}})
      .resultShape(shapeOf(getQuery()))
      .verified();
}

LogicalResult KvCacheUpdateOp::verify() {
  if (getWindowAttr().getInt() < 0)
    return emitOpError() << "window must be 0 (one slot per position) or "
                            "positive, got "
                         << getWindowAttr().getInt();
  ShapeVerifier verifier(*this);
  verifyPerTokenHeads(verifier, "update", getUpdate(), getPositions())
      .rank("cache", getCache(), 4)
      .sameDim("cache", getCache(), 1, "update", getUpdate(), 2)
      .sameDim("cache", getCache(), 3, "update", getUpdate(), 3);
  if (getBlockTable())
    verifier.rank("block table", getBlockTable(), 2)
        .sameDim("block table", getBlockTable(), 0, "update", getUpdate(), 0)
        .check(getWindowAttr().getInt() == 0,
               "only a global layer's cache (window 0) is paged, got window " +
                   Twine(getWindowAttr().getInt()));
  else
    verifier.sameDim("cache", getCache(), 0, "update", getUpdate(), 0);
  if (getWindowAttr().getInt() > 0)
    verifier.dimIs("cache", getCache(), 2, getWindowAttr().getInt(),
                   "one slot per position of the window");
  if (verifyCacheTypes(verifier, "update", getUpdate(),
                       {{"cache", "scales", getCache(), getScales()}})
          .hasFailed())
    return failure();
  return verifier
      .check(getScales() ? getNewScales() &&
                               getNewScales().getType() == getScales().getType()
                         : !getNewScales(),
             "new_scales, the scales updated, must be of the scales' type")
      .sameElementType({{"cache", getCache()}, {"result", getResult()}})
      .resultShape(shapeOf(getCache()))
      .verified();
}

//===----------------------------------------------------------------------===//
// MLP and mixture of experts
//===----------------------------------------------------------------------===//

/// gate, up [F, D] and down [D, F] applied to input [..., D].
static ShapeVerifier &verifyGatedMlp(ShapeVerifier &verifier, Value input,
                                     StringRef gateName, Value gate,
                                     StringRef upName, Value up,
                                     StringRef downName, Value down) {
  return verifier.minRank("input", input, 1)
      .rank(gateName, gate, 2)
      .rank(upName, up, 2)
      .rank(downName, down, 2)
      .sameDim(gateName, gate, 1, "input", input, -1)
      .sameDim(upName, up, 0, gateName, gate, 0)
      .sameDim(upName, up, 1, "input", input, -1)
      .sameDim(downName, down, 1, gateName, gate, 0)
      .sameDim(downName, down, 0, "input", input, -1)
      .sameElementType({{"input", input},
                        {gateName, gate},
                        {upName, up},
                        {downName, down}});
}

LogicalResult SwigluMlpOp::verify() {
  ShapeVerifier verifier(*this);
  return verifyGatedMlp(verifier, getInput(), "gate", getGate(), "up",
                        getUp(), "down", getDown())
      .sameElementType({{"input", getInput()}, {"result", getResult()}})
      .resultShape(shapeOf(getInput()))
      .verified();
}

LogicalResult MoeOp::verify() {
  ShapeVerifier verifier(*this);
  verifyGatedMlp(verifier, getInput(), "shared gate", getSharedGate(),
                 "shared up", getSharedUp(), "shared down", getSharedDown())
      .rank("router", getRouter(), 2)
      .rank("gate_up", getGateUp(), 3)
      .rank("down", getDown(), 3)
      .sameDim("router", getRouter(), 1, "input", getInput(), -1)
      .sameDim("gate_up", getGateUp(), 0, "router", getRouter(), 0)
      .sameDim("down", getDown(), 0, "router", getRouter(), 0)
      // Experts are stored [in, out]: gate_up [E, D, 2F], down [E, F, D].
      .sameDim("gate_up", getGateUp(), 1, "input", getInput(), -1)
      .sameDim("down", getDown(), 2, "input", getInput(), -1);
  if (verifier.hasFailed())
    return failure();
  int64_t twiceWidth = shapeOf(getGateUp())[2];
  int64_t width = shapeOf(getDown())[1];
  if (!ShapedType::isDynamic(twiceWidth) && !ShapedType::isDynamic(width))
    verifier.check(twiceWidth == 2 * width,
                   "gate_up dim 2 (" + Twine(twiceWidth) +
                       ") must be twice down dim 1 (" + Twine(width) +
                       "), the gate columns then the up columns: gate_up is " +
                       formatShape(getGateUp().getType()) + ", down is " +
                       formatShape(getDown().getType()));
  int64_t numExperts = shapeOf(getRouter())[0];
  int64_t topK = getTopKAttr().getInt();
  verifier.check(topK >= 1, "top_k (" + Twine(topK) + ") must be at least 1");
  if (!ShapedType::isDynamic(numExperts))
    verifier.check(topK <= numExperts,
                   "top_k (" + Twine(topK) + ") must not exceed the " +
                       Twine(numExperts) + " experts of router " +
                       formatShape(getRouter().getType()));
  return verifier
      .sameElementType({{"input", getInput()},
                        {"router", getRouter()},
                        {"gate_up", getGateUp()},
                        {"down", getDown()},
                        {"result", getResult()}})
      .resultShape(shapeOf(getInput()))
      .verified();
}

//===----------------------------------------------------------------------===//
// Vision tower
//===----------------------------------------------------------------------===//

LogicalResult UnfoldPatchEmbedOp::verify() {
  int64_t patch = getPatchSizeAttr().getInt();
  if (patch <= 0)
    return emitOpError() << "patch_size must be positive, got " << patch;
  ShapeVerifier verifier(*this);
  verifier.rank("pixels", getPixels(), 4)
      .rank("weight", getWeight(), 2)
      .sameDim("pixels", getPixels(), 2, "pixels", getPixels(), 3);
  if (verifier.hasFailed())
    return failure();
  ArrayRef<int64_t> pixels = shapeOf(getPixels());
  int64_t channels = pixels[1], side = pixels[2];
  verifier.check(!ShapedType::isDynamic(channels) &&
                     !ShapedType::isDynamic(side) &&
                     !ShapedType::isDynamic(pixels[3]),
                 "pixels must have static channels and tile size, got " +
                     formatShape(getPixels().getType()));
  if (verifier.hasFailed())
    return failure();
  verifier
      .check(side % patch == 0, "tile side " + Twine(side) +
                                    " of pixels " +
                                    formatShape(getPixels().getType()) +
                                    " is not a multiple of patch_size " +
                                    Twine(patch))
      .dimIs("weight", getWeight(), 1, channels * patch * patch,
             "channels * patch_size^2 values per patch")
      .sameElementType({{"pixels", getPixels()},
                        {"weight", getWeight()},
                        {"result", getResult()}});
  int64_t grid = side / patch;
  return verifier
      .resultShape({pixels[0], grid * grid, shapeOf(getWeight())[0]})
      .verified();
}

LogicalResult ClassPosEmbedOp::verify() {
  ShapeVerifier verifier(*this);
  verifier.rank("patches", getPatches(), 3)
      .rank("class_embedding", getClassEmbedding(), 1)
      .rank("positional_embedding", getPositionalEmbedding(), 2)
      .sameDim("class_embedding", getClassEmbedding(), 0, "patches",
               getPatches(), 2)
      .sameDim("positional_embedding", getPositionalEmbedding(), 1, "patches",
               getPatches(), 2);
  if (verifier.hasFailed())
    return failure();
  ArrayRef<int64_t> patches = shapeOf(getPatches());
  int64_t tokens = ShapedType::isDynamic(patches[1]) ? kDynamic : patches[1] + 1;
  if (!ShapedType::isDynamic(tokens))
    verifier.dimIs("positional_embedding", getPositionalEmbedding(), 0, tokens,
                   "one row per patch plus the class token");
  return verifier
      .sameElementType({{"patches", getPatches()},
                        {"class_embedding", getClassEmbedding()},
                        {"positional_embedding", getPositionalEmbedding()},
                        {"result", getResult()}})
      .resultShape({patches[0], tokens, patches[2]})
      .verified();
}

LogicalResult VisionRopeOp::verify() {
  if (failed(verifyPositive(*this, "theta", getTheta().convertToDouble())))
    return failure();
  int64_t side = getGridSideAttr().getInt();
  if (side <= 0)
    return emitOpError() << "grid_side must be positive, got " << side;
  ShapeVerifier verifier(*this);
  verifier.rank("input", getInput(), 4)
      .dimIs("input", getInput(), 1, side * side + 1,
             "grid_side^2 patches plus the class token");
  if (verifier.hasFailed())
    return failure();
  int64_t headDim = shapeOf(getInput())[3];
  return verifier
      .check(ShapedType::isDynamic(headDim) || headDim % 4 == 0,
             "head dim " + Twine(headDim) + " of input " +
                 formatShape(getInput().getType()) +
                 " must be a multiple of 4: half of the pairs rotate by the "
                 "column, half by the row")
      .verified();
}

LogicalResult VisionAttentionOp::verify() {
  if (failed(verifyPositive(*this, "scale", getScale().convertToDouble())))
    return failure();
  ShapeVerifier verifier(*this);
  verifier.rank("query", getQuery(), 4);
  for (auto [name, value] : {std::pair<StringRef, Value>{"key", getKey()},
                             {"value", getValue()}}) {
    verifier.rank(name, value, 4);
    for (int64_t dim = 0; dim < 4 && !verifier.hasFailed(); ++dim)
      verifier.sameDim(name, value, dim, "query", getQuery(), dim);
  }
  return verifier
      .sameElementType({{"query", getQuery()},
                        {"key", getKey()},
                        {"value", getValue()},
                        {"result", getResult()}})
      .resultShape(shapeOf(getQuery()))
      .verified();
}

LogicalResult GeluMlpOp::verify() {
  ShapeVerifier verifier(*this);
  return verifier.minRank("input", getInput(), 1)
      .rank("fc1 weight", getFc1Weight(), 2)
      .rank("fc1 bias", getFc1Bias(), 1)
      .rank("fc2 weight", getFc2Weight(), 2)
      .rank("fc2 bias", getFc2Bias(), 1)
      .sameDim("fc1 weight", getFc1Weight(), 1, "input", getInput(), -1)
      .sameDim("fc1 bias", getFc1Bias(), 0, "fc1 weight", getFc1Weight(), 0)
      .sameDim("fc2 weight", getFc2Weight(), 1, "fc1 weight", getFc1Weight(),
               0)
      .sameDim("fc2 weight", getFc2Weight(), 0, "input", getInput(), -1)
      .sameDim("fc2 bias", getFc2Bias(), 0, "input", getInput(), -1)
      .sameElementType({{"input", getInput()},
                        {"fc1 weight", getFc1Weight()},
                        {"fc1 bias", getFc1Bias()},
                        {"fc2 weight", getFc2Weight()},
                        {"fc2 bias", getFc2Bias()},
                        {"result", getResult()}})
      .resultShape(shapeOf(getInput()))
      .verified();
}

LogicalResult PixelShuffleOp::verify() {
  double ratio = getRatio().convertToDouble();
  if (!(ratio > 0.0 && ratio <= 1.0))
    return emitOpError() << "ratio must be in (0, 1], got " << ratio;
  ShapeVerifier verifier(*this);
  verifier.rank("input", getInput(), 3);
  if (verifier.hasFailed())
    return failure();
  ArrayRef<int64_t> input = shapeOf(getInput());
  int64_t tokens = input[1], channels = input[2];
  verifier.check(!ShapedType::isDynamic(tokens) &&
                     !ShapedType::isDynamic(channels),
                 "input must have static tokens and channels, got " +
                     formatShape(getInput().getType()));
  if (verifier.hasFailed())
    return failure();
  auto side = static_cast<int64_t>(std::llround(std::sqrt(double(tokens))));
  double shuffledSide = side * ratio;
  double shuffledChannels = channels / (ratio * ratio);
  bool integral = std::abs(shuffledSide - std::round(shuffledSide)) < 1e-9 &&
                  std::abs(shuffledChannels - std::round(shuffledChannels)) <
                      1e-6;
  verifier
      .check(side * side == tokens,
             "input tokens " + Twine(tokens) + " of " +
                 formatShape(getInput().getType()) +
                 " do not form a square patch grid")
      .check(integral, "ratio " + Twine(shortNumber(ratio)) +
                           " does not evenly shuffle " +
                           formatShape(getInput().getType()) +
                           " (grid side and channels must scale to integers)")
      .sameElementType({{"input", getInput()}, {"result", getResult()}});
  if (verifier.hasFailed())
    return failure();
  int64_t outSide = std::llround(shuffledSide);
  return verifier
      .resultShape({input[0], outSide * outSide, std::llround(shuffledChannels)})
      .verified();
}

LogicalResult VisionAdapterOp::verify() {
  ShapeVerifier verifier(*this);
  verifier.minRank("input", getInput(), 1)
      .rank("fc1 weight", getFc1Weight(), 2)
      .rank("fc2 weight", getFc2Weight(), 2)
      .sameDim("fc1 weight", getFc1Weight(), 1, "input", getInput(), -1)
      .sameDim("fc2 weight", getFc2Weight(), 1, "fc1 weight", getFc1Weight(),
               0)
      .sameDim("fc2 weight", getFc2Weight(), 0, "fc2 weight", getFc2Weight(),
               1)
      .sameElementType({{"input", getInput()},
                        {"fc1 weight", getFc1Weight()},
                        {"fc2 weight", getFc2Weight()},
                        {"result", getResult()}});
  if (verifier.hasFailed())
    return failure();
  return verifier
      .resultShape(withLastDim(getInput(), shapeOf(getFc2Weight())[0]))
      .verified();
}

//===----------------------------------------------------------------------===//
// Multimodal glue
//===----------------------------------------------------------------------===//

LogicalResult MultiModalProjectorOp::verify() {
  ShapeVerifier verifier(*this);
  verifier.rank("input", getInput(), 3)
      .rank("weight", getWeight(), 2)
      .sameDim("weight", getWeight(), 1, "input", getInput(), 2)
      .sameElementType({{"input", getInput()},
                        {"weight", getWeight()},
                        {"result", getResult()}});
  if (verifier.hasFailed())
    return failure();
  ArrayRef<int64_t> input = shapeOf(getInput());
  return verifier
      .resultShape({mulDims(input[0], input[1]), shapeOf(getWeight())[0]})
      .verified();
}

LogicalResult ScatterImageFeaturesOp::verify() {
  if (getImageTokenIndexAttr().getInt() < 0)
    return emitOpError() << "image_token_index must be non-negative, got "
                         << getImageTokenIndexAttr().getInt();
  return ShapeVerifier(*this)
      .rank("embeddings", getEmbeddings(), 3)
      .rank("ids", getIds(), 2)
      .rank("features", getFeatures(), 2)
      .sameDim("ids", getIds(), 0, "embeddings", getEmbeddings(), 0)
      .sameDim("ids", getIds(), 1, "embeddings", getEmbeddings(), 1)
      .sameDim("features", getFeatures(), 1, "embeddings", getEmbeddings(), 2)
      .sameElementType({{"embeddings", getEmbeddings()},
                        {"features", getFeatures()},
                        {"result", getResult()}})
      .resultShape(shapeOf(getEmbeddings()))
      .verified();
}

//===----------------------------------------------------------------------===//
// Kernel ops
//===----------------------------------------------------------------------===//

/// The operands `llama4.online_attention` and `llama4.partial_attention`
/// share: queries [B, Hkv, G, S, d]; positions [B, S]; caches
/// [B, Hkv, L, d]; new keys and values [B, Hkv, S', d], key positions
/// [B, S']. The caller has checked scale and chunk size.
template <typename AttentionOp>
static ShapeVerifier &verifyKeysOf(AttentionOp op, ShapeVerifier &verifier) {
  verifier
      .check(op.getKeyBlockAttr().getInt() >= 1,
             "key_block must be at least 1, got " +
                 Twine(op.getKeyBlockAttr().getInt()))
      .rank("queries", op.getQueries(), 5)
      .rank("query positions", op.getQueryPositions(), 2)
      .rank("keys", op.getKeys(), 4)
      .rank("values", op.getValues(), 4)
      .rank("key positions", op.getKeyPositions(), 2);
  if (verifier.hasFailed())
    return verifier;
  Value queries = op.getQueries();
  verifier
      .sameDim("query positions", op.getQueryPositions(), 0, "queries", queries,
               0)
      .sameDim("query positions", op.getQueryPositions(), 1, "queries", queries,
               3)
      .sameDim("key positions", op.getKeyPositions(), 0, "queries", queries, 0)
      .sameDim("key positions", op.getKeyPositions(), 1, "keys", op.getKeys(),
               2);
  for (auto [name, value] : {std::pair<StringRef, Value>{"keys", op.getKeys()},
                             {"values", op.getValues()}})
    verifier.sameDim(name, value, 0, "queries", queries, 0)
        .sameDim(name, value, 1, "queries", queries, 1)
        .sameDim(name, value, 3, "queries", queries, 4);
  verifier.sameDim("values", op.getValues(), 2, "keys", op.getKeys(), 2);
  if (verifyCaches(verifier, op.getKeyCache(), op.getValueCache(),
                   op.getBlockTable(), op.getChunkSizeAttr().getInt(),
                   {"queries", queries, 0}, {"queries", queries, 1},
                   {"queries", queries, 4})
          .hasFailed())
    return verifier;
  if (verifyCacheTypes(
          verifier, "queries", queries,
          {{"key cache", "key scales", op.getKeyCache(), op.getKeyScales()},
           {"value cache", "value scales", op.getValueCache(),
            op.getValueScales()}})
          .hasFailed())
    return verifier;
  return verifier.sameElementType({{"queries", queries},
                                   {"keys", op.getKeys()},
                                   {"values", op.getValues()}});
}

LogicalResult OnlineAttentionOp::verify() {
  if (failed(verifyScaleAndChunk(*this, getScale().convertToDouble(),
                                 getChunkSizeAttr().getInt())))
    return failure();
  ShapeVerifier verifier(*this);
  if (verifyKeysOf(*this, verifier).rank("init", getInit(), 5).hasFailed())
    return failure();
  for (int64_t i = 0; i < 5; ++i)
    verifier.sameDim("init", getInit(), i, "queries", getQueries(), i);
  return verifier
      .sameElementType({{"queries", getQueries()},
                        {"init", getInit()},
                        {"result", getResult()}})
      .check(getInit().getType() == getResult().getType(),
             "result must have the type of init (" +
                 formatShape(getInit().getType()) + "), got " +
                 formatShape(getResult().getType()))
      .verified();
}

LogicalResult PartialAttentionOp::verify() {
  if (failed(verifyScaleAndChunk(*this, getScale().convertToDouble(),
                                 getChunkSizeAttr().getInt())))
    return failure();
  ShapeVerifier verifier(*this);
  int64_t splits = getSplitsAttr().getInt();
  verifyKeysOf(*this, verifier)
      .check(splits >= 1, "splits must be at least 1, got " + Twine(splits))
      .check(getSplitKeysAttr().getInt() >= 1,
             "split_keys must be at least 1, got " +
                 Twine(getSplitKeysAttr().getInt()))
      .rank("max init", getMaxInit(), 5)
      .rank("sum init", getSumInit(), 5)
      .rank("acc init", getAccInit(), 6);
  if (verifier.hasFailed())
    return failure();
  // max and sum [P, B, Hkv, G, S]; acc [P, B, Hkv, G, S, d].
  for (auto [name, init] :
       {std::pair<StringRef, Value>{"max init", getMaxInit()},
        {"sum init", getSumInit()},
        {"acc init", getAccInit()}})
    for (int64_t i = 0; i < 4; ++i)
      verifier.sameDim(name, init, i + 1, "queries", getQueries(), i);
  verifier.sameDim("sum init", getSumInit(), 0, "max init", getMaxInit(), 0)
      .sameDim("acc init", getAccInit(), 0, "max init", getMaxInit(), 0)
      .sameDim("acc init", getAccInit(), 5, "queries", getQueries(), 4);
  auto splitDim = cast<ShapedType>(getMaxInit().getType()).getDimSize(0);
  return verifier
      .check(ShapedType::isDynamic(splitDim) || splitDim <= splits,
             "max init has " + Twine(splitDim) + " splits, more than the " +
                 Twine(splits) + " the op splits into")
      .check(getMax().getType() == getMaxInit().getType() &&
                 getSum().getType() == getSumInit().getType() &&
                 getAcc().getType() == getAccInit().getType(),
             "results must have the types of the inits")
      .verified();
}

#define GET_OP_CLASSES
#include "dialects/llama4/IR/Llama4Ops.cpp.inc"
