//===- KernelLoops.h - What kernel loops touch ------------------*- C++ -*-===//
//
// After --llama4-gpu-linalg-to-kernel-loops, each kernel-to-be is an
// scf.parallel carrying its lowering config, with host code (allocations,
// views, sizes) between. Passes that put two such loops into one kernel
// ask the same questions of them: which buffers each reads and writes, and
// which host ops may run before a kernel they come after.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_PASSES_GPU_KERNELLOOPS_H
#define LLAMA4C_PASSES_GPU_KERNELLOOPS_H

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "llvm/ADT/SmallPtrSet.h"

#include <optional>

namespace llama4c {

/// The buffers a kernel loop reads and writes (allocations and arguments,
/// as opaque values; its threads' own arrays left out).
struct BufferAccesses {
  llvm::SmallPtrSet<void *, 8> reads, writes;
};

/// What `op` (a kernel loop, or an op of one) and the ops inside it read
/// and write, or nothing if an op's effects are not known. Warp shuffles
/// and reductions exchange registers, and barriers and fences only order,
/// so none of them accesses a buffer.
std::optional<BufferAccesses> accessesOf(mlir::Operation *op);

/// Whether `a`, then `b`, may run in either order or side by side: neither
/// writes a buffer the other reads or writes. Distinct buffers do not
/// overlap: allocations are, and a layer function's arguments are distinct
/// buffers (the entry points pass each weight, cache and activation once).
bool independent(const BufferAccesses &a, const BufferAccesses &b);

/// Whether the host may run `op` before a kernel it comes after: it
/// allocates, views or computes without touching memory.
bool movesBeforeKernels(mlir::Operation &op);

/// Whether `loop` counts from 0 by steps of 1 in every dimension.
bool isNormalized(mlir::scf::ParallelOp loop);

} // namespace llama4c

#endif // LLAMA4C_PASSES_GPU_KERNELLOOPS_H
