//===- ProjectionsToLinalg.cpp - Embedding, linears and MLP -> linalg -----===//
//
// llama4.embed_tokens and llama4.gather_tokens (gathers), llama4.linear and
// llama4.lm_head (one f32
// contraction each, rounded once at the output as a bf16 GEMM with f32
// accumulation is) and llama4.swiglu_mlp (three linears around
// `round(act(gate)) * up`, each product rounded as Llama4TextMLP's are).
//
//===----------------------------------------------------------------------===//

#include "dialects/llama4/IR/Llama4Dialect.h"
#include "passes/conversion/Llama4ToLinalg/LinalgBuilders.h"
#include "passes/conversion/Llama4ToLinalg/Patterns.h"

#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace llama4c;

namespace {

struct EmbedTokensToLinalg : OpRewritePattern<llama4::EmbedTokensOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(llama4::EmbedTokensOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value ids = op.getIds(), table = op.getTable();
    // result[b, s, d] = table[ids[b, s], d]; ids are in range (the runtime
    // checks them against the vocabulary before the call).
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, ids);
    sizes.push_back(tensor::getMixedSize(rewriter, loc, table, 1));
    AffineMap identity = rewriter.getMultiDimIdentityMap(3);
    AffineMap idsMap = identity.dropResult(2);
    Value init = emptyTensor(rewriter, loc, sizes, elementTypeOf(table));
    rewriter.replaceOp(
        op, linalg::GenericOp::create(
                rewriter, loc, TypeRange{op.getType()}, ValueRange{ids},
                ValueRange{init}, ArrayRef<AffineMap>{idsMap, identity},
                iterators(3),
                [&](OpBuilder &b, Location nloc, ValueRange args) {
                  Value row = arith::IndexCastOp::create(
                      b, nloc, b.getIndexType(), args[0]);
                  Value column = linalg::IndexOp::create(b, nloc, 2);
                  Value element = tensor::ExtractOp::create(
                      b, nloc, table, ValueRange{row, column});
                  linalg::YieldOp::create(b, nloc, element);
                })
                .getResult(0));
    return success();
  }
};

struct GatherTokensToLinalg : OpRewritePattern<llama4::GatherTokensOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(llama4::GatherTokensOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = op.getInput(), indices = op.getIndices();
    // result[b, r, d] = input[b, indices[b, r], d].
    SmallVector<OpFoldResult> sizes =
        tensor::getMixedSizes(rewriter, loc, indices);
    sizes.push_back(tensor::getMixedSize(rewriter, loc, input, 2));
    AffineMap identity = rewriter.getMultiDimIdentityMap(3);
    Value init = emptyTensor(rewriter, loc, sizes, elementTypeOf(input));
    rewriter.replaceOp(
        op,
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{op.getType()}, ValueRange{indices},
            ValueRange{init},
            ArrayRef<AffineMap>{identity.dropResult(2), identity}, iterators(3),
            [&](OpBuilder &b, Location nloc, ValueRange args) {
              Value token = arith::IndexCastOp::create(
                  b, nloc, b.getIndexType(), args[0]);
              Value row = linalg::IndexOp::create(b, nloc, 0);
              Value column = linalg::IndexOp::create(b, nloc, 2);
              Value element = tensor::ExtractOp::create(
                  b, nloc, input, ValueRange{row, token, column});
              linalg::YieldOp::create(b, nloc, element);
            })
            .getResult(0));
    return success();
  }
};

struct LinearToLinalg : OpRewritePattern<llama4::LinearOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(llama4::LinearOp op,
                                PatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, buildLinear(rewriter, op.getLoc(), op.getInput(),
                                       op.getWeight(), op.getBias()));
    return success();
  }
};

struct LmHeadToLinalg : OpRewritePattern<llama4::LmHeadOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(llama4::LmHeadOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    // transformers' logits are in the activation type; f32 results are
    // those logits widened, so that bf16 models pick the same argmax.
    Value logits = buildLinear(rewriter, loc, op.getInput(), op.getWeight(),
                               /*bias=*/Value());
    rewriter.replaceOp(op, castElements(rewriter, loc, logits,
                                        elementTypeOf(op.getResult())));
    return success();
  }
};

struct SwigluMlpToLinalg : OpRewritePattern<llama4::SwigluMlpOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(llama4::SwigluMlpOp op,
                                PatternRewriter &rewriter) const override {
    rewriter.replaceOp(
        op, buildGatedMlp(rewriter, op.getLoc(), op.getInput(), op.getGate(),
                          op.getUp(), op.getDown(),
                          op.getActivation() == llama4::Activation::silu));
    return success();
  }
};

} // namespace

void llama4c::populateProjectionsToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<EmbedTokensToLinalg, GatherTokensToLinalg, LinearToLinalg,
               LmHeadToLinalg, SwigluMlpToLinalg>(patterns.getContext());
}
