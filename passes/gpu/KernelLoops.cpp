//===- KernelLoops.cpp - What kernel loops touch --------------------------===//

#include "passes/gpu/KernelLoops.h"

#include "passes/gpu/HostMemory.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

using namespace mlir;

std::optional<llama4c::BufferAccesses> llama4c::accessesOf(Operation *root) {
  BufferAccesses accesses;
  WalkResult result = root->walk([&](Operation *op) {
    if (op->hasTrait<OpTrait::HasRecursiveMemoryEffects>() ||
        isa<gpu::SubgroupReduceOp, gpu::ShuffleOp, gpu::BarrierOp,
            LLVM::FenceOp>(op))
      return WalkResult::advance();
    auto effects = dyn_cast<MemoryEffectOpInterface>(op);
    if (!effects)
      return isMemoryEffectFree(op) ? WalkResult::advance()
                                    : WalkResult::interrupt();
    SmallVector<MemoryEffects::EffectInstance> instances;
    effects.getEffects(instances);
    for (const MemoryEffects::EffectInstance &effect : instances) {
      if (isa<MemoryEffects::Allocate, MemoryEffects::Free>(effect.getEffect()))
        continue;
      Value memref = effect.getValue();
      if (!memref)
        return WalkResult::interrupt();
      if (isThreadPrivate(memref))
        continue;
      void *buffer = bufferOf(memref).getAsOpaquePointer();
      if (isa<MemoryEffects::Write>(effect.getEffect()))
        accesses.writes.insert(buffer);
      else
        accesses.reads.insert(buffer);
    }
    return WalkResult::advance();
  });
  if (result.wasInterrupted())
    return std::nullopt;
  return accesses;
}

bool llama4c::independent(const BufferAccesses &a, const BufferAccesses &b) {
  auto meets = [](const llvm::SmallPtrSet<void *, 8> &written,
                  const llvm::SmallPtrSet<void *, 8> &other) {
    return llvm::any_of(written,
                        [&](void *buffer) { return other.contains(buffer); });
  };
  return !meets(a.writes, b.reads) && !meets(a.writes, b.writes) &&
         !meets(b.writes, a.reads);
}

bool llama4c::movesBeforeKernels(Operation &op) {
  return isa<memref::AllocOp, ViewLikeOpInterface, memref::DimOp>(op) ||
         (op.getNumRegions() == 0 && isMemoryEffectFree(&op));
}

bool llama4c::isNormalized(scf::ParallelOp loop) {
  return llvm::all_of(loop.getLowerBound(),
                      [](Value b) { return isConstantIntValue(b, 0); }) &&
         llvm::all_of(loop.getStep(),
                      [](Value s) { return isConstantIntValue(s, 1); });
}
