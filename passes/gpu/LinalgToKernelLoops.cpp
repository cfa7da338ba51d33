//===- LinalgToKernelLoops.cpp - Each kernel-to-be as one configured loop -===//
//
// --llama4-gpu-linalg-to-kernel-loops: see Passes.td.
//
//===----------------------------------------------------------------------===//

#include "passes/gpu/Passes.h"

#include "dialects/llama4/IR/Llama4Dialect.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace llama4c {
#define GEN_PASS_DEF_LLAMA4GPULINALGTOKERNELLOOPSPASS
#include "passes/gpu/Passes.h.inc"
} // namespace llama4c

using namespace mlir;
using mlir::llama4::LoweringConfigAttr;
using mlir::llama4::LoweringPipeline;

namespace {

LoweringConfigAttr threadPerElementConfig(Operation *op) {
  return LoweringConfigAttr::of(op, LoweringPipeline::gpu_thread_per_element);
}

struct LinalgToKernelLoops
    : llama4c::impl::Llama4GpuLinalgToKernelLoopsPassBase<LinalgToKernelLoops> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    if (failed(convertTiles(rewriter)) || failed(convertOps(rewriter)))
      return signalPassFailure();
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
  /// with its ops' config (one per tile: every op of it is the root's or a
  /// producer's, thread per element alike).
  LogicalResult convertTiles(RewriterBase &rewriter) {
    SmallVector<scf::ForallOp> tiles;
    getOperation()->walk<WalkOrder::PreOrder>([&](scf::ForallOp tile) {
      tiles.push_back(tile);
      return WalkResult::skip();
    });
    for (scf::ForallOp tile : tiles) {
      LoweringConfigAttr config;
      tile.getBody()->walk([&](linalg::LinalgOp op) {
        if (!config)
          config = threadPerElementConfig(op);
      });
      if (!config)
        return tile.emitOpError("holds no op with a gpu_thread_per_element "
                                "config");
      scf::ParallelOp loop;
      rewriter.setInsertionPoint(tile);
      if (failed(scf::forallToParallelLoop(rewriter, tile, &loop)))
        return tile.emitOpError("could not become a kernel loop");
      loop->setAttr(LoweringConfigAttr::attributeName, config);
    }
    return success();
  }

  /// Every other op becomes its own kernel loop; ops inside a kernel
  /// become sequential loops that run in each thread.
  LogicalResult convertOps(RewriterBase &rewriter) {
    SmallVector<linalg::LinalgOp> ops;
    getOperation()->walk([&](linalg::LinalgOp op) { ops.push_back(op); });
    for (linalg::LinalgOp op : ops) {
      // The tiles are kernel loops now: an op inside one is no root.
      bool root = !op->getParentOfType<scf::ParallelOp>();
      LoweringConfigAttr config = threadPerElementConfig(op);
      if (root && !config)
        return op->emitOpError("has no GPU lowering config: run "
                               "--llama4-select-lowering-config for a GPU "
                               "target first");
      // One thread per output element needs the parallel loops outermost;
      // the conversion to linalg orders every op's loops so.
      SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
      auto isParallel = [](utils::IteratorType type) {
        return type == utils::IteratorType::parallel;
      };
      if (root && llvm::any_of(ArrayRef(iterators).drop_while(isParallel),
                               isParallel))
        return op->emitOpError(
            "has a parallel loop after a reduction: a thread per output "
            "element needs its parallel loops first");
      // Inside a kernel the op runs in one thread: sequential loops, which
      // --convert-parallel-loops-to-gpu keeps as they are (it takes no
      // nested scf.parallel after a side effect).
      rewriter.setInsertionPoint(op);
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
};

} // namespace
