//===- Passes.h - Target-independent lowering of the llama4 dialect -*- C++ -*-===//

#ifndef LLAMA4C_PASSES_LOWERING_PASSES_H
#define LLAMA4C_PASSES_LOWERING_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;
} // namespace mlir

namespace llama4c {

#define GEN_PASS_DECL
#include "passes/lowering/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/lowering/Passes.h.inc"

/// Patterns of each op family; ConvertLlama4ToLinalg uses them all.
void populateAttentionToLinalgPatterns(mlir::RewritePatternSet &patterns,
                                       int64_t keyBlock);
void populateKvCacheToLinalgPatterns(mlir::RewritePatternSet &patterns);
/// How llama4.moe reaches its experts (MoeToLinalg.cpp).
enum class MoeDispatch { Grouped, PerToken };
void populateMoeToLinalgPatterns(mlir::RewritePatternSet &patterns,
                                 MoeDispatch dispatch);
void populateMultimodalToLinalgPatterns(mlir::RewritePatternSet &patterns);
void populateNormsToLinalgPatterns(mlir::RewritePatternSet &patterns);
void populateProjectionsToLinalgPatterns(mlir::RewritePatternSet &patterns);
void populateRopeToLinalgPatterns(mlir::RewritePatternSet &patterns);
void populateVisionToLinalgPatterns(mlir::RewritePatternSet &patterns);

} // namespace llama4c

#endif // LLAMA4C_PASSES_LOWERING_PASSES_H
