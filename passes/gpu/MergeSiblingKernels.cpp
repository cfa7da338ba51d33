//===- MergeSiblingKernels.cpp - Independent kernels side by side in one
//---===//
//
// A decode step's RoPE and qk-norm of q and of k are two kernels of the
// same shape of work (a thread per element) that read different buffers
// and write others; so are many of a prompt's. One kernel can run both
// loops' iterations, the first loop's then the second's, for one launch
// instead of two.
//
//===----------------------------------------------------------------------===//

#include "passes/gpu/Passes.h"

#include "dialects/llama4/IR/Llama4Dialect.h"
#include "passes/gpu/HostMemory.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "llvm/ADT/SmallPtrSet.h"

namespace llama4c {
#define GEN_PASS_DEF_LLAMA4GPUMERGESIBLINGKERNELSPASS
#include "passes/gpu/Passes.h.inc"
} // namespace llama4c

using namespace mlir;
using mlir::llama4::LoweringConfigAttr;

namespace {

/// The buffers a kernel loop reads and writes (allocations and arguments;
/// its threads' own arrays left out), or nothing if an op's effects are
/// not known.
struct Accesses {
  llvm::SmallPtrSet<void *, 8> reads, writes;
};

std::optional<Accesses> accessesOf(scf::ParallelOp loop) {
  Accesses accesses;
  WalkResult result = loop.getBody()->walk([&](Operation *op) {
    if (op->hasTrait<OpTrait::HasRecursiveMemoryEffects>())
      return WalkResult::advance();
    auto effects = dyn_cast<MemoryEffectOpInterface>(op);
    if (!effects)
      return isMemoryEffectFree(op) ? WalkResult::advance()
                                    : WalkResult::interrupt();
    SmallVector<MemoryEffects::EffectInstance> instances;
    effects.getEffects(instances);
    for (const MemoryEffects::EffectInstance &effect : instances) {
      if (isa<MemoryEffects::Allocate, MemoryEffects::Free>(effect.getEffect()))
        continue;
      Value memref = effect.getValue();
      if (!memref)
        return WalkResult::interrupt();
      if (llama4c::isThreadPrivate(memref))
        continue;
      void *buffer = llama4c::bufferOf(memref).getAsOpaquePointer();
      if (isa<MemoryEffects::Write>(effect.getEffect()))
        accesses.writes.insert(buffer);
      else
        accesses.reads.insert(buffer);
    }
    return WalkResult::advance();
  });
  if (result.wasInterrupted())
    return std::nullopt;
  return accesses;
}

/// Whether `a`, then `b`, may run in either order or side by side: neither
/// writes a buffer the other reads or writes. Distinct buffers do not
/// overlap: allocations are, and a layer function's arguments are distinct
/// buffers (the entry points pass each weight, cache and activation once).
bool independent(const Accesses &a, const Accesses &b) {
  auto meets = [](const llvm::SmallPtrSet<void *, 8> &written,
                  const llvm::SmallPtrSet<void *, 8> &other) {
    return llvm::any_of(written,
                        [&](void *buffer) { return other.contains(buffer); });
  };
  return !meets(a.writes, b.reads) && !meets(a.writes, b.writes) &&
         !meets(b.writes, a.reads);
}

/// Whether the host may run `op` before a kernel it comes after: it
/// allocates, views or computes without touching memory.
bool movesBeforeKernels(Operation &op) {
  return isa<memref::AllocOp, ViewLikeOpInterface, memref::DimOp>(op) ||
         (op.getNumRegions() == 0 && isMemoryEffectFree(&op));
}

/// Whether `loop` counts from 0 by steps of 1 in every dimension.
bool isNormalized(scf::ParallelOp loop) {
  return llvm::all_of(loop.getLowerBound(),
                      [](Value b) { return isConstantIntValue(b, 0); }) &&
         llvm::all_of(loop.getStep(),
                      [](Value s) { return isConstantIntValue(s, 1); });
}

/// One loop over `first`'s iterations then `second`'s, placed where
/// `second` is: iteration i runs `first`'s body at the indices i unfolds to
/// over `first`'s bounds, or `second`'s at i minus `first`'s count.
scf::ParallelOp merge(scf::ParallelOp first, scf::ParallelOp second,
                      RewriterBase &rewriter) {
  Location loc = second.getLoc();
  rewriter.setInsertionPoint(second);
  auto count = [&](scf::ParallelOp loop) {
    Value total = arith::ConstantIndexOp::create(rewriter, loc, 1);
    for (Value bound : loop.getUpperBound())
      total = arith::MulIOp::create(rewriter, loc, total, bound);
    return total;
  };
  Value firstCount = count(first);
  Value total = arith::AddIOp::create(rewriter, loc, firstCount, count(second));
  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
  auto merged = scf::ParallelOp::create(rewriter, loc, ValueRange{zero},
                                        ValueRange{total}, ValueRange{one});
  merged->setDiscardableAttrs(first->getDiscardableAttrDictionary());

  // `loop`'s body at linear index `index`, before `block`'s terminator.
  auto inlineAt = [&](scf::ParallelOp loop, Value index, Block *block) {
    rewriter.setInsertionPoint(block->getTerminator());
    SmallVector<Value> ivs = {index};
    if (loop.getNumLoops() > 1) {
      SmallVector<OpFoldResult> basis = getAsOpFoldResult(loop.getUpperBound());
      ivs =
          affine::AffineDelinearizeIndexOp::create(rewriter, loc, index, basis)
              .getResults();
    }
    IRMapping mapping;
    mapping.map(loop.getInductionVars(), ivs);
    for (Operation &op : loop.getBody()->without_terminator())
      rewriter.clone(op, mapping);
  };
  Value i = merged.getInductionVars().front();
  rewriter.setInsertionPointToStart(merged.getBody());
  Value inFirst = arith::CmpIOp::create(
      rewriter, loc, arith::CmpIPredicate::ult, i, firstCount);
  auto branch =
      scf::IfOp::create(rewriter, loc, TypeRange{}, inFirst, /*withElse=*/true);
  inlineAt(first, i, branch.thenBlock());
  rewriter.setInsertionPointToStart(branch.elseBlock());
  Value j = arith::SubIOp::create(rewriter, loc, i, firstCount);
  inlineAt(second, j, branch.elseBlock());
  rewriter.eraseOp(first);
  rewriter.eraseOp(second);
  return merged;
}

struct MergeSiblingKernels
    : llama4c::impl::Llama4GpuMergeSiblingKernelsPassBase<MergeSiblingKernels> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    SmallVector<Block *> blocks;
    getOperation()->walk([&](Block *block) { blocks.push_back(block); });
    for (Block *block : blocks) {
      scf::ParallelOp previous;
      for (Operation &op : llvm::make_early_inc_range(*block)) {
        auto loop = dyn_cast<scf::ParallelOp>(op);
        if (!loop) {
          if (!movesBeforeKernels(op))
            previous = nullptr;
          continue;
        }
        if (previous && mergeable(previous, loop)) {
          previous = merge(previous, loop, rewriter);
          continue;
        }
        previous = loop;
      }
    }
  }

  /// Two kernel loops of one lowering config, counting from 0, whose
  /// buffers keep them apart, neither exchanging values between a warp's
  /// lanes: the host emulation (--llama4-gpu-emulate-on-host) predicates
  /// one branch that depends on the thread around a shuffle, not the
  /// launch guard's and the merged loop's nested.
  static bool mergeable(scf::ParallelOp first, scf::ParallelOp second) {
    auto exchangesLanes = [](scf::ParallelOp loop) {
      return loop
          ->walk([](Operation *op) {
            return isa<gpu::SubgroupReduceOp, gpu::ShuffleOp>(op)
                       ? WalkResult::interrupt()
                       : WalkResult::advance();
          })
          .wasInterrupted();
    };
    auto config = LoweringConfigAttr::ofGpu(first);
    if (!config || config != LoweringConfigAttr::ofGpu(second) ||
        exchangesLanes(first) || exchangesLanes(second) ||
        !isNormalized(first) || !isNormalized(second) ||
        first.getNumReductions() || second.getNumReductions())
      return false;
    std::optional<Accesses> a = accessesOf(first), b = accessesOf(second);
    return a && b && independent(*a, *b);
  }
};

} // namespace
