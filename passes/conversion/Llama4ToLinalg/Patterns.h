//===- Patterns.h - The llama4 -> linalg patterns of each op family -*- C++ -*-===//
//
// One populate function per op family (one file each); the pass
// --llama4-convert-to-linalg (ConvertLlama4ToLinalg.cpp) applies them all.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_PASSES_CONVERSION_LLAMA4TOLINALG_PATTERNS_H
#define LLAMA4C_PASSES_CONVERSION_LLAMA4TOLINALG_PATTERNS_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

namespace llama4c {

void populateAttentionToLinalgPatterns(mlir::RewritePatternSet &patterns,
                                       int64_t keyBlock);
void populateGreedyTokenToLinalgPatterns(mlir::RewritePatternSet &patterns);
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

#endif // LLAMA4C_PASSES_CONVERSION_LLAMA4TOLINALG_PATTERNS_H
