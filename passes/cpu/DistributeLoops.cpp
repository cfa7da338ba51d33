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
#include "passes/strategy/ParallelLoop.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"

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

/// The parallel dims of a loop nest of `count` that threads share: all but
/// the innermost, which stays a sequential loop inside each iteration
/// (consecutive elements, which LLVM vectorises; a collapsed loop would
/// recover every index by division). One dim is shared whole.
int64_t sharedDims(int64_t count) { return std::max<int64_t>(count - 1, 1); }

/// `loop` (without reductions) as an OpenMP worksharing loop over its
/// shared dims in a parallel region that runs on the team when `onTeam`
/// holds (always without it), its innermost dim an scf.for inside.
void lowerToOpenMP(RewriterBase &rewriter, scf::ParallelOp loop, Value onTeam) {
  Location loc = loop.getLoc();
  int64_t shared = sharedDims(loop.getNumLoops());
  rewriter.setInsertionPoint(loop);
  omp::ParallelOperands parallelClauses;
  parallelClauses.ifExpr = onTeam;
  auto region = omp::ParallelOp::create(rewriter, loc, parallelClauses);
  rewriter.createBlock(&region.getRegion());
  auto worksharing = omp::WsloopOp::create(rewriter, loc);
  omp::TerminatorOp::create(rewriter, loc);
  rewriter.createBlock(&worksharing.getRegion());
  omp::LoopNestOperands bounds;
  bounds.collapseNumLoops = rewriter.getI64IntegerAttr(shared);
  bounds.loopLowerBounds = loop.getLowerBound().take_front(shared);
  bounds.loopUpperBounds = loop.getUpperBound().take_front(shared);
  bounds.loopSteps = loop.getStep().take_front(shared);
  auto nest = omp::LoopNestOp::create(rewriter, loc, bounds);
  Block *nestBody = rewriter.createBlock(
      &nest.getRegion(), {}, SmallVector<Type>(shared, rewriter.getIndexType()),
      SmallVector<Location>(shared, loc));
  Operation *end = omp::YieldOp::create(rewriter, loc);
  SmallVector<Value> indices(nestBody->getArguments());
  if (shared < loop.getNumLoops()) {
    rewriter.setInsertionPoint(end);
    auto inner =
        scf::ForOp::create(rewriter, loc, loop.getLowerBound().back(),
                           loop.getUpperBound().back(), loop.getStep().back());
    indices.push_back(inner.getInductionVar());
    end = inner.getBody()->getTerminator();
  }
  rewriter.eraseOp(loop.getBody()->getTerminator());
  rewriter.inlineBlockBefore(loop.getBody(), end, indices);
  rewriter.eraseOp(loop);
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
    int64_t shared = sharedDims(op.getNumParallelLoops());
    OpFoldResult all = rewriter.getIndexAttr(1);
    OpFoldResult parallel = rewriter.getIndexAttr(1);
    for (auto [dim, range] : llvm::enumerate(ranges)) {
      all = multiply(rewriter, loc, all, range.size);
      if (int64_t(dim) < shared)
        parallel = multiply(rewriter, loc, parallel, range.size);
    }
    std::optional<int64_t> staticAll = getConstantIntValue(all);
    std::optional<int64_t> staticParallel = getConstantIntValue(parallel);
    if ((staticAll && *staticAll < minIterations) ||
        (staticParallel && *staticParallel < 2))
      return success();
    Value onTeam;
    if (!staticAll || !staticParallel)
      onTeam = arith::AndIOp::create(rewriter, loc,
                                     atLeast(rewriter, loc, all, minIterations),
                                     atLeast(rewriter, loc, parallel, 2));
    FailureOr<linalg::LinalgLoops> loops =
        linalg::linalgOpToParallelLoops(rewriter, op);
    if (failed(loops))
      return op.emitOpError("could not be lowered to loops");
    rewriter.eraseOp(op);
    lowerToOpenMP(rewriter, cast<scf::ParallelOp>(loops->front()), onTeam);
    return success();
  }

  static OpFoldResult multiply(RewriterBase &rewriter, Location loc,
                               OpFoldResult a, OpFoldResult b) {
    std::optional<int64_t> x = getConstantIntValue(a);
    std::optional<int64_t> y = getConstantIntValue(b);
    if (x && y)
      return rewriter.getIndexAttr(*x * *y);
    if (x == 1)
      return b;
    if (y == 1)
      return a;
    return arith::MulIOp::create(
               rewriter, loc, getValueOrCreateConstantIndexOp(rewriter, loc, a),
               getValueOrCreateConstantIndexOp(rewriter, loc, b))
        .getResult();
  }

  static Value atLeast(RewriterBase &rewriter, Location loc, OpFoldResult count,
                       int64_t bound) {
    return arith::CmpIOp::create(
        rewriter, loc, arith::CmpIPredicate::uge,
        getValueOrCreateConstantIndexOp(rewriter, loc, count),
        arith::ConstantIndexOp::create(rewriter, loc, bound));
  }
};

} // namespace
