//===- PrivateTileBuffers.cpp - A tile's buffers in thread-private memory -===//
//
// --llama4-gpu-private-tile-buffers: see Passes.td.
//
//===----------------------------------------------------------------------===//

#include "passes/gpu/Passes.h"

#include "mlir/IR/PatternMatch.h"

namespace llama4c {
#define GEN_PASS_DEF_LLAMA4GPUPRIVATETILEBUFFERSPASS
#include "passes/gpu/Passes.h.inc"
} // namespace llama4c

using namespace mlir;

namespace {

struct PrivateTileBuffers
    : llama4c::impl::Llama4GpuPrivateTileBuffersPassBase<PrivateTileBuffers> {
  void runOnOperation() override {
    SmallVector<memref::AllocOp> inTiles;
    getOperation()->walk([&](memref::AllocOp alloc) {
      if (alloc->getParentOfType<scf::ForallOp>())
        inTiles.push_back(alloc);
    });
    IRRewriter rewriter(&getContext());
    for (memref::AllocOp alloc : inTiles) {
      if (!alloc.getType().hasStaticShape()) {
        alloc.emitOpError("allocates device memory of a dynamic size inside "
                          "a kernel's tile");
        return signalPassFailure();
      }
      rewriter.setInsertionPoint(alloc);
      rewriter.replaceOpWithNewOp<memref::AllocaOp>(
          alloc, alloc.getType(), ValueRange{}, alloc.getAlignmentAttr());
    }
  }
};

} // namespace
