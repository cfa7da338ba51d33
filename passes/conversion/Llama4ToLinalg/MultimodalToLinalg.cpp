//===- MultimodalToLinalg.cpp - Image features into the text model --------===//
//
// llama4.multi_modal_projector flattens the adapter output of all tiles to
// [N*T, P] and applies one nn.Linear (no bias): a feature row per
// `<|patch|>` token, in tile order.
//
// llama4.scatter_image_features is transformers' masked_scatter: walking
// (b, s) row-major, the i-th `<|patch|>` position takes feature row i. Each
// token's i is counted, not carried from token to token: a reduction over
// the tokens before it (quadratic in the prompt, but a compare per pair
// against the hidden size's multiply-adds per element that follow), then a
// map over [B, S, D] picks the feature row or the embedding. No loop runs
// over the tokens, so the GPU target runs it as two kernels. Positions past
// the last feature row keep their embedding, which keeps a miscounted call
// in bounds; the runtime rejects such calls first.
//
//===----------------------------------------------------------------------===//

#include "dialects/llama4/IR/Llama4Dialect.h"
#include "passes/conversion/Llama4ToLinalg/LinalgBuilders.h"
#include "passes/conversion/Llama4ToLinalg/Patterns.h"

#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace llama4c;

namespace {

struct MultiModalProjectorToLinalg
    : OpRewritePattern<llama4::MultiModalProjectorOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(llama4::MultiModalProjectorOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value rows = tensor::CollapseShapeOp::create(
        rewriter, loc, op.getInput(),
        ArrayRef<ReassociationIndices>{{0, 1}, {2}});
    Value projected =
        buildLinear(rewriter, loc, rows, op.getWeight(), Value());
    rewriter.replaceOp(op, castElements(rewriter, loc, projected,
                                        elementTypeOf(op.getResult())));
    return success();
  }
};

struct ScatterImageFeaturesToLinalg
    : OpRewritePattern<llama4::ScatterImageFeaturesOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(llama4::ScatterImageFeaturesOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    OpBuilder &b = rewriter;
    MLIRContext *ctx = b.getContext();
    Value ids = op.getIds(), embeddings = op.getEmbeddings();
    Value features =
        castElements(b, loc, op.getFeatures(), elementTypeOf(embeddings));
    Value seq = tensor::DimOp::create(b, loc, ids, 1);
    Value rowsAvailable = tensor::DimOp::create(b, loc, features, 0);
    Value patchId = arith::ConstantOp::create(
        b, loc, b.getI32IntegerAttr(op.getImageTokenIndex()));
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    auto isPatch = [&](OpBuilder &nb, Location nloc, Value id) {
      return arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::eq, id,
                                   patchId);
    };

    // rank[b, s] = patches before (b, s), row-major: loops (b, s, b', s').
    Value rankInit =
        linalg::FillOp::create(
            b, loc, ValueRange{zero},
            ValueRange{emptyTensor(b, loc, tensor::getMixedSizes(b, loc, ids),
                                   b.getIndexType())})
            .getResult(0);
    Value rank =
        linalg::GenericOp::create(
            b, loc, TypeRange{rankInit.getType()}, ValueRange{ids},
            ValueRange{rankInit},
            ArrayRef<AffineMap>{dims(ctx, 4, {2, 3}), dims(ctx, 4, {0, 1})},
            iterators(2, 2),
            [&](OpBuilder &nb, Location nloc, ValueRange args) {
              auto flat = [&](int64_t row, int64_t column) {
                return arith::AddIOp::create(
                    nb, nloc,
                    arith::MulIOp::create(nb, nloc,
                                          linalg::IndexOp::create(nb, nloc, row),
                                          seq),
                    linalg::IndexOp::create(nb, nloc, column));
              };
              Value before = arith::AndIOp::create(
                  nb, nloc,
                  arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::ult,
                                        flat(2, 3), flat(0, 1)),
                  isPatch(nb, nloc, args[0]));
              linalg::YieldOp::create(
                  nb, nloc,
                  Value(arith::AddIOp::create(
                      nb, nloc, args[1],
                      arith::SelectOp::create(nb, nloc, before, one, zero))));
            })
            .getResult(0);

    AffineMap element = AffineMap::getMultiDimIdentityMap(3, ctx);
    AffineMap token = dims(ctx, 3, {0, 1});
    Value scattered = buildMap(
        b, loc, {embeddings, ids, rank}, {element, token, token},
        emptyTensor(b, loc, tensor::getMixedSizes(b, loc, embeddings),
                    elementTypeOf(embeddings)),
        [&](OpBuilder &nb, Location nloc, ValueRange args) {
          Value row = args[2];
          Value inRange = arith::CmpIOp::create(
              nb, nloc, arith::CmpIPredicate::ult, row, rowsAvailable);
          Value takesFeature = arith::AndIOp::create(
              nb, nloc, isPatch(nb, nloc, args[1]), inRange);
          // An in-bounds row to read even where the embedding is kept.
          Value safeRow = arith::SelectOp::create(nb, nloc, takesFeature, row,
                                                  zero);
          Value column = linalg::IndexOp::create(nb, nloc, 2);
          auto pick = scf::IfOp::create(
              nb, nloc, takesFeature,
              [&](OpBuilder &tb, Location tloc) {
                Value feature = tensor::ExtractOp::create(
                    tb, tloc, features,
                    ValueRange{safeRow, column});
                scf::YieldOp::create(tb, tloc, feature);
              },
              [&](OpBuilder &eb, Location eloc) {
                scf::YieldOp::create(eb, eloc, args[0]);
              });
          return pick.getResult(0);
        });
    rewriter.replaceOp(op, scattered);
    return success();
  }
};

} // namespace

void llama4c::populateMultimodalToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<MultiModalProjectorToLinalg, ScatterImageFeaturesToLinalg>(
      patterns.getContext());
}
