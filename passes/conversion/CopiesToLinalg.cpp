//===- CopiesToLinalg.cpp - memref.copy -> linalg.copy --------------------===//
//
// --llama4-copies-to-linalg: bufferization and deallocation write copies as
// memref.copy, which the LLVM lowering turns into calls to MLIR's runner
// library (`memrefCopy`) when either side is strided. A compiled model
// depends on nothing but libc and libm, so every copy becomes a linalg.copy
// and is lowered with the other linalg ops.
//
//===----------------------------------------------------------------------===//

#include "passes/conversion/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace llama4c {
#define GEN_PASS_DEF_LLAMA4COPIESTOLINALGPASS
#include "passes/conversion/Passes.h.inc"
} // namespace llama4c

using namespace mlir;

namespace {

struct CopyToLinalg : OpRewritePattern<memref::CopyOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(memref::CopyOp op,
                                PatternRewriter &rewriter) const override {
    if (!isa<MemRefType>(op.getSource().getType()) ||
        !isa<MemRefType>(op.getTarget().getType()))
      return rewriter.notifyMatchFailure(op, "linalg.copy needs ranked memrefs");
    rewriter.replaceOpWithNewOp<linalg::CopyOp>(op, op.getSource(),
                                                op.getTarget());
    return success();
  }
};

struct CopiesToLinalg
    : llama4c::impl::Llama4CopiesToLinalgPassBase<CopiesToLinalg> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<CopyToLinalg>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
