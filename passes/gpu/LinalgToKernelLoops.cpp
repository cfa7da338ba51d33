//===- LinalgToKernelLoops.cpp - Each kernel-to-be as one configured loop -===//
//
// --llama4-gpu-linalg-to-kernel-loops: see Passes.td.
//
//===----------------------------------------------------------------------===//

#include "passes/gpu/Passes.h"

#include "dialects/llama4/IR/Llama4Dialect.h"
#include "passes/gpu/HostMemory.h"
#include "passes/gpu/Warp.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace llama4c {
#define GEN_PASS_DEF_LLAMA4GPULINALGTOKERNELLOOPSPASS
#include "passes/gpu/Passes.h.inc"
} // namespace llama4c

using namespace mlir;
using mlir::llama4::LoweringConfigAttr;
using mlir::llama4::LoweringPipeline;

namespace {

bool isWarpPerElement(LoweringConfigAttr config) {
  return config.getPipeline() == LoweringPipeline::gpu_warp_per_element;
}

Value indexConstant(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}

/// The indices `map` gives for the loop indices `ivs`.
SmallVector<Value> indicesOf(OpBuilder &b, Location loc, AffineMap map,
                             ValueRange ivs) {
  SmallVector<Value> indices;
  for (unsigned i = 0; i < map.getNumResults(); ++i)
    indices.push_back(
        affine::AffineApplyOp::create(b, loc, map.getSubMap({i}), ivs));
  return indices;
}

/// A warp's element of `op`: its one reduction loop, innermost, split
/// across the lanes (lane l takes k = l, l + 32, ... so that a warp's
/// loads are consecutive), each lane's partial sum in an f32 register,
/// then added across the warp by a subgroup reduction and into the output.
/// Every lane ends with the sum; the output is stored by all of them when
/// it is the thread's own, by lane 0 otherwise (storeFromLaneZero). The
/// parallel loops are `parallelIvs` (a tile's element), and `reduction`
/// the reduction loop's range.
void emitWarpElement(OpBuilder &b, linalg::LinalgOp op, ValueRange parallelIvs,
                     Range reduction) {
  Location loc = op.getLoc();
  Block *body = op.getBlock();
  BlockArgument out = body->getArguments().back();
  Value yielded = body->getTerminator()->getOperand(0);
  Value zero = indexConstant(b, loc, 0);
  Value lane = gpu::LaneIdOp::create(b, loc, /*upperBound=*/nullptr);
  Value lb = getValueOrCreateConstantIndexOp(b, loc, reduction.offset);
  Value stride = getValueOrCreateConstantIndexOp(b, loc, reduction.stride);
  Value size = getValueOrCreateConstantIndexOp(b, loc, reduction.size);
  Value first = arith::AddIOp::create(
      b, loc, lb, arith::MulIOp::create(b, loc, lane, stride));
  Value end = arith::AddIOp::create(b, loc, lb, size);
  Value step = arith::MulIOp::create(b, loc, stride,
                                     indexConstant(b, loc, llama4c::kWarpSize));
  Value noPartialSum =
      arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0f));
  auto partial = scf::ForOp::create(
      b, loc, first, end, step, ValueRange{noPartialSum},
      [&](OpBuilder &b, Location loc, Value k, ValueRange sum) {
        SmallVector<Value> ivs(parallelIvs);
        ivs.push_back(k);
        IRMapping mapping;
        mapping.map(out, sum.front());
        for (OpOperand *input : op.getDpsInputOperands()) {
          AffineMap map = op.getMatchingIndexingMap(input);
          mapping.map(op.getMatchingBlockArgument(input),
                      memref::LoadOp::create(b, loc, input->get(),
                                             indicesOf(b, loc, map, ivs)));
        }
        for (Operation &inner : body->without_terminator())
          b.clone(inner, mapping);
        scf::YieldOp::create(b, loc, mapping.lookup(yielded));
      });
  Value total = gpu::SubgroupReduceOp::create(b, loc, partial.getResult(0),
                                              gpu::AllReduceOperation::ADD,
                                              /*uniform=*/true);
  OpOperand *init = op.getDpsInitOperand(0);
  SmallVector<Value> ivs(parallelIvs);
  ivs.push_back(zero); // the output does not read k
  SmallVector<Value> at =
      indicesOf(b, loc, op.getMatchingIndexingMap(init), ivs);
  Value before = memref::LoadOp::create(b, loc, init->get(), at);
  Value after = arith::AddFOp::create(b, loc, before, total);
  memref::StoreOp::create(b, loc, after, init->get(), at);
}

/// Whether `op` can be split across a warp: one reduction loop, innermost,
/// whose body adds into an f32 output (so that partial sums add up).
LogicalResult checkWarpSplittable(linalg::LinalgOp op) {
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  if (op.getNumReductionLoops() != 1 ||
      iterators.back() != utils::IteratorType::reduction ||
      op.getNumDpsInits() != 1 || !op.hasPureBufferSemantics())
    return op->emitOpError("has a warp per element, which needs one "
                           "reduction loop, innermost, and one output");
  Block *body = op.getBlock();
  BlockArgument out = body->getArguments().back();
  auto sum =
      body->getTerminator()->getOperand(0).getDefiningOp<arith::AddFOp>();
  if (!sum || !sum.getType().isF32() || !out.hasOneUse() ||
      (sum.getLhs() != out && sum.getRhs() != out))
    return op->emitOpError("has a warp per element, which needs its body to "
                           "add into an f32 output");
  return success();
}

struct LinalgToKernelLoops
    : llama4c::impl::Llama4GpuLinalgToKernelLoopsPassBase<LinalgToKernelLoops> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    if (failed(convertTiles(rewriter)) || failed(convertOps(rewriter)))
      return signalPassFailure();
    storeFromLaneZero();
    // The index arithmetic of the loops, folded as --convert-linalg-to-
    // parallel-loops folds it.
    RewritePatternSet patterns(&getContext());
    affine::AffineApplyOp::getCanonicalizationPatterns(patterns,
                                                       &getContext());
    memref::DimOp::getCanonicalizationPatterns(patterns, &getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }

  /// Each tile loop of --llama4-gpu-tile-and-fuse becomes an scf.parallel
  /// with its ops' config: a warp's if one of them has a warp per element
  /// (the others run alike in every lane), a thread's otherwise.
  LogicalResult convertTiles(RewriterBase &rewriter) {
    SmallVector<scf::ForallOp> tiles;
    getOperation()->walk<WalkOrder::PreOrder>([&](scf::ForallOp tile) {
      tiles.push_back(tile);
      return WalkResult::skip();
    });
    for (scf::ForallOp tile : tiles) {
      LoweringConfigAttr config;
      tile.getBody()->walk([&](linalg::LinalgOp op) {
        LoweringConfigAttr own = LoweringConfigAttr::ofGpu(op);
        if (own && (!config || isWarpPerElement(own)))
          config = own;
      });
      if (!config)
        return tile.emitOpError("holds no op with a GPU lowering config");
      scf::ParallelOp loop;
      rewriter.setInsertionPoint(tile);
      if (failed(scf::forallToParallelLoop(rewriter, tile, &loop)))
        return tile.emitOpError("could not become a kernel loop");
      loop->setAttr(LoweringConfigAttr::attributeName, config);
    }
    return success();
  }

  /// Every other op becomes its own kernel loop; ops inside a kernel
  /// become sequential loops that run in each thread, or in each warp.
  LogicalResult convertOps(RewriterBase &rewriter) {
    SmallVector<linalg::LinalgOp> ops;
    getOperation()->walk([&](linalg::LinalgOp op) { ops.push_back(op); });
    for (linalg::LinalgOp op : ops) {
      // The tiles are kernel loops now: an op inside one is no root.
      bool root = !op->getParentOfType<scf::ParallelOp>();
      LoweringConfigAttr config = LoweringConfigAttr::ofGpu(op);
      if (root && !config)
        return op->emitOpError("has no GPU lowering config: run "
                               "--llama4-select-lowering-config for a GPU "
                               "target first");
      // One thread or warp per output element needs the parallel loops
      // outermost; the conversion to linalg orders every op's loops so.
      SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
      auto isParallel = [](utils::IteratorType type) {
        return type == utils::IteratorType::parallel;
      };
      if (root && llvm::any_of(ArrayRef(iterators).drop_while(isParallel),
                               isParallel))
        return op->emitOpError(
            "has a parallel loop after a reduction: a thread per output "
            "element needs its parallel loops first");
      rewriter.setInsertionPoint(op);
      if (config && isWarpPerElement(config)) {
        if (failed(checkWarpSplittable(op)) ||
            failed(lowerWarpPerElement(rewriter, op, root ? config : nullptr)))
          return failure();
        rewriter.eraseOp(op);
        continue;
      }
      // Inside a kernel the op runs in one thread: sequential loops, which
      // --convert-parallel-loops-to-gpu keeps as they are (it takes no
      // nested scf.parallel after a side effect).
      FailureOr<linalg::LinalgLoops> loops =
          root ? linalg::linalgOpToParallelLoops(rewriter, op)
               : linalg::linalgOpToLoops(rewriter, op);
      if (failed(loops))
        return op->emitOpError("could not be lowered to loops");
      if (root) {
        auto outermost =
            loops->empty() ? nullptr : dyn_cast<scf::ParallelOp>(loops->front());
        if (!outermost)
          return op->emitOpError("has no parallel loop to become a kernel");
        outermost->setAttr(LoweringConfigAttr::attributeName, config);
      }
      rewriter.eraseOp(op);
    }
    return success();
  }

  /// A warp-per-element op: a root's parallel loops become the kernel loop
  /// (one warp per iteration) with `rootConfig`; inside a warp's tile they
  /// run in the warp, where a tile's element makes them one iteration each.
  LogicalResult lowerWarpPerElement(RewriterBase &rewriter, linalg::LinalgOp op,
                                    LoweringConfigAttr rootConfig) {
    Location loc = op.getLoc();
    SmallVector<Range> ranges = op.createLoopRanges(rewriter, loc);
    Range reduction = ranges.pop_back_val();
    SmallVector<Value> lbs, ubs, steps;
    for (Range range : ranges) {
      lbs.push_back(
          getValueOrCreateConstantIndexOp(rewriter, loc, range.offset));
      ubs.push_back(arith::AddIOp::create(
          rewriter, loc, lbs.back(),
          getValueOrCreateConstantIndexOp(rewriter, loc, range.size)));
      steps.push_back(
          getValueOrCreateConstantIndexOp(rewriter, loc, range.stride));
    }
    if (rootConfig) {
      if (ranges.empty())
        return op->emitOpError("has no parallel loop to become a kernel");
      auto loop =
          scf::ParallelOp::create(rewriter, loc, lbs, ubs, steps,
                                  [&](OpBuilder &b, Location, ValueRange ivs) {
                                    emitWarpElement(b, op, ivs, reduction);
                                  });
      loop->setAttr(LoweringConfigAttr::attributeName, rootConfig);
      return success();
    }
    // In a tile: loops only for the extents that are not one element.
    SmallVector<Value> loopLbs, loopUbs, loopSteps;
    SmallVector<bool> looped;
    for (auto [range, lb, ub, step] : llvm::zip(ranges, lbs, ubs, steps)) {
      looped.push_back(!isConstantIntValue(range.size, 1));
      if (looped.back()) {
        loopLbs.push_back(lb);
        loopUbs.push_back(ub);
        loopSteps.push_back(step);
      }
    }
    scf::buildLoopNest(rewriter, loc, loopLbs, loopUbs, loopSteps,
                       [&](OpBuilder &b, Location, ValueRange loopIvs) {
                         SmallVector<Value> ivs;
                         auto next = loopIvs.begin();
                         for (auto [isLooped, lb] : llvm::zip(looped, lbs))
                           ivs.push_back(isLooped ? *next++ : lb);
                         emitWarpElement(b, op, ivs, reduction);
                       });
    return success();
  }

  /// In a warp's kernel every lane computes the same elements; only lane 0
  /// writes memory that is not its own, so that an output updated in place
  /// is updated once.
  void storeFromLaneZero() {
    SmallVector<memref::StoreOp> shared;
    getOperation()->walk([&](scf::ParallelOp loop) {
      LoweringConfigAttr config =
          LoweringConfigAttr::of(loop, LoweringPipeline::gpu_warp_per_element);
      if (!config)
        return;
      loop.getBody()->walk([&](memref::StoreOp store) {
        if (!llama4c::isThreadPrivate(store.getMemRef()))
          shared.push_back(store);
      });
    });
    for (memref::StoreOp store : shared) {
      OpBuilder b(store);
      Location loc = store.getLoc();
      Value laneZero = arith::CmpIOp::create(
          b, loc, arith::CmpIPredicate::eq,
          gpu::LaneIdOp::create(b, loc, /*upperBound=*/nullptr),
          indexConstant(b, loc, 0));
      auto onLaneZero = scf::IfOp::create(b, loc, laneZero);
      store->moveBefore(onLaneZero.thenBlock()->getTerminator());
    }
  }
};

} // namespace
