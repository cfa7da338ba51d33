//===- ParallelLoop.cpp - Loops that split between threads ----------------===//

#include "passes/strategy/ParallelLoop.h"

#include "mlir/Dialect/Linalg/Utils/Utils.h"

using namespace mlir;

bool llama4c::hasOuterParallelLoop(linalg::LinalgOp op) {
  auto iterators = op.getIteratorTypesArray();
  auto reductions = llvm::find_if_not(iterators, linalg::isParallelIterator);
  return reductions != iterators.begin() &&
         std::all_of(reductions, iterators.end(), linalg::isReductionIterator);
}
