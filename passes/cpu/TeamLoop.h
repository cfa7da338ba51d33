//===- TeamLoop.h - Parallel loops on the OpenMP team, when worth it -*- C++
//-*-===//
//
// What --llama4-tile-contractions and --llama4-distribute-loops share:
// waking the team costs microseconds, so each parallel region takes it
// under a condition (llama4c::teamCondition) and runs on the calling
// thread otherwise.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_PASSES_CPU_TEAMLOOP_H
#define LLAMA4C_PASSES_CPU_TEAMLOOP_H

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"

namespace llama4c {

/// The dims of a parallel loop nest of `count` that the team shares: all
/// but the innermost, which stays a sequential loop inside each iteration
/// (consecutive elements, which LLVM vectorises; a collapsed loop would
/// recover every index by division). One dim is shared whole.
inline int64_t sharedDims(int64_t count) { return count > 1 ? count - 1 : 1; }

/// `loop` (without reductions) as an OpenMP worksharing loop over its
/// shared dims in a parallel region that runs on the team when `onTeam`
/// holds (always when null), its innermost dim an scf.for inside.
void lowerToOpenMP(mlir::RewriterBase &rewriter, mlir::scf::ParallelOp loop,
                   mlir::Value onTeam);

} // namespace llama4c

#endif // LLAMA4C_PASSES_CPU_TEAMLOOP_H
