//===- MergeSiblingKernels.cpp - Independent kernels side by side in one
//---===//
//
// The q, k and v projections of a decode step are three kernels of the
// same shape of work (a warp per output) that read the same input and
// write different buffers; so are the RoPE and qk-norm of q and of k, and
// many of a prompt's. One kernel can run both loops' iterations, the first
// loop's then the second's, for one launch instead of two.
//
//===----------------------------------------------------------------------===//

#include "passes/gpu/Passes.h"

#include "dialects/llama4/IR/Llama4Dialect.h"
#include "passes/gpu/KernelLoops.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/SmallPtrSet.h"

namespace llama4c {
#define GEN_PASS_DEF_LLAMA4GPUMERGESIBLINGKERNELSPASS
#include "passes/gpu/Passes.h.inc"
} // namespace llama4c

using namespace mlir;
using llama4c::accessesOf;
using llama4c::BufferAccesses;
using llama4c::independent;
using llama4c::isNormalized;
using llama4c::movesBeforeKernels;
using mlir::llama4::LoweringConfigAttr;

namespace {

/// The iterations of `loop`, counted before `loop`.
Value countOf(scf::ParallelOp loop, RewriterBase &rewriter) {
  Location loc = loop.getLoc();
  rewriter.setInsertionPoint(loop);
  Value total = arith::ConstantIndexOp::create(rewriter, loc, 1);
  for (Value bound : loop.getUpperBound())
    total = arith::MulIOp::create(rewriter, loc, total, bound);
  return total;
}

/// `loop`'s body at the indices linear index `index` unfolds to over its
/// bounds, under `if (from <= index < to)` at `rewriter`'s insertion point
/// (no lower test when `from` is null). Flat branches, no else: the host
/// emulation predicates them (and a launch guard around them) lane by
/// lane.
void addSegment(scf::ParallelOp loop, Value index, Value from, Value to,
                RewriterBase &rewriter) {
  Location loc = loop.getLoc();
  Value inside = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::ult,
                                       index, to);
  if (from)
    inside = arith::AndIOp::create(
        rewriter, loc,
        arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::uge, index,
                              from),
        inside);
  auto segment = scf::IfOp::create(rewriter, loc, TypeRange{}, inside,
                                   /*withElse=*/false);
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPoint(segment.thenBlock()->getTerminator());
  Value local =
      from ? arith::SubIOp::create(rewriter, loc, index, from).getResult()
           : index;
  SmallVector<Value> ivs = {local};
  if (loop.getNumLoops() > 1)
    ivs = affine::AffineDelinearizeIndexOp::create(
              rewriter, loc, local, getAsOpFoldResult(loop.getUpperBound()))
              .getResults();
  IRMapping mapping;
  mapping.map(loop.getInductionVars(), ivs);
  for (Operation &op : loop.getBody()->without_terminator())
    rewriter.clone(op, mapping);
}

/// One loop over `first`'s iterations then `second`'s, placed where
/// `second` is, each body under the branch of its range of the merged
/// index. A `first` merged before (`firstMerged`) keeps its branches.
scf::ParallelOp merge(scf::ParallelOp first, scf::ParallelOp second,
                      bool firstMerged, RewriterBase &rewriter) {
  Location loc = second.getLoc();
  Value firstCount = countOf(first, rewriter);
  Value secondCount = countOf(second, rewriter);
  rewriter.setInsertionPoint(second);
  Value total = arith::AddIOp::create(rewriter, loc, firstCount, secondCount);
  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
  auto merged = scf::ParallelOp::create(rewriter, loc, ValueRange{zero},
                                        ValueRange{total}, ValueRange{one});
  merged->setDiscardableAttrs(first->getDiscardableAttrDictionary());
  Value i = merged.getInductionVars().front();
  rewriter.setInsertionPoint(merged.getBody()->getTerminator());
  if (firstMerged) {
    IRMapping mapping;
    mapping.map(first.getInductionVars().front(), i);
    for (Operation &op : first.getBody()->without_terminator())
      rewriter.clone(op, mapping);
  } else {
    addSegment(first, i, Value(), firstCount, rewriter);
  }
  addSegment(second, i, firstCount, total, rewriter);
  rewriter.eraseOp(first);
  rewriter.eraseOp(second);
  return merged;
}

/// Whether `first` and `second` are kernel loops of one lowering config
/// that count from 0 and reduce nothing (`first` may be `second`).
bool sameShapeOfWork(scf::ParallelOp first, scf::ParallelOp second) {
  auto config = LoweringConfigAttr::ofGpu(first);
  return config && config == LoweringConfigAttr::ofGpu(second) &&
         isNormalized(first) && isNormalized(second) &&
         !first.getNumReductions() && !second.getNumReductions();
}

/// The nearest kernel loop before `loop` in its block that `loop`, whose
/// buffers are `accesses`, can run beside if moved up to it, and the host
/// ops between them that `loop` needs (in block order), which move up
/// with it: every kernel loop from there to `loop` is independent of
/// `loop`, and every other op between computes, allocates or views
/// without touching memory.
std::optional<std::pair<scf::ParallelOp, SmallVector<Operation *>>>
siblingBefore(scf::ParallelOp loop, const BufferAccesses &accesses) {
  llvm::SmallPtrSet<Operation *, 8> needs = {loop};
  SmallVector<Operation *> carried;
  auto needed = [&](Operation *op) {
    return llvm::any_of(op->getUsers(), [&](Operation *user) {
      for (Operation *at = user; at; at = at->getParentOp())
        if (needs.contains(at))
          return true;
      return false;
    });
  };
  for (Operation *op = loop->getPrevNode(); op; op = op->getPrevNode()) {
    if (auto kernel = dyn_cast<scf::ParallelOp>(op)) {
      std::optional<BufferAccesses> other = accessesOf(kernel);
      if (!other || !independent(*other, accesses))
        return std::nullopt;
      if (sameShapeOfWork(kernel, loop))
        return std::make_pair(kernel, llvm::to_vector(llvm::reverse(carried)));
      continue;
    }
    if (!movesBeforeKernels(*op))
      return std::nullopt;
    if (needed(op)) {
      needs.insert(op);
      carried.push_back(op);
    }
  }
  return std::nullopt;
}

struct MergeSiblingKernels
    : llama4c::impl::Llama4GpuMergeSiblingKernelsPassBase<MergeSiblingKernels> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    SmallVector<Block *> blocks;
    getOperation()->walk([&](Block *block) { blocks.push_back(block); });
    // The loops made by merging, whose bodies are branches already.
    DenseSet<Operation *> merged;
    for (Block *block : blocks) {
      SmallVector<scf::ParallelOp> loops;
      for (Operation &op : *block)
        if (auto loop = dyn_cast<scf::ParallelOp>(op))
          loops.push_back(loop);
      for (scf::ParallelOp loop : loops) {
        std::optional<BufferAccesses> accesses = accessesOf(loop);
        if (!accesses || !sameShapeOfWork(loop, loop))
          continue;
        auto sibling = siblingBefore(loop, *accesses);
        if (!sibling)
          continue;
        auto [first, carried] = *sibling;
        // What the loop needs, then the loop, right after its sibling.
        for (Operation *op : carried)
          op->moveBefore(first);
        loop->moveAfter(first);
        bool firstMerged = merged.erase(first);
        merged.insert(merge(first, loop, firstMerged, rewriter));
      }
    }
  }
};

} // namespace
