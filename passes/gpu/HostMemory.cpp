//===- HostMemory.cpp - Which buffers live where --------------------------===//

#include "passes/gpu/HostMemory.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

using namespace mlir;

bool llama4c::isHostMemory(Value memref) {
  while (auto cast = memref.getDefiningOp<memref::CastOp>())
    memref = cast.getSource();
  if (memref.getDefiningOp<memref::AllocaOp>())
    return true;
  auto arg = dyn_cast<BlockArgument>(memref);
  if (!arg)
    return false;
  auto function = dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp());
  if (!function || !function.isPrivate() ||
      arg.getOwner() != &function.getBody().front())
    return false;
  std::optional<SymbolTable::UseRange> uses =
      SymbolTable::getSymbolUses(function, function->getParentOp());
  if (!uses || uses->empty())
    return false;
  for (const SymbolTable::SymbolUse &use : *uses) {
    auto call = dyn_cast<func::CallOp>(use.getUser());
    if (!call || !isHostMemory(call.getOperand(arg.getArgNumber())))
      return false;
  }
  return true;
}

Value llama4c::bufferOf(Value memref) {
  while (auto view = memref.getDefiningOp<ViewLikeOpInterface>())
    memref = view.getViewSource();
  return memref;
}

bool llama4c::isThreadPrivate(Value memref) {
  return bool(bufferOf(memref).getDefiningOp<memref::AllocaOp>());
}

void llama4c::moveStaticBuffersToEntry(gpu::LaunchOp launch) {
  Block &entry = launch.getBody().front();
  SmallVector<memref::AllocaOp> buffers;
  launch.walk([&](memref::AllocaOp buffer) {
    if (buffer->getBlock() != &entry && buffer->getNumOperands() == 0)
      buffers.push_back(buffer);
  });
  for (memref::AllocaOp buffer : buffers)
    buffer->moveBefore(&entry.front());
}

bool llama4c::readsDeviceMemoryOnHost(Operation *op) {
  WalkResult result = op->walk<WalkOrder::PreOrder>([](Operation *inner) {
    if (isa<scf::ParallelOp>(inner))
      return WalkResult::skip();
    Value memref;
    if (auto load = dyn_cast<memref::LoadOp>(inner))
      memref = load.getMemRef();
    else if (auto store = dyn_cast<memref::StoreOp>(inner))
      memref = store.getMemRef();
    if (memref && !isHostMemory(memref))
      return WalkResult::interrupt();
    return WalkResult::advance();
  });
  return result.wasInterrupted();
}
