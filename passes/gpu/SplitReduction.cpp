//===- SplitReduction.cpp - A reduction split between threads -------------===//
//
// --llama4-gpu-split-reduction: see Passes.td. Written for our sums
// (passes/strategy/Sum.h) rather than with linalg::splitReduction, which
// refuses bodies that read their loop indices: a routed expert's `x * W`
// reads its expert's weights at (expert, k, n) through tensor.extract.
// Attention's keys split as flash-decoding splits them: each split's
// online softmax state, then one combining op.
//
//===----------------------------------------------------------------------===//

#include "passes/gpu/Passes.h"

#include "dialects/llama4/IR/Llama4Dialect.h"
#include "passes/conversion/Llama4ToLinalg/LinalgBuilders.h"
#include "passes/gpu/Warp.h"
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

/// `op`'s keys split `splits` ways, each at least `splitKeys` keys: a
/// llama4.partial_attention configured as `op` was, each of its tiles one
/// split of one query, and the op that combines their states into `op`'s
/// destination, for --llama4-select-lowering-config to configure.
Value splitKeys(RewriterBase &rewriter, llama4::OnlineAttentionOp op,
                int64_t splits, int64_t splitKeys, LoweringConfigAttr config) {
  Location loc = op.getLoc();
  SmallVector<OpFoldResult> accSizes = {rewriter.getIndexAttr(splits)};
  llvm::append_range(accSizes,
                     tensor::getMixedSizes(rewriter, loc, op.getQueries()));
  ArrayRef<OpFoldResult> stateSizes = ArrayRef(accSizes).drop_back();
  Type f32 = rewriter.getF32Type();
  Value maxInit = llama4c::emptyTensor(rewriter, loc, stateSizes, f32);
  Value sumInit = llama4c::emptyTensor(rewriter, loc, stateSizes, f32);
  Value accInit = llama4c::emptyTensor(rewriter, loc, accSizes, f32);
  auto partial = llama4::PartialAttentionOp::create(
      rewriter, loc, maxInit.getType(), sumInit.getType(), accInit.getType(),
      op.getQueries(), op.getQueryPositions(), op.getKeyCache(),
      op.getValueCache(), op.getKeyScales(), op.getValueScales(),
      op.getBlockTable(), op.getKeys(), op.getValues(), op.getKeyPositions(),
      arith::ConstantIndexOp::create(rewriter, loc, 0), maxInit, sumInit,
      accInit, op.getScaleAttr(), op.getChunkSizeAttr(), op.getKeyBlockAttr(),
      rewriter.getI64IntegerAttr(splits),
      rewriter.getI64IntegerAttr(splitKeys));
  // A tile takes one split of what a tile of `op` took.
  SmallVector<int64_t> tile = {1};
  llvm::append_range(tile, config.getWorkgroupTile());
  partial->setAttr(
      LoweringConfigAttr::attributeName,
      config.withSplitK(1).withWorkgroupTile(
          config.getWorkgroupTile().empty() ? ArrayRef<int64_t>{} : tile));

  // Each output element (b, h, g, s, e): the largest split maximum M, then
  // sum_p exp(max_p - M) acc_p[e] / sum_p exp(max_p - M) sum_p, rounded.
  llama4c::Precision precision(llama4c::elementTypeOf(op.getInit()));
  auto combine = linalg::GenericOp::create(
      rewriter, loc, op.getInit().getType(), ValueRange{}, op.getInit(),
      ArrayRef<AffineMap>{rewriter.getMultiDimIdentityMap(5)},
      llama4c::iterators(5), [&](OpBuilder &b, Location nloc, ValueRange) {
        SmallVector<Value> at;
        for (int64_t loop = 0; loop < 5; ++loop)
          at.push_back(linalg::IndexOp::create(b, nloc, loop));
        auto stateAt = [&](OpBuilder &lb, Location lloc, Value state,
                           Value split, bool acc) {
          SmallVector<Value> indices = {split};
          llvm::append_range(indices, ArrayRef(at).take_front(acc ? 5 : 4));
          return tensor::ExtractOp::create(lb, lloc, state, indices);
        };
        Value zero = arith::ConstantIndexOp::create(b, nloc, 0);
        Value count = arith::ConstantIndexOp::create(b, nloc, splits);
        Value one = arith::ConstantIndexOp::create(b, nloc, 1);
        auto overSplits = [&](ValueRange inits, auto body) {
          return scf::ForOp::create(b, nloc, zero, count, one, inits,
                                    [&](OpBuilder &lb, Location lloc,
                                        Value split, ValueRange carried) {
                                      scf::YieldOp::create(
                                          lb, lloc,
                                          body(lb, lloc, split, carried));
                                    })
              .getResults();
        };
        Value max = overSplits(
            llama4c::constantF32(b, nloc,
                                 -std::numeric_limits<float>::infinity()),
            [&](OpBuilder &lb, Location lloc, Value split, ValueRange carried) {
              return SmallVector<Value>{arith::MaximumFOp::create(
                  lb, lloc, carried[0],
                  stateAt(lb, lloc, partial.getMax(), split, false))};
            })[0];
        Value zeroF32 = llama4c::constantF32(b, nloc, 0.0f);
        ValueRange sums = overSplits(
            {zeroF32, zeroF32},
            [&](OpBuilder &lb, Location lloc, Value split, ValueRange carried) {
              Value share = llama4c::expBelowMax(
                  lb, lloc, stateAt(lb, lloc, partial.getMax(), split, false),
                  max);
              auto add = [&](Value total, Value state, bool acc) {
                return Value(arith::AddFOp::create(
                    lb, lloc, total,
                    arith::MulFOp::create(
                        lb, lloc, share,
                        stateAt(lb, lloc, state, split, acc))));
              };
              return SmallVector<Value>{
                  add(carried[0], partial.getAcc(), true),
                  add(carried[1], partial.getSum(), false)};
            });
        linalg::YieldOp::create(
            b, nloc,
            precision.narrow(b, nloc,
                             arith::DivFOp::create(b, nloc, sums[0], sums[1])));
      });
  return combine.getResult(0);
}

struct SplitReduction
    : llama4c::impl::Llama4GpuSplitReductionPassBase<SplitReduction> {
  using Llama4GpuSplitReductionPassBase::Llama4GpuSplitReductionPassBase;

  void runOnOperation() override {
    if (attentionSplitKeys < 1) {
      getOperation()->emitError("attention-split-keys must be at least 1");
      return signalPassFailure();
    }
    SmallVector<linalg::GenericOp> split;
    SmallVector<llama4::OnlineAttentionOp> attentions;
    getOperation()->walk([&](Operation *op) {
      LoweringConfigAttr config = LoweringConfigAttr::of(op);
      if (!config || config.getSplitK() == 1)
        return;
      if (auto attention = dyn_cast<llama4::OnlineAttentionOp>(op))
        attentions.push_back(attention);
      else if (auto generic = dyn_cast<linalg::GenericOp>(op))
        split.push_back(generic);
    });
    IRRewriter rewriter(&getContext());
    for (llama4::OnlineAttentionOp op : attentions) {
      LoweringConfigAttr config = LoweringConfigAttr::of(op);
      // As many rounds of keys as `attention-split-keys` are to a warp
      // whose lanes each take a key: fewer keys where lanes share each.
      int64_t headDim =
          cast<ShapedType>(op.getQueries().getType()).getShape().back();
      ArrayRef<int64_t> columns = config.getRegisterTile();
      int64_t keyLanes = columns.empty()
                             ? llama4c::kWarpSize
                             : llama4c::keyLanesOf(headDim, columns.front());
      int64_t fewestKeys = std::max<int64_t>(1, attentionSplitKeys * keyLanes /
                                                    llama4c::kWarpSize);
      rewriter.setInsertionPoint(op);
      rewriter.replaceOp(
          op, splitKeys(rewriter, op, config.getSplitK(), fewestKeys, config));
    }
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
