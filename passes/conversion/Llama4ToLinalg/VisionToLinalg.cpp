//===- VisionToLinalg.cpp - The vision tower's ops -> linalg --------------===//
//
// Llama4VisionModel as transformers computes it, op by op, in f32 with one
// rounding wherever PyTorch stores a bf16 tensor:
//   unfold_patch_embed  cut [N, C, I, I] into p x p patches (a permuting
//                       copy), then one nn.Linear
//   class_pos_embed     round(cat(patches, cls) + pos)
//   vision_rope         2-D interleaved rotation, angles (col+1) w_m for the
//                       first d/4 pairs and (row+1) w_m for the rest
//   vision_attention    per tile and head: round(round(q.k) * scale),
//                       round(softmax), round(p.v); no mask
//   gelu_mlp            fc2(round(gelu(fc1(x)))), biases, each rounded
//   pixel_shuffle       a gather: (dy, dx, c) channel blocks of 2x2 patches
//   vision_adapter      round(gelu(fc2(round(gelu(fc1(x))))))
// The vision attention keeps the whole [T, T] score matrix of one head
// (T = 577 for Scout: 1.3 MB in f32) rather than an online softmax: a tile
// is short, and HF's vision softmax rounds the probabilities before p.v,
// which needs the row's sum first.
//
//===----------------------------------------------------------------------===//

#include "dialects/llama4/IR/Llama4Dialect.h"
#include "passes/conversion/Llama4ToLinalg/LinalgBuilders.h"
#include "passes/conversion/Llama4ToLinalg/Patterns.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/PatternMatch.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace llama4c;

namespace {

Value constantIndex(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}

/// `x` with its dimensions reordered: result dimension i is `x`'s dimension
/// `permutation[i]`.
Value permute(OpBuilder &b, Location loc, Value x,
              ArrayRef<int64_t> permutation) {
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, x);
  SmallVector<OpFoldResult> permuted;
  SmallVector<unsigned> readMap(permutation.size());
  for (auto [result, source] : llvm::enumerate(permutation)) {
    permuted.push_back(sizes[source]);
    readMap[source] = result;
  }
  return buildMap(
      b, loc, {x}, {dims(b.getContext(), permutation.size(), readMap)},
      emptyTensor(b, loc, permuted, elementTypeOf(x)),
      [](OpBuilder &, Location, ValueRange args) { return args[0]; });
}

/// The exact-erf GELU of `x`, elementwise, rounded to its element type.
Value buildGelu(OpBuilder &b, Location loc, Value x) {
  auto type = cast<RankedTensorType>(x.getType());
  Precision precision(type.getElementType());
  return buildMap(
      b, loc, {x}, {b.getMultiDimIdentityMap(type.getRank())},
      emptyTensor(b, loc, tensor::getMixedSizes(b, loc, x),
                  type.getElementType()),
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        return precision.narrow(
            nb, nloc,
            buildActivation(nb, nloc, /*isSilu=*/false,
                            precision.widen(nb, nloc, args[0])));
      });
}

struct UnfoldPatchEmbedToLinalg : OpRewritePattern<llama4::UnfoldPatchEmbedOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(llama4::UnfoldPatchEmbedOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value pixels = op.getPixels();
    auto type = cast<RankedTensorType>(pixels.getType());
    int64_t channels = type.getDimSize(1), side = type.getDimSize(2),
            patch = op.getPatchSize();
    if (ShapedType::isDynamic(channels) || ShapedType::isDynamic(side))
      return rewriter.notifyMatchFailure(op, "needs static tile shape");
    int64_t grid = side / patch;
    // [N, C, I, I] -> [N, C, g, p, g, p] -> [N, g, g, C, p, p]
    // -> [N, g*g, C*p*p]: nn.Unfold's column order (c, ky, kx) per patch,
    // patches row-major over the grid.
    OpFoldResult tiles = tensor::getMixedSize(rewriter, loc, pixels, 0);
    auto index = [&](int64_t v) { return rewriter.getIndexAttr(v); };
    Value split = tensor::ExpandShapeOp::create(
        rewriter, loc,
        RankedTensorType::get(
            {type.getDimSize(0), channels, grid, patch, grid, patch},
            type.getElementType()),
        pixels, ArrayRef<ReassociationIndices>{{0}, {1}, {2, 3}, {4, 5}},
        ArrayRef<OpFoldResult>{tiles, index(channels), index(grid),
                               index(patch), index(grid), index(patch)});
    Value byPatch = permute(rewriter, loc, split, {0, 2, 4, 1, 3, 5});
    Value patches = tensor::CollapseShapeOp::create(
        rewriter, loc, byPatch,
        ArrayRef<ReassociationIndices>{{0}, {1, 2}, {3, 4, 5}});
    rewriter.replaceOp(op, buildLinear(rewriter, loc, patches, op.getWeight(),
                                       Value()));
    return success();
  }
};

struct ClassPosEmbedToLinalg : OpRewritePattern<llama4::ClassPosEmbedOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(llama4::ClassPosEmbedOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value patches = op.getPatches();
    auto type = cast<RankedTensorType>(op.getType());
    int64_t count = cast<RankedTensorType>(patches.getType()).getDimSize(1);
    if (ShapedType::isDynamic(count))
      return rewriter.notifyMatchFailure(op, "needs a static patch count");
    Precision precision(type.getElementType()),
        clsPrecision(elementTypeOf(op.getClassEmbedding())),
        posPrecision(elementTypeOf(op.getPositionalEmbedding()));
    SmallVector<OpFoldResult> sizes =
        tensor::getMixedSizes(rewriter, loc, patches);
    sizes[1] = rewriter.getIndexAttr(count + 1);
    // Token t < count reads patch t; token `count` is the class embedding.
    // The patch index is clamped so that the class token's unused read
    // stays in bounds.
    Value result = buildMap(
        rewriter, loc, {op.getClassEmbedding(), op.getPositionalEmbedding()},
        {dims(ctx, 3, {2}), dims(ctx, 3, {1, 2})},
        emptyTensor(rewriter, loc, sizes, type.getElementType()),
        [&](OpBuilder &b, Location nloc, ValueRange args) {
          Value tile = linalg::IndexOp::create(b, nloc, 0);
          Value token = linalg::IndexOp::create(b, nloc, 1);
          Value channel = linalg::IndexOp::create(b, nloc, 2);
          Value last = constantIndex(b, nloc, count - 1);
          Value patch = tensor::ExtractOp::create(
              b, nloc, patches,
              ValueRange{tile, arith::MinUIOp::create(b, nloc, token, last),
                         channel});
          Value isClass = arith::CmpIOp::create(
              b, nloc, arith::CmpIPredicate::ugt, token, last);
          Value embedding = arith::SelectOp::create(
              b, nloc, isClass, clsPrecision.widen(b, nloc, args[0]),
              precision.widen(b, nloc, patch));
          Value sum = arith::AddFOp::create(
              b, nloc, embedding, posPrecision.widen(b, nloc, args[1]));
          return precision.narrow(b, nloc, sum);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct VisionRopeToLinalg : OpRewritePattern<llama4::VisionRopeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(llama4::VisionRopeOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = op.getInput();
    auto type = cast<RankedTensorType>(x.getType());
    int64_t headDim = type.getDimSize(3), grid = op.getGridSide();
    if (ShapedType::isDynamic(headDim))
      return rewriter.notifyMatchFailure(op, "needs a static head dim");
    // w_m = theta^(-4m/d), m < d/4, in f32 as Llama4VisionRotaryEmbedding
    // computes it.
    int64_t quarter = headDim / 4;
    double theta = op.getTheta().convertToDouble();
    SmallVector<float> frequencies;
    for (int64_t m = 0; m < quarter; ++m) {
      float exponent = static_cast<float>(2 * m) / static_cast<float>(headDim / 2);
      frequencies.push_back(
          1.0f / std::pow(static_cast<float>(theta), exponent));
    }
    auto freqType = RankedTensorType::get({quarter}, rewriter.getF32Type());
    Value freqs = arith::ConstantOp::create(
        rewriter, loc,
        DenseElementsAttr::get(freqType, ArrayRef<float>(frequencies)));

    Precision precision(type.getElementType());
    AffineMap identity = rewriter.getMultiDimIdentityMap(4);
    Value rotated = buildMap(
        rewriter, loc, {x}, {identity},
        emptyTensor(rewriter, loc, tensor::getMixedSizes(rewriter, loc, x),
                    type.getElementType()),
        [&](OpBuilder &b, Location nloc, ValueRange args) {
          SmallVector<Value> index;
          for (unsigned dim = 0; dim < 4; ++dim)
            index.push_back(linalg::IndexOp::create(b, nloc, dim));
          Value token = index[1];
          Value one = constantIndex(b, nloc, 1);
          Value pair =
              arith::DivUIOp::create(b, nloc, index[3], constantIndex(b, nloc, 2));
          // Pairs below d/4 turn with the column, the rest with the row;
          // the class token (t = g*g) is not turned.
          Value gridSide = constantIndex(b, nloc, grid);
          Value quarterPairs = constantIndex(b, nloc, quarter);
          Value isRow = arith::CmpIOp::create(
              b, nloc, arith::CmpIPredicate::uge, pair, quarterPairs);
          Value coordinate = arith::SelectOp::create(
              b, nloc, isRow, arith::DivUIOp::create(b, nloc, token, gridSide),
              arith::RemUIOp::create(b, nloc, token, gridSide));
          Value isClass = arith::CmpIOp::create(
              b, nloc, arith::CmpIPredicate::uge, token,
              constantIndex(b, nloc, grid * grid));
          Value step = arith::SIToFPOp::create(
              b, nloc, b.getF32Type(),
              arith::IndexCastOp::create(
                  b, nloc, b.getI64Type(),
                  arith::AddIOp::create(b, nloc, coordinate, one)));
          Value frequency = tensor::ExtractOp::create(
              b, nloc, freqs,
              ValueRange{arith::RemUIOp::create(b, nloc, pair, quarterPairs)});
          Value angle = arith::SelectOp::create(
              b, nloc, isClass,
              arith::ConstantOp::create(b, nloc, b.getF32FloatAttr(0.0f)),
              arith::MulFOp::create(b, nloc, step, frequency));
          return rotateInterleavedPair(b, nloc, x, index,
                                       precision.widen(b, nloc, args[0]), angle,
                                       precision);
        });
    rewriter.replaceOp(op, rotated);
    return success();
  }
};

/// softmax(q k^T * scale) v of one head of one tile: q, k, v [T, d].
Value headAttention(OpBuilder &b, Location loc, Value q, Value k, Value v,
                    float scale) {
  MLIRContext *ctx = b.getContext();
  Precision precision(elementTypeOf(q));
  AffineMap identity = b.getMultiDimIdentityMap(2);
  AffineMap rowMap = dims(ctx, 2, {0});
  SmallVector<OpFoldResult> scoreSizes = {tensor::getMixedSize(b, loc, q, 0),
                                          tensor::getMixedSize(b, loc, k, 0)};
  SmallVector<OpFoldResult> rowSizes = {scoreSizes[0]};
  Value scaleValue = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(scale));
  Value scores = buildMap(
      b, loc, {buildLinearF32(b, loc, q, k, Value())}, {identity},
      emptyTensor(b, loc, scoreSizes, b.getF32Type()),
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        return precision.round(
            nb, nloc,
            arith::MulFOp::create(nb, nloc, precision.round(nb, nloc, args[0]),
                                  scaleValue));
      });
  Value minusInf = arith::ConstantOp::create(
      b, loc, b.getF32FloatAttr(-std::numeric_limits<float>::infinity()));
  Value max = buildLastDimReduction(
      b, loc, scores,
      linalg::FillOp::create(b, loc, ValueRange{minusInf},
                             ValueRange{emptyTensor(b, loc, rowSizes,
                                                    b.getF32Type())})
          .getResult(0),
      [](OpBuilder &nb, Location nloc, Value element, Value acc) {
        return Value(arith::MaximumFOp::create(nb, nloc, element, acc));
      });
  Value weights = buildMap(
      b, loc, {scores, max}, {identity, rowMap},
      emptyTensor(b, loc, scoreSizes, b.getF32Type()),
      [](OpBuilder &nb, Location nloc, ValueRange args) {
        return Value(math::ExpOp::create(
            nb, nloc, arith::SubFOp::create(nb, nloc, args[0], args[1])));
      });
  Value sum = buildLastDimReduction(
      b, loc, weights, zerosF32(b, loc, rowSizes),
      [](OpBuilder &nb, Location nloc, Value element, Value acc) {
        return accumulate(nb, nloc, acc, element);
      });
  Value probabilities = buildMap(
      b, loc, {weights, sum}, {identity, rowMap},
      emptyTensor(b, loc, scoreSizes, b.getF32Type()),
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        return precision.round(
            nb, nloc, arith::DivFOp::create(nb, nloc, args[0], args[1]));
      });
  // Loops (s, e, j): out[s, e] += p[s, j] * v[j, e].
  SmallVector<OpFoldResult> outSizes = tensor::getMixedSizes(b, loc, q);
  Value out = buildContraction(
      b, loc, probabilities, v, zerosF32(b, loc, outSizes),
      {dims(ctx, 3, {0, 2}), dims(ctx, 3, {2, 1}), dims(ctx, 3, {0, 1})});
  return castElements(b, loc, out, precision.storageType());
}

struct VisionAttentionToLinalg : OpRewritePattern<llama4::VisionAttentionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(llama4::VisionAttentionOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    OpBuilder &b = rewriter;
    auto type = cast<RankedTensorType>(op.getQuery().getType());
    int64_t heads = type.getDimSize(2);
    if (ShapedType::isDynamic(heads))
      return rewriter.notifyMatchFailure(op, "needs a static head count");
    // [N, T, H, d] -> [N, H, T, d], one (tile, head) at a time, and back.
    SmallVector<int64_t> headMajor = {0, 2, 1, 3};
    Value q = permute(b, loc, op.getQuery(), headMajor);
    Value k = permute(b, loc, op.getKey(), headMajor);
    Value v = permute(b, loc, op.getValue(), headMajor);
    float scale = static_cast<float>(op.getScale().convertToDouble());
    Value zero = constantIndex(b, loc, 0), one = constantIndex(b, loc, 1);
    scf::LoopNest perHead = scf::buildLoopNest(
        b, loc, {zero, zero},
        {tensor::DimOp::create(b, loc, q, 0).getResult(),
         constantIndex(b, loc, heads)},
        {one, one},
        ValueRange{emptyTensor(b, loc, tensor::getMixedSizes(b, loc, q),
                               type.getElementType())},
        [&](OpBuilder &lb, Location lloc, ValueRange at,
            ValueRange args) -> scf::ValueVector {
          auto slice = [&](Value tensor) {
            return sliceLeading(lb, lloc, tensor, at);
          };
          Value out = headAttention(lb, lloc, slice(q), slice(k), slice(v),
                                    scale);
          return {insertLeading(lb, lloc, out, args[0], at)};
        });
    rewriter.replaceOp(op, permute(b, loc, perHead.results.front(), headMajor));
    return success();
  }
};

struct GeluMlpToLinalg : OpRewritePattern<llama4::GeluMlpOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(llama4::GeluMlpOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value hidden = buildGelu(
        rewriter, loc,
        buildLinear(rewriter, loc, op.getInput(), op.getFc1Weight(),
                    op.getFc1Bias()));
    rewriter.replaceOp(op, buildLinear(rewriter, loc, hidden, op.getFc2Weight(),
                                       op.getFc2Bias()));
    return success();
  }
};

struct PixelShuffleToLinalg : OpRewritePattern<llama4::PixelShuffleOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(llama4::PixelShuffleOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = op.getInput();
    auto inType = cast<RankedTensorType>(x.getType());
    auto outType = cast<RankedTensorType>(op.getType());
    int64_t patches = inType.getDimSize(1), channels = inType.getDimSize(2);
    int64_t grid = std::llround(std::sqrt(static_cast<double>(patches)));
    int64_t factor = std::llround(1.0 / op.getRatio().convertToDouble());
    if (ShapedType::isDynamic(patches) || ShapedType::isDynamic(channels) ||
        grid * grid != patches || grid % factor != 0)
      return rewriter.notifyMatchFailure(op, "needs a static square grid");
    int64_t outSide = grid / factor;
    // out[n, Y*outSide + X, (dy*factor + dx)*C + c]
    //   = in[n, (factor*Y + dy)*grid + factor*X + dx, c]
    SmallVector<OpFoldResult> sizes = {
        tensor::getMixedSize(rewriter, loc, x, 0),
        rewriter.getIndexAttr(outType.getDimSize(1)),
        rewriter.getIndexAttr(outType.getDimSize(2))};
    Value result = buildMap(
        rewriter, loc, {}, {},
        emptyTensor(rewriter, loc, sizes, outType.getElementType()),
        [&](OpBuilder &b, Location nloc, ValueRange) {
          auto c = [&](int64_t v) { return constantIndex(b, nloc, v); };
          auto div = [&](Value a, int64_t v) {
            return Value(arith::DivUIOp::create(b, nloc, a, c(v)));
          };
          auto rem = [&](Value a, int64_t v) {
            return Value(arith::RemUIOp::create(b, nloc, a, c(v)));
          };
          auto mulAdd = [&](Value a, int64_t v, Value add) {
            return Value(arith::AddIOp::create(
                b, nloc, arith::MulIOp::create(b, nloc, a, c(v)), add));
          };
          Value tile = linalg::IndexOp::create(b, nloc, 0);
          Value token = linalg::IndexOp::create(b, nloc, 1);
          Value channel = linalg::IndexOp::create(b, nloc, 2);
          Value block = div(channel, channels);
          Value dy = div(block, factor), dx = rem(block, factor);
          Value row = mulAdd(div(token, outSide), factor, dy);
          Value column = mulAdd(rem(token, outSide), factor, dx);
          Value source = mulAdd(row, grid, column);
          return Value(tensor::ExtractOp::create(
              b, nloc, x, ValueRange{tile, source, rem(channel, channels)}));
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct VisionAdapterToLinalg : OpRewritePattern<llama4::VisionAdapterOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(llama4::VisionAdapterOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value hidden = buildGelu(rewriter, loc,
                             buildLinear(rewriter, loc, op.getInput(),
                                         op.getFc1Weight(), Value()));
    rewriter.replaceOp(
        op, buildGelu(rewriter, loc,
                      buildLinear(rewriter, loc, hidden, op.getFc2Weight(),
                                  Value())));
    return success();
  }
};

} // namespace

void llama4c::populateVisionToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<UnfoldPatchEmbedToLinalg, ClassPosEmbedToLinalg,
               VisionRopeToLinalg, VisionAttentionToLinalg, GeluMlpToLinalg,
               PixelShuffleToLinalg, VisionAdapterToLinalg>(
      patterns.getContext());
}
