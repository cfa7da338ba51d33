//===- KvCacheToLinalg.cpp - llama4.kv_cache_update -> tensor + scf -------===//
//
// A scatter: token (b, s) of the update [B, S, Hkv, d] is stored into cache
// [B, Hkv, L, d] at slot `positions[b, s] mod window` (or the position
// itself for a global layer's cache), one [Hkv, d] slice per token; into a
// paged cache [pages, Hkv, P, d] at slot `p mod P` of page
// `block_table[b, p / P]`. An f8E4M3FN cache stores the update's e4m3 codes,
// and its scales [.., Hkv, .., 1] their scales, at the same slot. After
// bufferization the slices are copied into the cache in place.
//
//===----------------------------------------------------------------------===//

#include "dialects/llama4/IR/Llama4Dialect.h"
#include "passes/conversion/Llama4ToLinalg/Float8E4M3.h"
#include "passes/conversion/Llama4ToLinalg/Patterns.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace llama4c;

namespace {

struct KvCacheUpdateToScf : OpRewritePattern<llama4::KvCacheUpdateOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(llama4::KvCacheUpdateOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    OpBuilder &b = rewriter;
    Value update = op.getUpdate(), positions = op.getPositions();
    auto updateType = cast<RankedTensorType>(update.getType());
    int64_t kvHeads = updateType.getDimSize(2), headDim = updateType.getDimSize(3);
    if (ShapedType::isDynamic(kvHeads) || ShapedType::isDynamic(headDim))
      return rewriter.notifyMatchFailure(op, "needs static heads");
    int64_t window = op.getWindowAttr().getInt();
    int64_t pageSize =
        cast<RankedTensorType>(op.getCache().getType()).getDimSize(2);
    if (op.getBlockTable() && ShapedType::isDynamic(pageSize))
      return rewriter.notifyMatchFailure(op, "needs a static page size");

    // What is stored: the update itself, or its e4m3 codes and, into the
    // scales, their scales (all tokens at once, before the scatter).
    SmallVector<Value> sources = {update}, caches = {op.getCache()};
    if (Value scales = op.getScales()) {
      auto [codes, codeScales] = quantizeE4M3Rows(b, loc, update);
      sources = {codes, codeScales};
      caches.push_back(scales);
    }

    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    Value batch = tensor::DimOp::create(b, loc, update, 0);
    Value seq = tensor::DimOp::create(b, loc, update, 1);
    auto unitStrides = SmallVector<OpFoldResult>(4, b.getIndexAttr(1));
    // One loop nest per destination: a GPU target sinks each, a copy of
    // one slice per iteration, into a kernel
    // (--llama4-gpu-sink-scatter-loops).
    auto scatter = [&](Value source, Value cache) {
      auto sourceType = cast<RankedTensorType>(source.getType());
      int64_t width = sourceType.getDimSize(3);
      auto sliceType =
          RankedTensorType::get({kvHeads, width}, sourceType.getElementType());
      auto outer = scf::ForOp::create(
          b, loc, zero, batch, one, ValueRange{cache},
          [&](OpBuilder &ob, Location oloc, Value row, ValueRange outerArgs) {
            auto inner = scf::ForOp::create(
                ob, oloc, zero, seq, one, outerArgs,
                [&](OpBuilder &ib, Location iloc, Value token,
                    ValueRange innerArgs) {
                  Value position = arith::IndexCastOp::create(
                      ib, iloc, ib.getIndexType(),
                      tensor::ExtractOp::create(ib, iloc, positions,
                                                ValueRange{row, token}));
                  // The row's page (itself unless paged) and its slot.
                  Value page = row, slot = position;
                  if (window > 0)
                    slot = arith::RemUIOp::create(
                        ib, iloc, position,
                        arith::ConstantIndexOp::create(ib, iloc, window));
                  if (Value table = op.getBlockTable()) {
                    Value size =
                        arith::ConstantIndexOp::create(ib, iloc, pageSize);
                    page = arith::IndexCastOp::create(
                        ib, iloc, ib.getIndexType(),
                        tensor::ExtractOp::create(
                            ib, iloc, table,
                            ValueRange{row, arith::DivUIOp::create(
                                                ib, iloc, position, size)}));
                    slot = arith::RemUIOp::create(ib, iloc, position, size);
                  }
                  Value slice = tensor::ExtractSliceOp::create(
                      ib, iloc, sliceType, source,
                      ArrayRef<OpFoldResult>{row, token, ib.getIndexAttr(0),
                                             ib.getIndexAttr(0)},
                      ArrayRef<OpFoldResult>{
                          ib.getIndexAttr(1), ib.getIndexAttr(1),
                          ib.getIndexAttr(kvHeads), ib.getIndexAttr(width)},
                      unitStrides);
                  Value stored = tensor::InsertSliceOp::create(
                      ib, iloc, slice, innerArgs[0],
                      ArrayRef<OpFoldResult>{page, ib.getIndexAttr(0), slot,
                                             ib.getIndexAttr(0)},
                      ArrayRef<OpFoldResult>{
                          ib.getIndexAttr(1), ib.getIndexAttr(kvHeads),
                          ib.getIndexAttr(1), ib.getIndexAttr(width)},
                      unitStrides);
                  scf::YieldOp::create(ib, iloc, stored);
                });
            scf::YieldOp::create(ob, oloc, inner.getResults());
          });
      return outer.getResult(0);
    };
    SmallVector<Value> results;
    for (auto [source, cache] : llvm::zip(sources, caches))
      results.push_back(scatter(source, cache));
    rewriter.replaceOp(op, results);
    return success();
  }
};

} // namespace

void llama4c::populateKvCacheToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<KvCacheUpdateToScf>(patterns.getContext());
}
