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
// Two dispatches compute it:
//  - grouped (CPU): for each sequence (an scf.for nest over the leading
//    dimensions: no reshape, as expanding one dynamic dimension into two
//    trips --expand-strided-metadata in MLIR 22) every expert gathers the
//    tokens routed to it and multiplies them as one matrix, so that a
//    prefill reads each selected expert's weights once rather than once
//    per token. The sum runs over experts in index order, as transformers
//    sums its per-expert outputs.
//  - per-token (GPU): every token of every row multiplies its k-th
//    expert's matrices, read at the expert index inside the contraction.
//    No loop runs on the host, over rows or over routed data, so the
//    whole MoE is a few kernels whatever the batch.
//    The sum runs over k; for top_k <= 2 that is the same f32 sum.
//
//===----------------------------------------------------------------------===//

#include "dialects/llama4/IR/Llama4Dialect.h"
#include "passes/conversion/Llama4ToLinalg/LinalgBuilders.h"
#include "passes/conversion/Llama4ToLinalg/Patterns.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/Sequence.h"

#include <limits>

using namespace mlir;
using namespace llama4c;

namespace {

/// out[m, n] = sum_k x[m, k] * matrix[k, n] in f32, for an expert's
/// [in, out] matrix.
Value timesInOutMatrix(OpBuilder &b, Location loc, Value x, Value matrix) {
  MLIRContext *ctx = b.getContext();
  Value acc = zerosF32(b, loc,
                       {tensor::getMixedSize(b, loc, x, 0),
                        tensor::getMixedSize(b, loc, matrix, 1)});
  // Loops (m, n, k).
  return buildContraction(
      b, loc, x, matrix, acc,
      {dims(ctx, 3, {0, 2}), dims(ctx, 3, {2, 1}), dims(ctx, 3, {0, 1})});
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

Value indexConstant(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}

/// A chosen expert's score round(sigmoid(z)) from its router logit z (f32).
Value routerScore(OpBuilder &b, Location loc, const Precision &precision,
                  Value logit) {
  Value one = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(1.0f));
  return precision.round(
      b, loc,
      arith::DivFOp::create(
          b, loc, one,
          arith::AddFOp::create(
              b, loc, one,
              math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, logit)))));
}

/// The experts each token of a sequence chose, and their scores.
struct Routing {
  Value experts; // [S, top_k] index
  Value scores;  // [S, top_k] f32, rounded as transformers stores them
};

/// The top_k experts of each token of `logits` [S, E] and their scores
/// round(sigmoid(z)).
Routing chooseExperts(OpBuilder &b, Location loc, llama4::MoeOp op,
                      Value logits) {
  Precision precision(elementTypeOf(logits));
  int64_t topK = op.getTopKAttr().getInt();
  OpFoldResult tokens = tensor::getMixedSize(b, loc, logits, 0);
  Value expertsInit =
      emptyTensor(b, loc, {tokens, b.getIndexAttr(topK)}, b.getIndexType());
  Value scoresInit =
      emptyTensor(b, loc, {tokens, b.getIndexAttr(topK)}, b.getF32Type());
  auto loop = scf::ForOp::create(
      b, loc, indexConstant(b, loc, 0),
      getValueOrCreateConstantIndexOp(b, loc, tokens),
      indexConstant(b, loc, 1), ValueRange{expertsInit, scoresInit},
      [&](OpBuilder &lb, Location lloc, Value token, ValueRange acc) {
        Value row = sliceLeading(lb, lloc, logits, token);
        Value experts = acc[0], scores = acc[1];
        SmallVector<Value> chosen;
        for (int64_t k = 0; k < topK; ++k) {
          Value expert = argmaxExcluding(lb, lloc, row, chosen);
          chosen.push_back(expert);
          Value logit = precision.widen(
              lb, lloc, tensor::ExtractOp::create(lb, lloc, row, expert));
          Value score = routerScore(lb, lloc, precision, logit);
          Value at[] = {token, indexConstant(lb, lloc, k)};
          experts = tensor::InsertOp::create(lb, lloc, expert, experts, at);
          scores = tensor::InsertOp::create(lb, lloc, score, scores, at);
        }
        scf::YieldOp::create(lb, lloc, ValueRange{experts, scores});
      });
  return {loop.getResult(0), loop.getResult(1)};
}

/// round(round(act(gate)) * up) of `gateUp` [..., 2F] (columns [0, F) are
/// the gate, [F, 2F) the up projection), in the activation type, for the
/// leading indices within `rows`. The halves are slices the map reads
/// elementwise, so that a GPU tile fuses what computes them.
Value gatedActivation(OpBuilder &b, Location loc, Value gateUp,
                      ArrayRef<OpFoldResult> rows, int64_t width, bool isSilu,
                      Type storage) {
  Precision precision(storage);
  SmallVector<OpFoldResult> sizes(rows);
  sizes.push_back(b.getIndexAttr(width));
  auto half = [&](int64_t first) {
    SmallVector<OpFoldResult> offsets(sizes.size(), b.getIndexAttr(0));
    offsets.back() = b.getIndexAttr(first);
    return tensor::ExtractSliceOp::create(
        b, loc, gateUp, offsets, sizes,
        SmallVector<OpFoldResult>(sizes.size(), b.getIndexAttr(1)));
  };
  AffineMap identity = b.getMultiDimIdentityMap(sizes.size());
  return buildMap(
      b, loc, {half(0), half(width)}, {identity, identity},
      emptyTensor(b, loc, sizes, storage),
      [&](OpBuilder &nb, Location nloc, ValueRange halves) {
        Value gate = precision.widen(nb, nloc, halves[0]);
        Value up = precision.widen(nb, nloc, halves[1]);
        Value activated =
            precision.round(nb, nloc, buildActivation(nb, nloc, isSilu, gate));
        return precision.narrow(
            nb, nloc, arith::MulFOp::create(nb, nloc, activated, up));
      });
}

/// The tokens routed to one expert, in order.
struct Route {
  Value tokens; // [S] index; the first `count` are meaningful
  Value scores; // [S] f32, each token's score for this expert
  Value count;
};

Route gatherRoute(OpBuilder &b, Location loc, const Routing &routing,
                  Value expert) {
  int64_t topK =
      cast<RankedTensorType>(routing.experts.getType()).getDimSize(1);
  OpFoldResult sequence = tensor::getMixedSize(b, loc, routing.experts, 0);
  Value zero = indexConstant(b, loc, 0), one = indexConstant(b, loc, 1);
  Value tokensInit = emptyTensor(b, loc, {sequence}, b.getIndexType());
  Value scoresInit = emptyTensor(b, loc, {sequence}, b.getF32Type());
  Value noScore = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0f));
  auto loop = scf::ForOp::create(
      b, loc, zero, getValueOrCreateConstantIndexOp(b, loc, sequence), one,
      ValueRange{tokensInit, scoresInit, zero},
      [&](OpBuilder &lb, Location lloc, Value token, ValueRange acc) {
        Value routed = arith::ConstantOp::create(lb, lloc, lb.getBoolAttr(false));
        Value score = noScore;
        for (int64_t k = 0; k < topK; ++k) {
          Value at[] = {token, indexConstant(lb, lloc, k)};
          Value chosen =
              tensor::ExtractOp::create(lb, lloc, routing.experts, at);
          Value hit = arith::CmpIOp::create(lb, lloc, arith::CmpIPredicate::eq,
                                            chosen, expert);
          routed = arith::OrIOp::create(lb, lloc, routed, hit);
          score = arith::SelectOp::create(
              lb, lloc, hit,
              tensor::ExtractOp::create(lb, lloc, routing.scores, at), score);
        }
        // Written at `count` (<= token < S) whether routed or not: a token
        // that is not routed is overwritten by the next one.
        Value count = acc[2];
        Value tokens = tensor::InsertOp::create(lb, lloc, token, acc[0], count);
        Value scores = tensor::InsertOp::create(lb, lloc, score, acc[1], count);
        Value next = arith::AddIOp::create(
            lb, lloc, count,
            arith::SelectOp::create(lb, lloc, routed, one, zero));
        scf::YieldOp::create(lb, lloc, ValueRange{tokens, scores, next});
      });
  return {loop.getResult(0), loop.getResult(1), loop.getResult(2)};
}

/// Adds round(y) of the tokens routed to `expert` to `sum` [S, D] (f32),
/// `x` [S, D] being the sequence.
Value addExpert(OpBuilder &b, Location loc, llama4::MoeOp op, Value x,
                Value expert, const Route &route, Value sum) {
  Type storage = elementTypeOf(x);
  Precision precision(storage);
  bool isSilu = op.getActivation() == llama4::Activation::silu;
  int64_t width = cast<RankedTensorType>(op.getDown().getType()).getDimSize(1);
  int64_t hiddenSize = cast<RankedTensorType>(x.getType()).getDimSize(1);
  OpFoldResult count = route.count;
  // rows . weights[expert], rounded to the activation type.
  auto timesExpert = [&](Value rows, Value weights) {
    return castElements(
        b, loc,
        timesInOutMatrix(b, loc, rows,
                         sliceLeading(b, loc, weights, ValueRange{expert})),
        storage);
  };

  // u = round(x[token] * score), one row per routed token.
  Value scaled = buildMap(
      b, loc, {}, {},
      emptyTensor(b, loc, {count, b.getIndexAttr(hiddenSize)}, storage),
      [&](OpBuilder &nb, Location nloc, ValueRange) {
        Value row = linalg::IndexOp::create(nb, nloc, 0);
        Value column = linalg::IndexOp::create(nb, nloc, 1);
        Value token = tensor::ExtractOp::create(nb, nloc, route.tokens, row);
        Value score = tensor::ExtractOp::create(nb, nloc, route.scores, row);
        Value value = tensor::ExtractOp::create(nb, nloc, x,
                                                ValueRange{token, column});
        return precision.narrow(
            nb, nloc,
            arith::MulFOp::create(nb, nloc, precision.widen(nb, nloc, value),
                                  score));
      });
  Value gateUp = timesExpert(scaled, op.getGateUp());
  Value hidden =
      gatedActivation(b, loc, gateUp, {count}, width, isSilu, storage);
  // Each expert's output is rounded before the sum, as transformers stores
  // it in the activation type.
  Value expertOut = timesExpert(hidden, op.getDown());

  AffineMap identity = b.getMultiDimIdentityMap(1);
  auto scatter = scf::ForOp::create(
      b, loc, indexConstant(b, loc, 0), route.count, indexConstant(b, loc, 1),
      ValueRange{sum},
      [&](OpBuilder &lb, Location lloc, Value row, ValueRange acc) {
        Value token = tensor::ExtractOp::create(lb, lloc, route.tokens, row);
        Value added = buildMap(
            lb, lloc,
            {sliceLeading(lb, lloc, acc[0], token),
             sliceLeading(lb, lloc, expertOut, row)},
            {identity, identity},
            zerosF32(lb, lloc, {lb.getIndexAttr(hiddenSize)}),
            [&](OpBuilder &nb, Location nloc, ValueRange args) {
              return Value(arith::AddFOp::create(
                  nb, nloc, args[0], precision.widen(nb, nloc, args[1])));
            });
        scf::YieldOp::create(lb, lloc,
                             insertLeading(lb, lloc, added, acc[0], token));
      });
  return scatter.getResult(0);
}

/// The routed output round(sum_k y_k) of one sequence `x` [S, D] with its
/// router logits [S, E].
Value routeSequence(OpBuilder &b, Location loc, llama4::MoeOp op, Value x,
                    Value logits) {
  Routing routing = chooseExperts(b, loc, op, logits);
  int64_t experts =
      cast<RankedTensorType>(op.getGateUp().getType()).getDimSize(0);
  Value zero = indexConstant(b, loc, 0);
  auto loop = scf::ForOp::create(
      b, loc, zero, indexConstant(b, loc, experts), indexConstant(b, loc, 1),
      ValueRange{zerosF32(b, loc, tensor::getMixedSizes(b, loc, x))},
      [&](OpBuilder &lb, Location lloc, Value expert, ValueRange acc) {
        Route route = gatherRoute(lb, lloc, routing, expert);
        // Most experts see no token of a decode step: skip them whole.
        Value used = arith::CmpIOp::create(lb, lloc, arith::CmpIPredicate::ugt,
                                           route.count, zero);
        auto ifUsed = scf::IfOp::create(
            lb, lloc, used,
            [&](OpBuilder &tb, Location tloc) {
              scf::YieldOp::create(
                  tb, tloc, addExpert(tb, tloc, op, x, expert, route, acc[0]));
            },
            [&](OpBuilder &eb, Location eloc) {
              scf::YieldOp::create(eb, eloc, acc[0]);
            });
        scf::YieldOp::create(lb, lloc, ifUsed.getResults());
      });
  return castElements(b, loc, loop.getResult(0), elementTypeOf(x));
}

/// The grouped dispatch's routed output: one sequence [S, D] at a time, per
/// index of the dimensions before the last two.
Value routeSequences(OpBuilder &b, Location loc, llama4::MoeOp op, Value x,
                     Value logits) {
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  SmallVector<Value> lower, upper, steps;
  for (int64_t i = 0; i < rank - 2; ++i) {
    lower.push_back(indexConstant(b, loc, 0));
    upper.push_back(tensor::DimOp::create(b, loc, x, i));
    steps.push_back(indexConstant(b, loc, 1));
  }
  Value routedInit = emptyTensor(b, loc, tensor::getMixedSizes(b, loc, x),
                                 elementTypeOf(x));
  scf::LoopNest sequences = scf::buildLoopNest(
      b, loc, lower, upper, steps, ValueRange{routedInit},
      [&](OpBuilder &lb, Location lloc, ValueRange outer,
          ValueRange args) -> scf::ValueVector {
        Value routed = routeSequence(lb, lloc, op, sliceLeading(lb, lloc, x, outer),
                                     sliceLeading(lb, lloc, logits, outer));
        return {insertLeading(lb, lloc, routed, args[0], outer)};
      });
  return sequences.results.front();
}

/// The leading dimensions of `tensor`: the tokens of a [..., last] tensor.
SmallVector<OpFoldResult> tokenSizes(OpBuilder &b, Location loc,
                                     Value tensor) {
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, tensor);
  sizes.pop_back();
  return sizes;
}

/// The first `count` of `rank` loops, in order: how a per-token operand is
/// indexed by loops over the tokens and more.
AffineMap leadingLoops(MLIRContext *ctx, unsigned rank, unsigned count) {
  return AffineMap::getMultiDimIdentityMap(rank, ctx).getMajorSubMap(count);
}

/// The experts of every token at once, one tensor of the tokens' leading
/// dimensions ([B, S], index) per k: the k-th choice is a reduction over
/// the experts that skips the earlier choices.
SmallVector<Value> chooseExpertsPerToken(OpBuilder &b, Location loc,
                                         llama4::MoeOp op, Value logits) {
  MLIRContext *ctx = b.getContext();
  Precision precision(elementTypeOf(logits));
  SmallVector<OpFoldResult> tokens = tokenSizes(b, loc, logits);
  unsigned lead = tokens.size();
  Value minusInf = arith::ConstantOp::create(
      b, loc, b.getF32FloatAttr(-std::numeric_limits<float>::infinity()));
  Value zero = indexConstant(b, loc, 0);
  // Loops (tokens..., expert).
  AffineMap tokenExpert = AffineMap::getMultiDimIdentityMap(lead + 1, ctx);
  AffineMap token = leadingLoops(ctx, lead + 1, lead);
  SmallVector<Value> chosen;
  for (int64_t k = 0; k < op.getTopKAttr().getInt(); ++k) {
    Value bestInit = linalg::FillOp::create(
                         b, loc, ValueRange{minusInf},
                         ValueRange{emptyTensor(b, loc, tokens, b.getF32Type())})
                         .getResult(0);
    Value expertInit =
        linalg::FillOp::create(
            b, loc, ValueRange{zero},
            ValueRange{emptyTensor(b, loc, tokens, b.getIndexType())})
            .getResult(0);
    SmallVector<Value> inputs = {logits};
    inputs.append(chosen);
    SmallVector<AffineMap> maps = {tokenExpert};
    maps.append(chosen.size(), token);
    maps.append({token, token});
    auto search = linalg::GenericOp::create(
        b, loc, TypeRange{bestInit.getType(), expertInit.getType()}, inputs,
        ValueRange{bestInit, expertInit}, maps, iterators(lead, 1),
        [&](OpBuilder &nb, Location nloc, ValueRange args) {
          Value expert = linalg::IndexOp::create(nb, nloc, lead);
          Value value = precision.widen(nb, nloc, args[0]);
          Value better = arith::CmpFOp::create(
              nb, nloc, arith::CmpFPredicate::OGT, value, args[args.size() - 2]);
          for (Value taken : args.slice(1, chosen.size()))
            better = arith::AndIOp::create(
                nb, nloc, better,
                arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::ne,
                                      expert, taken));
          linalg::YieldOp::create(
              nb, nloc,
              ValueRange{arith::SelectOp::create(nb, nloc, better, value,
                                                 args[args.size() - 2]),
                         arith::SelectOp::create(nb, nloc, better, expert,
                                                 args.back())});
        });
    chosen.push_back(search.getResult(1));
  }
  return chosen;
}

/// out[..., n] = sum_k x[..., k] * weights[expert[...], k, n] in f32,
/// rounded to `storage`: each token's row times its own expert's [in, out]
/// matrix, named a gathered product. With the router's `logits`, each
/// element of the row is first scaled by its expert's score
/// round(sigmoid(logit)) and rounded to x's type, as transformers scales
/// an expert's input: computed here, where the row is read, rather than
/// by a kernel of its own that writes the scaled row (the score is the
/// same in every step of a token's sum, which LLVM hoists out of it).
Value timesTokenExpert(OpBuilder &b, Location loc, Value x, Value experts,
                       Value weights, Type storage, Value logits = Value()) {
  MLIRContext *ctx = b.getContext();
  SmallVector<OpFoldResult> sizes = tokenSizes(b, loc, x);
  unsigned lead = sizes.size();
  sizes.push_back(
      b.getIndexAttr(cast<RankedTensorType>(weights.getType()).getDimSize(2)));
  Value acc = zerosF32(b, loc, sizes);
  Precision xPrecision(elementTypeOf(x)), wPrecision(elementTypeOf(weights));
  // Loops (tokens..., n, k): the output's loops first, the reduction last.
  unsigned rank = lead + 2;
  SmallVector<unsigned> xLoops = llvm::to_vector(llvm::seq<unsigned>(0, lead));
  xLoops.push_back(lead + 1);
  auto product =
      linalg::GenericOp::create(
          b, loc, TypeRange{acc.getType()}, ValueRange{x, experts},
          ValueRange{acc},
          ArrayRef<AffineMap>{dims(ctx, rank, xLoops),
                              leadingLoops(ctx, rank, lead),
                              leadingLoops(ctx, rank, lead + 1)},
          iterators(lead + 1, 1),
          [&](OpBuilder &nb, Location nloc, ValueRange args) {
            Value n = linalg::IndexOp::create(nb, nloc, lead);
            Value k = linalg::IndexOp::create(nb, nloc, lead + 1);
            Value weight = tensor::ExtractOp::create(
                nb, nloc, weights, ValueRange{args[1], k, n});
            Value element = xPrecision.widen(nb, nloc, args[0]);
            if (logits) {
              SmallVector<Value> at;
              for (unsigned dim = 0; dim < lead; ++dim)
                at.push_back(linalg::IndexOp::create(nb, nloc, dim));
              at.push_back(args[1]);
              Precision logitPrecision(elementTypeOf(logits));
              Value score =
                  routerScore(nb, nloc, logitPrecision,
                              logitPrecision.widen(nb, nloc,
                                                   tensor::ExtractOp::create(
                                                       nb, nloc, logits, at)));
              element = xPrecision.round(
                  nb, nloc, arith::MulFOp::create(nb, nloc, element, score));
            }
            Value term = arith::MulFOp::create(
                nb, nloc, element, wPrecision.widen(nb, nloc, weight));
            linalg::YieldOp::create(
                nb, nloc, Value(arith::AddFOp::create(nb, nloc, args[2], term)));
          });
  product->setAttr(llama4::kGatheredProductAttrName, b.getUnitAttr());
  return castElements(b, loc, product.getResult(0), storage);
}

/// The routed output round(sum_k y_k) of the tokens `x` [..., D], every
/// token multiplying its own experts (the per-token dispatch), all rows
/// at once.
Value routeTokensPerToken(OpBuilder &b, Location loc, llama4::MoeOp op,
                          Value x, Value logits) {
  MLIRContext *ctx = b.getContext();
  Type storage = elementTypeOf(x);
  Precision precision(storage);
  bool isSilu = op.getActivation() == llama4::Activation::silu;
  int64_t width = cast<RankedTensorType>(op.getDown().getType()).getDimSize(1);
  SmallVector<OpFoldResult> tokens = tokenSizes(b, loc, x);
  unsigned rank = tokens.size() + 1;
  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
  Value sum = zerosF32(b, loc, tensor::getMixedSizes(b, loc, x));
  for (Value experts : chooseExpertsPerToken(b, loc, op, logits)) {
    Value gateUp =
        timesTokenExpert(b, loc, x, experts, op.getGateUp(), storage, logits);
    Value hidden =
        gatedActivation(b, loc, gateUp, tokens, width, isSilu, storage);
    Value expertOut =
        timesTokenExpert(b, loc, hidden, experts, op.getDown(), storage);
    sum = buildMap(b, loc, {sum, expertOut}, {identity, identity},
                   zerosF32(b, loc, tensor::getMixedSizes(b, loc, x)),
                   [&](OpBuilder &nb, Location nloc, ValueRange args) {
                     return Value(arith::AddFOp::create(
                         nb, nloc, args[0], precision.widen(nb, nloc, args[1])));
                   });
  }
  return castElements(b, loc, sum, storage);
}

struct MoeToLinalg : OpRewritePattern<llama4::MoeOp> {
  MoeToLinalg(MLIRContext *ctx, MoeDispatch dispatch)
      : OpRewritePattern(ctx), dispatch(dispatch) {}
  MoeDispatch dispatch;
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
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, x);
    Value routed = dispatch == MoeDispatch::PerToken
                       ? routeTokensPerToken(b, loc, op, x, logits)
                       : routeSequences(b, loc, op, x, logits);

    Value shared = buildGatedMlp(b, loc, x, op.getSharedGate(),
                                 op.getSharedUp(), op.getSharedDown(), isSilu);
    AffineMap identity = b.getMultiDimIdentityMap(rank);
    rewriter.replaceOp(
        op, buildMap(b, loc, {shared, routed}, {identity, identity},
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

void llama4c::populateMoeToLinalgPatterns(RewritePatternSet &patterns,
                                          MoeDispatch dispatch) {
  patterns.add<MoeToLinalg>(patterns.getContext(), dispatch);
}
