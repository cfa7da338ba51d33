//===- LinalgBuilders.cpp - Pieces shared by the llama4 lowerings ---------===//

#include "passes/conversion/Llama4ToLinalg/LinalgBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/TypeUtilities.h"

#include <limits>

using namespace mlir;
using namespace llama4c;

Value Precision::widen(OpBuilder &b, Location loc, Value value) const {
  if (value.getType().isF32())
    return value;
  return arith::ExtFOp::create(b, loc, b.getF32Type(), value);
}

Value Precision::narrow(OpBuilder &b, Location loc, Value value) const {
  if (storage.isF32())
    return value;
  return arith::TruncFOp::create(b, loc, storage, value);
}

Value Precision::round(OpBuilder &b, Location loc, Value value) const {
  if (storage.isF32())
    return value;
  return widen(b, loc, narrow(b, loc, value));
}

Value llama4c::accumulate(OpBuilder &b, Location loc, Value acc, Value value) {
  return arith::AddFOp::create(
      b, loc, acc, value,
      arith::FastMathFlagsAttr::get(b.getContext(),
                                    arith::FastMathFlags::reassoc));
}

Type llama4c::elementTypeOf(Value value) {
  return getElementTypeOrSelf(value.getType());
}

SmallVector<utils::IteratorType> llama4c::iterators(unsigned parallel,
                                                    unsigned reductions) {
  SmallVector<utils::IteratorType> types(parallel,
                                         utils::IteratorType::parallel);
  types.append(reductions, utils::IteratorType::reduction);
  return types;
}

Value llama4c::emptyTensor(OpBuilder &b, Location loc,
                           ArrayRef<OpFoldResult> sizes, Type elementType) {
  return tensor::EmptyOp::create(b, loc, sizes, elementType);
}

Value llama4c::constantF32(OpBuilder &b, Location loc, float value) {
  return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(value));
}

Value llama4c::expBelowMax(OpBuilder &b, Location loc, Value x, Value max) {
  Value noneVisible = arith::CmpFOp::create(
      b, loc, arith::CmpFPredicate::OEQ, max,
      constantF32(b, loc, -std::numeric_limits<float>::infinity()));
  Value base = arith::SelectOp::create(b, loc, noneVisible,
                                       constantF32(b, loc, 0.0f), max);
  return math::ExpOp::create(b, loc, arith::SubFOp::create(b, loc, x, base));
}

Value llama4c::zerosF32(OpBuilder &b, Location loc,
                        ArrayRef<OpFoldResult> sizes) {
  Value zero = constantF32(b, loc, 0.0f);
  Value empty = emptyTensor(b, loc, sizes, b.getF32Type());
  return linalg::FillOp::create(b, loc, ValueRange{zero}, ValueRange{empty})
      .getResult(0);
}

Value llama4c::castElements(OpBuilder &b, Location loc, Value value,
                            Type elementType) {
  Type source = elementTypeOf(value);
  if (source == elementType)
    return value;
  auto type = cast<RankedTensorType>(value.getType());
  unsigned rank = type.getRank();
  bool widening =
      source.getIntOrFloatBitWidth() < elementType.getIntOrFloatBitWidth();
  AffineMap identity = b.getMultiDimIdentityMap(rank);
  return linalg::GenericOp::create(
             b, loc, TypeRange{type.clone(elementType)}, ValueRange{value},
             ValueRange{emptyTensor(b, loc, tensor::getMixedSizes(b, loc, value),
                                    elementType)},
             ArrayRef<AffineMap>{identity, identity}, iterators(rank),
             [&](OpBuilder &nb, Location nloc, ValueRange args) {
               Value converted =
                   widening
                       ? Value(arith::ExtFOp::create(nb, nloc, elementType,
                                                     args[0]))
                       : Value(arith::TruncFOp::create(nb, nloc, elementType,
                                                       args[0]));
               linalg::YieldOp::create(nb, nloc, converted);
             })
      .getResult(0);
}

Value llama4c::buildContraction(OpBuilder &b, Location loc, Value x, Value w,
                                Value acc, ArrayRef<AffineMap> maps) {
  return linalg::ContractOp::create(b, loc, TypeRange{acc.getType()},
                                    ValueRange{x, w}, ValueRange{acc},
                                    b.getAffineMapArrayAttr(maps))
      .getResult(0);
}

Value llama4c::buildLinearF32(OpBuilder &b, Location loc, Value x,
                              Value weight, Value bias) {
  // Loops (n, d0 .. d{r-2}, k) for x of rank r: x reads (lead..., k), the
  // weight (n, k), the result (lead..., n). With n outermost each weight row
  // is read once and reused for every token, so a prefill streams the
  // weights once rather than once per token.
  auto xType = cast<RankedTensorType>(x.getType());
  unsigned rank = xType.getRank(), lead = rank - 1;
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineExpr> leadDims;
  for (unsigned i = 0; i < lead; ++i)
    leadDims.push_back(getAffineDimExpr(i + 1, ctx));
  AffineExpr n = getAffineDimExpr(0, ctx), k = getAffineDimExpr(rank, ctx);
  auto map = [&](ArrayRef<AffineExpr> tail) {
    SmallVector<AffineExpr> exprs(leadDims);
    exprs.append(tail.begin(), tail.end());
    return AffineMap::get(rank + 1, 0, exprs, ctx);
  };
  AffineMap xMap = map({k});
  AffineMap wMap = AffineMap::get(rank + 1, 0, {n, k}, ctx);
  AffineMap outMap = map({n});

  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, x);
  sizes.back() = tensor::getMixedSize(b, loc, weight, 0);
  Value product =
      buildContraction(b, loc, x, weight, zerosF32(b, loc, sizes),
                       {xMap, wMap, outMap});
  if (!bias)
    return product;

  AffineMap identity = b.getMultiDimIdentityMap(rank);
  AffineMap lastDim =
      AffineMap::get(rank, 0, {getAffineDimExpr(rank - 1, ctx)}, ctx);
  Precision bPrecision(elementTypeOf(bias));
  return linalg::GenericOp::create(
             b, loc, TypeRange{product.getType()}, ValueRange{bias},
             ValueRange{product}, ArrayRef<AffineMap>{lastDim, identity},
             iterators(rank),
             [&](OpBuilder &nb, Location nloc, ValueRange args) {
               Value sum = arith::AddFOp::create(
                   nb, nloc, args[1], bPrecision.widen(nb, nloc, args[0]));
               linalg::YieldOp::create(nb, nloc, sum);
             })
      .getResult(0);
}

AffineMap llama4c::dims(MLIRContext *ctx, unsigned rank,
                         ArrayRef<unsigned> which) {
  SmallVector<AffineExpr> exprs;
  for (unsigned dim : which)
    exprs.push_back(getAffineDimExpr(dim, ctx));
  return AffineMap::get(rank, 0, exprs, ctx);
}

Value llama4c::rotateInterleavedPair(OpBuilder &b, Location loc, Value x,
                                     ValueRange index, Value self, Value angle,
                                     const Precision &precision) {
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value two = arith::ConstantIndexOp::create(b, loc, 2);
  Value lane = index.back();
  Value isOdd = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                      arith::RemUIOp::create(b, loc, lane, two),
                                      one);
  SmallVector<Value> partnerIndex(index);
  partnerIndex.back() = arith::XOrIOp::create(b, loc, lane, one);
  Value partner = precision.widen(
      b, loc, tensor::ExtractOp::create(b, loc, x, partnerIndex));
  Value cos = math::CosOp::create(b, loc, angle);
  Value sin = math::SinOp::create(b, loc, angle);
  Value selfCos = arith::MulFOp::create(b, loc, self, cos);
  Value partnerSin = arith::MulFOp::create(b, loc, partner, sin);
  Value even = arith::SubFOp::create(b, loc, selfCos, partnerSin);
  Value odd = arith::AddFOp::create(b, loc, partnerSin, selfCos);
  return precision.narrow(b, loc,
                          arith::SelectOp::create(b, loc, isOdd, odd, even));
}

Value llama4c::buildActivation(OpBuilder &b, Location loc, bool isSilu,
                               Value x) {
  auto constant = [&](float value) { return constantF32(b, loc, value); };
  if (isSilu) {
    // x / (1 + exp(-x)), as PyTorch's silu kernel computes it.
    Value negated = arith::NegFOp::create(b, loc, x);
    Value denominator = arith::AddFOp::create(
        b, loc, constant(1.0f), math::ExpOp::create(b, loc, negated));
    return arith::DivFOp::create(b, loc, x, denominator);
  }
  Value scaled = arith::MulFOp::create(b, loc, x, constant(0.70710678118654752f));
  Value onePlusErf = arith::AddFOp::create(b, loc, constant(1.0f),
                                           math::ErfOp::create(b, loc, scaled));
  Value half = arith::MulFOp::create(b, loc, x, constant(0.5f));
  return arith::MulFOp::create(b, loc, half, onePlusErf);
}

Value llama4c::buildMap(
    OpBuilder &b, Location loc, ValueRange inputs, ArrayRef<AffineMap> inputMaps,
    Value init, function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  auto type = cast<RankedTensorType>(init.getType());
  SmallVector<AffineMap> maps(inputMaps);
  maps.push_back(b.getMultiDimIdentityMap(type.getRank()));
  return linalg::GenericOp::create(
             b, loc, TypeRange{type}, inputs, ValueRange{init}, maps,
             iterators(type.getRank()),
             [&](OpBuilder &nb, Location nloc, ValueRange args) {
               linalg::YieldOp::create(nb, nloc, body(nb, nloc, args));
             })
      .getResult(0);
}

Value llama4c::buildLastDimReduction(
    OpBuilder &b, Location loc, Value input, Value init,
    function_ref<Value(OpBuilder &, Location, Value, Value)> body) {
  unsigned rank = cast<RankedTensorType>(input.getType()).getRank();
  AffineMap identity = b.getMultiDimIdentityMap(rank);
  return linalg::GenericOp::create(
             b, loc, TypeRange{init.getType()}, ValueRange{input},
             ValueRange{init},
             ArrayRef<AffineMap>{identity, identity.dropResult(rank - 1)},
             iterators(rank - 1, 1),
             [&](OpBuilder &nb, Location nloc, ValueRange args) {
               linalg::YieldOp::create(nb, nloc,
                                       body(nb, nloc, args[0], args[1]));
             })
      .getResult(0);
}

Value llama4c::sliceLeading(OpBuilder &b, Location loc, Value tensor,
                            ValueRange index) {
  auto type = cast<RankedTensorType>(tensor.getType());
  SmallVector<OpFoldResult> offsets(type.getRank(), b.getIndexAttr(0));
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, tensor);
  for (auto [dim, value] : llvm::enumerate(index)) {
    offsets[dim] = value;
    sizes[dim] = b.getIndexAttr(1);
  }
  SmallVector<OpFoldResult> strides(type.getRank(), b.getIndexAttr(1));
  auto sliceType = RankedTensorType::get(
      type.getShape().drop_front(index.size()), type.getElementType());
  return tensor::ExtractSliceOp::create(b, loc, sliceType, tensor, offsets,
                                        sizes, strides);
}

Value llama4c::insertLeading(OpBuilder &b, Location loc, Value value,
                             Value into, ValueRange index) {
  auto type = cast<RankedTensorType>(into.getType());
  SmallVector<OpFoldResult> offsets(type.getRank(), b.getIndexAttr(0));
  SmallVector<OpFoldResult> sizes(index.size(), b.getIndexAttr(1));
  llvm::append_range(sizes, tensor::getMixedSizes(b, loc, value));
  for (auto [dim, position] : llvm::enumerate(index))
    offsets[dim] = position;
  SmallVector<OpFoldResult> strides(type.getRank(), b.getIndexAttr(1));
  return tensor::InsertSliceOp::create(b, loc, value, into, offsets, sizes,
                                       strides);
}

Value llama4c::buildLinear(OpBuilder &b, Location loc, Value x, Value weight,
                           Value bias) {
  return castElements(b, loc, buildLinearF32(b, loc, x, weight, bias),
                      elementTypeOf(x));
}

Value llama4c::buildGatedMlp(OpBuilder &b, Location loc, Value x, Value gate,
                             Value up, Value down, bool isSilu) {
  Value gated = buildLinear(b, loc, x, gate, Value());
  Value upped = buildLinear(b, loc, x, up, Value());
  auto type = cast<RankedTensorType>(gated.getType());
  AffineMap identity = b.getMultiDimIdentityMap(type.getRank());
  Precision precision(type.getElementType());
  Value hidden = buildMap(
      b, loc, {gated, upped}, {identity, identity},
      emptyTensor(b, loc, tensor::getMixedSizes(b, loc, gated),
                  type.getElementType()),
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value activated = precision.round(
            nb, nloc,
            buildActivation(nb, nloc, isSilu,
                            precision.widen(nb, nloc, args[0])));
        Value product = arith::MulFOp::create(
            nb, nloc, activated, precision.widen(nb, nloc, args[1]));
        return precision.narrow(nb, nloc, product);
      });
  return buildLinear(b, loc, hidden, down, Value());
}
