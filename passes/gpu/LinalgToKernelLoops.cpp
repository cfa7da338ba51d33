//===- LinalgToKernelLoops.cpp - Each kernel-to-be as one configured loop -===//
//
// --llama4-gpu-linalg-to-kernel-loops: see Passes.td.
//
//===----------------------------------------------------------------------===//

#include "passes/gpu/Passes.h"

#include "dialects/llama4/IR/Llama4Dialect.h"
#include "passes/conversion/Llama4ToLinalg/GreedyToken.h"
#include "passes/gpu/HostMemory.h"
#include "passes/gpu/Warp.h"
#include "passes/strategy/Sum.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <limits>

namespace llama4c {
#define GEN_PASS_DEF_LLAMA4GPULINALGTOKERNELLOOPSPASS
#include "passes/gpu/Passes.h.inc"
} // namespace llama4c

using namespace mlir;
using mlir::llama4::LoweringConfigAttr;
using mlir::llama4::LoweringPipeline;

namespace {

bool isWarpPerElement(LoweringConfigAttr config) {
  return config.getPipeline() == LoweringPipeline::gpu_warp_per_element;
}

Value indexConstant(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}

/// The indices `map` gives for the loop indices `ivs`.
SmallVector<Value> indicesOf(OpBuilder &b, Location loc, AffineMap map,
                             ValueRange ivs) {
  SmallVector<Value> indices;
  for (unsigned i = 0; i < map.getNumResults(); ++i)
    indices.push_back(
        affine::AffineApplyOp::create(b, loc, map.getSubMap({i}), ivs));
  return indices;
}

/// Bytes a lane loads at once: `ld.global.v4.b32`, so that a warp reads
/// 512 consecutive bytes of a row in one instruction.
constexpr int64_t kVectorLoadBytes = 16;

/// Whether `offset` is a multiple of `width`: a constant one, or a
/// product by one (a lane's first column of a row the lanes share).
bool isMultipleOf(OpFoldResult offset, int64_t width) {
  if (std::optional<int64_t> constant = getConstantIntValue(offset))
    return *constant % width == 0;
  auto product =
      dyn_cast_if_present<arith::MulIOp>(cast<Value>(offset).getDefiningOp());
  return product && llvm::any_of(product->getOperands(), [&](Value factor) {
           std::optional<int64_t> constant = getConstantIntValue(factor);
           return constant && *constant % width == 0;
         });
}

/// Whether every row of `memref` (its innermost dimension) starts a
/// multiple of `width` elements past where its allocation starts: a unit
/// innermost stride, and an offset and outer strides that are multiples of
/// `width`, followed through views and calls back to the allocation or
/// the function argument. (Allocations are 16-byte aligned on the device:
/// cuMemAlloc and the runtime's allocator align to 256 bytes.)
bool rowsStartAligned(Value memref, int64_t width) {
  auto type = cast<MemRefType>(memref.getType());
  auto multipleOfWidth = [&](std::optional<int64_t> value) {
    return value && *value % width == 0;
  };
  auto innermostSize = [&]() -> std::optional<int64_t> {
    if (type.getRank() == 0 || type.isDynamicDim(type.getRank() - 1))
      return std::nullopt;
    return type.getShape().back();
  };
  Operation *def = memref.getDefiningOp();
  bool allocation =
      def ? isa<memref::AllocOp, memref::AllocaOp>(def)
          : isa<FunctionOpInterface>(
                cast<BlockArgument>(memref).getOwner()->getParentOp());
  if (allocation)
    return type.getLayout().isIdentity() &&
           (type.getRank() == 1 || multipleOfWidth(innermostSize()));
  if (!def)
    return false;
  if (auto subview = dyn_cast<memref::SubViewOp>(def)) {
    int64_t last = subview.getSourceType().getRank() - 1;
    return !subview.getDroppedDims().test(last) &&
           isConstantIntValue(subview.getMixedStrides().back(), 1) &&
           isMultipleOf(subview.getMixedOffsets().back(), width) &&
           rowsStartAligned(subview.getSource(), width);
  }
  // Splitting the innermost dimension: its new outer stride is the new
  // innermost size.
  if (auto expand = dyn_cast<memref::ExpandShapeOp>(def))
    return (expand.getReassociationIndices().back().size() == 1 ||
            multipleOfWidth(innermostSize())) &&
           rowsStartAligned(expand.getSrc(), width);
  if (auto collapse = dyn_cast<memref::CollapseShapeOp>(def))
    return rowsStartAligned(collapse.getSrc(), width);
  if (auto cast = dyn_cast<memref::CastOp>(def))
    return rowsStartAligned(cast.getSource(), width);
  // What a layer function returns (the final norm reads the last layer's).
  if (auto call = dyn_cast<func::CallOp>(def)) {
    auto callee = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
        call, call.getCalleeAttr());
    if (!callee || !callee.getBody().hasOneBlock())
      return false;
    Operation *returned = callee.getBody().front().getTerminator();
    return rowsStartAligned(
        returned->getOperand(cast<OpResult>(memref).getResultNumber()), width);
  }
  return false;
}

/// The elements of loop `loop` that 16 bytes of the narrowest of
/// `operands` reading it hold, when each of those is a memref read along
/// a row; 1 otherwise.
int64_t rowLoadWidth(linalg::LinalgOp op, ArrayRef<OpOperand *> operands,
                     unsigned loop) {
  int64_t width = 1;
  for (OpOperand *operand : operands) {
    AffineMap map = op.getMatchingIndexingMap(operand);
    if (!map.isFunctionOfDim(loop))
      continue;
    auto type = dyn_cast<MemRefType>(operand->get().getType());
    if (!type || !llama4c::readsAlongRow(map, loop))
      return 1;
    int64_t bytes = type.getElementTypeBitWidth() / 8;
    if (bytes == 0)
      return 1;
    width = std::max(width, kVectorLoadBytes / bytes);
  }
  return width;
}

/// Whether `op`'s body applies elementwise to vectors of `width` elements
/// of loop `loop`, each of `operands` reading it from row starts aligned
/// to that.
bool vectorizesAlong(linalg::LinalgOp op, ArrayRef<OpOperand *> operands,
                     unsigned loop, int64_t width) {
  for (Operation &inner : op.getBlock()->without_terminator())
    if (!OpTrait::hasElementwiseMappableTraits(&inner) ||
        inner.getNumRegions() != 0)
      return false;
  return llvm::all_of(operands, [&](OpOperand *operand) {
    return !op.getMatchingIndexingMap(operand).isFunctionOfDim(loop) ||
           rowsStartAligned(operand->get(), width);
  });
}

/// The elements of k each of `lanes` threads summing `op` together (a
/// warp's 32 or a thread alone) loads at once: 16 bytes of its narrowest
/// input read along k (fewer, a power of two, when a static k is shorter
/// than `lanes` such loads), when every input reads along a row (or not
/// along k at all), rows start aligned to that, and the body applies
/// elementwise to vectors; 1 otherwise.
int64_t vectorWidthOf(linalg::LinalgOp op, int64_t lanes) {
  unsigned k = op.getNumLoops() - 1;
  SmallVector<OpOperand *> inputs = op.getDpsInputOperands();
  int64_t width = rowLoadWidth(op, inputs, k);
  int64_t length = op.getStaticLoopRanges()[k];
  if (!ShapedType::isDynamic(length))
    while (width > 1 && length < lanes * width)
      width /= 2;
  if (width == 1 || !vectorizesAlong(op, inputs, k, width))
    return 1;
  return width;
}

/// The inputs of `op` that read its reduction loop k along a row.
SmallVector<OpOperand *> rowInputsOf(linalg::LinalgOp op) {
  unsigned k = op.getNumLoops() - 1;
  SmallVector<OpOperand *> rows;
  for (OpOperand *input : op.getDpsInputOperands())
    if (isa<MemRefType>(input->get().getType()) &&
        llama4c::readsAlongRow(op.getMatchingIndexingMap(input), k))
      rows.push_back(input);
  return rows;
}

/// For a thread alone whose sum takes no vectors (a gathered product
/// reads its expert's W down a column, through indices in its body): the
/// elements of k that 16 bytes of its narrowest input read along a row
/// hold, when those rows start aligned to that and `reduction` starts
/// there a step at a time. Such inputs are then loaded a vector at a time
/// while the body still takes one k a step, in k's order: a routed
/// expert's row of x costs a load per 8 steps where it cost one a step.
/// 1 otherwise.
int64_t rowInputWidthOf(linalg::LinalgOp op, Range reduction) {
  SmallVector<OpOperand *> rows = rowInputsOf(op);
  unsigned k = op.getNumLoops() - 1;
  int64_t width = rowLoadWidth(op, rows, k);
  std::optional<int64_t> from = getConstantIntValue(reduction.offset);
  std::optional<int64_t> size = getConstantIntValue(reduction.size);
  if (rows.empty() || width == 1 || !from || *from % width != 0 ||
      !isConstantIntValue(reduction.stride, 1) || (size && *size < width))
    return 1;
  return llvm::all_of(rows,
                      [&](OpOperand *row) {
                        return rowsStartAligned(row->get(), width);
                      })
             ? width
             : 1;
}

/// The `sum + term` that the body of `op` yields, when `op` adds into its
/// output (llama4c::addsIntoItsOutput); null otherwise.
arith::AddFOp sumStepOf(linalg::LinalgOp op) {
  if (!llama4c::addsIntoItsOutput(op))
    return nullptr;
  return op.getBlock()
      ->getTerminator()
      ->getOperand(0)
      .getDefiningOp<arith::AddFOp>();
}

/// `step`, a sum's `sum + term` (sumStepOf), cloned with `mapping`: a
/// product term `a * b` as a fused multiply-add, one instruction and one
/// rounding where the add and the multiply took two of each (what CUDA
/// compilers contract it to). A scalar sum takes a vector term's elements
/// in order, so that a lane's sum of several rows of x against one of W
/// holds one register a row, not a vector.
Value cloneSumStep(OpBuilder &b, Location loc, arith::AddFOp step,
                   IRMapping &mapping) {
  // The output's block argument: a sum has one output, the last argument.
  Value sumArg = step->getBlock()->getArguments().back();
  Value term = step.getLhs() == sumArg ? step.getRhs() : step.getLhs();
  Value sum = mapping.lookup(sumArg);
  auto product = term.getDefiningOp<arith::MulFOp>();
  if (product &&
      (!product->hasOneUse() || product->getBlock() != step->getBlock()))
    product = nullptr;
  auto add = [&](Value acc, auto element) -> Value {
    if (product)
      return math::FmaOp::create(b, loc, element(product.getLhs()),
                                 element(product.getRhs()), acc);
    return arith::AddFOp::create(b, loc, acc, element(term));
  };
  auto vector = dyn_cast<VectorType>(mapping.lookupOrDefault(term).getType());
  if (!vector || isa<VectorType>(sum.getType()))
    return add(sum,
               [&](Value value) { return mapping.lookupOrDefault(value); });
  for (int64_t i = 0; i < vector.getNumElements(); ++i)
    sum = add(sum, [&](Value value) -> Value {
      return vector::ExtractOp::create(b, loc, mapping.lookupOrDefault(value),
                                       i);
    });
  return sum;
}

/// `op`'s body at reduction index `k` on vectors of `width` consecutive
/// indices of loop `along` (k's own by default: `width` steps of k at
/// once; else a parallel loop's: `width` elements, one step each), from
/// the loop indices `parallelIvs` and `k` on: each input that reads
/// `along` loaded as one aligned vector, the others broadcast, `sums` the
/// output's running sums, one per vector element, or one f32 that the
/// vector's steps add into in order (a sum along k; see cloneSumStep).
Value emitVectorSteps(OpBuilder &b, Location loc, linalg::LinalgOp op,
                      ValueRange parallelIvs, Value k, Value sums,
                      int64_t width, std::optional<unsigned> along = {}) {
  Block *body = op.getBlock();
  unsigned kLoop = along.value_or(op.getNumLoops() - 1);
  auto vectorOf = [&](Type element) {
    return VectorType::get({width}, element);
  };
  SmallVector<Value> ivs(parallelIvs);
  ivs.push_back(k);
  IRMapping mapping;
  mapping.map(body->getArguments().back(), sums);
  arith::AddFOp sumStep = sumStepOf(op);
  for (OpOperand *input : op.getDpsInputOperands()) {
    AffineMap map = op.getMatchingIndexingMap(input);
    SmallVector<Value> at = indicesOf(b, loc, map, ivs);
    Type element = getElementTypeOrSelf(input->get().getType());
    Value loaded;
    if (map.isFunctionOfDim(kLoop)) {
      int64_t bytes = width * element.getIntOrFloatBitWidth() / 8;
      loaded = vector::LoadOp::create(
          b, loc, vectorOf(element), input->get(), at, /*nontemporal=*/false,
          llvm::Align(std::min(bytes, kVectorLoadBytes)));
    } else {
      loaded = vector::BroadcastOp::create(
          b, loc, vectorOf(element),
          memref::LoadOp::create(b, loc, input->get(), at));
    }
    mapping.map(op.getMatchingBlockArgument(input), loaded);
  }
  for (Operation &inner : body->without_terminator()) {
    if (&inner == sumStep.getOperation()) {
      mapping.map(sumStep.getResult(), cloneSumStep(b, loc, sumStep, mapping));
      continue;
    }
    // A value from above the body is the same for every element.
    for (Value operand : inner.getOperands())
      if (!mapping.contains(operand))
        mapping.map(operand, vector::BroadcastOp::create(
                                 b, loc, vectorOf(operand.getType()), operand));
    Operation *step = b.clone(inner, mapping);
    for (Value result : step->getResults())
      result.setType(vectorOf(result.getType()));
  }
  return mapping.lookup(body->getTerminator()->getOperand(0));
}

/// `operand`'s element at loop indices `ivs`, loaded, as its argument of
/// `op`'s body.
void loadElementAt(OpBuilder &b, Location loc, linalg::LinalgOp op,
                   OpOperand *operand, ValueRange ivs, IRMapping &mapping) {
  mapping.map(op.getMatchingBlockArgument(operand),
              memref::LoadOp::create(
                  b, loc, operand->get(),
                  indicesOf(b, loc, op.getMatchingIndexingMap(operand), ivs)));
}

/// `op`'s body at loop indices `ivs`, one element, its arguments (and
/// what `mapping` holds already) from `mapping`: the value it yields.
Value cloneBodyAt(OpBuilder &b, linalg::LinalgOp op, ValueRange ivs,
                  IRMapping &mapping) {
  Block *body = op.getBlock();
  arith::AddFOp sumStep = sumStepOf(op);
  for (Operation &inner : body->without_terminator()) {
    if (inner.getNumResults() > 0 &&
        llvm::all_of(inner.getResults(),
                     [&](Value result) { return mapping.contains(result); }))
      continue;
    if (auto index = dyn_cast<linalg::IndexOp>(inner))
      mapping.map(index.getResult(), ivs[index.getDim()]);
    else if (&inner == sumStep.getOperation())
      mapping.map(sumStep.getResult(),
                  cloneSumStep(b, op.getLoc(), sumStep, mapping));
    else
      b.clone(inner, mapping);
  }
  return mapping.lookup(body->getTerminator()->getOperand(0));
}

/// Where a reduction element of `op` at `parallelIvs` keeps its value in
/// output `init`: the output's indexing map at those indices and k = 0,
/// which the output does not read.
SmallVector<Value> elementIndicesOf(OpBuilder &b, Location loc,
                                    linalg::LinalgOp op, OpOperand *init,
                                    ValueRange parallelIvs) {
  SmallVector<Value> ivs(parallelIvs);
  ivs.push_back(indexConstant(b, loc, 0));
  return indicesOf(b, loc, op.getMatchingIndexingMap(init), ivs);
}

/// The thread's lane in a warp of `lanes` (gpu.lane_id), or 0 for a thread
/// alone.
Value laneOf(OpBuilder &b, Location loc, int64_t lanes) {
  return lanes > 1
             ? Value(gpu::LaneIdOp::create(b, loc, /*upperBound=*/nullptr))
             : indexConstant(b, loc, 0);
}

/// Lane `lane`'s loop of a reduction split across `lanes`: k = from + lane
/// * stride, from + (lanes + lane) * stride, ... below `end`, carrying
/// `inits`.
scf::ForOp buildLaneLoop(
    OpBuilder &b, Location loc, Value lane, int64_t lanes, Value from,
    Value end, Value stride, ValueRange inits,
    function_ref<void(OpBuilder &, Location, Value, ValueRange)> body) {
  Value first = b.createOrFold<arith::AddIOp>(
      loc, from, b.createOrFold<arith::MulIOp>(loc, lane, stride));
  Value step =
      b.createOrFold<arith::MulIOp>(loc, stride, indexConstant(b, loc, lanes));
  return scf::ForOp::create(b, loc, first, end, step, inits, body);
}

/// `sum` plus lane `lane`'s steps of `op`'s body, in registers, over
/// k = from + lane * stride, from + (lanes + lane) * stride, ... below
/// `end`, one element at a time. What does not depend on k (the loads of
/// inputs not read along k, and the body's ops of those alone: a routed
/// expert's router score) is computed once, before the loop, which
/// stores nothing. With a `rowWidth` w > 1 (a thread alone, see
/// rowInputWidthOf), an iteration takes w steps of k: the inputs read
/// along a row loaded as one vector of w elements, the body then cloned
/// for each of them in k's order.
Value emitScalarSteps(OpBuilder &b, Location loc, linalg::LinalgOp op,
                      ValueRange parallelIvs, Value lane, int64_t lanes,
                      Value from, Value end, Value stride, Value sum,
                      int64_t rowWidth = 1) {
  Block *body = op.getBlock();
  unsigned kLoop = op.getNumLoops() - 1;
  SmallVector<Value> ivs(parallelIvs);
  ivs.push_back(from); // k, which the loop sets; unread before it
  // The body's values that do not depend on k or on the running sum.
  IRMapping invariant;
  for (OpOperand *input : op.getDpsInputOperands())
    if (!op.getMatchingIndexingMap(input).isFunctionOfDim(kLoop))
      loadElementAt(b, loc, op, input, ivs, invariant);
  for (Operation &inner : body->without_terminator()) {
    auto index = dyn_cast<linalg::IndexOp>(inner);
    if (index && index.getDim() != kLoop) {
      invariant.map(index.getResult(), ivs[index.getDim()]);
      continue;
    }
    bool readsOnly = isMemoryEffectFree(&inner) || isa<memref::LoadOp>(inner);
    bool fromAbove = llvm::all_of(inner.getOperands(), [&](Value operand) {
      return invariant.contains(operand) || operand.getParentBlock() != body;
    });
    if (!index && readsOnly && inner.getNumRegions() == 0 && fromAbove)
      b.clone(inner, invariant);
  }
  SmallVector<OpOperand *> rows;
  if (rowWidth > 1)
    rows = rowInputsOf(op);
  Value step = b.createOrFold<arith::MulIOp>(loc, stride,
                                             indexConstant(b, loc, rowWidth));
  auto loop = buildLaneLoop(
      b, loc, lane, lanes, from, end, step, ValueRange{sum},
      [&](OpBuilder &b, Location loc, Value k, ValueRange sums) {
        ivs.back() = k;
        SmallVector<Value> vectors;
        for (OpOperand *row : rows) {
          Type element = getElementTypeOrSelf(row->get().getType());
          int64_t bytes = rowWidth * element.getIntOrFloatBitWidth() / 8;
          vectors.push_back(vector::LoadOp::create(
              b, loc, VectorType::get({rowWidth}, element), row->get(),
              indicesOf(b, loc, op.getMatchingIndexingMap(row), ivs),
              /*nontemporal=*/false,
              llvm::Align(std::min(bytes, kVectorLoadBytes))));
        }
        Value running = sums.front();
        for (int64_t i = 0; i < rowWidth; ++i) {
          ivs.back() = i == 0 ? k
                              : b.createOrFold<arith::AddIOp>(
                                    loc, k, indexConstant(b, loc, i));
          IRMapping mapping = invariant;
          mapping.map(body->getArguments().back(), running);
          for (auto [row, vector] : llvm::zip(rows, vectors))
            mapping.map(op.getMatchingBlockArgument(row),
                        vector::ExtractOp::create(b, loc, vector, i));
          for (OpOperand *input : op.getDpsInputOperands())
            if (!mapping.contains(op.getMatchingBlockArgument(input)))
              loadElementAt(b, loc, op, input, ivs, mapping);
          running = cloneBodyAt(b, op, ivs, mapping);
        }
        scf::YieldOp::create(b, loc, running);
      });
  return loop.getResult(0);
}

/// An element of a sum `op` (see isSumPerElement), computed by `lanes`
/// threads: a warp's 32 or a thread alone. Its one reduction loop,
/// innermost, is split across the lanes so that a warp's loads are
/// consecutive, each lane's partial sum in f32 registers, then added
/// across the warp by a subgroup reduction and into the output. With a
/// vector width w > 1 (see vectorWidthOf), lane l loads w elements from
/// k = w * l on, the lanes lanes * w a step, over the whole steps of k;
/// the rest of k, and all of it when w = 1, goes one element a lane:
/// k = l, l + lanes, ... A thread alone with w = 1 adds in k's order from
/// the output's value on, as the op's loops would, but in a register: left
/// to the loops of linalg each step would load and store the output (it
/// may alias the inputs), a round trip through memory that the next step
/// waits for; its inputs read along a row come a vector at a time where
/// they can (rowInputWidthOf). Every lane ends with the sum; the output is
/// stored by all of them when it is the thread's own, by lane 0 otherwise
/// (storeFromLaneZero). The parallel loops are `parallelIvs` (a tile's
/// element), and `reduction` the reduction loop's range.
void emitSumElement(OpBuilder &b, linalg::LinalgOp op, ValueRange parallelIvs,
                    Range reduction, int64_t lanes, int64_t width) {
  Location loc = op.getLoc();
  bool warp = lanes > 1;
  Value lane = laneOf(b, loc, lanes);
  OpOperand *init = op.getDpsInitOperand(0);
  SmallVector<Value> at = elementIndicesOf(b, loc, op, init, parallelIvs);
  Value lb = getValueOrCreateConstantIndexOp(b, loc, reduction.offset);
  Value stride = getValueOrCreateConstantIndexOp(b, loc, reduction.stride);
  Value size = getValueOrCreateConstantIndexOp(b, loc, reduction.size);
  Value end = b.createOrFold<arith::AddIOp>(loc, lb, size);
  bool inOrder = !warp && width == 1;
  Value partial =
      inOrder ? Value(memref::LoadOp::create(b, loc, init->get(), at))
              : arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0f));
  Value rest = lb; // where one element a lane takes over
  std::optional<int64_t> staticSize = getConstantIntValue(reduction.size);
  int64_t lanesStep = lanes * width;
  // The elements of k the steps above the one-element ones take at once.
  int64_t chunk = width > 1 ? lanesStep : 1;
  int64_t rowWidth = inOrder ? rowInputWidthOf(op, reduction) : 1;
  if (rowWidth > 1) {
    Value span = indexConstant(b, loc, rowWidth);
    rest = b.createOrFold<arith::AddIOp>(
        loc, lb,
        b.createOrFold<arith::MulIOp>(
            loc, b.createOrFold<arith::DivUIOp>(loc, size, span), span));
    partial = emitScalarSteps(b, loc, op, parallelIvs, lane, lanes, lb, rest,
                              stride, partial, rowWidth);
    chunk = rowWidth;
  }
  if (width > 1) {
    Value span = indexConstant(b, loc, lanesStep);
    Value whole = b.createOrFold<arith::MulIOp>(
        loc, b.createOrFold<arith::DivUIOp>(loc, size, span), span);
    rest = b.createOrFold<arith::AddIOp>(loc, lb, whole);
    Value first = b.createOrFold<arith::AddIOp>(
        loc, lb,
        b.createOrFold<arith::MulIOp>(loc, lane, indexConstant(b, loc, width)));
    auto steps = scf::ForOp::create(
        b, loc, first, rest, span, ValueRange{partial},
        [&](OpBuilder &b, Location loc, Value k, ValueRange sums) {
          scf::YieldOp::create(
              b, loc,
              emitVectorSteps(b, loc, op, parallelIvs, k, sums.front(), width));
        });
    partial = steps.getResult(0);
  }
  if (chunk == 1 || !staticSize || *staticSize % chunk != 0)
    partial = emitScalarSteps(b, loc, op, parallelIvs, lane, lanes, rest, end,
                              stride, partial);
  if (warp)
    partial = gpu::SubgroupReduceOp::create(b, loc, partial,
                                            gpu::AllReduceOperation::ADD,
                                            /*uniform=*/true);
  Value after =
      inOrder ? partial
              : arith::AddFOp::create(
                    b, loc, memref::LoadOp::create(b, loc, init->get(), at),
                    partial);
  memref::StoreOp::create(b, loc, after, init->get(), at);
}

/// An element of a greedy-token reduction `op` (isGreedyTokenReduction),
/// computed by `lanes` threads: lane l scans k = l, l + lanes, ... with its
/// (best logit, index) pair in registers from (-inf, -1), the op's initial
/// pair; in a warp the lanes' pairs then meet in five rounds of shuffles,
/// each lane keeping the pair greedyPrefers ranks first, and every lane
/// ends with the element's pair, ranked against the output's and stored
/// (by lane 0 where the output is not the thread's own).
void emitGreedyElement(OpBuilder &b, linalg::LinalgOp op,
                       ValueRange parallelIvs, Range reduction, int64_t lanes) {
  Location loc = op.getLoc();
  Value lane = laneOf(b, loc, lanes);
  OpOperand *bestInit = op.getDpsInitOperand(0);
  OpOperand *indexInit = op.getDpsInitOperand(1);
  SmallVector<Value> at = elementIndicesOf(b, loc, op, bestInit, parallelIvs);
  SmallVector<Value> ivs(parallelIvs); // and k, at each step
  ivs.push_back(Value());
  Value lb = getValueOrCreateConstantIndexOp(b, loc, reduction.offset);
  Value stride = getValueOrCreateConstantIndexOp(b, loc, reduction.stride);
  Value end = b.createOrFold<arith::AddIOp>(
      loc, lb, getValueOrCreateConstantIndexOp(b, loc, reduction.size));
  Value none[] = {
      arith::ConstantOp::create(
          b, loc, b.getF32FloatAttr(-std::numeric_limits<float>::infinity())),
      arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(-1))};
  Block *body = op.getBlock();
  auto scan = buildLaneLoop(
      b, loc, lane, lanes, lb, end, stride, ValueRange(none),
      [&](OpBuilder &b, Location loc, Value k, ValueRange pair) {
        ivs.back() = k;
        IRMapping mapping;
        mapping.map(op.getMatchingBlockArgument(bestInit), pair[0]);
        mapping.map(op.getMatchingBlockArgument(indexInit), pair[1]);
        for (OpOperand *input : op.getDpsInputOperands())
          if (!op.getMatchingBlockArgument(input).use_empty())
            loadElementAt(b, loc, op, input, ivs, mapping);
        Value best = cloneBodyAt(b, op, ivs, mapping);
        Value index =
            mapping.lookupOrDefault(body->getTerminator()->getOperand(1));
        scf::YieldOp::create(b, loc, ValueRange{best, index});
      });
  Value best = scan.getResult(0), index = scan.getResult(1);
  auto keepPreferred = [&](Value otherBest, Value otherIndex) {
    Value take =
        llama4c::greedyPrefers(b, loc, otherBest, otherIndex, best, index);
    best = arith::SelectOp::create(b, loc, take, otherBest, best);
    index = arith::SelectOp::create(b, loc, take, otherIndex, index);
  };
  Value width = arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(lanes));
  for (int64_t offset = lanes / 2; offset > 0; offset /= 2) {
    Value by = arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(offset));
    auto shuffled = [&](Value value) {
      return gpu::ShuffleOp::create(b, loc, value, by, width,
                                    gpu::ShuffleMode::XOR)
          .getShuffleResult();
    };
    keepPreferred(shuffled(best), shuffled(index));
  }
  keepPreferred(memref::LoadOp::create(b, loc, bestInit->get(), at),
                memref::LoadOp::create(b, loc, indexInit->get(), at));
  memref::StoreOp::create(b, loc, best, bestInit->get(), at);
  memref::StoreOp::create(b, loc, index, indexInit->get(), at);
}

/// The elements of `op`'s parallel loop `d` that one vector takes: 16
/// bytes of the narrowest operand reading d, when every operand reading d
/// reads it along a row (its last index, alone) from row starts aligned
/// to that and the body is elementwise; 1 otherwise.
int64_t alignedRowWidthOf(linalg::LinalgOp op, unsigned d) {
  SmallVector<OpOperand *> operands = llvm::to_vector(llvm::map_range(
      op->getOpOperands(), [](OpOperand &operand) { return &operand; }));
  int64_t width = rowLoadWidth(op, operands, d);
  if (width == 1 || !vectorizesAlong(op, operands, d, width))
    return 1;
  return width;
}

/// For a thread's sum inside a tile, the elements of its innermost
/// parallel loop `d` that one vector takes (alignedRowWidthOf), when the
/// output is the thread's own and d's static extent is a multiple of it;
/// 1 otherwise. A decode attention lane's p · v then updates its 128
/// accumulators 8 at a time, each load a round fewer.
int64_t rowVectorWidthOf(linalg::LinalgOp op, unsigned d) {
  if (!llama4c::isThreadPrivate(op.getDpsInitOperand(0)->get()))
    return 1;
  int64_t width = alignedRowWidthOf(op, d);
  int64_t length = op.getStaticLoopRanges()[d];
  if (ShapedType::isDynamic(length) || length % width != 0)
    return 1;
  return width;
}

/// Whether `value` depends on the thread's lane: a gpu.lane_id, or a
/// loop index counted from one, through arithmetic.
bool dependsOnLane(Value value) {
  if (auto index = dyn_cast<BlockArgument>(value)) {
    auto loop = dyn_cast<scf::ForOp>(index.getOwner()->getParentOp());
    return loop && index == loop.getInductionVar() &&
           dependsOnLane(loop.getLowerBound());
  }
  Operation *def = value.getDefiningOp();
  if (isa<gpu::LaneIdOp>(def))
    return true;
  return isMemoryEffectFree(def) && def->getNumRegions() == 0 &&
         llvm::any_of(def->getOperands(), dependsOnLane);
}

/// Whether `op`, in a warp's kernel, is a map of one output along a row
/// of its innermost loop into memory that is not the thread's own, at a
/// place that does not depend on the lane: there every lane holds the
/// same values (see storeFromLaneZero), so the lanes can share the row's
/// elements instead of each computing all of them for lane 0 to store (a
/// row's RMSNorm scaling after its sum, see --llama4-gpu-tile-and-fuse).
/// A lane's own columns of a decode query group's state are its own to
/// store.
bool isRowForLanes(linalg::LinalgOp op) {
  auto kernel = op->getParentOfType<scf::ParallelOp>();
  if (!kernel ||
      !LoweringConfigAttr::of(kernel, LoweringPipeline::gpu_warp_per_element))
    return false;
  auto isMemref = [](Value value) { return isa<MemRefType>(value.getType()); };
  return op.getNumLoops() > 0 && op.getNumReductionLoops() == 0 &&
         op.getNumDpsInits() == 1 &&
         llvm::all_of(op->getOperands(), isMemref) &&
         !llama4c::isThreadPrivate(op.getDpsInitOperand(0)->get()) &&
         !dependsOnLane(op.getDpsInitOperand(0)->get()) &&
         op.getStaticLoopRanges().back() != 1;
}

/// One step of the map `op` at loop indices `ivs`, on vectors of `width`
/// elements of its innermost loop (see emitVectorSteps) or, with width 1,
/// on one element; stored into its output.
void emitMapStep(OpBuilder &b, Location loc, linalg::LinalgOp op,
                 ValueRange ivs, int64_t width) {
  OpOperand *init = op.getDpsInitOperand(0);
  SmallVector<Value> at =
      indicesOf(b, loc, op.getMatchingIndexingMap(init), ivs);
  Type element = getElementTypeOrSelf(init->get().getType());
  if (width > 1) {
    auto type = VectorType::get({width}, element);
    llvm::Align align(std::min(width * element.getIntOrFloatBitWidth() / 8,
                               kVectorLoadBytes));
    // The output's old value, where the body reads it.
    Value old =
        op.payloadUsesValueFromOperand(init)
            ? Value(vector::LoadOp::create(b, loc, type, init->get(), at,
                                           /*nontemporal=*/false, align))
            : arith::ConstantOp::create(b, loc,
                                        cast<TypedAttr>(b.getZeroAttr(type)));
    Value result = emitVectorSteps(b, loc, op, ivs.drop_back(), ivs.back(), old,
                                   width, op.getNumLoops() - 1);
    vector::StoreOp::create(b, loc, result, init->get(), at,
                            /*nontemporal=*/false, align);
    return;
  }
  IRMapping mapping;
  for (OpOperand &operand : op->getOpOperands())
    if (&operand != init || op.payloadUsesValueFromOperand(init))
      loadElementAt(b, loc, op, &operand, ivs, mapping);
  memref::StoreOp::create(b, loc, cloneBodyAt(b, op, ivs, mapping), init->get(),
                          at);
}

/// Loops from `lbs` below `ubs` by `steps`, one per range of `ranges`
/// but those of one element (a tile's), whose index is their offset;
/// `body` gets the index of every range.
void buildLoopsOverExtents(
    OpBuilder &b, Location loc, ArrayRef<Range> ranges, ArrayRef<Value> lbs,
    ArrayRef<Value> ubs, ArrayRef<Value> steps,
    function_ref<void(OpBuilder &, Location, ValueRange)> body) {
  SmallVector<Value> loopLbs, loopUbs, loopSteps;
  for (auto [range, lb, ub, step] : llvm::zip(ranges, lbs, ubs, steps)) {
    if (isConstantIntValue(range.size, 1))
      continue;
    loopLbs.push_back(lb);
    loopUbs.push_back(ub);
    loopSteps.push_back(step);
  }
  scf::buildLoopNest(b, loc, loopLbs, loopUbs, loopSteps,
                     [&](OpBuilder &b, Location loc, ValueRange loopIvs) {
                       SmallVector<Value> ivs;
                       auto next = loopIvs.begin();
                       for (auto [range, lb] : llvm::zip(ranges, lbs))
                         ivs.push_back(
                             isConstantIntValue(range.size, 1) ? lb : *next++);
                       body(b, loc, ivs);
                     });
}

/// A map's row in a warp (see isRowForLanes): its outer loops run in every
/// lane, its innermost one is split across the lanes, lane l taking w
/// elements from w * l on, the warp 32 * w a step, as one vector each
/// where the operands allow (alignedRowWidthOf), the rest one element a
/// lane. Each lane stores its own elements.
void emitRowAcrossLanes(OpBuilder &b, linalg::LinalgOp op) {
  Location loc = op.getLoc();
  SmallVector<Range> ranges = op.createLoopRanges(b, loc);
  Range row = ranges.pop_back_val();
  SmallVector<Value> lbs, ubs, steps;
  for (Range range : ranges) {
    lbs.push_back(getValueOrCreateConstantIndexOp(b, loc, range.offset));
    ubs.push_back(b.createOrFold<arith::AddIOp>(
        loc, lbs.back(), getValueOrCreateConstantIndexOp(b, loc, range.size)));
    steps.push_back(getValueOrCreateConstantIndexOp(b, loc, range.stride));
  }
  int64_t width = isConstantIntValue(row.stride, 1)
                      ? alignedRowWidthOf(op, op.getNumLoops() - 1)
                      : 1;
  buildLoopsOverExtents(
      b, loc, ranges, lbs, ubs, steps,
      [&](OpBuilder &b, Location loc, ValueRange outer) {
        Value lane = gpu::LaneIdOp::create(b, loc, /*upperBound=*/nullptr);
        Value lb = getValueOrCreateConstantIndexOp(b, loc, row.offset);
        Value size = getValueOrCreateConstantIndexOp(b, loc, row.size);
        Value stride = getValueOrCreateConstantIndexOp(b, loc, row.stride);
        Value end = b.createOrFold<arith::AddIOp>(loc, lb, size);
        auto steps = [&](Value from, Value to, Value step, int64_t w) {
          scf::ForOp::create(
              b, loc, from, to, step, ValueRange{},
              [&](OpBuilder &b, Location loc, Value k, ValueRange) {
                SmallVector<Value> ivs(outer);
                ivs.push_back(k);
                emitMapStep(b, loc, op, ivs, w);
                scf::YieldOp::create(b, loc);
              });
        };
        Value rest = lb; // where one element a lane takes over
        if (width > 1) {
          Value span = indexConstant(b, loc, llama4c::kWarpSize * width);
          rest = b.createOrFold<arith::AddIOp>(
              loc, lb,
              b.createOrFold<arith::MulIOp>(
                  loc, b.createOrFold<arith::DivUIOp>(loc, size, span), span));
          steps(b.createOrFold<arith::AddIOp>(
                    loc, lb,
                    b.createOrFold<arith::MulIOp>(
                        loc, lane, indexConstant(b, loc, width))),
                rest, span, width);
        }
        std::optional<int64_t> staticSize = getConstantIntValue(row.size);
        if (width == 1 || !staticSize ||
            *staticSize % (llama4c::kWarpSize * width) != 0)
          steps(
              b.createOrFold<arith::AddIOp>(
                  loc, rest, b.createOrFold<arith::MulIOp>(loc, lane, stride)),
              end,
              b.createOrFold<arith::MulIOp>(
                  loc, stride, indexConstant(b, loc, llama4c::kWarpSize)),
              1);
      });
}

/// `width` elements of a thread's sum `op` along its innermost parallel
/// loop `d`, from `parallelIvs` on (see rowVectorWidthOf): the outputs
/// loaded as one vector, every step of the reduction added in order,
/// stored once.
void emitRowVectorElement(OpBuilder &b, linalg::LinalgOp op,
                          ValueRange parallelIvs, Range reduction, unsigned d,
                          int64_t width) {
  Location loc = op.getLoc();
  OpOperand *init = op.getDpsInitOperand(0);
  SmallVector<Value> at = elementIndicesOf(b, loc, op, init, parallelIvs);
  Type element = getElementTypeOrSelf(init->get().getType());
  auto type = VectorType::get({width}, element);
  llvm::Align align(
      std::min(width * element.getIntOrFloatBitWidth() / 8, kVectorLoadBytes));
  Value before = vector::LoadOp::create(b, loc, type, init->get(), at,
                                        /*nontemporal=*/false, align);
  Value lb = getValueOrCreateConstantIndexOp(b, loc, reduction.offset);
  Value end = b.createOrFold<arith::AddIOp>(
      loc, lb, getValueOrCreateConstantIndexOp(b, loc, reduction.size));
  auto steps = scf::ForOp::create(
      b, loc, lb, end,
      getValueOrCreateConstantIndexOp(b, loc, reduction.stride),
      ValueRange{before},
      [&](OpBuilder &b, Location loc, Value k, ValueRange sums) {
        scf::YieldOp::create(b, loc,
                             emitVectorSteps(b, loc, op, parallelIvs, k,
                                             sums.front(), width, d));
      });
  vector::StoreOp::create(b, loc, steps.getResult(0), init->get(), at,
                          /*nontemporal=*/false, align);
}

/// Whether `op`, a thread's op in a warp's tile, computes the same in every
/// lane from memory the lanes share: no input is the thread's own memory
/// (a lane's private buffer may hold values of its own lane) and nothing
/// it reads depends on the lane. Its steps may then be split across the
/// lanes.
bool isSameInEveryLane(linalg::LinalgOp op) {
  for (OpOperand *input : op.getDpsInputOperands())
    if (llama4c::isThreadPrivate(input->get()) || dependsOnLane(input->get()))
      return false;
  bool capturesLane = false;
  op.getBlock()->walk([&](Operation *inner) {
    for (Value operand : inner->getOperands())
      capturesLane |= operand.getParentBlock() != op.getBlock() &&
                      !isa<BlockArgument>(operand) && dependsOnLane(operand);
  });
  return !capturesLane;
}

/// Whether `op` is a sum per output element: one reduction loop, innermost,
/// one output, into which its body adds in f32.
bool isSumPerElement(linalg::LinalgOp op) {
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  return op.getNumReductionLoops() == 1 &&
         iterators.back() == utils::IteratorType::reduction &&
         op.getNumDpsInits() == 1 && op.hasPureBufferSemantics() &&
         llama4c::addsIntoItsOutput(op);
}

/// Whether `op` can be split across a warp: a sum per element, so that
/// the lanes' partial sums add up, or a greedy-token reduction, whose
/// lanes' pairs rank alike in any order.
LogicalResult checkWarpSplittable(linalg::LinalgOp op) {
  if (!isSumPerElement(op) && !llama4c::isGreedyTokenReduction(op))
    return op->emitOpError(
        "has a warp per element, which needs one reduction loop, innermost, "
        "and one output, into which its body adds in f32 (or a greedy "
        "token's pair)");
  return success();
}

struct LinalgToKernelLoops
    : llama4c::impl::Llama4GpuLinalgToKernelLoopsPassBase<LinalgToKernelLoops> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    if (failed(convertTiles(rewriter)) || failed(convertOps(rewriter)))
      return signalPassFailure();
    storeFromLaneZero();
    // The index arithmetic of the loops, folded as --convert-linalg-to-
    // parallel-loops folds it.
    RewritePatternSet patterns(&getContext());
    affine::AffineApplyOp::getCanonicalizationPatterns(patterns, &getContext());
    memref::DimOp::getCanonicalizationPatterns(patterns, &getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }

  /// Each tile loop of --llama4-gpu-tile-and-fuse becomes an scf.parallel
  /// with its ops' config: a warp's if one of them has a warp per element
  /// or its code asks for its lane (a warp's query of attention), the
  /// others running alike in every lane; a thread's otherwise; of those,
  /// one with a register tile (the product's rows, which the fills and
  /// the choices fused beside it do not have).
  LogicalResult convertTiles(RewriterBase &rewriter) {
    SmallVector<scf::ForallOp> tiles;
    getOperation()->walk<WalkOrder::PreOrder>([&](scf::ForallOp tile) {
      tiles.push_back(tile);
      return WalkResult::skip();
    });
    for (scf::ForallOp tile : tiles) {
      LoweringConfigAttr config;
      auto rank = [](LoweringConfigAttr config) {
        return 2 * isWarpPerElement(config) + !config.getRegisterTile().empty();
      };
      tile.getBody()->walk([&](linalg::LinalgOp op) {
        LoweringConfigAttr own = LoweringConfigAttr::ofGpu(op);
        if (own && (!config || rank(own) >= rank(config)))
          config = own;
      });
      if (!config)
        return tile.emitOpError("holds no op with a GPU lowering config");
      bool usesLanes =
          tile.getBody()
              ->walk([](gpu::LaneIdOp) { return WalkResult::interrupt(); })
              .wasInterrupted();
      if (usesLanes)
        config = config.withPipeline(LoweringPipeline::gpu_warp_per_element);
      scf::ParallelOp loop;
      rewriter.setInsertionPoint(tile);
      if (failed(scf::forallToParallelLoop(rewriter, tile, &loop)))
        return tile.emitOpError("could not become a kernel loop");
      loop->setAttr(LoweringConfigAttr::attributeName, config);
    }
    return success();
  }

  /// Every other op becomes its own kernel loop; ops inside a kernel
  /// become sequential loops that run in each thread, or in each warp.
  LogicalResult convertOps(RewriterBase &rewriter) {
    SmallVector<linalg::LinalgOp> ops;
    getOperation()->walk([&](linalg::LinalgOp op) { ops.push_back(op); });
    for (linalg::LinalgOp op : ops) {
      // The tiles are kernel loops now: an op inside one is no root.
      bool root = !op->getParentOfType<scf::ParallelOp>();
      LoweringConfigAttr config = LoweringConfigAttr::ofGpu(op);
      if (root && !config)
        return op->emitOpError("has no GPU lowering config: run "
                               "--llama4-select-lowering-config for a GPU "
                               "target first");
      // One thread or warp per output element needs the parallel loops
      // outermost; the conversion to linalg orders every op's loops so.
      SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
      auto isParallel = [](utils::IteratorType type) {
        return type == utils::IteratorType::parallel;
      };
      if (root &&
          llvm::any_of(ArrayRef(iterators).drop_while(isParallel), isParallel))
        return op->emitOpError(
            "has a parallel loop after a reduction: a thread per output "
            "element needs its parallel loops first");
      rewriter.setInsertionPoint(op);
      if (!root && isRowForLanes(op)) {
        emitRowAcrossLanes(rewriter, op);
        rewriter.eraseOp(op);
        continue;
      }
      // A thread's sum in a warp's tile that every lane would repeat alike
      // (a routed expert's 32 partial sums, added where the shared
      // expert's GEMV adds them) takes a step a lane instead: a load a
      // lane, not 32, and none held in registers for each row the warp
      // takes.
      bool inWarp = !root && LoweringConfigAttr::of(
                                 op->getParentOfType<scf::ParallelOp>(),
                                 LoweringPipeline::gpu_warp_per_element);
      bool warp = (config && isWarpPerElement(config)) ||
                  (inWarp && isSumPerElement(op) && isSameInEveryLane(op));
      if (warp && failed(checkWarpSplittable(op)))
        return failure();
      if (warp || isSumPerElement(op) || llama4c::isGreedyTokenReduction(op)) {
        if (failed(lowerReductionPerElement(rewriter, op,
                                            root ? config : nullptr, warp)))
          return failure();
        rewriter.eraseOp(op);
        continue;
      }
      // Inside a kernel the op runs in one thread: sequential loops, which
      // --convert-parallel-loops-to-gpu keeps as they are (it takes no
      // nested scf.parallel after a side effect).
      FailureOr<linalg::LinalgLoops> loops =
          root ? linalg::linalgOpToParallelLoops(rewriter, op)
               : linalg::linalgOpToLoops(rewriter, op);
      if (failed(loops))
        return op->emitOpError("could not be lowered to loops");
      if (root) {
        auto outermost = loops->empty()
                             ? nullptr
                             : dyn_cast<scf::ParallelOp>(loops->front());
        if (!outermost)
          return op->emitOpError("has no parallel loop to become a kernel");
        outermost->setAttr(LoweringConfigAttr::attributeName, config);
      }
      rewriter.eraseOp(op);
    }
    return success();
  }

  /// A sum (or a greedy token's pair) per output element, a warp's
  /// (`warp`) or a thread's: a root's
  /// parallel loops become the kernel loop (one warp or thread per
  /// iteration) with `rootConfig`; inside a tile they run in its warp or
  /// thread, where a tile's element makes them one iteration each.
  LogicalResult lowerReductionPerElement(RewriterBase &rewriter,
                                         linalg::LinalgOp op,
                                         LoweringConfigAttr rootConfig,
                                         bool warp) {
    Location loc = op.getLoc();
    int64_t lanes = warp ? llama4c::kWarpSize : 1;
    bool greedy = llama4c::isGreedyTokenReduction(op);
    int64_t width = greedy ? 1 : vectorWidthOf(op, lanes);
    auto emitElement = [&](OpBuilder &b, ValueRange ivs, Range reduction) {
      if (greedy)
        emitGreedyElement(b, op, ivs, reduction, lanes);
      else
        emitSumElement(b, op, ivs, reduction, lanes, width);
    };
    SmallVector<Range> ranges = op.createLoopRanges(rewriter, loc);
    Range reduction = ranges.pop_back_val();
    SmallVector<Value> lbs, ubs, steps;
    for (Range range : ranges) {
      lbs.push_back(
          getValueOrCreateConstantIndexOp(rewriter, loc, range.offset));
      ubs.push_back(arith::AddIOp::create(
          rewriter, loc, lbs.back(),
          getValueOrCreateConstantIndexOp(rewriter, loc, range.size)));
      steps.push_back(
          getValueOrCreateConstantIndexOp(rewriter, loc, range.stride));
    }
    if (rootConfig) {
      if (ranges.empty())
        return op->emitOpError("has no parallel loop to become a kernel");
      auto loop =
          scf::ParallelOp::create(rewriter, loc, lbs, ubs, steps,
                                  [&](OpBuilder &b, Location, ValueRange ivs) {
                                    emitElement(b, ivs, reduction);
                                  });
      loop->setAttr(LoweringConfigAttr::attributeName, rootConfig);
      return success();
    }
    // In a tile: loops only for the extents that are not one element; a
    // thread's innermost one a vector a step where it can.
    unsigned d = ranges.size() - 1;
    int64_t rowWidth = !warp && !greedy && !ranges.empty() &&
                               isConstantIntValue(ranges[d].stride, 1)
                           ? rowVectorWidthOf(op, d)
                           : 1;
    if (rowWidth > 1)
      steps[d] = indexConstant(rewriter, loc, rowWidth);
    buildLoopsOverExtents(rewriter, loc, ranges, lbs, ubs, steps,
                          [&](OpBuilder &b, Location, ValueRange ivs) {
                            if (rowWidth > 1)
                              emitRowVectorElement(b, op, ivs, reduction, d,
                                                   rowWidth);
                            else
                              emitElement(b, ivs, reduction);
                          });
    return success();
  }

  /// In a warp's kernel every lane computes the same elements; only lane 0
  /// writes memory that is not its own, so that an output updated in place
  /// is updated once. A store at an index that depends on the lane (a row
  /// the lanes share, see emitRowAcrossLanes), or into a view that does (a
  /// lane's columns of a decode query group's state), is the lane's own.
  void storeFromLaneZero() {
    SmallVector<memref::StoreOp> shared;
    getOperation()->walk([&](scf::ParallelOp loop) {
      LoweringConfigAttr config =
          LoweringConfigAttr::of(loop, LoweringPipeline::gpu_warp_per_element);
      if (!config)
        return;
      loop.getBody()->walk([&](memref::StoreOp store) {
        if (!llama4c::isThreadPrivate(store.getMemRef()) &&
            !dependsOnLane(store.getMemRef()) &&
            llvm::none_of(store.getIndices(), dependsOnLane))
          shared.push_back(store);
      });
    });
    for (memref::StoreOp store : shared) {
      OpBuilder b(store);
      Location loc = store.getLoc();
      Value laneZero = arith::CmpIOp::create(
          b, loc, arith::CmpIPredicate::eq,
          gpu::LaneIdOp::create(b, loc, /*upperBound=*/nullptr),
          indexConstant(b, loc, 0));
      auto onLaneZero = scf::IfOp::create(b, loc, laneZero);
      store->moveBefore(onLaneZero.thenBlock()->getTerminator());
    }
  }
};

} // namespace
