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

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"

namespace llama4c {
#define GEN_PASS_DEF_LLAMA4TILECONTRACTIONSPASS
#include "passes/cpu/Passes.h.inc"
} // namespace llama4c

using namespace mlir;

namespace {

/// f32 lanes of one 256-bit vector register (AVX2; AVX-512 and NEON split
/// or fuse them).
constexpr int64_t kLanes = 8;
/// A register tile of an [out, in] product: rows of x by rows of W, 8
/// accumulators of 8 lanes.
constexpr int64_t kTileRows = 4;
constexpr int64_t kTileCols = 2;
/// A register tile of an [in, out] product: rows of x by 2 vectors of W
/// columns, 8 accumulators again.
constexpr int64_t kStripVectors = 2;
/// Columns of W a thread takes when a single row of x streams over it.
constexpr int64_t kStreamColumns = 512;
/// Rows of W read together per load and store of the output.
constexpr int64_t kStreamRows = 4;

/// How W is laid out: nn.Linear's [out, in] (rows of W run along k), or
/// the MoE experts' [in, out] (rows run along n).
enum class WeightLayout { OutIn, InOut };

/// `out[lead..., m, n] += x[lead..., m, k] * W(n, k)` on buffers.
struct Contraction {
  Value x, weight, out;
  WeightLayout layout;
  int64_t depth; // the extent of k, static for the [out, in] layout
};

/// `value` is `arg`, or `arg` widened to f32 by arith.extf.
bool isWidenedArgument(Value value, BlockArgument arg) {
  if (value == arg)
    return arg.getType().isF32();
  auto extend = value.getDefiningOp<arith::ExtFOp>();
  return extend && extend.getIn() == arg && extend.getType().isF32();
}

/// The body is `yield out + widen(x) * widen(w)`, nothing else.
bool isMultiplyAccumulate(linalg::GenericOp op) {
  Block &body = op.getRegion().front();
  if (body.getOperations().size() > 5)
    return false;
  auto add = body.getTerminator()->getOperand(0).getDefiningOp<arith::AddFOp>();
  if (!add)
    return false;
  BlockArgument x = body.getArgument(0), w = body.getArgument(1),
                acc = body.getArgument(2);
  Value product = add.getLhs() == acc ? add.getRhs() : add.getLhs();
  if (add.getLhs() != acc && add.getRhs() != acc)
    return false;
  auto mul = product.getDefiningOp<arith::MulFOp>();
  return mul && ((isWidenedArgument(mul.getLhs(), x) &&
                  isWidenedArgument(mul.getRhs(), w)) ||
                 (isWidenedArgument(mul.getLhs(), w) &&
                  isWidenedArgument(mul.getRhs(), x)));
}

/// Rows along which vector loads may run: the last dimension contiguous.
bool hasContiguousRows(Value value) {
  auto type = dyn_cast<MemRefType>(value.getType());
  return type && type.isLastDimUnitStride();
}

/// Recognises x * W whatever the order of the loops: x is read at
/// (lead..., k), the output at (lead..., n) and W at (n, k) or (k, n), k
/// being the only reduction.
FailureOr<Contraction> matchContraction(linalg::GenericOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1 || !isMultiplyAccumulate(op))
    return failure();
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  AffineMap xMap = maps[0], wMap = maps[1], outMap = maps[2];
  if (!outMap.isProjectedPermutation() || !xMap.isProjectedPermutation() ||
      wMap.getNumResults() != 2 || !wMap.isProjectedPermutation() ||
      outMap.getNumResults() != op.getNumLoops() - 1 ||
      xMap.getNumResults() != outMap.getNumResults() ||
      xMap.getNumResults() < 2)
    return failure();
  unsigned lead = outMap.getNumResults() - 1;
  AffineExpr k = xMap.getResult(lead), n = outMap.getResult(lead);
  WeightLayout layout;
  if (wMap.getResult(0) == n && wMap.getResult(1) == k)
    layout = WeightLayout::OutIn;
  else if (wMap.getResult(0) == k && wMap.getResult(1) == n)
    layout = WeightLayout::InOut;
  else
    return failure();
  for (unsigned i = 0; i < lead; ++i)
    if (xMap.getResult(i) != outMap.getResult(i))
      return failure();
  for (auto [loop, type] : llvm::enumerate(op.getIteratorTypesArray()))
    if ((type == utils::IteratorType::reduction) !=
        (loop == cast<AffineDimExpr>(k).getPosition()))
      return failure();

  Contraction c{op.getDpsInputs()[0], op.getDpsInputs()[1],
                op.getDpsInits()[0], layout, 0};
  auto outType = cast<MemRefType>(c.out.getType());
  auto wType = cast<MemRefType>(c.weight.getType());
  if (!outType.getElementType().isF32() || !hasContiguousRows(c.x) ||
      !hasContiguousRows(c.weight) || !hasContiguousRows(c.out))
    return failure();
  unsigned kDim = layout == WeightLayout::OutIn ? 1 : 0;
  if (layout == WeightLayout::OutIn && wType.isDynamicDim(kDim))
    return failure();
  c.depth = wType.getDimSize(kDim);
  return c;
}

/// Builds the loops of one contraction in place of its linalg.generic.
class TileEmitter {
public:
  /// Rows of W are walked in blocks of `weightBlockBytes`; weights of at
  /// least `parallelWeightBytes` are split between threads.
  TileEmitter(OpBuilder &b, Location loc, const Contraction &c,
              int64_t weightBlockBytes, int64_t parallelWeightBytes)
      : b(b), loc(loc), c(c), weightBlockBytes(weightBlockBytes),
        parallelWeightBytes(parallelWeightBytes) {}

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
  /// loop(), as an scf.parallel when the weight is worth splitting between
  /// threads.
  void outerLoop(Value begin, Value end, int64_t step,
                 function_ref<void(Value)> body) {
    auto wType = cast<MemRefType>(c.weight.getType());
    if (!wType.hasStaticShape() ||
        wType.getNumElements() * wType.getElementTypeBitWidth() / 8 <
            parallelWeightBytes)
      return loop(begin, end, step, body);
    auto parallel = scf::ParallelOp::create(b, loc, ValueRange{begin},
                                            ValueRange{end},
                                            ValueRange{index(step)});
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(parallel.getBody()->getTerminator());
    body(parallel.getInductionVars().front());
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
  Value wholeTilesEnd(Value begin, Value end, int64_t multiple) {
    Value extent = arith::SubIOp::create(b, loc, end, begin);
    Value rest = arith::RemUIOp::create(b, loc, extent, index(multiple));
    return arith::SubIOp::create(b, loc, end, rest);
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

  /// Blocks of W rows (L2-sized), and within a block every row tile of x.
  void emitDotProducts() {
    Value cols = memref::DimOp::create(b, loc, c.weight, 0);
    int64_t bytesPerRow =
        c.depth *
        cast<MemRefType>(c.weight.getType()).getElementTypeBitWidth() / 8;
    int64_t block = std::max<int64_t>(
        kTileCols, weightBlockBytes / std::max<int64_t>(bytesPerRow, 1) /
                       kTileCols * kTileCols);
    outerLoop(index(0), cols, block, [&](Value colBegin) {
      Value colEnd =
          arith::MinUIOp::create(b, loc, plus(colBegin, block), cols);
      tiles(index(0), rows, kTileRows, [&](Value row, int64_t tileRows) {
        tiles(colBegin, colEnd, kTileCols, [&](Value col, int64_t tileCols) {
          emitDotTile(row, tileRows, col, tileCols);
        });
      });
    });
  }

  /// out[row + i, col + j] += sum_k x[row + i, k] * w[col + j, k] for
  /// i < tileRows, j < tileCols: 8 lanes of k per FMA, reduced at the end.
  void emitDotTile(Value row, int64_t tileRows, Value col, int64_t tileCols) {
    int64_t vectorDepth = c.depth - c.depth % kLanes;
    SmallVector<Value> init(tileRows * tileCols, zeros(kLanes));
    SmallVector<Value> partials = loopCarrying(
        index(0), index(vectorDepth), kLanes, init,
        [&](Value k, ValueRange carried) {
          SmallVector<Value> acc(carried), wRows;
          for (int64_t j = 0; j < tileCols; ++j)
            wRows.push_back(load(c.weight, {plus(col, j), k}, kLanes));
          for (int64_t i = 0; i < tileRows; ++i) {
            Value xRow = load(c.x, rowIndices(plus(row, i), k), kLanes);
            for (int64_t j = 0; j < tileCols; ++j) {
              Value &sum = acc[i * tileCols + j];
              sum = vector::FMAOp::create(b, loc, xRow, wRows[j], sum);
            }
          }
          return acc;
        });
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

  /// Whole 4-row tiles of x: strips of W columns, 16 then 8 then 1 wide,
  /// each (kept in L1/L2) passed over by every row tile. Leftover rows
  /// (all of them in a decode step) stream W instead.
  void emitOuterProducts() {
    Value cols = memref::DimOp::create(b, loc, c.weight, 1);
    Value rowTilesEnd = wholeTilesEnd(index(0), rows, kTileRows);
    Value anyTile = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ugt,
                                          rowTilesEnd, index(0));
    auto ifTiles = scf::IfOp::create(b, loc, anyTile);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPoint(ifTiles.thenBlock()->getTerminator());
      int64_t stripWidth = kStripVectors * kLanes;
      Value wideEnd = wholeTilesEnd(index(0), cols, stripWidth);
      Value narrowEnd = wholeTilesEnd(wideEnd, cols, kLanes);
      auto strips = [&](Value begin, Value end, int64_t vectors,
                        int64_t lanes) {
        outerLoop(begin, end, vectors * lanes, [&](Value col) {
          loop(index(0), rowTilesEnd, kTileRows, [&](Value row) {
            emitOuterProductTile(row, kTileRows, col, vectors, lanes);
          });
        });
      };
      strips(index(0), wideEnd, kStripVectors, kLanes);
      strips(wideEnd, narrowEnd, 1, kLanes);
      strips(narrowEnd, cols, 1, 1);
    }
    loop(rowTilesEnd, rows, 1, [&](Value row) { emitStreamedRow(row, cols); });
  }

  /// One row of x against all of W, k outermost: W is read 4 rows at a
  /// time as it lies in memory (a decode step's expert matrices are read
  /// once and must stream at memory speed), the output row accumulating in
  /// L1. Threads take chunks of 512 columns.
  void emitStreamedRow(Value row, Value cols) {
    Value depth = memref::DimOp::create(b, loc, c.weight, 0);
    auto f32Vector = VectorType::get({kLanes}, b.getF32Type());
    Value vectorEnd = wholeTilesEnd(index(0), cols, kLanes);
    outerLoop(index(0), vectorEnd, kStreamColumns, [&](Value chunk) {
      Value chunkEnd = arith::MinUIOp::create(
          b, loc, plus(chunk, kStreamColumns), vectorEnd);
      // `rowsOfW` rows of W per pass over the output chunk.
      auto pass = [&](Value k, int64_t rowsOfW) {
        SmallVector<Value> xValues;
        for (int64_t j = 0; j < rowsOfW; ++j)
          xValues.push_back(vector::BroadcastOp::create(
              b, loc, f32Vector, load(c.x, rowIndices(row, plus(k, j)))));
        loop(chunk, chunkEnd, kLanes, [&](Value col) {
          SmallVector<Value> at = rowIndices(row, col);
          Value sum = vector::LoadOp::create(b, loc, f32Vector, c.out, at);
          for (int64_t j = 0; j < rowsOfW; ++j)
            sum = vector::FMAOp::create(
                b, loc, xValues[j], load(c.weight, {plus(k, j), col}, kLanes),
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
         [&](Value col) { emitOuterProductTile(row, 1, col, 1, 1); });
  }

  /// out[row + i, col + v * lanes + l] += sum_k x[row + i, k] *
  /// w[k, col + v * lanes + l]: x broadcast, W rows loaded as vectors.
  void emitOuterProductTile(Value row, int64_t tileRows, Value col,
                            int64_t vectors, int64_t lanes) {
    auto f32Vector = VectorType::get({lanes}, b.getF32Type());
    SmallVector<Value> columns;
    for (int64_t v = 0; v < vectors; ++v)
      columns.push_back(plus(col, v * lanes));
    SmallVector<Value> init(tileRows * vectors, zeros(lanes));
    Value depth = memref::DimOp::create(b, loc, c.weight, 0);
    SmallVector<Value> sums = loopCarrying(
        index(0), depth, 1, init, [&](Value k, ValueRange carried) {
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

  OpBuilder &b;
  Location loc;
  const Contraction &c;
  int64_t weightBlockBytes, parallelWeightBytes;
  SmallVector<Value> outerIndices;
  Value rows;
};

struct TileContractions
    : llama4c::impl::Llama4TileContractionsPassBase<TileContractions> {
  using Llama4TileContractionsPassBase::Llama4TileContractionsPassBase;
  void runOnOperation() override {
    SmallVector<std::pair<linalg::GenericOp, Contraction>> found;
    getOperation()->walk([&](linalg::GenericOp op) {
      if (FailureOr<Contraction> c = matchContraction(op); succeeded(c))
        found.emplace_back(op, *c);
    });
    for (auto &[op, contraction] : found) {
      OpBuilder b(op);
      TileEmitter(b, op.getLoc(), contraction, weightBlockBytes,
                  parallelWeightBytes)
          .emit();
      op.erase();
    }
  }
};

} // namespace
