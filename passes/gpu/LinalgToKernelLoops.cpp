//===- LinalgToKernelLoops.cpp - linalg ops -> loops that keep their config ===//
//
// --llama4-gpu-linalg-to-kernel-loops: see Passes.td.
//
//===----------------------------------------------------------------------===//

#include "passes/gpu/Passes.h"

#include "dialects/llama4/IR/Llama4Dialect.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace llama4c {
#define GEN_PASS_DEF_LLAMA4GPULINALGTOKERNELLOOPSPASS
#include "passes/gpu/Passes.h.inc"
} // namespace llama4c

using namespace mlir;
using mlir::llama4::LoweringConfigAttr;
using mlir::llama4::LoweringPipeline;

namespace {

struct LinalgToKernelLoops
    : llama4c::impl::Llama4GpuLinalgToKernelLoopsPassBase<LinalgToKernelLoops> {
  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> ops;
    getOperation()->walk([&](linalg::LinalgOp op) { ops.push_back(op); });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : ops) {
      LoweringConfigAttr config = LoweringConfigAttr::of(op);
      if (!config ||
          config.getPipeline() != LoweringPipeline::gpu_thread_per_element) {
        op->emitOpError("has no GPU lowering config: run "
                        "--llama4-select-lowering-config for a GPU target "
                        "first");
        return signalPassFailure();
      }
      // One thread per output element needs the parallel loops outermost;
      // the conversion to linalg orders every op's loops so.
      SmallVector<utils::IteratorType> iterators =
          op.getIteratorTypesArray();
      auto isParallel = [](utils::IteratorType type) {
        return type == utils::IteratorType::parallel;
      };
      if (llvm::any_of(ArrayRef(iterators).drop_while(isParallel),
                       isParallel)) {
        op->emitOpError("has a parallel loop after a reduction: a thread "
                        "per output element needs its parallel loops first");
        return signalPassFailure();
      }
      rewriter.setInsertionPoint(op);
      FailureOr<linalg::LinalgLoops> loops =
          linalg::linalgOpToParallelLoops(rewriter, op);
      auto outermost = failed(loops) || loops->empty()
                           ? nullptr
                           : dyn_cast<scf::ParallelOp>(loops->front());
      if (!outermost) {
        op->emitOpError("has no parallel loop to become a kernel");
        return signalPassFailure();
      }
      outermost->setAttr(LoweringConfigAttr::attributeName, config);
      rewriter.eraseOp(op);
    }
    // The index arithmetic of the loops, folded as --convert-linalg-to-
    // parallel-loops folds it.
    RewritePatternSet patterns(&getContext());
    affine::AffineApplyOp::getCanonicalizationPatterns(patterns,
                                                       &getContext());
    memref::DimOp::getCanonicalizationPatterns(patterns, &getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
