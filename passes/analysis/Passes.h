//===- Passes.h - Passes that report on a llama4 module ---------*- C++ -*-===//

#ifndef LLAMA4C_PASSES_ANALYSIS_PASSES_H
#define LLAMA4C_PASSES_ANALYSIS_PASSES_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/Pass.h"

namespace llama4c {

#define GEN_PASS_DECL
#include "passes/analysis/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/analysis/Passes.h.inc"

} // namespace llama4c

#endif // LLAMA4C_PASSES_ANALYSIS_PASSES_H
