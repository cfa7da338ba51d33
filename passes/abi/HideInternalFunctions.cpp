//===- HideInternalFunctions.cpp - Internal linkage for private functions -===//
//
// --llama4-hide-internal-functions: see Passes.td. func-to-llvm gives a
// private func.func external linkage unless told otherwise, which would
// export every layer function (and the deallocation pipeline's
// dealloc_helper) from the model's shared object.
//
//===----------------------------------------------------------------------===//

#include "passes/abi/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace llama4c {
#define GEN_PASS_DEF_LLAMA4HIDEINTERNALFUNCTIONSPASS
#include "passes/abi/Passes.h.inc"
} // namespace llama4c

using namespace mlir;

namespace {

struct HideInternalFunctions
    : llama4c::impl::Llama4HideInternalFunctionsPassBase<
          HideInternalFunctions> {
  void runOnOperation() override {
    auto internal =
        LLVM::LinkageAttr::get(&getContext(), LLVM::Linkage::Internal);
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (func.isPrivate() && !func.isExternal())
        func->setAttr("llvm.linkage", internal);
  }
};

} // namespace
