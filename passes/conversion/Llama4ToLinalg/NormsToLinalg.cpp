//===- NormsToLinalg.cpp - llama4 rms_norm, qk_norm, layer_norm -> linalg -===//
//
// rms_norm and qk_norm are transformers' RMS norm over the last dimension:
//   y = round(x * rsqrt(mean(x^2) + eps))          (Llama4TextL2Norm, qk_norm)
//   y = round(round(x * rsqrt(mean(x^2) + eps)) * w)  (Llama4TextRMSNorm)
// with x widened to f32; the normalised value is rounded to the activation
// type before the weight multiply, as `_norm(x.float()).type_as(x)` does.
// Two linalg.generic ops: a sum-of-squares reduction per row, then a map.
//
// layer_norm is PyTorch's nn.LayerNorm of the vision tower: mean and
// (biased) variance in f32, then `(x - mean) * rsqrt(var + eps) * w + b`
// in f32, rounded once. The variance is a second pass over the row, sum of
// (x - mean)^2, rather than PyTorch's Welford update; both are exact to f32
// rounding.
//
//===----------------------------------------------------------------------===//

#include "dialects/llama4/IR/Llama4Dialect.h"
#include "passes/conversion/Llama4ToLinalg/LinalgBuilders.h"
#include "passes/conversion/Llama4ToLinalg/Patterns.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace llama4c;

namespace {

/// The length of the rows being normalised (the last of `sizes`) as f32,
/// for means.
Value rowWidthF32(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes) {
  Value width = arith::IndexCastOp::create(
      b, loc, b.getI64Type(),
      getValueOrCreateConstantIndexOp(b, loc, sizes.back()));
  return arith::SIToFPOp::create(b, loc, b.getF32Type(), width);
}

/// RMS-normalises `x` over its last dimension; multiplies by `weight` when
/// it is non-null.
Value buildRmsNorm(OpBuilder &b, Location loc, Value x, Value weight,
                   double eps) {
  auto type = cast<RankedTensorType>(x.getType());
  unsigned rank = type.getRank();
  MLIRContext *ctx = b.getContext();
  AffineMap identity = b.getMultiDimIdentityMap(rank);
  AffineMap rowMap = identity.dropResult(rank - 1);
  AffineMap lastMap = AffineMap::get(rank, 0, getAffineDimExpr(rank - 1, ctx));
  Precision precision(type.getElementType());

  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, x);
  SmallVector<OpFoldResult> rowSizes(sizes.begin(), sizes.end() - 1);
  Value zeros = zerosF32(b, loc, rowSizes);
  Value sumOfSquares =
      linalg::GenericOp::create(
          b, loc, TypeRange{zeros.getType()}, ValueRange{x}, ValueRange{zeros},
          ArrayRef<AffineMap>{identity, rowMap}, iterators(rank - 1, 1),
          [&](OpBuilder &nb, Location nloc, ValueRange args) {
            Value v = precision.widen(nb, nloc, args[0]);
            Value square = arith::MulFOp::create(nb, nloc, v, v);
            linalg::YieldOp::create(nb, nloc,
                                    accumulate(nb, nloc, args[1], square));
          })
          .getResult(0);

  // eps is added in f32 as PyTorch adds a Python float to a float32 tensor.
  Value widthF32 = rowWidthF32(b, loc, sizes);
  Value epsF32 = arith::ConstantOp::create(
      b, loc, b.getF32FloatAttr(static_cast<float>(eps)));

  SmallVector<Value> inputs = {x, sumOfSquares};
  SmallVector<AffineMap> maps = {identity, rowMap};
  std::optional<Precision> weightPrecision;
  if (weight) {
    inputs.push_back(weight);
    maps.push_back(lastMap);
    weightPrecision.emplace(elementTypeOf(weight));
  }
  maps.push_back(identity);
  Value init = emptyTensor(b, loc, sizes, type.getElementType());
  return linalg::GenericOp::create(
             b, loc, TypeRange{type}, inputs, ValueRange{init}, maps,
             iterators(rank),
             [&](OpBuilder &nb, Location nloc, ValueRange args) {
               Value mean = arith::DivFOp::create(nb, nloc, args[1], widthF32);
               Value scale = math::RsqrtOp::create(
                   nb, nloc, arith::AddFOp::create(nb, nloc, mean, epsF32));
               Value normed = precision.round(
                   nb, nloc,
                   arith::MulFOp::create(
                       nb, nloc, precision.widen(nb, nloc, args[0]), scale));
               if (weightPrecision)
                 normed = arith::MulFOp::create(
                     nb, nloc, normed, weightPrecision->widen(nb, nloc, args[2]));
               linalg::YieldOp::create(nb, nloc,
                                       precision.narrow(nb, nloc, normed));
             })
      .getResult(0);
}

/// The sum over the last dimension of `term(x)` for each row of `x`, in f32.
Value buildRowSum(OpBuilder &b, Location loc, Value x,
                  function_ref<Value(OpBuilder &, Location, Value)> term) {
  Precision precision(elementTypeOf(x));
  SmallVector<OpFoldResult> rowSizes = tensor::getMixedSizes(b, loc, x);
  rowSizes.pop_back();
  return buildLastDimReduction(
      b, loc, x, zerosF32(b, loc, rowSizes),
      [&](OpBuilder &nb, Location nloc, Value element, Value acc) {
        return accumulate(nb, nloc, acc,
                          term(nb, nloc, precision.widen(nb, nloc, element)));
      });
}

Value buildLayerNorm(OpBuilder &b, Location loc, Value x, Value weight,
                     Value bias, double eps) {
  auto type = cast<RankedTensorType>(x.getType());
  unsigned rank = type.getRank();
  MLIRContext *ctx = b.getContext();
  AffineMap identity = b.getMultiDimIdentityMap(rank);
  AffineMap rowMap = identity.dropResult(rank - 1);
  AffineMap lastMap = AffineMap::get(rank, 0, getAffineDimExpr(rank - 1, ctx));
  Precision precision(type.getElementType()), wPrecision(elementTypeOf(weight)),
      bPrecision(elementTypeOf(bias));
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, x);
  SmallVector<OpFoldResult> rowSizes(sizes.begin(), sizes.end() - 1);
  Value width = rowWidthF32(b, loc, sizes);

  Value sum = buildRowSum(b, loc, x, [](OpBuilder &, Location, Value v) {
    return v;
  });
  Value mean = buildMap(b, loc, {sum}, {b.getMultiDimIdentityMap(rank - 1)},
                        emptyTensor(b, loc, rowSizes, b.getF32Type()),
                        [&](OpBuilder &nb, Location nloc, ValueRange args) {
                          return Value(
                              arith::DivFOp::create(nb, nloc, args[0], width));
                        });
  // sum((x - mean)^2), reading the mean of the row through a second input.
  Value squares =
      linalg::GenericOp::create(
          b, loc, TypeRange{sum.getType()}, ValueRange{x, mean},
          ValueRange{zerosF32(b, loc, rowSizes)},
          ArrayRef<AffineMap>{identity, rowMap, rowMap}, iterators(rank - 1, 1),
          [&](OpBuilder &nb, Location nloc, ValueRange args) {
            Value centred = arith::SubFOp::create(
                nb, nloc, precision.widen(nb, nloc, args[0]), args[1]);
            Value square = arith::MulFOp::create(nb, nloc, centred, centred);
            linalg::YieldOp::create(nb, nloc,
                                    accumulate(nb, nloc, args[2], square));
          })
          .getResult(0);
  Value epsF32 = arith::ConstantOp::create(
      b, loc, b.getF32FloatAttr(static_cast<float>(eps)));
  return buildMap(
      b, loc, {x, mean, squares, weight, bias},
      {identity, rowMap, rowMap, lastMap, lastMap},
      emptyTensor(b, loc, sizes, type.getElementType()),
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value variance = arith::DivFOp::create(nb, nloc, args[2], width);
        Value scale = math::RsqrtOp::create(
            nb, nloc, arith::AddFOp::create(nb, nloc, variance, epsF32));
        Value centred = arith::SubFOp::create(
            nb, nloc, precision.widen(nb, nloc, args[0]), args[1]);
        Value normed = arith::MulFOp::create(nb, nloc, centred, scale);
        Value affine = arith::AddFOp::create(
            nb, nloc,
            arith::MulFOp::create(nb, nloc, normed,
                                  wPrecision.widen(nb, nloc, args[3])),
            bPrecision.widen(nb, nloc, args[4]));
        return precision.narrow(nb, nloc, affine);
      });
}

struct RmsNormToLinalg : OpRewritePattern<llama4::RmsNormOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(llama4::RmsNormOp op,
                                PatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, buildRmsNorm(rewriter, op.getLoc(), op.getInput(),
                                        op.getWeight(),
                                        op.getEps().convertToDouble()));
    return success();
  }
};

struct QkNormToLinalg : OpRewritePattern<llama4::QkNormOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(llama4::QkNormOp op,
                                PatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, buildRmsNorm(rewriter, op.getLoc(), op.getInput(),
                                        /*weight=*/Value(),
                                        op.getEps().convertToDouble()));
    return success();
  }
};

struct LayerNormToLinalg : OpRewritePattern<llama4::LayerNormOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(llama4::LayerNormOp op,
                                PatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, buildLayerNorm(rewriter, op.getLoc(), op.getInput(),
                                          op.getWeight(), op.getBias(),
                                          op.getEps().convertToDouble()));
    return success();
  }
};

} // namespace

void llama4c::populateNormsToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<RmsNormToLinalg, QkNormToLinalg, LayerNormToLinalg>(
      patterns.getContext());
}
