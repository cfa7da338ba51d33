//===- CombineInLastSplit.cpp - A split's combine in its last warp --------===//
//
// Flash-decoding splits each decode query's keys between warps, then
// combines the splits' softmax states in a kernel of its own: a launch a
// layer for a few microseconds of work (the greedy token's spans of a row
// alike, once a step). The warp that stores its group's last state can
// combine the group itself, the way a grid's sum is often finished by its
// last block: each split's warp, once its state is stored, takes a ticket
// from its group's counter with an atomic add (release: its stores before
// the ticket; acquire: the earlier tickets' stores before what it reads
// next), and the warp holding the last ticket runs the combine of that
// group.
//
//===----------------------------------------------------------------------===//

#include "passes/gpu/Passes.h"

#include "dialects/llama4/IR/Llama4Dialect.h"
#include "passes/gpu/HostMemory.h"
#include "passes/gpu/KernelLoops.h"
#include "passes/gpu/TakenShare.h"
#include "passes/gpu/Warp.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "llvm/ADT/SmallBitVector.h"

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

/// A kernel loop whose warps each compute one split of one group, and
/// the kernel loop right after it over (group..., member...) whose threads
/// each combine one member of a group from the states of all its splits,
/// or over (group...) whose warps each combine a group.
struct SplitCombine {
  scf::ParallelOp splits, combine;
  /// The splits' loop dimension of each of the combine's group indices,
  /// in order; the one left out is the split's.
  SmallVector<unsigned> groupDims;
  unsigned splitDim;

  /// The splits' loop indices, or bounds, of the combine's group.
  template <typename Range> SmallVector<Value> groupOf(Range values) const {
    SmallVector<Value> all(values), group;
    for (unsigned d : groupDims)
      group.push_back(all[d]);
    return group;
  }
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

/// An op of a kernel loop reading or writing a buffer, through `memref`.
struct Access {
  Operation *op;
  Value memref;
};

/// The accesses of ops inside `loop` to `buffer` (itself or a view of it).
/// Every op's effects are known: accessesOf answered for `loop`.
SmallVector<Access> accessesTo(scf::ParallelOp loop, Value buffer) {
  SmallVector<Access> accesses;
  loop.getBody()->walk([&](MemoryEffectOpInterface op) {
    SmallVector<MemoryEffects::EffectInstance> instances;
    op.getEffects(instances);
    for (const MemoryEffects::EffectInstance &effect : instances) {
      Value memref = effect.getValue();
      if (memref && llama4c::bufferOf(memref) == buffer &&
          !isa<MemoryEffects::Allocate, MemoryEffects::Free>(
              effect.getEffect()))
        accesses.push_back({op, memref});
    }
  });
  return accesses;
}

/// For each of `values`, the dimension of `state` at which `access` takes
/// exactly that value: a load's or store's index of `state` itself, or
/// the offset of a slice of size 1 there that the access reads within (a
/// subview of `state` taken inside `loop`); nothing if a value is not
/// pinned so.
std::optional<SmallVector<unsigned>> pinnedDims(const Access &access,
                                                Value state, ValueRange values,
                                                scf::ParallelOp loop) {
  SmallVector<OpFoldResult> at;
  SmallVector<bool> single;
  if (access.memref == state) {
    ValueRange indices;
    if (auto load = dyn_cast<memref::LoadOp>(access.op))
      indices = load.getIndices();
    else if (auto store = dyn_cast<memref::StoreOp>(access.op))
      indices = store.getIndices();
    else
      return std::nullopt;
    at = getAsOpFoldResult(indices);
    single.assign(at.size(), true);
  } else {
    auto view = access.memref.getDefiningOp<ViewLikeOpInterface>();
    while (view && view.getViewSource() != state)
      view = view.getViewSource().getDefiningOp<ViewLikeOpInterface>();
    auto slice =
        view ? dyn_cast<memref::SubViewOp>(view.getOperation()) : nullptr;
    if (!slice || !loop->isProperAncestor(slice))
      return std::nullopt;
    at = slice.getMixedOffsets();
    for (OpFoldResult size : slice.getMixedSizes())
      single.push_back(isConstantIntValue(size, 1));
  }
  SmallVector<unsigned> dims;
  for (Value value : values) {
    unsigned dim = 0;
    while (dim < at.size() &&
           !(single[dim] && isEqualConstantIntOrValue(at[dim], value)))
      ++dim;
    if (dim == at.size())
      return std::nullopt;
    dims.push_back(dim);
  }
  return dims;
}

/// For each of `values`, the dimension of `state` that every access of
/// `loop` to it pins to that value (see pinnedDims), or nothing.
std::optional<SmallVector<unsigned>>
dimsPinnedByAll(scf::ParallelOp loop, Value state, ValueRange values) {
  std::optional<SmallVector<unsigned>> dims;
  for (const Access &access : accessesTo(loop, state)) {
    std::optional<SmallVector<unsigned>> pinned =
        pinnedDims(access, state, values, loop);
    if (!pinned || (dims && *dims != *pinned))
      return std::nullopt;
    dims = pinned;
  }
  return dims;
}

/// Whether `combine` is a thread per member of a group, or a warp per
/// group, of `groupSize` dimensions.
bool isCombine(scf::ParallelOp combine, unsigned groupSize) {
  if (hasConfig(combine, LoweringPipeline::gpu_thread_per_element))
    return combine.getNumLoops() > groupSize;
  return hasConfig(combine, LoweringPipeline::gpu_warp_per_element) &&
         combine.getNumLoops() == groupSize;
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
  unsigned groupSize = splits.getNumLoops() - 1;
  if (!combine || !isCombine(combine, groupSize))
    return std::nullopt;
  std::optional<llama4c::BufferAccesses> produced = llama4c::accessesOf(splits);
  std::optional<llama4c::BufferAccesses> consumed =
      llama4c::accessesOf(combine);
  if (!produced || !consumed)
    return std::nullopt;
  // Other groups' splits still run beside a group's combine: the combine
  // writes nothing they touch, and reads what they write (the states)
  // only where its own group's splits do. Each split's accesses to a state
  // pin every one of its indices to a dimension, and the combine's pin its
  // group's to the same dimensions as the splits' indices of that group.
  for (void *written : consumed->writes)
    if (produced->reads.contains(written) || produced->writes.contains(written))
      return std::nullopt;
  SmallVector<Value> splitIvs = splits.getInductionVars();
  ValueRange groupIvs =
      ValueRange(combine.getInductionVars()).take_front(groupSize);
  std::optional<SmallVector<unsigned>> groupDims;
  for (void *read : consumed->reads) {
    if (!produced->writes.contains(read))
      continue;
    Value state = Value::getFromOpaquePointer(read);
    std::optional<SmallVector<unsigned>> bySplits =
        dimsPinnedByAll(splits, state, splitIvs);
    std::optional<SmallVector<unsigned>> byCombine =
        dimsPinnedByAll(combine, state, groupIvs);
    if (!state.getDefiningOp<memref::AllocOp>() || !bySplits || !byCombine)
      return std::nullopt;
    SmallVector<unsigned> dims;
    for (unsigned dim : *byCombine) {
      const unsigned *split = llvm::find(*bySplits, dim);
      if (split == bySplits->end())
        return std::nullopt;
      dims.push_back(split - bySplits->begin());
    }
    if (groupDims && *groupDims != dims)
      return std::nullopt;
    groupDims = dims;
  }
  if (!groupDims)
    return std::nullopt;
  // The split's dimension: the one of the splits' that is no group's.
  llvm::SmallBitVector isGroup(splits.getNumLoops());
  for (auto [index, dim] : llvm::enumerate(*groupDims)) {
    if (isGroup.test(dim) ||
        !sameSize(splits.getUpperBound()[dim], combine.getUpperBound()[index]))
      return std::nullopt;
    isGroup.set(dim);
  }
  return SplitCombine{splits, combine, *groupDims,
                      unsigned(isGroup.find_first_unset())};
}

/// The product of `bounds`, at `b`'s insertion point.
Value productOf(ValueRange bounds, OpBuilder &b, Location loc) {
  Value total = arith::ConstantIndexOp::create(b, loc, 1);
  for (Value bound : bounds)
    total = arith::MulIOp::create(b, loc, total, bound);
  return total;
}

/// `count` counters, an i32 each, zeroed by a kernel loop carrying
/// `config`, at `b`'s insertion point.
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

/// The combine's body for group `groupIvs`, at `b`'s insertion point: a
/// warp's as it is, a thread's with each lane taking every 32nd member
/// from `lane` on.
void cloneCombine(scf::ParallelOp combine, ValueRange groupIvs, Value lane,
                  OpBuilder &b, Location loc) {
  ValueRange memberBounds = combine.getUpperBound().drop_front(groupIvs.size());
  if (memberBounds.empty()) {
    IRMapping mapping;
    mapping.map(combine.getInductionVars(), groupIvs);
    for (Operation &op : combine.getBody()->without_terminator())
      b.clone(op, mapping);
    return;
  }
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

/// The lowering config of the nearest kernel loop before `op` in its
/// block, or `otherwise`.
DictionaryAttr configBefore(Operation *op, DictionaryAttr otherwise) {
  for (Operation *at = op->getPrevNode(); at; at = at->getPrevNode())
    if (auto loop = dyn_cast<scf::ParallelOp>(at))
      if (LoweringConfigAttr::ofGpu(loop))
        return loop->getDiscardableAttrDictionary();
  return otherwise;
}

void combineInLastSplit(SplitCombine pair, RewriterBase &rewriter) {
  scf::ParallelOp splits = pair.splits, combine = pair.combine;
  unsigned splitDim = pair.splitDim;
  Location loc = splits.getLoc();
  // What the combine needs from the host comes before the splits.
  for (Operation *op = splits->getNextNode(); op != combine.getOperation();) {
    Operation *next = op->getNextNode();
    op->moveBefore(splits);
    op = next;
  }
  // The counters are zeroed by a loop of the config of the kernel before,
  // which --llama4-gpu-merge-sibling-kernels then runs beside it.
  DictionaryAttr zeroingConfig =
      configBefore(splits, combine->getDiscardableAttrDictionary());
  rewriter.setInsertionPoint(splits);
  Value splitCount = splits.getUpperBound()[splitDim];
  SmallVector<Value> groupBounds = pair.groupOf(splits.getUpperBound());
  Value counters = zeroedCounters(productOf(groupBounds, rewriter, loc),
                                  zeroingConfig, rewriter, loc);
  Value lastTicket = arith::IndexCastOp::create(
      rewriter, loc, rewriter.getI32Type(),
      arith::SubIOp::create(rewriter, loc, splitCount,
                            arith::ConstantIndexOp::create(rewriter, loc, 1)));

  // After the split's stores: its ticket, then the combine if it is the
  // last.
  rewriter.setInsertionPoint(splits.getBody()->getTerminator());
  SmallVector<Value> groupIvs = pair.groupOf(splits.getInductionVars());
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
    last->setAttr(llama4c::kTakenShareAttr,
                  rewriter.getF64FloatAttr(1.0 / double(*arrivals)));
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
