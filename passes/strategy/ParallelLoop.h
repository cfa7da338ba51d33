//===- ParallelLoop.h - Loops that split between threads ------ -*- C++ -*-===//
//
// What --llama4-select-lowering-config checks before it distributes a
// loop-lowered CPU op, and what --llama4-distribute-loops relies on.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_PASSES_STRATEGY_PARALLELLOOP_H
#define LLAMA4C_PASSES_STRATEGY_PARALLELLOOP_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace llama4c {

/// Whether `op`'s loops lower to one parallel loop over all its parallel
/// dims with its reductions inside: at least one parallel dim, and every
/// parallel dim before every reduction.
bool hasOuterParallelLoop(mlir::linalg::LinalgOp op);

} // namespace llama4c

#endif // LLAMA4C_PASSES_STRATEGY_PARALLELLOOP_H
