//===- AttentionTiling.cpp - The attention kernel ops as tiles ------------===//
//
// The TilingInterface of llama4.online_attention and
// llama4.partial_attention: their loops are the queries' (b, h, g, s),
// after the partial op's split p, all parallel; the head dimension and the
// keys stay whole in every tile. This is what lets MLIR's tile-and-fuse driver
// make one GPU kernel of the whole attention, as it does of a linalg op.
//
//===----------------------------------------------------------------------===//

#include "dialects/llama4/IR/Llama4Dialect.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"

using namespace mlir;
using namespace mlir::llama4;

namespace {

/// The loops of the iteration space: the queries' leading dimensions; the
/// partial op's split comes first, its query loops after it.
enum Loop : unsigned { kBatch, kKvHead, kGroup, kToken, kQueryLoops };

/// For each dimension of an operand, the query loop it is tiled along, if
/// any, or the split.
constexpr int kWhole = -1;
constexpr int kSplit = -2;
using DimLoops = ArrayRef<int>;

constexpr int kQueryDims[] = {kBatch, kKvHead, kGroup, kToken, kWhole};
constexpr int kPositionDims[] = {kBatch, kToken};
constexpr int kKeyDims[] = {kBatch, kKvHead, kWhole, kWhole};
constexpr int kPagedCacheDims[] = {kWhole, kKvHead, kWhole, kWhole};
constexpr int kBlockTableDims[] = {kBatch, kWhole};
constexpr int kKeyPositionDims[] = {kBatch, kWhole};
constexpr int kSplitStateDims[] = {kSplit, kBatch, kKvHead, kGroup, kToken};
constexpr int kSplitAccDims[] = {kSplit, kBatch, kKvHead,
                                 kGroup, kToken, kWhole};

/// Slices operands for one tile, recording each slice in `result`. The
/// tile's loops are the split's, if `split`, then the query loops.
struct TileSlicer {
  OpBuilder &b;
  Location loc;
  ArrayRef<OpFoldResult> offsets, sizes;
  bool split;
  TilingResult &result;

  Value operator()(Value source, DimLoops dimLoops) {
    SmallVector<OpFoldResult> sliceOffsets, sliceSizes;
    for (auto [dim, loop] : llvm::enumerate(dimLoops)) {
      if (loop == kWhole) {
        sliceOffsets.push_back(b.getIndexAttr(0));
        sliceSizes.push_back(tensor::getMixedSize(b, loc, source, dim));
        continue;
      }
      unsigned at = loop == kSplit ? 0 : unsigned(loop) + unsigned(split);
      sliceOffsets.push_back(offsets[at]);
      sliceSizes.push_back(sizes[at]);
    }
    SmallVector<OpFoldResult> strides(dimLoops.size(), b.getIndexAttr(1));
    auto extract = tensor::ExtractSliceOp::create(b, loc, source, sliceOffsets,
                                                  sliceSizes, strides);
    result.generatedSlices.push_back(extract);
    return extract;
  }

  /// The operands both ops read: queries, their positions, the caches and
  /// their scales (a paged cache's pages whole, its block table's rows
  /// sliced) and the new tokens.
  template <typename AttentionOp> SmallVector<Value> keysOf(AttentionOp op) {
    DimLoops cacheDims =
        op.getBlockTable() ? DimLoops(kPagedCacheDims) : DimLoops(kKeyDims);
    SmallVector<Value> operands = {
        (*this)(op.getQueries(), kQueryDims),
        (*this)(op.getQueryPositions(), kPositionDims),
        (*this)(op.getKeyCache(), cacheDims),
        (*this)(op.getValueCache(), cacheDims)};
    // Scales [.., Hkv, .., 1] go as their caches.
    if (op.getKeyScales())
      operands.append({(*this)(op.getKeyScales(), cacheDims),
                       (*this)(op.getValueScales(), cacheDims)});
    if (Value table = op.getBlockTable())
      operands.push_back((*this)(table, kBlockTableDims));
    operands.append({(*this)(op.getKeys(), kKeyDims),
                     (*this)(op.getValues(), kKeyDims),
                     (*this)(op.getKeyPositions(), kKeyPositionDims)});
    return operands;
  }
};

/// The splits of `splitState` [P, ...], if any, then the queries' loops.
SmallVector<Range> domainOf(OpBuilder &b, Location loc, Value queries,
                            std::optional<Value> splitState) {
  SmallVector<Range> domain;
  if (splitState)
    domain.push_back(Range{b.getIndexAttr(0),
                           tensor::getMixedSize(b, loc, *splitState, 0),
                           b.getIndexAttr(1)});
  for (unsigned loop = 0; loop < kQueryLoops; ++loop)
    domain.push_back(Range{b.getIndexAttr(0),
                           tensor::getMixedSize(b, loc, queries, loop),
                           b.getIndexAttr(1)});
  return domain;
}

/// A tile's result position: the loops' offsets and sizes, then whole
/// trailing dimensions of `init`.
void tilePosition(OpBuilder &b, Location loc, Value init,
                  ArrayRef<OpFoldResult> offsets, ArrayRef<OpFoldResult> sizes,
                  SmallVector<OpFoldResult> &resultOffsets,
                  SmallVector<OpFoldResult> &resultSizes) {
  resultOffsets.assign(offsets.begin(), offsets.end());
  resultSizes.assign(sizes.begin(), sizes.end());
  auto rank = cast<ShapedType>(init.getType()).getRank();
  for (int64_t dim = offsets.size(); dim < rank; ++dim) {
    resultOffsets.push_back(b.getIndexAttr(0));
    resultSizes.push_back(tensor::getMixedSize(b, loc, init, dim));
  }
}

} // namespace

//===----------------------------------------------------------------------===//
// OnlineAttentionOp
//===----------------------------------------------------------------------===//

SmallVector<utils::IteratorType> OnlineAttentionOp::getLoopIteratorTypes() {
  return SmallVector<utils::IteratorType>(kQueryLoops,
                                          utils::IteratorType::parallel);
}

SmallVector<Range> OnlineAttentionOp::getIterationDomain(OpBuilder &b) {
  return domainOf(b, getLoc(), getQueries(), std::nullopt);
}

FailureOr<TilingResult>
OnlineAttentionOp::getTiledImplementation(OpBuilder &b,
                                          ArrayRef<OpFoldResult> offsets,
                                          ArrayRef<OpFoldResult> sizes) {
  TilingResult result;
  TileSlicer slice{b, getLoc(), offsets, sizes, /*split=*/false, result};
  Value init = slice(getInit(), kQueryDims);
  SmallVector<Value> operands = slice.keysOf(*this);
  operands.push_back(init);
  Operation *tiled =
      b.create(getLoc(), getOperation()->getName().getIdentifier(), operands,
               TypeRange{init.getType()}, (*this)->getAttrs());
  result.tiledOps.push_back(tiled);
  result.tiledValues.push_back(tiled->getResult(0));
  return result;
}

LogicalResult OnlineAttentionOp::getResultTilePosition(
    OpBuilder &b, unsigned, ArrayRef<OpFoldResult> offsets,
    ArrayRef<OpFoldResult> sizes, SmallVector<OpFoldResult> &resultOffsets,
    SmallVector<OpFoldResult> &resultSizes) {
  tilePosition(b, getLoc(), getInit(), offsets, sizes, resultOffsets,
               resultSizes);
  return success();
}

//===----------------------------------------------------------------------===//
// PartialAttentionOp
//===----------------------------------------------------------------------===//

SmallVector<utils::IteratorType> PartialAttentionOp::getLoopIteratorTypes() {
  return SmallVector<utils::IteratorType>(kQueryLoops + 1,
                                          utils::IteratorType::parallel);
}

SmallVector<Range> PartialAttentionOp::getIterationDomain(OpBuilder &b) {
  return domainOf(b, getLoc(), getQueries(), getMaxInit());
}

FailureOr<TilingResult>
PartialAttentionOp::getTiledImplementation(OpBuilder &b,
                                           ArrayRef<OpFoldResult> offsets,
                                           ArrayRef<OpFoldResult> sizes) {
  Location loc = getLoc();
  TilingResult result;
  TileSlicer slice{b, loc, offsets, sizes, /*split=*/true, result};
  SmallVector<Value> operands = slice.keysOf(*this);
  // The tile's first split counts from the op's.
  operands.push_back(arith::AddIOp::create(
      b, loc, getFirstSplit(),
      getValueOrCreateConstantIndexOp(b, loc, offsets.front())));
  SmallVector<Value> inits = {slice(getMaxInit(), kSplitStateDims),
                              slice(getSumInit(), kSplitStateDims),
                              slice(getAccInit(), kSplitAccDims)};
  llvm::append_range(operands, inits);
  Operation *tiled =
      b.create(loc, getOperation()->getName().getIdentifier(), operands,
               ValueRange(inits).getTypes(), (*this)->getAttrs());
  result.tiledOps.push_back(tiled);
  llvm::append_range(result.tiledValues, tiled->getResults());
  return result;
}

LogicalResult PartialAttentionOp::getResultTilePosition(
    OpBuilder &b, unsigned resultNumber, ArrayRef<OpFoldResult> offsets,
    ArrayRef<OpFoldResult> sizes, SmallVector<OpFoldResult> &resultOffsets,
    SmallVector<OpFoldResult> &resultSizes) {
  tilePosition(b, getLoc(), getDpsInits()[resultNumber], offsets, sizes,
               resultOffsets, resultSizes);
  return success();
}
