//===- ParallelDimsFirst.cpp - Parallel loops before reductions -----------===//

#include "passes/gpu/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"

namespace llama4c {
#define GEN_PASS_DEF_LLAMA4GPUPARALLELDIMSFIRSTPASS
#include "passes/gpu/Passes.h.inc"
} // namespace llama4c

using namespace mlir;

namespace {

struct ParallelDimsFirst
    : llama4c::impl::Llama4GpuParallelDimsFirstPassBase<ParallelDimsFirst> {
  void runOnOperation() override {
    SmallVector<linalg::GenericOp> generics;
    getOperation()->walk(
        [&](linalg::GenericOp op) { generics.push_back(op); });
    IRRewriter rewriter(&getContext());
    for (linalg::GenericOp op : generics) {
      // The new order: parallel loops, then the rest, each in its order.
      SmallVector<unsigned> order;
      for (auto [index, type] : llvm::enumerate(op.getIteratorTypesArray()))
        if (type == utils::IteratorType::parallel)
          order.push_back(index);
      for (auto [index, type] : llvm::enumerate(op.getIteratorTypesArray()))
        if (type != utils::IteratorType::parallel)
          order.push_back(index);
      if (llvm::is_sorted(order))
        continue;
      rewriter.setInsertionPoint(op);
      if (failed(linalg::interchangeGenericOp(rewriter, op, order))) {
        op.emitOpError("cannot put its parallel loops first");
        return signalPassFailure();
      }
    }
  }
};

} // namespace
