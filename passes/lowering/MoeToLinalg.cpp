//===- MoeToLinalg.cpp - llama4.moe -> linalg + scf -----------------------===//
//
// Llama4TextMoe, computing only the selected experts of each token:
//   z      = round(router(x))                       [T, E]
//   e_k    = the k-th largest z (ties: lowest index), k < top_k
//   s_k    = round(sigmoid(z[e_k]))
//   u_k    = round(x * s_k)                          the expert reads the
//                                                    scaled input
//   y_k    = round(round(act(gate)) * up) . W_down[e_k],
//            gate|up = round(u_k . W_gate_up[e_k])  ([in, out] layout)
//   out    = round(shared_expert(x) + round(sum_k y_k))
// Tokens are visited by an scf.for nest over the leading dimensions (no
// reshape: expanding one dynamic dimension into two trips
// --expand-strided-metadata in MLIR 22); each selected expert is a
// vector-matrix product on the expert's weight slice.
//
//===----------------------------------------------------------------------===//

#include "dialects/llama4/IR/Llama4Dialect.h"
#include "passes/lowering/LinalgBuilders.h"
#include "passes/lowering/Passes.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/PatternMatch.h"

#include <limits>

using namespace mlir;
using namespace llama4c;

namespace {

/// out[n] = sum_k vector[k] * matrix[k, n] in f32. The loops are (k, n):
/// the inner one runs along a row of the [in, out] expert matrix.
Value vectorTimesMatrix(OpBuilder &b, Location loc, Value vector,
                        Value matrix) {
  MLIRContext *ctx = b.getContext();
  AffineExpr k = getAffineDimExpr(0, ctx), n = getAffineDimExpr(1, ctx);
  Value acc = zerosF32(b, loc, {tensor::getMixedSize(b, loc, matrix, 1)});
  Precision vPrecision(elementTypeOf(vector)), mPrecision(elementTypeOf(matrix));
  return linalg::GenericOp::create(
             b, loc, TypeRange{acc.getType()}, ValueRange{vector, matrix},
             ValueRange{acc},
             ArrayRef<AffineMap>{AffineMap::get(2, 0, {k}, ctx),
                                 AffineMap::get(2, 0, {k, n}, ctx),
                                 AffineMap::get(2, 0, {n}, ctx)},
             {utils::IteratorType::reduction, utils::IteratorType::parallel},
             [&](OpBuilder &nb, Location nloc, ValueRange args) {
               Value product = arith::MulFOp::create(
                   nb, nloc, vPrecision.widen(nb, nloc, args[0]),
                   mPrecision.widen(nb, nloc, args[1]));
               linalg::YieldOp::create(
                   nb, nloc,
                   Value(arith::AddFOp::create(nb, nloc, args[2], product)));
             })
      .getResult(0);
}

/// The row of `tensor` at the leading indices `index` (one fewer than its
/// rank), as a 1-D tensor; or, for a 3-D expert tensor and one index, that
/// expert's matrix.
Value sliceRow(OpBuilder &b, Location loc, Value tensor, ValueRange index) {
  auto type = cast<RankedTensorType>(tensor.getType());
  SmallVector<OpFoldResult> offsets(type.getRank(), b.getIndexAttr(0));
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, tensor);
  for (auto [dim, value] : llvm::enumerate(index)) {
    offsets[dim] = value;
    sizes[dim] = b.getIndexAttr(1);
  }
  SmallVector<OpFoldResult> strides(type.getRank(), b.getIndexAttr(1));
  auto rowType = RankedTensorType::get(type.getShape().drop_front(index.size()),
                                       type.getElementType());
  return tensor::ExtractSliceOp::create(b, loc, rowType, tensor, offsets,
                                        sizes, strides);
}

/// The index of the largest of `logits` [E] not in `excluded`, lowest on
/// ties (torch.topk's choice in practice).
Value argmaxExcluding(OpBuilder &b, Location loc, Value logits,
                      ArrayRef<Value> excluded) {
  Value minusInf = arith::ConstantOp::create(
      b, loc, b.getF32FloatAttr(-std::numeric_limits<float>::infinity()));
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  auto scalarF32 = RankedTensorType::get({}, b.getF32Type());
  auto scalarIndex = RankedTensorType::get({}, b.getIndexType());
  Value bestInit =
      linalg::FillOp::create(b, loc, ValueRange{minusInf},
                             ValueRange{tensor::EmptyOp::create(
                                 b, loc, ArrayRef<int64_t>{}, b.getF32Type())})
          .getResult(0);
  Value indexInit =
      linalg::FillOp::create(b, loc, ValueRange{zero},
                             ValueRange{tensor::EmptyOp::create(
                                 b, loc, ArrayRef<int64_t>{}, b.getIndexType())})
          .getResult(0);
  MLIRContext *ctx = b.getContext();
  Precision precision(elementTypeOf(logits));
  auto search = linalg::GenericOp::create(
      b, loc, TypeRange{scalarF32, scalarIndex}, ValueRange{logits},
      ValueRange{bestInit, indexInit},
      ArrayRef<AffineMap>{AffineMap::getMultiDimIdentityMap(1, ctx),
                          AffineMap::get(1, 0, {}, ctx),
                          AffineMap::get(1, 0, {}, ctx)},
      iterators(0, 1), [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value expert = linalg::IndexOp::create(nb, nloc, 0);
        Value value = precision.widen(nb, nloc, args[0]);
        Value allowed = arith::ConstantOp::create(nb, nloc, nb.getBoolAttr(true));
        for (Value taken : excluded)
          allowed = arith::AndIOp::create(
              nb, nloc, allowed,
              arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::ne, expert,
                                    taken));
        Value better = arith::AndIOp::create(
            nb, nloc, allowed,
            arith::CmpFOp::create(nb, nloc, arith::CmpFPredicate::OGT, value,
                                  args[1]));
        linalg::YieldOp::create(
            nb, nloc,
            ValueRange{arith::SelectOp::create(nb, nloc, better, value, args[1]),
                       arith::SelectOp::create(nb, nloc, better, expert,
                                               args[2])});
      });
  return tensor::ExtractOp::create(b, loc, search.getResult(1), ValueRange{});
}

/// The routed output of one token: x [D] -> round(sum_k y_k) [D].
Value routeToken(OpBuilder &b, Location loc, llama4::MoeOp op, Value x,
                 Value logits) {
  Precision precision(elementTypeOf(x));
  bool isSilu = op.getActivation() == llama4::Activation::silu;
  int64_t width = cast<RankedTensorType>(op.getDown().getType()).getDimSize(1);
  AffineMap identity = b.getMultiDimIdentityMap(1);
  Value sum = zerosF32(b, loc, tensor::getMixedSizes(b, loc, x));
  SmallVector<Value> chosen;
  for (int64_t k = 0, e = op.getTopKAttr().getInt(); k < e; ++k) {
    Value expert = argmaxExcluding(b, loc, logits, chosen);
    chosen.push_back(expert);
    Value logit = precision.widen(
        b, loc, tensor::ExtractOp::create(b, loc, logits, ValueRange{expert}));
    Value score = precision.round(
        b, loc,
        arith::DivFOp::create(
            b, loc, arith::ConstantOp::create(b, loc, b.getF32FloatAttr(1.0f)),
            arith::AddFOp::create(
                b, loc,
                arith::ConstantOp::create(b, loc, b.getF32FloatAttr(1.0f)),
                math::ExpOp::create(b, loc,
                                    arith::NegFOp::create(b, loc, logit)))));
    Value scaled = buildMap(
        b, loc, {x}, {identity},
        emptyTensor(b, loc, tensor::getMixedSizes(b, loc, x), elementTypeOf(x)),
        [&](OpBuilder &nb, Location nloc, ValueRange args) {
          return precision.narrow(
              nb, nloc,
              arith::MulFOp::create(nb, nloc, precision.widen(nb, nloc, args[0]),
                                    score));
        });
    Value gateUp = castElements(
        b, loc,
        vectorTimesMatrix(b, loc, scaled,
                          sliceRow(b, loc, op.getGateUp(), ValueRange{expert})),
        elementTypeOf(x));
    // Columns [0, F) are the gate, [F, 2F) the up projection.
    Value hiddenInit = emptyTensor(b, loc, {b.getIndexAttr(width)},
                                   elementTypeOf(x));
    Value hidden = buildMap(
        b, loc, {}, {}, hiddenInit,
        [&](OpBuilder &nb, Location nloc, ValueRange) {
          Value column = linalg::IndexOp::create(nb, nloc, 0);
          Value upColumn = arith::AddIOp::create(
              nb, nloc, column, arith::ConstantIndexOp::create(nb, nloc, width));
          Value gate = precision.widen(
              nb, nloc,
              tensor::ExtractOp::create(nb, nloc, gateUp, ValueRange{column}));
          Value up = precision.widen(
              nb, nloc,
              tensor::ExtractOp::create(nb, nloc, gateUp, ValueRange{upColumn}));
          Value activated =
              precision.round(nb, nloc, buildActivation(nb, nloc, isSilu, gate));
          return precision.narrow(
              nb, nloc, arith::MulFOp::create(nb, nloc, activated, up));
        });
    Value expertOut = vectorTimesMatrix(b, loc, hidden,
                                        sliceRow(b, loc, op.getDown(), ValueRange{expert}));
    // Each expert's output is rounded before the sum, as transformers
    // stores it in the activation type.
    sum = buildMap(b, loc, {sum, expertOut}, {identity, identity},
                   zerosF32(b, loc, tensor::getMixedSizes(b, loc, x)),
                   [&](OpBuilder &nb, Location nloc, ValueRange args) {
                     return Value(arith::AddFOp::create(
                         nb, nloc, args[0], precision.round(nb, nloc, args[1])));
                   });
  }
  return castElements(b, loc, sum, elementTypeOf(x));
}

struct MoeToLinalg : OpRewritePattern<llama4::MoeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(llama4::MoeOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    OpBuilder &b = rewriter;
    Value x = op.getInput();
    auto type = cast<RankedTensorType>(x.getType());
    int64_t rank = type.getRank(), dim = type.getShape().back();
    if (ShapedType::isDynamic(dim))
      return rewriter.notifyMatchFailure(op, "needs a static hidden size");
    Precision precision(type.getElementType());
    bool isSilu = op.getActivation() == llama4::Activation::silu;

    Value logits = buildLinear(b, loc, x, op.getRouter(), Value());
    SmallVector<Value> lower, upper, steps;
    for (int64_t i = 0; i < rank - 1; ++i) {
      lower.push_back(arith::ConstantIndexOp::create(b, loc, 0));
      upper.push_back(tensor::DimOp::create(b, loc, x, i));
      steps.push_back(arith::ConstantIndexOp::create(b, loc, 1));
    }
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, x);
    Value routedInit = emptyTensor(b, loc, sizes, type.getElementType());
    scf::LoopNest tokens = scf::buildLoopNest(
        b, loc, lower, upper, steps, ValueRange{routedInit},
        [&](OpBuilder &lb, Location lloc, ValueRange token,
            ValueRange args) -> scf::ValueVector {
          Value routed = routeToken(lb, lloc, op, sliceRow(lb, lloc, x, token),
                                    sliceRow(lb, lloc, logits, token));
          SmallVector<OpFoldResult> offsets(token.begin(), token.end());
          offsets.push_back(lb.getIndexAttr(0));
          SmallVector<OpFoldResult> rowSizes(rank - 1, lb.getIndexAttr(1));
          rowSizes.push_back(lb.getIndexAttr(dim));
          SmallVector<OpFoldResult> strides(rank, lb.getIndexAttr(1));
          return {tensor::InsertSliceOp::create(lb, lloc, routed, args[0],
                                                offsets, rowSizes, strides)};
        });

    Value shared = buildGatedMlp(b, loc, x, op.getSharedGate(),
                                 op.getSharedUp(), op.getSharedDown(), isSilu);
    AffineMap identity = b.getMultiDimIdentityMap(rank);
    rewriter.replaceOp(
        op, buildMap(b, loc, {shared, tokens.results.front()},
                     {identity, identity},
                     emptyTensor(b, loc, sizes, type.getElementType()),
                     [&](OpBuilder &nb, Location nloc, ValueRange args) {
                       return precision.narrow(
                           nb, nloc,
                           arith::AddFOp::create(
                               nb, nloc, precision.widen(nb, nloc, args[0]),
                               precision.widen(nb, nloc, args[1])));
                     }));
    return success();
  }
};

} // namespace

void llama4c::populateMoeToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<MoeToLinalg>(patterns.getContext());
}
