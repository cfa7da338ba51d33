//===- OnlineAttentionTiling.cpp - llama4.online_attention as a tile ------===//
//
// The TilingInterface of llama4.online_attention: its loops are the
// queries' (b, h, g, s), all parallel; the head dimension and the keys stay
// whole in every tile. This is what lets MLIR's tile-and-fuse driver make
// one GPU kernel of the whole attention, as it does of a linalg op.
//
//===----------------------------------------------------------------------===//

#include "dialects/llama4/IR/Llama4Dialect.h"

#include "mlir/Dialect/Utils/StructuredOpsUtils.h"

using namespace mlir;
using namespace mlir::llama4;

namespace {

/// The loops of the iteration space, as the queries' leading dimensions.
enum Loop : unsigned { kBatch, kKvHead, kGroup, kToken, kLoops };

/// For each dimension of an operand, the loop it is tiled along, if any.
using DimLoops = ArrayRef<std::optional<unsigned>>;

constexpr std::optional<unsigned> kWhole = std::nullopt;
constexpr std::optional<unsigned> kQueryDims[] = {kBatch, kKvHead, kGroup,
                                                  kToken, kWhole};
constexpr std::optional<unsigned> kPositionDims[] = {kBatch, kToken};
constexpr std::optional<unsigned> kKeyDims[] = {kBatch, kKvHead, kWhole,
                                                kWhole};
constexpr std::optional<unsigned> kKeyPositionDims[] = {kBatch, kWhole};

} // namespace

SmallVector<utils::IteratorType> OnlineAttentionOp::getLoopIteratorTypes() {
  return SmallVector<utils::IteratorType>(kLoops,
                                          utils::IteratorType::parallel);
}

SmallVector<Range> OnlineAttentionOp::getIterationDomain(OpBuilder &b) {
  SmallVector<Range> domain;
  for (unsigned loop = 0; loop < kLoops; ++loop)
    domain.push_back(Range{b.getIndexAttr(0),
                           tensor::getMixedSize(b, getLoc(), getQueries(),
                                                loop),
                           b.getIndexAttr(1)});
  return domain;
}

FailureOr<TilingResult>
OnlineAttentionOp::getTiledImplementation(OpBuilder &b,
                                          ArrayRef<OpFoldResult> offsets,
                                          ArrayRef<OpFoldResult> sizes) {
  Location loc = getLoc();
  TilingResult result;
  auto slice = [&](Value source, DimLoops dimLoops) -> Value {
    SmallVector<OpFoldResult> sliceOffsets, sliceSizes;
    for (auto [dim, loop] : llvm::enumerate(dimLoops)) {
      sliceOffsets.push_back(loop ? offsets[*loop] : b.getIndexAttr(0));
      sliceSizes.push_back(loop ? sizes[*loop]
                                : tensor::getMixedSize(b, loc, source, dim));
    }
    SmallVector<OpFoldResult> strides(dimLoops.size(), b.getIndexAttr(1));
    auto extract = tensor::ExtractSliceOp::create(b, loc, source, sliceOffsets,
                                                  sliceSizes, strides);
    result.generatedSlices.push_back(extract);
    return extract;
  };
  Value init = slice(getInit(), kQueryDims);
  SmallVector<Value> operands = {slice(getQueries(), kQueryDims),
                                 slice(getQueryPositions(), kPositionDims),
                                 slice(getKeyCache(), kKeyDims),
                                 slice(getValueCache(), kKeyDims),
                                 slice(getKeys(), kKeyDims),
                                 slice(getValues(), kKeyDims),
                                 slice(getKeyPositions(), kKeyPositionDims),
                                 init};
  Operation *tiled =
      b.create(loc, getOperation()->getName().getIdentifier(), operands,
               TypeRange{init.getType()}, (*this)->getAttrs());
  result.tiledOps.push_back(tiled);
  result.tiledValues.push_back(tiled->getResult(0));
  return result;
}

LogicalResult OnlineAttentionOp::getResultTilePosition(
    OpBuilder &b, unsigned, ArrayRef<OpFoldResult> offsets,
    ArrayRef<OpFoldResult> sizes, SmallVector<OpFoldResult> &resultOffsets,
    SmallVector<OpFoldResult> &resultSizes) {
  resultOffsets.assign(offsets.begin(), offsets.end());
  resultOffsets.push_back(b.getIndexAttr(0));
  resultSizes.assign(sizes.begin(), sizes.end());
  resultSizes.push_back(tensor::getMixedSize(b, getLoc(), getInit(), kLoops));
  return success();
}
