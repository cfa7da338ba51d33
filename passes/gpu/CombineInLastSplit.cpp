//===- CombineInLastSplit.cpp - A split's combine in its last warp --------===//
//
// Flash-decoding splits each decode query's keys between warps, then
// combines the splits' softmax states in a kernel of its own: a launch a
// layer for a few microseconds of work. The warp that stores its group's
// last state can combine the group itself, the way a grid's sum is often
// finished by its last block: each split's warp, once its state is
// stored, takes a ticket from its group's counter with an atomic add
// (release: its stores before the ticket; acquire: the earlier tickets'
// stores before what it reads next), and the warp holding the last ticket
// runs the combine's threads of that group, a lane each in turn.
//
//===----------------------------------------------------------------------===//

#include "passes/gpu/Passes.h"

#include "dialects/llama4/IR/Llama4Dialect.h"
#include "passes/gpu/CombineInLastSplit.h"
#include "passes/gpu/HostMemory.h"
#include "passes/gpu/KernelLoops.h"
#include "passes/gpu/Warp.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace llama4c {
#define GEN_PASS_DEF_LLAMA4GPUCOMBINEINLASTSPLITPASS
#include "passes/gpu/Passes.h.inc"
} // namespace llama4c

using namespace mlir;
using mlir::llama4::LoweringConfigAttr;
using mlir::llama4::LoweringPipeline;

namespace {

OpFoldResult extentOf(Value memref, int64_t dim);

/// What `size` (a loop bound) names: a constant, or the size an allocation
/// or reshape was given for the dimension a memref.dim reads, followed
/// through the views that pass that dimension on unchanged. Two loops over
/// one buffer's rows bound by memref.dim of two different views of it
/// name one size.
OpFoldResult sizeOf(Value size) {
  if (std::optional<int64_t> constant = getConstantIntValue(size))
    return IntegerAttr::get(IndexType::get(size.getContext()), *constant);
  auto dim = size.getDefiningOp<memref::DimOp>();
  std::optional<int64_t> index = dim ? dim.getConstantIndex() : std::nullopt;
  if (!index)
    return size;
  OpFoldResult extent = extentOf(dim.getSource(), *index);
  return extent ? extent : OpFoldResult(size);
}

OpFoldResult extentOf(Value memref, int64_t dim) {
  auto type = cast<MemRefType>(memref.getType());
  if (!type.isDynamicDim(dim))
    return IntegerAttr::get(IndexType::get(memref.getContext()),
                            type.getDimSize(dim));
  if (auto alloc = memref.getDefiningOp<memref::AllocOp>())
    return sizeOf(alloc.getDynamicSizes()[type.getDynamicDimIndex(dim)]);
  if (auto expand = memref.getDefiningOp<memref::ExpandShapeOp>()) {
    OpFoldResult size = expand.getMixedOutputShape()[dim];
    return isa<Value>(size) ? sizeOf(cast<Value>(size)) : size;
  }
  if (auto collapse = memref.getDefiningOp<memref::CollapseShapeOp>()) {
    ReassociationIndices group = collapse.getReassociationIndices()[dim];
    if (group.size() == 1)
      return extentOf(collapse.getSrc(), group.front());
  }
  return {};
}

bool sameSize(Value a, Value b) {
  return isEqualConstantIntOrValue(sizeOf(a), sizeOf(b));
}

/// A kernel loop over (split, group...) whose warps each compute one
/// split of one group, and the kernel loop right after it over (group...,
/// member...) whose threads each combine one member of a group from the
/// states of all its splits.
struct SplitCombine {
  scf::ParallelOp splits, combine;
};

/// Whether `loop` is a kernel loop of `pipeline` (in blocks of
/// `blockThreads` threads, if given) counting from 0 and reducing nothing.
bool hasConfig(scf::ParallelOp loop, LoweringPipeline pipeline,
               std::optional<int64_t> blockThreads = std::nullopt) {
  auto config = LoweringConfigAttr::of(loop, pipeline);
  return config && loop.getNumReductions() == 0 &&
         llama4c::isNormalized(loop) &&
         (!blockThreads ||
          config.getWorkgroupSize() == ArrayRef<int64_t>{*blockThreads});
}

/// The memrefs through which ops inside `loop` read or write `buffer`
/// (itself or a view of it). Every op's effects are known: accessesOf
/// answered for `loop`.
SmallVector<Value> accessesTo(scf::ParallelOp loop, Value buffer) {
  SmallVector<Value> memrefs;
  loop.getBody()->walk([&](MemoryEffectOpInterface op) {
    SmallVector<MemoryEffects::EffectInstance> instances;
    op.getEffects(instances);
    for (const MemoryEffects::EffectInstance &effect : instances) {
      Value memref = effect.getValue();
      if (memref && llama4c::bufferOf(memref) == buffer &&
          !isa<MemoryEffects::Allocate, MemoryEffects::Free>(
              effect.getEffect()))
        memrefs.push_back(memref);
    }
  });
  return memrefs;
}

/// Whether the splits' accesses to `state`, an allocation, stay in their
/// group: each goes through a subview of it taken inside the loop at the
/// split's own (split, group...) indices, of size 1 along them.
bool splitsWriteTheirGroup(scf::ParallelOp splits, Value state) {
  SmallVector<Value> ivs = splits.getInductionVars();
  for (Value memref : accessesTo(splits, state)) {
    // The view taken of `state` itself.
    while (auto view = memref.getDefiningOp<ViewLikeOpInterface>()) {
      if (view.getViewSource() == state)
        break;
      memref = view.getViewSource();
    }
    auto slice = memref.getDefiningOp<memref::SubViewOp>();
    if (!slice || slice.getSource() != state ||
        !splits->isProperAncestor(slice) ||
        slice.getMixedOffsets().size() < ivs.size())
      return false;
    for (auto [d, iv] : llvm::enumerate(ivs))
      if (!isEqualConstantIntOrValue(slice.getMixedOffsets()[d], iv) ||
          !isConstantIntValue(slice.getMixedSizes()[d], 1))
        return false;
  }
  return true;
}

/// Whether the combine reads `state` only as loads of it at its own group
/// (indices 1 .. n its first n loop indices, index 0 any split).
bool combineReadsItsGroup(scf::ParallelOp combine, Value state,
                          unsigned groupDims) {
  SmallVector<Value> ivs = combine.getInductionVars();
  for (Value memref : accessesTo(combine, state))
    if (memref != state)
      return false;
  for (Operation *user : state.getUsers()) {
    if (!combine->isProperAncestor(user))
      continue;
    auto load = dyn_cast<memref::LoadOp>(user);
    if (!load || load.getIndices().size() <= groupDims)
      return false;
    for (unsigned d = 0; d < groupDims; ++d)
      if (load.getIndices()[d + 1] != ivs[d])
        return false;
  }
  return true;
}

/// `splits` and the kernel loop after it, if that loop is a combine that
/// its splits' last warps can run (see the pass's description).
std::optional<SplitCombine> combineAfter(scf::ParallelOp splits) {
  if (!hasConfig(splits, LoweringPipeline::gpu_warp_per_element,
                 llama4c::kWarpSize) ||
      splits.getNumLoops() < 2)
    return std::nullopt;
  Operation *next = splits->getNextNode();
  while (next && !isa<scf::ParallelOp>(next) &&
         llama4c::movesBeforeKernels(*next))
    next = next->getNextNode();
  auto combine = dyn_cast_or_null<scf::ParallelOp>(next);
  unsigned groupDims = splits.getNumLoops() - 1;
  if (!combine ||
      !hasConfig(combine, LoweringPipeline::gpu_thread_per_element) ||
      combine.getNumLoops() <= groupDims)
    return std::nullopt;
  for (unsigned d = 0; d < groupDims; ++d)
    if (!sameSize(splits.getUpperBound()[d + 1], combine.getUpperBound()[d]))
      return std::nullopt;
  std::optional<llama4c::BufferAccesses> produced = llama4c::accessesOf(splits);
  std::optional<llama4c::BufferAccesses> consumed =
      llama4c::accessesOf(combine);
  if (!produced || !consumed)
    return std::nullopt;
  // Other groups' splits still run beside a group's combine: the combine
  // writes nothing they touch, and reads of theirs only what its own
  // group's splits wrote.
  bool readsStates = false;
  for (void *written : consumed->writes)
    if (produced->reads.contains(written) || produced->writes.contains(written))
      return std::nullopt;
  for (void *read : consumed->reads) {
    if (!produced->writes.contains(read))
      continue;
    Value state = Value::getFromOpaquePointer(read);
    if (!state.getDefiningOp<memref::AllocOp>() ||
        !splitsWriteTheirGroup(splits, state) ||
        !combineReadsItsGroup(combine, state, groupDims))
      return std::nullopt;
    readsStates = true;
  }
  if (!readsStates)
    return std::nullopt;
  return SplitCombine{splits, combine};
}

/// The product of `bounds`, at `b`'s insertion point.
Value productOf(ValueRange bounds, OpBuilder &b, Location loc) {
  Value total = arith::ConstantIndexOp::create(b, loc, 1);
  for (Value bound : bounds)
    total = arith::MulIOp::create(b, loc, total, bound);
  return total;
}

/// `count` counters, an i32 each, zeroed by a kernel loop of `config`'s
/// shape (which --llama4-gpu-merge-sibling-kernels runs beside an earlier
/// kernel), at `b`'s insertion point.
Value zeroedCounters(Value count, DictionaryAttr config, OpBuilder &b,
                     Location loc) {
  Value counters = memref::AllocOp::create(
      b, loc, MemRefType::get({ShapedType::kDynamic}, b.getI32Type()), count);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value none = arith::ConstantIntOp::create(b, loc, 0, 32);
  auto zeroing = scf::ParallelOp::create(
      b, loc, ValueRange{zero}, ValueRange{count}, ValueRange{one},
      [&](OpBuilder &b, Location loc, ValueRange ivs) {
        memref::StoreOp::create(b, loc, none, counters, ivs);
      });
  zeroing->setDiscardableAttrs(config);
  return counters;
}

/// The ticket the calling warp takes from `counters[group]`, in every lane,
/// at `b`'s insertion point. The barrier before (the block is this one
/// warp) orders every lane's stores before lane 0's release and add; the
/// one after, lane 0's acquire before every lane's reads. NVPTX emits an
/// atomicrmw relaxed whatever its ordering, so fences (fence.acq_rel.gpu)
/// release and acquire around it.
Value takeTicket(Value counters, Value group, Value lane, OpBuilder &b,
                 Location loc) {
  Type i32 = b.getI32Type();
  Value none = arith::ConstantIntOp::create(b, loc, 0, 32);
  gpu::BarrierOp::create(b, loc);
  Value isFirstLane =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, lane,
                            arith::ConstantIndexOp::create(b, loc, 0));
  auto take = scf::IfOp::create(b, loc, TypeRange{i32}, isFirstLane,
                                /*withElseRegion=*/true);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(take.thenBlock());
    auto fence = [&] {
      LLVM::FenceOp::create(b, loc, LLVM::AtomicOrdering::acq_rel, "device");
    };
    fence();
    Value ticket =
        memref::AtomicRMWOp::create(b, loc, arith::AtomicRMWKind::addi,
                                    arith::ConstantIntOp::create(b, loc, 1, 32),
                                    counters, ValueRange{group});
    fence();
    scf::YieldOp::create(b, loc, ticket);
    b.setInsertionPointToStart(take.elseBlock());
    scf::YieldOp::create(b, loc, none);
  }
  gpu::BarrierOp::create(b, loc);
  Value width = arith::ConstantIntOp::create(b, loc, llama4c::kWarpSize, 32);
  return gpu::ShuffleOp::create(b, loc, take.getResult(0), none, width,
                                gpu::ShuffleMode::IDX)
      .getShuffleResult();
}

/// The combine's body for group `groupIvs`, each lane taking every 32nd
/// member from `lane` on, at `b`'s insertion point.
void cloneCombine(scf::ParallelOp combine, ValueRange groupIvs, Value lane,
                  OpBuilder &b, Location loc) {
  ValueRange memberBounds = combine.getUpperBound().drop_front(groupIvs.size());
  Value warp = arith::ConstantIndexOp::create(b, loc, llama4c::kWarpSize);
  auto members =
      scf::ForOp::create(b, loc, lane, productOf(memberBounds, b, loc), warp);
  b.setInsertionPointToStart(members.getBody());
  SmallVector<Value> ivs(groupIvs);
  Value member = members.getInductionVar();
  if (memberBounds.size() == 1)
    ivs.push_back(member);
  else
    llvm::append_range(ivs, affine::AffineDelinearizeIndexOp::create(
                                b, loc, member, getAsOpFoldResult(memberBounds))
                                .getResults());
  IRMapping mapping;
  mapping.map(combine.getInductionVars(), ivs);
  for (Operation &op : combine.getBody()->without_terminator())
    b.clone(op, mapping);
}

void combineInLastSplit(SplitCombine pair, RewriterBase &rewriter) {
  auto [splits, combine] = pair;
  Location loc = splits.getLoc();
  // What the combine needs from the host comes before the splits.
  for (Operation *op = splits->getNextNode(); op != combine.getOperation();) {
    Operation *next = op->getNextNode();
    op->moveBefore(splits);
    op = next;
  }
  rewriter.setInsertionPoint(splits);
  Value splitCount = splits.getUpperBound().front();
  ValueRange groupBounds = splits.getUpperBound().drop_front();
  Value counters =
      zeroedCounters(productOf(groupBounds, rewriter, loc),
                     combine->getDiscardableAttrDictionary(), rewriter, loc);
  Value lastTicket = arith::IndexCastOp::create(
      rewriter, loc, rewriter.getI32Type(),
      arith::SubIOp::create(rewriter, loc, splitCount,
                            arith::ConstantIndexOp::create(rewriter, loc, 1)));

  // After the split's stores: its ticket, then the combine if it is the
  // last.
  rewriter.setInsertionPoint(splits.getBody()->getTerminator());
  SmallVector<Value> ivs = splits.getInductionVars();
  ValueRange groupIvs = ArrayRef(ivs).drop_front();
  Value group = affine::AffineLinearizeIndexOp::create(
      rewriter, loc, groupIvs, groupBounds, /*disjoint=*/true);
  Value lane = gpu::LaneIdOp::create(rewriter, loc, /*upperBound=*/nullptr);
  Value ticket = takeTicket(counters, group, lane, rewriter, loc);
  auto last = scf::IfOp::create(rewriter, loc, TypeRange{},
                                arith::CmpIOp::create(rewriter, loc,
                                                      arith::CmpIPredicate::eq,
                                                      ticket, lastTicket),
                                /*withElseRegion=*/false);
  if (std::optional<int64_t> arrivals = getConstantIntValue(splitCount))
    last->setAttr(llama4c::kArrivalsAttr,
                  rewriter.getI64IntegerAttr(*arrivals));
  rewriter.setInsertionPoint(last.thenBlock()->getTerminator());
  cloneCombine(combine, groupIvs, lane, rewriter, loc);

  rewriter.setInsertionPointAfter(splits);
  memref::DeallocOp::create(rewriter, loc, counters);
  rewriter.eraseOp(combine);
}

struct CombineInLastSplit
    : llama4c::impl::Llama4GpuCombineInLastSplitPassBase<CombineInLastSplit> {
  void runOnOperation() override {
    SmallVector<SplitCombine> pairs;
    getOperation()->walk<WalkOrder::PreOrder>([&](scf::ParallelOp loop) {
      if (std::optional<SplitCombine> pair = combineAfter(loop))
        pairs.push_back(*pair);
      return WalkResult::skip();
    });
    IRRewriter rewriter(&getContext());
    for (SplitCombine pair : pairs)
      combineInLastSplit(pair, rewriter);
  }
};

} // namespace
