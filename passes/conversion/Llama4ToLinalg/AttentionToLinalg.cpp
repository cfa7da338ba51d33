//===- AttentionToLinalg.cpp - llama4.attention -> linalg -----------------===//
//
// Eager attention as transformers computes it (eager_attention_forward):
//   scores = round(round(q . k) * scale), masked to -inf
//   out    = round(softmax(scores) . v)       (f32 inside)
// over a key axis that is the layer's cache (L slots) followed by the S new
// tokens. Key kk < L is cache slot kk: position `chunk_start(p) + kk` on a
// chunked layer (its window holds the current chunk), position kk on a
// global one, and holds a key if that position precedes this call's first
// token. Key L + j is new token j, visible when it is not after the query
// and, on a chunked layer, in the query's chunk. Queries of NoPE layers
// with temperature tuning are first scaled by
//   1 + attn_scale * log1p(floor((p + 1) / floor_scale)).
//
// The softmax is computed online, flash-attention style, over blocks of
// keys (128 by default, --attention-key-block): for each KV head the queries of its G heads ([G, S, d]) meet
// one block of keys at a time, keeping per query the running maximum m,
// the sum l of exp(score - m) and the sum of exp(score - m) * v, rescaled
// when m grows. The [S, L + S] score matrix is never materialised: a
// block's scores are [G, S, block]. Both products are in the forms the CPU
// tiling pass register-tiles: q . k^T with keys as [out, in] rows, and
// p . v with values as an [in, out] matrix. transformers rounds the
// normalised probabilities to a bf16 model's type before p . v; here they
// stay f32 until the output is rounded, a difference within bf16's
// rounding.
//
//===----------------------------------------------------------------------===//

#include "dialects/llama4/IR/Llama4Dialect.h"
#include "passes/conversion/Llama4ToLinalg/LinalgBuilders.h"
#include "passes/conversion/Llama4ToLinalg/Patterns.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/PatternMatch.h"

#include <limits>

using namespace mlir;
using namespace llama4c;

namespace {

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

/// The online softmax of the queries [G, S] of one KV head.
struct OnlineSoftmax {
  Value max; // [G, S] f32, -inf before any visible key
  Value sum; // [G, S] f32
  Value acc; // [G, S, d] f32
};

/// Emits the attention of one KV head of one batch row.
class HeadAttention {
public:
  HeadAttention(OpBuilder &b, Location loc, llama4::AttentionOp op,
                int64_t keyBlock, Value row, Value queries)
      : b(b), loc(loc), op(op), keyBlock(keyBlock), row(row), queries(queries),
        precision(elementTypeOf(queries)), chunk(op.getChunkSizeAttr().getInt()),
        scale(static_cast<float>(op.getScale().convertToDouble())) {}

  /// round(softmax(q . k) . v) over the cached keys [L, d] then the new
  /// ones [S, d], as [G, S, d].
  Value emit(Value cachedKeys, Value cachedValues, Value newKeys,
             Value newValues) {
    MLIRContext *ctx = b.getContext();
    SmallVector<OpFoldResult> rowSizes =
        tensor::getMixedSizes(b, loc, queries);
    rowSizes.pop_back();
    Value minusInf =
        constantF32(b, loc, -std::numeric_limits<float>::infinity());
    OnlineSoftmax state{
        linalg::FillOp::create(
            b, loc, ValueRange{minusInf},
            ValueRange{emptyTensor(b, loc, rowSizes, b.getF32Type())})
            .getResult(0),
        zerosF32(b, loc, rowSizes),
        zerosF32(b, loc, tensor::getMixedSizes(b, loc, queries))};
    state = attend(state, cachedKeys, cachedValues, /*cached=*/true);
    state = attend(state, newKeys, newValues, /*cached=*/false);

    AffineMap identity = b.getMultiDimIdentityMap(3);
    return buildMap(
        b, loc, {state.acc, state.sum}, {identity, dims(ctx, 3, {0, 1})},
        emptyTensor(b, loc, tensor::getMixedSizes(b, loc, queries),
                    precision.storageType()),
        [&](OpBuilder &nb, Location nloc, ValueRange args) {
          return precision.narrow(
              nb, nloc, arith::DivFOp::create(nb, nloc, args[0], args[1]));
        });
  }

private:
  /// `state` updated with the keys [N, d] and values [N, d] of one source,
  /// a block at a time.
  OnlineSoftmax attend(OnlineSoftmax state, Value keys, Value values,
                       bool cached) {
    Value count = tensor::DimOp::create(b, loc, keys, 0);
    Value block = arith::ConstantIndexOp::create(b, loc, keyBlock);
    auto loop = scf::ForOp::create(
        b, loc, arith::ConstantIndexOp::create(b, loc, 0), count, block,
        ValueRange{state.max, state.sum, state.acc},
        [&](OpBuilder &lb, Location lloc, Value start, ValueRange carried) {
          OpBuilder::InsertionGuard guard(b);
          b.restoreInsertionPoint(lb.saveInsertionPoint());
          Value size = arith::MinSIOp::create(
              b, loc, block, arith::SubIOp::create(b, loc, count, start));
          OnlineSoftmax next =
              attendBlock({carried[0], carried[1], carried[2]},
                          sliceBlock(keys, start, size),
                          sliceBlock(values, start, size), start, cached);
          scf::YieldOp::create(b, loc,
                               ValueRange{next.max, next.sum, next.acc});
        });
    return {loop.getResult(0), loop.getResult(1), loop.getResult(2)};
  }

  /// Rows [start, start + size) of `matrix` [N, d].
  Value sliceBlock(Value matrix, Value start, Value size) {
    int64_t width = cast<RankedTensorType>(matrix.getType()).getDimSize(1);
    SmallVector<OpFoldResult> offsets = {start, b.getIndexAttr(0)};
    SmallVector<OpFoldResult> sizes = {size, b.getIndexAttr(width)};
    SmallVector<OpFoldResult> strides(2, b.getIndexAttr(1));
    return tensor::ExtractSliceOp::create(b, loc, matrix, offsets, sizes,
                                          strides);
  }

  OnlineSoftmax attendBlock(const OnlineSoftmax &state, Value keys,
                            Value values, Value start, bool cached) {
    MLIRContext *ctx = b.getContext();
    AffineMap identity = b.getMultiDimIdentityMap(3);
    AffineMap rowMap = dims(ctx, 3, {0, 1});
    AffineMap rows = b.getMultiDimIdentityMap(2);
    SmallVector<OpFoldResult> blockSizes =
        tensor::getMixedSizes(b, loc, queries);
    blockSizes.back() = tensor::getMixedSize(b, loc, keys, 0);

    Value scores = maskScores(buildLinearF32(b, loc, queries, keys, Value()),
                              start, cached, blockSizes);
    auto rowInit = [&] {
      return emptyTensor(b, loc, ArrayRef(blockSizes).drop_back(),
                         b.getF32Type());
    };
    Value minusInf =
        constantF32(b, loc, -std::numeric_limits<float>::infinity());
    Value blockMax = buildLastDimReduction(
        b, loc, scores,
        linalg::FillOp::create(b, loc, ValueRange{minusInf},
                               ValueRange{rowInit()})
            .getResult(0),
        [](OpBuilder &nb, Location nloc, Value element, Value acc) {
          return Value(arith::MaximumFOp::create(nb, nloc, element, acc));
        });
    Value max = buildMap(b, loc, {state.max, blockMax}, {rows, rows}, rowInit(),
                         [](OpBuilder &nb, Location nloc, ValueRange args) {
                           return Value(arith::MaximumFOp::create(
                               nb, nloc, args[0], args[1]));
                         });
    // exp(x - max), with a max of -inf (no visible key yet) taken as 0 so
    // that masked scores give 0 rather than NaN.
    auto expMinus = [&](OpBuilder &nb, Location nloc, Value x, Value rowMax) {
      Value noneVisible = arith::CmpFOp::create(
          nb, nloc, arith::CmpFPredicate::OEQ, rowMax, minusInf);
      Value base = arith::SelectOp::create(
          nb, nloc, noneVisible, constantF32(nb, nloc, 0.0f), rowMax);
      return Value(math::ExpOp::create(
          nb, nloc, arith::SubFOp::create(nb, nloc, x, base)));
    };
    Value weights = buildMap(
        b, loc, {scores, max}, {identity, rowMap},
        emptyTensor(b, loc, blockSizes, b.getF32Type()),
        [&](OpBuilder &nb, Location nloc, ValueRange args) {
          return expMinus(nb, nloc, args[0], args[1]);
        });
    Value rescale = buildMap(b, loc, {state.max, max}, {rows, rows}, rowInit(),
                             [&](OpBuilder &nb, Location nloc, ValueRange args) {
                               return expMinus(nb, nloc, args[0], args[1]);
                             });
    Value blockSum = buildLastDimReduction(
        b, loc, weights, zerosF32(b, loc, ArrayRef(blockSizes).drop_back()),
        [](OpBuilder &nb, Location nloc, Value element, Value acc) {
          return accumulate(nb, nloc, acc, element);
        });
    Value sum = buildMap(
        b, loc, {state.sum, rescale, blockSum}, {rows, rows, rows}, rowInit(),
        [](OpBuilder &nb, Location nloc, ValueRange args) {
          return Value(arith::AddFOp::create(
              nb, nloc, arith::MulFOp::create(nb, nloc, args[0], args[1]),
              args[2]));
        });
    Value rescaled = buildMap(
        b, loc, {state.acc, rescale}, {identity, rowMap},
        emptyTensor(b, loc, tensor::getMixedSizes(b, loc, state.acc),
                    b.getF32Type()),
        [](OpBuilder &nb, Location nloc, ValueRange args) {
          return Value(arith::MulFOp::create(nb, nloc, args[0], args[1]));
        });
    // Loops (g, s, e, j): acc[g, s, e] += weights[g, s, j] * v[j, e].
    Value acc = buildContraction(
        b, loc, weights, values, rescaled,
        {dims(ctx, 4, {0, 1, 3}), dims(ctx, 4, {3, 2}), dims(ctx, 4, {0, 1, 2})});
    return {max, sum, acc};
  }

  /// The raw products [G, S, n] of a block scaled, and -inf where the
  /// query may not see the key (transformers adds finfo.min; both give
  /// exactly zero weight).
  Value maskScores(Value products, Value start, bool cached,
                   ArrayRef<OpFoldResult> sizes) {
    Value positions = op.getPositions();
    Value minusInf =
        constantF32(b, loc, -std::numeric_limits<float>::infinity());
    Value scaleValue = constantF32(b, loc, scale);
    return buildMap(
        b, loc, {products}, {b.getMultiDimIdentityMap(3)},
        emptyTensor(b, loc, sizes, b.getF32Type()),
        [&](OpBuilder &nb, Location nloc, ValueRange args) {
          Value token = linalg::IndexOp::create(nb, nloc, 1);
          Value key = arith::AddIOp::create(
              nb, nloc, start, linalg::IndexOp::create(nb, nloc, 2));
          Value query = tensor::ExtractOp::create(nb, nloc, positions,
                                                  ValueRange{row, token});
          Value visible = cached ? cachedVisible(nb, nloc, query, key)
                                 : newVisible(nb, nloc, query, key);
          Value scaled = precision.round(
              nb, nloc,
              arith::MulFOp::create(nb, nloc,
                                    precision.round(nb, nloc, args[0]),
                                    scaleValue));
          return Value(
              arith::SelectOp::create(nb, nloc, visible, scaled, minusInf));
        });
  }

  /// Whether cache slot `slot` holds a key written before this call (and,
  /// on a chunked layer, in the query's chunk, which its window holds).
  Value cachedVisible(OpBuilder &nb, Location nloc, Value query, Value slot) {
    Value first = tensor::ExtractOp::create(
        nb, nloc, op.getPositions(),
        ValueRange{row, arith::ConstantIndexOp::create(nb, nloc, 0)});
    Value position =
        arith::IndexCastOp::create(nb, nloc, nb.getI32Type(), slot);
    if (chunk > 0) {
      Value chunkSize = constantI32(nb, nloc, chunk);
      position = arith::AddIOp::create(
          nb, nloc,
          arith::MulIOp::create(
              nb, nloc, arith::DivSIOp::create(nb, nloc, query, chunkSize),
              chunkSize),
          position);
    }
    return arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::slt,
                                 position, first);
  }

  /// Whether new token `token` is not after the query (and in its chunk).
  Value newVisible(OpBuilder &nb, Location nloc, Value query, Value token) {
    Value position = tensor::ExtractOp::create(nb, nloc, op.getPositions(),
                                               ValueRange{row, token});
    Value visible = arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::sle,
                                          position, query);
    if (chunk > 0) {
      Value chunkSize = constantI32(nb, nloc, chunk);
      visible = arith::AndIOp::create(
          nb, nloc, visible,
          arith::CmpIOp::create(
              nb, nloc, arith::CmpIPredicate::eq,
              arith::DivSIOp::create(nb, nloc, position, chunkSize),
              arith::DivSIOp::create(nb, nloc, query, chunkSize)));
    }
    return visible;
  }

  OpBuilder &b;
  Location loc;
  llama4::AttentionOp op;
  int64_t keyBlock;
  Value row;     // the batch row
  Value queries; // [G, S, d]
  Precision precision;
  int64_t chunk;
  float scale;
};

struct AttentionToLinalg : OpRewritePattern<llama4::AttentionOp> {
  AttentionToLinalg(MLIRContext *context, int64_t keyBlock)
      : OpRewritePattern(context), keyBlock(keyBlock) {}
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

    Value query = op.getQuery();
    if (auto tuning = op.getTemperatureTuningAttr())
      query = scaleByTemperature(b, loc, query, op.getPositions(), tuning);
    // [B, S, H, d] -> [B, S, Hkv, G, d]: query head h = kvHead * G + g;
    // then [B, Hkv, G, S, d], the queries of each KV head together.
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
    OpFoldResult batch = groupedSizes[0], seq = groupedSizes[1];
    SmallVector<OpFoldResult> headSizes = {batch, b.getIndexAttr(kvHeads),
                                           b.getIndexAttr(group), seq,
                                           b.getIndexAttr(headDim)};
    Value byHead = buildMap(
        b, loc, {grouped}, {dims(ctx, 5, {0, 3, 1, 2, 4})},
        emptyTensor(b, loc, headSizes, elementType),
        [](OpBuilder &, Location, ValueRange args) { return args[0]; });
    Value newKeys = toHeadMajor(b, loc, op.getKey());
    Value newValues = toHeadMajor(b, loc, op.getValue());

    // One KV head of one batch row at a time.
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    scf::LoopNest perHead = scf::buildLoopNest(
        b, loc, {zero, zero},
        {getValueOrCreateConstantIndexOp(b, loc, batch),
         arith::ConstantIndexOp::create(b, loc, kvHeads)},
        {one, one}, ValueRange{emptyTensor(b, loc, headSizes, elementType)},
        [&](OpBuilder &lb, Location lloc, ValueRange at,
            ValueRange args) -> scf::ValueVector {
          auto slice = [&](Value tensor) {
            return sliceLeading(lb, lloc, tensor, at);
          };
          Value out = HeadAttention(lb, lloc, op, keyBlock, at[0], slice(byHead))
                          .emit(slice(op.getKeyCache()),
                                slice(op.getValueCache()), slice(newKeys),
                                slice(newValues));
          return {insertLeading(lb, lloc, out, args[0], at)};
        });

    // [B, Hkv, G, S, d] -> [B, S, Hkv, G, d] -> [B, S, H, d].
    Value bySequence = buildMap(
        b, loc, {perHead.results.front()}, {dims(ctx, 5, {0, 2, 3, 1, 4})},
        emptyTensor(b, loc, tensor::getMixedSizes(b, loc, grouped),
                    elementType),
        [](OpBuilder &, Location, ValueRange args) { return args[0]; });
    rewriter.replaceOpWithNewOp<tensor::CollapseShapeOp>(
        op, queryType, bySequence,
        ArrayRef<ReassociationIndices>{{0}, {1}, {2, 3}, {4}});
    return success();
  }

private:
  int64_t keyBlock;
};

} // namespace

void llama4c::populateAttentionToLinalgPatterns(RewritePatternSet &patterns,
                                                int64_t keyBlock) {
  patterns.add<AttentionToLinalg>(patterns.getContext(), keyBlock);
}
