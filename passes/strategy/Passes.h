//===- Passes.h - Choosing how each op becomes a kernel ---------*- C++ -*-===//

#ifndef LLAMA4C_PASSES_STRATEGY_PASSES_H
#define LLAMA4C_PASSES_STRATEGY_PASSES_H

#include "dialects/llama4/IR/Llama4Dialect.h"

#include "mlir/Pass/Pass.h"

namespace llama4c {

#define GEN_PASS_DECL
#include "passes/strategy/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/strategy/Passes.h.inc"

} // namespace llama4c

#endif // LLAMA4C_PASSES_STRATEGY_PASSES_H
