//===- NormsToLinalg.cpp - llama4.rms_norm and llama4.qk_norm -> linalg ---===//
//
// Both are transformers' RMS norm over the last dimension:
//   y = round(x * rsqrt(mean(x^2) + eps))          (Llama4TextL2Norm, qk_norm)
//   y = round(round(x * rsqrt(mean(x^2) + eps)) * w)  (Llama4TextRMSNorm)
// with x widened to f32; the normalised value is rounded to the activation
// type before the weight multiply, as `_norm(x.float()).type_as(x)` does.
// Two linalg.generic ops: a sum-of-squares reduction per row, then a map.
//
//===----------------------------------------------------------------------===//

#include "dialects/llama4/IR/Llama4Dialect.h"
#include "passes/lowering/LinalgBuilders.h"
#include "passes/lowering/Passes.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace llama4c;

namespace {

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

  // The row length as f32, for the mean; eps is added in f32 as PyTorch
  // adds a Python float to a float32 tensor.
  Value width = arith::IndexCastOp::create(
      b, loc, b.getI64Type(),
      getValueOrCreateConstantIndexOp(b, loc, sizes.back()));
  Value widthF32 = arith::SIToFPOp::create(b, loc, b.getF32Type(), width);
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

} // namespace

void llama4c::populateNormsToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<RmsNormToLinalg, QkNormToLinalg>(patterns.getContext());
}
