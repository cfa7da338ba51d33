//===- MapLoopsToBlocks.cpp - scf.parallel -> blocks x threads ------------===//

#include "passes/gpu/Passes.h"

#include "dialects/llama4/IR/Llama4Dialect.h"
#include "passes/gpu/HostMemory.h"
#include "passes/gpu/Warp.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/GPU/Transforms/ParallelLoopMapper.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/IR/PatternMatch.h"

#include <numeric>

namespace llama4c {
#define GEN_PASS_DEF_LLAMA4GPUMAPLOOPSTOBLOCKSPASS
#include "passes/gpu/Passes.h.inc"
} // namespace llama4c

using namespace mlir;
using mlir::llama4::LoweringConfigAttr;
using mlir::llama4::LoweringPipeline;

namespace {

gpu::ParallelLoopDimMappingAttr mapTo(MLIRContext *ctx,
                                      gpu::Processor processor) {
  AffineMap identity = AffineMap::getMultiDimIdentityMap(1, ctx);
  return gpu::ParallelLoopDimMappingAttr::get(ctx, processor, identity,
                                              identity);
}

/// One loop over all of `loop`'s iterations, normalised to start at 0 with
/// step 1; the innermost dimension varies fastest.
scf::ParallelOp collapse(RewriterBase &rewriter, scf::ParallelOp loop) {
  if (loop.getNumLoops() == 1)
    return loop;
  std::vector<unsigned> all(loop.getNumLoops());
  std::iota(all.begin(), all.end(), 0);
  Operation *before = loop->getPrevNode();
  Block *block = loop->getBlock();
  collapseParallelLoops(rewriter, loop, {all});
  // The collapsed loop follows the trip-count arithmetic inserted where
  // the old loop was.
  for (Operation *op = before ? before->getNextNode() : &block->front(); op;
       op = op->getNextNode())
    if (auto collapsed = dyn_cast<scf::ParallelOp>(op))
      return collapsed;
  return nullptr;
}

/// Blocks of `blockThreads` threads, thread x along the loop, the body
/// guarded against the last block's extra threads. Returns the thread loop.
scf::ParallelOp mapToThreads(scf::ParallelOp flat, int64_t blockThreads) {
  MLIRContext *ctx = flat.getContext();
  auto [blocks, threads] =
      scf::tileParallelLoop(flat, {blockThreads}, /*noMinMaxBounds=*/true);
  if (failed(
          gpu::setMappingAttr(blocks, {mapTo(ctx, gpu::Processor::BlockX)})) ||
      failed(
          gpu::setMappingAttr(threads, {mapTo(ctx, gpu::Processor::ThreadX)})))
    return nullptr;
  return threads;
}

/// Blocks of `warps` warps, one iteration of `flat` per warp: thread x is
/// the lane (gpu.lane_id), thread y the warp, so that the guard against
/// the last block's extra warps is the same for a warp's 32 lanes, as its
/// shuffles require. Returns the thread loop.
scf::ParallelOp mapToWarps(RewriterBase &rewriter, scf::ParallelOp flat,
                           int64_t warps) {
  MLIRContext *ctx = flat.getContext();
  Location loc = flat.getLoc();
  rewriter.setInsertionPoint(flat);
  auto constant = [&](int64_t value) -> Value {
    return arith::ConstantIndexOp::create(rewriter, loc, value);
  };
  Value lb = flat.getLowerBound()[0], ub = flat.getUpperBound()[0],
        step = flat.getStep()[0];
  Value trips = arith::CeilDivUIOp::create(
      rewriter, loc, arith::SubIOp::create(rewriter, loc, ub, lb), step);
  Value zero = constant(0), one = constant(1), perBlock = constant(warps);
  auto blocks = scf::ParallelOp::create(
      rewriter, loc, ValueRange{zero},
      ValueRange{arith::CeilDivUIOp::create(rewriter, loc, trips, perBlock)},
      ValueRange{one});
  rewriter.setInsertionPointToStart(blocks.getBody());
  auto threads = scf::ParallelOp::create(
      rewriter, loc, ValueRange{zero, zero},
      ValueRange{constant(llama4c::kWarpSize), perBlock}, ValueRange{one, one});
  rewriter.setInsertionPointToStart(threads.getBody());
  Value lane = threads.getInductionVars()[0];
  // A block of one warp runs one trip, its block's: no guard, so that the
  // block may hold a barrier (a split's ticket, --llama4-gpu-combine-in-
  // last-split) under no branch that depends on the thread.
  Value trip = blocks.getInductionVars()[0];
  Block *inside = threads.getBody();
  if (warps > 1) {
    trip = arith::AddIOp::create(
        rewriter, loc, arith::MulIOp::create(rewriter, loc, trip, perBlock),
        threads.getInductionVars()[1]);
    Value inRange = arith::CmpIOp::create(
        rewriter, loc, arith::CmpIPredicate::ult, trip, trips);
    inside = scf::IfOp::create(rewriter, loc, inRange).thenBlock();
    rewriter.setInsertionPointToStart(inside);
  }
  Value iv = arith::AddIOp::create(
      rewriter, loc, lb, arith::MulIOp::create(rewriter, loc, trip, step));
  Block *body = flat.getBody();
  rewriter.eraseOp(body->getTerminator());
  rewriter.inlineBlockBefore(body, inside->getTerminator(), ValueRange{iv});
  inside->walk([&](gpu::LaneIdOp id) { rewriter.replaceOp(id, lane); });
  rewriter.eraseOp(flat);
  if (failed(
          gpu::setMappingAttr(blocks, {mapTo(ctx, gpu::Processor::BlockX)})) ||
      failed(
          gpu::setMappingAttr(threads, {mapTo(ctx, gpu::Processor::ThreadX),
                                        mapTo(ctx, gpu::Processor::ThreadY)})))
    return nullptr;
  return threads;
}

struct MapLoopsToBlocks
    : llama4c::impl::Llama4GpuMapLoopsToBlocksPassBase<MapLoopsToBlocks> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    SmallVector<scf::ParallelOp> outermost;
    getOperation()->walk<WalkOrder::PreOrder>([&](scf::ParallelOp loop) {
      outermost.push_back(loop);
      return WalkResult::skip();
    });
    IRRewriter rewriter(ctx);
    for (scf::ParallelOp loop : outermost) {
      LoweringConfigAttr config = LoweringConfigAttr::ofGpu(loop);
      if (!config) {
        loop.emitOpError("has no GPU lowering config");
        return signalPassFailure();
      }
      bool warp =
          config.getPipeline() == LoweringPipeline::gpu_warp_per_element;
      int64_t blockThreads = config.getWorkgroupSize().front();
      rewriter.setInsertionPoint(loop);
      scf::ParallelOp flat = collapse(rewriter, loop);
      if (!flat) {
        loop.emitOpError("could not be collapsed into one loop");
        return signalPassFailure();
      }
      scf::ParallelOp threads =
          warp ? mapToWarps(rewriter, flat, blockThreads / llama4c::kWarpSize)
               : mapToThreads(flat, blockThreads);
      if (!threads) {
        loop.emitOpError("cannot be mapped to blocks and threads");
        return signalPassFailure();
      }
      threads.getBody()->walk([&](scf::ParallelOp nested) {
        SmallVector<gpu::ParallelLoopDimMappingAttr> sequential(
            nested.getNumLoops(), mapTo(ctx, gpu::Processor::Sequential));
        (void)gpu::setMappingAttr(nested, sequential);
      });
    }
    checkHostCodeTouchesNoMemory();
  }

  /// Every access to device memory must be inside a kernel-to-be.
  void checkHostCodeTouchesNoMemory() {
    getOperation()->walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (isa<scf::ParallelOp>(op))
        return WalkResult::skip();
      if (isa<memref::LoadOp, memref::StoreOp>(op)
              ? llama4c::readsDeviceMemoryOnHost(op)
              : isa<memref::CopyOp, memref::AtomicRMWOp,
                    memref::GenericAtomicRMWOp, linalg::LinalgOp>(op)) {
        op->emitOpError("would run on the host and touch device memory: "
                        "only code inside an scf.parallel becomes a kernel");
        signalPassFailure();
      }
      return WalkResult::advance();
    });
  }
};

} // namespace
