//===- AttentionToLinalg.cpp - llama4.attention -> linalg -----------------===//
//
// Eager attention as transformers computes it (eager_attention_forward):
//   scores = round(round(q . k) * scale), masked to -inf
//   probs  = round(softmax(scores))        (f32 inside, one rounding)
//   out    = round(probs . v)
// over a key axis that is the layer's cache (L slots) followed by the S new
// tokens. Key kk < L is cache slot kk: position `chunk_start(p) + kk` on a
// chunked layer (its window holds the current chunk), position kk on a
// global one, and holds a key if that position precedes this call's first
// token. Key L + j is new token j, visible when it is not after the query
// and, on a chunked layer, in the query's chunk. Queries of NoPE layers
// with temperature tuning are first scaled by
//   1 + attn_scale * log1p(floor((p + 1) / floor_scale)).
// Query heads are grouped by their KV head (GQA) so that every map stays a
// projection.
//
// This materialises the [B, H, S, L + S] scores; the tiled (flash-style)
// form that never does replaces it in the tiling passes.
//
//===----------------------------------------------------------------------===//

#include "dialects/llama4/IR/Llama4Dialect.h"
#include "passes/lowering/LinalgBuilders.h"
#include "passes/lowering/Passes.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/PatternMatch.h"

#include <limits>

using namespace mlir;
using namespace llama4c;

namespace {

/// Affine map from `rank` loops to the listed loop dimensions.
AffineMap dims(MLIRContext *ctx, unsigned rank, ArrayRef<unsigned> which) {
  SmallVector<AffineExpr> exprs;
  for (unsigned d : which)
    exprs.push_back(getAffineDimExpr(d, ctx));
  return AffineMap::get(rank, 0, exprs, ctx);
}

Value constantF32(OpBuilder &b, Location loc, float value) {
  return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(value));
}

Value constantI32(OpBuilder &b, Location loc, int32_t value) {
  return arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(value));
}

/// q [B, S, H, d] scaled per token by the NoPE temperature of its position.
Value scaleByTemperature(OpBuilder &b, Location loc, Value query,
                         Value positions, llama4::TemperatureTuningAttr tuning) {
  Precision precision(elementTypeOf(query));
  MLIRContext *ctx = b.getContext();
  Value init = emptyTensor(b, loc, tensor::getMixedSizes(b, loc, query),
                           elementTypeOf(query));
  float floorScale = static_cast<float>(tuning.getFloorScale());
  float attnScale = static_cast<float>(tuning.getAttnScale().convertToDouble());
  return buildMap(
      b, loc, {query, positions},
      {b.getMultiDimIdentityMap(4), dims(ctx, 4, {0, 1})}, init,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value position =
            arith::SIToFPOp::create(nb, nloc, nb.getF32Type(), args[1]);
        Value steps = math::FloorOp::create(
            nb, nloc,
            arith::DivFOp::create(
                nb, nloc,
                arith::AddFOp::create(nb, nloc, position,
                                      constantF32(nb, nloc, 1.0f)),
                constantF32(nb, nloc, floorScale)));
        Value scale = arith::AddFOp::create(
            nb, nloc,
            arith::MulFOp::create(nb, nloc, math::Log1pOp::create(nb, nloc, steps),
                                  constantF32(nb, nloc, attnScale)),
            constantF32(nb, nloc, 1.0f));
        Value scaled = arith::MulFOp::create(
            nb, nloc, precision.widen(nb, nloc, args[0]), scale);
        return precision.narrow(nb, nloc, scaled);
      });
}

/// [B, S, Hkv, d] -> [B, Hkv, S, d]: the cache's head-major layout.
Value toHeadMajor(OpBuilder &b, Location loc, Value tokens) {
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, tokens);
  std::swap(sizes[1], sizes[2]);
  Value init = emptyTensor(b, loc, sizes, elementTypeOf(tokens));
  return buildMap(b, loc, {tokens}, {dims(b.getContext(), 4, {0, 2, 1, 3})},
                  init, [](OpBuilder &, Location, ValueRange args) {
                    return args[0];
                  });
}

struct AttentionToLinalg : OpRewritePattern<llama4::AttentionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(llama4::AttentionOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    OpBuilder &b = rewriter;
    auto queryType = cast<RankedTensorType>(op.getQuery().getType());
    int64_t heads = queryType.getDimSize(2), headDim = queryType.getDimSize(3);
    int64_t kvHeads =
        cast<RankedTensorType>(op.getKey().getType()).getDimSize(2);
    if (ShapedType::isDynamic(heads) || ShapedType::isDynamic(kvHeads) ||
        ShapedType::isDynamic(headDim))
      return rewriter.notifyMatchFailure(op, "needs static head counts");
    int64_t group = heads / kvHeads;
    Type elementType = queryType.getElementType();
    Precision precision(elementType);
    Value positions = op.getPositions();

    Value query = op.getQuery();
    if (auto tuning = op.getTemperatureTuningAttr())
      query = scaleByTemperature(b, loc, query, positions, tuning);
    // [B, S, H, d] -> [B, S, Hkv, G, d]: query head h = kvHead * G + g.
    SmallVector<OpFoldResult> groupedSizes =
        tensor::getMixedSizes(b, loc, query);
    groupedSizes[2] = b.getIndexAttr(kvHeads);
    groupedSizes.insert(groupedSizes.begin() + 3, b.getIndexAttr(group));
    auto groupedType = RankedTensorType::get(
        {queryType.getDimSize(0), queryType.getDimSize(1), kvHeads, group,
         headDim},
        elementType);
    Value grouped = tensor::ExpandShapeOp::create(
        b, loc, groupedType, query,
        ArrayRef<ReassociationIndices>{{0}, {1}, {2, 3}, {4}}, groupedSizes);

    // Keys and values of the cache, then of the new tokens: [B, Hkv, L+S, d].
    Value keys = tensor::ConcatOp::create(
        b, loc, 2, ValueRange{op.getKeyCache(), toHeadMajor(b, loc, op.getKey())});
    Value values = tensor::ConcatOp::create(
        b, loc, 2,
        ValueRange{op.getValueCache(), toHeadMajor(b, loc, op.getValue())});

    OpFoldResult batch = groupedSizes[0], seq = groupedSizes[1];
    OpFoldResult keyCount = tensor::getMixedSize(b, loc, keys, 2);
    SmallVector<OpFoldResult> scoreSizes = {batch, b.getIndexAttr(kvHeads),
                                            b.getIndexAttr(group), seq,
                                            keyCount};
    // Loops (b, kvh, g, s, kk, e): scores[b, kvh, g, s, kk] = q . k.
    Value dot =
        linalg::GenericOp::create(
            b, loc, TypeRange{zerosF32(b, loc, scoreSizes).getType()},
            ValueRange{grouped, keys}, ValueRange{zerosF32(b, loc, scoreSizes)},
            ArrayRef<AffineMap>{dims(ctx, 6, {0, 3, 1, 2, 5}),
                                dims(ctx, 6, {0, 1, 4, 5}),
                                dims(ctx, 6, {0, 1, 2, 3, 4})},
            iterators(5, 1),
            [&](OpBuilder &nb, Location nloc, ValueRange args) {
              Value product = arith::MulFOp::create(
                  nb, nloc, precision.widen(nb, nloc, args[0]),
                  precision.widen(nb, nloc, args[1]));
              linalg::YieldOp::create(nb, nloc,
                                      accumulate(nb, nloc, args[2], product));
            })
            .getResult(0);

    Value masked = maskScores(b, loc, op, dot, precision, scoreSizes);
    Value probs = softmax(b, loc, masked, precision, scoreSizes);

    // Loops (b, s, kvh, g, kk, e): out[b, s, kvh, g, e] = probs . v, with
    // the head dimension innermost so that it runs along rows of v.
    SmallVector<OpFoldResult> outSizes = {batch, seq, b.getIndexAttr(kvHeads),
                                          b.getIndexAttr(group),
                                          b.getIndexAttr(headDim)};
    Value outInit = zerosF32(b, loc, outSizes);
    Value out =
        linalg::GenericOp::create(
            b, loc, TypeRange{outInit.getType()}, ValueRange{probs, values},
            ValueRange{outInit},
            ArrayRef<AffineMap>{dims(ctx, 6, {0, 2, 3, 1, 4}),
                                dims(ctx, 6, {0, 2, 4, 5}),
                                dims(ctx, 6, {0, 1, 2, 3, 5})},
            {utils::IteratorType::parallel, utils::IteratorType::parallel,
             utils::IteratorType::parallel, utils::IteratorType::parallel,
             utils::IteratorType::reduction, utils::IteratorType::parallel},
            [&](OpBuilder &nb, Location nloc, ValueRange args) {
              Value product = arith::MulFOp::create(
                  nb, nloc, args[0], precision.widen(nb, nloc, args[1]));
              linalg::YieldOp::create(
                  nb, nloc,
                  Value(arith::AddFOp::create(nb, nloc, args[2], product)));
            })
            .getResult(0);
    out = castElements(b, loc, out, elementType);
    rewriter.replaceOpWithNewOp<tensor::CollapseShapeOp>(
        op, queryType, out,
        ArrayRef<ReassociationIndices>{{0}, {1}, {2, 3}, {4}});
    return success();
  }

private:
  /// Scales the raw dot products and masks every key the query may not see
  /// with -inf (transformers adds finfo.min; both give exactly zero weight).
  static Value maskScores(OpBuilder &b, Location loc, llama4::AttentionOp op,
                          Value dot, const Precision &precision,
                          ArrayRef<OpFoldResult> sizes) {
    MLIRContext *ctx = b.getContext();
    Value positions = op.getPositions();
    int64_t chunk = op.getChunkSizeAttr().getInt();
    Value slots = arith::IndexCastOp::create(
        b, loc, b.getI32Type(),
        tensor::DimOp::create(b, loc, op.getKeyCache(), 2));
    Value scale = constantF32(
        b, loc, static_cast<float>(op.getScale().convertToDouble()));
    Value minusInf = constantF32(b, loc, -std::numeric_limits<float>::infinity());
    Value init = emptyTensor(b, loc, sizes, b.getF32Type());
    return buildMap(
        b, loc, {dot, positions},
        {b.getMultiDimIdentityMap(5), dims(ctx, 5, {0, 3})}, init,
        [&](OpBuilder &nb, Location nloc, ValueRange args) {
          Value query = args[1];
          Value row = linalg::IndexOp::create(nb, nloc, 0);
          Value key = arith::IndexCastOp::create(
              nb, nloc, nb.getI32Type(), linalg::IndexOp::create(nb, nloc, 4));
          Value zero = arith::ConstantIndexOp::create(nb, nloc, 0);
          Value first = tensor::ExtractOp::create(nb, nloc, positions,
                                                  ValueRange{row, zero});
          Value isCached = arith::CmpIOp::create(
              nb, nloc, arith::CmpIPredicate::slt, key, slots);

          // A cached key: its position, and whether it was written before
          // this call.
          Value cachedPosition = key;
          Value queryChunk;
          if (chunk > 0) {
            Value chunkSize = constantI32(nb, nloc, chunk);
            queryChunk = arith::DivSIOp::create(nb, nloc, query, chunkSize);
            cachedPosition = arith::AddIOp::create(
                nb, nloc, arith::MulIOp::create(nb, nloc, queryChunk, chunkSize),
                key);
          }
          Value cachedVisible = arith::CmpIOp::create(
              nb, nloc, arith::CmpIPredicate::slt, cachedPosition, first);

          // A new key: token key - L of this call (index 0 for cached keys,
          // whose value is then unused, to stay in bounds).
          Value newIndex = arith::SelectOp::create(
              nb, nloc, isCached, constantI32(nb, nloc, 0),
              arith::SubIOp::create(nb, nloc, key, slots));
          Value newPosition = tensor::ExtractOp::create(
              nb, nloc, positions,
              ValueRange{row, arith::IndexCastOp::create(
                                  nb, nloc, nb.getIndexType(), newIndex)});
          Value newVisible = arith::CmpIOp::create(
              nb, nloc, arith::CmpIPredicate::sle, newPosition, query);
          if (chunk > 0) {
            Value keyChunk = arith::DivSIOp::create(
                nb, nloc, newPosition, constantI32(nb, nloc, chunk));
            newVisible = arith::AndIOp::create(
                nb, nloc, newVisible,
                arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::eq,
                                      keyChunk, queryChunk));
          }
          Value visible = arith::SelectOp::create(nb, nloc, isCached,
                                                  cachedVisible, newVisible);
          Value scaled = precision.round(
              nb, nloc,
              arith::MulFOp::create(nb, nloc, precision.round(nb, nloc, args[0]),
                                    scale));
          return Value(
              arith::SelectOp::create(nb, nloc, visible, scaled, minusInf));
        });
  }

  /// Softmax over the last dimension, in f32, rounded once.
  static Value softmax(OpBuilder &b, Location loc, Value scores,
                       const Precision &precision,
                       ArrayRef<OpFoldResult> sizes) {
    SmallVector<OpFoldResult> rowSizes(sizes.drop_back());
    Value minusInf =
        constantF32(b, loc, -std::numeric_limits<float>::infinity());
    Value maxInit = linalg::FillOp::create(
                        b, loc, ValueRange{minusInf},
                        ValueRange{emptyTensor(b, loc, rowSizes, b.getF32Type())})
                        .getResult(0);
    Value rowMax = buildLastDimReduction(
        b, loc, scores, maxInit,
        [](OpBuilder &nb, Location nloc, Value element, Value acc) {
          return Value(arith::MaximumFOp::create(nb, nloc, element, acc));
        });
    AffineMap identity = b.getMultiDimIdentityMap(5);
    AffineMap rowMap = identity.dropResult(4);
    Value exps = buildMap(
        b, loc, {scores, rowMax}, {identity, rowMap},
        emptyTensor(b, loc, sizes, b.getF32Type()),
        [](OpBuilder &nb, Location nloc, ValueRange args) {
          return Value(math::ExpOp::create(
              nb, nloc, arith::SubFOp::create(nb, nloc, args[0], args[1])));
        });
    Value rowSum = buildLastDimReduction(
        b, loc, exps, zerosF32(b, loc, rowSizes),
        [](OpBuilder &nb, Location nloc, Value element, Value acc) {
          return accumulate(nb, nloc, acc, element);
        });
    return buildMap(b, loc, {exps, rowSum}, {identity, rowMap},
                    emptyTensor(b, loc, sizes, b.getF32Type()),
                    [&](OpBuilder &nb, Location nloc, ValueRange args) {
                      return precision.round(
                          nb, nloc,
                          arith::DivFOp::create(nb, nloc, args[0], args[1]));
                    });
  }
};

} // namespace

void llama4c::populateAttentionToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<AttentionToLinalg>(patterns.getContext());
}
