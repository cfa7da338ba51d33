//===- HostMetadataToStack.cpp - Dealloc bookkeeping on the host stack ----===//

#include "passes/gpu/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace llama4c {
#define GEN_PASS_DEF_LLAMA4GPUHOSTMETADATATOSTACKPASS
#include "passes/gpu/Passes.h.inc"
} // namespace llama4c

using namespace mlir;

namespace {

/// Whether only the host uses `value` and its casts: loads and stores
/// outside kernels, calls, and deallocation.
bool onlyHostUses(Value value, SmallVectorImpl<Operation *> &deallocs) {
  for (Operation *user : value.getUsers()) {
    if (user->getParentOfType<scf::ParallelOp>())
      return false;
    if (auto cast = dyn_cast<memref::CastOp>(user)) {
      if (!onlyHostUses(cast.getResult(), deallocs))
        return false;
    } else if (isa<memref::DeallocOp>(user)) {
      deallocs.push_back(user);
    } else if (!isa<memref::LoadOp, memref::StoreOp, func::CallOp>(user)) {
      return false;
    }
  }
  return true;
}

struct HostMetadataToStack
    : llama4c::impl::Llama4GpuHostMetadataToStackPassBase<HostMetadataToStack> {
  void runOnOperation() override {
    SmallVector<memref::AllocOp> allocs;
    getOperation()->walk([&](memref::AllocOp alloc) {
      if (alloc.getType().hasStaticShape() &&
          !alloc->getParentOfType<scf::ParallelOp>())
        allocs.push_back(alloc);
    });
    for (memref::AllocOp alloc : allocs) {
      SmallVector<Operation *> deallocs;
      if (!onlyHostUses(alloc, deallocs))
        continue;
      // At the function's entry: each use rewrites the array before
      // reading it, and an alloca in a loop would grow the stack.
      auto function = alloc->getParentOfType<FunctionOpInterface>();
      OpBuilder b(&function.getFunctionBody().front().front());
      auto stack = memref::AllocaOp::create(b, alloc.getLoc(), alloc.getType());
      alloc.replaceAllUsesWith(stack.getResult());
      alloc.erase();
      for (Operation *dealloc : deallocs)
        dealloc->erase();
    }
  }
};

} // namespace
