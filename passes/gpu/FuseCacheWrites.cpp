//===- FuseCacheWrites.cpp - A decode step's cache writes into its kernels ===//
//
// A decode step stores each row's new key and value into the KV cache by a
// host loop over the rows (llama4.kv_cache_update's lowering), one kernel
// each after bufferization. The kernel that computes the key (or value)
// writes one element per tile; it can store that element into the cache
// too, at the row's slot, and the loop goes.
//
//===----------------------------------------------------------------------===//

#include "passes/gpu/Passes.h"

#include "dialects/llama4/IR/Llama4Dialect.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/IRMapping.h"

namespace llama4c {
#define GEN_PASS_DEF_LLAMA4GPUFUSECACHEWRITESPASS
#include "passes/gpu/Passes.h.inc"
} // namespace llama4c

using namespace mlir;

namespace {

/// The value a tensor's dim 0 extent comes from, through the ops that
/// keep it: tensor.dim, a forall's result (its shared_out), tensor.empty,
/// reshapes that keep dim 0 alone. Two tensors whose rows resolve to the
/// same value have as many rows.
OpFoldResult rowsOf(Value tensor) {
  while (true) {
    if (auto forall = tensor.getDefiningOp<scf::ForallOp>()) {
      tensor = forall.getOutputs()[cast<OpResult>(tensor).getResultNumber()];
      continue;
    }
    if (auto expand = tensor.getDefiningOp<tensor::ExpandShapeOp>();
        expand && expand.getReassociationIndices().front().size() == 1) {
      tensor = expand.getSrc();
      continue;
    }
    if (auto collapse = tensor.getDefiningOp<tensor::CollapseShapeOp>();
        collapse && collapse.getReassociationIndices().front().size() == 1) {
      tensor = collapse.getSrc();
      continue;
    }
    if (auto empty = tensor.getDefiningOp<tensor::EmptyOp>()) {
      OpFoldResult size = empty.getMixedSizes().front();
      auto dim = dyn_cast_if_present<Value>(size)
                     ? cast<Value>(size).getDefiningOp<tensor::DimOp>()
                     : tensor::DimOp();
      if (!dim || getConstantIntValue(dim.getIndex()) != 0)
        return size;
      tensor = dim.getSource();
      continue;
    }
    return tensor;
  }
}

OpFoldResult rowsOfExtent(Value extent) {
  auto dim = extent.getDefiningOp<tensor::DimOp>();
  if (dim && getConstantIntValue(dim.getIndex()) == 0)
    return rowsOf(dim.getSource());
  return extent;
}

/// A host loop over rows storing a slice of `update` per row into the
/// cache, and the kernel that computes the update.
struct CacheWrite {
  scf::ForOp loop;
  tensor::ExtractSliceOp read;   // of `update`, at the loop's row
  tensor::InsertSliceOp store;   // into the cache
  scf::ForallOp kernel;          // one element of `update` per tile
  unsigned result;               // kernel's result `update` reshapes
  tensor::ExpandShapeOp reshape; // update = reshape(result), or null
};

/// Offsets that are `iv` at dim 0 and 0 elsewhere, unit strides, and at
/// each other dim the whole extent of `type` or one element of a dim of
/// extent 1.
bool readsRowWhole(tensor::ExtractSliceOp read, Value iv) {
  auto type = read.getSourceType();
  for (auto [dim, offset, size, stride] :
       llvm::enumerate(read.getMixedOffsets(), read.getMixedSizes(),
                       read.getMixedStrides())) {
    if (!isConstantIntValue(stride, 1))
      return false;
    if (dim == 0) {
      if (dyn_cast_if_present<Value>(offset) != iv ||
          !isConstantIntValue(size, 1))
        return false;
      continue;
    }
    std::optional<int64_t> extent = getConstantIntValue(size);
    if (!isConstantIntValue(offset, 0) || !extent ||
        type.getDimSize(dim) != *extent)
      return false;
  }
  return true;
}

/// Whether each tile of `kernel` writes element (ivs...) of result
/// `result`, the loops starting at 0 by steps of 1.
bool writesOneElementPerTile(scf::ForallOp kernel, unsigned result) {
  if (!llvm::all_of(kernel.getMixedLowerBound(),
                    [](OpFoldResult b) { return isConstantIntValue(b, 0); }) ||
      !llvm::all_of(kernel.getMixedStep(),
                    [](OpFoldResult s) { return isConstantIntValue(s, 1); }))
    return false;
  Value out = kernel.getRegionOutArgs()[result];
  for (Operation &op : kernel.getTerminator().getYieldingOps()) {
    auto insert = cast<tensor::ParallelInsertSliceOp>(op);
    if (insert.getDest() != out)
      continue;
    SmallVector<OpFoldResult> offsets = insert.getMixedOffsets();
    return offsets.size() == kernel.getInductionVars().size() &&
           llvm::all_of(llvm::zip(offsets, kernel.getInductionVars()),
                        [](auto pair) {
                          return dyn_cast_if_present<Value>(
                                     std::get<0>(pair)) == std::get<1>(pair);
                        }) &&
           llvm::all_of(insert.getMixedSizes(), [](OpFoldResult s) {
             return isConstantIntValue(s, 1);
           });
  }
  return false;
}

/// The cache write `loop` is, if it has the shape KvCacheToLinalg gives a
/// decode step's (one token a row) and its update comes from a kernel of
/// one element per tile.
std::optional<CacheWrite> matchCacheWrite(scf::ForOp loop) {
  if (loop.getNumRegionIterArgs() != 1 ||
      !isConstantIntValue(loop.getLowerBound(), 0) ||
      !isConstantIntValue(loop.getStep(), 1))
    return std::nullopt;
  CacheWrite write{loop, {}, {}, {}, 0, {}};
  for (Operation &op : loop.getBody()->without_terminator()) {
    if (auto read = dyn_cast<tensor::ExtractSliceOp>(op); read && !write.read)
      write.read = read;
    else if (auto store = dyn_cast<tensor::InsertSliceOp>(op);
             store && !write.store)
      write.store = store;
    else if (op.getNumRegions() || !isMemoryEffectFree(&op))
      return std::nullopt;
  }
  if (!write.read || !write.store ||
      write.store.getSource() != write.read.getResult() ||
      write.store.getDest() != loop.getRegionIterArgs().front() ||
      loop.getBody()->getTerminator()->getOperand(0) != write.store ||
      !readsRowWhole(write.read, loop.getInductionVar()) ||
      write.read.getSourceType().getElementType() !=
          write.store.getDestType().getElementType() ||
      !llvm::all_of(write.store.getMixedStrides(),
                    [](OpFoldResult s) { return isConstantIntValue(s, 1); }))
    return std::nullopt;

  Value update = write.read.getSource();
  write.reshape = update.getDefiningOp<tensor::ExpandShapeOp>();
  Value produced = write.reshape ? write.reshape.getSrc() : update;
  write.kernel = produced.getDefiningOp<scf::ForallOp>();
  if (!write.kernel || write.kernel->getBlock() != loop->getBlock())
    return std::nullopt;
  write.result = cast<OpResult>(produced).getResultNumber();
  if (!writesOneElementPerTile(write.kernel, write.result))
    return std::nullopt;
  // The reshape splits dims of static extent but the first.
  if (write.reshape)
    for (auto [group, indices] :
         llvm::enumerate(write.reshape.getReassociationIndices()))
      if ((group == 0 && indices.size() != 1) ||
          llvm::any_of(indices, [&](int64_t dim) {
            return dim > 0 && write.reshape.getResultType().isDynamicDim(dim);
          }))
        return std::nullopt;
  if (rowsOfExtent(loop.getUpperBound()) != rowsOf(update))
    return std::nullopt;
  // The stored slice's dims of more than one element are the read's, in
  // order; the others take the store's offsets.
  auto wide = [](ArrayRef<OpFoldResult> sizes) {
    SmallVector<int64_t> extents;
    for (OpFoldResult size : sizes)
      if (!isConstantIntValue(size, 1)) {
        std::optional<int64_t> extent = getConstantIntValue(size);
        extents.push_back(extent ? *extent : ShapedType::kDynamic);
      }
    return extents;
  };
  SmallVector<int64_t> readWide = wide(write.read.getMixedSizes());
  if (readWide != wide(write.store.getMixedSizes()) ||
      llvm::is_contained(readWide, ShapedType::kDynamic))
    return std::nullopt;
  for (auto [offset, size] :
       llvm::zip(write.store.getMixedOffsets(), write.store.getMixedSizes()))
    if (!isConstantIntValue(size, 1) && !isConstantIntValue(offset, 0))
      return std::nullopt;
  return write;
}

/// Whether, after the kernel, the cache the loop starts from is read only
/// by attention ops' cache operands (through slices) and shape queries:
/// those read the keys of earlier positions, never the slot this step
/// stores into, so they may read the cache after the store.
bool onlyAttentionReadsAfter(CacheWrite write) {
  Value cache = write.loop.getInitArgs().front();
  for (OpOperand &use : cache.getUses()) {
    Operation *user = use.getOwner();
    Operation *inBlock = write.loop->getBlock()->findAncestorOpInBlock(*user);
    if (user == write.loop || isa<tensor::DimOp>(user) ||
        (inBlock && inBlock->isBeforeInBlock(write.kernel)))
      continue;
    if (!inBlock || inBlock->isBeforeInBlock(write.kernel))
      return false;
    auto slice = dyn_cast<tensor::ExtractSliceOp>(user);
    if (!slice || !llvm::all_of(slice->getUsers(), [](Operation *reader) {
          return isa<llama4::OnlineAttentionOp, llama4::PartialAttentionOp>(
              reader);
        }))
      return false;
  }
  return true;
}

/// The kernel with the cache as one more shared output, each tile storing
/// its element at the row's slot; the loop's result is that output.
void fuse(CacheWrite write, DominanceInfo &dominance, RewriterBase &rewriter) {
  scf::ForallOp kernel = write.kernel;
  Value cache = write.loop.getInitArgs().front();
  Location loc = write.loop.getLoc();
  SmallVector<Value> outputs(kernel.getOutputs());
  outputs.push_back(cache);
  rewriter.setInsertionPoint(kernel);
  auto fused = scf::ForallOp::create(
      rewriter, kernel.getLoc(), kernel.getMixedLowerBound(),
      kernel.getMixedUpperBound(), kernel.getMixedStep(), outputs,
      kernel.getMapping());
  rewriter.eraseOp(fused.getTerminator());
  Block *body = fused.getBody();
  rewriter.mergeBlocks(kernel.getBody(), body,
                       body->getArguments().drop_back());
  Value cacheOut = body->getArguments().back();
  scf::InParallelOp terminator = fused.getTerminator();

  // The element this tile computes, and its indices in the update.
  tensor::ParallelInsertSliceOp element;
  for (Operation &op : terminator.getYieldingOps())
    if (auto insert = cast<tensor::ParallelInsertSliceOp>(op);
        insert.getDest() == body->getArgument(fused.getRank() + write.result))
      element = insert;
  rewriter.setInsertionPoint(terminator);
  SmallVector<Value> indices;
  SmallVector<Value> ivs(fused.getInductionVars());
  if (!write.reshape) {
    indices.assign(ivs.begin(), ivs.end());
  } else {
    auto shape = write.reshape.getResultType().getShape();
    for (auto [iv, group] :
         llvm::zip(ivs, write.reshape.getReassociationIndices())) {
      if (group.size() == 1) {
        indices.push_back(iv);
        continue;
      }
      SmallVector<int64_t> basis;
      for (int64_t dim : group)
        basis.push_back(shape[dim]);
      auto split =
          affine::AffineDelinearizeIndexOp::create(rewriter, loc, iv, basis);
      llvm::append_range(indices, split.getResults());
    }
  }

  // The store's offsets, computed from the tile's row: the loop's scalar
  // ops cloned with its row set to this tile's.
  IRMapping rows;
  rows.map(write.loop.getInductionVar(), indices.front());
  for (Operation &op : write.loop.getBody()->without_terminator())
    if (&op != write.read && &op != write.store)
      rewriter.clone(op, rows);
  SmallVector<Value> wideIndices;
  for (auto [index, size] : llvm::zip(indices, write.read.getMixedSizes()))
    if (!isConstantIntValue(size, 1))
      wideIndices.push_back(index);
  SmallVector<OpFoldResult> offsets;
  auto *nextWide = wideIndices.begin();
  for (auto [offset, size] :
       llvm::zip(write.store.getMixedOffsets(), write.store.getMixedSizes())) {
    if (!isConstantIntValue(size, 1)) {
      offsets.push_back(*nextWide++);
      continue;
    }
    if (auto value = dyn_cast<Value>(offset))
      offsets.push_back(rows.lookupOrDefault(value));
    else
      offsets.push_back(offset);
  }
  int64_t rank = write.store.getDestType().getRank();
  rewriter.setInsertionPointToEnd(&terminator.getRegion().front());
  tensor::ParallelInsertSliceOp::create(
      rewriter, loc, element.getSource(), cacheOut, offsets,
      SmallVector<OpFoldResult>(rank, rewriter.getIndexAttr(1)),
      SmallVector<OpFoldResult>(rank, rewriter.getIndexAttr(1)));

  Value stored = fused.getResults().back();
  rewriter.replaceUsesWithIf(cache, stored, [&](OpOperand &use) {
    Operation *user = use.getOwner();
    return user != fused && !isa<tensor::DimOp>(user) &&
           dominance.properlyDominates(fused, user);
  });
  rewriter.replaceOp(write.loop, stored);
  rewriter.replaceOp(kernel, fused.getResults().drop_back());
}

struct FuseCacheWrites
    : llama4c::impl::Llama4GpuFuseCacheWritesPassBase<FuseCacheWrites> {
  void runOnOperation() override {
    SmallVector<CacheWrite> writes;
    getOperation()->walk([&](scf::ForOp loop) {
      std::optional<CacheWrite> write = matchCacheWrite(loop);
      if (!write || !onlyAttentionReadsAfter(*write))
        return;
      // What the slot is computed from must be there when the kernel runs.
      DominanceInfo dominance(loop->getParentOp());
      auto available = [&](Value value) {
        return loop->isAncestor(value.getParentBlock()->getParentOp()) ||
               dominance.properlyDominates(value, write->kernel);
      };
      bool slotAvailable = llvm::all_of(write->store.getOffsets(),
                                        [&](Value v) { return available(v); });
      for (Operation &op : loop.getBody()->without_terminator())
        if (&op != write->read && &op != write->store)
          slotAvailable &= llvm::all_of(op.getOperands(), available);
      if (slotAvailable)
        writes.push_back(*write);
    });
    IRRewriter rewriter(&getContext());
    for (CacheWrite write : writes) {
      DominanceInfo dominance(write.loop->getParentOp());
      fuse(write, dominance, rewriter);
    }
  }
};

} // namespace
