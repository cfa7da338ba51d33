//===- MultimodalToLinalg.cpp - Image features into the text model --------===//
//
// llama4.multi_modal_projector flattens the adapter output of all tiles to
// [N*T, P] and applies one nn.Linear (no bias): a feature row per
// `<|patch|>` token, in tile order.
//
// llama4.scatter_image_features is transformers' masked_scatter: walking
// (b, s) row-major, the i-th `<|patch|>` position takes feature row i. It is
// a running count, so it lowers to a sequential scf.for over the B*S tokens
// that copies a row where the token is a patch; a prompt has far fewer
// tokens than a row has elements, so the walk costs nothing next to the
// copies. Positions past the last feature row keep their embedding, which
// keeps a miscounted call in bounds; the runtime rejects such calls first.
//
//===----------------------------------------------------------------------===//

#include "dialects/llama4/IR/Llama4Dialect.h"
#include "passes/lowering/LinalgBuilders.h"
#include "passes/lowering/Passes.h"

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
    Value ids = op.getIds(), embeddings = op.getEmbeddings();
    Value features =
        castElements(b, loc, op.getFeatures(), elementTypeOf(embeddings));
    auto c = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
    Value seq = tensor::DimOp::create(b, loc, ids, 1);
    Value tokens = arith::MulIOp::create(
        b, loc, tensor::DimOp::create(b, loc, ids, 0), seq);
    Value rowsAvailable = tensor::DimOp::create(b, loc, features, 0);
    Value patchId = arith::ConstantOp::create(
        b, loc, b.getI32IntegerAttr(op.getImageTokenIndex()));

    auto walk = scf::ForOp::create(
        b, loc, c(0), tokens, c(1), ValueRange{c(0), embeddings},
        [&](OpBuilder &lb, Location lloc, Value flat, ValueRange carried) {
          Value used = carried[0], hidden = carried[1];
          Value batch = arith::DivUIOp::create(lb, lloc, flat, seq);
          Value token = arith::RemUIOp::create(lb, lloc, flat, seq);
          Value id = tensor::ExtractOp::create(lb, lloc, ids,
                                               ValueRange{batch, token});
          Value isPatch = arith::AndIOp::create(
              lb, lloc,
              arith::CmpIOp::create(lb, lloc, arith::CmpIPredicate::eq, id,
                                    patchId),
              arith::CmpIOp::create(lb, lloc, arith::CmpIPredicate::ult, used,
                                    rowsAvailable));
          auto copy = scf::IfOp::create(
              lb, lloc, isPatch,
              [&](OpBuilder &tb, Location tloc) {
                Value row = sliceLeading(tb, tloc, features, ValueRange{used});
                Value next = arith::AddIOp::create(
                    tb, tloc, used,
                    arith::ConstantIndexOp::create(tb, tloc, 1));
                scf::YieldOp::create(
                    tb, tloc,
                    ValueRange{next, insertLeading(tb, tloc, row, hidden,
                                                   ValueRange{batch, token})});
              },
              [&](OpBuilder &eb, Location eloc) {
                scf::YieldOp::create(eb, eloc, ValueRange{used, hidden});
              });
          scf::YieldOp::create(lb, lloc, copy.getResults());
        });
    rewriter.replaceOp(op, walk.getResult(1));
    return success();
  }
};

} // namespace

void llama4c::populateMultimodalToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<MultiModalProjectorToLinalg, ScatterImageFeaturesToLinalg>(
      patterns.getContext());
}
