//===- TileAndFuse.cpp - One kernel per root op, its producers fused ------===//
//
// --llama4-gpu-tile-and-fuse: see Passes.td.
//
//===----------------------------------------------------------------------===//

#include "passes/gpu/Passes.h"

#include "dialects/llama4/IR/Llama4Dialect.h"

#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace llama4c {
#define GEN_PASS_DEF_LLAMA4GPUTILEANDFUSEPASS
#include "passes/gpu/Passes.h.inc"
} // namespace llama4c

using namespace mlir;
using mlir::llama4::LoweringConfigAttr;
using mlir::llama4::LoweringPipeline;

namespace {

/// Both GPU templates tile one output element per iteration; a tile that
/// holds a warp-per-element op is a warp's (--llama4-gpu-linalg-to-kernel-
/// loops decides), its other ops computed alike by the warp's lanes.
bool isPerElement(Operation *op) { return bool(LoweringConfigAttr::ofGpu(op)); }

bool isWarpPerElement(Operation *op) {
  return bool(
      LoweringConfigAttr::of(op, LoweringPipeline::gpu_warp_per_element));
}

/// The steps a tile may take to compute a fused producer's elements that
/// other tiles compute too, and the steps all the tiles that repeat one
/// element may take together: a head's qk-norm (128 steps), recomputed by
/// the threads of its 128 elements, is 16K loads of one cached row where
/// a kernel of its own costs a launch (2.5 to 8 us measured on an H200).
constexpr int64_t kMaxRepeatedDepth = 128;
constexpr int64_t kMaxRepeatedWork = 128 * 128;

/// Reduction steps of one element of `op`, more than kMaxRepeatedDepth if
/// they are dynamic.
int64_t reductionSteps(linalg::LinalgOp op) {
  SmallVector<int64_t> extents = op.getStaticLoopRanges();
  int64_t steps = 1;
  for (auto [loop, type] : llvm::enumerate(op.getIteratorTypesArray()))
    if (type == utils::IteratorType::reduction)
      steps = ShapedType::isDynamic(extents[loop]) ? kMaxRepeatedDepth + 1
                                                   : steps * extents[loop];
  return steps;
}

/// Steps of a thread's reduction that a warp's 32 lanes may each repeat,
/// all reading the same elements: adding the 32 partial sums of a split
/// product costs less than a launch.
constexpr int64_t kMaxStepsRepeatedInWarp = 32;

/// Whether every lane of a warp's tile would repeat `op`'s loop: a thread
/// per element with a reduction longer than kMaxStepsRepeatedInWarp
/// (elementwise maps are cheap to repeat).
bool repeatsInWarp(Operation *op) {
  auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
  return !isWarpPerElement(op) &&
         (!linalgOp || reductionSteps(linalgOp) > kMaxStepsRepeatedInWarp);
}

/// How many times a reader's own steps for an element must outnumber the
/// steps of a short reduction it would compute again (see
/// repeatedByEveryReader): at most an eighth more work.
constexpr int64_t kMinStepsPerRepeatedStep = 8;

/// Whether `producer`, a thread's reduction of at most kMaxRepeatedDepth
/// steps, has only readers (untiled yet) that are threads per element,
/// each reading one element of it per output element in at least
/// kMinStepsPerRepeatedStep times its steps, so that each reader's tile
/// computes the element again and the producer launches no kernel: a
/// token's choice among Scout's 16 experts, read by the routed experts'
/// split products (320 and 256 steps a thread); not among Maverick's 128.
bool repeatedByEveryReader(linalg::LinalgOp producer) {
  if (isWarpPerElement(producer) || producer.getNumReductionLoops() == 0)
    return false;
  int64_t steps = reductionSteps(producer);
  if (steps > kMaxRepeatedDepth)
    return false;
  for (OpResult result : producer->getResults())
    for (OpOperand &use : result.getUses()) {
      if (isa<tensor::DimOp>(use.getOwner()))
        continue;
      auto reader = dyn_cast<linalg::LinalgOp>(use.getOwner());
      if (!reader || !isPerElement(reader) || isWarpPerElement(reader) ||
          !reader.isDpsInput(&use))
        return false;
      AffineMap map = reader.getMatchingIndexingMap(&use);
      SmallVector<utils::IteratorType> iterators =
          reader.getIteratorTypesArray();
      bool oneElementPerOutput =
          map.isProjectedPermutation() &&
          llvm::all_of(llvm::enumerate(iterators), [&](auto loop) {
            return loop.value() == utils::IteratorType::parallel ||
                   !map.isFunctionOfDim(loop.index());
          });
      if (!oneElementPerOutput ||
          reductionSteps(reader) < kMinStepsPerRepeatedStep * steps)
        return false;
    }
  return true;
}

/// Whether `value`, inside `tile`, depends on the tile's induction
/// variable `iv`.
bool dependsOn(Value value, Value iv, scf::ForallOp tile) {
  if (value == iv)
    return true;
  Operation *def = value.getDefiningOp();
  if (!def || !tile->isAncestor(def))
    return false;
  return llvm::any_of(def->getOperands(), [&](Value operand) {
    return dependsOn(operand, iv, tile);
  });
}

/// Elements of the slice, if its sizes are static.
std::optional<int64_t> volumeOf(tensor::ExtractSliceOp slice) {
  int64_t volume = 1;
  for (OpFoldResult size : slice.getMixedSizes()) {
    std::optional<int64_t> extent = getConstantIntValue(size);
    if (!extent)
      return std::nullopt;
    volume *= *extent;
  }
  return volume;
}

/// Whether what `slice` reads of `producer` in `tile` takes at most
/// `kMaxRepeatedDepth` steps (a step being a reduction step of one element
/// of the slice: a short reduction, or a map's short row), and at most
/// `kMaxRepeatedWork` over the tiles that compute it again (those that
/// differ only in the loops the slice's offsets ignore): cheaper to
/// repeat than to launch.
bool repeatsFewTimes(tensor::ExtractSliceOp slice, scf::ForallOp tile,
                     Operation *producer) {
  std::optional<int64_t> volume = volumeOf(slice);
  if (!tile || !volume)
    return false;
  int64_t work = *volume * reductionSteps(cast<linalg::LinalgOp>(producer));
  if (work > kMaxRepeatedDepth)
    return false;
  for (auto [iv, low, high] :
       llvm::zip(tile.getInductionVars(), tile.getMixedLowerBound(),
                 tile.getMixedUpperBound())) {
    if (llvm::any_of(slice.getOffsets(), [&, iv = iv](Value offset) {
          return dependsOn(offset, iv, tile);
        }))
      continue;
    std::optional<int64_t> from = getConstantIntValue(low);
    std::optional<int64_t> to = getConstantIntValue(high);
    work *= from && to ? *to - *from : kMaxRepeatedWork + 1;
    if (work > kMaxRepeatedWork)
      return false;
  }
  return true;
}

/// Whether `producer`, read through `slice` inside the tile of `fused`
/// (the root and the producers fused so far), can join that tile: its only
/// readers (but shape queries) are in the tile, the tile reads one element
/// of it, and through every parallel loop of the reader, so that no two
/// tiles compute the same element, unless few tiles repeat a short sum or
/// map (repeatsFewTimes), or a short row of a map (a head's RoPE, which
/// its qk-norm's sum reads) that few tiles repeat; and a warp's tile holds
/// no thread's reduction, which its 32 lanes would each repeat, reading
/// what neighbouring threads would have read together.
bool joinsTile(tensor::ExtractSliceOp slice, OpResult producer,
               const DenseSet<Operation *> &fused,
               const DenseSet<Operation *> &repeatedInReaders) {
  Operation *producerOp = producer.getOwner();
  if (!isa<linalg::LinalgOp>(producerOp) || !isPerElement(producerOp))
    return false;
  if ((isWarpPerElement(producerOp) && llvm::any_of(fused, repeatsInWarp)) ||
      (repeatsInWarp(producerOp) && llvm::any_of(fused, isWarpPerElement)))
    return false;
  auto tile = slice->getParentOfType<scf::ForallOp>();
  // Shape queries fold to the producer's destination later. A producer
  // that reads no tensor (a fill) is recomputed in every tile that reads
  // it instead, and so is a short reduction that every reader repeats.
  auto producerLinalg = cast<linalg::LinalgOp>(producerOp);
  if (repeatedInReaders.contains(producerOp))
    return slice->hasOneUse() && volumeOf(slice) == 1;
  bool recomputable =
      llvm::none_of(producerLinalg.getDpsInputOperands(), [](OpOperand *input) {
        return isa<RankedTensorType>(input->get().getType());
      });
  auto inTile = [&](Operation *user) {
    return fused.contains(user) || isa<tensor::DimOp>(user) ||
           (tile && tile->isAncestor(user));
  };
  // A short sum outside the tile that only the tile reads (a qk-norm's,
  // whose scaling is the root) is offered to it later; a slice that only
  // the tile reads (a gated activation's half) the tile reads through.
  auto readByTileAlone = [&](Operation *user) {
    auto reader = dyn_cast<linalg::LinalgOp>(user);
    return inTile(user) ||
           (isa<tensor::ExtractSliceOp>(user) &&
            llvm::all_of(user->getUsers(), inTile)) ||
           (reader && isPerElement(reader) &&
            reductionSteps(reader) <= kMaxRepeatedDepth &&
            llvm::all_of(user->getUsers(), inTile));
  };
  if (!recomputable && !llvm::all_of(producer.getUsers(), readByTileAlone))
    return false;
  if (!slice->hasOneUse())
    return false;
  if (volumeOf(slice) != 1)
    return cast<linalg::LinalgOp>(producerOp).getNumReductionLoops() == 0 &&
           repeatsFewTimes(slice, tile, producerOp);
  OpOperand &read = *slice->getUses().begin();
  auto reader = dyn_cast<linalg::LinalgOp>(read.getOwner());
  if (!reader)
    return false;
  AffineMap map = reader.getMatchingIndexingMap(&read);
  bool everyLoop = llvm::all_of(
      llvm::enumerate(reader.getIteratorTypesArray()), [&](auto loop) {
        return loop.value() != utils::IteratorType::parallel ||
               map.isFunctionOfDim(loop.index());
      });
  return everyLoop || repeatsFewTimes(slice, tile, producerOp);
}

/// The warp's sum along a row that `root` alone reads an element of per
/// row, if `root` is a map of a thread per element whose innermost loop
/// the sum's element does not depend on: RMSNorm's scaling of x [.., K]
/// by its row's sum of squares. A warp then takes the root's whole row,
/// the sum first, its lanes the row's elements after (see
/// --llama4-gpu-linalg-to-kernel-loops): one launch for the norm, where
/// a warp per sum and a thread per element took two.
linalg::LinalgOp rowSumOf(Operation *root) {
  auto map = dyn_cast<linalg::LinalgOp>(root);
  if (!map || isWarpPerElement(map) || map.getNumReductionLoops() != 0 ||
      map.getNumLoops() == 0)
    return nullptr;
  unsigned innermost = map.getNumLoops() - 1;
  for (OpOperand *input : map.getDpsInputOperands()) {
    auto sum = input->get().getDefiningOp<linalg::LinalgOp>();
    if (!sum || !isWarpPerElement(sum) ||
        map.getMatchingIndexingMap(input).isFunctionOfDim(innermost))
      continue;
    bool readByRootAlone = llvm::all_of(sum->getUsers(), [&](Operation *user) {
      return user == root || isa<tensor::DimOp>(user);
    });
    if (readByRootAlone)
      return sum;
  }
  return nullptr;
}

/// An output that `op`'s body never reads starts as a fresh tensor of its
/// own, so that bufferization copies nothing into it (a residual add's
/// init is otherwise its other operand, which later ops still read) and
/// gives it a buffer that no other op writes (CSE merges the empty inits
/// of two ops of one shape, such as the routed and the shared experts'
/// activations, which bufferization then put in one buffer: a false
/// dependency between their kernels).
void startUnreadOutputsEmpty(RewriterBase &rewriter, linalg::LinalgOp op) {
  for (OpOperand &init : op.getDpsInitsMutable()) {
    auto own = init.get().getDefiningOp<tensor::EmptyOp>();
    if (op.payloadUsesValueFromOperand(&init) || (own && own->hasOneUse()))
      continue;
    rewriter.setInsertionPoint(op);
    Value empty = tensor::EmptyOp::create(
        rewriter, op.getLoc(),
        tensor::getMixedSizes(rewriter, op.getLoc(), init.get()),
        getElementTypeOrSelf(init.get().getType()));
    rewriter.modifyOpInPlace(op, [&] { init.set(empty); });
  }
}

struct TileAndFuse
    : llama4c::impl::Llama4GpuTileAndFusePassBase<TileAndFuse> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    // Linalg ops and llama4.online_attention: the ops on tensors that
    // tile.
    SmallVector<Operation *> ops;
    getOperation()->walk([&](DestinationStyleOpInterface op) {
      if (isPerElement(op) && op.hasPureTensorSemantics())
        ops.push_back(op);
    });
    IRRewriter rewriter(ctx);
    for (Operation *op : ops)
      if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op))
        startUnreadOutputsEmpty(rewriter, linalgOp);
    // Decided before tiling, which makes the readers' reads slices.
    DenseSet<Operation *> repeatedInReaders;
    for (Operation *op : ops)
      if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
          linalgOp && repeatedByEveryReader(linalgOp))
        repeatedInReaders.insert(op);
    RewritePatternSet slicePatterns(ctx);
    tensor::populateMergeConsecutiveInsertExtractSlicePatterns(slicePatterns);
    FrozenRewritePatternSet mergeSlices(std::move(slicePatterns));
    // Consumers first: each op not fused into a later one is a root.
    for (Operation *op : llvm::reverse(ops)) {
      // Fused into every reader: read by shape queries at most now, which
      // the clean-up folds away with it.
      if (llvm::all_of(op->getUsers(), llvm::IsaPred<tensor::DimOp>))
        continue;
      auto root = dyn_cast<TilingInterface>(op);
      if (!root) {
        op->emitOpError("does not implement TilingInterface: register "
                        "linalg's tiling models");
        return signalPassFailure();
      }
      // A row's map with its row's sum keeps its innermost loop whole.
      linalg::LinalgOp rowSum = rowSumOf(op);
      // One element of each parallel loop, or the config's tile of them.
      ArrayRef<int64_t> tile = LoweringConfigAttr::of(op).getWorkgroupTile();
      SmallVector<OpFoldResult> tileSizes;
      for (auto [loop, type] : llvm::enumerate(root.getLoopIteratorTypes()))
        tileSizes.push_back(
            rewriter.getIndexAttr(type != utils::IteratorType::parallel ? 0
                                  : loop < tile.size() ? tile[loop]
                                                       : 1));
      if (rowSum)
        tileSizes.back() = rewriter.getIndexAttr(0);
      if (llvm::all_of(tileSizes, [](OpFoldResult size) {
            return isConstantIntValue(size, 0);
          }))
        continue;
      DenseSet<Operation *> fused = {root};
      scf::SCFTileAndFuseOptions options;
      options.tilingOptions.setTileSizes(tileSizes).setLoopType(
          scf::SCFTilingOptions::LoopType::ForallOp);
      // A tile's slice of a slice (a gated activation's half of gate|up)
      // reads the producer of the outer one.
      options.cleanupPatterns = mergeSlices;
      options.setFusionControlFn(
          [&](tensor::ExtractSliceOp slice, OpResult producer, bool)
              -> std::optional<scf::SCFTileAndFuseOptions::ControlFnResult> {
            if (producer.getOwner() != rowSum &&
                !joinsTile(slice, producer, fused, repeatedInReaders))
              return std::nullopt;
            fused.insert(producer.getOwner());
            return scf::SCFTileAndFuseOptions::ControlFnResult{};
          });
      rewriter.setInsertionPoint(root);
      FailureOr<scf::SCFTileAndFuseResult> tiled =
          scf::tileConsumerAndFuseProducersUsingSCF(rewriter, root, options);
      if (failed(tiled)) {
        root.emitOpError("could not be tiled into one element per thread");
        return signalPassFailure();
      }
      for (OpResult result : root->getResults())
        rewriter.replaceAllUsesWith(result, tiled->replacements.lookup(result));
      rewriter.eraseOp(root);
    }
    // A fused intermediate's slice of an empty tensor is an empty tile:
    // bufferization then allocates it inside the tile, thread-private.
    // Shape queries of fused producers read their destinations instead,
    // and the producers, unused, go.
    RewritePatternSet patterns(ctx);
    tensor::populateFoldTensorEmptyPatterns(patterns);
    tensor::DimOp::getCanonicalizationPatterns(patterns, ctx);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
