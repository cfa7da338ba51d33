//===- ConvertLlama4ToLinalg.cpp - llama4 ops -> linalg on tensors --------===//
//
// --llama4-convert-to-linalg: applies every op family's lowering patterns
// (AttentionToLinalg, KvCacheToLinalg, MoeToLinalg, MultimodalToLinalg,
// NormsToLinalg, ProjectionsToLinalg, RopeToLinalg, VisionToLinalg). Runs
// after --llama4-verify-model and before bufferization.
//
//===----------------------------------------------------------------------===//

#include "passes/lowering/Passes.h"

#include "dialects/llama4/IR/Llama4Dialect.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/StringSwitch.h"

namespace llama4c {
#define GEN_PASS_DEF_LLAMA4CONVERTTOLINALGPASS
#include "passes/lowering/Passes.h.inc"
} // namespace llama4c

using namespace mlir;

namespace {

struct ConvertLlama4ToLinalg
    : llama4c::impl::Llama4ConvertToLinalgPassBase<ConvertLlama4ToLinalg> {
  using Llama4ConvertToLinalgPassBase::Llama4ConvertToLinalgPassBase;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    if (attentionKeyBlock < 1) {
      getOperation()->emitError("attention-key-block must be at least 1");
      return signalPassFailure();
    }
    std::optional<llama4c::MoeDispatch> dispatch =
        llvm::StringSwitch<std::optional<llama4c::MoeDispatch>>(moeDispatch)
            .Case("grouped", llama4c::MoeDispatch::Grouped)
            .Case("per-token", llama4c::MoeDispatch::PerToken)
            .Default(std::nullopt);
    if (!dispatch) {
      getOperation()->emitError("moe-dispatch must be grouped or per-token, "
                                "not '")
          << moeDispatch << "'";
      return signalPassFailure();
    }
    llama4c::populateAttentionToLinalgPatterns(patterns, attentionKeyBlock);
    llama4c::populateKvCacheToLinalgPatterns(patterns);
    llama4c::populateMoeToLinalgPatterns(patterns, *dispatch);
    llama4c::populateMultimodalToLinalgPatterns(patterns);
    llama4c::populateNormsToLinalgPatterns(patterns);
    llama4c::populateProjectionsToLinalgPatterns(patterns);
    llama4c::populateRopeToLinalgPatterns(patterns);
    llama4c::populateVisionToLinalgPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    // Weights stay for --llama4-outline-weights; any other llama4 op left
    // is one a pattern declined (a dynamic dimension it needs static).
    getOperation()->walk([&](Operation *op) {
      if (op->getDialect() && op->getDialect()->getNamespace() == "llama4" &&
          !isa<llama4::WeightOp, llama4::WeightRefOp>(op)) {
        op->emitOpError() << "was not lowered to linalg: a dimension its "
                               "lowering needs static is dynamic";
        signalPassFailure();
      }
    });
  }
};

} // namespace
