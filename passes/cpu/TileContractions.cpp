//===- TileContractions.cpp - nn.Linear as register-tiled vector loops ----===//
//
// --llama4-tile-contractions: see Passes.td. The nn.Linear products are
// nearly all of a prefill's arithmetic; lowered as plain loops each
// multiply-add loads two operands, and the loop is load-bound at a fifth of
// the FMA peak. A 4 x 2 register tile loads 6 vectors for 8 FMAs.
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
/// A register tile: rows of x by rows of W, 8 accumulators of 8 lanes.
constexpr int64_t kTileRows = 4;
constexpr int64_t kTileCols = 2;
/// Rows of W walked by every row of x before moving on: half an L2.
constexpr int64_t kWeightBlockBytes = 512 * 1024;

/// `out[lead..., m, n] += x[lead..., m, k] * w[n, k]` on buffers.
struct Contraction {
  Value x, weight, out;
  int64_t depth; // the static extent of k
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

/// Recognises x * W^T whatever the order of the loops: W is read at
/// (n, k), x at (lead..., k) and the output at (lead..., n), k being the
/// only reduction.
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
  AffineExpr n = wMap.getResult(0), k = wMap.getResult(1);
  if (xMap.getResult(lead) != k || outMap.getResult(lead) != n)
    return failure();
  for (unsigned i = 0; i < lead; ++i)
    if (xMap.getResult(i) != outMap.getResult(i))
      return failure();
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  for (auto [loop, type] : llvm::enumerate(iterators))
    if ((type == utils::IteratorType::reduction) !=
        (loop == cast<AffineDimExpr>(k).getPosition()))
      return failure();

  Contraction c{op.getDpsInputs()[0], op.getDpsInputs()[1],
                op.getDpsInits()[0], 0};
  auto outType = cast<MemRefType>(c.out.getType());
  auto wType = cast<MemRefType>(c.weight.getType());
  if (!outType.getElementType().isF32() || wType.isDynamicDim(1) ||
      !hasContiguousRows(c.x) || !hasContiguousRows(c.weight))
    return failure();
  c.depth = wType.getDimSize(1);
  return c;
}

/// Emits the loops of one contraction in place of its linalg.generic.
class TileEmitter {
public:
  TileEmitter(OpBuilder &b, Location loc, const Contraction &c)
      : b(b), loc(loc), c(c),
        f32Vector(VectorType::get({kLanes}, b.getF32Type())) {}

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
                         emitMatrix();
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
  /// `end - (end - begin) % multiple`: where the whole tiles stop.
  Value wholeTilesEnd(Value begin, Value end, int64_t multiple) {
    Value extent = arith::SubIOp::create(b, loc, end, begin);
    Value rest = arith::RemUIOp::create(b, loc, extent, index(multiple));
    return arith::SubIOp::create(b, loc, end, rest);
  }
  Value widen(Value value) {
    Type f32 = b.getF32Type();
    if (getElementTypeOrSelf(value.getType()) == f32)
      return value;
    Type type = isa<VectorType>(value.getType()) ? Type(f32Vector) : f32;
    return arith::ExtFOp::create(b, loc, type, value);
  }
  SmallVector<Value> xIndices(Value row, Value k) {
    SmallVector<Value> indices(outerIndices);
    indices.append({row, k});
    return indices;
  }

  /// All of [M, N] for the current outer indices: blocks of W rows, then
  /// tiles of x rows within a block.
  void emitMatrix() {
    int64_t lead = outerIndices.size();
    Value rows = memref::DimOp::create(b, loc, c.x, lead);
    Value cols = memref::DimOp::create(b, loc, c.weight, 0);
    int64_t bytesPerRow =
        c.depth *
        cast<MemRefType>(c.weight.getType()).getElementTypeBitWidth() / 8;
    int64_t block = std::max<int64_t>(
        kTileCols,
        kWeightBlockBytes / std::max<int64_t>(bytesPerRow, 1) / kTileCols *
            kTileCols);
    loop(index(0), cols, block, [&](Value colBegin) {
      Value colEnd = arith::MinUIOp::create(b, loc, plus(colBegin, block), cols);
      Value rowTilesEnd = wholeTilesEnd(index(0), rows, kTileRows);
      loop(index(0), rowTilesEnd, kTileRows, [&](Value row) {
        emitRowTile(row, kTileRows, colBegin, colEnd);
      });
      loop(rowTilesEnd, rows, 1,
           [&](Value row) { emitRowTile(row, 1, colBegin, colEnd); });
    });
  }

  /// Rows [row, row + tileRows) of the output, columns [colBegin, colEnd).
  void emitRowTile(Value row, int64_t tileRows, Value colBegin, Value colEnd) {
    Value colTilesEnd = wholeTilesEnd(colBegin, colEnd, kTileCols);
    loop(colBegin, colTilesEnd, kTileCols,
         [&](Value col) { emitTile(row, tileRows, col, kTileCols); });
    loop(colTilesEnd, colEnd, 1,
         [&](Value col) { emitTile(row, tileRows, col, 1); });
  }

  /// out[row + i, col + j] += sum_k x[row + i, k] * w[col + j, k] for
  /// i < tileRows, j < tileCols, in vector registers.
  void emitTile(Value row, int64_t tileRows, Value col, int64_t tileCols) {
    auto xType = cast<MemRefType>(c.x.getType());
    auto wType = cast<MemRefType>(c.weight.getType());
    auto xVector = VectorType::get({kLanes}, xType.getElementType());
    auto wVector = VectorType::get({kLanes}, wType.getElementType());
    int64_t vectorDepth = c.depth - c.depth % kLanes;

    Value zeros =
        arith::ConstantOp::create(b, loc, f32Vector, b.getZeroAttr(f32Vector));
    SmallVector<Value> init(tileRows * tileCols, zeros);
    auto kLoop = scf::ForOp::create(b, loc, index(0), index(vectorDepth),
                                    index(kLanes), init);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(kLoop.getBody());
      Value k = kLoop.getInductionVar();
      SmallVector<Value> wRows, acc(kLoop.getRegionIterArgs());
      for (int64_t j = 0; j < tileCols; ++j)
        wRows.push_back(widen(vector::LoadOp::create(
            b, loc, wVector, c.weight, ValueRange{plus(col, j), k})));
      for (int64_t i = 0; i < tileRows; ++i) {
        Value xRow = widen(vector::LoadOp::create(b, loc, xVector, c.x,
                                                  xIndices(plus(row, i), k)));
        for (int64_t j = 0; j < tileCols; ++j) {
          Value &sum = acc[i * tileCols + j];
          sum = vector::FMAOp::create(b, loc, xRow, wRows[j], sum);
        }
      }
      scf::YieldOp::create(b, loc, acc);
    }

    SmallVector<Value> sums;
    for (Value partial : kLoop.getResults())
      sums.push_back(vector::ReductionOp::create(
          b, loc, vector::CombiningKind::ADD, partial,
          arith::FastMathFlags::reassoc));
    if (vectorDepth < c.depth)
      sums = emitScalarTail(row, tileRows, col, tileCols, vectorDepth, sums);

    for (int64_t i = 0; i < tileRows; ++i)
      for (int64_t j = 0; j < tileCols; ++j) {
        SmallVector<Value> at(outerIndices);
        at.append({plus(row, i), plus(col, j)});
        Value old = memref::LoadOp::create(b, loc, c.out, at);
        Value sum = arith::AddFOp::create(b, loc, old, sums[i * tileCols + j]);
        memref::StoreOp::create(b, loc, sum, c.out, at);
      }
  }

  /// Adds the products of k in [from, depth) to `sums`.
  SmallVector<Value> emitScalarTail(Value row, int64_t tileRows, Value col,
                                    int64_t tileCols, int64_t from,
                                    ValueRange sums) {
    auto tail = scf::ForOp::create(b, loc, index(from), index(c.depth),
                                   index(1), sums);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(tail.getBody());
    Value k = tail.getInductionVar();
    SmallVector<Value> acc(tail.getRegionIterArgs());
    for (int64_t i = 0; i < tileRows; ++i) {
      Value xValue =
          widen(memref::LoadOp::create(b, loc, c.x, xIndices(plus(row, i), k)));
      for (int64_t j = 0; j < tileCols; ++j) {
        Value wValue = widen(memref::LoadOp::create(
            b, loc, c.weight, ValueRange{plus(col, j), k}));
        Value &sum = acc[i * tileCols + j];
        sum = arith::AddFOp::create(
            b, loc, sum, arith::MulFOp::create(b, loc, xValue, wValue));
      }
    }
    scf::YieldOp::create(b, loc, acc);
    return SmallVector<Value>(tail.getResults());
  }

  OpBuilder &b;
  Location loc;
  const Contraction &c;
  VectorType f32Vector;
  SmallVector<Value> outerIndices;
};

struct TileContractions
    : llama4c::impl::Llama4TileContractionsPassBase<TileContractions> {
  void runOnOperation() override {
    SmallVector<std::pair<linalg::GenericOp, Contraction>> found;
    getOperation()->walk([&](linalg::GenericOp op) {
      if (FailureOr<Contraction> c = matchContraction(op); succeeded(c))
        found.emplace_back(op, *c);
    });
    for (auto &[op, contraction] : found) {
      OpBuilder b(op);
      TileEmitter(b, op.getLoc(), contraction).emit();
      op.erase();
    }
  }
};

} // namespace
