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

/// A reduction of one 32-bit value, which a shuffle moves whole.
bool isOf32Bits(gpu::SubgroupReduceOp op) {
  Type type = op.getValue().getType();
  return type.isIntOrFloat() && type.getIntOrFloatBitWidth() == 32;
}

/// The lanes a reduction combines: clusters of `size` lanes `stride` apart
/// (the whole warp: 32 lanes 1 apart).
struct Cluster {
  uint32_t size, stride;
  bool operator==(const Cluster &other) const {
    return size == other.size && stride == other.stride;
  }
};
Cluster clusterOf(gpu::SubgroupReduceOp op) {
  return {op.getClusterSize().value_or(llama4c::kWarpSize),
          op.getClusterStride()};
}

/// Each lane combines its value with that of the lane `offset` away
/// (xor), for offsets stride, 2 stride, ... below size * stride: every
/// lane ends with its cluster's. The shuffles of one step are adjacent,
/// their constants before them. The ops of `run` share `cluster`.
void lowerRun(MutableArrayRef<gpu::SubgroupReduceOp> run, Cluster cluster) {
  OpBuilder b(run.front());
  Location loc = run.front().getLoc();
  SmallVector<Value> values = llvm::map_to_vector(
      run, [](gpu::SubgroupReduceOp op) { return op.getValue(); });
  Value width =
      arith::ConstantIntOp::create(b, loc, b.getI32Type(), llama4c::kWarpSize);
  for (uint32_t offset = cluster.stride; offset < cluster.stride * cluster.size;
       offset *= 2) {
    Value distance = arith::ConstantIntOp::create(b, loc, b.getI32Type(),
                                                  static_cast<int64_t>(offset));
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
    // several rows of sums, a query group's heads) step together, their
    // shuffles in flight at once, those of each cluster shape.
    Operation *root = getOperation();
    for (MutableArrayRef<gpu::SubgroupReduceOp> run :
         llama4c::adjacentIndependentRuns<gpu::SubgroupReduceOp>(*root,
                                                                 isOf32Bits)) {
      SmallVector<std::pair<Cluster, SmallVector<gpu::SubgroupReduceOp>>>
          byCluster;
      for (gpu::SubgroupReduceOp op : run) {
        Cluster cluster = clusterOf(op);
        auto *same = llvm::find_if(byCluster, [&](const auto &entry) {
          return entry.first == cluster;
        });
        if (same == byCluster.end()) {
          byCluster.push_back({cluster, {}});
          same = &byCluster.back();
        }
        same->second.push_back(op);
      }
      for (auto &[cluster, ops] : byCluster)
        lowerRun(ops, cluster);
    }
    // Narrower reductions, as upstream lowers them.
    RewritePatternSet patterns(&getContext());
    populateGpuLowerSubgroupReduceToShufflePatterns(patterns,
                                                    llama4c::kWarpSize);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
