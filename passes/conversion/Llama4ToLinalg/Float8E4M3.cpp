//===- Float8E4M3.cpp - KV caches stored as float8 e4m3 -------------------===//
//
// e4m3 (OCP FP8, the "fn" variant): sign, 4 exponent bits biased by 7, 3
// mantissa bits; no infinities, max 448 (0x7E), subnormals m * 2^-9. A
// normal code's 7 magnitude bits are an f32's exponent and top mantissa
// bits shifted right by 20, the exponent rebiased by 127 - 7 = 120; so
// rounding an f32 to e4m3 is rounding away its low 20 bits.
//
//===----------------------------------------------------------------------===//

#include "passes/conversion/Llama4ToLinalg/Float8E4M3.h"

#include "passes/conversion/Llama4ToLinalg/LinalgBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace llama4c;

namespace {

constexpr int32_t kRebias = (127 - 7) << 23; // f32 exponent bias - e4m3's
constexpr int32_t kMaxCode = 0x7E;           // 448
constexpr float kSmallestNormal = 0x1p-6f;
constexpr float kSubnormalStep = 0x1p-9f;

Value i32(OpBuilder &b, Location loc, int32_t value) {
  return arith::ConstantIntOp::create(b, loc, value, 32);
}

/// The e4m3 code (i8) of f32 `value`, |value| < 464, rounded to nearest
/// even.
Value encode(OpBuilder &b, Location loc, Value value) {
  Type i32Type = b.getI32Type();
  Value bits = arith::BitcastOp::create(b, loc, i32Type, value);
  Value sign = arith::AndIOp::create(
      b, loc, arith::ShRUIOp::create(b, loc, bits, i32(b, loc, 24)),
      i32(b, loc, 0x80));
  Value magnitude =
      arith::AndIOp::create(b, loc, bits, i32(b, loc, 0x7FFFFFFF));
  // Normal: round the low 20 bits to nearest even, then rebias.
  Value odd = arith::AndIOp::create(
      b, loc, arith::ShRUIOp::create(b, loc, magnitude, i32(b, loc, 20)),
      i32(b, loc, 1));
  Value rounded = arith::AddIOp::create(
      b, loc, magnitude,
      arith::AddIOp::create(b, loc, odd, i32(b, loc, (1 << 19) - 1)));
  Value normal = arith::ShRUIOp::create(
      b, loc, arith::SubIOp::create(b, loc, rounded, i32(b, loc, kRebias)),
      i32(b, loc, 20));
  // Subnormal: a multiple of 2^-9, rounded; 8 of them is the smallest
  // normal's code.
  Value absolute = math::AbsFOp::create(b, loc, value);
  Value subnormal = arith::FPToSIOp::create(
      b, loc, i32Type,
      math::RoundEvenOp::create(
          b, loc,
          arith::MulFOp::create(b, loc, absolute,
                                constantF32(b, loc, 1 / kSubnormalStep))));
  Value isSubnormal =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, absolute,
                            constantF32(b, loc, kSmallestNormal));
  Value code = arith::MinSIOp::create(
      b, loc, arith::SelectOp::create(b, loc, isSubnormal, subnormal, normal),
      i32(b, loc, kMaxCode));
  return arith::TruncIOp::create(b, loc, b.getI8Type(),
                                 arith::OrIOp::create(b, loc, code, sign));
}

/// The f32 value of e4m3 `code` (i8).
Value decode(OpBuilder &b, Location loc, Value code) {
  Value bits = arith::ExtUIOp::create(b, loc, b.getI32Type(), code);
  Value magnitude = arith::AndIOp::create(b, loc, bits, i32(b, loc, 0x7F));
  Value normal = arith::BitcastOp::create(
      b, loc, b.getF32Type(),
      arith::AddIOp::create(
          b, loc, arith::ShLIOp::create(b, loc, magnitude, i32(b, loc, 20)),
          i32(b, loc, kRebias)));
  Value subnormal = arith::MulFOp::create(
      b, loc, arith::UIToFPOp::create(b, loc, b.getF32Type(), magnitude),
      constantF32(b, loc, kSubnormalStep));
  Value value = arith::SelectOp::create(
      b, loc,
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, magnitude,
                            i32(b, loc, 8)),
      subnormal, normal);
  Value negative = arith::CmpIOp::create(
      b, loc, arith::CmpIPredicate::ne,
      arith::AndIOp::create(b, loc, bits, i32(b, loc, 0x80)), i32(b, loc, 0));
  return arith::SelectOp::create(b, loc, negative,
                                 arith::NegFOp::create(b, loc, value), value);
}

/// 2^(e - 7) for e the exponent of f32 `maxAbs`, clamped to [-119, 127]
/// so that the scale and its reciprocal are normal f32s.
Value scaleOf(OpBuilder &b, Location loc, Value maxAbs) {
  Value exponent = arith::ShRUIOp::create(
      b, loc, arith::BitcastOp::create(b, loc, b.getI32Type(), maxAbs),
      i32(b, loc, 23));
  Value clamped = arith::MaxSIOp::create(
      b, loc, arith::MinSIOp::create(b, loc, exponent, i32(b, loc, 127 + 127)),
      i32(b, loc, 127 - 119));
  return arith::BitcastOp::create(
      b, loc, b.getF32Type(),
      arith::ShLIOp::create(
          b, loc, arith::SubIOp::create(b, loc, clamped, i32(b, loc, 7)),
          i32(b, loc, 23)));
}

/// The map of [..., 1] scales from the loops of [..., d] vectors.
AffineMap scaleMap(MLIRContext *ctx, unsigned rank) {
  SmallVector<AffineExpr> results;
  for (unsigned dim = 0; dim + 1 < rank; ++dim)
    results.push_back(getAffineDimExpr(dim, ctx));
  results.push_back(getAffineConstantExpr(0, ctx));
  return AffineMap::get(rank, 0, results, ctx);
}

} // namespace

std::pair<Value, Value> llama4c::quantizeE4M3Rows(OpBuilder &b, Location loc,
                                                  Value rows) {
  MLIRContext *ctx = b.getContext();
  auto type = cast<RankedTensorType>(rows.getType());
  unsigned rank = type.getRank();
  Precision precision(type.getElementType());
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, rows);
  Value maxAbs = buildLastDimReduction(
      b, loc, rows, zerosF32(b, loc, ArrayRef(sizes).drop_back()),
      [&](OpBuilder &nb, Location nloc, Value element, Value acc) {
        return Value(arith::MaximumFOp::create(
            nb, nloc,
            math::AbsFOp::create(nb, nloc, precision.widen(nb, nloc, element)),
            acc));
      });
  SmallVector<OpFoldResult> scaleSizes(sizes);
  scaleSizes.back() = b.getIndexAttr(1);
  SmallVector<unsigned> leading;
  for (unsigned dim = 0; dim + 1 < rank; ++dim)
    leading.push_back(dim);
  Value scales = buildMap(b, loc, {maxAbs}, {dims(ctx, rank, leading)},
                          emptyTensor(b, loc, scaleSizes, b.getF32Type()),
                          [&](OpBuilder &nb, Location nloc, ValueRange args) {
                            return scaleOf(nb, nloc, args[0]);
                          });
  Type f8 = Float8E4M3FNType::get(ctx);
  Value codes =
      buildMap(b, loc, {rows, scales},
               {b.getMultiDimIdentityMap(rank), scaleMap(ctx, rank)},
               emptyTensor(b, loc, sizes, f8),
               [&](OpBuilder &nb, Location nloc, ValueRange args) {
                 // Division by a power of two is exact.
                 Value scaled = arith::DivFOp::create(
                     nb, nloc, precision.widen(nb, nloc, args[0]), args[1]);
                 return Value(arith::BitcastOp::create(
                     nb, nloc, f8, encode(nb, nloc, scaled)));
               });
  return {codes, scales};
}

Value llama4c::dequantizeE4M3Rows(OpBuilder &b, Location loc, Value codes,
                                  Value scales, Type elementType) {
  unsigned rank = cast<RankedTensorType>(codes.getType()).getRank();
  Precision precision(elementType);
  return buildMap(
      b, loc, {codes, scales},
      {b.getMultiDimIdentityMap(rank), scaleMap(b.getContext(), rank)},
      emptyTensor(b, loc, tensor::getMixedSizes(b, loc, codes), elementType),
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value code =
            arith::BitcastOp::create(nb, nloc, nb.getI8Type(), args[0]);
        return precision.narrow(
            nb, nloc,
            arith::MulFOp::create(nb, nloc, decode(nb, nloc, code), args[1]));
      });
}
