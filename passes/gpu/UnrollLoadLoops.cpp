//===- UnrollLoadLoops.cpp - Loads of a kernel's short loops issued together
//===//
//
// --llama4-gpu-unroll-load-loops: see Passes.td. A GPU issues a warp's
// instructions in order and stalls at the first use of a load still in
// flight; a loop whose every iteration loads and then uses what it loaded
// waits a memory latency per iteration. LLVM's NVPTX pipeline leaves such
// loops rolled (their trip counts are small, their bodies vector code), so
// they are unrolled here, where the trip counts are known.
//
//===----------------------------------------------------------------------===//

#include "passes/gpu/Passes.h"

#include "passes/gpu/HostMemory.h"

#include "mlir/Analysis/DataFlow/DeadCodeAnalysis.h"
#include "mlir/Analysis/DataFlow/IntegerRangeAnalysis.h"
#include "mlir/Analysis/DataFlowFramework.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

namespace llama4c {
#define GEN_PASS_DEF_LLAMA4GPUUNROLLLOADLOOPSPASS
#include "passes/gpu/Passes.h.inc"
} // namespace llama4c

using namespace mlir;

namespace {

/// Loops of at most this many iterations unroll completely: a head's 128
/// dimensions as 16-byte vectors of bf16 are 16.
constexpr int64_t kFullUnrollTrips = 16;
/// Longer loops unroll by the largest power of two up to this that divides
/// their trip count: eight loads in flight per thread.
constexpr int64_t kMaxUnrollFactor = 8;
/// Ops an unrolled body may hold at most, so that nests of short loops do
/// not multiply into kernels LLVM takes long to compile.
constexpr int64_t kMaxUnrolledOps = 1024;
/// Bytes of global loads an unrolled body may have in flight per thread:
/// 64 registers. A prompt's attention with q . k's 32 loads of 16 bytes
/// unrolled together took 255 registers and spilled.
constexpr int64_t kMaxBytesInFlight = 256;

/// Bytes `loop`'s body loads from global memory per iteration.
int64_t globalLoadBytes(scf::ForOp loop) {
  int64_t bytes = 0;
  loop.getBody()->walk([&](Operation *op) {
    Value source, result;
    if (auto load = dyn_cast<memref::LoadOp>(op))
      source = load.getMemRef(), result = load.getResult();
    else if (auto load = dyn_cast<vector::LoadOp>(op))
      source = load.getBase(), result = load.getResult();
    if (!source || llama4c::isThreadPrivate(source))
      return;
    Type type = result.getType();
    Type element = getElementTypeOrSelf(type);
    auto vector = dyn_cast<VectorType>(type);
    bytes += (vector ? vector.getNumElements() : 1) *
             (element.isIntOrFloat() ? element.getIntOrFloatBitWidth() / 8 : 8);
  });
  return bytes;
}

/// The iterations of `loop` when every thread runs as many: a constant
/// step and upper bound, and a lower bound whose values over the threads
/// (a lane's first element, 8 l, of a row the warp splits 256 a step)
/// all give the same count. The count falls as the lower bound grows, so
/// the bound's least and greatest values decide.
std::optional<int64_t> uniformTripCount(scf::ForOp loop,
                                        DataFlowSolver &solver) {
  std::optional<int64_t> end = getConstantIntValue(loop.getUpperBound());
  std::optional<int64_t> step = getConstantIntValue(loop.getStep());
  auto *from = solver.lookupState<dataflow::IntegerValueRangeLattice>(
      loop.getLowerBound());
  if (!end || !step || *step <= 0 || !from ||
      from->getValue().isUninitialized())
    return std::nullopt;
  const ConstantIntRanges &range = from->getValue().getValue();
  auto trips = [&](const APInt &begin) {
    int64_t first = begin.getSExtValue();
    return first >= *end ? 0 : llvm::divideCeil(*end - first, *step);
  };
  if (trips(range.smin()) != trips(range.smax()))
    return std::nullopt;
  return trips(range.smin());
}

/// `loop`, whose every thread runs `trips` iterations from a lower bound
/// of its own, as a loop from 0 to `trips` by 1, its index recomputed
/// from the bound: a static trip count, which unrolls.
void countFromZero(RewriterBase &rewriter, scf::ForOp loop, int64_t trips) {
  OpFoldResult from = loop.getLowerBound(), step = loop.getStep();
  rewriter.setInsertionPoint(loop);
  Location loc = loop.getLoc();
  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  Value count = arith::ConstantIndexOp::create(rewriter, loc, trips);
  Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
  rewriter.modifyOpInPlace(loop, [&] {
    loop.setLowerBound(zero);
    loop.setUpperBound(count);
    loop.setStep(one);
  });
  rewriter.setInsertionPointToStart(loop.getBody());
  denormalizeInductionVariable(rewriter, loc, loop.getInductionVar(), from,
                               step);
}

/// How many times to unroll `loop`, 1 for not at all.
int64_t unrollFactorOf(scf::ForOp loop) {
  std::optional<APInt> trips = loop.getStaticTripCount();
  int64_t loadBytes = globalLoadBytes(loop);
  if (!trips || trips->getSExtValue() < 2 || loadBytes == 0)
    return 1;
  int64_t count = trips->getSExtValue();
  int64_t factor = count <= kFullUnrollTrips ? count : kMaxUnrollFactor;
  while (count % factor)
    factor /= 2;
  int64_t bodyOps = 0;
  loop.getBody()->walk([&](Operation *) { ++bodyOps; });
  while (factor > 1 && (factor * bodyOps > kMaxUnrolledOps ||
                        factor * loadBytes > kMaxBytesInFlight))
    factor /= 2;
  return factor;
}

struct UnrollLoadLoops
    : llama4c::impl::Llama4GpuUnrollLoadLoopsPassBase<UnrollLoadLoops> {
  void runOnOperation() override {
    // Innermost loops first (post-order): a loop whose inner loops had
    // one iteration is innermost in turn. One whose inner loop unrolled
    // completely stays rolled: unrolled again, its loads in flight
    // multiply past the registers (a prompt's attention, 4 keys of 16
    // loads each, spilled). Unrolling clones no loop; inlining a loop's
    // one iteration moves its inner loops.
    DenseSet<Operation *> holdUnrolled;
    SmallVector<scf::ForOp> loops;
    getOperation()->walk([&](scf::ForOp loop) {
      if (loop->getParentOfType<gpu::LaunchOp>())
        loops.push_back(loop);
    });
    IRRewriter rewriter(&getContext());
    // A loop from a lane's own first element runs as many iterations in
    // every lane where the lanes' bounds are close enough: known from the
    // range of the lane index in its launch.
    DataFlowSolver solver;
    solver.load<dataflow::DeadCodeAnalysis>();
    solver.load<dataflow::IntegerRangeAnalysis>();
    if (failed(solver.initializeAndRun(getOperation())))
      return signalPassFailure();
    for (scf::ForOp loop : loops) {
      if (!loop.getStaticTripCount() && globalLoadBytes(loop) > 0)
        if (std::optional<int64_t> uniform = uniformTripCount(loop, solver))
          countFromZero(rewriter, loop, *uniform);
      std::optional<APInt> trips = loop.getStaticTripCount();
      if (trips && trips->getSExtValue() == 1) {
        rewriter.setInsertionPoint(loop);
        (void)loop.promoteIfSingleIteration(rewriter);
        continue;
      }
      bool innermost =
          !loop.getBody()
               ->walk([](scf::ForOp) { return WalkResult::interrupt(); })
               .wasInterrupted();
      int64_t factor =
          innermost && !holdUnrolled.contains(loop) ? unrollFactorOf(loop) : 1;
      if (factor == 1)
        continue;
      bool whole = factor == trips->getSExtValue();
      if (whole)
        holdUnrolled.insert(loop->getParentOp());
      if (failed(whole ? loopUnrollFull(loop)
                       : LogicalResult(loopUnrollByFactor(loop, factor)))) {
        loop.emitOpError("could not be unrolled ") << factor << " times";
        return signalPassFailure();
      }
    }
  }
};

} // namespace
