//===- AdjacentRuns.h - Runs of adjacent independent ops --------*- C++ -*-===//
//
// Warp reductions, and the shuffles they become, that sit next to each
// other and read none of each other's results can be issued together: the
// lowering steps their butterflies together, the host emulation runs their
// shuffles between one pair of barriers.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_PASSES_GPU_ADJACENTRUNS_H
#define LLAMA4C_PASSES_GPU_ADJACENTRUNS_H

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/Operation.h"
#include "llvm/ADT/STLExtras.h"

namespace llama4c {

/// The `OpTy` ops under `root` that `accept` takes, in runs of adjacent
/// ops (one after another in a block) none of which reads a result of an
/// earlier op of its run.
template <typename OpTy, typename Root>
llvm::SmallVector<llvm::SmallVector<OpTy>>
adjacentIndependentRuns(Root &root, llvm::function_ref<bool(OpTy)> accept) {
  llvm::SmallVector<llvm::SmallVector<OpTy>> runs;
  root.walk([&](OpTy op) {
    if (!accept(op))
      return;
    auto previous = llvm::dyn_cast_or_null<OpTy>(op->getPrevNode());
    auto inRun = [&](mlir::Value operand) {
      mlir::Operation *def = operand.getDefiningOp();
      return def && llvm::any_of(runs.back(), [&](OpTy earlier) {
               return earlier.getOperation() == def;
             });
    };
    bool joins = previous && !runs.empty() && runs.back().back() == previous &&
                 llvm::none_of(op->getOperands(), inRun);
    if (!joins)
      runs.emplace_back();
    runs.back().push_back(op);
  });
  return runs;
}

/// Whether `op` holds a shuffle, which every lane of its warp must reach
/// together.
inline bool containsShuffle(mlir::Operation *op) {
  return op
      ->walk([](mlir::gpu::ShuffleOp) { return mlir::WalkResult::interrupt(); })
      .wasInterrupted();
}

} // namespace llama4c

#endif // LLAMA4C_PASSES_GPU_ADJACENTRUNS_H
