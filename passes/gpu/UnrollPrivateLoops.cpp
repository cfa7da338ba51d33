//===- UnrollPrivateLoops.cpp - A thread's own buffers in registers -------===//
//
// --llama4-gpu-unroll-private-loops: see Passes.td. A thread's buffer
// (memref.alloca) lives in registers only where LLVM can give each of its
// elements a register of its own: where every index into it is a
// constant, and where it is allocated in the function's entry block. One
// access at a run-time index and the whole buffer stays in local memory,
// which is DRAM behind L1: a decode query's 128-float accumulator,
// rescaled and updated through local memory at every key, moved a
// kilobyte a key a lane. Loops over such buffers are short (a head's
// dimensions), so unrolling them is what makes the indices constant.
//
//===----------------------------------------------------------------------===//

#include "passes/gpu/Passes.h"

#include "passes/gpu/AdjacentRuns.h"
#include "passes/gpu/HostMemory.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "llvm/ADT/SetVector.h"

namespace llama4c {
#define GEN_PASS_DEF_LLAMA4GPUUNROLLPRIVATELOOPSPASS
#include "passes/gpu/Passes.h.inc"
} // namespace llama4c

using namespace mlir;

namespace {

/// Loops of at most this many iterations unroll: a head's 128 dimensions
/// one at a time.
constexpr int64_t kMaxTrips = 128;
/// Ops an unrolled loop may hold at most, its unrolled inner loops'
/// included, so that a kernel stays quick to compile (the host
/// emulation's too).
constexpr int64_t kMaxUnrolledOps = 8192;
/// Bytes of buffers a launch may move to registers: a 128-float
/// accumulator, half of the 255 registers a thread may have, or a decode
/// query group's lane (Scout's: 80 accumulators combined in place, and
/// its 5 queries' running maxima, sums and scores, 620 bytes). A prompt's
/// attention, a thread's query with its 128 accumulators and a block of
/// 128 scores, holds more: unrolled, it spilled more than it had kept in
/// local memory.
constexpr int64_t kMaxRegisterBytes = 768;
/// Iterations of a loop with shuffles that step together: 32 shuffles in
/// flight a step. All 128 of a decode query's lane sums at once held 255
/// registers.
constexpr size_t kStepGroup = 32;
/// What a math function counts for: libdevice's sin or cos is a hundred
/// instructions and a local array of its own (RoPE's angles, 128 of them
/// unrolled, made a kernel of 3,700 lines of PTX 49,000).
constexpr int64_t kMathFunctionOps = 64;

/// Whether `loop`'s iterations may run in steps: its ops, of no regions
/// and no results carried, free of memory effects but for loads,
/// shuffles and at most one store, into the thread's own buffer, which
/// the loop loads nowhere but where that iteration stores (a sum updated
/// in place). Then what each iteration does before its first shuffle can
/// run for every iteration first, their first shuffles next to each
/// other, and so on: no load moves past a store it could read, and the
/// one store's iterations keep their order.
bool runsInSteps(scf::ForOp loop) {
  if (loop.getNumResults() > 0)
    return false;
  SmallVector<Operation *> loads, stores;
  for (Operation &op : loop.getBody()->without_terminator()) {
    if (op.getNumRegions() > 0)
      return false;
    if (isa<memref::LoadOp, vector::LoadOp>(op))
      loads.push_back(&op);
    else if (isa<memref::StoreOp, vector::StoreOp>(op))
      stores.push_back(&op);
    else if (!isa<gpu::ShuffleOp>(op) && !isMemoryEffectFree(&op))
      return false;
  }
  if (stores.empty())
    return true;
  if (stores.size() != 1)
    return false;
  // A store's operands: the value, the memref, then the indices.
  Operation *store = stores.front();
  Value stored = store->getOperand(1);
  ValueRange at = store->getOperands().drop_front(2);
  Value buffer = llama4c::bufferOf(stored);
  return llama4c::isThreadPrivate(stored) &&
         llvm::all_of(loads, [&](Operation *load) {
           Value memref = load->getOperand(0);
           return llama4c::bufferOf(memref) != buffer ||
                  (memref == stored &&
                   llvm::equal(load->getOperands().drop_front(), at));
         });
}

bool isUnrollable(scf::ForOp loop);

/// Whether every shuffle of `loop` is in a loop nested in it that
/// unrolls (a query group's heads around each head's dims): those unroll
/// in steps first, then `loop` unrolls whole, its iterations' steps one
/// after another.
bool shufflesInUnrollableLoops(scf::ForOp loop) {
  return llvm::all_of(loop.getBody()->without_terminator(), [](Operation &op) {
    auto inner = dyn_cast<scf::ForOp>(op);
    return !llama4c::containsShuffle(&op) || (inner && isUnrollable(inner));
  });
}

/// A loop in the kernel that unrolls completely within the limits: a
/// static trip count of 2 to kMaxTrips, and steps between its shuffles'
/// iterations (unrolled one after another, a decode query's 128 lane sums
/// were 640 shuffles one at a time: as many barriers in the host
/// emulation, which then took ten minutes to compile a tiny model).
bool isUnrollable(scf::ForOp loop) {
  std::optional<APInt> trips = loop.getStaticTripCount();
  return trips && trips->getSExtValue() >= 2 &&
         trips->getSExtValue() <= kMaxTrips &&
         (!llama4c::containsShuffle(loop) || runsInSteps(loop) ||
          shufflesInUnrollableLoops(loop));
}

/// Unrolls `loop`, which runsInSteps, kStepGroup iterations at a time,
/// each group a step at a time: every iteration's ops that follow k of
/// its shuffles, then every iteration's shuffles that follow k, for k =
/// 0, 1, ...: each step's shuffles adjacent, reading none of each other's
/// results.
void unrollInSteps(scf::ForOp loop) {
  Block *body = loop.getBody();
  DenseMap<Operation *, int64_t> step;
  int64_t steps = 0;
  for (Operation &op : body->without_terminator()) {
    int64_t after = 0;
    for (Value operand : op.getOperands())
      if (Operation *def = operand.getDefiningOp();
          def && def->getBlock() == body)
        after = std::max(after, step[def] + (isa<gpu::ShuffleOp>(def) ? 1 : 0));
    step[&op] = after;
    steps = std::max(steps, after);
  }
  OpBuilder b(loop);
  int64_t trips = loop.getStaticTripCount()->getSExtValue();
  SmallVector<IRMapping> iterations(trips);
  for (auto [i, mapping] : llvm::enumerate(iterations)) {
    Value index = arith::AddIOp::create(
        b, loop.getLoc(), loop.getLowerBound(),
        arith::MulIOp::create(
            b, loop.getLoc(), loop.getStep(),
            arith::ConstantIndexOp::create(b, loop.getLoc(), i)));
    mapping.map(loop.getInductionVar(), index);
  }
  for (size_t first = 0; first < iterations.size(); first += kStepGroup) {
    MutableArrayRef<IRMapping> group =
        MutableArrayRef(iterations)
            .slice(first, std::min(kStepGroup, iterations.size() - first));
    for (int64_t k = 0; k <= steps; ++k)
      for (bool shuffles : {false, true})
        for (IRMapping &mapping : group)
          for (Operation &op : body->without_terminator())
            if (step[&op] == k && isa<gpu::ShuffleOp>(op) == shuffles)
              b.clone(op, mapping);
  }
  loop.erase();
}

/// Whether `index` becomes a constant once `loops` (added to) unroll:
/// built from constants and the induction variables of unrollable loops
/// of `launch` by ops without memory effects.
bool constantOnceUnrolled(Value index, gpu::LaunchOp launch,
                          llvm::SetVector<scf::ForOp> &loops) {
  if (auto arg = dyn_cast<BlockArgument>(index)) {
    auto loop = dyn_cast<scf::ForOp>(arg.getOwner()->getParentOp());
    if (!loop || loop.getInductionVar() != arg || !isUnrollable(loop) ||
        !launch->isProperAncestor(loop))
      return false;
    loops.insert(loop);
    return true;
  }
  Operation *def = index.getDefiningOp();
  if (!def || def->getNumRegions() > 0 || !isMemoryEffectFree(def))
    return false;
  return llvm::all_of(def->getOperands(), [&](Value operand) {
    return constantOnceUnrolled(operand, launch, loops);
  });
}

/// The loops of `launch` whose unrolling makes every index into `buffer`
/// (a memref.alloca, seen through views) a constant, or nothing when no
/// unrolling does.
std::optional<llvm::SetVector<scf::ForOp>> loopsIndexing(Value buffer,
                                                         gpu::LaunchOp launch) {
  llvm::SetVector<scf::ForOp> loops;
  SmallVector<Value> views = {buffer};
  while (!views.empty()) {
    Value view = views.pop_back_val();
    for (OpOperand &use : view.getUses()) {
      Operation *user = use.getOwner();
      // The operand that is the buffer, and the indices into it.
      unsigned base = 0;
      OperandRange indices = user->getOperands().drop_front();
      if (auto load = dyn_cast<memref::LoadOp>(user))
        indices = load.getIndices();
      else if (auto store = dyn_cast<memref::StoreOp>(user))
        base = 1, indices = store.getIndices();
      else if (auto load = dyn_cast<vector::LoadOp>(user))
        indices = load.getIndices();
      else if (auto store = dyn_cast<vector::StoreOp>(user))
        base = 1, indices = store.getIndices();
      else if (isa<ViewLikeOpInterface>(user) && user->getNumResults() == 1)
        views.push_back(user->getResult(0)); // its offsets are indices too
      else
        return std::nullopt; // passed on whole: not ours to follow
      if (use.getOperandNumber() != base)
        return std::nullopt;
      for (Value index : indices)
        if (!constantOnceUnrolled(index, launch, loops))
          return std::nullopt;
    }
  }
  return loops;
}

int64_t unrolledOps(scf::ForOp loop,
                    const llvm::SetVector<scf::ForOp> &unrolling);

/// Ops in `region` once the loops in `unrolling` inside it unroll.
int64_t unrolledOps(Region &region,
                    const llvm::SetVector<scf::ForOp> &unrolling) {
  int64_t ops = 0;
  for (Block &block : region)
    for (Operation &op : block) {
      if (auto loop = dyn_cast<scf::ForOp>(op)) {
        ops += unrolledOps(loop, unrolling);
        continue;
      }
      ops += isa_and_present<math::MathDialect>(op.getDialect()) &&
                     !isa<math::FmaOp>(op)
                 ? kMathFunctionOps
                 : 1;
      for (Region &nested : op.getRegions())
        ops += unrolledOps(nested, unrolling);
    }
  return ops;
}

/// Ops of `loop` once it, if in `unrolling`, and the loops in `unrolling`
/// inside it unroll.
int64_t unrolledOps(scf::ForOp loop,
                    const llvm::SetVector<scf::ForOp> &unrolling) {
  int64_t body = unrolledOps(loop.getRegion(), unrolling);
  return unrolling.contains(loop)
             ? body * loop.getStaticTripCount()->getSExtValue()
             : body;
}

struct UnrollPrivateLoops
    : llama4c::impl::Llama4GpuUnrollPrivateLoopsPassBase<UnrollPrivateLoops> {
  void runOnOperation() override {
    // Each launch's buffers of static size, allocated where its bounds
    // guard (or a jammed row's branch) put them, move to the start of its
    // body, where LLVM can keep them in registers. (Eight rows'
    // routed-expert choices, allocated under the guard, kept 880 bytes of
    // Scout's routed kernels in local memory.)
    getOperation()->walk([](gpu::LaunchOp launch) {
      llama4c::moveStaticBuffersToEntry(launch);
    });
    llvm::SetVector<scf::ForOp> unrolling;
    getOperation()->walk([&](gpu::LaunchOp launch) {
      // The launch's buffers that unrolling would move to registers, and
      // the loops it takes.
      llvm::SetVector<scf::ForOp> loops;
      int64_t bytes = 0;
      WalkResult walk = launch.walk([&](memref::AllocaOp buffer) {
        std::optional<llvm::SetVector<scf::ForOp>> indexing =
            loopsIndexing(buffer.getResult(), launch);
        if (!indexing)
          return WalkResult::advance();
        if (indexing->empty())
          return WalkResult::advance(); // in registers already
        MemRefType type = buffer.getType();
        if (!type.hasStaticShape() || !type.getElementType().isIntOrFloat())
          return WalkResult::interrupt();
        bytes += type.getNumElements() *
                 type.getElementType().getIntOrFloatBitWidth() / 8;
        loops.insert(indexing->begin(), indexing->end());
        return WalkResult::advance();
      });
      if (walk.wasInterrupted() || bytes > kMaxRegisterBytes)
        return;
      llvm::SetVector<scf::ForOp> with = unrolling;
      with.insert(loops.begin(), loops.end());
      if (llvm::all_of(loops, [&](scf::ForOp loop) {
            return unrolledOps(loop, with) <= kMaxUnrolledOps;
          }))
        unrolling = std::move(with);
    });
    // Inner loops first, so that an outer one unrolls their copies.
    SmallVector<scf::ForOp> order;
    getOperation()->walk([&](scf::ForOp loop) {
      if (unrolling.contains(loop))
        order.push_back(loop);
    });
    for (scf::ForOp loop : order) {
      if (llama4c::containsShuffle(loop) && runsInSteps(loop)) {
        unrollInSteps(loop);
        continue;
      }
      if (failed(loopUnrollFull(loop))) {
        loop.emitOpError("could not be unrolled");
        return signalPassFailure();
      }
    }
  }
};

} // namespace
