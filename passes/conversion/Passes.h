//===- Passes.h - Conversions into linalg -----------------------*- C++ -*-===//

#ifndef LLAMA4C_PASSES_CONVERSION_PASSES_H
#define LLAMA4C_PASSES_CONVERSION_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/Pass.h"
#include "passes/strategy/ParallelLoop.h"

namespace llama4c {

#define GEN_PASS_DECL
#include "passes/conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/conversion/Passes.h.inc"

} // namespace llama4c

#endif // LLAMA4C_PASSES_CONVERSION_PASSES_H
