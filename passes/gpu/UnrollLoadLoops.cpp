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

#include "mlir/Dialect/SCF/Utils/Utils.h"

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
    for (scf::ForOp loop : loops) {
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
