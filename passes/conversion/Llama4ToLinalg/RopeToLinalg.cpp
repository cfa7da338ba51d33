//===- RopeToLinalg.cpp - llama4.rope -> linalg ---------------------------===//
//
// Interleaved rotary embedding (transformers' apply_rotary_emb: view the
// head as d/2 complex numbers (x[2i], x[2i+1]) and multiply by
// exp(i * position * inv_freq[i])), in f32 with one rounding:
//   out[2i]   = x[2i] cos - x[2i+1] sin
//   out[2i+1] = x[2i] sin + x[2i+1] cos
// The inverse frequencies are compile-time constants (RopeFrequencies.cpp);
// angles are computed per element from the positions operand.
//
//===----------------------------------------------------------------------===//

#include "dialects/llama4/IR/Llama4Dialect.h"
#include "passes/conversion/Llama4ToLinalg/LinalgBuilders.h"
#include "passes/conversion/Llama4ToLinalg/Patterns.h"
#include "passes/conversion/Llama4ToLinalg/RopeFrequencies.h"

#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace llama4c;

namespace {

struct RopeToLinalg : OpRewritePattern<llama4::RopeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(llama4::RopeOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = op.getInput(), positions = op.getPositions();
    auto type = cast<RankedTensorType>(x.getType());
    int64_t headDim = type.getDimSize(3);
    if (ShapedType::isDynamic(headDim))
      return rewriter.notifyMatchFailure(op, "needs a static head dim");

    std::optional<Llama3Scaling> scaling;
    if (auto attr = op.getScalingAttr())
      scaling = Llama3Scaling{attr.getFactor().convertToDouble(),
                              attr.getLowFreqFactor().convertToDouble(),
                              attr.getHighFreqFactor().convertToDouble(),
                              attr.getOriginalMaxPositionEmbeddings()};
    std::vector<float> invFreq = textRopeInverseFrequencies(
        headDim, op.getTheta().convertToDouble(), scaling);
    auto freqType =
        RankedTensorType::get({headDim / 2}, rewriter.getF32Type());
    Value freqs = arith::ConstantOp::create(
        rewriter, loc,
        DenseElementsAttr::get(freqType, ArrayRef<float>(invFreq)));

    AffineMap identity = rewriter.getMultiDimIdentityMap(4);
    AffineMap positionMap = identity.getMajorSubMap(2);
    Precision precision(type.getElementType());
    Value init = emptyTensor(rewriter, loc,
                             tensor::getMixedSizes(rewriter, loc, x),
                             type.getElementType());
    Value rotated =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{type}, ValueRange{x, positions},
            ValueRange{init}, ArrayRef<AffineMap>{identity, positionMap, identity},
            iterators(4),
            [&](OpBuilder &b, Location nloc, ValueRange args) {
              SmallVector<Value> index;
              for (unsigned dim = 0; dim < 4; ++dim)
                index.push_back(linalg::IndexOp::create(b, nloc, dim));
              Value pair = arith::DivUIOp::create(
                  b, nloc, index[3], arith::ConstantIndexOp::create(b, nloc, 2));
              Value position =
                  arith::SIToFPOp::create(b, nloc, b.getF32Type(), args[1]);
              Value angle = arith::MulFOp::create(
                  b, nloc, position,
                  tensor::ExtractOp::create(b, nloc, freqs, ValueRange{pair}));
              linalg::YieldOp::create(
                  b, nloc,
                  rotateInterleavedPair(b, nloc, x, index,
                                        precision.widen(b, nloc, args[0]),
                                        angle, precision));
            })
            .getResult(0);
    rewriter.replaceOp(op, rotated);
    return success();
  }
};

} // namespace

void llama4c::populateRopeToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<RopeToLinalg>(patterns.getContext());
}
