//===- Passes.h - The model's exported C ABI --------------------*- C++ -*-===//

#ifndef LLAMA4C_PASSES_ABI_PASSES_H
#define LLAMA4C_PASSES_ABI_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Pass/Pass.h"

namespace llama4c {

#define GEN_PASS_DECL
#include "passes/abi/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/abi/Passes.h.inc"

} // namespace llama4c

#endif // LLAMA4C_PASSES_ABI_PASSES_H
