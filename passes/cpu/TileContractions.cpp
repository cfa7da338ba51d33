//===- TileContractions.cpp - nn.Linear as register-tiled vector loops ----===//
//
// --llama4-tile-contractions: see Passes.td. The nn.Linear and expert
// products are nearly all of a prefill's arithmetic; lowered as plain loops
// each multiply-add loads two operands, and the loop is load-bound at a
// fifth of the FMA peak. A register tile of 8 accumulators loads 6 vectors
// for 8 FMAs.
//
//===----------------------------------------------------------------------===//

#include "passes/cpu/Passes.h"

#include "dialects/llama4/IR/Llama4Dialect.h"
#include "passes/cpu/TeamLoop.h"
#include "passes/strategy/Product.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"

namespace llama4c {
#define GEN_PASS_DEF_LLAMA4TILECONTRACTIONSPASS
#include "passes/cpu/Passes.h.inc"
} // namespace llama4c

using namespace mlir;
using llama4c::Product;
using llama4c::WeightLayout;
using mlir::llama4::LoweringConfigAttr;
using mlir::llama4::LoweringPipeline;

namespace {

/// Rows of W read together per load and store of the output when one row
/// of x streams over an [in, out] W.
constexpr int64_t kStreamRows = 4;
/// Accumulators (independent FMA chains, each taking every 4th vector of
/// k) when one row of x meets one row of an [out, in] W.
constexpr int64_t kRowParts = 4;

/// The tile sizes of a config, named for the templates below.
struct Tiles {
  /// Rows of W per block ([out, in]), or columns per streamed chunk
  /// ([in, out]).
  int64_t block;
  /// Rows of x, then columns of the output, held in registers.
  int64_t rows, cols;
  /// f32 lanes of a vector: along k ([out, in]) or n ([in, out]).
  int64_t lanes;
  /// Whether each lane of a register tile takes a pair of k, x and W both
  /// bf16 (vdpbf16ps), not one k widened to f32.
  bool bf16Pairs;
  /// Whether the outer loop is split between threads, and the fewest
  /// multiply-adds for which it is.
  bool distribute;
  int64_t teamMultiplyAdds;
};

/// Builds the loops of one contraction in place of its linalg.contract.
class TileEmitter {
public:
  TileEmitter(OpBuilder &b, Location loc, const Product &c, Tiles tiles)
      : b(b), loc(loc), c(c), t(tiles) {}

  void emit() {
    auto xType = cast<MemRefType>(c.x.getType());
    int64_t lead = xType.getRank() - 2;
    SmallVector<Value> lower(lead, index(0)), upper, steps(lead, index(1));
    for (int64_t i = 0; i < lead; ++i)
      upper.push_back(memref::DimOp::create(b, loc, c.x, i));
    scf::buildLoopNest(b, loc, lower, upper, steps,
                       [&](OpBuilder &nested, Location, ValueRange outer) {
                         OpBuilder::InsertionGuard guard(b);
                         b.restoreInsertionPoint(nested.saveInsertionPoint());
                         outerIndices.assign(outer.begin(), outer.end());
                         rows = memref::DimOp::create(b, loc, c.x, lead);
                         if (c.layout == WeightLayout::OutIn)
                           emitDotProducts();
                         else
                           emitOuterProducts();
                       });
  }

private:
  Value index(int64_t value) {
    return arith::ConstantIndexOp::create(b, loc, value);
  }
  Value plus(Value base, int64_t offset) {
    return offset == 0 ? base
                       : arith::AddIOp::create(b, loc, base, index(offset));
  }
  /// `body(i)` for i in [begin, end) step `step`, with the builder inside.
  void loop(Value begin, Value end, int64_t step,
            function_ref<void(Value)> body) {
    auto forOp = scf::ForOp::create(b, loc, begin, end, index(step));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(forOp.getBody()->getTerminator());
    body(forOp.getInductionVar());
  }
  /// loop(), its iterations split between threads when the config
  /// distributes it and the loop's multiply-adds (`perIndex` for each
  /// index of [begin, end)) pay for waking them.
  void outerLoop(Value begin, Value end, int64_t step, Value perIndex,
                 function_ref<void(Value)> body) {
    if (!t.distribute)
      return loop(begin, end, step, body);
    Value extent = b.createOrFold<arith::SubIOp>(loc, end, begin);
    std::optional<Value> onTeam = llama4c::teamCondition(
        b, loc, b.createOrFold<arith::MulIOp>(loc, extent, perIndex),
        t.teamMultiplyAdds,
        b.createOrFold<arith::CeilDivUIOp>(loc, extent, index(step)));
    if (!onTeam)
      return loop(begin, end, step, body);
    auto parallel = scf::ParallelOp::create(b, loc, ValueRange{begin},
                                            ValueRange{end},
                                            ValueRange{index(step)});
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPoint(parallel.getBody()->getTerminator());
      body(parallel.getInductionVars().front());
    }
    IRRewriter rewriter(b);
    llama4c::lowerToOpenMP(rewriter, parallel, *onTeam);
  }
  /// An scf.for over [begin, end) carrying `init`: `body(i, carried)`
  /// returns the next values. Returns the final ones.
  SmallVector<Value>
  loopCarrying(Value begin, Value end, int64_t step, ValueRange init,
               function_ref<SmallVector<Value>(Value, ValueRange)> body) {
    auto forOp = scf::ForOp::create(b, loc, begin, end, index(step), init);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(forOp.getBody());
      scf::YieldOp::create(
          b, loc, body(forOp.getInductionVar(), forOp.getRegionIterArgs()));
    }
    return SmallVector<Value>(forOp.getResults());
  }
  /// `end - (end - begin) % multiple`: where the whole tiles stop.
  /// Folded for static sizes, so that a split decided by sizes of W alone
  /// (a streamed row's) is decided here.
  Value wholeTilesEnd(Value begin, Value end, int64_t multiple) {
    Value extent = b.createOrFold<arith::SubIOp>(loc, end, begin);
    Value rest = b.createOrFold<arith::RemUIOp>(loc, extent, index(multiple));
    return b.createOrFold<arith::SubIOp>(loc, end, rest);
  }
  /// Dimension `dim` of W (static: a constant).
  Value weightDim(int64_t dim) {
    return b.createOrFold<memref::DimOp>(loc, c.weight, dim);
  }
  /// Each of [begin, end) in tiles of `size` then, for the rest, of 1.
  void tiles(Value begin, Value end, int64_t size,
             function_ref<void(Value, int64_t)> body) {
    Value tilesEnd = wholeTilesEnd(begin, end, size);
    loop(begin, tilesEnd, size, [&](Value i) { body(i, size); });
    loop(tilesEnd, end, 1, [&](Value i) { body(i, 1); });
  }
  /// `value` (a scalar or vector of the operand's type) widened to f32.
  Value widen(Value value) {
    Type type = value.getType();
    if (getElementTypeOrSelf(type).isF32())
      return value;
    Type f32 = b.getF32Type();
    if (auto vector = dyn_cast<VectorType>(type))
      f32 = VectorType::get(vector.getShape(), f32);
    return arith::ExtFOp::create(b, loc, f32, value);
  }
  Value load(Value memref, ValueRange indices, int64_t lanes = 0) {
    if (lanes == 0)
      return widen(memref::LoadOp::create(b, loc, memref, indices));
    auto type = VectorType::get(
        {lanes}, cast<MemRefType>(memref.getType()).getElementType());
    return widen(vector::LoadOp::create(b, loc, type, memref, indices));
  }
  SmallVector<Value> rowIndices(Value row, Value column) {
    SmallVector<Value> indices(outerIndices);
    indices.append({row, column});
    return indices;
  }
  Value zeros(int64_t lanes) {
    auto type = VectorType::get({lanes}, b.getF32Type());
    return arith::ConstantOp::create(b, loc, type, b.getZeroAttr(type));
  }

  //===--- [out, in] weights: dot products along k ----------------------===//

  /// One step of k of a dot-product tile from `indices` of x's or W's row:
  /// a vector of f32 lanes, or of bf16 pairs for vdpbf16ps.
  Value loadK(Value memref, ValueRange indices, bool pairs) {
    if (!pairs)
      return load(memref, indices, t.lanes);
    auto type = VectorType::get({2 * t.lanes}, b.getBF16Type());
    return vector::LoadOp::create(b, loc, type, memref, indices);
  }
  /// sum + x * w lane by lane, or with pairs, each lane's sum plus the
  /// products of its two k.
  Value multiplyAdd(Value x, Value w, Value sum, bool pairs) {
    if (!pairs)
      return vector::FMAOp::create(b, loc, x, w, sum);
    return x86vector::DotBF16Op::create(b, loc, sum.getType(), sum, x, w);
  }

  /// Blocks of W rows (L2-sized), and within a block every row tile of x.
  /// Rows of x past the last whole tile (all of a decode step's) take W's
  /// rows one at a time, in the order they lie in memory: one stream the
  /// hardware prefetcher follows, where a tile's W rows side by side are
  /// as many short streams (a decode step's bf16 LM head read at 10 GB/s
  /// that way, a third of a streaming read).
  void emitDotProducts() {
    Value cols = weightDim(0);
    Value perCol = arith::MulIOp::create(b, loc, rows, index(c.depth));
    outerLoop(index(0), cols, t.block, perCol, [&](Value colBegin) {
      Value colEnd =
          arith::MinUIOp::create(b, loc, plus(colBegin, t.block), cols);
      Value rowTilesEnd = wholeTilesEnd(index(0), rows, t.rows);
      loop(index(0), rowTilesEnd, t.rows, [&](Value row) {
        tiles(colBegin, colEnd, t.cols, [&](Value col, int64_t tileCols) {
          emitDotTile(row, t.rows, col, tileCols, 1, t.bf16Pairs);
        });
      });
      // In bf16 pairs where the tiles take them: from 2 MiB pages (the
      // runtime's copy) one row streaming W ran faster with vdpbf16ps than
      // widened (156M model, bf16 decode at 1 thread, 126-127 tok/s
      // against 118-124); from the page cache's 4 KiB pages it had run
      // slower (77-79 against 86-91), bound by the TLB and prefetchers.
      loop(rowTilesEnd, rows, 1, [&](Value row) {
        loop(colBegin, colEnd, 1, [&](Value col) {
          emitDotTile(row, 1, col, 1, kRowParts, t.bf16Pairs);
        });
      });
    });
  }

  /// out[row + i, col + j] += sum_k x[row + i, k] * w[col + j, k] for
  /// i < tileRows, j < tileCols: `parts` accumulators per (i, j), each
  /// taking every parts-th vector of k (independent FMA chains where the
  /// tile has few), added and reduced at the end. With `pairs`, each lane
  /// of a vector takes two k (bf16 x and W).
  void emitDotTile(Value row, int64_t tileRows, Value col, int64_t tileCols,
                   int64_t parts, bool pairs) {
    int64_t vectorK = pairs ? 2 * t.lanes : t.lanes;
    int64_t step = parts * vectorK;
    int64_t partsDepth = c.depth - c.depth % step;
    int64_t vectorDepth = c.depth - c.depth % vectorK;
    int64_t count = tileRows * tileCols;
    // Vectors of k from `k` on, `parts` of them into each accumulator.
    auto fmas = [&](Value k, ValueRange carried, int64_t inParts) {
      SmallVector<Value> acc(carried);
      for (int64_t part = 0; part < inParts; ++part) {
        Value at = plus(k, part * vectorK);
        SmallVector<Value> wRows;
        for (int64_t j = 0; j < tileCols; ++j)
          wRows.push_back(loadK(c.weight, {plus(col, j), at}, pairs));
        for (int64_t i = 0; i < tileRows; ++i) {
          Value xRow = loadK(c.x, rowIndices(plus(row, i), at), pairs);
          for (int64_t j = 0; j < tileCols; ++j) {
            Value &sum = acc[part * count + i * tileCols + j];
            sum = multiplyAdd(xRow, wRows[j], sum, pairs);
          }
        }
      }
      return acc;
    };
    SmallVector<Value> init(parts * count, zeros(t.lanes));
    SmallVector<Value> partials = loopCarrying(
        index(0), index(partsDepth), step, init,
        [&](Value k, ValueRange carried) { return fmas(k, carried, parts); });
    // The parts added, then the vectors of k past the last whole step.
    for (int64_t part = 1; part < parts; ++part)
      for (int64_t e = 0; e < count; ++e)
        partials[e] = arith::AddFOp::create(b, loc, partials[e],
                                            partials[part * count + e]);
    partials.resize(count);
    if (partsDepth < vectorDepth)
      partials = loopCarrying(
          index(partsDepth), index(vectorDepth), vectorK, partials,
          [&](Value k, ValueRange carried) { return fmas(k, carried, 1); });
    SmallVector<Value> sums;
    for (Value partial : partials)
      sums.push_back(vector::ReductionOp::create(
          b, loc, vector::CombiningKind::ADD, partial,
          arith::FastMathFlags::reassoc));
    // A depth that is not a multiple of the lanes ends one k at a time.
    if (vectorDepth < c.depth)
      sums = loopCarrying(
          index(vectorDepth), index(c.depth), 1, sums,
          [&](Value k, ValueRange carried) {
            SmallVector<Value> acc(carried);
            for (int64_t i = 0; i < tileRows; ++i) {
              Value xValue = load(c.x, rowIndices(plus(row, i), k));
              for (int64_t j = 0; j < tileCols; ++j) {
                Value product = arith::MulFOp::create(
                    b, loc, xValue, load(c.weight, {plus(col, j), k}));
                Value &sum = acc[i * tileCols + j];
                sum = arith::AddFOp::create(b, loc, sum, product);
              }
            }
            return acc;
          });
    for (int64_t i = 0; i < tileRows; ++i)
      for (int64_t j = 0; j < tileCols; ++j) {
        SmallVector<Value> at = rowIndices(plus(row, i), plus(col, j));
        Value old = memref::LoadOp::create(b, loc, c.out, at);
        Value sum = arith::AddFOp::create(b, loc, old, sums[i * tileCols + j]);
        memref::StoreOp::create(b, loc, sum, c.out, at);
      }
  }

  //===--- [in, out] weights: outer products along n --------------------===//

  /// Whole row tiles of x: strips of W columns, the tile's width then one
  /// vector then 1 wide,
  /// each (kept in L1/L2) passed over by every row tile. Leftover rows
  /// (all of them in a decode step) stream W instead.
  void emitOuterProducts() {
    Value cols = weightDim(1);
    Value rowTilesEnd = wholeTilesEnd(index(0), rows, t.rows);
    Value anyTile = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ugt,
                                          rowTilesEnd, index(0));
    auto ifTiles = scf::IfOp::create(b, loc, anyTile);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPoint(ifTiles.thenBlock()->getTerminator());
      Value wideEnd = wholeTilesEnd(index(0), cols, t.cols);
      Value narrowEnd = wholeTilesEnd(wideEnd, cols, t.lanes);
      Value perCol = arith::MulIOp::create(b, loc, rowTilesEnd, weightDim(0));
      auto strips = [&](Value begin, Value end, int64_t vectors,
                        int64_t lanes) {
        outerLoop(begin, end, vectors * lanes, perCol, [&](Value col) {
          loop(index(0), rowTilesEnd, t.rows, [&](Value row) {
            emitOuterProductTile(row, t.rows, col, vectors, lanes,
                                 t.bf16Pairs && lanes == t.lanes);
          });
        });
      };
      strips(index(0), wideEnd, t.cols / t.lanes, t.lanes);
      strips(wideEnd, narrowEnd, 1, t.lanes);
      strips(narrowEnd, cols, 1, 1);
    }
    loop(rowTilesEnd, rows, 1, [&](Value row) { emitStreamedRow(row, cols); });
  }

  /// One row of x against all of W, k outermost: W is read 4 rows at a
  /// time as it lies in memory (a decode step's expert matrices are read
  /// once and must stream at memory speed), the output row accumulating in
  /// L1. Threads take chunks of 512 columns.
  void emitStreamedRow(Value row, Value cols) {
    Value depth = weightDim(0);
    auto f32Vector = VectorType::get({t.lanes}, b.getF32Type());
    Value vectorEnd = wholeTilesEnd(index(0), cols, t.lanes);
    outerLoop(index(0), vectorEnd, t.block, depth, [&](Value chunk) {
      Value chunkEnd =
          arith::MinUIOp::create(b, loc, plus(chunk, t.block), vectorEnd);
      // `rowsOfW` rows of W per pass over the output chunk.
      auto pass = [&](Value k, int64_t rowsOfW) {
        SmallVector<Value> xValues;
        for (int64_t j = 0; j < rowsOfW; ++j)
          xValues.push_back(vector::BroadcastOp::create(
              b, loc, f32Vector, load(c.x, rowIndices(row, plus(k, j)))));
        loop(chunk, chunkEnd, t.lanes, [&](Value col) {
          SmallVector<Value> at = rowIndices(row, col);
          Value sum = vector::LoadOp::create(b, loc, f32Vector, c.out, at);
          for (int64_t j = 0; j < rowsOfW; ++j)
            sum = vector::FMAOp::create(
                b, loc, xValues[j], load(c.weight, {plus(k, j), col}, t.lanes),
                sum);
          vector::StoreOp::create(b, loc, sum, c.out, at);
        });
      };
      Value depthEnd = wholeTilesEnd(index(0), depth, kStreamRows);
      loop(index(0), depthEnd, kStreamRows,
           [&](Value k) { pass(k, kStreamRows); });
      loop(depthEnd, depth, 1, [&](Value k) { pass(k, 1); });
    });
    // Columns beyond the last whole vector, one at a time.
    loop(vectorEnd, cols, 1,
         [&](Value col) { emitOuterProductTile(row, 1, col, 1, 1, false); });
  }

  /// out[row + i, col + v * lanes + l] += sum_k x[row + i, k] *
  /// w[k, col + v * lanes + l]: x broadcast, W rows loaded as vectors.
  /// With `pairs` (bf16 x and W), k two at a time while two are left: the
  /// two rows of W interleaved, each lane of a vector multiplying its two
  /// k by x's pair, broadcast.
  void emitOuterProductTile(Value row, int64_t tileRows, Value col,
                            int64_t vectors, int64_t lanes, bool pairs) {
    auto f32Vector = VectorType::get({lanes}, b.getF32Type());
    SmallVector<Value> columns;
    for (int64_t v = 0; v < vectors; ++v)
      columns.push_back(plus(col, v * lanes));
    SmallVector<Value> sums(tileRows * vectors, zeros(lanes));
    Value depth = weightDim(0);
    Value pairsEnd = pairs ? wholeTilesEnd(index(0), depth, 2) : index(0);
    if (pairs)
      sums = loopCarrying(
          index(0), pairsEnd, 2, sums, [&](Value k, ValueRange carried) {
            SmallVector<Value> acc(carried), wPairs;
            auto bf16s = VectorType::get({lanes}, b.getBF16Type());
            for (Value column : columns)
              wPairs.push_back(vector::InterleaveOp::create(
                  b, loc,
                  vector::LoadOp::create(b, loc, bf16s, c.weight, {k, column}),
                  vector::LoadOp::create(b, loc, bf16s, c.weight,
                                         {plus(k, 1), column})));
            for (int64_t i = 0; i < tileRows; ++i) {
              Value xPairs = broadcastPair(rowIndices(plus(row, i), k), lanes);
              for (int64_t v = 0; v < vectors; ++v) {
                Value &sum = acc[i * vectors + v];
                sum = multiplyAdd(xPairs, wPairs[v], sum, true);
              }
            }
            return acc;
          });
    sums = loopCarrying(
        pairsEnd, depth, 1, sums, [&](Value k, ValueRange carried) {
          SmallVector<Value> acc(carried), wParts;
          for (Value column : columns)
            wParts.push_back(load(c.weight, {k, column}, lanes));
          for (int64_t i = 0; i < tileRows; ++i) {
            Value xValue = vector::BroadcastOp::create(
                b, loc, f32Vector, load(c.x, rowIndices(plus(row, i), k)));
            for (int64_t v = 0; v < vectors; ++v) {
              Value &sum = acc[i * vectors + v];
              sum = vector::FMAOp::create(b, loc, xValue, wParts[v], sum);
            }
          }
          return acc;
        });
    for (int64_t i = 0; i < tileRows; ++i)
      for (int64_t v = 0; v < vectors; ++v) {
        SmallVector<Value> at = rowIndices(plus(row, i), columns[v]);
        Value old = vector::LoadOp::create(b, loc, f32Vector, c.out, at);
        Value sum =
            arith::AddFOp::create(b, loc, old, sums[i * vectors + v]);
        vector::StoreOp::create(b, loc, sum, c.out, at);
      }
  }

  /// x's two bf16 from `indices` on, as a pair in each of `lanes` lanes.
  Value broadcastPair(ValueRange indices, int64_t lanes) {
    Value pair = vector::LoadOp::create(
        b, loc, VectorType::get({2}, b.getBF16Type()), c.x, indices);
    Value word = vector::BitCastOp::create(
        b, loc, VectorType::get({1}, b.getI32Type()), pair);
    Value words = vector::BroadcastOp::create(
        b, loc, VectorType::get({lanes}, b.getI32Type()), word);
    return vector::BitCastOp::create(
        b, loc, VectorType::get({2 * lanes}, b.getBF16Type()), words);
  }

  OpBuilder &b;
  Location loc;
  const Product &c;
  Tiles t;
  SmallVector<Value> outerIndices;
  Value rows;
};

/// The tiles `config` asks of `product`, or failure (with an error on
/// `op`) when its template cannot compute that product.
FailureOr<Tiles> tilesOf(Operation *op, LoweringConfigAttr config,
                         const Product &product, int64_t teamMultiplyAdds) {
  ArrayRef<int64_t> workgroup = config.getWorkgroupTile(),
                    registers = config.getRegisterTile();
  LoweringPipeline pipeline = config.getPipeline();
  bool pairs = pipeline == LoweringPipeline::cpu_bf16_dot_tiles ||
               pipeline == LoweringPipeline::cpu_bf16_outer_product_tiles;
  Tiles tiles{workgroup[1],    registers[0], registers[1],
              registers[2],    pairs,        config.getDistribute(),
              teamMultiplyAdds};
  if (pairs && !(getElementTypeOrSelf(product.x.getType()).isBF16() &&
                 getElementTypeOrSelf(product.weight.getType()).isBF16()))
    return op->emitOpError("is configured as bf16 pairs but x and W are not "
                           "both bf16");
  if (pipeline == LoweringPipeline::cpu_dot_tiles ||
      pipeline == LoweringPipeline::cpu_bf16_dot_tiles) {
    if (product.layout != WeightLayout::OutIn)
      return op->emitOpError("is configured as dot-product tiles but its "
                             "weight is not [out, in]");
    return tiles;
  }
  if (product.layout != WeightLayout::InOut)
    return op->emitOpError("is configured as outer-product tiles but its "
                           "weight is not [in, out]");
  if (tiles.cols % tiles.lanes)
    return op->emitOpError("needs an outer-product register tile [m, n, "
                           "lanes] with n a multiple of lanes");
  return tiles;
}

struct TileContractions
    : llama4c::impl::Llama4TileContractionsPassBase<TileContractions> {
  using Llama4TileContractionsPassBase::Llama4TileContractionsPassBase;

  void runOnOperation() override {
    SmallVector<linalg::ContractOp> tiled;
    getOperation()->walk([&](linalg::ContractOp op) {
      LoweringConfigAttr config = LoweringConfigAttr::of(op);
      if (config &&
          llvm::is_contained({LoweringPipeline::cpu_dot_tiles,
                              LoweringPipeline::cpu_bf16_dot_tiles,
                              LoweringPipeline::cpu_outer_product_tiles,
                              LoweringPipeline::cpu_bf16_outer_product_tiles},
                             config.getPipeline()))
        tiled.push_back(op);
    });
    for (linalg::ContractOp op : tiled) {
      FailureOr<Product> product = llama4c::matchProduct(op);
      if (failed(product)) {
        op.emitOpError("is configured as register tiles but is not x * W in "
                       "f32 with contiguous rows");
        return signalPassFailure();
      }
      FailureOr<Tiles> tiles =
          tilesOf(op, LoweringConfigAttr::of(op), *product, teamMultiplyAdds);
      if (failed(tiles))
        return signalPassFailure();
      OpBuilder b(op);
      TileEmitter(b, op.getLoc(), *product, *tiles).emit();
      op.erase();
    }
  }
};

} // namespace
