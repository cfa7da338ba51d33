//===- Pipeline.h - The order of llama4c's passes ---------------*- C++ -*-===//

#ifndef LLAMA4C_COMPILER_PIPELINE_H
#define LLAMA4C_COMPILER_PIPELINE_H

#include "compiler/CompileOptions.h"

#include "mlir/Pass/PassManager.h"

namespace llama4c {

/// Appends the passes that take a freshly built llama4 module to the phase
/// `options.emit`. This is the only place where pass order is written down.
void buildLlama4Pipeline(mlir::OpPassManager &pm, const CompileOptions &options);

/// Registers the pipelines above as named pipelines for llama4-opt
/// (`--llama4-frontend-pipeline`).
void registerLlama4Pipelines();

} // namespace llama4c

#endif // LLAMA4C_COMPILER_PIPELINE_H
