//===- TeamLoop.cpp - Parallel loops on the OpenMP team, when worth it ----===//

#include "passes/cpu/TeamLoop.h"

#include "mlir/Dialect/OpenMP/OpenMPDialect.h"

using namespace mlir;

namespace llama4c {

void lowerToOpenMP(RewriterBase &rewriter, scf::ParallelOp loop,
                   Value onTeam) {
  Location loc = loop.getLoc();
  int64_t shared = sharedDims(loop.getNumLoops());
  rewriter.setInsertionPoint(loop);
  omp::ParallelOperands parallelClauses;
  parallelClauses.ifExpr = onTeam;
  auto region = omp::ParallelOp::create(rewriter, loc, parallelClauses);
  rewriter.createBlock(&region.getRegion());
  auto worksharing = omp::WsloopOp::create(rewriter, loc);
  omp::TerminatorOp::create(rewriter, loc);
  rewriter.createBlock(&worksharing.getRegion());
  omp::LoopNestOperands bounds;
  bounds.collapseNumLoops = rewriter.getI64IntegerAttr(shared);
  bounds.loopLowerBounds = loop.getLowerBound().take_front(shared);
  bounds.loopUpperBounds = loop.getUpperBound().take_front(shared);
  bounds.loopSteps = loop.getStep().take_front(shared);
  auto nest = omp::LoopNestOp::create(rewriter, loc, bounds);
  Block *nestBody = rewriter.createBlock(
      &nest.getRegion(), {}, SmallVector<Type>(shared, rewriter.getIndexType()),
      SmallVector<Location>(shared, loc));
  Operation *end = omp::YieldOp::create(rewriter, loc);
  SmallVector<Value> indices(nestBody->getArguments());
  if (shared < loop.getNumLoops()) {
    rewriter.setInsertionPoint(end);
    auto inner =
        scf::ForOp::create(rewriter, loc, loop.getLowerBound().back(),
                           loop.getUpperBound().back(), loop.getStep().back());
    indices.push_back(inner.getInductionVar());
    end = inner.getBody()->getTerminator();
  }
  rewriter.eraseOp(loop.getBody()->getTerminator());
  rewriter.inlineBlockBefore(loop.getBody(), end, indices);
  rewriter.eraseOp(loop);
}

} // namespace llama4c
