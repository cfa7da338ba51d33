//===- ParallelLoop.h - Loops that split between threads ------ -*- C++ -*-===//
//
// What --llama4-select-lowering-config checks before it distributes a
// loop-lowered CPU op, and what --llama4-distribute-loops relies on; how
// much work a parallel region needs before the host's threads share it.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_PASSES_STRATEGY_PARALLELLOOP_H
#define LLAMA4C_PASSES_STRATEGY_PARALLELLOOP_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace llama4c {

/// Fewest multiply-adds of a parallel region (a product's split loop, a
/// call's attention heads) for which the host's threads share it. Waking
/// the OpenMP team and joining it costs 2-7 us (libomp on two cores); 2^18
/// multiply-adds take a thread about 13 us on cached operands (prefill's
/// tiles) and 90 us streaming f32 weights (decode), so a second thread
/// saves more than it costs. A decode step's small products and its
/// attention over a short cache stay on the calling thread.
constexpr int64_t kTeamMultiplyAdds = 1 << 18;

/// Whether `op`'s loops lower to one parallel loop over all its parallel
/// dims with its reductions inside: at least one parallel dim, and every
/// parallel dim before every reduction.
bool hasOuterParallelLoop(mlir::linalg::LinalgOp op);

} // namespace llama4c

#endif // LLAMA4C_PASSES_STRATEGY_PARALLELLOOP_H
