//===- GreedyTokenToLinalg.cpp - llama4.greedy_token -> linalg ------------===//
//
// The greedy token of a row of V logits in two reductions of (best logit,
// index) pairs: each of P = ceil(V / kSpan) spans of kSpan logits, then the
// P spans' pairs (one reduction when P is 1). On a CPU that is the same
// scan; on a GPU each span is a warp (a row of Scout's 202,048 logits is 99
// warps in one wave, where one warp would take 790 rounds of loads), then a
// warp a row combines them.
//
//===----------------------------------------------------------------------===//

#include "dialects/llama4/IR/Llama4Dialect.h"
#include "passes/conversion/Llama4ToLinalg/GreedyToken.h"
#include "passes/conversion/Llama4ToLinalg/LinalgBuilders.h"
#include "passes/conversion/Llama4ToLinalg/Patterns.h"

#include <limits>

using namespace mlir;
using namespace llama4c;

/// Whether no token can be drawn where `logit` is: ueq, unordered (a NaN)
/// or equal to +inf.
static Value isUnusable(OpBuilder &b, Location loc, Value logit) {
  return arith::CmpFOp::create(
      b, loc, arith::CmpFPredicate::UEQ, logit,
      constantF32(b, loc, std::numeric_limits<float>::infinity()));
}

Value llama4c::greedyCandidateIndex(OpBuilder &b, Location loc, Value logit,
                                    Value index) {
  Value none = arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(-1));
  return arith::SelectOp::create(b, loc, isUnusable(b, loc, logit), none,
                                 index);
}

Value llama4c::greedyPrefers(OpBuilder &b, Location loc, Value logit,
                             Value index, Value other, Value otherIndex) {
  Value mine = isUnusable(b, loc, logit), theirs = isUnusable(b, loc, other);
  Value larger =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, logit, other);
  Value equal =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, logit, other);
  Value earlier = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt,
                                        index, otherIndex);
  Value yes = arith::ConstantOp::create(b, loc, b.getBoolAttr(true));
  Value no = arith::ConstantOp::create(b, loc, b.getBoolAttr(false));
  // Mine unusable: first unless theirs is too and comes earlier (both
  // are -1 then, so mine never replaces theirs).
  Value mineUnusable = arith::SelectOp::create(b, loc, theirs, earlier, yes);
  // Mine usable: never before an unusable one; else larger, or equal and
  // earlier.
  Value rankedFirst = arith::OrIOp::create(
      b, loc, larger, arith::AndIOp::create(b, loc, equal, earlier));
  Value mineUsable = arith::SelectOp::create(b, loc, theirs, no, rankedFirst);
  return arith::SelectOp::create(b, loc, mine, mineUnusable, mineUsable);
}

namespace {

/// Logits a span: a warp's 32 lanes take 64 each, 8 rounds of 8 loads.
constexpr int64_t kSpan = 2048;

struct GreedyTokenToLinalg : OpRewritePattern<llama4::GreedyTokenOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(llama4::GreedyTokenOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value logits = op.getLogits();
    auto type = cast<RankedTensorType>(logits.getType());
    int64_t vocab = type.getShape().back();
    if (ShapedType::isDynamic(vocab) || !type.getElementType().isF32())
      return rewriter.notifyMatchFailure(op, "needs f32 logits of a static "
                                             "vocabulary");
    int64_t span = std::min(kSpan, vocab);
    int64_t spans = llvm::divideCeil(vocab, span);
    unsigned rows = type.getRank() - 1; // the leading dimensions
    SmallVector<OpFoldResult> sizes =
        tensor::getMixedSizes(rewriter, loc, logits);
    sizes.pop_back();

    // Stage 1: [rows..., spans] pairs; logit v = p * span + j of the
    // span's j, past the vocabulary -inf (which never ranks first).
    SmallVector<OpFoldResult> spanSizes(sizes);
    spanSizes.push_back(rewriter.getIndexAttr(spans));
    auto [spanBest, spanIndex] = pairsOf(rewriter, loc, spanSizes);
    unsigned loops = rows + 2;
    SmallVector<unsigned> outer = llvm::to_vector(llvm::seq(0u, rows + 1));
    AffineMap pairMap = dims(rewriter.getContext(), loops, outer);
    // The logits are read at clamped indices in the body; an operand of
    // the span's extent, never read, gives the loop over it its size (as
    // a pooling op's window operand does).
    Value spanExtent = emptyTensor(rewriter, loc, {rewriter.getIndexAttr(span)},
                                   rewriter.getI8Type());
    AffineMap spanMap = dims(rewriter.getContext(), loops, {rows + 1});
    auto stage1 = linalg::GenericOp::create(
        rewriter, loc, TypeRange{spanBest.getType(), spanIndex.getType()},
        ValueRange{spanExtent}, ValueRange{spanBest, spanIndex},
        ArrayRef<AffineMap>{spanMap, pairMap, pairMap}, iterators(rows + 1, 1),
        [&](OpBuilder &b, Location nloc, ValueRange args) {
          Value p = linalg::IndexOp::create(b, nloc, rows);
          Value j = linalg::IndexOp::create(b, nloc, rows + 1);
          Value v = arith::AddIOp::create(
              b, nloc,
              arith::MulIOp::create(
                  b, nloc, p, arith::ConstantIndexOp::create(b, nloc, span)),
              j);
          Value last = arith::ConstantIndexOp::create(b, nloc, vocab - 1);
          Value inVocab = arith::CmpIOp::create(
              b, nloc, arith::CmpIPredicate::ule, v, last);
          SmallVector<Value> at;
          for (unsigned d = 0; d < rows; ++d)
            at.push_back(linalg::IndexOp::create(b, nloc, d));
          at.push_back(arith::MinUIOp::create(b, nloc, v, last));
          Value logit = arith::SelectOp::create(
              b, nloc, inVocab, tensor::ExtractOp::create(b, nloc, logits, at),
              constantF32(b, nloc, -std::numeric_limits<float>::infinity()));
          Value index = greedyCandidateIndex(
              b, nloc, logit,
              arith::IndexCastOp::create(b, nloc, b.getI32Type(), v));
          keepPreferred(b, nloc, logit, index, args[1], args[2]);
        });
    stage1->setAttr(kGreedyTokenAttr, rewriter.getUnitAttr());

    // A vocabulary of one span is done: its one pair a row is the row's.
    if (spans == 1) {
      SmallVector<ReassociationIndices> rowsOf;
      for (unsigned d = 0; d < rows; ++d)
        rowsOf.push_back({int64_t(d)});
      if (rows > 0)
        rowsOf.back().push_back(rows);
      rewriter.replaceOpWithNewOp<tensor::CollapseShapeOp>(
          op, op.getType(), stage1.getResult(1), rowsOf);
      return success();
    }

    // Stage 2: the spans' pairs of each row.
    auto [best, index] = pairsOf(rewriter, loc, sizes);
    SmallVector<unsigned> rowDims = llvm::to_vector(llvm::seq(0u, rows));
    AffineMap rowMap = dims(rewriter.getContext(), rows + 1, rowDims);
    AffineMap spansMap = rewriter.getMultiDimIdentityMap(rows + 1);
    auto stage2 = linalg::GenericOp::create(
        rewriter, loc, TypeRange{best.getType(), index.getType()},
        stage1.getResults(), ValueRange{best, index},
        ArrayRef<AffineMap>{spansMap, spansMap, rowMap, rowMap},
        iterators(rows, 1), [&](OpBuilder &b, Location nloc, ValueRange args) {
          keepPreferred(b, nloc, args[0], args[1], args[2], args[3]);
        });
    stage2->setAttr(kGreedyTokenAttr, rewriter.getUnitAttr());
    rewriter.replaceOp(op, stage2.getResult(1));
    return success();
  }

  /// Empty (best, index) tensors of `sizes` filled with (-inf, -1).
  static std::pair<Value, Value> pairsOf(OpBuilder &b, Location loc,
                                         ArrayRef<OpFoldResult> sizes) {
    Value best =
        linalg::FillOp::create(
            b, loc,
            constantF32(b, loc, -std::numeric_limits<float>::infinity()),
            emptyTensor(b, loc, sizes, b.getF32Type()))
            .getResult(0);
    Value index =
        linalg::FillOp::create(
            b, loc,
            Value(arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(-1))),
            emptyTensor(b, loc, sizes, b.getI32Type()))
            .getResult(0);
    return {best, index};
  }

  /// Yields whichever of (logit, index) and the running (best, bestIndex)
  /// ranks first.
  static void keepPreferred(OpBuilder &b, Location loc, Value logit,
                            Value index, Value best, Value bestIndex) {
    Value take = greedyPrefers(b, loc, logit, index, best, bestIndex);
    linalg::YieldOp::create(
        b, loc,
        ValueRange{arith::SelectOp::create(b, loc, take, logit, best),
                   arith::SelectOp::create(b, loc, take, index, bestIndex)});
  }
};

} // namespace

void llama4c::populateGreedyTokenToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<GreedyTokenToLinalg>(patterns.getContext());
}
