//===- ParallelLoop.cpp - Loops that split between threads ----------------===//

#include "passes/strategy/ParallelLoop.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/Utils/Utils.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;

bool llama4c::hasOuterParallelLoop(linalg::LinalgOp op) {
  auto iterators = op.getIteratorTypesArray();
  auto reductions = llvm::find_if_not(iterators, linalg::isParallelIterator);
  return reductions != iterators.begin() &&
         std::all_of(reductions, iterators.end(), linalg::isReductionIterator);
}

std::optional<Value> llama4c::teamCondition(OpBuilder &b, Location loc,
                                            Value work, int64_t minWork,
                                            Value trips) {
  std::optional<int64_t> staticWork = getConstantIntValue(work);
  std::optional<int64_t> staticTrips = getConstantIntValue(trips);
  if ((staticWork && *staticWork < minWork) ||
      (staticTrips && *staticTrips < 2))
    return std::nullopt;
  auto atLeast = [&](Value count, int64_t bound) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::uge, count,
                                 arith::ConstantIndexOp::create(b, loc, bound))
        .getResult();
  };
  Value onTeam;
  if (!staticWork)
    onTeam = atLeast(work, minWork);
  if (!staticTrips) {
    Value several = atLeast(trips, 2);
    onTeam = onTeam ? arith::AndIOp::create(b, loc, onTeam, several).getResult()
                    : several;
  }
  return onTeam;
}
