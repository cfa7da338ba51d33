//===- LowerSubgroupReductions.cpp - Warp reductions as shuffles ----------===//
//
// --llama4-gpu-lower-subgroup-reductions: see Passes.td.
//
//===----------------------------------------------------------------------===//

#include "passes/gpu/Passes.h"

#include "passes/gpu/AdjacentRuns.h"
#include "passes/gpu/Warp.h"

#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/GPU/Utils/GPUUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace llama4c {
#define GEN_PASS_DEF_LLAMA4GPULOWERSUBGROUPREDUCTIONSPASS
#include "passes/gpu/Passes.h.inc"
} // namespace llama4c

using namespace mlir;

namespace {

/// A reduction over the whole warp of one 32-bit value, which a shuffle
/// moves whole.
bool isWholeWarpOf32Bits(gpu::SubgroupReduceOp op) {
  Type type = op.getValue().getType();
  return !op.getClusterSize() && type.isIntOrFloat() &&
         type.getIntOrFloatBitWidth() == 32;
}

/// Each lane combines its value with that of the lane `offset` away
/// (xor), for offsets 1, 2, ..., 16: every lane ends with the whole warp's.
/// The shuffles of one step are adjacent, their constants before them.
void lowerRun(MutableArrayRef<gpu::SubgroupReduceOp> run) {
  OpBuilder b(run.front());
  Location loc = run.front().getLoc();
  SmallVector<Value> values = llvm::map_to_vector(
      run, [](gpu::SubgroupReduceOp op) { return op.getValue(); });
  Value width =
      arith::ConstantIntOp::create(b, loc, b.getI32Type(), llama4c::kWarpSize);
  for (int32_t offset = 1; offset < llama4c::kWarpSize; offset *= 2) {
    Value distance =
        arith::ConstantIntOp::create(b, loc, b.getI32Type(), offset);
    SmallVector<Value> partners;
    for (Value value : values)
      partners.push_back(gpu::ShuffleOp::create(b, loc, value, distance, width,
                                                gpu::ShuffleMode::XOR)
                             .getShuffleResult());
    for (auto [op, value, partner] : llvm::zip(run, values, partners))
      value = vector::makeArithReduction(
          b, loc, gpu::convertReductionKind(op.getOp()), value, partner);
  }
  for (auto [op, value] : llvm::zip(run, values)) {
    op.getResult().replaceAllUsesWith(value);
    op.erase();
  }
}

struct LowerSubgroupReductions
    : llama4c::impl::Llama4GpuLowerSubgroupReductionsPassBase<
          LowerSubgroupReductions> {
  void runOnOperation() override {
    // Adjacent ones reading none of each other's results (a warp's
    // several rows of sums) step together, their shuffles in flight at
    // once.
    Operation *root = getOperation();
    for (MutableArrayRef<gpu::SubgroupReduceOp> run :
         llama4c::adjacentIndependentRuns<gpu::SubgroupReduceOp>(
             *root, isWholeWarpOf32Bits))
      lowerRun(run);
    // Narrower or clustered reductions, as upstream lowers them.
    RewritePatternSet patterns(&getContext());
    populateGpuLowerSubgroupReduceToShufflePatterns(patterns,
                                                    llama4c::kWarpSize);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
