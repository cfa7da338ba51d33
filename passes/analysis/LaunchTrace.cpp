//===- LaunchTrace.cpp - Launches and sectors from the IR, on sizes alone -===//
//
// A small interpreter over what the GPU pipeline leaves before NVVM: host
// functions (arith, affine, memref views, scf, calls, gpu.launch_func) run
// with one lane, kernels (gpu.func) with the 32 lanes of a warp. Values are
// integers per lane or unknown; memrefs are views (buffer, per-lane offset,
// sizes, strides). Inside a kernel a loop's body runs once, for its first
// iteration, weighted by its trip count: the sectors and FLOPs of that
// iteration stand for every one; an innermost loop runs a window of its
// first iterations, so that a sector that consecutive iterations share
// (a lane walking along a row) is fetched once. A launch's warps cost what
// its first does up to the first warp a bounds guard thins (found by
// bisection), which is interpreted on its own, and what its last does
// after it.
//
//===----------------------------------------------------------------------===//

#include "passes/analysis/LaunchTrace.h"

#include "passes/gpu/LaunchPhases.h"
#include "passes/gpu/TakenShare.h"
#include "passes/gpu/Warp.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SmallBitVector.h"
#include "llvm/ADT/TypeSwitch.h"

#include <algorithm>
#include <array>
#include <deque>
#include <unordered_map>
#include <variant>

using namespace mlir;
using namespace llama4c::report;

namespace {

constexpr int kWarp = llama4c::kWarpSize;
constexpr int64_t kSectorBytes = 32;
/// Host operations one trace may interpret before it gives up.
constexpr int64_t kMaxHostSteps = 200'000'000;
/// Iterations of an innermost kernel loop run to see its sector reuse: a
/// lane walking 2-byte elements reaches a new sector every 16.
constexpr int64_t kWindowIterations = 32;
/// Warps of one launch (of each phase of a chained one) interpreted at
/// most, past those that find its phases (see Machine::launch).
constexpr int64_t kMaxSampledWarps = 64;

using Lanes = std::array<int64_t, kWarp>;
using Mask = std::array<bool, kWarp>;

struct Scalar {
  Lanes lanes{};
  bool known = true;
  static Scalar uniform(int64_t value) {
    Scalar s;
    s.lanes.fill(value);
    return s;
  }
  static Scalar unknown() {
    Scalar s;
    s.known = false;
    return s;
  }
};

/// A memref: where its elements are (buffer, offset per lane, strides) and
/// its sizes. Only global views are device memory that the report counts.
struct View {
  int64_t buffer = 0;
  bool global = true;
  int64_t elementBytes = 4;
  Lanes offset{};
  SmallVector<int64_t> sizes, strides;
};

using Slot = std::variant<Scalar, View>;

struct HashValue {
  size_t operator()(Value value) const { return hash_value(value); }
};
/// Each value's slot. Node-based, so that a slot stays where it is while
/// others are added: the trace holds a view's slot while it writes the
/// slots its metadata defines, and `env[a] = env[b]` copies from a slot
/// that a rehash of DenseMap would have freed.
using Env = std::unordered_map<Value, Slot, HashValue>;

/// Bytes that a warp's or a launch's loads read, or its stores write, by
/// buffer.
using BufferBytes = llvm::SmallDenseMap<int64_t, double, 8>;

/// What a warp's, or a launch's, accesses cost, with the bytes it read
/// from and wrote to each buffer: what L2 keeps of them is known once the
/// launch's warps are summed.
struct SampledCost {
  KernelCost cost;
  BufferBytes reads, writes;
  /// The phase of a chained launch the warp ran, -1 in other launches.
  int64_t phase = -1;

  SampledCost &operator+=(const SampledCost &other) {
    cost += other.cost;
    for (auto [buffer, bytes] : other.reads)
      reads[buffer] += bytes;
    for (auto [buffer, bytes] : other.writes)
      writes[buffer] += bytes;
    return *this;
  }
};

/// The bytes `view` spans, from its first element to its last.
int64_t spanBytes(const View &view) {
  int64_t last = 0;
  for (auto [size, stride] : llvm::zip(view.sizes, view.strides)) {
    if (size == 0)
      return 0;
    last += (size - 1) * std::abs(stride);
  }
  return (last + 1) * view.elementBytes;
}

int64_t elementBytesOf(MemRefType type) {
  Type element = type.getElementType();
  if (element.isIndex())
    return 8;
  return std::max<int64_t>(1, (element.getIntOrFloatBitWidth() + 7) / 8);
}

/// A fresh row-major view of `sizes`.
View contiguous(int64_t buffer, bool global, MemRefType type,
                ArrayRef<int64_t> sizes) {
  View view;
  view.buffer = buffer;
  view.global = global;
  view.elementBytes = elementBytesOf(type);
  view.sizes.assign(sizes.begin(), sizes.end());
  view.strides.assign(sizes.size(), 1);
  for (int64_t i = int64_t(sizes.size()) - 2; i >= 0; --i)
    view.strides[i] = view.strides[i + 1] * sizes[i + 1];
  return view;
}

/// `view`'s buffer and offsets, its sizes and strides left for a reshape
/// to fill.
View withoutShape(View view) {
  view.sizes.clear();
  view.strides.clear();
  return view;
}

int64_t floorDiv(int64_t a, int64_t b) {
  if (b == 0)
    return 0;
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

int64_t evalAffine(AffineExpr expr, ArrayRef<int64_t> dims,
                   ArrayRef<int64_t> symbols) {
  switch (expr.getKind()) {
  case AffineExprKind::Constant:
    return cast<AffineConstantExpr>(expr).getValue();
  case AffineExprKind::DimId:
    return dims[cast<AffineDimExpr>(expr).getPosition()];
  case AffineExprKind::SymbolId:
    return symbols[cast<AffineSymbolExpr>(expr).getPosition()];
  default:
    break;
  }
  auto binary = cast<AffineBinaryOpExpr>(expr);
  int64_t l = evalAffine(binary.getLHS(), dims, symbols);
  int64_t r = evalAffine(binary.getRHS(), dims, symbols);
  switch (expr.getKind()) {
  case AffineExprKind::Add:
    return l + r;
  case AffineExprKind::Mul:
    return l * r;
  case AffineExprKind::FloorDiv:
    return floorDiv(l, r);
  case AffineExprKind::CeilDiv:
    return r == 0 ? 0 : -floorDiv(-l, r);
  case AffineExprKind::Mod:
    return r == 0 ? 0 : l - floorDiv(l, r) * r;
  default:
    return 0;
  }
}

/// Floating-point operations of one op per lane (an FMA is two, an op on
/// a vector one per element, a vector's sum one fewer than its elements);
/// 0 for the rest.
int64_t flopsOf(Operation *op) {
  if (auto reduction = dyn_cast<vector::ReductionOp>(op))
    return isa<FloatType>(reduction.getType())
               ? reduction.getSourceVectorType().getNumElements() - 1
               : 0;
  int64_t perElement = 0;
  if (isa<math::FmaOp>(op))
    perElement = 2;
  else if (isa<arith::AddFOp, arith::SubFOp, arith::MulFOp, arith::DivFOp,
               arith::MaximumFOp, arith::MinimumFOp, arith::MaxNumFOp,
               arith::MinNumFOp>(op) ||
           (op->getDialect() && op->getDialect()->getNamespace() == "math"))
    perElement = 1;
  if (perElement == 0 || op->getNumResults() == 0)
    return perElement;
  if (auto vector = dyn_cast<VectorType>(op->getResult(0).getType()))
    return perElement * vector.getNumElements();
  return perElement;
}

/// Element `element` (row-major) of buffer `buffer` when the call's data
/// determine it.
using KnownElement =
    std::function<std::optional<int64_t>(int64_t buffer, int64_t element)>;

class Machine {
public:
  Machine(ModuleOp module, LaunchTrace &trace, KnownElement knownElement)
      : module(module), trace(trace), knownElement(std::move(knownElement)) {
    // Host functions that launch nothing (the deallocation helper) are not
    // entered.
    module.walk([&](func::FuncOp function) {
      bool launches = false;
      function.walk([&](Operation *op) {
        if (isa<gpu::LaunchFuncOp, func::CallOp>(op))
          launches = true;
      });
      if (launches)
        launching.insert(function);
    });
  }

  FailureOr<std::vector<Slot>> call(func::FuncOp function,
                                    ArrayRef<Slot> args);
  /// The sectors a windowed loop's reads and its writes touched, each
  /// (buffer, sector): a sector that two accesses share (a loop unrolled
  /// along a row) is fetched once, as one that two iterations share. Each
  /// counts the largest share of the loop's `weight` that touched it: a
  /// branch taken by a share of the iterations (see TakenShare.h) fetches
  /// that share of its sectors.
  struct WindowAccess {
    double weight = 1;
    llvm::DenseMap<std::pair<int64_t, int64_t>, double> reads, writes;
  };

  llvm::Error takeError() {
    return llvm::createStringError(failure.empty() ? "internal error"
                                                   : failure);
  }

private:
  LogicalResult fail(Operation *op, const Twine &message) {
    if (failure.empty()) {
      std::string text;
      llvm::raw_string_ostream os(text);
      os << op->getLoc() << ": " << op->getName() << ": " << message;
      failure = text;
    }
    return mlir::failure();
  }

  Scalar &scalar(Env &env, Value value) { return std::get<Scalar>(env[value]); }
  View &view(Env &env, Value value) { return std::get<View>(env[value]); }
  bool isScalar(Env &env, Value value) {
    auto it = env.find(value);
    return it != env.end() && std::holds_alternative<Scalar>(it->second);
  }
  /// `value` in lane 0: sizes, bounds, grid.
  int64_t uniform(Env &env, Value value) {
    if (!isScalar(env, value))
      return 0;
    return scalar(env, value).lanes[0];
  }
  int64_t mixed(Env &env, OpFoldResult size) {
    if (auto attr = dyn_cast<Attribute>(size))
      return cast<IntegerAttr>(attr).getInt();
    return uniform(env, cast<Value>(size));
  }

  LogicalResult run(Block &block, Env &env, std::vector<Slot> *results);
  LogicalResult step(Operation *op, Env &env, std::vector<Slot> *results);
  LogicalResult runFor(scf::ForOp loop, Env &env);
  LogicalResult runIf(scf::IfOp branch, Env &env);
  LogicalResult runParallel(scf::ParallelOp loop, Env &env);
  /// Counts one warp instruction's access to `memref` at `indices`, of
  /// `elementsPerLane` consecutive elements in each lane (a vector).
  LogicalResult memoryAccess(Value memref, ValueRange indices, Env &env,
                             bool write, int64_t elementsPerLane = 1);
  /// What a load of `memref` at `indices` reads: known where the call's
  /// data are (the positions), unknown elsewhere.
  Scalar loaded(Env &env, Value memref, ValueRange indices);
  LogicalResult launch(gpu::LaunchFuncOp launch, Env &env);
  SampledCost sampleWarp(gpu::GPUFuncOp kernel, ArrayRef<Slot> args,
                         const int64_t grid[3], const int64_t block[3],
                         int64_t blockIndex, int64_t warp, bool &ok);

  ModuleOp module;
  SymbolTableCollection symbols;
  LaunchTrace &trace;
  llvm::DenseSet<Operation *> launching;
  std::string failure;
  int64_t nextBuffer = 1;
  int64_t hostSteps = 0;
  /// Inside a kernel: the warp's lanes, which are active, and the weight
  /// (product of the trip counts of the loops around) of what runs now.
  KernelCost *kernel = nullptr;
  Mask active{};
  double weight = 1;
  Lanes threadId[3];
  int64_t blockId[3] = {0, 0, 0}, blockDim[3] = {1, 1, 1},
          gridDim[3] = {1, 1, 1};
  /// Inside a kernel: whether the current round of loads (see
  /// KernelCost::loadRounds) has loaded from global memory yet.
  bool roundLoaded = false;
  /// Inside a windowed innermost loop: its accesses' sectors so far.
  WindowAccess *window = nullptr;
  /// Inside a kernel: the bytes read from, and written to, each buffer.
  BufferBytes *reads = nullptr, *writes = nullptr;
  /// Inside a kernel: the phase the warp runs (see SampledCost::phase).
  int64_t *phase = nullptr;
  /// The buffer of each global the kernels take, and the bytes it spans.
  llvm::StringMap<int64_t> globalBuffers;
  llvm::SmallDenseMap<int64_t, int64_t, 8> globalSpans;
  /// The cost of one launch, by launch signature: its phases', each with
  /// the name suffix of its trace entry.
  llvm::StringMap<std::vector<std::pair<std::string, KernelCost>>> launchCache;
  KnownElement knownElement;
};

Scalar Machine::loaded(Env &env, Value memref, ValueRange indices) {
  const View &v = view(env, memref);
  Scalar out;
  for (int lane = 0; lane < kWarp; ++lane) {
    int64_t element = v.offset[lane];
    for (auto [index, stride] : llvm::zip(indices, v.strides)) {
      const Scalar &at = scalar(env, index);
      if (!at.known)
        return Scalar::unknown();
      element += at.lanes[lane] * stride;
    }
    std::optional<int64_t> value = knownElement(v.buffer, element);
    if (!value)
      return Scalar::unknown();
    out.lanes[lane] = *value;
  }
  return out;
}

FailureOr<std::vector<Slot>> Machine::call(func::FuncOp function,
                                           ArrayRef<Slot> args) {
  Env env;
  Block &entry = function.getBody().front();
  for (auto [arg, slot] : llvm::zip(entry.getArguments(), args))
    env[arg] = slot;
  std::vector<Slot> results;
  if (failed(run(entry, env, &results)))
    return mlir::failure();
  return results;
}

LogicalResult Machine::run(Block &block, Env &env, std::vector<Slot> *results) {
  for (Operation &op : block)
    if (failed(step(&op, env, results)))
      return mlir::failure();
  return success();
}

LogicalResult Machine::memoryAccess(Value memref, ValueRange indices, Env &env,
                                    bool write, int64_t elementsPerLane) {
  if (!kernel)
    return success();
  const View &v = view(env, memref);
  if (!v.global)
    return success();
  SmallVector<int64_t, kWarp> sectors;
  for (int lane = 0; lane < kWarp; ++lane) {
    if (!active[lane])
      continue;
    int64_t element = v.offset[lane];
    for (auto [index, stride] : llvm::zip(indices, v.strides))
      element += scalar(env, index).lanes[lane] * stride;
    int64_t firstByte = element * v.elementBytes;
    int64_t lastByte = firstByte + elementsPerLane * v.elementBytes - 1;
    for (int64_t sector = floorDiv(firstByte, kSectorBytes);
         sector <= floorDiv(lastByte, kSectorBytes); ++sector)
      sectors.push_back(sector);
  }
  llvm::sort(sectors);
  sectors.erase(std::unique(sectors.begin(), sectors.end()), sectors.end());
  double bytes = double(sectors.size()) * kSectorBytes * weight;
  if (!write && !sectors.empty() && !roundLoaded) {
    kernel->loadRounds += weight;
    roundLoaded = true;
  }
  // L1 returns at most 128 bytes a clock, and a warp instruction takes a
  // clock however few bytes it wants.
  if (!sectors.empty())
    kernel->l1Bytes +=
        std::max<double>(sectors.size() * kSectorBytes, kL1BytesPerClock) *
        weight;
  if (window) {
    double share = weight / window->weight;
    for (int64_t sector : sectors) {
      double &touched =
          (write ? window->writes : window->reads)[{v.buffer, sector}];
      touched = std::max(touched, share);
    }
    return success();
  }
  (write ? kernel->bytesWritten : kernel->bytesRead) += bytes;
  (*(write ? writes : reads))[v.buffer] += bytes;
  return success();
}

LogicalResult Machine::runFor(scf::ForOp loop, Env &env) {
  Scalar lb = scalar(env, loop.getLowerBound());
  Scalar ub = scalar(env, loop.getUpperBound());
  Scalar stepSize = scalar(env, loop.getStep());
  std::vector<Slot> carried;
  for (Value init : loop.getInitArgs())
    carried.push_back(env[init]);
  Block *body = loop.getBody();
  auto tripsOf = [&](int lane) {
    int64_t s = std::max<int64_t>(1, stepSize.lanes[lane]);
    return std::max<int64_t>(0, (ub.lanes[lane] - lb.lanes[lane] + s - 1) / s);
  };
  if (!kernel) {
    int64_t s = std::max<int64_t>(1, stepSize.lanes[0]);
    for (int64_t i = lb.lanes[0]; i < ub.lanes[0]; i += s) {
      env[body->getArgument(0)] = Scalar::uniform(i);
      for (auto [arg, slot] : llvm::zip(body->getArguments().drop_front(), carried))
        env[arg] = slot;
      std::vector<Slot> yielded;
      if (failed(run(*body, env, &yielded)))
        return mlir::failure();
      carried = yielded;
    }
  } else {
    // The first iterations (a window of an innermost loop, else one),
    // weighted by the most trips any active lane makes.
    Mask outer = active;
    int64_t trips = 0;
    for (int lane = 0; lane < kWarp; ++lane)
      if (active[lane])
        trips = std::max(trips, tripsOf(lane));
    bool innermost = !window && !body->walk([](Operation *op) {
                                    return isa<scf::ForOp, scf::ParallelOp,
                                               scf::WhileOp>(op)
                                               ? WalkResult::interrupt()
                                               : WalkResult::advance();
                                  }).wasInterrupted();
    int64_t sampled = innermost ? std::min(trips, kWindowIterations)
                                : std::min<int64_t>(trips, 1);
    WindowAccess accesses;
    if (innermost)
      window = &accesses;
    double outerWeight = weight;
    if (sampled > 0)
      weight *= double(trips) / double(sampled);
    accesses.weight = weight;
    LogicalResult ran = success();
    for (int64_t i = 0; i < sampled && succeeded(ran); ++i) {
      roundLoaded = false;
      Scalar iv = lb;
      for (int lane = 0; lane < kWarp; ++lane) {
        iv.lanes[lane] += i * stepSize.lanes[lane];
        active[lane] = outer[lane] && i < tripsOf(lane);
      }
      env[body->getArgument(0)] = iv;
      for (auto [arg, slot] : llvm::zip(body->getArguments().drop_front(), carried))
        env[arg] = slot;
      std::vector<Slot> yielded;
      ran = run(*body, env, &yielded);
      carried = yielded;
    }
    if (innermost) {
      window = nullptr;
      for (auto [sector, share] : accesses.writes) {
        kernel->bytesWritten += kSectorBytes * share * weight;
        (*writes)[sector.first] += kSectorBytes * share * weight;
      }
      for (auto [sector, share] : accesses.reads) {
        kernel->bytesRead += kSectorBytes * share * weight;
        (*reads)[sector.first] += kSectorBytes * share * weight;
      }
    }
    weight = outerWeight;
    active = outer;
    roundLoaded = false;
    if (failed(ran))
      return mlir::failure();
  }
  for (auto [result, slot] : llvm::zip(loop.getResults(), carried))
    env[result] = slot;
  return success();
}

LogicalResult Machine::runIf(scf::IfOp branch, Env &env) {
  Scalar cond = scalar(env, branch.getCondition());
  auto runRegion = [&](Region &region, std::vector<Slot> &out) {
    if (region.empty())
      return success();
    return run(region.front(), env, &out);
  };
  std::vector<Slot> thenResults, elseResults;
  if (!kernel) {
    bool taken = !cond.known || cond.lanes[0];
    if (failed(runRegion(taken ? branch.getThenRegion()
                               : branch.getElseRegion(),
                         taken ? thenResults : elseResults)))
      return mlir::failure();
    for (auto [result, slot] :
         llvm::zip(branch.getResults(), taken ? thenResults : elseResults))
      env[result] = slot;
    return success();
  }
  // Lanes split by the condition (an unknown one is taken); each side runs
  // for its lanes, and results merge lane by lane.
  Mask outer = active, thenMask{}, elseMask{};
  bool anyThen = false, anyElse = false;
  for (int lane = 0; lane < kWarp; ++lane) {
    bool take = !cond.known || cond.lanes[lane];
    thenMask[lane] = outer[lane] && take;
    elseMask[lane] = outer[lane] && !take;
    anyThen |= thenMask[lane];
    anyElse |= elseMask[lane];
  }
  if (anyThen) {
    active = thenMask;
    if (auto index = branch->getAttrOfType<IntegerAttr>(llama4c::kPhaseAttr))
      *phase = index.getInt();
    // A branch a known share of the iterations take (a combine's last
    // arriver, one warp of its group): its traffic and FLOPs are that
    // share of each warp's; its rounds of loads are whole, a wait the
    // warps that take it have (the last arriver's ends the launch).
    auto taken = branch->getAttrOfType<FloatAttr>(llama4c::kTakenShareAttr);
    double share = taken ? taken.getValueAsDouble() : 1.0;
    double outerWeight = weight, roundsBefore = kernel->loadRounds;
    weight *= share;
    if (failed(runRegion(branch.getThenRegion(), thenResults)))
      return mlir::failure();
    kernel->loadRounds =
        roundsBefore + (kernel->loadRounds - roundsBefore) / share;
    weight = outerWeight;
  }
  if (anyElse) {
    active = elseMask;
    if (failed(runRegion(branch.getElseRegion(), elseResults)))
      return mlir::failure();
  }
  active = outer;
  for (auto [i, result] : llvm::enumerate(branch.getResults())) {
    if (!anyElse || elseResults.size() <= i) {
      env[result] = anyThen ? thenResults[i] : Slot(Scalar::unknown());
      continue;
    }
    if (!anyThen || thenResults.size() <= i) {
      env[result] = elseResults[i];
      continue;
    }
    if (std::holds_alternative<View>(thenResults[i])) {
      env[result] = thenResults[i];
      continue;
    }
    Scalar merged = std::get<Scalar>(thenResults[i]);
    const Scalar &other = std::get<Scalar>(elseResults[i]);
    merged.known = merged.known && other.known;
    for (int lane = 0; lane < kWarp; ++lane)
      if (elseMask[lane])
        merged.lanes[lane] = other.lanes[lane];
    env[result] = merged;
  }
  return success();
}

/// A sequential scf.parallel inside a kernel: its first iteration, weighted
/// by the iteration count.
LogicalResult Machine::runParallel(scf::ParallelOp loop, Env &env) {
  if (!kernel)
    return fail(loop, "host parallel loops are not traced");
  if (!loop.getInitVals().empty())
    return fail(loop, "reductions are not traced");
  double outerWeight = weight;
  for (auto [lb, ub, stepSize, iv] :
       llvm::zip(loop.getLowerBound(), loop.getUpperBound(), loop.getStep(),
                 loop.getInductionVars())) {
    int64_t s = std::max<int64_t>(1, uniform(env, stepSize));
    int64_t trips =
        std::max<int64_t>(0, (uniform(env, ub) - uniform(env, lb) + s - 1) / s);
    weight *= double(trips);
    env[iv] = env[lb];
  }
  LogicalResult ran = success();
  if (weight > 0)
    ran = run(*loop.getBody(), env, nullptr);
  weight = outerWeight;
  return ran;
}

LogicalResult Machine::step(Operation *op, Env &env,
                            std::vector<Slot> *results) {
  if (!kernel && ++hostSteps > kMaxHostSteps)
    return fail(op, "the host code runs too long to trace");
  if (kernel)
    if (int64_t flops = flopsOf(op)) {
      int64_t lanes = llvm::count(active, true);
      kernel->flops += double(flops) * lanes * weight;
    }

  auto setScalar = [&](Value value, auto &&compute) {
    Scalar out;
    out.known = true;
    for (Value operand : op->getOperands())
      if (isScalar(env, operand) && !scalar(env, operand).known)
        out.known = false;
    for (int lane = 0; lane < kWarp; ++lane)
      out.lanes[lane] = compute(lane);
    env[value] = out;
  };
  auto lane = [&](Value value, int l) {
    return isScalar(env, value) ? scalar(env, value).lanes[l] : 0;
  };

  // Terminators hand their operands to the region's op.
  if (isa<scf::YieldOp, func::ReturnOp, gpu::ReturnOp>(op)) {
    if (results)
      for (Value operand : op->getOperands())
        results->push_back(env[operand]);
    return success();
  }
  if (auto constant = dyn_cast<arith::ConstantOp>(op)) {
    if (auto integer = dyn_cast<IntegerAttr>(constant.getValue()))
      env[constant] = Scalar::uniform(integer.getValue().getSExtValue());
    else
      env[constant] = Scalar::unknown();
    return success();
  }
  if (isa<arith::AddIOp, arith::SubIOp, arith::MulIOp, arith::DivSIOp,
          arith::DivUIOp, arith::RemSIOp, arith::RemUIOp, arith::CeilDivSIOp,
          arith::CeilDivUIOp, arith::FloorDivSIOp, arith::MinSIOp,
          arith::MaxSIOp, arith::MinUIOp, arith::MaxUIOp, arith::AndIOp,
          arith::OrIOp, arith::XOrIOp, arith::ShLIOp, arith::ShRUIOp,
          arith::ShRSIOp>(op)) {
    Value a = op->getOperand(0), b = op->getOperand(1);
    setScalar(op->getResult(0), [&](int l) -> int64_t {
      int64_t x = lane(a, l), y = lane(b, l);
      return llvm::TypeSwitch<Operation *, int64_t>(op)
          .Case([&](arith::AddIOp) { return x + y; })
          .Case([&](arith::SubIOp) { return x - y; })
          .Case([&](arith::MulIOp) { return x * y; })
          .Case<arith::DivSIOp, arith::DivUIOp>(
              [&](auto) { return y ? x / y : 0; })
          .Case<arith::RemSIOp, arith::RemUIOp>(
              [&](auto) { return y ? x % y : 0; })
          .Case<arith::CeilDivSIOp, arith::CeilDivUIOp>(
              [&](auto) { return y ? -floorDiv(-x, y) : 0; })
          .Case([&](arith::FloorDivSIOp) { return floorDiv(x, y); })
          .Case<arith::MinSIOp, arith::MinUIOp>(
              [&](auto) { return std::min(x, y); })
          .Case<arith::MaxSIOp, arith::MaxUIOp>(
              [&](auto) { return std::max(x, y); })
          .Case([&](arith::AndIOp) { return x & y; })
          .Case([&](arith::OrIOp) { return x | y; })
          .Case([&](arith::XOrIOp) { return x ^ y; })
          .Case([&](arith::ShLIOp) { return y < 63 ? x << y : 0; })
          .Case<arith::ShRUIOp, arith::ShRSIOp>(
              [&](auto) { return y < 63 ? x >> y : 0; })
          .Default([](Operation *) { return 0; });
    });
    return success();
  }
  if (auto cmp = dyn_cast<arith::CmpIOp>(op)) {
    setScalar(cmp, [&](int l) -> int64_t {
      int64_t x = lane(cmp.getLhs(), l), y = lane(cmp.getRhs(), l);
      uint64_t ux = x, uy = y;
      switch (cmp.getPredicate()) {
      case arith::CmpIPredicate::eq: return x == y;
      case arith::CmpIPredicate::ne: return x != y;
      case arith::CmpIPredicate::slt: return x < y;
      case arith::CmpIPredicate::sle: return x <= y;
      case arith::CmpIPredicate::sgt: return x > y;
      case arith::CmpIPredicate::sge: return x >= y;
      case arith::CmpIPredicate::ult: return ux < uy;
      case arith::CmpIPredicate::ule: return ux <= uy;
      case arith::CmpIPredicate::ugt: return ux > uy;
      case arith::CmpIPredicate::uge: return ux >= uy;
      }
      return 0;
    });
    return success();
  }
  if (auto select = dyn_cast<arith::SelectOp>(op)) {
    if (!isScalar(env, select.getTrueValue())) {
      env[select] = env[select.getTrueValue()];
      return success();
    }
    const Scalar &cond = scalar(env, select.getCondition());
    setScalar(select, [&](int l) {
      return (!cond.known || cond.lanes[l]) ? lane(select.getTrueValue(), l)
                                            : lane(select.getFalseValue(), l);
    });
    return success();
  }
  if (isa<arith::IndexCastOp, arith::IndexCastUIOp, arith::ExtSIOp,
          arith::ExtUIOp>(op)) {
    env[op->getResult(0)] = env[op->getOperand(0)];
    return success();
  }
  if (auto trunc = dyn_cast<arith::TruncIOp>(op)) {
    unsigned bits = trunc.getType().getIntOrFloatBitWidth();
    setScalar(trunc, [&](int l) {
      int64_t x = lane(trunc.getIn(), l);
      return bits >= 64 ? x : int64_t(llvm::SignExtend64(x, bits));
    });
    if (bits == 1)
      setScalar(trunc, [&](int l) { return lane(trunc.getIn(), l) & 1; });
    return success();
  }
  if (auto apply = dyn_cast<affine::AffineApplyOp>(op)) {
    AffineMap map = apply.getAffineMap();
    setScalar(apply, [&](int l) {
      SmallVector<int64_t> values;
      for (Value operand : apply.getMapOperands())
        values.push_back(lane(operand, l));
      ArrayRef<int64_t> all(values);
      return evalAffine(map.getResult(0), all.take_front(map.getNumDims()),
                        all.drop_front(map.getNumDims()));
    });
    return success();
  }
  // A merged kernel's index unfolded over each part's bounds: result i is
  // the index divided by the sizes after it, modulo its own (the first
  // unbounded when the basis leaves it out).
  if (auto delinearize = dyn_cast<affine::AffineDelinearizeIndexOp>(op)) {
    SmallVector<OpFoldResult> basis = delinearize.getMixedBasis();
    unsigned results = delinearize.getNumResults();
    unsigned omitted = results - basis.size();
    for (unsigned i = 0; i < results; ++i) {
      setScalar(delinearize.getResult(i), [&](int l) {
        auto sizeOf = [&](unsigned j) {
          OpFoldResult size = basis[j - omitted];
          int64_t value =
              isa<Attribute>(size)
                  ? cast<IntegerAttr>(cast<Attribute>(size)).getInt()
                  : lane(cast<Value>(size), l);
          return std::max<int64_t>(value, 1);
        };
        int64_t stride = 1;
        for (unsigned j = i + 1; j < results; ++j)
          stride *= sizeOf(j);
        int64_t value = lane(delinearize.getLinearIndex(), l) / stride;
        return i < omitted ? value : value % sizeOf(i);
      });
    }
    return success();
  }
  if (isa<affine::AffineMinOp, affine::AffineMaxOp>(op)) {
    bool isMin = isa<affine::AffineMinOp>(op);
    AffineMap map = op->getAttrOfType<AffineMapAttr>("map").getValue();
    setScalar(op->getResult(0), [&](int l) {
      SmallVector<int64_t> values;
      for (Value operand : op->getOperands())
        values.push_back(lane(operand, l));
      ArrayRef<int64_t> all(values);
      int64_t best = isMin ? INT64_MAX : INT64_MIN;
      for (AffineExpr expr : map.getResults()) {
        int64_t v = evalAffine(expr, all.take_front(map.getNumDims()),
                               all.drop_front(map.getNumDims()));
        best = isMin ? std::min(best, v) : std::max(best, v);
      }
      return best;
    });
    return success();
  }

  // Memory.
  // Allocations are device memory on the host (the GPU build's allocator
  // is the driver's), stack or thread-private memory in a kernel.
  auto allocate = [&](auto alloc, bool global) {
    SmallVector<int64_t> sizes;
    auto dynamic = alloc.getDynamicSizes().begin();
    for (int64_t size : alloc.getType().getShape())
      sizes.push_back(ShapedType::isDynamic(size) ? uniform(env, *dynamic++)
                                                  : size);
    env[alloc] = contiguous(nextBuffer++, global, alloc.getType(), sizes);
    return success();
  };
  if (auto alloc = dyn_cast<memref::AllocOp>(op))
    return allocate(alloc, true);
  if (auto alloca = dyn_cast<memref::AllocaOp>(op))
    return allocate(alloca, false);
  if (auto global = dyn_cast<memref::GetGlobalOp>(op)) {
    // One buffer per global (a constant table, a chain's counters),
    // spanning its size.
    auto [it, added] = globalBuffers.try_emplace(global.getName(), nextBuffer);
    if (added)
      ++nextBuffer;
    View view = contiguous(it->second, true, global.getType(),
                           global.getType().getShape());
    globalSpans[it->second] = spanBytes(view);
    env[global] = std::move(view);
    return success();
  }
  if (auto dim = dyn_cast<memref::DimOp>(op)) {
    const View &v = view(env, dim.getSource());
    int64_t i = uniform(env, dim.getIndex());
    env[dim] = Scalar::uniform(i < int64_t(v.sizes.size()) ? v.sizes[i] : 0);
    return success();
  }
  if (auto subview = dyn_cast<memref::SubViewOp>(op)) {
    View v = view(env, subview.getSource());
    SmallVector<OpFoldResult> offsets = subview.getMixedOffsets();
    SmallVector<OpFoldResult> sizes = subview.getMixedSizes();
    SmallVector<OpFoldResult> strides = subview.getMixedStrides();
    llvm::SmallBitVector dropped = subview.getDroppedDims();
    View out = withoutShape(v);
    for (unsigned d = 0; d < offsets.size(); ++d) {
      OpFoldResult offset = offsets[d];
      for (int l = 0; l < kWarp; ++l) {
        int64_t o = isa<Attribute>(offset)
                        ? cast<IntegerAttr>(cast<Attribute>(offset)).getInt()
                        : lane(cast<Value>(offset), l);
        out.offset[l] += o * v.strides[d];
      }
      if (dropped.test(d))
        continue;
      out.sizes.push_back(mixed(env, sizes[d]));
      out.strides.push_back(v.strides[d] * mixed(env, strides[d]));
    }
    env[subview] = out;
    return success();
  }
  if (auto expand = dyn_cast<memref::ExpandShapeOp>(op)) {
    const View &v = view(env, expand.getSrc());
    View out = withoutShape(v);
    SmallVector<OpFoldResult> shape = expand.getMixedOutputShape();
    for (auto [source, group] : llvm::enumerate(expand.getReassociationIndices())) {
      int64_t stride = v.strides[source];
      SmallVector<int64_t> groupSizes, groupStrides(group.size());
      for (int64_t d : group)
        groupSizes.push_back(mixed(env, shape[d]));
      for (int64_t i = int64_t(group.size()) - 1; i >= 0; --i) {
        groupStrides[i] = stride;
        stride *= groupSizes[i];
      }
      llvm::append_range(out.sizes, groupSizes);
      llvm::append_range(out.strides, groupStrides);
    }
    env[expand] = out;
    return success();
  }
  if (auto collapse = dyn_cast<memref::CollapseShapeOp>(op)) {
    const View &v = view(env, collapse.getSrc());
    View out = withoutShape(v);
    for (ReassociationIndices group : collapse.getReassociationIndices()) {
      int64_t size = 1;
      for (int64_t d : group)
        size *= v.sizes[d];
      out.sizes.push_back(size);
      out.strides.push_back(v.strides[group.back()]);
    }
    env[collapse] = out;
    return success();
  }
  if (auto metadata = dyn_cast<memref::ExtractStridedMetadataOp>(op)) {
    const View &v = view(env, metadata.getSource());
    View base = v;
    base.offset.fill(0);
    base.sizes.clear();
    base.strides.clear();
    env[metadata.getBaseBuffer()] = base;
    Scalar offset;
    offset.lanes = v.offset;
    env[metadata.getOffset()] = offset;
    for (auto [result, size] : llvm::zip(metadata.getSizes(), v.sizes))
      env[result] = Scalar::uniform(size);
    for (auto [result, stride] : llvm::zip(metadata.getStrides(), v.strides))
      env[result] = Scalar::uniform(stride);
    return success();
  }
  if (isa<memref::CastOp, memref::MemorySpaceCastOp>(op)) {
    env[op->getResult(0)] = env[op->getOperand(0)];
    return success();
  }
  if (auto reinterpret = dyn_cast<memref::ReinterpretCastOp>(op)) {
    View out = withoutShape(view(env, reinterpret.getSource()));
    OpFoldResult offset = reinterpret.getMixedOffsets()[0];
    for (int l = 0; l < kWarp; ++l)
      out.offset[l] = isa<Attribute>(offset) ? mixed(env, offset)
                                             : lane(cast<Value>(offset), l);
    for (OpFoldResult size : reinterpret.getMixedSizes())
      out.sizes.push_back(mixed(env, size));
    for (OpFoldResult stride : reinterpret.getMixedStrides())
      out.strides.push_back(mixed(env, stride));
    env[reinterpret] = out;
    return success();
  }
  if (auto load = dyn_cast<memref::LoadOp>(op)) {
    env[load] = loaded(env, load.getMemRef(), load.getIndices());
    // Blocks take a chained launch's tickets about in the order the GPU
    // starts them, by index.
    if (load->hasAttr(llama4c::kBlockTicketAttr))
      env[load] = Scalar::uniform(
          blockId[0] + gridDim[0] * (blockId[1] + gridDim[1] * blockId[2]));
    return memoryAccess(load.getMemRef(), load.getIndices(), env, false);
  }
  if (auto store = dyn_cast<memref::StoreOp>(op))
    return memoryAccess(store.getMemRef(), store.getIndices(), env, true);
  if (auto load = dyn_cast<vector::LoadOp>(op)) {
    env[load] = Scalar::unknown();
    return memoryAccess(load.getBase(), load.getIndices(), env, false,
                        load.getVectorType().getNumElements());
  }
  if (auto store = dyn_cast<vector::StoreOp>(op))
    return memoryAccess(store.getBase(), store.getIndices(), env, true,
                        store.getVectorType().getNumElements());
  if (auto rmw = dyn_cast<memref::AtomicRMWOp>(op)) {
    env[rmw] = Scalar::unknown();
    if (failed(memoryAccess(rmw.getMemref(), rmw.getIndices(), env, false)))
      return mlir::failure();
    return memoryAccess(rmw.getMemref(), rmw.getIndices(), env, true);
  }
  if (isa<memref::DeallocOp>(op))
    return success();

  // Control flow.
  if (auto loop = dyn_cast<scf::ForOp>(op))
    return runFor(loop, env);
  if (auto branch = dyn_cast<scf::IfOp>(op))
    return runIf(branch, env);
  // A chained launch's wait for earlier phases costs each phase a wait
  // (KernelCost::waits), not the polls.
  if (isa<scf::WhileOp>(op) && op->hasAttr(llama4c::kPhaseWaitAttr))
    return success();
  if (auto loop = dyn_cast<scf::ParallelOp>(op))
    return runParallel(loop, env);
  if (isa<scf::ReduceOp>(op))
    return success();
  if (auto region = dyn_cast<scf::ExecuteRegionOp>(op)) {
    std::vector<Slot> yielded;
    if (failed(run(region.getRegion().front(), env, &yielded)))
      return mlir::failure();
    for (auto [result, slot] : llvm::zip(region.getResults(), yielded))
      env[result] = slot;
    return success();
  }
  if (auto callOp = dyn_cast<func::CallOp>(op)) {
    auto callee = symbols.lookupNearestSymbolFrom<func::FuncOp>(
        callOp, callOp.getCalleeAttr());
    if (!callee || callee.isExternal() || !launching.contains(callee)) {
      for (Value result : callOp.getResults())
        env[result] = Scalar::unknown();
      return success();
    }
    std::vector<Slot> args;
    for (Value operand : callOp.getOperands())
      args.push_back(env[operand]);
    FailureOr<std::vector<Slot>> returned = call(callee, args);
    if (failed(returned))
      return mlir::failure();
    for (auto [result, slot] : llvm::zip(callOp.getResults(), *returned))
      env[result] = slot;
    return success();
  }
  if (auto launchOp = dyn_cast<gpu::LaunchFuncOp>(op))
    return launch(launchOp, env);

  // Inside a kernel: the warp's coordinates.
  if (auto id = dyn_cast<gpu::ThreadIdOp>(op)) {
    Scalar s;
    s.lanes = threadId[static_cast<int>(id.getDimension())];
    env[id] = s;
    return success();
  }
  if (auto id = dyn_cast<gpu::BlockIdOp>(op)) {
    env[id] = Scalar::uniform(blockId[static_cast<int>(id.getDimension())]);
    return success();
  }
  if (auto dim = dyn_cast<gpu::BlockDimOp>(op)) {
    env[dim] = Scalar::uniform(blockDim[static_cast<int>(dim.getDimension())]);
    return success();
  }
  if (auto dim = dyn_cast<gpu::GridDimOp>(op)) {
    env[dim] = Scalar::uniform(gridDim[static_cast<int>(dim.getDimension())]);
    return success();
  }

  // Anything else computes values the trace does not follow (floats,
  // vectors): unknown, which is all a later index may not depend on.
  for (Value result : op->getResults()) {
    if (isa<MemRefType>(result.getType()))
      return fail(op, "produces a memref the launch trace cannot follow");
    env[result] = Scalar::unknown();
  }
  if (op->getNumRegions() && !op->hasTrait<OpTrait::IsIsolatedFromAbove>())
    return fail(op, "has regions the launch trace cannot follow");
  return success();
}

bool sameCost(const SampledCost &a, const SampledCost &b) {
  return a.phase == b.phase && a.cost.bytesRead == b.cost.bytesRead &&
         a.cost.bytesWritten == b.cost.bytesWritten &&
         a.cost.l1Bytes == b.cost.l1Bytes && a.cost.flops == b.cost.flops &&
         a.cost.loadRounds == b.cost.loadRounds;
}

SampledCost scaled(SampledCost sampled, double factor) {
  KernelCost &cost = sampled.cost;
  cost.bytesRead *= factor;
  cost.bytesWritten *= factor;
  cost.l1Bytes *= factor;
  cost.flops *= factor;
  // Warps wait for their loads side by side: the rounds stay one warp's.
  for (BufferBytes *bytes : {&sampled.reads, &sampled.writes})
    for (auto &entry : *bytes)
      entry.second *= factor;
  return sampled;
}

SampledCost Machine::sampleWarp(gpu::GPUFuncOp kernelOp, ArrayRef<Slot> args,
                                const int64_t grid[3], const int64_t block[3],
                                int64_t blockIndex, int64_t warp, bool &ok) {
  SampledCost sampled;
  kernel = &sampled.cost;
  reads = &sampled.reads;
  writes = &sampled.writes;
  phase = &sampled.phase;
  weight = 1;
  roundLoaded = false;
  for (int d = 0; d < 3; ++d) {
    gridDim[d] = grid[d];
    blockDim[d] = block[d];
  }
  blockId[0] = blockIndex % grid[0];
  blockId[1] = (blockIndex / grid[0]) % grid[1];
  blockId[2] = blockIndex / (grid[0] * grid[1]);
  int64_t threads = block[0] * block[1] * block[2];
  for (int lane = 0; lane < kWarp; ++lane) {
    int64_t t = warp * kWarp + lane;
    active[lane] = t < threads;
    threadId[0][lane] = t % block[0];
    threadId[1][lane] = (t / block[0]) % block[1];
    threadId[2][lane] = t / (block[0] * block[1]);
  }
  Env env;
  Block &body = kernelOp.getBody().front();
  for (auto [arg, slot] : llvm::zip(body.getArguments(), args))
    env[arg] = slot;
  for (BlockArgument shared : kernelOp.getWorkgroupAttributions()) {
    auto type = cast<MemRefType>(shared.getType());
    env[shared] = contiguous(nextBuffer++, false, type, type.getShape());
  }
  ok = succeeded(run(body, env, nullptr));
  kernel = nullptr;
  reads = writes = nullptr;
  phase = nullptr;
  return sampled;
}

LogicalResult Machine::launch(gpu::LaunchFuncOp launchOp, Env &env) {
  gpu::KernelDim3 gridValues = launchOp.getGridSizeOperandValues();
  gpu::KernelDim3 blockValues = launchOp.getBlockSizeOperandValues();
  int64_t grid[3] = {uniform(env, gridValues.x), uniform(env, gridValues.y),
                     uniform(env, gridValues.z)};
  int64_t block[3] = {uniform(env, blockValues.x), uniform(env, blockValues.y),
                      uniform(env, blockValues.z)};
  int64_t blocks = grid[0] * grid[1] * grid[2];
  int64_t threads = block[0] * block[1] * block[2];
  if (blocks <= 0 || threads <= 0)
    return success(); // an empty launch: nothing runs
  auto kernelOp = symbols.lookupNearestSymbolFrom<gpu::GPUFuncOp>(
      module, launchOp.getKernel());
  if (!kernelOp)
    return fail(launchOp, "launches a kernel that is not in the module");

  std::vector<Slot> args;
  std::string key;
  llvm::raw_string_ostream os(key);
  os << launchOp.getKernelName().getValue() << ':' << grid[0] << ','
     << grid[1] << ',' << grid[2] << ':' << threads;
  for (Value operand : launchOp.getKernelOperands()) {
    Slot slot = env[operand];
    if (const auto *s = std::get_if<Scalar>(&slot)) {
      os << ';' << (s->known ? s->lanes[0] : -1);
    } else {
      const View &v = std::get<View>(slot);
      os << ";v" << v.global << ',' << v.elementBytes << ','
         << (v.offset[0] * v.elementBytes) % kSectorBytes;
      for (auto [size, stride] : llvm::zip(v.sizes, v.strides))
        os << ',' << size << 'x' << stride;
    }
    args.push_back(slot);
  }

  auto cached = launchCache.find(key);
  if (cached == launchCache.end()) {
    int64_t warpsPerBlock = (threads + kWarp - 1) / kWarp;
    int64_t warps = blocks * warpsPerBlock;
    bool ok = true;
    std::unordered_map<int64_t, SampledCost> samples;
    auto sample = [&](int64_t warp) {
      auto it = samples.find(warp);
      if (it == samples.end())
        it = samples
                 .emplace(warp, ok ? sampleWarp(kernelOp, args, grid, block,
                                                warp / warpsPerBlock,
                                                warp % warpsPerBlock, ok)
                                   : SampledCost())
                 .first;
      return it->second;
    };
    // A chained launch's phases take consecutive blocks: each phase's
    // warps, found by bisection, are costed as a launch of their own.
    std::vector<std::pair<int64_t, int64_t>> phaseWarps;
    for (int64_t low = 0; low < warps;) {
      int64_t phase = sample(low).phase, high = warps - 1;
      if (sample(high).phase != phase) {
        int64_t same = low;
        while (high - same > 1) {
          int64_t middle = same + (high - same) / 2;
          (sample(middle).phase == phase ? same : high) = middle;
        }
        high = same;
      }
      phaseWarps.emplace_back(low, high);
      low = high + 1;
    }
    // A buffer that fits in L2 comes from HBM once however many warps read
    // it, and goes back once however many stores wrote parts of its
    // sectors; a launch can move no more of it than its arguments (or a
    // global, whole) span.
    llvm::SmallDenseMap<int64_t, int64_t, 8> spans = globalSpans;
    for (const Slot &slot : args)
      if (const auto *v = std::get_if<View>(&slot); v && v->global)
        spans[v->buffer] = std::max(spans.lookup(v->buffer), spanBytes(*v));
    auto fromHbm = [&](const BufferBytes &traffic) {
      double bytes = 0;
      for (auto [buffer, moved] : traffic) {
        int64_t span = spans.lookup(buffer);
        bytes += span > 0 && span <= kL2ResidentBytes
                     ? std::min<double>(moved, span)
                     : moved;
      }
      return bytes;
    };
    std::vector<std::pair<std::string, KernelCost>> phases;
    for (auto [low, high] : phaseWarps) {
      // Warps run alike between where their cost changes (a bounds guard
      // switching lanes off, a merged sibling's warps giving way to the
      // next one's): a range whose first and last warps cost the same is
      // taken as uniform, any other is halved, broadest first, until its
      // ends agree or meet, or kMaxSampledWarps are sampled; a range still
      // split then costs what its ends do, half its warps each (a causal
      // prompt's warps, each walking more keys than the last).
      struct Range {
        int64_t low, high;
        SampledCost atLow, atHigh;
      };
      SampledCost sampled;
      double rounds = 0;
      std::deque<Range> ranges;
      ranges.push_back({low, high, sample(low), sample(high)});
      int64_t sampledWarps = low < high ? 2 : 1;
      while (!ranges.empty()) {
        Range range = std::move(ranges.front());
        ranges.pop_front();
        rounds = std::max({rounds, range.atLow.cost.loadRounds,
                           range.atHigh.cost.loadRounds});
        int64_t count = range.high - range.low + 1;
        if (range.low == range.high || sameCost(range.atLow, range.atHigh)) {
          sampled += scaled(range.atLow, double(count));
        } else if (count == 2 || sampledWarps + 2 > kMaxSampledWarps) {
          sampled += scaled(range.atLow, double(count / 2));
          sampled += scaled(range.atHigh, double(count - count / 2));
        } else {
          int64_t middle = range.low + (count - 1) / 2;
          SampledCost atMiddle = sample(middle), next = sample(middle + 1);
          sampledWarps += 2;
          ranges.push_back({range.low, middle, range.atLow, atMiddle});
          ranges.push_back({middle + 1, range.high, next, range.atHigh});
        }
      }
      if (!ok)
        return mlir::failure();
      int64_t phase = sample(low).phase;
      int64_t phaseBlocks = (high - low + 1) / warpsPerBlock;
      KernelCost cost = sampled.cost;
      cost.loadRounds = rounds;
      cost.hbmBytesRead = fromHbm(sampled.reads);
      cost.hbmBytesWritten = fromHbm(sampled.writes);
      cost.launches = phases.empty() ? 1 : 0;
      cost.waits = phases.empty() ? 0 : 1;
      cost.threads = threads * phaseBlocks;
      cost.blocks = phaseBlocks;
      phases.emplace_back(phase > 0 ? "/" + std::to_string(phase) : "", cost);
    }
    cached = launchCache.insert({key, std::move(phases)}).first;
  }
  std::string name = launchOp.getKernelName().getValue().str();
  for (const auto &[suffix, cost] : cached->second)
    trace[name + suffix] += cost;
  return success();
}

} // namespace

llvm::Expected<LaunchTrace>
llama4c::report::traceLaunches(ModuleOp module, func::FuncOp entry,
                               const CallSizes &sizes) {
  LaunchTrace trace;
  constexpr int64_t kFirstArgument = 1 << 30; // apart from the rest
  Machine machine(module, trace, [&](int64_t id, int64_t element) {
    int64_t argument = id - kFirstArgument;
    if (!sizes.element || argument < 0 ||
        argument >= int64_t(entry.getNumArguments()))
      return std::optional<int64_t>();
    return sizes.element(unsigned(argument), element);
  });
  std::vector<Slot> args;
  int64_t buffer = kFirstArgument;
  for (auto [i, type] : llvm::enumerate(entry.getArgumentTypes())) {
    auto memref = dyn_cast<MemRefType>(type);
    if (!memref) {
      args.push_back(Scalar::unknown());
      continue;
    }
    SmallVector<int64_t> shape;
    for (auto [d, size] : llvm::enumerate(memref.getShape()))
      shape.push_back(ShapedType::isDynamic(size) ? sizes.dim(i, d) : size);
    args.push_back(contiguous(buffer++, true, memref, shape));
  }
  if (failed(machine.call(entry, args)))
    return machine.takeError();
  return trace;
}
