//===- ConvertLlama4ToLinalg.cpp - llama4 ops -> linalg on tensors --------===//
//
// --llama4-convert-to-linalg: a partial dialect conversion with every op
// family's patterns (AttentionToLinalg, KvCacheToLinalg, MoeToLinalg,
// MultimodalToLinalg, NormsToLinalg, ProjectionsToLinalg, RopeToLinalg,
// VisionToLinalg). Every llama4 op is illegal after it but the weight
// symbols and the llama4.online_attention that attention becomes. Runs
// after --llama4-verify-model and before bufferization.
//
//===----------------------------------------------------------------------===//

#include "passes/conversion/Passes.h"

#include "dialects/llama4/IR/Llama4Dialect.h"
#include "passes/conversion/Llama4ToLinalg/Patterns.h"

#include "mlir/Transforms/DialectConversion.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/StringSwitch.h"

namespace llama4c {
#define GEN_PASS_DEF_LLAMA4CONVERTTOLINALGPASS
#include "passes/conversion/Passes.h.inc"
} // namespace llama4c

using namespace mlir;

namespace {

struct ConvertLlama4ToLinalg
    : llama4c::impl::Llama4ConvertToLinalgPassBase<ConvertLlama4ToLinalg> {
  using Llama4ConvertToLinalgPassBase::Llama4ConvertToLinalgPassBase;
  void runOnOperation() override {
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
    RewritePatternSet patterns(&getContext());
    llama4c::populateAttentionToLinalgPatterns(patterns, attentionKeyBlock);
    llama4c::populateGreedyTokenToLinalgPatterns(patterns);
    llama4c::populateKvCacheToLinalgPatterns(patterns);
    llama4c::populateMoeToLinalgPatterns(patterns, *dispatch);
    llama4c::populateMultimodalToLinalgPatterns(patterns);
    llama4c::populateNormsToLinalgPatterns(patterns);
    llama4c::populateProjectionsToLinalgPatterns(patterns);
    llama4c::populateRopeToLinalgPatterns(patterns);
    llama4c::populateVisionToLinalgPatterns(patterns);
    FrozenRewritePatternSet frozen(std::move(patterns));

    // Weights stay for --llama4-outline-weights; online attention is the
    // kernel op attention becomes.
    ConversionTarget target(getContext());
    target.addIllegalDialect<llama4::Llama4Dialect>();
    target.addLegalOp<llama4::WeightOp, llama4::WeightRefOp,
                      llama4::OnlineAttentionOp>();
    target.addLegalDialect<arith::ArithDialect, linalg::LinalgDialect,
                           math::MathDialect, scf::SCFDialect,
                           tensor::TensorDialect>();

    // A pattern declines an op when a dimension its lowering needs static
    // is dynamic. A dry run finds every such op, so that each gets its own
    // error rather than the conversion stopping at the first.
    DenseSet<Operation *> legalizable;
    ConversionConfig dryRun;
    dryRun.legalizableOps = &legalizable;
    if (failed(applyAnalysisConversion(getOperation(), target, frozen,
                                       dryRun)))
      return signalPassFailure();
    bool declined = false;
    getOperation()->walk([&](Operation *op) {
      if (target.isIllegal(op) && !legalizable.contains(op)) {
        op->emitOpError() << "was not lowered to linalg: a dimension its "
                             "lowering needs static is dynamic";
        declined = true;
      }
    });
    if (declined ||
        failed(applyPartialConversion(getOperation(), target, frozen)))
      return signalPassFailure();
    // The patterns' helpers round and widen without looking at their
    // operands; folding drops the round trips (a bf16 widened and narrowed
    // again) and gathers the constants, as later passes expect.
    if (failed(applyPatternsGreedily(getOperation(),
                                     FrozenRewritePatternSet())))
      return signalPassFailure();
  }
};

} // namespace
