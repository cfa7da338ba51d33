//===- Sum.h - A linalg.generic read as a sum over one loop -----*- C++ -*-===//
//
// The form of reduction that splits into partial sums (split-K): what
// --llama4-select-lowering-config checks before it gives an op a
// `split_k`, and what --llama4-gpu-split-reduction takes apart.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_PASSES_STRATEGY_SUM_H
#define LLAMA4C_PASSES_STRATEGY_SUM_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace llama4c {

/// `out[...] = zeros[...] + sum over loop `loop` of body(...)` in f32 on
/// tensors: one init, a zero fill, its block argument read only by the
/// `arith.addf` the body yields, and one reduction loop of static extent,
/// which every input reads as a whole dimension (or not at all).
struct Sum {
  /// The reduction loop and its extent.
  unsigned loop;
  int64_t depth;
};

/// `op` as such a sum, or failure.
mlir::FailureOr<Sum> matchSum(mlir::linalg::GenericOp op);

/// Whether `map`'s results read loop `loop` in the last one alone, as the
/// loop index itself: consecutive iterations, consecutive elements.
bool readsAlongRow(mlir::AffineMap map, unsigned loop);

/// Whether `op`'s one output is an f32 running sum: its block argument
/// read once, by the `arith.addf` the body yields (so that partial sums
/// add up).
bool addsIntoItsOutput(mlir::linalg::LinalgOp op);

} // namespace llama4c

#endif // LLAMA4C_PASSES_STRATEGY_SUM_H
