//===- JamTokenRows.cpp - A warp takes several tokens' rows at once -------===//
//
// --llama4-gpu-jam-token-rows: see Passes.td. A warp per output element of
// x * W^T reads a row of W for one row of x; with a batch of 8 rows, 8
// warps read each row of W. Jammed, one warp walks the row of W once for
// R rows and keeps R sums: a decode step of R rows reads its weights
// once. Each of its lanes then loads R vectors of x per vector of W, which
// L1 bounds; a warp taking C rows of W too loads them per C vectors of W.
// A routed expert's thread per output element reads its row's
// expert's column of W: jammed by that choice, the first row of a group
// choosing an expert walks its column once for every row that chose it.
//
//===----------------------------------------------------------------------===//

#include "passes/gpu/Passes.h"

#include "dialects/llama4/IR/Llama4Dialect.h"
#include "passes/gpu/HostMemory.h"
#include "passes/gpu/KernelLoops.h"
#include "passes/gpu/TakenShare.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/SetVector.h"

#include <cmath>

namespace llama4c {
#define GEN_PASS_DEF_LLAMA4GPUJAMTOKENROWSPASS
#include "passes/gpu/Passes.h.inc"
} // namespace llama4c

using namespace mlir;
using mlir::llama4::LoweringConfigAttr;
using mlir::llama4::LoweringPipeline;

namespace {

/// Whether `op` or an op inside it writes (or frees) memory, only memory
/// that is not the thread's own if `sharedOnly`. Ops of unknown effects
/// write, but a warp's reduction across its lanes (registers only).
bool writesMemory(Operation *op, bool sharedOnly) {
  return op
      ->walk([&](Operation *inner) {
        auto effects = dyn_cast<MemoryEffectOpInterface>(inner);
        if (!effects)
          return inner->hasTrait<OpTrait::HasRecursiveMemoryEffects>() ||
                         isa<gpu::SubgroupReduceOp>(inner)
                     ? WalkResult::advance()
                     : WalkResult::interrupt();
        SmallVector<MemoryEffects::EffectInstance> list;
        effects.getEffects(list);
        for (MemoryEffects::EffectInstance &effect : list) {
          if (!isa<MemoryEffects::Write, MemoryEffects::Free>(
                  effect.getEffect()))
            continue;
          Value memref = effect.getValue();
          if (!sharedOnly || !memref || !llama4c::isThreadPrivate(memref))
            return WalkResult::interrupt();
        }
        return WalkResult::advance();
      })
      .wasInterrupted();
}

/// Whether `op` is a `MemrefOp` or `VectorOp` (loads, or stores) of memory
/// that is not the thread's own.
template <typename MemrefOp, typename VectorOp>
bool accessesSharedMemory(Operation *op) {
  Value memref;
  if (auto access = dyn_cast<MemrefOp>(op))
    memref = access.getMemRef();
  else if (auto access = dyn_cast<VectorOp>(op))
    memref = access.getBase();
  return memref && !llama4c::isThreadPrivate(memref);
}

bool isSharedStore(Operation *op) {
  return accessesSharedMemory<memref::StoreOp, vector::StoreOp>(op);
}

bool loadsSharedMemory(Operation *op) {
  return accessesSharedMemory<memref::LoadOp, vector::LoadOp>(op);
}

/// The body of a kernel loop read as rows: which ops differ between the
/// rows a warp takes (they read the row's index, its own buffers, or
/// write memory), and which loops over k load what the rows share. The
/// `keys`, computed per row, are taken as the same in every row (rows
/// jammed by their keys share them), so that what reads them alone is
/// shared.
class RowAnalysis {
public:
  explicit RowAnalysis(Value rowIndex, ArrayRef<Value> keys = {})
      : keys(keys.begin(), keys.end()) {
    perRow.insert(rowIndex);
  }

  /// Reads `block`'s ops in order.
  void analyze(Block &block) {
    for (Operation &op : block.without_terminator()) {
      if (!dependsOnRow(&op))
        continue;
      perRowOps.insert(&op);
      for (Value result : op.getResults())
        if (!keys.contains(result))
          perRow.insert(result);
      auto loop = dyn_cast<scf::ForOp>(&op);
      if (!loop || !canJam(loop))
        continue;
      perRow.insert(loop.getRegionIterArgs().begin(),
                    loop.getRegionIterArgs().end());
      analyze(*loop.getBody());
      if (llvm::any_of(
              loop.getBody()->without_terminator(), [&](Operation &inner) {
                return !perRowOps.contains(&inner) && loadsSharedMemory(&inner);
              }))
        jammed.insert(loop);
    }
  }

  bool isPerRow(Operation *op) const { return perRowOps.contains(op); }
  bool isPerRow(Value value) const { return perRow.contains(value); }
  bool isJammed(Operation *op) const { return jammed.contains(op); }
  bool jamsAnyLoop() const { return !jammed.empty(); }

private:
  /// Whether `op` (or an op inside it) reads a value that differs between
  /// rows, allocates (each row its own buffers) or writes memory.
  bool dependsOnRow(Operation *op) const {
    return op
        ->walk([&](Operation *inner) {
          bool reads = llvm::any_of(inner->getOperands(), [&](Value operand) {
            return perRow.contains(operand);
          });
          return reads || isa<memref::AllocaOp, memref::AllocOp>(inner) ||
                         writesMemory(inner, /*sharedOnly=*/false)
                     ? WalkResult::interrupt()
                     : WalkResult::advance();
        })
        .wasInterrupted();
  }

  /// A loop whose rows can share one walk: its bounds the same for every
  /// row, no write to shared memory and no warp collective inside (a row
  /// past the last is skipped inside it).
  bool canJam(scf::ForOp loop) const {
    auto shared = [&](Value bound) { return !perRow.contains(bound); };
    return shared(loop.getLowerBound()) && shared(loop.getUpperBound()) &&
           shared(loop.getStep()) && !writesMemory(loop, /*sharedOnly=*/true) &&
           !loop->walk([](gpu::SubgroupReduceOp) {
                  return WalkResult::interrupt();
                })
                .wasInterrupted();
  }

  DenseSet<Value> keys, perRow;
  DenseSet<Operation *> perRowOps;
  DenseSet<Operation *> jammed;
};

/// The rows a warp (or a thread) takes: each one's mapping from the
/// original body's values, and whether it is a row to compute (null for
/// the first, which always is, for every row while a keyed jam computes
/// the keys, which every row needs, and for rows of a static extent that
/// the jam divides).
struct Rows {
  SmallVector<IRMapping> mappings;
  SmallVector<Value> valid;
  /// Whether a row past the last still computes (at its clamped index,
  /// what the last row does), skipping only its stores: no branch splits
  /// a loop over k, so that a later jam of its body shares what the rows
  /// load alike.
  bool computePastLast = false;
  /// The share of the iterations where a later row is valid, for the
  /// launch trace, when data decide it (rows sharing an expert); null
  /// where the launch's sizes do.
  FloatAttr laterShare;

  /// `branch`, under which a later row's steps or stores run, marked with
  /// the share of iterations that take it where data decide it.
  void markLater(scf::IfOp branch) const {
    if (laterShare)
      branch->setAttr(llama4c::kTakenShareAttr, laterShare);
  }
};

class Jammer {
public:
  explicit Jammer(const RowAnalysis &analysis) : analysis(analysis) {}

  /// `ops` once for what the rows share, once per row otherwise.
  void emit(OpBuilder &b, iterator_range<Block::iterator> ops, Rows &rows) {
    for (Operation &op : ops) {
      if (!analysis.isPerRow(&op)) {
        emitShared(b, op, rows);
      } else if (analysis.isJammed(&op)) {
        emitJammedLoop(b, cast<scf::ForOp>(op), rows);
      } else {
        for (auto [t, mapping] : llvm::enumerate(rows.mappings)) {
          if (t > 0 && rows.valid[t] && !rows.computePastLast &&
              op.getNumRegions() == 0 && loadsSharedMemory(&op)) {
            emitGuardedLoad(b, op, rows, t, mapping);
            continue;
          }
          Operation *clone = b.clone(op, mapping);
          if (t > 0 && rows.valid[t])
            guardStores(clone, rows, t);
        }
      }
    }
  }

private:
  /// Each store of `op` (or inside it) to memory that is not the thread's
  /// own, under row `t`'s validity: a row past the last computes what the
  /// last does (its index is clamped), and stores nothing; so does a row
  /// that chose otherwise. The branches hold no warp collective, whose
  /// lanes must all take part.
  static void guardStores(Operation *op, const Rows &rows, int64_t t) {
    SmallVector<Operation *> stores;
    op->walk([&](Operation *inner) {
      if (isSharedStore(inner))
        stores.push_back(inner);
    });
    for (Operation *store : stores) {
      OpBuilder b(store);
      auto branch = scf::IfOp::create(b, store->getLoc(), rows.valid[t]);
      rows.markLater(branch);
      store->moveBefore(branch.thenBlock()->getTerminator());
    }
  }

  /// `load` for row `t` > 0, under its validity: a row that is not one
  /// reads nothing, and its value is zeros.
  static void emitGuardedLoad(OpBuilder &b, Operation &load, const Rows &rows,
                              int64_t t, IRMapping &mapping) {
    Location loc = load.getLoc();
    auto branch = scf::IfOp::create(
        b, loc, rows.valid[t],
        [&](OpBuilder &b, Location loc) {
          scf::YieldOp::create(b, loc, b.clone(load, mapping)->getResults());
        },
        [&](OpBuilder &b, Location loc) {
          SmallVector<Value> zeros;
          for (Type type : load.getResultTypes())
            zeros.push_back(arith::ConstantOp::create(
                b, loc, cast<TypedAttr>(b.getZeroAttr(type))));
          scf::YieldOp::create(b, loc, zeros);
        });
    rows.markLater(branch);
    mapping.map(load.getResults(), branch.getResults());
  }

  void emitShared(OpBuilder &b, Operation &op, Rows &rows) {
    Operation *clone = b.clone(op, rows.mappings.front());
    for (IRMapping &mapping : llvm::drop_begin(rows.mappings))
      mapping.map(op.getResults(), clone->getResults());
  }

  /// One walk of `loop` for every row: its sums carried per row, what
  /// the rows share computed once, each later row's steps skipped past
  /// the last row.
  void emitJammedLoop(OpBuilder &b, scf::ForOp loop, Rows &rows) {
    unsigned carried = loop.getNumRegionIterArgs();
    SmallVector<Value> inits;
    for (IRMapping &mapping : rows.mappings)
      for (Value init : loop.getInitArgs())
        inits.push_back(mapping.lookupOrDefault(init));
    IRMapping &first = rows.mappings.front();
    Block *body = loop.getBody();
    auto yieldedBy = [&](IRMapping &mapping) {
      return llvm::map_to_vector(
          body->getTerminator()->getOperands(),
          [&](Value value) { return mapping.lookupOrDefault(value); });
    };
    auto walk = scf::ForOp::create(
        b, loop.getLoc(), first.lookupOrDefault(loop.getLowerBound()),
        first.lookupOrDefault(loop.getUpperBound()),
        first.lookupOrDefault(loop.getStep()), inits,
        [&](OpBuilder &b, Location loc, Value k, ValueRange sums) {
          Rows inner = rows;
          for (auto [t, mapping] : llvm::enumerate(inner.mappings)) {
            mapping.map(loop.getInductionVar(), k);
            mapping.map(loop.getRegionIterArgs(),
                        sums.slice(t * carried, carried));
          }
          for (Operation &op : body->without_terminator()) {
            if (analysis.isPerRow(&op))
              b.clone(op, inner.mappings.front());
            else
              emitShared(b, op, inner);
          }
          SmallVector<Value> next = yieldedBy(inner.mappings.front());
          for (auto [t, mapping] :
               llvm::drop_begin(llvm::enumerate(inner.mappings))) {
            if (!inner.valid[t] || inner.computePastLast) {
              for (Operation &op : body->without_terminator())
                if (analysis.isPerRow(&op))
                  b.clone(op, mapping);
              llvm::append_range(next, yieldedBy(mapping));
              continue;
            }
            auto step = scf::IfOp::create(
                b, loc, inner.valid[t],
                [&, &mapping = mapping](OpBuilder &b, Location loc) {
                  for (Operation &op : body->without_terminator())
                    if (analysis.isPerRow(&op))
                      b.clone(op, mapping);
                  scf::YieldOp::create(b, loc, yieldedBy(mapping));
                },
                [&, t = t](OpBuilder &b, Location loc) {
                  scf::YieldOp::create(b, loc,
                                       sums.slice(t * carried, carried));
                });
            inner.markLater(step);
            llvm::append_range(next, step.getResults());
          }
          scf::YieldOp::create(b, loc, next);
        });
    for (auto [t, mapping] : llvm::enumerate(rows.mappings))
      mapping.map(loop.getResults(),
                  walk.getResults().slice(t * carried, carried));
  }

  const RowAnalysis &analysis;
};

/// The memref operands of `op` and the ops inside it that the thread owns
/// (views of a memref.alloca), as their buffers.
SmallVector<Value> privateBuffersOf(Operation *op) {
  SmallVector<Value> buffers;
  op->walk([&](Operation *inner) {
    for (Value operand : inner->getOperands())
      if (isa<MemRefType>(operand.getType()) &&
          llama4c::isThreadPrivate(operand))
        buffers.push_back(llama4c::bufferOf(operand));
  });
  return buffers;
}

/// What a thread's rows are jammed by: index values its body loads per row
/// at its top level (a token's expert, chosen from its router logits or
/// read where a kernel of its own chose it) that, with the loop indices,
/// index memory the rows share inside a loop over k. Rows of equal keys
/// read the same elements there. `choices` is how many values the keys
/// take together, as the dimensions they index bound them (a routed
/// expert's W: its experts), 0 if one is unbounded.
struct Keys {
  SmallVector<Value> values;
  int64_t choices = 0;
};

Keys keysOf(Block &body, const RowAnalysis &rows) {
  llvm::MapVector<Value, int64_t> extents;
  for (Operation &op : body.without_terminator()) {
    if (!isa<scf::ForOp>(op))
      continue;
    op.walk([&](memref::LoadOp load) {
      if (rows.isPerRow(load.getMemRef()))
        return;
      SmallVector<std::pair<Value, int64_t>> found;
      for (auto [dim, index] : llvm::enumerate(load.getIndices())) {
        if (!rows.isPerRow(index))
          continue;
        auto def = index.getDefiningOp<memref::LoadOp>();
        if (!def || def->getBlock() != &body)
          return; // per row by more than a choice
        found.emplace_back(index, load.getMemRefType().getDimSize(dim));
      }
      for (auto [key, extent] : found) {
        auto [it, inserted] = extents.try_emplace(key, extent);
        if (!inserted && !ShapedType::isDynamic(extent) &&
            (ShapedType::isDynamic(it->second) || extent < it->second))
          it->second = extent;
      }
    });
  }
  Keys keys;
  keys.choices = 1;
  for (auto [key, extent] : extents) {
    keys.values.push_back(key);
    keys.choices = ShapedType::isDynamic(extent) ? 0 : keys.choices * extent;
  }
  return keys;
}

/// The ops of `body`'s top level that compute `keys`, in order: the
/// definitions of what they read and, for each buffer of the thread's own
/// they read, its allocation and every op writing it, transitively.
/// Failure if one of them writes memory the thread does not own.
FailureOr<SmallVector<Operation *>> keySliceOf(Block &body,
                                               ArrayRef<Value> keys) {
  DenseMap<Value, SmallVector<Operation *>> writers;
  for (Operation &op : body.without_terminator())
    op.walk([&](Operation *inner) {
      auto effects = dyn_cast<MemoryEffectOpInterface>(inner);
      if (!effects)
        return;
      SmallVector<MemoryEffects::EffectInstance> list;
      effects.getEffects(list);
      for (MemoryEffects::EffectInstance &effect : list)
        if (isa<MemoryEffects::Write>(effect.getEffect()) &&
            effect.getValue() && llama4c::isThreadPrivate(effect.getValue()))
          writers[llama4c::bufferOf(effect.getValue())].push_back(&op);
    });
  llvm::SetVector<Operation *> slice;
  SmallVector<Operation *> work;
  auto add = [&](Value value) {
    if (Operation *def = value.getDefiningOp())
      if (Operation *top = body.findAncestorOpInBlock(*def))
        work.push_back(top);
  };
  for (Value key : keys)
    add(key);
  while (!work.empty()) {
    Operation *op = work.pop_back_val();
    if (!slice.insert(op))
      continue;
    if (writesMemory(op, /*sharedOnly=*/true))
      return failure();
    op->walk([&](Operation *inner) {
      for (Value operand : inner->getOperands())
        add(operand);
    });
    for (Value buffer : privateBuffersOf(op)) {
      add(buffer);
      llvm::append_range(work, writers.lookup(buffer));
    }
  }
  SmallVector<Operation *> ordered = slice.takeVector();
  llvm::sort(ordered,
             [](Operation *a, Operation *b) { return a->isBeforeInBlock(b); });
  return ordered;
}

/// Moves `slice` (ops of `body`, in order) to its front where that changes
/// nothing: no op it passes touches the thread's buffers that the slice
/// allocates, or a buffer the slice writes, or writes one the slice
/// reads. Whether it moved.
bool hoistToFront(Block &body, ArrayRef<Operation *> slice) {
  DenseSet<Operation *> inSlice(slice.begin(), slice.end());
  llama4c::BufferAccesses sliceAccesses;
  DenseSet<Value> sliceBuffers;
  for (Operation *op : slice) {
    std::optional<llama4c::BufferAccesses> accesses = llama4c::accessesOf(op);
    if (!accesses)
      return false;
    sliceAccesses.reads.insert(accesses->reads.begin(), accesses->reads.end());
    sliceAccesses.writes.insert(accesses->writes.begin(),
                                accesses->writes.end());
    if (isa<memref::AllocaOp>(op))
      sliceBuffers.insert(op->getResult(0));
  }
  Operation *firstOther = nullptr;
  for (Operation &op : body.without_terminator()) {
    if (&op == slice.back())
      break;
    if (inSlice.contains(&op))
      continue;
    firstOther = firstOther ? firstOther : &op;
    std::optional<llama4c::BufferAccesses> accesses = llama4c::accessesOf(&op);
    if (!accesses || !llama4c::independent(*accesses, sliceAccesses) ||
        llvm::any_of(privateBuffersOf(&op), [&](Value buffer) {
          return sliceBuffers.contains(buffer);
        }))
      return false;
  }
  if (firstOther)
    for (Operation *op : slice)
      op->moveBefore(firstOther);
  return true;
}

/// The share of a group of `rows` rows that first choose their keys,
/// of `choices` values: E (1 - (1 - 1/E)^R) / R, keys chosen alike and
/// independently (uniform routing, as the report's roofline takes it).
double firstChoosersShare(int64_t choices, int64_t rows) {
  double e = double(choices);
  return e * (1.0 - std::pow(1.0 - 1.0 / e, double(rows))) / double(rows);
}

/// Whether `body` writes memory that is not the thread's own only by
/// stores (which a skipped row skips).
bool writesOnlyByStores(Block *body) {
  return !body->walk([](Operation *op) {
                return op->getNumRegions() == 0 && !isSharedStore(op) &&
                               writesMemory(op, /*sharedOnly=*/true)
                           ? WalkResult::interrupt()
                           : WalkResult::advance();
              })
              .wasInterrupted();
}

struct JamTokenRows
    : llama4c::impl::Llama4GpuJamTokenRowsPassBase<JamTokenRows> {
  void runOnOperation() override {
    SmallVector<scf::ParallelOp> loops;
    getOperation()->walk([&](scf::ParallelOp loop) {
      LoweringConfigAttr config = LoweringConfigAttr::ofGpu(loop);
      if (config && !config.getRegisterTile().empty())
        loops.push_back(loop);
    });
    for (scf::ParallelOp loop : loops) {
      LoweringConfigAttr config = LoweringConfigAttr::of(loop);
      ArrayRef<int64_t> tile = config.getRegisterTile();
      if (config.getPipeline() != LoweringPipeline::gpu_warp_per_element) {
        jamByKeys(loop, tile.front());
      } else {
        // The columns first: their loop over k has no branch, so the rows
        // jammed around it share each of its loads of W.
        if (tile.size() == 2)
          jamColumns(loop, tile[1]);
        if (tile.front() > 1)
          jam(loop, tile.front());
      }
      loop->setAttr(LoweringConfigAttr::attributeName,
                    config.withoutRegisterTile());
    }
  }

  /// The innermost dimension of `loop` with a dynamic extent, counting
  /// from 0 by 1: the tokens.
  static std::optional<unsigned> rowDimensionOf(scf::ParallelOp loop) {
    for (unsigned d = loop.getNumLoops(); d-- > 0;) {
      if (getConstantIntValue(loop.getUpperBound()[d]))
        continue;
      if (isConstantIntValue(loop.getLowerBound()[d], 0) &&
          isConstantIntValue(loop.getStep()[d], 1))
        return d;
      return std::nullopt;
    }
    return std::nullopt;
  }

  /// `loop` rebuilt over `extent` iterations of its row dimension `d`:
  /// `jammed` emits an iteration's body at indices `ivs`, but a launch of
  /// one row (a decode step of one sequence) runs the body as it was. Its
  /// loop over k then carries one sum and loads no skipped row's x, so it
  /// unrolls further (--llama4-gpu-unroll-load-loops) and keeps more
  /// loads of W in flight. The condition is the launch's, the same in
  /// every thread.
  static void
  rebuild(scf::ParallelOp &loop, unsigned d, Value extent,
          function_ref<void(OpBuilder &, Location, ValueRange)> jammed) {
    OpBuilder b(loop);
    Value oneRow = arith::CmpIOp::create(
        b, loop.getLoc(), arith::CmpIPredicate::eq, loop.getUpperBound()[d],
        arith::ConstantIndexOp::create(b, loop.getLoc(), 1));
    Block *body = loop.getBody();
    replace(loop, d, extent, [&](OpBuilder &b, Location loc, ValueRange ivs) {
      auto branch = scf::IfOp::create(b, loc, oneRow, /*withElse=*/true);
      b.setInsertionPointToStart(branch.thenBlock());
      IRMapping asItWas;
      asItWas.map(loop.getInductionVars(), ivs);
      for (Operation &op : body->without_terminator())
        b.clone(op, asItWas);
      b.setInsertionPointToStart(branch.elseBlock());
      jammed(b, loc, ivs);
    });
  }

  /// `loop` replaced by one whose dimension `d` runs to `extent`, its
  /// body built by `build` at the new induction variables.
  static void
  replace(scf::ParallelOp &loop, unsigned d, Value extent,
          function_ref<void(OpBuilder &, Location, ValueRange)> build) {
    OpBuilder b(loop);
    SmallVector<Value> ubs(loop.getUpperBound());
    ubs[d] = extent;
    auto rebuilt = scf::ParallelOp::create(
        b, loop.getLoc(), loop.getLowerBound(), ubs, loop.getStep(), build);
    rebuilt->setDiscardableAttrs(loop->getDiscardableAttrDictionary());
    loop.erase();
    loop = rebuilt;
  }

  /// `loop` with `count` consecutive indices of its last dimension (the
  /// output's columns: rows of W) per iteration, if that extent is static
  /// and a loop over k loads what the columns share (x): a warp walks x
  /// once for `count` rows of W. A column past the last computes the
  /// last one's again and stores nothing, so that no branch splits the
  /// loop over k and the token rows jammed next share each load of W.
  static void jamColumns(scf::ParallelOp &loop, int64_t count) {
    unsigned d = loop.getNumLoops() - 1;
    std::optional<int64_t> columns =
        getConstantIntValue(loop.getUpperBound()[d]);
    if (!columns || !isConstantIntValue(loop.getLowerBound()[d], 0) ||
        !isConstantIntValue(loop.getStep()[d], 1) ||
        !loop.getInitVals().empty())
      return;
    count = std::min(count, *columns);
    if (count < 2)
      return;
    Block *body = loop.getBody();
    RowAnalysis analysis(loop.getInductionVars()[d]);
    analysis.analyze(*body);
    if (!analysis.jamsAnyLoop() || !writesOnlyByStores(body))
      return;
    OpBuilder b(loop);
    Location loc = loop.getLoc();
    Value perWarp = arith::ConstantIndexOp::create(b, loc, count);
    Value extent = arith::ConstantIndexOp::create(
        b, loc, llvm::divideCeil(*columns, count));
    Jammer jammer(analysis);
    replace(loop, d, extent, [&](OpBuilder &b, Location loc, ValueRange ivs) {
      Value first = arith::MulIOp::create(b, loc, ivs[d], perWarp);
      Rows taken;
      taken.computePastLast = true;
      for (int64_t t = 0; t < count; ++t) {
        Value column = first, valid;
        if (t > 0) {
          column = arith::AddIOp::create(
              b, loc, first, arith::ConstantIndexOp::create(b, loc, t));
          if (*columns % count) {
            valid = arith::CmpIOp::create(
                b, loc, arith::CmpIPredicate::ult, column,
                arith::ConstantIndexOp::create(b, loc, *columns));
            column = arith::MinUIOp::create(
                b, loc, column,
                arith::ConstantIndexOp::create(b, loc, *columns - 1));
          }
        }
        IRMapping &mapping = taken.mappings.emplace_back();
        mapping.map(loop.getInductionVars(), ivs);
        mapping.map(loop.getInductionVars()[d], column);
        taken.valid.push_back(valid);
      }
      jammer.emit(b, body->without_terminator(), taken);
    });
  }

  /// `loop` with `count` rows per iteration of its row dimension, if it
  /// has one and writes shared memory only by stores (which a row past
  /// the last skips).
  static void jam(scf::ParallelOp &loop, int64_t count) {
    std::optional<unsigned> d = rowDimensionOf(loop);
    if (!d || !loop.getInitVals().empty())
      return;
    Block *body = loop.getBody();
    RowAnalysis analysis(loop.getInductionVars()[*d]);
    analysis.analyze(*body);
    if (!writesOnlyByStores(body))
      return;
    OpBuilder b(loop);
    Location loc = loop.getLoc();
    Value rows = loop.getUpperBound()[*d];
    Value perWarp = arith::ConstantIndexOp::create(b, loc, count);
    Jammer jammer(analysis);
    rebuild(loop, *d, arith::CeilDivUIOp::create(b, loc, rows, perWarp),
            [&](OpBuilder &b, Location loc, ValueRange ivs) {
              Value first = arith::MulIOp::create(b, loc, ivs[*d], perWarp);
              Value last = arith::SubIOp::create(
                  b, loc, rows, arith::ConstantIndexOp::create(b, loc, 1));
              Rows taken;
              for (int64_t t = 0; t < count; ++t) {
                Value row = first, valid;
                if (t > 0) {
                  Value next = arith::AddIOp::create(
                      b, loc, first, arith::ConstantIndexOp::create(b, loc, t));
                  valid = arith::CmpIOp::create(
                      b, loc, arith::CmpIPredicate::ult, next, rows);
                  row = arith::MinUIOp::create(b, loc, next, last);
                }
                IRMapping &mapping = taken.mappings.emplace_back();
                mapping.map(loop.getInductionVars(), ivs);
                mapping.map(loop.getInductionVars()[*d], row);
                taken.valid.push_back(valid);
              }
              jammer.emit(b, body->without_terminator(), taken);
            });
  }

  /// A thread's `loop` whose rows read shared memory by their keys (see
  /// keysOf: a routed expert's column of W, by the row's expert), jammed
  /// by them: the rows stay one an iteration, in groups of `count`
  /// consecutive rows, and iteration t first computes the keys of every
  /// row of its group. Only the first row of its group with its keys goes
  /// on (a branch marked with the share of rows that are first, for the
  /// launch trace): it runs the body for itself and for each later row of
  /// the group with the same keys, what the rows share (W's loads) once.
  /// The ops computing the keys move to the front of the body (where that
  /// changes nothing, see hoistToFront); nothing else moves: each row is
  /// computed and stored once, by the first of its group to share its
  /// keys, its sum in k's order as before.
  static void jamByKeys(scf::ParallelOp &loop, int64_t count) {
    std::optional<unsigned> d = rowDimensionOf(loop);
    if (!d || !loop.getInitVals().empty())
      return;
    Block *body = loop.getBody();
    Value rowIndex = loop.getInductionVars()[*d];
    RowAnalysis perRow(rowIndex);
    perRow.analyze(*body);
    Keys keys = keysOf(*body, perRow);
    if (keys.values.empty() || !writesOnlyByStores(body))
      return;
    FailureOr<SmallVector<Operation *>> slice = keySliceOf(*body, keys.values);
    if (failed(slice) || !hoistToFront(*body, *slice))
      return;
    RowAnalysis analysis(rowIndex, keys.values);
    analysis.analyze(*body);
    // The keys are computed before the rows' validity is known: no loop
    // computing them may skip rows.
    if (!analysis.jamsAnyLoop() || llvm::any_of(*slice, [&](Operation *op) {
          return analysis.isJammed(op);
        }))
      return;
    auto rest = std::next(slice->back()->getIterator());
    Jammer jammer(analysis);
    rebuild(
        loop, *d, loop.getUpperBound()[*d],
        [&](OpBuilder &b, Location loc, ValueRange ivs) {
          auto constant = [&](int64_t value) {
            return arith::ConstantIndexOp::create(b, loc, value);
          };
          Value rows = loop.getUpperBound()[*d];
          Value row = ivs[*d];
          Value group = constant(count);
          Value within = arith::RemUIOp::create(b, loc, row, group);
          Value start = arith::SubIOp::create(b, loc, row, within);
          Value last = arith::SubIOp::create(b, loc, rows, constant(1));
          // Row 0 of the jam is the iteration's own; rows 1 .. count - 1 the
          // rest of its group, from the next one on, wrapping around.
          Rows taken;
          SmallVector<Value> inRange, before;
          for (int64_t t = 0; t < count; ++t) {
            IRMapping &mapping = taken.mappings.emplace_back();
            mapping.map(loop.getInductionVars(), ivs);
            taken.valid.push_back(nullptr);
            if (t == 0)
              continue;
            Value offset = arith::RemUIOp::create(
                b, loc, arith::AddIOp::create(b, loc, within, constant(t)),
                group);
            Value other = arith::AddIOp::create(b, loc, start, offset);
            inRange.push_back(arith::CmpIOp::create(
                b, loc, arith::CmpIPredicate::ult, other, rows));
            before.push_back(arith::CmpIOp::create(
                b, loc, arith::CmpIPredicate::ult, offset, within));
            mapping.map(rowIndex, arith::MinUIOp::create(b, loc, other, last));
          }
          jammer.emit(b, llvm::make_range(body->begin(), rest), taken);
          Value yes = arith::ConstantIntOp::create(b, loc, 1, 1);
          auto negate = [&](Value condition) {
            return arith::XOrIOp::create(b, loc, condition, yes);
          };
          Value first = yes;
          for (int64_t t = 1; t < count; ++t) {
            Value same;
            for (Value key : keys.values) {
              Value equal = arith::CmpIOp::create(
                  b, loc, arith::CmpIPredicate::eq,
                  taken.mappings[t].lookup(key), taken.mappings[0].lookup(key));
              same = same ? arith::AndIOp::create(b, loc, same, equal) : equal;
            }
            Value earlier = arith::AndIOp::create(b, loc, before[t - 1], same);
            first = arith::AndIOp::create(b, loc, first, negate(earlier));
            taken.valid[t] = arith::AndIOp::create(
                b, loc, inRange[t - 1],
                arith::AndIOp::create(b, loc, negate(before[t - 1]), same));
          }
          // Under uniform routing a share p of the rows are first of their
          // group to choose their keys, and each such row takes 1/p - 1
          // later rows along, of its count - 1 later ones.
          auto firstOfGroup = scf::IfOp::create(b, loc, first);
          if (keys.choices > 0) {
            double firsts = firstChoosersShare(keys.choices, count);
            firstOfGroup->setAttr(llama4c::kTakenShareAttr,
                                  b.getF64FloatAttr(firsts));
            taken.laterShare =
                b.getF64FloatAttr((1.0 / firsts - 1.0) / double(count - 1));
          }
          b.setInsertionPoint(firstOfGroup.thenBlock()->getTerminator());
          jammer.emit(b, llvm::make_range(rest, std::prev(body->end())), taken);
        });
  }
};

} // namespace
