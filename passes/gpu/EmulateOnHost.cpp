//===- EmulateOnHost.cpp - GPU kernels as host loops ----------------------===//
//
// Every kernel of the GPU build becomes a host function that runs its
// blocks as a parallel loop (OpenMP after --convert-scf-to-openmp) and its
// threads as sequential loops, split at each barrier: the program between
// two barriers runs for thread 0, then 1, ..., so every thread has finished
// its part before any starts the next. Values that live across a barrier
// are either recomputed (arithmetic without memory effects: constants,
// indices) or kept per thread in a buffer; control flow that contains a
// barrier runs once per block, as CUDA requires it to be uniform. Warp
// shuffles become a store, a barrier and a load from the partner lane,
// with the PTX ISA's lane arithmetic (shfl.sync's clamp and validity).
// Vector loads and stores keep their width but not their alignment.
//
//===----------------------------------------------------------------------===//

#include "passes/gpu/Passes.h"

#include "passes/gpu/AdjacentRuns.h"
#include "passes/gpu/Warp.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace llama4c {
#define GEN_PASS_DEF_LLAMA4GPUEMULATEONHOSTPASS
#include "passes/gpu/Passes.h.inc"
} // namespace llama4c

using namespace mlir;

namespace {

Value index(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}

/// The thread's index within a block of `blockX` x `blockY` x ... threads,
/// x fastest, from gpu.thread_id ops that the thread loops later replace.
Value linearThreadId(OpBuilder &b, Location loc, Value blockX, Value blockY) {
  auto id = [&](gpu::Dimension d) -> Value {
    return gpu::ThreadIdOp::create(b, loc, d);
  };
  Value zy = arith::AddIOp::create(
      b, loc, id(gpu::Dimension::y),
      arith::MulIOp::create(b, loc, blockY, id(gpu::Dimension::z)));
  return arith::AddIOp::create(b, loc, id(gpu::Dimension::x),
                               arith::MulIOp::create(b, loc, blockX, zy));
}

bool isBarrier(Operation *op) { return isa<gpu::BarrierOp>(op); }

/// The kernel being rewritten: its body block (run once per GPU block) and
/// the per-block buffers created for it.
class KernelEmulation {
public:
  /// `body` is the single block of the region op that holds the kernel's
  /// code: buffers are allocated in front of that op.
  KernelEmulation(Block &body, Value threadCount, Value blockX, Value blockY)
      : body(body), threadCount(threadCount), blockX(blockX), blockY(blockY) {}

  /// Finds the warp-uniform branches (run() needs them before it lowers
  /// the shuffles), then splits the threads.
  LogicalResult run();
  /// The loops over the block's threads, once run() has made them.
  ArrayRef<scf::ForOp> threadLoops() const { return loops; }
  /// The per-thread buffers, to be freed after the kernel body.
  ArrayRef<Value> perThreadBuffers() const { return buffers; }

private:
  LogicalResult findWarpBranches();
  void lowerShuffles();
  void findSplitOps();
  LogicalResult demoteRegionResults();
  /// Replaces `yield`'s values by stores into `buffers` at the thread.
  void storeYielded(scf::YieldOp yield, ArrayRef<Value> buffers);
  /// Replaces `old`, a split op whose regions moved to the result-less
  /// `bare`, by `bare` and loads of `buffers` after it.
  void replaceByBuffers(Operation *old, Operation *bare,
                        ArrayRef<Value> buffers);
  /// Runs each warp branch for every thread, each of its runs of
  /// barrier-free ops under its condition.
  void predicateWarpBranches();
  void predicate(Block &block, Value condition);
  LogicalResult fixCrossSegmentUses();
  LogicalResult wrapThreadLoops(Block &block);

  /// A buffer of one `type` per thread, allocated in front of the kernel's
  /// region (once per GPU block); perThreadBuffers() lists them.
  Value perThreadBuffer(Type type, Location loc);
  /// `value` made available right before `user`, in `user`'s segment (a
  /// split op's operands are outside any thread loop, where only uniform
  /// values exist).
  FailureOr<Value> materialize(Value value, Operation *user);
  /// The segment id of `op`: which run of barrier-free ops of its nearest
  /// split block it is in, -1 for split ops themselves.
  int64_t segmentOf(Operation *op);
  /// Where values made available to `user` in `segment` go: in front of
  /// the segment's first op (so that they dominate all of its users, in
  /// whatever region), or of the split op that uses them.
  Operation *anchorOf(Operation *user, int64_t segment);
  bool isSplitBlock(Block *block) {
    return block == &body || splitOps.contains(block->getParentOp());
  }

  Value linearThreadId(OpBuilder &b, Location loc) {
    return ::linearThreadId(b, loc, blockX, blockY);
  }

  Block &body;
  Value threadCount, blockX, blockY;
  /// Barriers and the ops containing one.
  llvm::SmallPtrSet<Operation *, 16> splitOps;
  /// scf.if ops around shuffles whose condition depends on the thread:
  /// uniform across each warp, as shfl.sync requires of the lanes it names.
  SmallVector<scf::IfOp> warpBranches;
  /// Warp branches inside warp branches (a launch guard around the
  /// branches of merged kernels): predicated with both conditions.
  llvm::SmallPtrSet<Operation *, 8> nestedWarpBranches;
  llvm::SmallPtrSet<Operation *, 16> nestedConditionOps;
  /// Split ops that run under a warp branch's condition.
  llvm::SmallPtrSet<Operation *, 16> predicated;
  DenseMap<Operation *, int64_t> segmentIds;
  /// Values recomputed in another segment, by (value, anchorOf the
  /// segment).
  DenseMap<std::pair<Value, Operation *>, Value> recomputed;
  /// The per-thread buffer of each value kept across a barrier.
  DenseMap<Value, Value> keptPerThread;
  /// Ops computing a uniform value in front of a split op: they run once,
  /// outside the thread loops.
  llvm::SmallPtrSet<Operation *, 16> uniformOps;
  SmallVector<Value> buffers;
  SmallVector<scf::ForOp> loops;
};

Value KernelEmulation::perThreadBuffer(Type type, Location loc) {
  OpBuilder b(body.getParentOp());
  Value buffer = memref::AllocOp::create(
      b, loc, MemRefType::get({ShapedType::kDynamic}, type), threadCount);
  buffers.push_back(buffer);
  return buffer;
}

/// gpu.shuffle: every thread stores its value, and after a barrier reads
/// its source lane's, as shfl.sync computes the lane (NVVM's lowering of
/// gpu.shuffle: clamp width - 1, or 32 - width for `up`); an invalid lane
/// reads the thread's own value. A second barrier keeps the next shuffle's
/// stores from overwriting values not yet read. Adjacent shuffles none of
/// which reads another's result (the butterflies of a warp's several
/// reductions, step by step) share the two barriers, each its own buffer.
void KernelEmulation::lowerShuffles() {
  SmallVector<SmallVector<gpu::ShuffleOp>> runs =
      llama4c::adjacentIndependentRuns<gpu::ShuffleOp>(
          body, [](gpu::ShuffleOp) { return true; });
  // One scratch buffer per type and place in a run, reused by every run.
  DenseMap<std::pair<Type, unsigned>, Value> scratch;
  for (MutableArrayRef<gpu::ShuffleOp> run : runs) {
    OpBuilder b(run.front());
    Location loc = run.front().getLoc();
    Value thread = linearThreadId(b, loc);
    SmallVector<Value> buffers;
    for (auto [place, op] : llvm::enumerate(run)) {
      Type type = op.getValue().getType();
      Value &buffer = scratch[{type, place}];
      if (!buffer)
        buffer = perThreadBuffer(type, loc);
      buffers.push_back(buffer);
      memref::StoreOp::create(b, loc, op.getValue(), buffer, thread);
    }
    gpu::BarrierOp::create(b, loc);
    Type i32 = b.getI32Type();
    Value lane = arith::IndexCastOp::create(
        b, loc, i32,
        arith::RemUIOp::create(b, loc, thread,
                               index(b, loc, llama4c::kWarpSize)));
    Value c32 = arith::ConstantIntOp::create(b, loc, i32, llama4c::kWarpSize);
    Value one = arith::ConstantIntOp::create(b, loc, i32, 1);
    for (auto [op, buffer] : llvm::zip(run, buffers)) {
      Value offset = op.getOffset(), width = op.getWidth();
      Value source;
      switch (op.getMode()) {
      case gpu::ShuffleMode::XOR:
        source = arith::XOrIOp::create(b, loc, lane, offset);
        break;
      case gpu::ShuffleMode::DOWN:
        source = arith::AddIOp::create(b, loc, lane, offset);
        break;
      case gpu::ShuffleMode::IDX:
        source = arith::AndIOp::create(
            b, loc, offset, arith::ConstantIntOp::create(b, loc, i32, 31));
        break;
      case gpu::ShuffleMode::UP:
        source = arith::SubIOp::create(b, loc, lane, offset);
        break;
      }
      Value valid =
          op.getMode() == gpu::ShuffleMode::UP
              ? arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, source,
                                      arith::SubIOp::create(b, loc, c32, width))
              : arith::CmpIOp::create(
                    b, loc, arith::CmpIPredicate::sle, source,
                    arith::SubIOp::create(b, loc, width, one));
      // The source thread: the lane's warp plus the source lane, or the
      // thread itself where the lane is invalid or past the block.
      Value warpStart = arith::SubIOp::create(
          b, loc, thread,
          arith::IndexCastOp::create(b, loc, b.getIndexType(), lane));
      Value candidate = arith::AddIOp::create(
          b, loc, warpStart,
          arith::IndexCastOp::create(b, loc, b.getIndexType(), source));
      Value inBlock = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                            candidate, threadCount);
      Value from = arith::SelectOp::create(
          b, loc, arith::AndIOp::create(b, loc, valid, inBlock), candidate,
          thread);
      Value result = memref::LoadOp::create(b, loc, buffer, from);
      op.getShuffleResult().replaceAllUsesWith(result);
      op.getValid().replaceAllUsesWith(valid);
    }
    gpu::BarrierOp::create(b, loc);
    for (gpu::ShuffleOp op : run)
      op.erase();
  }
}

/// Whether `value` may differ between the block's threads: it is computed
/// from a thread or lane id (or, conservatively, by an op with regions).
static bool dependsOnThread(Value value, Block &body,
                            DenseMap<Value, bool> &known) {
  Operation *def = value.getDefiningOp();
  if (!def || !body.findAncestorOpInBlock(*def))
    return false;
  if (auto it = known.find(value); it != known.end())
    return it->second;
  bool depends =
      isa<gpu::ThreadIdOp, gpu::LaneIdOp>(def) || def->getNumRegions() > 0;
  for (Value operand : def->getOperands())
    depends = depends || dependsOnThread(operand, body, known);
  known[value] = depends;
  return depends;
}

LogicalResult KernelEmulation::findWarpBranches() {
  DenseMap<Value, bool> known;
  WalkResult result = body.walk<WalkOrder::PreOrder>([&](scf::IfOp branch) {
    if (!llama4c::containsShuffle(branch) ||
        !dependsOnThread(branch.getCondition(), body, known))
      return WalkResult::advance();
    WalkResult inside = branch->walk([&](Operation *op) {
      if (op == branch)
        return WalkResult::advance();
      if (isBarrier(op)) {
        op->emitOpError("is under control flow that depends on the thread, "
                        "which CUDA forbids for a block's barrier");
        return WalkResult::interrupt();
      }
      auto nested = dyn_cast<scf::IfOp>(op);
      if (nested && llama4c::containsShuffle(nested) &&
          dependsOnThread(nested.getCondition(), body, known)) {
        if (nested.getNumResults() || !nested.getElseRegion().empty()) {
          op->emitOpError("nests a branch that depends on the thread inside "
                          "another, around a shuffle, with results or an "
                          "else region: not emulated");
          return WalkResult::interrupt();
        }
        nestedWarpBranches.insert(nested);
        // Its condition's arithmetic (thread ids, bounds, compares), which
        // predicate() leaves unwrapped.
        SmallVector<Value> pending = {nested.getCondition()};
        while (!pending.empty()) {
          Operation *def = pending.pop_back_val().getDefiningOp();
          if (!def || !branch->isAncestor(def) ||
              nestedConditionOps.contains(def))
            continue;
          if (def->getNumRegions() || !isMemoryEffectFree(def)) {
            op->emitOpError("nests a branch that depends on the thread "
                            "inside another, on a condition read from "
                            "memory: not emulated");
            return WalkResult::interrupt();
          }
          nestedConditionOps.insert(def);
          llvm::append_range(pending, def->getOperands());
        }
      }
      return WalkResult::advance();
    });
    if (inside.wasInterrupted())
      return WalkResult::interrupt();
    if (branch.getNumResults() || !branch.getElseRegion().empty()) {
      branch.emitOpError("depends on the thread around a shuffle and has "
                         "results or an else region: not emulated");
      return WalkResult::interrupt();
    }
    warpBranches.push_back(branch);
    return WalkResult::skip();
  });
  return failure(result.wasInterrupted());
}

void KernelEmulation::predicate(Block &block, Value condition) {
  SmallVector<Operation *> run;
  // The arithmetic of a nested warp branch's condition stays outside the
  // wrappers, visible where the branch's ops go.
  auto wrapRun = [&] {
    SmallVector<Operation *> guarded;
    for (Operation *op : run)
      if (!nestedConditionOps.contains(op))
        guarded.push_back(op);
    run.clear();
    if (guarded.empty())
      return;
    OpBuilder b(guarded.back());
    b.setInsertionPointAfter(guarded.back());
    auto wrapper = scf::IfOp::create(b, guarded.front()->getLoc(), condition);
    for (Operation *op : guarded)
      op->moveBefore(wrapper.thenBlock()->getTerminator());
  };
  for (Operation &op : llvm::make_early_inc_range(block.without_terminator())) {
    if (!splitOps.contains(&op)) {
      run.push_back(&op);
      continue;
    }
    wrapRun();
    // A warp branch inside another: its ops run under both conditions in
    // its place.
    if (auto nested = dyn_cast<scf::IfOp>(&op);
        nested && nestedWarpBranches.contains(nested)) {
      OpBuilder b(nested);
      Value both = arith::AndIOp::create(b, nested.getLoc(), condition,
                                         nested.getCondition());
      Block *then = nested.thenBlock();
      predicate(*then, both);
      then->getTerminator()->erase();
      block.getOperations().splice(Block::iterator(nested),
                                   then->getOperations());
      splitOps.erase(nested);
      nested.erase();
      continue;
    }
    predicated.insert(&op);
    for (Region &region : op.getRegions())
      for (Block &inner : region)
        predicate(inner, condition);
  }
  wrapRun();
}

void KernelEmulation::predicateWarpBranches() {
  for (scf::IfOp branch : warpBranches) {
    Block *then = branch.thenBlock();
    predicate(*then, branch.getCondition());
    then->getTerminator()->erase();
    branch->getBlock()->getOperations().splice(Block::iterator(branch),
                                               then->getOperations());
    splitOps.erase(branch);
    branch.erase();
  }
}

void KernelEmulation::findSplitOps() {
  body.walk([&](gpu::BarrierOp barrier) {
    for (Operation *op = barrier; op && op->getBlock() != nullptr;
         op = op->getParentOp()) {
      splitOps.insert(op);
      if (op->getBlock() == &body)
        break;
    }
  });
}

/// An scf.for or scf.if that contains a barrier runs once per block, so the
/// per-thread values it carries (iteration arguments, results) go through
/// per-thread buffers: stored before the op and at each yield, loaded at
/// each region's start and after the op.
LogicalResult KernelEmulation::demoteRegionResults() {
  SmallVector<Operation *> ops(splitOps.begin(), splitOps.end());
  for (Operation *op : ops) {
    if (isBarrier(op))
      continue;
    Location loc = op->getLoc();
    if (auto loop = dyn_cast<scf::ForOp>(op)) {
      if (loop.getNumResults() == 0)
        continue;
      OpBuilder b(loop);
      SmallVector<Value> carried;
      for (Value init : loop.getInitArgs()) {
        Value buffer = perThreadBuffer(init.getType(), loc);
        memref::StoreOp::create(b, loc, init, buffer, linearThreadId(b, loc));
        carried.push_back(buffer);
      }
      auto bare = scf::ForOp::create(b, loc, loop.getLowerBound(),
                                     loop.getUpperBound(), loop.getStep());
      Block *oldBody = loop.getBody();
      Block *newBody = bare.getBody();
      // The new loop's body: the iteration arguments loaded, the old body,
      // the yielded values stored.
      OpBuilder inner = OpBuilder::atBlockBegin(newBody);
      Value thread = linearThreadId(inner, loc);
      SmallVector<Value> replacements = {bare.getInductionVar()};
      for (Value buffer : carried)
        replacements.push_back(memref::LoadOp::create(inner, loc, buffer, thread));
      auto oldYield = cast<scf::YieldOp>(oldBody->getTerminator());
      newBody->getTerminator()->erase();
      newBody->getOperations().splice(newBody->end(),
                                      oldBody->getOperations());
      for (auto [arg, value] : llvm::zip(oldBody->getArguments(), replacements))
        arg.replaceAllUsesWith(value);
      storeYielded(oldYield, carried);
      replaceByBuffers(loop, bare, carried);
      continue;
    }
    if (auto branch = dyn_cast<scf::IfOp>(op)) {
      if (branch.getNumResults() == 0)
        continue;
      OpBuilder b(branch);
      SmallVector<Value> results;
      for (Type type : branch.getResultTypes())
        results.push_back(perThreadBuffer(type, loc));
      auto bare = scf::IfOp::create(b, loc, branch.getCondition(),
                                    /*withElseRegion=*/true);
      for (auto [from, to] : llvm::zip(branch->getRegions(), bare->getRegions())) {
        // An scf.if with results has both regions.
        Block *target = &to.front();
        target->getTerminator()->erase();
        Block *source = &from.front();
        storeYielded(cast<scf::YieldOp>(source->getTerminator()), results);
        target->getOperations().splice(target->end(), source->getOperations());
      }
      replaceByBuffers(branch, bare, results);
      continue;
    }
    return op->emitOpError(
        "contains a gpu.barrier, which the host emulation supports only at "
        "the kernel's top level and inside scf.for and scf.if");
  }
  return success();
}

void KernelEmulation::storeYielded(scf::YieldOp yield,
                                   ArrayRef<Value> buffers) {
  OpBuilder b(yield);
  Value thread = linearThreadId(b, yield.getLoc());
  for (auto [value, buffer] : llvm::zip(yield.getOperands(), buffers))
    memref::StoreOp::create(b, yield.getLoc(), value, buffer, thread);
  scf::YieldOp::create(b, yield.getLoc());
  yield.erase();
}

void KernelEmulation::replaceByBuffers(Operation *old, Operation *bare,
                                       ArrayRef<Value> buffers) {
  OpBuilder b(bare->getContext());
  b.setInsertionPointAfter(bare);
  Location loc = old->getLoc();
  Value thread = linearThreadId(b, loc);
  for (auto [result, buffer] : llvm::zip(old->getResults(), buffers))
    result.replaceAllUsesWith(memref::LoadOp::create(b, loc, buffer, thread));
  splitOps.erase(old);
  splitOps.insert(bare);
  old->erase();
}

int64_t KernelEmulation::segmentOf(Operation *op) {
  while (!isSplitBlock(op->getBlock()))
    op = op->getParentOp();
  // What materialize() inserted is not numbered: it belongs where it was
  // put, in front of a numbered op or a split op (a value recomputed for
  // one segment can be an operand that another segment recomputes).
  while (!splitOps.contains(op) && !segmentIds.contains(op))
    op = op->getNextNode();
  if (splitOps.contains(op))
    return -1;
  return segmentIds.lookup(op);
}

Operation *KernelEmulation::anchorOf(Operation *user, int64_t segment) {
  Operation *top = user;
  while (!isSplitBlock(top->getBlock()))
    top = top->getParentOp();
  if (segment < 0)
    return top;
  // Ops inserted earlier (not numbered) stay in front of the anchor.
  while (Operation *previous = top->getPrevNode()) {
    auto it = segmentIds.find(previous);
    if (it == segmentIds.end() || it->second != segment)
      break;
    top = previous;
  }
  return top;
}

FailureOr<Value> KernelEmulation::materialize(Value value, Operation *user) {
  int64_t segment = segmentOf(user);
  Operation *anchor = anchorOf(user, segment);
  auto key = std::make_pair(value, anchor);
  // Block arguments: the kernel's (uniform) and those of split regions
  // (loop indices, uniform) are visible everywhere below them.
  Operation *def = value.getDefiningOp();
  if (!def)
    return value;
  if (!body.findAncestorOpInBlock(*def))
    return value; // defined outside the kernel body
  if (segmentOf(def) == segment)
    return value;
  if (isMemoryEffectFree(def) && def->getNumRegions() == 0 &&
      !isa<gpu::ThreadIdOp, gpu::LaneIdOp>(def)) {
    if (auto it = recomputed.find(key); it != recomputed.end())
      return it->second;
    IRMapping mapping;
    for (Value operand : def->getOperands()) {
      FailureOr<Value> available = materialize(operand, user);
      if (failed(available))
        return failure();
      mapping.map(operand, *available);
    }
    OpBuilder b(anchor);
    Operation *copy = b.clone(*def, mapping);
    if (segment < 0)
      uniformOps.insert(copy);
    Value result = copy->getResult(cast<OpResult>(value).getResultNumber());
    recomputed[key] = result;
    return result;
  }
  if (segment < 0 && isa<gpu::ThreadIdOp, gpu::LaneIdOp>(def))
    return def->emitOpError(
        "reaches control flow around a gpu.barrier: the host emulation "
        "(and CUDA) needs such control flow uniform across the block");
  if (isa<gpu::ThreadIdOp, gpu::LaneIdOp>(def)) {
    OpBuilder b(anchor);
    return b.clone(*def)->getResult(0);
  }
  // Anything else is kept per thread: stored where it is computed, loaded
  // where it is used (thread 0's value in uniform control flow, which
  // under a warp branch thread 0 may not have computed).
  if (segment < 0 && predicated.contains(user))
    return user->emitOpError(
        "inside a branch that depends on the thread takes a bound or "
        "condition from memory: not emulated");
  Type type = value.getType();
  if (!type.isIntOrIndexOrFloat() && !isa<VectorType>(type))
    return def->emitOpError("has a value of type ")
           << type << " that lives across a gpu.barrier";
  Value &buffer = keptPerThread[value];
  if (!buffer) {
    buffer = perThreadBuffer(type, def->getLoc());
    OpBuilder b = OpBuilder::atBlockBegin(def->getBlock());
    b.setInsertionPointAfter(def);
    memref::StoreOp::create(b, def->getLoc(), value, buffer,
                            linearThreadId(b, def->getLoc()));
  }
  OpBuilder b(anchor);
  if (segment >= 0)
    return memref::LoadOp::create(b, user->getLoc(), buffer,
                                  linearThreadId(b, user->getLoc()))
        .getResult();
  Value first = index(b, user->getLoc(), 0);
  auto load = memref::LoadOp::create(b, user->getLoc(), buffer, first);
  uniformOps.insert(first.getDefiningOp());
  uniformOps.insert(load);
  return load.getResult();
}

LogicalResult KernelEmulation::fixCrossSegmentUses() {
  // Number the segments of every split block.
  int64_t next = 0;
  std::function<void(Block &)> number = [&](Block &block) {
    bool open = false;
    for (Operation &op : block) {
      if (splitOps.contains(&op)) {
        open = false;
        for (Region &region : op.getRegions())
          for (Block &inner : region)
            number(inner);
        continue;
      }
      if (!open) {
        ++next;
        open = true;
      }
      segmentIds[&op] = next;
    }
  };
  number(body);
  SmallVector<std::pair<OpOperand *, Operation *>> uses;
  body.walk([&](Operation *op) {
    for (OpOperand &operand : op->getOpOperands()) {
      Operation *def = operand.get().getDefiningOp();
      if (def && body.findAncestorOpInBlock(*def) &&
          segmentOf(def) != segmentOf(op))
        uses.push_back({&operand, op});
    }
  });
  for (auto [operand, user] : uses) {
    FailureOr<Value> value = materialize(operand->get(), user);
    if (failed(value))
      return failure();
    operand->set(*value);
  }
  return success();
}

/// Replaces the gpu thread queries inside `loop` by its induction variable,
/// delinearised x fastest.
void bindThreadIds(scf::ForOp loop, Value blockX, Value blockY) {
  Value thread = loop.getInductionVar();
  loop.getBody()->walk([&](Operation *op) {
    OpBuilder b(op);
    Location loc = op->getLoc();
    Value replacement;
    if (auto id = dyn_cast<gpu::ThreadIdOp>(op)) {
      switch (id.getDimension()) {
      case gpu::Dimension::x:
        replacement = arith::RemUIOp::create(b, loc, thread, blockX);
        break;
      case gpu::Dimension::y:
        replacement = arith::RemUIOp::create(
            b, loc, arith::DivUIOp::create(b, loc, thread, blockX), blockY);
        break;
      case gpu::Dimension::z:
        replacement = arith::DivUIOp::create(
            b, loc, thread, arith::MulIOp::create(b, loc, blockX, blockY));
        break;
      }
    } else if (isa<gpu::LaneIdOp>(op)) {
      replacement = arith::RemUIOp::create(b, loc, thread,
                                           index(b, loc, llama4c::kWarpSize));
    } else if (isa<gpu::SubgroupIdOp>(op)) {
      replacement = arith::DivUIOp::create(b, loc, thread,
                                           index(b, loc, llama4c::kWarpSize));
    } else {
      return;
    }
    op->getResult(0).replaceAllUsesWith(replacement);
    op->erase();
  });
}

LogicalResult KernelEmulation::wrapThreadLoops(Block &block) {
  SmallVector<SmallVector<Operation *>> runs(1);
  for (Operation &op : block.without_terminator()) {
    if (!splitOps.contains(&op) && !uniformOps.contains(&op)) {
      runs.back().push_back(&op);
      continue;
    }
    runs.emplace_back();
    for (Region &region : op.getRegions())
      for (Block &inner : region)
        if (failed(wrapThreadLoops(inner)))
          return failure();
  }
  // A run that ends with the block's terminator stays in front of it.
  for (ArrayRef<Operation *> run : runs) {
    if (run.empty())
      continue;
    OpBuilder b(run.front());
    Location loc = run.front()->getLoc();
    auto loop = scf::ForOp::create(b, loc, index(b, loc, 0), threadCount,
                                   index(b, loc, 1));
    Operation *yield = loop.getBody()->getTerminator();
    for (Operation *op : run)
      op->moveBefore(yield);
    loops.push_back(loop);
  }
  for (Operation &op : llvm::make_early_inc_range(block.without_terminator()))
    if (isBarrier(&op))
      op.erase();
  return success();
}

LogicalResult KernelEmulation::run() {
  if (failed(findWarpBranches()))
    return failure();
  lowerShuffles();
  findSplitOps();
  if (failed(demoteRegionResults()))
    return failure();
  predicateWarpBranches();
  if (failed(fixCrossSegmentUses()))
    return failure();
  return wrapThreadLoops(body);
}

/// Nested scf.parallel loops run sequentially inside a GPU thread (the
/// NVVM path lowers them to plain loops); here they become scf.for, so
/// that OpenMP parallelises only the blocks.
LogicalResult sequentialise(Block &body) {
  SmallVector<scf::ParallelOp> loops;
  body.walk([&](scf::ParallelOp loop) { loops.push_back(loop); });
  for (scf::ParallelOp loop : loops) {
    if (!loop.getInitVals().empty())
      return loop.emitOpError("with reductions inside a kernel is not "
                              "emulated");
    OpBuilder b(loop);
    Location loc = loop.getLoc();
    SmallVector<Value> ivs;
    Block *innermost = nullptr;
    for (auto [lb, ub, step] :
         llvm::zip(loop.getLowerBound(), loop.getUpperBound(), loop.getStep())) {
      auto seq = scf::ForOp::create(b, loc, lb, ub, step);
      ivs.push_back(seq.getInductionVar());
      innermost = seq.getBody();
      b.setInsertionPoint(innermost->getTerminator());
    }
    Block *old = loop.getBody();
    old->getTerminator()->erase();
    innermost->getOperations().splice(Block::iterator(innermost->getTerminator()),
                                      old->getOperations());
    for (auto [arg, iv] : llvm::zip(old->getArguments(), ivs))
      arg.replaceAllUsesWith(iv);
    loop.erase();
  }
  return success();
}

/// A memref type without its GPU address space: all memory is host memory.
Type onHost(Type type) {
  auto memref = dyn_cast<MemRefType>(type);
  if (!memref || !isa_and_nonnull<gpu::AddressSpaceAttr>(memref.getMemorySpace()))
    return type;
  return MemRefType::get(memref.getShape(), memref.getElementType(),
                         memref.getLayout());
}

/// Rewrites `kernel` as a host function of the launch's grid and block
/// sizes, the dynamic shared memory bytes and the kernel's arguments.
FailureOr<func::FuncOp> emulate(gpu::GPUFuncOp kernel, StringRef name,
                                OpBuilder &moduleBuilder) {
  Location loc = kernel.getLoc();
  if (!kernel.getBody().hasOneBlock())
    return kernel.emitOpError("has several blocks; the host emulation needs "
                              "structured control flow");
  WalkResult reductions = kernel.walk([](gpu::SubgroupReduceOp op) {
    op.emitOpError("is emulated as shuffles: run "
                   "--llama4-gpu-lower-subgroup-reductions first");
    return WalkResult::interrupt();
  });
  if (reductions.wasInterrupted())
    return failure();
  if (!kernel.getPrivateAttributions().empty())
    return kernel.emitOpError("has private attributions, which the host "
                              "emulation does not support");
  // The device's allocations are 16-byte aligned, the host's need not be
  // (weights sit where the checkpoint put them): a vector access promises
  // only its element's alignment here.
  kernel.walk([](Operation *op) {
    if (auto load = dyn_cast<vector::LoadOp>(op))
      load.removeAlignmentAttr();
    else if (auto store = dyn_cast<vector::StoreOp>(op))
      store.removeAlignmentAttr();
  });
  MLIRContext *ctx = kernel.getContext();
  Type indexType = IndexType::get(ctx);
  SmallVector<Type> inputs(6, indexType);
  inputs.push_back(IntegerType::get(ctx, 32));
  for (Type type : kernel.getArgumentTypes())
    inputs.push_back(onHost(type));
  auto function = func::FuncOp::create(moduleBuilder, loc, name,
                                       FunctionType::get(ctx, inputs, {}));
  function.setPrivate();
  Block *entry = function.addEntryBlock();
  OpBuilder b = OpBuilder::atBlockBegin(entry);
  ValueRange args = entry->getArguments();
  Value grid[3] = {args[0], args[1], args[2]};
  Value block[3] = {args[3], args[4], args[5]};
  Value dynamicSharedBytes = args[6];
  Value blocks = arith::MulIOp::create(
      b, loc, grid[0], arith::MulIOp::create(b, loc, grid[1], grid[2]));
  Value threads = arith::MulIOp::create(
      b, loc, block[0], arith::MulIOp::create(b, loc, block[1], block[2]));
  auto blockLoop = scf::ParallelOp::create(
      b, loc, ValueRange{index(b, loc, 0)}, ValueRange{blocks},
      ValueRange{index(b, loc, 1)});
  Block *perBlock = blockLoop.getBody();
  Value blockIndex = blockLoop.getInductionVars()[0];

  Block &kernelBody = kernel.getBody().front();
  // The kernel's body goes into a region of the block loop's body, its
  // arguments become the function's, its shared memory a buffer per block.
  b.setInsertionPointToStart(perBlock);
  SmallVector<Value> perBlockBuffers;
  for (BlockArgument attribution : kernel.getWorkgroupAttributions()) {
    auto type = cast<MemRefType>(onHost(attribution.getType()));
    Value buffer = memref::AllocOp::create(b, loc, type);
    perBlockBuffers.push_back(buffer);
    attribution.replaceAllUsesWith(buffer);
  }
  for (auto [old, now] :
       llvm::zip(kernel.getArguments(), entry->getArguments().drop_front(7)))
    old.replaceAllUsesWith(now);
  Value blockId[3] = {
      arith::RemUIOp::create(b, loc, blockIndex, grid[0]),
      arith::RemUIOp::create(
          b, loc, arith::DivUIOp::create(b, loc, blockIndex, grid[0]), grid[1]),
      arith::DivUIOp::create(b, loc, blockIndex,
                             arith::MulIOp::create(b, loc, grid[0], grid[1]))};
  auto kernelRegion =
      scf::ExecuteRegionOp::create(b, loc, TypeRange{});
  Block *code = b.createBlock(&kernelRegion.getRegion());
  code->getOperations().splice(code->end(), kernelBody.getOperations());
  auto ret = cast<gpu::ReturnOp>(code->getTerminator());
  b.setInsertionPoint(ret);
  scf::YieldOp::create(b, loc);
  ret.erase();

  // Host memory everywhere; the grid queries become the arguments.
  code->walk([&](Operation *op) {
    for (Value result : op->getResults())
      result.setType(onHost(result.getType()));
    for (Region &region : op->getRegions())
      for (Block &inner : region)
        for (BlockArgument arg : inner.getArguments())
          arg.setType(onHost(arg.getType()));
  });
  SmallVector<Operation *> queries;
  code->walk([&](Operation *op) {
    if (isa<gpu::BlockIdOp, gpu::BlockDimOp, gpu::GridDimOp,
            gpu::SubgroupSizeOp, gpu::NumSubgroupsOp,
            gpu::DynamicSharedMemoryOp>(op))
      queries.push_back(op);
  });
  Value dynamicShared;
  for (Operation *op : queries) {
    OpBuilder at(op);
    Value replacement;
    if (auto id = dyn_cast<gpu::BlockIdOp>(op))
      replacement = blockId[static_cast<int>(id.getDimension())];
    else if (auto dim = dyn_cast<gpu::BlockDimOp>(op))
      replacement = block[static_cast<int>(dim.getDimension())];
    else if (auto dim = dyn_cast<gpu::GridDimOp>(op))
      replacement = grid[static_cast<int>(dim.getDimension())];
    else if (isa<gpu::SubgroupSizeOp>(op))
      replacement = index(at, op->getLoc(), llama4c::kWarpSize);
    else if (isa<gpu::NumSubgroupsOp>(op))
      replacement = arith::CeilDivUIOp::create(
          at, op->getLoc(), threads,
          index(at, op->getLoc(), llama4c::kWarpSize));
    else {
      // The launch's dynamic shared memory: one byte buffer per block.
      if (!dynamicShared) {
        OpBuilder front(kernelRegion);
        Value bytes = arith::IndexCastUIOp::create(front, loc, indexType,
                                                   dynamicSharedBytes);
        dynamicShared = memref::AllocOp::create(
            front, loc,
            MemRefType::get({ShapedType::kDynamic}, front.getI8Type()), bytes);
        perBlockBuffers.push_back(dynamicShared);
      }
      replacement = dynamicShared;
    }
    op->getResult(0).replaceAllUsesWith(replacement);
    op->erase();
  }
  // Thread-private buffers (the intermediates of a fused tile): each
  // thread's is its slice of one buffer per block, so that a thread's
  // values survive the other threads' turns between barriers.
  SmallVector<memref::AllocaOp> privates;
  code->walk([&](memref::AllocaOp alloca) { privates.push_back(alloca); });
  for (memref::AllocaOp alloca : privates) {
    MemRefType type = alloca.getType();
    if (!type.hasStaticShape() || !type.getLayout().isIdentity())
      return alloca.emitOpError(
          "is thread-private memory of a dynamic size or a layout, which "
          "the host emulation does not support");
    // Each thread's slice 16-byte aligned, as a stack slot would be; an
    // index (a token's chosen expert) is the host's 64 bits.
    Type element = type.getElementType();
    int64_t bits = element.isIndex() ? 64 : element.getIntOrFloatBitWidth();
    int64_t bytes = llvm::alignTo(type.getNumElements() * bits / 8, 16);
    OpBuilder front(kernelRegion);
    Location at = alloca.getLoc();
    Value buffer = memref::AllocOp::create(
        front, at, MemRefType::get({ShapedType::kDynamic}, front.getI8Type()),
        ValueRange{arith::MulIOp::create(front, at, threads,
                                         index(front, at, bytes))});
    perBlockBuffers.push_back(buffer);
    OpBuilder inPlace(alloca);
    Value shift = arith::MulIOp::create(
        inPlace, at, linearThreadId(inPlace, at, block[0], block[1]),
        index(inPlace, at, bytes));
    Value own =
        memref::ViewOp::create(inPlace, at, type, buffer, shift, ValueRange{});
    alloca.replaceAllUsesWith(own);
    alloca.erase();
  }
  if (failed(sequentialise(*code)))
    return failure();

  // The threads, split at barriers.
  KernelEmulation emulation(*code, threads, block[0], block[1]);
  if (failed(emulation.run()))
    return failure();
  for (scf::ForOp loop : emulation.threadLoops())
    bindThreadIds(loop, block[0], block[1]);
  llvm::append_range(perBlockBuffers, emulation.perThreadBuffers());
  // The kernel's code inline in the block loop, then every buffer freed.
  code->getTerminator()->erase();
  perBlock->getOperations().splice(Block::iterator(kernelRegion),
                                   code->getOperations());
  kernelRegion.erase();
  b.setInsertionPoint(perBlock->getTerminator());
  for (Value buffer : perBlockBuffers)
    memref::DeallocOp::create(b, loc, buffer);
  b.setInsertionPointToEnd(entry);
  func::ReturnOp::create(b, loc);
  return function;
}

struct EmulateOnHost
    : llama4c::impl::Llama4GpuEmulateOnHostPassBase<EmulateOnHost> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    DenseMap<std::pair<StringAttr, StringAttr>, func::FuncOp> hosted;
    OpBuilder builder = OpBuilder::atBlockEnd(module.getBody());
    for (auto kernels :
         llvm::to_vector(module.getBody()->getOps<gpu::GPUModuleOp>())) {
      for (auto kernel : llvm::to_vector(kernels.getOps<gpu::GPUFuncOp>())) {
        if (!kernel.isKernel()) {
          kernel.emitOpError("is a device function; the host emulation "
                             "handles kernels only");
          return signalPassFailure();
        }
        std::string name =
            (kernels.getName() + "_" + kernel.getName()).str();
        FailureOr<func::FuncOp> function = emulate(kernel, name, builder);
        if (failed(function))
          return signalPassFailure();
        hosted[{kernels.getNameAttr(), kernel.getNameAttr()}] = *function;
      }
    }
    WalkResult launches = module.walk([&](gpu::LaunchFuncOp launch) {
      if (launch.getAsyncToken() || !launch.getAsyncDependencies().empty()) {
        launch.emitOpError("is asynchronous; the host emulation runs "
                           "launches in order");
        return WalkResult::interrupt();
      }
      func::FuncOp function = hosted.lookup(
          {launch.getKernelModuleName(), launch.getKernelName()});
      if (!function) {
        launch.emitOpError("launches a kernel that was not emulated");
        return WalkResult::interrupt();
      }
      OpBuilder b(launch);
      gpu::KernelDim3 grid = launch.getGridSizeOperandValues();
      gpu::KernelDim3 block = launch.getBlockSizeOperandValues();
      Value dynamicShared = launch.getDynamicSharedMemorySize();
      if (!dynamicShared)
        dynamicShared = arith::ConstantIntOp::create(b, launch.getLoc(),
                                                     b.getI32Type(), 0);
      SmallVector<Value> operands = {grid.x,  grid.y,  grid.z, block.x,
                                     block.y, block.z, dynamicShared};
      llvm::append_range(operands, launch.getKernelOperands());
      func::CallOp::create(b, launch.getLoc(), function, operands);
      launch.erase();
      return WalkResult::advance();
    });
    if (launches.wasInterrupted())
      return signalPassFailure();
    for (auto kernels :
         llvm::to_vector(module.getBody()->getOps<gpu::GPUModuleOp>()))
      kernels.erase();
    module->removeAttr(gpu::GPUDialect::getContainerModuleAttrName());
  }
};

} // namespace
