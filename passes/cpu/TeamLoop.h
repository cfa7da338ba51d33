//===- TeamLoop.h - Parallel loops on the OpenMP team, when worth it -*- C++ -*-===//
//
// What --llama4-tile-contractions and --llama4-distribute-loops share:
// waking the team costs microseconds, so each parallel region states when
// its work pays for it, and runs on the calling thread otherwise.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_PASSES_CPU_TEAMLOOP_H
#define LLAMA4C_PASSES_CPU_TEAMLOOP_H

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"

#include <optional>

namespace llama4c {

/// The dims of a parallel loop nest of `count` that the team shares: all
/// but the innermost, which stays a sequential loop inside each iteration
/// (consecutive elements, which LLVM vectorises; a collapsed loop would
/// recover every index by division). One dim is shared whole.
inline int64_t sharedDims(int64_t count) { return count > 1 ? count - 1 : 1; }

/// When a parallel loop of `trips` iterations doing `work` in all takes
/// the team: `work` reaches `minWork` and there are two iterations or
/// more. Folded where both are constants: std::nullopt when it never
/// does, a null Value when it always does; an i1 otherwise.
std::optional<mlir::Value> teamCondition(mlir::OpBuilder &b,
                                         mlir::Location loc, mlir::Value work,
                                         int64_t minWork, mlir::Value trips);

/// `loop` (without reductions) as an OpenMP worksharing loop over its
/// shared dims in a parallel region that runs on the team when `onTeam`
/// holds (always when null), its innermost dim an scf.for inside.
void lowerToOpenMP(mlir::RewriterBase &rewriter, mlir::scf::ParallelOp loop,
                   mlir::Value onTeam);

} // namespace llama4c

#endif // LLAMA4C_PASSES_CPU_TEAMLOOP_H
