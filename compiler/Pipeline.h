//===- Pipeline.h - The order of llama4c's passes ---------------*- C++ -*-===//

#ifndef LLAMA4C_COMPILER_PIPELINE_H
#define LLAMA4C_COMPILER_PIPELINE_H

#include "compiler/CompileOptions.h"
#include "compiler/HostCpu.h"
#include "compiler/TileSchedule.h"

#include "mlir/Pass/PassManager.h"

namespace llama4c {

/// Appends the passes that take a freshly built llama4 module to the phase
/// `options.emit`, tiled as `schedule` says, host code for `cpu`. This is
/// the only place where pass order is written down.
void buildLlama4Pipeline(mlir::OpPassManager &pm, const CompileOptions &options,
                         const TileSchedule &schedule, const HostCpu &cpu);

/// Compiles the kernels of a module that the GPU kernel pipeline produced
/// (what `--emit report` stops at) to PTX for `target`, and the host code
/// launching them to the LLVM dialect.
void buildGpuBinaryPipeline(mlir::OpPassManager &pm, Target target);

/// Registers the pipelines above as named pipelines for llama4-opt
/// (`--llama4-frontend-pipeline`).
void registerLlama4Pipelines();

} // namespace llama4c

#endif // LLAMA4C_COMPILER_PIPELINE_H
