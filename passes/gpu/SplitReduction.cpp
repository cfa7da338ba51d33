//===- SplitReduction.cpp - A product's reduction split between threads ---===//
//
// --llama4-gpu-split-reduction: see Passes.td. Written for our sums
// (passes/strategy/Sum.h) rather than with linalg::splitReduction, which
// refuses bodies that read their loop indices: a routed expert's `x * W`
// reads its expert's weights at (expert, k, n) through tensor.extract.
//
//===----------------------------------------------------------------------===//

#include "passes/gpu/Passes.h"

#include "dialects/llama4/IR/Llama4Dialect.h"
#include "passes/strategy/Sum.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"

namespace llama4c {
#define GEN_PASS_DEF_LLAMA4GPUSPLITREDUCTIONPASS
#include "passes/gpu/Passes.h.inc"
} // namespace llama4c

using namespace mlir;
using mlir::llama4::LoweringConfigAttr;

namespace {

/// The loops of the partial op, (s, the original loops...) with the
/// reduction loop r taking K/S steps: the original loop i is the partial
/// op's i + 1, and step k of r is s * K/S + the partial op's r + 1.
AffineMap originalLoopsOfPartial(MLIRContext *ctx, unsigned loops,
                                 unsigned reduction, int64_t stepsPerSplit) {
  SmallVector<AffineExpr> original;
  for (unsigned loop = 0; loop < loops; ++loop)
    original.push_back(loop == reduction
                           ? getAffineDimExpr(0, ctx) * stepsPerSplit +
                                 getAffineDimExpr(loop + 1, ctx)
                           : getAffineDimExpr(loop + 1, ctx));
  return AffineMap::get(loops + 1, 0, original, ctx);
}

/// The partial sums of `op`'s S splits: [S, output...], each summing K/S
/// steps of its reduction into zeros.
Value buildPartialSums(RewriterBase &rewriter, linalg::GenericOp op,
                       const llama4c::Sum &sum, int64_t splits,
                       LoweringConfigAttr config) {
  MLIRContext *ctx = rewriter.getContext();
  Location loc = op.getLoc();
  int64_t stepsPerSplit = sum.depth / splits;
  unsigned loops = op.getNumLoops();
  Value output = op.getDpsInits()[0];
  auto zeros = output.getDefiningOp<linalg::FillOp>();
  SmallVector<OpFoldResult> sizes = {rewriter.getIndexAttr(splits)};
  llvm::append_range(sizes, tensor::getMixedSizes(rewriter, loc, output));
  // Configured like the partial op, so that each of its tiles fills its
  // own partial sum.
  auto partialZeros =
      linalg::FillOp::create(rewriter, loc, zeros.getInputs(),
                             ValueRange{tensor::EmptyOp::create(
                                 rewriter, loc, sizes, rewriter.getF32Type())});
  partialZeros->setAttr(LoweringConfigAttr::attributeName,
                        config.withSplitK(1));

  // An input reads the reduction loop as a whole dimension (Sum.h): that
  // dimension becomes (s, the step within the split), so that every loop
  // of the partial op is some operand's dimension.
  AffineMap original =
      originalLoopsOfPartial(ctx, loops, sum.loop, stepsPerSplit);
  AffineExpr reduction = getAffineDimExpr(sum.loop, ctx);
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  for (OpOperand *input : op.getDpsInputOperands()) {
    AffineMap map = op.getMatchingIndexingMap(input);
    std::optional<unsigned> splitDim = map.getResultPosition(reduction);
    if (!splitDim) {
      inputs.push_back(input->get());
      maps.push_back(map.compose(original));
      continue;
    }
    SmallVector<ReassociationIndices> groups;
    SmallVector<OpFoldResult> shape;
    SmallVector<AffineExpr> indices;
    for (auto [dim, size] :
         llvm::enumerate(tensor::getMixedSizes(rewriter, loc, input->get()))) {
      if (dim != *splitDim) {
        groups.push_back({static_cast<int64_t>(shape.size())});
        shape.push_back(size);
        indices.push_back(map.getResult(dim).compose(original));
        continue;
      }
      groups.push_back({static_cast<int64_t>(shape.size()),
                        static_cast<int64_t>(shape.size() + 1)});
      shape.push_back(rewriter.getIndexAttr(splits));
      shape.push_back(rewriter.getIndexAttr(stepsPerSplit));
      indices.push_back(getAffineDimExpr(0, ctx));
      indices.push_back(getAffineDimExpr(sum.loop + 1, ctx));
    }
    auto type = cast<RankedTensorType>(input->get().getType());
    SmallVector<int64_t> staticShape;
    SmallVector<Value> dynamicShape;
    dispatchIndexOpFoldResults(shape, dynamicShape, staticShape);
    inputs.push_back(tensor::ExpandShapeOp::create(
        rewriter, loc, type.clone(staticShape), input->get(), groups, shape));
    maps.push_back(AffineMap::get(loops + 1, 0, indices, ctx));
  }
  SmallVector<AffineExpr> outputIndices = {getAffineDimExpr(0, ctx)};
  llvm::append_range(outputIndices,
                     op.getMatchingIndexingMap(op.getDpsInitOperand(0))
                         .compose(original)
                         .getResults());
  maps.push_back(AffineMap::get(loops + 1, 0, outputIndices, ctx));
  SmallVector<utils::IteratorType> iterators = {utils::IteratorType::parallel};
  llvm::append_range(iterators, op.getIteratorTypesArray());

  auto partial = linalg::GenericOp::create(
      rewriter, loc, partialZeros.getResultTypes(), inputs,
      partialZeros.getResult(0), maps, iterators);
  rewriter.cloneRegionBefore(op.getRegion(), partial.getRegion(),
                             partial.getRegion().end());
  partial->setAttr(LoweringConfigAttr::attributeName, config.withSplitK(1));
  // The body's loop indices are the original loops'.
  OpBuilder::InsertionGuard afterPartial(rewriter);
  SmallVector<linalg::IndexOp> indices;
  partial.getBody()->walk(
      [&](linalg::IndexOp index) { indices.push_back(index); });
  for (linalg::IndexOp index : indices) {
    rewriter.setInsertionPoint(index);
    uint64_t loop = index.getDim();
    Value next = linalg::IndexOp::create(rewriter, index.getLoc(), loop + 1);
    if (loop == sum.loop) {
      Value split = linalg::IndexOp::create(rewriter, index.getLoc(), 0);
      Value start =
          arith::MulIOp::create(rewriter, index.getLoc(), split,
                                arith::ConstantIndexOp::create(
                                    rewriter, index.getLoc(), stepsPerSplit));
      next = arith::AddIOp::create(rewriter, index.getLoc(), start, next);
    }
    rewriter.replaceOp(index, next);
  }
  return partial.getResult(0);
}

/// `op`'s output: its zeros plus the S partial sums, over the original
/// loops with the reduction loop taking the splits.
Value buildSumOfPartials(RewriterBase &rewriter, linalg::GenericOp op,
                         const llama4c::Sum &sum, Value partials,
                         LoweringConfigAttr config) {
  MLIRContext *ctx = rewriter.getContext();
  Location loc = op.getLoc();
  AffineMap outputMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  SmallVector<AffineExpr> partialIndices = {getAffineDimExpr(sum.loop, ctx)};
  llvm::append_range(partialIndices, outputMap.getResults());
  auto total = linalg::GenericOp::create(
      rewriter, loc, op.getResultTypes(), partials, op.getDpsInits(),
      ArrayRef<AffineMap>{
          AffineMap::get(op.getNumLoops(), 0, partialIndices, ctx), outputMap},
      op.getIteratorTypesArray(),
      [](OpBuilder &b, Location nloc, ValueRange args) {
        linalg::YieldOp::create(
            b, nloc, Value(arith::AddFOp::create(b, nloc, args[1], args[0])));
      });
  total->setAttr(LoweringConfigAttr::attributeName, config.withSplitK(1));
  return total.getResult(0);
}

struct SplitReduction
    : llama4c::impl::Llama4GpuSplitReductionPassBase<SplitReduction> {
  void runOnOperation() override {
    SmallVector<linalg::GenericOp> split;
    getOperation()->walk([&](linalg::GenericOp op) {
      if (LoweringConfigAttr config = LoweringConfigAttr::of(op);
          config && config.getSplitK() > 1)
        split.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::GenericOp op : split) {
      LoweringConfigAttr config = LoweringConfigAttr::of(op);
      int64_t splits = config.getSplitK();
      FailureOr<llama4c::Sum> sum = llama4c::matchSum(op);
      if (failed(sum) || sum->depth % splits) {
        op.emitOpError("has split_k = ")
            << splits
            << " but is not a sum into zeros over one loop whose static "
               "extent it divides";
        return signalPassFailure();
      }
      rewriter.setInsertionPoint(op);
      Value partials = buildPartialSums(rewriter, op, *sum, splits, config);
      rewriter.replaceOp(
          op, buildSumOfPartials(rewriter, op, *sum, partials, config));
    }
  }
};

} // namespace
