//===- Packaging.h - LLVM dialect module -> llvm, obj or so -----*- C++ -*-===//
//
// The last phases of a compile: the lowered module is translated to LLVM
// IR, given the manifest and ABI-version symbols of abi.h (and for a GPU
// target the driver binding, with the kernels' PTX embedded), optimised
// for the host CPU and written as LLVM IR, an object file, or a shared
// object linked with the system C compiler driver. --emit ptx writes the
// kernels' PTX alone.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_COMPILER_PACKAGING_H
#define LLAMA4C_COMPILER_PACKAGING_H

#include "compiler/CompileOptions.h"
#include "compiler/HostCpu.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"

namespace llama4c {

struct Llama4Config;

/// The manifest JSON of abi.h for `module` (after --llama4-outline-weights,
/// which records the weights in its `llama4.weights` attribute).
std::string buildManifest(mlir::ModuleOp module, const Llama4Config &config,
                          llvm::StringRef configText,
                          const CompileOptions &options, const HostCpu &cpu);

/// The PTX of the kernels of the lowered GPU `module`: its one gpu.binary's
/// assembly.
llvm::Expected<llvm::StringRef> kernelsPtx(mlir::ModuleOp module);

/// Writes the PTX of the kernels of the lowered GPU `module` to
/// `options.outputPath`, atomically.
llvm::Error writePtx(mlir::ModuleOp module, const CompileOptions &options);

/// Writes the phase `options.emit` (Llvm, Obj or So) of the LLVM dialect
/// `module`, compiled for `cpu`, to `options.outputPath`, atomically.
llvm::Error writeHostArtifact(mlir::ModuleOp module, llvm::StringRef manifest,
                              const CompileOptions &options,
                              const HostCpu &cpu);

} // namespace llama4c

#endif // LLAMA4C_COMPILER_PACKAGING_H
