//===- LowerSubgroupReductions.cpp - Warp reductions as shuffles ----------===//
//
// --llama4-gpu-lower-subgroup-reductions: see Passes.td.
//
//===----------------------------------------------------------------------===//

#include "passes/gpu/Passes.h"

#include "passes/gpu/Warp.h"

#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace llama4c {
#define GEN_PASS_DEF_LLAMA4GPULOWERSUBGROUPREDUCTIONSPASS
#include "passes/gpu/Passes.h.inc"
} // namespace llama4c

using namespace mlir;

namespace {

struct LowerSubgroupReductions
    : llama4c::impl::Llama4GpuLowerSubgroupReductionsPassBase<
          LowerSubgroupReductions> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateGpuLowerSubgroupReduceToShufflePatterns(patterns,
                                                    llama4c::kWarpSize);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
