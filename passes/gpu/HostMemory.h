//===- HostMemory.h - Which buffers live where ------------------*- C++ -*-===//
//
// In a GPU model every memref.alloc is device memory; only the stack
// arrays of the deallocation bookkeeping (--llama4-gpu-host-metadata-to-
// stack) live on the host, with the helpers they are passed to, and a
// kernel's memref.alloca (a fused tile's intermediate) is its thread's.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_PASSES_GPU_HOSTMEMORY_H
#define LLAMA4C_PASSES_GPU_HOSTMEMORY_H

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/Value.h"

namespace llama4c {

/// Whether `memref` is a host stack array: a memref.alloca (through casts),
/// or an argument of a function that every caller passes one.
bool isHostMemory(mlir::Value memref);

/// The buffer `memref` views: through view ops to an allocation or an
/// argument.
mlir::Value bufferOf(mlir::Value memref);

/// Whether `memref`, inside a kernel-to-be, is its thread's own: a view of
/// a memref.alloca.
bool isThreadPrivate(mlir::Value memref);

/// Moves each buffer of static size that `launch` allocates below its
/// body's entry block (under its bounds guard, a branch) to the start of
/// that block: the kernel's entry block, the only one whose allocas LLVM
/// promotes to registers.
void moveStaticBuffersToEntry(mlir::gpu::LaunchOp launch);

/// Whether `op` is a memref load or store of device memory outside every
/// scf.parallel nested in `op` (or `op` itself, for a load or store): an
/// access the host would make.
bool readsDeviceMemoryOnHost(mlir::Operation *op);

} // namespace llama4c

#endif // LLAMA4C_PASSES_GPU_HOSTMEMORY_H
