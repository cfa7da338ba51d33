//===- AttentionToLinalg.cpp - llama4.attention -> linalg -----------------===//
//
// Attention as transformers computes it (eager_attention_forward), with
// the queries of NoPE layers with temperature tuning first scaled by
//   1 + attn_scale * log1p(floor((p + 1) / floor_scale)),
// then grouped by KV head ([B, Hkv, G, S, d], query head h = kvHead * G +
// g) and the new keys and values made head-major like the cache, for one
// llama4.online_attention: the op the GPU tiles per query, and
// --llama4-decompose-online-attention expands (see there for the math).
// In a decode step these layout changes move only the one token's unit
// dimension: reshapes, not copies.
//
//===----------------------------------------------------------------------===//

#include "dialects/llama4/IR/Llama4Dialect.h"
#include "passes/conversion/Llama4ToLinalg/LinalgBuilders.h"
#include "passes/conversion/Llama4ToLinalg/Patterns.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace llama4c;

namespace {

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

/// `value` with its dimensions permuted: result dimension i is source
/// dimension `permutation[i]`. Where only static unit dimensions move (a
/// decode step's one token), the elements keep their order and the
/// permutation is a reshape, which costs no kernel; otherwise a copy.
Value permute(OpBuilder &b, Location loc, Value value,
              ArrayRef<unsigned> permutation) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<OpFoldResult> sourceSizes = tensor::getMixedSizes(b, loc, value);
  SmallVector<OpFoldResult> sizes;
  SmallVector<int64_t> shape;
  for (unsigned dim : permutation) {
    sizes.push_back(sourceSizes[dim]);
    shape.push_back(type.getDimSize(dim));
  }
  auto isUnit = [&](unsigned dim) { return type.getDimSize(dim) == 1; };
  SmallVector<unsigned> kept = llvm::to_vector(llvm::make_filter_range(
      permutation, [&](unsigned d) { return !isUnit(d); }));
  if (llvm::is_sorted(kept)) {
    // Collapse the unit dimensions away, then expand them where they go:
    // each kept dimension's group takes the unit dimensions before it.
    auto groupsAround = [](ArrayRef<bool> unit) {
      SmallVector<ReassociationIndices> groups;
      ReassociationIndices pending;
      for (auto [dim, isUnitDim] : llvm::enumerate(unit)) {
        pending.push_back(dim);
        if (!isUnitDim) {
          groups.push_back(pending);
          pending.clear();
        }
      }
      if (!pending.empty()) {
        if (groups.empty())
          groups.push_back({});
        llvm::append_range(groups.back(), pending);
      }
      return groups;
    };
    SmallVector<bool> sourceUnit, resultUnit;
    for (unsigned dim = 0; dim < permutation.size(); ++dim) {
      sourceUnit.push_back(isUnit(dim));
      resultUnit.push_back(isUnit(permutation[dim]));
    }
    Value collapsed = tensor::CollapseShapeOp::create(b, loc, value,
                                                      groupsAround(sourceUnit));
    return tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get(shape, type.getElementType()), collapsed,
        groupsAround(resultUnit), sizes);
  }
  // The copy's loops are the result's dimensions; source dimension j is
  // read at the loop that takes it.
  SmallVector<unsigned> sourceLoops(permutation.size());
  for (auto [loop, dim] : llvm::enumerate(permutation))
    sourceLoops[dim] = loop;
  Value init = emptyTensor(b, loc, sizes, type.getElementType());
  return buildMap(
      b, loc, {value}, {dims(b.getContext(), permutation.size(), sourceLoops)},
      init, [](OpBuilder &, Location, ValueRange args) { return args[0]; });
}

/// [B, S, Hkv, d] -> [B, Hkv, S, d]: the cache's head-major layout.
Value toHeadMajor(OpBuilder &b, Location loc, Value tokens) {
  return permute(b, loc, tokens, {0, 2, 1, 3});
}

struct AttentionToLinalg : OpRewritePattern<llama4::AttentionOp> {
  AttentionToLinalg(MLIRContext *context, int64_t keyBlock)
      : OpRewritePattern(context), keyBlock(keyBlock) {}
  LogicalResult matchAndRewrite(llama4::AttentionOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
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
    Value byHead = permute(b, loc, grouped, {0, 2, 3, 1, 4});
    Value newKeys = toHeadMajor(b, loc, op.getKey());
    Value newValues = toHeadMajor(b, loc, op.getValue());

    Value init = emptyTensor(b, loc, headSizes, elementType);
    Value attended =
        llama4::OnlineAttentionOp::create(
            b, loc, init.getType(), byHead, op.getPositions(), op.getKeyCache(),
            op.getValueCache(), op.getKeyScales(), op.getValueScales(),
            op.getBlockTable(), newKeys, newValues, op.getPositions(), init,
            op.getScaleAttr(), op.getChunkSizeAttr(),
            b.getI64IntegerAttr(keyBlock))
            .getResult();

    // [B, Hkv, G, S, d] -> [B, S, Hkv, G, d] -> [B, S, H, d].
    Value bySequence = permute(b, loc, attended, {0, 3, 1, 2, 4});
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
