//===- Sum.cpp - A linalg.generic read as a sum over one loop -------------===//

#include "passes/strategy/Sum.h"

#include "mlir/IR/Matchers.h"

using namespace mlir;

FailureOr<llama4c::Sum> llama4c::matchSum(linalg::GenericOp op) {
  if (!op.hasPureTensorSemantics() || op.getNumDpsInits() != 1 ||
      op.getNumReductionLoops() != 1)
    return failure();
  OpOperand *init = op.getDpsInitOperand(0);
  auto fill = init->get().getDefiningOp<linalg::FillOp>();
  if (!fill || !getElementTypeOrSelf(init->get().getType()).isF32() ||
      !matchPattern(fill.getInputs()[0], m_PosZeroFloat()))
    return failure();
  if (!addsIntoItsOutput(op))
    return failure();
  SmallVector<unsigned> reductions;
  op.getReductionDims(reductions);
  int64_t depth = op.getStaticLoopRanges()[reductions.front()];
  if (ShapedType::isDynamic(depth))
    return failure();
  AffineExpr loop = getAffineDimExpr(reductions.front(), op.getContext());
  for (OpOperand *input : op.getDpsInputOperands())
    for (AffineExpr index : op.getMatchingIndexingMap(input).getResults())
      if (index != loop && index.isFunctionOfDim(reductions.front()))
        return failure();
  return Sum{reductions.front(), depth};
}

bool llama4c::readsAlongRow(AffineMap map, unsigned loop) {
  for (AffineExpr result : map.getResults().drop_back())
    if (result.isFunctionOfDim(loop))
      return false;
  return map.getNumResults() > 0 &&
         map.getResults().back() == getAffineDimExpr(loop, map.getContext());
}

bool llama4c::addsIntoItsOutput(linalg::LinalgOp op) {
  if (op.getNumDpsInits() != 1)
    return false;
  BlockArgument sum = op.getMatchingBlockArgument(op.getDpsInitOperand(0));
  auto add = op.getBlock()
                 ->getTerminator()
                 ->getOperand(0)
                 .getDefiningOp<arith::AddFOp>();
  return add && add.getType().isF32() && sum.hasOneUse() &&
         (add.getLhs() == sum || add.getRhs() == sum);
}
