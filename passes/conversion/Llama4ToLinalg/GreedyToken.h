//===- GreedyToken.h - How greedy decoding ranks logits ---------*- C++ -*-===//
//
// llama4.greedy_token lowers to reductions over (best logit, its index)
// pairs, marked with kGreedyTokenAttr. The ranking lives here once: the
// lowering builds their bodies with it and a GPU warp combines its lanes'
// pairs with it (--llama4-gpu-linalg-to-kernel-loops).
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_PASSES_CONVERSION_LLAMA4TOLINALG_GREEDYTOKEN_H
#define LLAMA4C_PASSES_CONVERSION_LLAMA4TOLINALG_GREEDYTOKEN_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace llama4c {

/// On a linalg.generic whose two outputs are (f32 best logit, i32 index),
/// starting at (-inf, -1), and whose body keeps the pair that
/// greedyPrefers ranks first: a reduction whose partial pairs may be
/// combined in any order.
constexpr llvm::StringLiteral kGreedyTokenAttr = "llama4.greedy_token";

/// The index that logit `logit` at `index` (i32) competes with: -1 for a
/// NaN or +inf logit, which no sampler can draw from.
mlir::Value greedyCandidateIndex(mlir::OpBuilder &b, mlir::Location loc,
                                 mlir::Value logit, mlir::Value index);

/// Whether the pair (logit, index) ranks before (other, otherIndex): a NaN
/// or +inf logit first (its index -1), then the larger logit, then the
/// smaller index. The initial (-inf, -1) thus stays unless a logit above
/// -inf or a NaN or +inf one comes, and the result is the first of equal
/// maxima, as torch.argmax's.
mlir::Value greedyPrefers(mlir::OpBuilder &b, mlir::Location loc,
                          mlir::Value logit, mlir::Value index,
                          mlir::Value other, mlir::Value otherIndex);

/// Whether `op` carries kGreedyTokenAttr.
inline bool isGreedyTokenReduction(mlir::linalg::LinalgOp op) {
  return op->hasAttr(kGreedyTokenAttr);
}

} // namespace llama4c

#endif // LLAMA4C_PASSES_CONVERSION_LLAMA4TOLINALG_GREEDYTOKEN_H
