//===- Passes.h - Code generation for the host CPU --------------*- C++ -*-===//

#ifndef LLAMA4C_PASSES_CPU_PASSES_H
#define LLAMA4C_PASSES_CPU_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/X86Vector/X86VectorDialect.h"
#include "mlir/Pass/Pass.h"
#include "passes/strategy/ParallelLoop.h"

namespace llama4c {

#define GEN_PASS_DECL
#include "passes/cpu/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/cpu/Passes.h.inc"

} // namespace llama4c

#endif // LLAMA4C_PASSES_CPU_PASSES_H
