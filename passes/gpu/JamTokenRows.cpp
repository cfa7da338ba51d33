//===- JamTokenRows.cpp - A warp takes several tokens' rows at once -------===//
//
// --llama4-gpu-jam-token-rows: see Passes.td. A warp per output element of
// x * W^T reads a row of W for one row of x; with a batch of 8 rows, 8
// warps read each row of W. Jammed, one warp walks the row of W once for
// R rows and keeps R sums: a decode step of R rows reads its weights
// once.
//
//===----------------------------------------------------------------------===//

#include "passes/gpu/Passes.h"

#include "dialects/llama4/IR/Llama4Dialect.h"
#include "passes/gpu/HostMemory.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

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
/// write memory), and which loops over k load what the rows share.
class RowAnalysis {
public:
  explicit RowAnalysis(Value rowIndex) { perRow.insert(rowIndex); }

  /// Reads `block`'s ops in order.
  void analyze(Block &block) {
    for (Operation &op : block.without_terminator()) {
      if (!dependsOnRow(&op))
        continue;
      perRowOps.insert(&op);
      perRow.insert(op.getResults().begin(), op.getResults().end());
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
  bool isJammed(Operation *op) const { return jammed.contains(op); }

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

  DenseSet<Value> perRow;
  DenseSet<Operation *> perRowOps;
  DenseSet<Operation *> jammed;
};

/// The rows a warp takes: each one's mapping from the original body's
/// values, and whether it is a row of the input (null for the first,
/// which always is).
struct Rows {
  SmallVector<IRMapping> mappings;
  SmallVector<Value> valid;
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
          Operation *clone = b.clone(op, mapping);
          if (t > 0)
            guardStores(clone, rows.valid[t]);
        }
      }
    }
  }

private:
  /// Each store of `op` (or inside it) to memory that is not the thread's
  /// own, under `valid`: a row past the last computes what the last does
  /// (its index is clamped), and stores nothing. The branches hold no
  /// warp collective, whose lanes must all take part.
  static void guardStores(Operation *op, Value valid) {
    SmallVector<Operation *> stores;
    op->walk([&](Operation *inner) {
      if (isSharedStore(inner))
        stores.push_back(inner);
    });
    for (Operation *store : stores) {
      OpBuilder b(store);
      auto branch = scf::IfOp::create(b, store->getLoc(), valid);
      store->moveBefore(branch.thenBlock()->getTerminator());
    }
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

struct JamTokenRows
    : llama4c::impl::Llama4GpuJamTokenRowsPassBase<JamTokenRows> {
  void runOnOperation() override {
    SmallVector<scf::ParallelOp> loops;
    getOperation()->walk([&](scf::ParallelOp loop) {
      LoweringConfigAttr config =
          LoweringConfigAttr::of(loop, LoweringPipeline::gpu_warp_per_element);
      if (config && !config.getRegisterTile().empty())
        loops.push_back(loop);
    });
    for (scf::ParallelOp loop : loops) {
      LoweringConfigAttr config = LoweringConfigAttr::of(loop);
      jam(loop, config.getRegisterTile().front());
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
    bool onlyStores = !body->walk([](Operation *op) {
                             return op->getNumRegions() == 0 &&
                                            !isSharedStore(op) &&
                                            writesMemory(op,
                                                         /*sharedOnly=*/true)
                                        ? WalkResult::interrupt()
                                        : WalkResult::advance();
                           })
                           .wasInterrupted();
    if (!onlyStores)
      return;
    OpBuilder b(loop);
    Location loc = loop.getLoc();
    Value rows = loop.getUpperBound()[*d];
    Value perWarp = arith::ConstantIndexOp::create(b, loc, count);
    Value oneRow =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, rows,
                              arith::ConstantIndexOp::create(b, loc, 1));
    SmallVector<Value> ubs(loop.getUpperBound());
    ubs[*d] = arith::CeilDivUIOp::create(b, loc, rows, perWarp);
    Jammer jammer(analysis);
    auto jammed = scf::ParallelOp::create(
        b, loc, loop.getLowerBound(), ubs, loop.getStep(),
        [&](OpBuilder &b, Location loc, ValueRange ivs) {
          // A single row (a decode step of one sequence) runs the body as
          // it was: its loop over k carries one sum and loads no row it
          // skips, so it unrolls further (--llama4-gpu-unroll-load-loops)
          // and keeps more loads of W in flight. The condition is the
          // launch's, the same in every warp.
          auto branch = scf::IfOp::create(b, loc, oneRow, /*withElse=*/true);
          b.setInsertionPointToStart(branch.thenBlock());
          IRMapping asItWas;
          asItWas.map(loop.getInductionVars(), ivs);
          for (Operation &op : body->without_terminator())
            b.clone(op, asItWas);
          b.setInsertionPointToStart(branch.elseBlock());
          Value first = arith::MulIOp::create(b, loc, ivs[*d], perWarp);
          Value last = arith::SubIOp::create(
              b, loc, rows, arith::ConstantIndexOp::create(b, loc, 1));
          Rows taken;
          for (int64_t t = 0; t < count; ++t) {
            Value row = first, valid;
            if (t > 0) {
              Value next = arith::AddIOp::create(
                  b, loc, first, arith::ConstantIndexOp::create(b, loc, t));
              valid = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                            next, rows);
              row = arith::MinUIOp::create(b, loc, next, last);
            }
            IRMapping &mapping = taken.mappings.emplace_back();
            mapping.map(loop.getInductionVars(), ivs);
            mapping.map(loop.getInductionVars()[*d], row);
            taken.valid.push_back(valid);
          }
          jammer.emit(b, body->without_terminator(), taken);
        });
    jammed->setDiscardableAttrs(loop->getDiscardableAttrDictionary());
    loop.erase();
    loop = jammed;
  }
};

} // namespace
