//===- PrivateTileBuffers.cpp - A tile's buffers in thread-private memory -===//
//
// --llama4-gpu-private-tile-buffers: see Passes.td.
//
//===----------------------------------------------------------------------===//

#include "passes/gpu/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace llama4c {
#define GEN_PASS_DEF_LLAMA4GPUPRIVATETILEBUFFERSPASS
#include "passes/gpu/Passes.h.inc"
} // namespace llama4c

using namespace mlir;

namespace {

/// Whether `buffer`, or a view of it, is yielded by a loop of the tile: a
/// value carried from one iteration to the next.
bool isCarried(Value buffer) {
  for (Operation *user : buffer.getUsers()) {
    if (isa<scf::YieldOp>(user))
      return true;
    if (auto view = dyn_cast<ViewLikeOpInterface>(user))
      if (view.getViewSource() == buffer && isCarried(view->getResult(0)))
        return true;
  }
  return false;
}

struct PrivateTileBuffers
    : llama4c::impl::Llama4GpuPrivateTileBuffersPassBase<PrivateTileBuffers> {
  void runOnOperation() override {
    SmallVector<std::pair<memref::AllocOp, scf::ForallOp>> inTiles;
    getOperation()->walk([&](memref::AllocOp alloc) {
      if (auto tile = alloc->getParentOfType<scf::ForallOp>())
        inTiles.push_back({alloc, tile});
    });
    IRRewriter rewriter(&getContext());
    for (auto [alloc, tile] : inTiles) {
      if (!alloc.getType().hasStaticShape()) {
        alloc.emitOpError("allocates device memory of a dynamic size inside "
                          "a kernel's tile");
        return signalPassFailure();
      }
      bool inLoop = alloc->getParentOp() != tile;
      if (inLoop && isCarried(alloc)) {
        alloc.emitOpError("is carried across the iterations of a loop inside "
                          "a kernel's tile, where it cannot be private");
        return signalPassFailure();
      }
      rewriter.setInsertionPointToStart(tile.getBody());
      auto private_ = memref::AllocaOp::create(rewriter, alloc.getLoc(),
                                               alloc.getType(), ValueRange{},
                                               alloc.getAlignmentAttr());
      rewriter.replaceOp(alloc, private_);
    }
  }
};

} // namespace
