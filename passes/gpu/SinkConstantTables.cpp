//===- SinkConstantTables.cpp - Constant tables into their kernels --------===//

#include "passes/gpu/Passes.h"

#include "mlir/Dialect/GPU/Utils/GPUUtils.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/SetVector.h"

namespace llama4c {
#define GEN_PASS_DEF_LLAMA4GPUSINKCONSTANTTABLESPASS
#include "passes/gpu/Passes.h.inc"
} // namespace llama4c

using namespace mlir;

namespace {

struct SinkConstantTables
    : llama4c::impl::Llama4GpuSinkConstantTablesPassBase<SinkConstantTables> {
  void runOnOperation() override {
    SymbolTableCollection symbols;
    auto isTable = [&](Operation *op) { return isa<memref::GetGlobalOp>(op); };
    SetVector<memref::GetGlobalOp> sunk;
    WalkResult result = getOperation()->walk([&](gpu::LaunchOp launch) {
      // The globals the body reads through values defined above it.
      bool mutableGlobal = false;
      visitUsedValuesDefinedAbove(launch.getBody(), [&](OpOperand *use) {
        auto table = use->get().getDefiningOp<memref::GetGlobalOp>();
        if (!table)
          return;
        auto global = symbols.lookupNearestSymbolFrom<memref::GlobalOp>(
            table, table.getNameAttr());
        if (global && global.getConstant()) {
          sunk.insert(table);
          return;
        }
        table.emitOpError("is a mutable global read by a GPU kernel");
        mutableGlobal = true;
      });
      if (mutableGlobal || failed(sinkOperationsIntoLaunchOp(launch, isTable)))
        return WalkResult::interrupt();
      return WalkResult::advance();
    });
    // The host's own reads stay; what only kernels read goes.
    for (memref::GetGlobalOp table : sunk)
      if (table->use_empty())
        table.erase();
    if (result.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace
