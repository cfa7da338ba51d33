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

#include <optional>

namespace llama4c {

/// Fewest multiply-adds of a parallel region (a product's split loop, a
/// call's attention heads) for which the host's threads share it. Waking
/// the OpenMP team and joining it costs 2-7 us (libomp on two cores); 2^18
/// multiply-adds take a thread about 13 us on cached operands (prefill's
/// tiles) and 90 us streaming f32 weights (decode), so a second thread
/// saves more than it costs. A decode step's small products and its
/// attention over a short cache stay on the calling thread.
constexpr int64_t kTeamMultiplyAdds = 1 << 18;

/// When a parallel loop of `trips` iterations doing `work` in all takes
/// the team: `work` reaches `minWork` and there are two iterations or
/// more. Folded where both are constants: std::nullopt when it never
/// does, a null Value when it always does; an i1 otherwise.
std::optional<mlir::Value> teamCondition(mlir::OpBuilder &b, mlir::Location loc,
                                         mlir::Value work, int64_t minWork,
                                         mlir::Value trips);

/// Whether `op`'s loops lower to one parallel loop over all its parallel
/// dims with its reductions inside: at least one parallel dim, and every
/// parallel dim before every reduction.
bool hasOuterParallelLoop(mlir::linalg::LinalgOp op);

} // namespace llama4c

#endif // LLAMA4C_PASSES_STRATEGY_PARALLELLOOP_H
