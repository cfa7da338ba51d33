//===- SinkScatterLoops.cpp - Host loops of a scatter into its kernel -----===//

#include "passes/gpu/Passes.h"

#include "passes/gpu/HostMemory.h"

#include "mlir/IR/IRMapping.h"

namespace llama4c {
#define GEN_PASS_DEF_LLAMA4GPUSINKSCATTERLOOPSPASS
#include "passes/gpu/Passes.h.inc"
} // namespace llama4c

using namespace mlir;

namespace {

/// The scf.parallel a perfect scf.for nest ends in, if that is its only
/// nested loop and each loop carries no value; null otherwise.
scf::ParallelOp innermostParallel(scf::ForOp outer) {
  Operation *loop = outer;
  while (auto forOp = dyn_cast<scf::ForOp>(loop)) {
    if (forOp.getNumResults())
      return nullptr;
    Operation *nested = nullptr;
    for (Operation &op : forOp.getBody()->without_terminator()) {
      if (op.getNumRegions() == 0)
        continue;
      if (nested)
        return nullptr;
      nested = &op;
    }
    if (!nested)
      return nullptr;
    loop = nested;
  }
  return dyn_cast<scf::ParallelOp>(loop);
}

/// Whether the parallel loop is a copy into a slice: loads, then one store
/// indexed by exactly its induction variables. Its iterations then write
/// distinct elements in every iteration of the loops around it, so each
/// element's writes keep their order when those loops run inside it.
bool isSliceCopy(scf::ParallelOp loop) {
  auto stores = llvm::to_vector(loop.getBody()->getOps<memref::StoreOp>());
  if (stores.size() != 1 ||
      !llvm::equal(stores.front().getIndices(), loop.getInductionVars()))
    return false;
  for (Operation &op : loop.getBody()->without_terminator())
    if (op.getNumRegions() || !isa<memref::LoadOp, memref::StoreOp>(op))
      return false;
  return true;
}

struct SinkScatterLoops
    : llama4c::impl::Llama4GpuSinkScatterLoopsPassBase<SinkScatterLoops> {
  void runOnOperation() override {
    SmallVector<scf::ForOp> scatters;
    getOperation()->walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (isa<scf::ParallelOp>(op))
        return WalkResult::skip();
      auto loop = dyn_cast<scf::ForOp>(op);
      if (!loop || !llama4c::readsDeviceMemoryOnHost(loop))
        return WalkResult::advance();
      scatters.push_back(loop);
      return WalkResult::skip();
    });
    for (scf::ForOp outer : scatters) {
      scf::ParallelOp copy = innermostParallel(outer);
      if (!copy || !isSliceCopy(copy) ||
          llvm::any_of(copy->getOperands(), [&](Value bound) {
            return outer->isAncestor(bound.getParentBlock()->getParentOp());
          })) {
        // Left for --llama4-gpu-map-loops-to-blocks to report.
        continue;
      }
      sink(outer, copy);
    }
  }

  /// Replaces `outer` by a copy of `copy`'s loop whose body runs the whole
  /// nest of `outer`, with `copy`'s body where `copy` was.
  void sink(scf::ForOp outer, scf::ParallelOp copy) {
    OpBuilder b(outer);
    auto sunk = scf::ParallelOp::create(
        b, copy.getLoc(), copy.getLowerBound(), copy.getUpperBound(),
        copy.getStep(), [&](OpBuilder &pb, Location, ValueRange ivs) {
          IRMapping mapping;
          pb.clone(*outer, mapping);
          auto inner = cast<scf::ParallelOp>(mapping.lookup(copy.getOperation()));
          for (auto [old, replacement] :
               llvm::zip(inner.getInductionVars(), ivs))
            old.replaceAllUsesWith(replacement);
          Block *body = inner.getBody();
          body->getTerminator()->erase();
          inner->getBlock()->getOperations().splice(
              Block::iterator(inner), body->getOperations());
          inner.erase();
        });
    // The copy's lowering config now describes the sunk loop's kernel.
    sunk->setDiscardableAttrs(copy->getDiscardableAttrDictionary());
    outer.erase();
  }
};

} // namespace
