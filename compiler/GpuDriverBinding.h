//===- GpuDriverBinding.h - GPU models call the driver the runtime gives -*- C++ -*-===//
//
// MLIR's GPU lowering leaves the host module calling mgpu* functions (load
// the PTX, launch) and the generic memref allocator, and loading the PTX
// from a global constructor. A model .so must load on machines without a
// GPU and must not load kernels before the runtime has a device, so these
// calls go through function pointers that `llama4c_bind_gpu` (abi.h) sets,
// and the constructors run from there instead of at dlopen.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_COMPILER_GPUDRIVERBINDING_H
#define LLAMA4C_COMPILER_GPUDRIVERBINDING_H

#include "llvm/Support/Error.h"

namespace llvm {
class Module;
} // namespace llvm

namespace llama4c {

/// Rewrites the driver calls of the translated host `module` to go through
/// `llama4c_gpu_driver` and adds `llama4c_bind_gpu`. Fails, naming it, if
/// the host calls an external function that no driver field provides.
llvm::Error bindGpuDriver(llvm::Module &module);

} // namespace llama4c

#endif // LLAMA4C_COMPILER_GPUDRIVERBINDING_H
