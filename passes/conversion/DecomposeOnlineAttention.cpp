//===- DecomposeOnlineAttention.cpp - llama4.online_attention -> linalg ---===//
//
// --llama4-decompose-online-attention: see Passes.td.
//
// Eager attention as transformers computes it (eager_attention_forward):
//   scores = round(round(q . k) * scale), masked to -inf
//   out    = round(softmax(scores) . v)       (f32 inside)
// with the softmax computed online, flash-attention style: for each KV head
// the queries of its G heads ([G, S, d]) meet one block of `key_block` keys
// at a time, keeping per query the running maximum m, the sum l of
// exp(score - m) and the sum of exp(score - m) * v, rescaled when m grows.
// The [S, keys] score matrix is never materialised: a block's scores are
// [G, S, block]. Both products are in the forms the CPU tiling pass
// register-tiles: q . k^T with keys as [out, in] rows, and p . v with
// values as an [in, out] matrix. transformers rounds the normalised
// probabilities to a bf16 model's type before p . v; here they stay f32
// until the output is rounded, a difference within bf16's rounding.
//
// The running state is updated in place (each block's last op writes into
// the tensor the loop carries), so that bufferization keeps one m, l and
// accumulator per KV head: on a GPU, in the thread's own memory.
//
// Keys that no query of a block can see are not visited: cache slots past
// the last one holding an earlier position of the queries' chunk, and new
// tokens after the last query or before its chunk. Positions along a row
// are consecutive (abi.h), so the block's first and last queries bound
// them. Skipped keys would have weighed exactly 0. A GPU tile's queries
// are one block; on the host a head's queries go in blocks of
// consecutive positions that a chunk holds whole.
//
// On the host the batch rows' KV heads and their query blocks run side by
// side on threads (an scf.forall): each reads its own keys and values and
// writes its own slice of the output.
//
// A warp's queries (a GPU tile with a warp per element: a decode step's
// query heads of one KV head) split their keys between the lanes, each
// lane an online softmax of its own, and combine the lanes' states at the
// end, as flash-decoding combines splits. Where the group's accumulators
// would not fit a lane's registers, each key is read by a few lanes side
// by side, each taking some of its head dims (the config's register
// tile): they add their parts of each score across the lanes, and each
// keeps its own dims of p . v. Every key and value is read once for the
// whole group.
//
// A paged cache (a global layer's pool of pages and the block table that
// allots them to rows) is read a page at a time, each page's slots one
// source of keys like an unpaged cache's, so blocks of keys never straddle
// two pages. An f8E4M3FN cache's blocks are dequantized as they are read,
// in the queries' type, exactly (see Float8E4M3.h).
//
// llama4.partial_attention is the same softmax over one split of each
// query's visible keys, its state written out unnormalised.
//
//===----------------------------------------------------------------------===//

#include "passes/conversion/Passes.h"

#include "dialects/llama4/IR/Llama4Dialect.h"
#include "passes/conversion/Llama4ToLinalg/Float8E4M3.h"
#include "passes/conversion/Llama4ToLinalg/LinalgBuilders.h"
#include "passes/gpu/Warp.h"

#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/TypeSwitch.h"

#include <limits>

namespace llama4c {
#define GEN_PASS_DEF_LLAMA4DECOMPOSEONLINEATTENTIONPASS
#include "passes/conversion/Passes.h.inc"
} // namespace llama4c

using namespace mlir;
using namespace llama4c;

namespace {

Value constantI32(OpBuilder &b, Location loc, int32_t value) {
  return arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(value));
}

/// `value` clamped to [0, limit] (index values).
Value clampIndex(OpBuilder &b, Location loc, Value value, Value limit) {
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  return arith::MinSIOp::create(b, loc,
                                arith::MaxSIOp::create(b, loc, value, zero),
                                limit);
}

/// The online softmax of the queries [G, S] of one KV head.
struct OnlineSoftmax {
  Value max; // [G, S] f32, -inf before any visible key
  Value sum; // [G, S] f32
  Value acc; // [G, S, d] f32
};

/// What the attention ops share: how queries see keys.
struct KeySpec {
  Value queryPositions; // [B, S] i32
  Value keyPositions;   // [B, S'] i32
  int64_t chunk;
  int64_t keyBlock;
  float scale;
  bool inTile; // inside a GPU tile (scf.forall)

  template <typename AttentionOp> static KeySpec of(AttentionOp op) {
    return {op.getQueryPositions(),
            op.getKeyPositions(),
            op.getChunkSizeAttr().getInt(),
            op.getKeyBlockAttr().getInt(),
            static_cast<float>(op.getScale().convertToDouble()),
            op->template getParentOfType<scf::ForallOp>() != nullptr};
  }
};

/// One of a partial op's splits: spans of max(ceil(n / count), minKeys)
/// of a query's n visible keys, this one the `index`-th.
struct KeySplit {
  Value index;
  int64_t count;
  int64_t minKeys;
};

/// How a warp's lanes share its queries: `keyLanes` groups of lanes take
/// every keyLanes-th key, and in each group `dimLanes` lanes side by side
/// take `columns` head dims each of every key, value and accumulator
/// (lane = keyLane * dimLanes + dimLane).
struct WarpLanes {
  Value keyLane, dimLane;
  int64_t keyLanes, dimLanes, columns;
};

/// Keys and values [N, d] attended together; f8E4M3FN ones with their
/// scales [N, 1].
struct KeySource {
  Value keys, values;
  Value keyScales, valueScales; // f8E4M3FN caches only

  /// The source's tensors with `slice` applied to each.
  KeySource map(function_ref<Value(Value)> slice) const {
    return {slice(keys), slice(values), keyScales ? slice(keyScales) : Value(),
            valueScales ? slice(valueScales) : Value()};
  }
};

/// One KV head's keys and values: its cache [L, d] and new tokens [S', d].
/// A paged cache is the op's pools [pages, Hkv, P, d] whole, with the block
/// table [B, T] and the KV head.
struct HeadKeys {
  KeySource cached, fresh;
  Value blockTable, kvHead; // paged caches only

  /// How many slots the row's cache has: [L, d]'s L, or T pages of P.
  Value cacheSlots(OpBuilder &b, Location loc) const {
    if (!blockTable)
      return tensor::DimOp::create(b, loc, cached.keys, 0);
    return arith::MulIOp::create(b, loc,
                                 tensor::DimOp::create(b, loc, blockTable, 1),
                                 tensor::DimOp::create(b, loc, cached.keys, 2));
  }
};

/// Emits the attention of one KV head of one batch row.
class HeadAttention {
public:
  /// `lanes` when a warp computes the queries [G, S, d].
  HeadAttention(OpBuilder &b, Location loc, const KeySpec &spec, Value row,
                Value queries, std::optional<WarpLanes> lanes)
      : b(b), loc(loc), spec(spec), row(row), lanes(lanes),
        precision(elementTypeOf(queries)) {
    this->queries = laneColumns(queries);
  }

  /// The online softmax of the queries [G, S, d] over the cached keys then
  /// the new ones of `keys`, or over `split` of them.
  OnlineSoftmax softmax(const HeadKeys &keys, std::optional<KeySplit> split) {
    SmallVector<OpFoldResult> rowSizes =
        tensor::getMixedSizes(b, loc, queries);
    rowSizes.pop_back();
    Value minusInf =
        constantF32(b, loc, -std::numeric_limits<float>::infinity());
    OnlineSoftmax state{
        linalg::FillOp::create(
            b, loc, ValueRange{minusInf},
            ValueRange{emptyTensor(b, loc, rowSizes, b.getF32Type())})
            .getResult(0),
        zerosF32(b, loc, rowSizes),
        zerosF32(b, loc, tensor::getMixedSizes(b, loc, queries))};

    KeyRange cached = visibleCacheSlots(keys.cacheSlots(b, loc));
    KeyRange fresh =
        visibleNewTokens(tensor::DimOp::create(b, loc, keys.fresh.keys, 0));
    if (split)
      std::tie(cached, fresh) = splitOf(cached, fresh, *split);
    state = keys.blockTable
                ? attendPages(state, keys, cached)
                : attend(state, keys.cached, cached, /*cached=*/true);
    state = attend(state, keys.fresh, fresh, /*cached=*/false);
    return lanes ? combineLanes(state) : state;
  }

  /// round(acc / sum) of `state`, written into `out` [G, S, d] (the lane's
  /// head dims of it).
  Value normalize(const OnlineSoftmax &state, Value out) {
    AffineMap identity = b.getMultiDimIdentityMap(3);
    Value normalized = buildMap(
        b, loc, {state.acc, state.sum},
        {identity, dims(b.getContext(), 3, {0, 1})}, laneColumns(out),
        [&](OpBuilder &nb, Location nloc, ValueRange args) {
          return precision.narrow(
              nb, nloc, arith::DivFOp::create(nb, nloc, args[0], args[1]));
        });
    return withLaneColumns(normalized, out);
  }

  /// `whole`'s last dimension cut to the lane's head dims: all of them
  /// but where lanes share each key.
  Value laneColumns(Value whole) {
    if (!lanes || lanes->dimLanes == 1)
      return whole;
    LaneSlice slice = laneSliceOf(whole);
    return tensor::ExtractSliceOp::create(b, loc, whole, slice.offsets,
                                          slice.sizes, slice.strides);
  }

  /// `part`, the lane's head dims, written into `whole`.
  Value withLaneColumns(Value part, Value whole) {
    if (!lanes || lanes->dimLanes == 1)
      return part;
    LaneSlice slice = laneSliceOf(whole);
    return tensor::InsertSliceOp::create(b, loc, part, whole, slice.offsets,
                                         slice.sizes, slice.strides);
  }

  /// How many of `slots` cached keys and `tokens` new ones the op's
  /// queries may see.
  Value visibleKeys(Value slots, Value tokens) {
    KeyRange cached = visibleCacheSlots(slots);
    KeyRange fresh = visibleNewTokens(tokens);
    return arith::AddIOp::create(
        b, loc, arith::SubIOp::create(b, loc, cached.end, cached.begin),
        arith::SubIOp::create(b, loc, fresh.end, fresh.begin));
  }

private:
  struct LaneSlice {
    SmallVector<OpFoldResult> offsets, sizes, strides;
  };

  /// The lane's head dims of `whole`: `columns` of its last dimension from
  /// dimLane * columns.
  LaneSlice laneSliceOf(Value whole) {
    LaneSlice slice;
    slice.sizes = tensor::getMixedSizes(b, loc, whole);
    slice.offsets.assign(slice.sizes.size(), b.getIndexAttr(0));
    slice.strides.assign(slice.sizes.size(), b.getIndexAttr(1));
    slice.sizes.back() = b.getIndexAttr(lanes->columns);
    slice.offsets.back() = getAsOpFoldResult(arith::MulIOp::create(
        b, loc, lanes->dimLane,
        arith::ConstantIndexOp::create(b, loc, lanes->columns)));
    return slice;
  }

  /// Keys [begin, end) of one source (index values).
  struct KeyRange {
    Value begin, end;
  };

  /// The cached slots and new tokens of `split`: the n visible keys in
  /// order, cached then new, cut into spans of w = max(ceil(n / count),
  /// minKeys), this split's [index * w, (index + 1) * w) of them.
  std::pair<KeyRange, KeyRange> splitOf(KeyRange cached, KeyRange fresh,
                                        const KeySplit &split) {
    auto index = [&](int64_t value) {
      return arith::ConstantIndexOp::create(b, loc, value);
    };
    Value cachedCount = arith::SubIOp::create(b, loc, cached.end, cached.begin);
    Value freshCount = arith::SubIOp::create(b, loc, fresh.end, fresh.begin);
    Value visible = arith::AddIOp::create(b, loc, cachedCount, freshCount);
    Value span = arith::MaxSIOp::create(
        b, loc, arith::CeilDivSIOp::create(b, loc, visible, index(split.count)),
        index(split.minKeys));
    Value low = arith::MulIOp::create(b, loc, split.index, span);
    Value high = arith::AddIOp::create(b, loc, low, span);
    // Both bounds, as offsets into each source.
    auto within = [&](KeyRange range, Value skipped, Value count) {
      auto at = [&](Value bound) {
        return arith::AddIOp::create(
            b, loc, range.begin,
            clampIndex(b, loc, arith::SubIOp::create(b, loc, bound, skipped),
                       count));
      };
      return KeyRange{at(low), at(high)};
    };
    return {within(cached, index(0), cachedCount),
            within(fresh, cachedCount, freshCount)};
  }

  /// The cache slots any query of the op may see. Slot kk holds position
  /// chunk_start + kk on a chunked layer (the window holds the query's
  /// chunk), kk on a global one, and is visible below the first new
  /// position: first - chunk_start of the op's first query, or first.
  KeyRange visibleCacheSlots(Value slots) {
    Value first = positionAt(spec.keyPositions, 0);
    Value end = spec.chunk > 0
                    ? arith::SubIOp::create(
                          b, loc, first,
                          chunkStartOf(positionAt(spec.queryPositions, 0)))
                    : first;
    return {arith::ConstantIndexOp::create(b, loc, 0),
            clampIndex(b, loc, toIndex(end), slots)};
  }

  /// The new tokens any query of the op may see: token j holds position
  /// first + j, visible from the first query's chunk start (chunked) up to
  /// the last query.
  KeyRange visibleNewTokens(Value tokens) {
    Value first = positionAt(spec.keyPositions, 0);
    Value queries = tensor::DimOp::create(b, loc, spec.queryPositions, 1);
    Value lastQuery = positionAt(
        spec.queryPositions,
        arith::SubIOp::create(b, loc, queries,
                              arith::ConstantIndexOp::create(b, loc, 1)));
    Value begin =
        spec.chunk > 0
            ? clampIndex(
                  b, loc,
                  toIndex(arith::SubIOp::create(
                      b, loc, chunkStartOf(positionAt(spec.queryPositions, 0)),
                      first)),
                  tokens)
            : arith::ConstantIndexOp::create(b, loc, 0);
    Value end = clampIndex(
        b, loc,
        arith::AddIOp::create(
            b, loc, toIndex(arith::SubIOp::create(b, loc, lastQuery, first)),
            arith::ConstantIndexOp::create(b, loc, 1)),
        tokens);
    return {begin, end};
  }

  /// positions[row, index] (i32).
  Value positionAt(Value positions, Value index) {
    return tensor::ExtractOp::create(b, loc, positions, ValueRange{row, index});
  }
  Value positionAt(Value positions, int64_t index) {
    return positionAt(positions,
                      arith::ConstantIndexOp::create(b, loc, index));
  }

  Value toIndex(Value i32) {
    return arith::IndexCastOp::create(b, loc, b.getIndexType(), i32);
  }

  /// The first position of the chunk holding position `p` (i32).
  Value chunkStartOf(Value p) {
    Value chunkSize = constantI32(b, loc, spec.chunk);
    return arith::MulIOp::create(
        b, loc, arith::DivSIOp::create(b, loc, p, chunkSize), chunkSize);
  }

  /// `state` updated with the cache slots `range` of a paged cache, a page
  /// at a time: page i's keys [P, d] a source whose key kk is slot
  /// i * P + kk, in the pool's page `block_table[row, i]`, in blocks of at
  /// most a page.
  OnlineSoftmax attendPages(OnlineSoftmax state, const HeadKeys &keys,
                            KeyRange range) {
    int64_t pageSize =
        cast<RankedTensorType>(keys.cached.keys.getType()).getDimSize(2);
    Value size = arith::ConstantIndexOp::create(b, loc, pageSize);
    auto loop = scf::ForOp::create(
        b, loc, arith::DivUIOp::create(b, loc, range.begin, size),
        arith::CeilDivUIOp::create(b, loc, range.end, size),
        arith::ConstantIndexOp::create(b, loc, 1),
        ValueRange{state.max, state.sum, state.acc},
        [&](OpBuilder &lb, Location lloc, Value page, ValueRange carried) {
          OpBuilder::InsertionGuard guard(b);
          b.restoreInsertionPoint(lb.saveInsertionPoint());
          Value pool = toIndex(tensor::ExtractOp::create(
              b, loc, keys.blockTable, ValueRange{row, page}));
          auto pageOf = [&](Value cache) {
            return sliceLeading(b, loc, cache, ValueRange{pool, keys.kvHead});
          };
          Value base = arith::MulIOp::create(b, loc, page, size);
          auto local = [&](Value bound) {
            return clampIndex(b, loc,
                              arith::SubIOp::create(b, loc, bound, base), size);
          };
          OnlineSoftmax next = attend(
              {carried[0], carried[1], carried[2]}, keys.cached.map(pageOf),
              {local(range.begin), local(range.end)},
              /*cached=*/true, base, std::min(spec.keyBlock, pageSize));
          scf::YieldOp::create(b, loc,
                               ValueRange{next.max, next.sum, next.acc});
        });
    return {loop.getResult(0), loop.getResult(1), loop.getResult(2)};
  }

  /// `state` updated with keys `range` of `source`, whose key kk is the
  /// source's `base` + kk (base 0 if null), `blockKeys` (default key_block)
  /// keys at a time. Inside a GPU thread's tile every tensor keeps a static
  /// shape, so that it fits the thread's private memory: whole blocks there,
  /// then the rest one key at a time.
  OnlineSoftmax attend(OnlineSoftmax state, const KeySource &source,
                       KeyRange range, bool cached, Value base = {},
                       std::optional<int64_t> blockKeys = {}) {
    auto [begin, end] = range;
    // A warp's groups of lanes take every keyLanes-th key, group l from
    // the l-th. Lanes that add a key's products across them meet at every
    // key: the groups walk the keys in rounds of keyLanes, the same loop
    // for every lane, the last round's keys past the end masked.
    if (lanes && lanes->dimLanes > 1) {
      Value keyLanes = arith::ConstantIndexOp::create(b, loc, lanes->keyLanes);
      Value rounds = arith::CeilDivSIOp::create(
          b, loc, arith::SubIOp::create(b, loc, end, begin), keyLanes);
      Value roundsEnd = arith::AddIOp::create(
          b, loc, begin, arith::MulIOp::create(b, loc, rounds, keyLanes));
      return attendBlocks(state, source, begin, roundsEnd, 1, lanes->keyLanes,
                          /*whole=*/true, cached, base,
                          KeysInRounds{lanes->keyLane, end});
    }
    if (lanes)
      return attendBlocks(
          state, source, arith::AddIOp::create(b, loc, begin, lanes->keyLane),
          end, 1, lanes->keyLanes, /*whole=*/true, cached, base);
    int64_t keyBlock = blockKeys.value_or(spec.keyBlock);
    if (!spec.inTile || keyBlock == 1)
      return attendBlocks(state, source, begin, end, keyBlock, keyBlock,
                          /*whole=*/keyBlock == 1, cached, base);
    Value block = arith::ConstantIndexOp::create(b, loc, keyBlock);
    Value wholeEnd = arith::AddIOp::create(
        b, loc, begin,
        arith::MulIOp::create(
            b, loc,
            arith::DivSIOp::create(
                b, loc, arith::SubIOp::create(b, loc, end, begin), block),
            block));
    state = attendBlocks(state, source, begin, wholeEnd, keyBlock, keyBlock,
                         /*whole=*/true, cached, base);
    return attendBlocks(state, source, wholeEnd, end, 1, 1,
                        /*whole=*/true, cached, base);
  }

  /// A lane's key in each round of a warp's: `offset` into the round;
  /// from `end` on, a key that weighs nothing.
  struct KeysInRounds {
    Value offset, end;
  };

  /// `state` updated with blocks of `blockSize` keys of `source` starting
  /// `stride` apart from `begin` below `end`, `whole` when every block is (the
  /// blocks' tensors then have static shapes); or, in `rounds`, with
  /// the lane's key of each round starting there. Key kk of the source is
  /// `base` + kk to the mask.
  OnlineSoftmax attendBlocks(OnlineSoftmax state, const KeySource &source,
                             Value begin, Value end, int64_t blockSize,
                             int64_t stride, bool whole, bool cached,
                             Value base,
                             std::optional<KeysInRounds> rounds = {}) {
    Value block = arith::ConstantIndexOp::create(b, loc, blockSize);
    auto loop = scf::ForOp::create(
        b, loc, begin, end, arith::ConstantIndexOp::create(b, loc, stride),
        ValueRange{state.max, state.sum, state.acc},
        [&](OpBuilder &lb, Location lloc, Value start, ValueRange carried) {
          OpBuilder::InsertionGuard guard(b);
          b.restoreInsertionPoint(lb.saveInsertionPoint());
          Value size =
              whole ? block
                    : Value(arith::MinSIOp::create(
                          b, loc, block,
                          arith::SubIOp::create(b, loc, end, start)));
          // A key past the end reads the last one, and weighs nothing.
          Value at = start, inRange;
          if (rounds) {
            Value key = arith::AddIOp::create(b, loc, start, rounds->offset);
            at = arith::MinSIOp::create(
                b, loc, key,
                arith::SubIOp::create(
                    b, loc, rounds->end,
                    arith::ConstantIndexOp::create(b, loc, 1)));
            inRange = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt,
                                            key, rounds->end);
          }
          OnlineSoftmax next = attendBlock(
              {carried[0], carried[1], carried[2]},
              blockOf(source.keys, source.keyScales, at, size),
              blockOf(source.values, source.valueScales, at, size),
              base ? Value(arith::AddIOp::create(b, loc, base, at)) : at,
              cached, inRange);
          scf::YieldOp::create(b, loc,
                               ValueRange{next.max, next.sum, next.acc});
        });
    return {loop.getResult(0), loop.getResult(1), loop.getResult(2)};
  }

  /// The lane's columns of rows [start, start + size) of `matrix` [N, d]
  /// in the queries' type: f8E4M3FN codes times their `scales` [N, 1].
  Value blockOf(Value matrix, Value scales, Value start, Value size) {
    Value block = laneColumns(sliceBlock(matrix, start, size));
    if (!scales)
      return block;
    return dequantizeE4M3Rows(b, loc, block, sliceBlock(scales, start, size),
                              precision.storageType());
  }

  /// Rows [start, start + size) of `matrix` [N, d].
  Value sliceBlock(Value matrix, Value start, Value size) {
    int64_t width = cast<RankedTensorType>(matrix.getType()).getDimSize(1);
    SmallVector<OpFoldResult> offsets = {start, b.getIndexAttr(0)};
    SmallVector<OpFoldResult> sizes = {getAsOpFoldResult(size),
                                       b.getIndexAttr(width)};
    SmallVector<OpFoldResult> strides(2, b.getIndexAttr(1));
    return tensor::ExtractSliceOp::create(b, loc, matrix, offsets, sizes,
                                          strides);
  }

  /// `state` updated with the block of `keys` and `values` from key
  /// `start`, which weighs nothing where `inRange` (if any) is false.
  OnlineSoftmax attendBlock(const OnlineSoftmax &state, Value keys,
                            Value values, Value start, bool cached,
                            Value inRange) {
    MLIRContext *ctx = b.getContext();
    AffineMap rowMap = dims(ctx, 3, {0, 1});
    AffineMap rows = b.getMultiDimIdentityMap(2);
    SmallVector<OpFoldResult> blockSizes =
        tensor::getMixedSizes(b, loc, queries);
    blockSizes.back() = tensor::getMixedSize(b, loc, keys, 0);
    auto rowInit = [&] {
      return emptyTensor(b, loc, ArrayRef(blockSizes).drop_back(),
                         b.getF32Type());
    };

    Value scores = maskScores(buildLinearF32(b, loc, queries, keys, Value()),
                              start, cached, inRange, blockSizes);
    Value minusInf =
        constantF32(b, loc, -std::numeric_limits<float>::infinity());
    Value blockMax = buildLastDimReduction(
        b, loc, scores,
        linalg::FillOp::create(b, loc, ValueRange{minusInf},
                               ValueRange{rowInit()})
            .getResult(0),
        [](OpBuilder &nb, Location nloc, Value element, Value acc) {
          return Value(arith::MaximumFOp::create(nb, nloc, element, acc));
        });
    // The new maximum replaces the old in place, in the op that also reads
    // the old one for the rescaling factor exp(old - new).
    Value rescaleInit = rowInit();
    auto maxAndRescale = linalg::GenericOp::create(
        b, loc, TypeRange{state.max.getType(), rescaleInit.getType()},
        ValueRange{blockMax}, ValueRange{state.max, rescaleInit},
        ArrayRef<AffineMap>{rows, rows, rows}, iterators(2),
        [&](OpBuilder &nb, Location nloc, ValueRange args) {
          Value max = arith::MaximumFOp::create(nb, nloc, args[1], args[0]);
          linalg::YieldOp::create(
              nb, nloc, ValueRange{max, expBelowMax(nb, nloc, args[1], max)});
        });
    Value max = maxAndRescale.getResult(0);
    Value rescale = maxAndRescale.getResult(1);
    // The weights overwrite the scores they come from.
    Value weights =
        buildMap(b, loc, {max}, {rowMap}, scores,
                 [&](OpBuilder &nb, Location nloc, ValueRange args) {
                   return expBelowMax(nb, nloc, args[1], args[0]);
                 });
    Value blockSum = buildLastDimReduction(
        b, loc, weights, zerosF32(b, loc, ArrayRef(blockSizes).drop_back()),
        [](OpBuilder &nb, Location nloc, Value element, Value acc) {
          return accumulate(nb, nloc, acc, element);
        });
    Value sum = buildMap(
        b, loc, {rescale, blockSum}, {rows, rows}, state.sum,
        [](OpBuilder &nb, Location nloc, ValueRange args) {
          return Value(arith::AddFOp::create(
              nb, nloc, arith::MulFOp::create(nb, nloc, args[2], args[0]),
              args[1]));
        });
    Value rescaled = buildMap(
        b, loc, {rescale}, {rowMap}, state.acc,
        [](OpBuilder &nb, Location nloc, ValueRange args) {
          return Value(arith::MulFOp::create(nb, nloc, args[1], args[0]));
        });
    // Loops (g, s, e, j): acc[g, s, e] += weights[g, s, j] * v[j, e].
    Value acc = buildContraction(
        b, loc, weights, values, rescaled,
        {dims(ctx, 4, {0, 1, 3}), dims(ctx, 4, {3, 2}), dims(ctx, 4, {0, 1, 2})});
    return {max, sum, acc};
  }

  /// The key lanes' online softmaxes as one: the maximum M of their
  /// maxima, then their sums and accumulators, each scaled by
  /// exp(m_lane - M), added across the lanes holding the same head dims.
  OnlineSoftmax combineLanes(const OnlineSoftmax &state) {
    MLIRContext *ctx = b.getContext();
    AffineMap rows = b.getMultiDimIdentityMap(2);
    AffineMap rowMap = dims(ctx, 3, {0, 1});
    int64_t keyLanes = lanes->keyLanes, dimLanes = lanes->dimLanes;
    auto acrossLanes = [&](OpBuilder &nb, Location nloc, Value value,
                           gpu::AllReduceOperation kind) {
      if (keyLanes == llama4c::kWarpSize)
        return Value(gpu::SubgroupReduceOp::create(nb, nloc, value, kind,
                                                   /*uniform=*/true));
      return Value(gpu::SubgroupReduceOp::create(nb, nloc, value, kind,
                                                 /*uniform=*/true, keyLanes,
                                                 dimLanes));
    };
    auto like = [&](Value tensor) {
      return emptyTensor(b, loc, tensor::getMixedSizes(b, loc, tensor),
                         b.getF32Type());
    };
    Value max =
        buildMap(b, loc, {state.max}, {rows}, like(state.max),
                 [&](OpBuilder &nb, Location nloc, ValueRange args) {
                   return acrossLanes(nb, nloc, args[0],
                                      gpu::AllReduceOperation::MAXIMUMF);
                 });
    Value share =
        buildMap(b, loc, {state.max, max}, {rows, rows}, like(state.max),
                 [&](OpBuilder &nb, Location nloc, ValueRange args) {
                   return expBelowMax(nb, nloc, args[0], args[1]);
                 });
    auto addScaled = [&](OpBuilder &nb, Location nloc, ValueRange args) {
      return acrossLanes(nb, nloc,
                         arith::MulFOp::create(nb, nloc, args[0], args[1]),
                         gpu::AllReduceOperation::ADD);
    };
    Value sum = buildMap(b, loc, {state.sum, share}, {rows, rows},
                         like(state.sum), addScaled);
    // The accumulators, the lane's largest state, are combined in place.
    Value acc = buildMap(b, loc, {share}, {rowMap}, state.acc,
                         [&](OpBuilder &nb, Location nloc, ValueRange args) {
                           return addScaled(nb, nloc, {args[1], args[0]});
                         });
    return {max, sum, acc};
  }

  /// The raw products [G, S, n] of a block scaled, and -inf where the
  /// query may not see the key (transformers adds finfo.min; both give
  /// exactly zero weight) or the block is not `inRange`.
  Value maskScores(Value products, Value start, bool cached, Value inRange,
                   ArrayRef<OpFoldResult> sizes) {
    Value minusInf =
        constantF32(b, loc, -std::numeric_limits<float>::infinity());
    Value scaleValue = constantF32(b, loc, spec.scale);
    return buildMap(
        b, loc, {products}, {b.getMultiDimIdentityMap(3)},
        emptyTensor(b, loc, sizes, b.getF32Type()),
        [&](OpBuilder &nb, Location nloc, ValueRange args) {
          Value token = linalg::IndexOp::create(nb, nloc, 1);
          Value key = arith::AddIOp::create(
              nb, nloc, start, linalg::IndexOp::create(nb, nloc, 2));
          Value query = tensor::ExtractOp::create(nb, nloc, spec.queryPositions,
                                                  ValueRange{row, token});
          Value visible = cached ? cachedVisible(nb, nloc, query, key)
                                 : newVisible(nb, nloc, query, key);
          if (inRange)
            visible = arith::AndIOp::create(nb, nloc, visible, inRange);
          // Lanes sharing a key hold parts of its products.
          Value product = args[0];
          if (lanes && lanes->dimLanes > 1)
            product = gpu::SubgroupReduceOp::create(
                nb, nloc, product, gpu::AllReduceOperation::ADD,
                /*uniform=*/true, lanes->dimLanes);
          Value scaled = precision.round(
              nb, nloc,
              arith::MulFOp::create(
                  nb, nloc, precision.round(nb, nloc, product), scaleValue));
          return Value(
              arith::SelectOp::create(nb, nloc, visible, scaled, minusInf));
        });
  }

  /// Whether cache slot `slot` holds a key written before this call (and,
  /// on a chunked layer, in the query's chunk, which its window holds).
  Value cachedVisible(OpBuilder &nb, Location nloc, Value query, Value slot) {
    Value first = tensor::ExtractOp::create(
        nb, nloc, spec.keyPositions,
        ValueRange{row, arith::ConstantIndexOp::create(nb, nloc, 0)});
    Value position =
        arith::IndexCastOp::create(nb, nloc, nb.getI32Type(), slot);
    if (spec.chunk > 0) {
      Value chunkSize = constantI32(nb, nloc, spec.chunk);
      position = arith::AddIOp::create(
          nb, nloc,
          arith::MulIOp::create(
              nb, nloc, arith::DivSIOp::create(nb, nloc, query, chunkSize),
              chunkSize),
          position);
    }
    return arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::slt,
                                 position, first);
  }

  /// Whether new token `token` is not after the query (and in its chunk).
  Value newVisible(OpBuilder &nb, Location nloc, Value query, Value token) {
    Value position = tensor::ExtractOp::create(nb, nloc, spec.keyPositions,
                                               ValueRange{row, token});
    Value visible = arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::sle,
                                          position, query);
    if (spec.chunk > 0) {
      Value chunkSize = constantI32(nb, nloc, spec.chunk);
      visible = arith::AndIOp::create(
          nb, nloc, visible,
          arith::CmpIOp::create(
              nb, nloc, arith::CmpIPredicate::eq,
              arith::DivSIOp::create(nb, nloc, position, chunkSize),
              arith::DivSIOp::create(nb, nloc, query, chunkSize)));
    }
    return visible;
  }

  OpBuilder &b;
  Location loc;
  const KeySpec &spec;
  Value row;     // the batch row
  Value queries; // [G, S, d], the lane's head dims of them in a warp
  std::optional<WarpLanes> lanes;
  Precision precision;
};

/// How the lanes of a warp computing `op`'s tile share its queries: each
/// lane holds `columns` head dims (the config's register tile; all of them
/// without one) of each query's accumulator.
template <typename AttentionOp>
FailureOr<WarpLanes> warpLanesOf(OpBuilder &b, AttentionOp op,
                                 llama4::LoweringConfigAttr config) {
  Location loc = op.getLoc();
  int64_t headDim =
      cast<ShapedType>(op.getQueries().getType()).getShape().back();
  ArrayRef<int64_t> tile = config.getRegisterTile();
  int64_t columns = tile.empty() ? headDim : tile.front();
  if (ShapedType::isDynamic(headDim) || headDim % columns ||
      llama4c::kWarpSize % (headDim / columns))
    return op.emitOpError("a warp's lanes cannot take ")
           << columns << " of " << headDim << " head dims each";
  int64_t dimLanes = headDim / columns;
  Value lane = gpu::LaneIdOp::create(b, loc, /*upperBound=*/nullptr);
  Value across = arith::ConstantIndexOp::create(b, loc, dimLanes);
  return WarpLanes{arith::DivUIOp::create(b, loc, lane, across),
                   arith::RemUIOp::create(b, loc, lane, across),
                   llama4c::keyLanesOf(headDim, columns), dimLanes, columns};
}

/// `op` on the host's threads: an scf.forall over `upper`, its iterations
/// (a batch row's KV heads) side by side, each inserting its slices of
/// `inits` in parallel. `body` yields each as a tensor.insert_slice into
/// its shared output, which becomes the terminator's parallel insert.
/// Returns the forall's results.
template <typename Body>
SmallVector<Value> forallOnThreads(IRRewriter &rewriter, Location loc,
                                   ValueRange upper, ValueRange inits,
                                   const KeySpec &spec, Body body) {
  auto forall = scf::ForallOp::create(rewriter, loc, getAsOpFoldResult(upper),
                                      inits, std::nullopt);
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPoint(forall.getTerminator());
  scf::ValueVector inserted =
      body(rewriter, loc, forall.getInductionVars(), forall.getRegionIterArgs(),
           spec, std::nullopt);
  rewriter.setInsertionPointToStart(forall.getTerminator().getBody());
  for (Value value : inserted) {
    auto insert = value.getDefiningOp<tensor::InsertSliceOp>();
    tensor::ParallelInsertSliceOp::create(
        rewriter, loc, insert.getSource(), insert.getDest(),
        insert.getMixedOffsets(), insert.getMixedSizes(),
        insert.getMixedStrides());
    rewriter.eraseOp(insert);
  }
  return SmallVector<Value>(forall.getResults());
}

/// The keys and values of KV head `at[1]` of batch row `at[0]` of `op`.
template <typename AttentionOp>
HeadKeys headKeysOf(OpBuilder &b, Location loc, AttentionOp op, ValueRange at) {
  auto slice = [&](Value tensor) { return sliceLeading(b, loc, tensor, at); };
  KeySource cached{op.getKeyCache(), op.getValueCache(), op.getKeyScales(),
                   op.getValueScales()};
  KeySource fresh{slice(op.getKeys()), slice(op.getValues()), Value(), Value()};
  if (Value table = op.getBlockTable())
    return {cached, fresh, table, at[1]};
  return {cached.map(slice), fresh, Value(), Value()};
}

/// When the host's threads share `op`'s iterations over `upper`
/// (llama4c::teamCondition): two or more of them, and multiply-adds
/// (scores and values: every query against the keys batch row 0 sees, head
/// dim deep) reaching `teamMultiplyAdds`.
template <typename AttentionOp>
std::optional<Value> headsOnThreads(OpBuilder &b, Location loc, AttentionOp op,
                                    const KeySpec &spec, ValueRange upper,
                                    int64_t teamMultiplyAdds) {
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value queries = op.getQueries();
  Value iterations = arith::ConstantIndexOp::create(b, loc, 1);
  for (Value extent : upper)
    iterations = arith::MulIOp::create(b, loc, iterations, extent);
  Value work = arith::ConstantIndexOp::create(b, loc, 2);
  for (int64_t dim = 0, rank = cast<ShapedType>(queries.getType()).getRank();
       dim < rank; ++dim)
    work = arith::MulIOp::create(b, loc, work,
                                 tensor::DimOp::create(b, loc, queries, dim));
  HeadAttention first(b, loc, spec, zero, queries, std::nullopt);
  Value keys =
      first.visibleKeys(headKeysOf(b, loc, op, {zero, zero}).cacheSlots(b, loc),
                        tensor::DimOp::create(b, loc, op.getKeys(), 2));
  work = arith::MulIOp::create(b, loc, work, keys);
  return llama4c::teamCondition(b, loc, work, teamMultiplyAdds, iterations);
}

/// `op` replaced by a loop nest over the sizes `upper` (built before
/// `op`), from 0 by 1, carrying `inits`, whose body `body`
/// builds from the indices, the carried values, the op's KeySpec and, in a
/// warp's tile, how its lanes share the work. On the host the nest runs
/// on threads when its multiply-adds reach `teamMultiplyAdds` (an scf.if
/// between an scf.forall and the same nest on the calling thread). The expanded
/// ops are configured as `op` was: in a warp's tile, in each lane as a thread
/// per element; its tiles carried out.
template <typename AttentionOp, typename Body>
LogicalResult expandInLoops(IRRewriter &rewriter, AttentionOp op,
                            ValueRange upper, ValueRange inits,
                            int64_t teamMultiplyAdds, Body body) {
  Location loc = op.getLoc();
  auto config = llama4::LoweringConfigAttr::of(op);
  bool warp =
      op->template getParentOfType<scf::ForallOp>() && config &&
      config.getPipeline() == llama4::LoweringPipeline::gpu_warp_per_element;
  std::optional<WarpLanes> lanes;
  if (warp) {
    FailureOr<WarpLanes> shared = warpLanesOf(rewriter, op, config);
    if (failed(shared))
      return failure();
    lanes = *shared;
  }
  KeySpec spec = KeySpec::of(op);
  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
  SmallVector<Value> lower(upper.size(), zero), steps(upper.size(), one);
  auto nest = [&]() -> SmallVector<Value> {
    scf::LoopNest loops =
        scf::buildLoopNest(rewriter, loc, lower, upper, steps, inits,
                           [&](OpBuilder &b, Location lloc, ValueRange at,
                               ValueRange args) -> scf::ValueVector {
                             return body(b, lloc, at, args, spec, lanes);
                           });
    if (config) {
      auto inLane = llama4::LoweringConfigAttr::get(
          rewriter.getContext(),
          warp ? llama4::LoweringPipeline::gpu_thread_per_element
               : config.getPipeline(),
          {}, {}, config.getWorkgroupSize(), config.getDistribute(), 1);
      loops.loops.front()->walk([&](linalg::LinalgOp inner) {
        inner->setAttr(llama4::LoweringConfigAttr::attributeName, inLane);
      });
    }
    return loops.results;
  };
  if (spec.inTile) {
    rewriter.replaceOp(op, nest());
    return success();
  }
  std::optional<Value> onThreads =
      headsOnThreads(rewriter, loc, op, spec, upper, teamMultiplyAdds);
  if (!onThreads) {
    rewriter.replaceOp(op, nest());
    return success();
  }
  if (!*onThreads) {
    rewriter.replaceOp(
        op, forallOnThreads(rewriter, loc, upper, inits, spec, body));
    return success();
  }
  auto choice = scf::IfOp::create(rewriter, loc, ValueRange(inits).getTypes(),
                                  *onThreads, /*withElseRegion=*/true);
  rewriter.setInsertionPointToStart(choice.thenBlock());
  scf::YieldOp::create(
      rewriter, loc, forallOnThreads(rewriter, loc, upper, inits, spec, body));
  rewriter.setInsertionPointToStart(choice.elseBlock());
  scf::YieldOp::create(rewriter, loc, nest());
  rewriter.replaceOp(op, choice.getResults());
  return success();
}

/// The attention of queries [G, S, d] of one KV head of batch row `row`,
/// written into `out` [G, S, d].
Value attendHead(OpBuilder &b, Location loc, const KeySpec &spec, Value row,
                 Value queries, const HeadKeys &keys, Value out,
                 std::optional<WarpLanes> lanes) {
  HeadAttention head(b, loc, spec, row, queries, lanes);
  return head.normalize(head.softmax(keys, std::nullopt), out);
}

/// The largest divisor of `chunk` not above `limit`.
int64_t largestDivisor(int64_t chunk, int64_t limit) {
  int64_t divisor = std::min(chunk, limit);
  while (chunk % divisor)
    --divisor;
  return divisor;
}

/// Block `at[2]` of the queries of KV head `at[1]` of batch row `at[0]`
/// (queries [B, Hkv, G, S, d]), attended and written into its slice of
/// `out` (like the queries): the block holds `blockPositions` consecutive
/// positions, the blocks aligned to multiples of it, and is empty past
/// the row's last query. Each block visits only the keys its own queries
/// may see: up to its last query, and on a chunked layer, whose chunk a
/// whole number of blocks fills, from its chunk's start. A long call's
/// queries then cost O(chunk) keys each on a chunked layer, not O(S), and
/// half of S x S on a global one; and its blocks run side by side on
/// threads however few KV heads there are.
Value attendQueryBlock(OpBuilder &b, Location loc, const KeySpec &spec,
                       ValueRange at, int64_t blockPositions, Value queries,
                       const HeadKeys &keys, Value out) {
  auto index = [&](int64_t value) {
    return arith::ConstantIndexOp::create(b, loc, value);
  };
  Value row = at[0], size = index(blockPositions);
  Value count = tensor::DimOp::create(b, loc, queries, 3);
  Value firstPosition = arith::IndexCastOp::create(
      b, loc, b.getIndexType(),
      tensor::ExtractOp::create(b, loc, spec.queryPositions,
                                ValueRange{row, index(0)}));
  // The row's first block ends at the first multiple of blockPositions.
  Value gridStart = arith::SubIOp::create(
      b, loc, arith::MulIOp::create(b, loc, at[2], size),
      arith::RemUIOp::create(b, loc, firstPosition, size));
  Value begin = arith::MinSIOp::create(
      b, loc, arith::MaxSIOp::create(b, loc, gridStart, index(0)), count);
  Value end = arith::MinSIOp::create(
      b, loc, arith::AddIOp::create(b, loc, gridStart, size), count);
  Value length = arith::SubIOp::create(b, loc, end, begin);

  auto shape = cast<RankedTensorType>(queries.getType()).getShape();
  SmallVector<OpFoldResult> offsets = {at[0], at[1], b.getIndexAttr(0), begin,
                                       b.getIndexAttr(0)};
  SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1), b.getIndexAttr(1),
                                     b.getIndexAttr(shape[2]), length,
                                     b.getIndexAttr(shape[4])};
  SmallVector<OpFoldResult> strides(5, b.getIndexAttr(1));
  auto blockOf = [&](Value tensor) {
    auto type = RankedTensorType::get(
        {shape[2], ShapedType::kDynamic, shape[4]},
        cast<RankedTensorType>(tensor.getType()).getElementType());
    return tensor::ExtractSliceOp::create(b, loc, type, tensor, offsets, sizes,
                                          strides)
        .getResult();
  };
  Value blockOut = blockOf(out);
  auto attended =
      scf::IfOp::create(b, loc, TypeRange{blockOut.getType()},
                        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt,
                                              length, index(0)),
                        /*withElseRegion=*/true);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(attended.thenBlock());
    KeySpec blockSpec = spec;
    blockSpec.queryPositions = tensor::ExtractSliceOp::create(
        b, loc, spec.queryPositions,
        ArrayRef<OpFoldResult>{b.getIndexAttr(0), begin},
        ArrayRef<OpFoldResult>{
            tensor::getMixedSize(b, loc, spec.queryPositions, 0), length},
        ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)});
    scf::YieldOp::create(b, loc,
                         attendHead(b, loc, blockSpec, row, blockOf(queries),
                                    keys, blockOut, std::nullopt));
    b.setInsertionPointToStart(attended.elseBlock());
    scf::YieldOp::create(b, loc, blockOut);
  }
  return tensor::InsertSliceOp::create(b, loc, attended.getResult(0), out,
                                       offsets, sizes, strides);
}

/// One KV head of one batch row at a time, each written into its slice of
/// the op's destination; on the host one block of at most `queryBlock` of
/// its queries at a time (a GPU tile's queries are its own block).
LogicalResult decompose(IRRewriter &rewriter, llama4::OnlineAttentionOp op,
                        int64_t teamMultiplyAdds, int64_t queryBlock) {
  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  Value queries = op.getQueries();
  SmallVector<Value> upper = {tensor::DimOp::create(rewriter, loc, queries, 0),
                              tensor::DimOp::create(rewriter, loc, queries, 1)};
  int64_t chunk = op.getChunkSizeAttr().getInt();
  int64_t blockPositions =
      chunk > 0 ? largestDivisor(chunk, queryBlock) : queryBlock;
  if (!op->getParentOfType<scf::ForallOp>()) {
    // However a row's first position falls, its S queries span at most
    // ceil((S + blockPositions - 1) / blockPositions) blocks.
    upper.push_back(arith::CeilDivUIOp::create(
        rewriter, loc,
        arith::AddIOp::create(
            rewriter, loc, tensor::DimOp::create(rewriter, loc, queries, 3),
            arith::ConstantIndexOp::create(rewriter, loc, blockPositions - 1)),
        arith::ConstantIndexOp::create(rewriter, loc, blockPositions)));
  }
  return expandInLoops(
      rewriter, op, upper, ValueRange{op.getInit()}, teamMultiplyAdds,
      [&](OpBuilder &b, Location loc, ValueRange at, ValueRange args,
          const KeySpec &spec,
          std::optional<WarpLanes> lanes) -> scf::ValueVector {
        auto slice = [&](Value tensor) {
          return sliceLeading(b, loc, tensor, at.take_front(2));
        };
        HeadKeys keys = headKeysOf(b, loc, op, at.take_front(2));
        if (at.size() == 3)
          return {attendQueryBlock(b, loc, spec, at, blockPositions,
                                   op.getQueries(), keys, args[0])};
        Value written = attendHead(b, loc, spec, at[0], slice(queries), keys,
                                   slice(args[0]), lanes);
        return {insertLeading(b, loc, written, args[0], at)};
      });
}

/// One KV head of one batch row and one split at a time, its state written
/// into the split's slot of the op's destinations.
LogicalResult decompose(IRRewriter &rewriter, llama4::PartialAttentionOp op,
                        int64_t teamMultiplyAdds) {
  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  SmallVector<Value> upper = {
      tensor::DimOp::create(rewriter, loc, op.getQueries(), 0),
      tensor::DimOp::create(rewriter, loc, op.getQueries(), 1),
      tensor::DimOp::create(rewriter, loc, op.getMaxInit(), 0)};
  return expandInLoops(
      rewriter, op, upper, op.getDpsInits(), teamMultiplyAdds,
      [&](OpBuilder &b, Location loc, ValueRange at, ValueRange args,
          const KeySpec &spec,
          std::optional<WarpLanes> lanes) -> scf::ValueVector {
        auto slice = [&](Value tensor) {
          return sliceLeading(b, loc, tensor, at.take_front(2));
        };
        KeySplit split{arith::AddIOp::create(b, loc, op.getFirstSplit(), at[2]),
                       op.getSplitsAttr().getInt(),
                       op.getSplitKeysAttr().getInt()};
        HeadAttention head(b, loc, spec, at[0], slice(op.getQueries()), lanes);
        OnlineSoftmax state =
            head.softmax(headKeysOf(b, loc, op, at.take_front(2)), split);
        SmallVector<Value> slot = {at[2], at[0], at[1]};
        Value acc = head.withLaneColumns(state.acc,
                                         sliceLeading(b, loc, args[2], slot));
        return {insertLeading(b, loc, state.max, args[0], slot),
                insertLeading(b, loc, state.sum, args[1], slot),
                insertLeading(b, loc, acc, args[2], slot)};
      });
}

struct DecomposeOnlineAttention
    : llama4c::impl::Llama4DecomposeOnlineAttentionPassBase<
          DecomposeOnlineAttention> {
  using Llama4DecomposeOnlineAttentionPassBase::
      Llama4DecomposeOnlineAttentionPassBase;

  void runOnOperation() override {
    if (queryBlock < 1) {
      getOperation()->emitError("query-block must be at least 1");
      return signalPassFailure();
    }
    SmallVector<Operation *> ops;
    getOperation()->walk([&](Operation *op) {
      if (isa<llama4::OnlineAttentionOp, llama4::PartialAttentionOp>(op))
        ops.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (Operation *op : ops)
      if (failed(TypeSwitch<Operation *, LogicalResult>(op)
                     .Case([&](llama4::OnlineAttentionOp attention) {
                       return decompose(rewriter, attention, teamMultiplyAdds,
                                        queryBlock);
                     })
                     .Case([&](llama4::PartialAttentionOp attention) {
                       return decompose(rewriter, attention, teamMultiplyAdds);
                     })))
        return signalPassFailure();
  }
};

} // namespace
