//===- ChainLaunches.cpp - Consecutive kernels as one launch --------------===//
//
// Scout's decode step launched 11 kernels a layer, most of them a few
// microseconds of work, each paying a launch and the drain of the one
// before. Kernels of one block size with only host arithmetic between
// them can run as one launch whose blocks take them in turn: a block
// takes a ticket as it starts (an atomic add), tickets 0 to n0 - 1 run
// the first kernel's blocks, the next n1 the second's, and so on, and a
// block of a later kernel first waits until every block of the earlier
// ones has finished (a count of finished blocks reaching its kernel's
// first ticket). A block only ever waits for blocks holding smaller
// tickets, which have all started, so nothing is assumed of how many
// blocks the GPU holds at once or of the order in which it starts them.
// The last block to finish zeroes both counters for the next launch.
// Memory is ordered as cooperative groups' grid sync orders it: a
// barrier, then thread 0's release fence and atomic add; thread 0's
// poll, its acquire fence, then a barrier.
//
//===----------------------------------------------------------------------===//

#include "passes/gpu/Passes.h"

#include "passes/gpu/HostMemory.h"
#include "passes/gpu/KernelLoops.h"
#include "passes/gpu/LaunchPhases.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/SetVector.h"

namespace llama4c {
#define GEN_PASS_DEF_LLAMA4GPUCHAINLAUNCHESPASS
#include "passes/gpu/Passes.h.inc"
} // namespace llama4c

using namespace mlir;

namespace {

/// The value of `size` where it folds to a constant: a launch's block
/// size, which --convert-parallel-loops-to-gpu leaves as arithmetic and
/// affine.apply ops on constants.
std::optional<int64_t> constantSize(Value size) {
  if (std::optional<int64_t> constant = getConstantIntValue(size))
    return constant;
  Operation *def = size.getDefiningOp();
  if (!def || def->getNumResults() != 1 || def->getNumRegions())
    return std::nullopt;
  SmallVector<Attribute> operands;
  for (Value operand : def->getOperands()) {
    std::optional<int64_t> constant = constantSize(operand);
    if (!constant)
      return std::nullopt;
    operands.push_back(IntegerAttr::get(operand.getType(), *constant));
  }
  SmallVector<OpFoldResult> folded;
  if (failed(def->fold(operands, folded)) || folded.size() != 1)
    return std::nullopt;
  if (auto value = dyn_cast<Value>(folded.front()))
    return value == size ? std::nullopt : constantSize(value);
  return getConstantIntValue(folded.front());
}

/// The threads of a block of `launch`, where its block size is constant
/// and it can run as a phase of another launch: synchronous, without
/// shared memory or clusters, its body one block whose arguments give
/// its ids.
std::optional<int64_t> chainableThreads(gpu::LaunchOp launch) {
  if (launch.getAsyncToken() || !launch.getAsyncDependencies().empty() ||
      launch.getDynamicSharedMemorySize() || launch.hasClusterSize() ||
      !launch.getWorkgroupAttributions().empty() ||
      !launch.getPrivateAttributions().empty() ||
      !launch.getBody().hasOneBlock())
    return std::nullopt;
  bool asksIds = launch.getBody()
                     .walk([](Operation *op) {
                       return isa<gpu::BlockIdOp, gpu::ThreadIdOp,
                                  gpu::GridDimOp, gpu::BlockDimOp>(op)
                                  ? WalkResult::interrupt()
                                  : WalkResult::advance();
                     })
                     .wasInterrupted();
  if (asksIds)
    return std::nullopt;
  gpu::KernelDim3 block = launch.getBlockSizeOperandValues();
  int64_t threads = 1;
  for (Value size : {block.x, block.y, block.z}) {
    std::optional<int64_t> constant = constantSize(size);
    if (!constant)
      return std::nullopt;
    threads *= *constant;
  }
  return threads;
}

/// The runs of two or more chainable launches of as many threads a block
/// in `block` with nothing between them but host ops that compute,
/// allocate or view without touching memory.
SmallVector<SmallVector<gpu::LaunchOp>> chainsIn(Block &block) {
  SmallVector<SmallVector<gpu::LaunchOp>> chains;
  SmallVector<gpu::LaunchOp> current;
  int64_t threads = 0;
  auto close = [&] {
    if (current.size() > 1)
      chains.push_back(current);
    current.clear();
  };
  for (Operation &op : block) {
    auto launch = dyn_cast<gpu::LaunchOp>(op);
    if (!launch) {
      if (!llama4c::movesBeforeKernels(op))
        close();
      continue;
    }
    std::optional<int64_t> launchThreads = chainableThreads(launch);
    if (!launchThreads || *launchThreads != threads)
      close();
    if (launchThreads) {
      current.push_back(launch);
      threads = *launchThreads;
    }
  }
  close();
  return chains;
}

Value index(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}

/// `launch`'s body at `b`'s insertion point, as the block of linear index
/// `blockIndex` of its grid and the thread of linear index `thread` of its
/// block (whose shape may differ from the chained launch's, of as many
/// threads).
void clonePhase(gpu::LaunchOp launch, Value blockIndex, Value thread,
                OpBuilder &b, Location loc) {
  gpu::KernelDim3 grid = launch.getGridSizeOperandValues();
  gpu::KernelDim3 size = launch.getBlockSizeOperandValues();
  auto blockIds = affine::AffineDelinearizeIndexOp::create(
      b, loc, blockIndex, ArrayRef<OpFoldResult>{grid.z, grid.y, grid.x});
  auto threadIds = affine::AffineDelinearizeIndexOp::create(
      b, loc, thread, ArrayRef<OpFoldResult>{size.z, size.y, size.x});
  IRMapping mapping;
  auto map = [&](gpu::KernelDim3 from, ValueRange zyx) {
    mapping.map(from.x, zyx[2]);
    mapping.map(from.y, zyx[1]);
    mapping.map(from.z, zyx[0]);
  };
  map(launch.getBlockIds(), blockIds.getResults());
  map(launch.getThreadIds(), threadIds.getResults());
  map(launch.getGridSize(), {grid.z, grid.y, grid.x});
  map(launch.getBlockSize(), {size.z, size.y, size.x});
  for (Operation &op : launch.getBody().front().without_terminator())
    b.clone(op, mapping);
}

/// A zeroed pair of i32 counters in `module` for one chained launch: the
/// next ticket, and the blocks finished.
memref::GlobalOp newCounters(ModuleOp module, SymbolTable &symbols,
                             StringRef name, Location loc) {
  auto b = OpBuilder::atBlockBegin(module.getBody());
  Type i32 = b.getI32Type();
  auto type = MemRefType::get({2}, i32);
  auto zeros = DenseElementsAttr::get(RankedTensorType::get({2}, i32),
                                      b.getI32IntegerAttr(0).getValue());
  auto counters = memref::GlobalOp::create(
      b, loc, (name + "_tickets").str(), b.getStringAttr("private"), type,
      zeros, /*constant=*/false, /*alignment=*/nullptr);
  symbols.insert(counters);
  return counters;
}

/// The chained launch of `launches` (in order), where the last one was.
void chain(ArrayRef<gpu::LaunchOp> launches, memref::GlobalOp counters) {
  gpu::LaunchOp last = launches.back();
  Location loc = last.getLoc();
  OpBuilder b(last);
  Value one = index(b, loc, 1);
  // Each phase's first ticket, and the total.
  SmallVector<Value> starts = {index(b, loc, 0)};
  for (gpu::LaunchOp launch : launches) {
    gpu::KernelDim3 grid = launch.getGridSizeOperandValues();
    Value blocks = arith::MulIOp::create(
        b, loc, arith::MulIOp::create(b, loc, grid.x, grid.y), grid.z);
    starts.push_back(arith::AddIOp::create(b, loc, starts.back(), blocks));
  }
  Value total = starts.back();
  gpu::KernelDim3 blockSize =
      gpu::LaunchOp(launches.front()).getBlockSizeOperandValues();
  Type i32 = b.getI32Type();
  auto ticketSlotType = MemRefType::get(
      {1}, i32, MemRefLayoutAttrInterface(),
      gpu::AddressSpaceAttr::get(b.getContext(), gpu::AddressSpace::Workgroup));
  auto chained = gpu::LaunchOp::create(
      b, loc, total, one, one, blockSize.x, blockSize.y, blockSize.z,
      /*dynamicSharedMemorySize=*/nullptr, /*asyncTokenType=*/nullptr,
      /*asyncDependencies=*/ValueRange{}, TypeRange{ticketSlotType});
  Block &body = chained.getBody().front();
  b.setInsertionPointToEnd(&body);
  auto end = gpu::TerminatorOp::create(b, loc);
  b.setInsertionPoint(end);

  gpu::KernelDim3 threadIds = chained.getThreadIds();
  Value thread = arith::AddIOp::create(
      b, loc, threadIds.x,
      arith::MulIOp::create(
          b, loc, blockSize.x,
          arith::AddIOp::create(
              b, loc, threadIds.y,
              arith::MulIOp::create(b, loc, blockSize.y, threadIds.z))));
  Value zero = index(b, loc, 0);
  Value isFirst =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, thread, zero);
  Value tickets = memref::GetGlobalOp::create(b, loc, counters.getType(),
                                              counters.getSymName());
  Value next = zero, finished = index(b, loc, 1);
  Value ticketSlot = chained.getWorkgroupAttributions().front();
  auto constant = [&](int64_t value) {
    return arith::ConstantIntOp::create(b, loc, i32, value).getResult();
  };
  auto atomicAdd = [&](int64_t value, Value slot) {
    return memref::AtomicRMWOp::create(b, loc, arith::AtomicRMWKind::addi,
                                       constant(value), tickets, slot)
        .getResult();
  };
  auto fence = [&] {
    LLVM::FenceOp::create(b, loc, LLVM::AtomicOrdering::acq_rel, "device");
  };
  auto firstThreadRuns = [&](Value condition, auto &&build) {
    auto branch = scf::IfOp::create(b, loc, TypeRange{}, condition,
                                    /*withElseRegion=*/false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(branch.thenBlock()->getTerminator());
    build();
    return branch;
  };

  // The block's ticket, through shared memory to every thread.
  firstThreadRuns(isFirst, [&] {
    memref::StoreOp::create(b, loc, atomicAdd(1, next), ticketSlot, zero);
  });
  gpu::BarrierOp::create(b, loc);
  auto ticketLoad = memref::LoadOp::create(b, loc, ticketSlot, zero);
  ticketLoad->setAttr(llama4c::kBlockTicketAttr, b.getUnitAttr());
  Value ticket = arith::IndexCastUIOp::create(b, loc, b.getIndexType(),
                                              ticketLoad.getResult());

  // Its phase's first ticket: every block of the phases before has
  // finished once that many blocks have (a later phase's block finishes
  // only after that).
  Value phaseStart = zero;
  for (Value start : ArrayRef<Value>(starts).slice(1, launches.size() - 1))
    phaseStart = arith::SelectOp::create(
        b, loc,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::uge, ticket, start),
        start, phaseStart);
  Value waits = arith::AndIOp::create(
      b, loc, isFirst,
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ugt, phaseStart,
                            zero));
  firstThreadRuns(waits, [&] {
    Value awaited = arith::IndexCastUIOp::create(b, loc, i32, phaseStart);
    auto poll = scf::WhileOp::create(
        b, loc, TypeRange{}, ValueRange{},
        [&](OpBuilder &before, Location, ValueRange) {
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPoint(before.getInsertionBlock(),
                              before.getInsertionPoint());
          Value done = atomicAdd(0, finished);
          scf::ConditionOp::create(
              b, loc,
              arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, done,
                                    awaited),
              ValueRange{});
        },
        [&](OpBuilder &after, Location, ValueRange) {
          scf::YieldOp::create(after, loc);
        });
    poll->setAttr(llama4c::kPhaseWaitAttr, b.getUnitAttr());
    fence();
  });
  gpu::BarrierOp::create(b, loc);

  // The phases.
  for (auto [p, launch] : llvm::enumerate(launches)) {
    Value inside = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                         ticket, starts[p + 1]);
    if (p > 0)
      inside = arith::AndIOp::create(
          b, loc,
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::uge, ticket,
                                starts[p]),
          inside);
    auto phase = scf::IfOp::create(b, loc, TypeRange{}, inside,
                                   /*withElseRegion=*/false);
    phase->setAttr(llama4c::kPhaseAttr, b.getI64IntegerAttr(p));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(phase.thenBlock()->getTerminator());
    Value blockIndex = arith::SubIOp::create(b, loc, ticket, starts[p]);
    clonePhase(launch, blockIndex, thread, b, loc);
  }

  // Finished: the last block zeroes the counters.
  gpu::BarrierOp::create(b, loc);
  firstThreadRuns(isFirst, [&] {
    fence();
    Value done = atomicAdd(1, finished);
    Value lastTicket = arith::IndexCastUIOp::create(
        b, loc, i32, arith::SubIOp::create(b, loc, total, one));
    firstThreadRuns(
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, done,
                              lastTicket),
        [&] {
          memref::StoreOp::create(b, loc, constant(0), tickets, next);
          memref::StoreOp::create(b, loc, constant(0), tickets, finished);
        });
  });

  llama4c::moveStaticBuffersToEntry(chained);
  for (gpu::LaunchOp launch : launches)
    launch.erase();
}

struct ChainLaunches
    : llama4c::impl::Llama4GpuChainLaunchesPassBase<ChainLaunches> {
  using Llama4GpuChainLaunchesPassBase::Llama4GpuChainLaunchesPassBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    // The entry and the functions it calls, transitively.
    SetVector<func::FuncOp> step;
    if (auto entryFunction = symbols.lookup<func::FuncOp>(entry))
      step.insert(entryFunction);
    for (size_t i = 0; i < step.size(); ++i)
      func::FuncOp(step[i]).walk([&](func::CallOp call) {
        if (auto callee = symbols.lookup<func::FuncOp>(call.getCallee()))
          step.insert(callee);
      });
    SmallVector<std::pair<SmallVector<gpu::LaunchOp>, StringRef>> chains;
    for (func::FuncOp function : step)
      function.walk([&](Block *block) {
        for (SmallVector<gpu::LaunchOp> &launches : chainsIn(*block))
          chains.emplace_back(std::move(launches), function.getSymName());
      });
    for (auto &[launches, name] : chains)
      chain(launches,
            newCounters(module, symbols, name, launches.front().getLoc()));
  }
};

} // namespace
