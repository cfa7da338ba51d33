//===- Passes.h - Passes that check a llama4 module -------------*- C++ -*-===//

#ifndef LLAMA4C_PASSES_VERIFY_PASSES_H
#define LLAMA4C_PASSES_VERIFY_PASSES_H

#include "mlir/Pass/Pass.h"

namespace llama4c {

#define GEN_PASS_DECL
#include "passes/verify/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/verify/Passes.h.inc"

} // namespace llama4c

#endif // LLAMA4C_PASSES_VERIFY_PASSES_H
