//===- DistributeLoops.cpp - Loop-lowered ops on threads ------------------===//
//
// --llama4-distribute-loops: see Passes.td. The norms, RoPE, activations
// and softmaxes around the products are a small share of the arithmetic
// but took a fifth of a one-thread prefill (perf, bench/cpu_decode.py's
// model), time that more threads did not shorten. Their cost depends on
// the token count, known only at run time: a decode step's RMSNorm over
// one row is a microsecond, less than waking a second thread, while a
// prefill's is thousands of rows. So each configured op's outer parallel
// loop is an OpenMP worksharing loop whose team is taken only when the
// op's iterations reach the threshold (an `if` clause), and runs on the
// calling thread otherwise. OpenMP keeps its team between regions: a
// region wakes the waiting threads, it does not create them.
//
//===----------------------------------------------------------------------===//

#include "passes/cpu/Passes.h"

#include "dialects/llama4/IR/Llama4Dialect.h"
#include "passes/cpu/TeamLoop.h"
#include "passes/strategy/ParallelLoop.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"

namespace llama4c {
#define GEN_PASS_DEF_LLAMA4DISTRIBUTELOOPSPASS
#include "passes/cpu/Passes.h.inc"
} // namespace llama4c

using namespace mlir;
using mlir::llama4::LoweringConfigAttr;
using mlir::llama4::LoweringPipeline;

namespace {

/// Whether `op` is configured to run on threads.
bool isDistributed(linalg::LinalgOp op) {
  auto config = LoweringConfigAttr::of(op);
  return config && config.getPipeline() == LoweringPipeline::cpu_loops &&
         config.getDistribute();
}

struct DistributeLoops
    : llama4c::impl::Llama4DistributeLoopsPassBase<DistributeLoops> {
  using Llama4DistributeLoopsPassBase::Llama4DistributeLoopsPassBase;

  void runOnOperation() override {
    if (minIterations < 1) {
      getOperation()->emitError("min-iterations must be positive");
      return signalPassFailure();
    }
    SmallVector<linalg::LinalgOp> ops;
    getOperation()->walk([&](linalg::LinalgOp op) {
      if (isDistributed(op))
        ops.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : ops)
      if (failed(distribute(rewriter, op)))
        return signalPassFailure();
  }

  /// `op` as loops, its shared dims split between threads when the op's
  /// iterations reach `minIterations` and the shared dims span two or
  /// more: decided here where the sizes are static, by an `if` clause
  /// otherwise. Ops that never reach it are left to the loop lowering.
  LogicalResult distribute(RewriterBase &rewriter, linalg::LinalgOp op) {
    if (!llama4c::hasOuterParallelLoop(op))
      return op.emitOpError("has no outer parallel loop to distribute");
    Location loc = op.getLoc();
    rewriter.setInsertionPoint(op);
    SmallVector<Range> ranges = op.createLoopRanges(rewriter, loc);
    int64_t shared = llama4c::sharedDims(op.getNumParallelLoops());
    Value all = arith::ConstantIndexOp::create(rewriter, loc, 1);
    Value parallel = all;
    for (auto [dim, range] : llvm::enumerate(ranges)) {
      Value size = getValueOrCreateConstantIndexOp(rewriter, loc, range.size);
      all = rewriter.createOrFold<arith::MulIOp>(loc, all, size);
      if (int64_t(dim) < shared)
        parallel = rewriter.createOrFold<arith::MulIOp>(loc, parallel, size);
    }
    std::optional<Value> onTeam =
        llama4c::teamCondition(rewriter, loc, all, minIterations, parallel);
    if (!onTeam)
      return success();
    FailureOr<linalg::LinalgLoops> loops =
        linalg::linalgOpToParallelLoops(rewriter, op);
    if (failed(loops))
      return op.emitOpError("could not be lowered to loops");
    rewriter.eraseOp(op);
    llama4c::lowerToOpenMP(rewriter, cast<scf::ParallelOp>(loops->front()),
                           *onTeam);
    return success();
  }
};

} // namespace
