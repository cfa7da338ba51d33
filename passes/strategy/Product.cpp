//===- Product.cpp - A linalg.contract read as x * W ----------------------===//

#include "passes/strategy/Product.h"

using namespace mlir;

/// Rows along which vector loads may run: the last dimension contiguous.
/// A tensor's rows are, until bufferization gives it a layout.
static bool hasContiguousRows(Value value) {
  if (isa<RankedTensorType>(value.getType()))
    return true;
  auto type = dyn_cast<MemRefType>(value.getType());
  return type && type.isLastDimUnitStride();
}

FailureOr<llama4c::Product> llama4c::matchProduct(linalg::ContractOp op) {
  if (!(op.hasPureBufferSemantics() || op.hasPureTensorSemantics()) ||
      op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1)
    return failure();
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  AffineMap xMap = maps[0], wMap = maps[1], outMap = maps[2];
  // x reads (lead..., k), the output (lead..., n), W (n, k) or (k, n); k
  // is the only reduction.
  if (!outMap.isProjectedPermutation() || !xMap.isProjectedPermutation() ||
      wMap.getNumResults() != 2 || !wMap.isProjectedPermutation() ||
      outMap.getNumResults() != op.getNumLoops() - 1 ||
      xMap.getNumResults() != outMap.getNumResults() ||
      xMap.getNumResults() < 2)
    return failure();
  unsigned lead = outMap.getNumResults() - 1;
  AffineExpr k = xMap.getResult(lead), n = outMap.getResult(lead);
  WeightLayout layout;
  if (wMap.getResult(0) == n && wMap.getResult(1) == k)
    layout = WeightLayout::OutIn;
  else if (wMap.getResult(0) == k && wMap.getResult(1) == n)
    layout = WeightLayout::InOut;
  else
    return failure();
  for (unsigned i = 0; i < lead; ++i)
    if (xMap.getResult(i) != outMap.getResult(i))
      return failure();

  Product p{op.getDpsInputs()[0], op.getDpsInputs()[1], op.getDpsInits()[0],
            layout, ShapedType::kDynamic, std::nullopt};
  auto outType = cast<ShapedType>(p.out.getType());
  auto wType = cast<ShapedType>(p.weight.getType());
  if (!outType.getElementType().isF32() || !hasContiguousRows(p.x) ||
      !hasContiguousRows(p.weight) || !hasContiguousRows(p.out))
    return failure();
  p.depth = wType.getDimSize(layout == WeightLayout::OutIn ? 1 : 0);
  if (layout == WeightLayout::OutIn && ShapedType::isDynamic(p.depth))
    return failure();
  if (wType.hasStaticShape())
    p.weightBytes = wType.getNumElements() * wType.getElementTypeBitWidth() / 8;
  return p;
}
