//===- MergeKernelModules.cpp - One gpu.module for every kernel -----------===//

#include "passes/gpu/Passes.h"

#include "mlir/IR/OperationSupport.h"
#include "mlir/IR/SymbolTable.h"

namespace llama4c {
#define GEN_PASS_DEF_LLAMA4GPUMERGEKERNELMODULESPASS
#include "passes/gpu/Passes.h.inc"
} // namespace llama4c

using namespace mlir;

namespace {

struct MergeKernelModules
    : llama4c::impl::Llama4GpuMergeKernelModulesPassBase<MergeKernelModules> {
  using Llama4GpuMergeKernelModulesPassBase::
      Llama4GpuMergeKernelModulesPassBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto kernelModules =
        llvm::to_vector(module.getBody()->getOps<gpu::GPUModuleOp>());
    if (kernelModules.empty())
      return;
    OpBuilder builder(kernelModules.front());
    auto merged =
        gpu::GPUModuleOp::create(builder, module.getLoc(), moduleName);
    SymbolTable mergedSymbols(merged);
    // Outlining makes module names unique, not the kernel names inside
    // them: each kernel is renamed after its module.
    DenseMap<std::pair<StringAttr, StringAttr>, StringAttr> kernelNames;
    for (gpu::GPUModuleOp source : kernelModules) {
      SymbolTable sourceSymbols(source);
      for (auto kernel :
           llvm::to_vector(source.getBody()->getOps<gpu::GPUFuncOp>())) {
        if (!kernel.isKernel())
          continue;
        kernelNames[{source.getNameAttr(), kernel.getNameAttr()}] =
            source.getNameAttr();
        if (kernel.getNameAttr() != source.getNameAttr() &&
            failed(sourceSymbols.rename(kernel, source.getNameAttr()))) {
          kernel.emitOpError("cannot be renamed to merge the kernel modules");
          return signalPassFailure();
        }
      }
    }
    for (gpu::GPUModuleOp source : kernelModules) {
      // First settle clashes with what is merged already, renaming inside
      // this module (where every use of its symbols is), then move.
      SymbolTable sourceSymbols(source);
      SmallVector<Operation *> duplicates;
      for (Operation &op : source.getBody()->without_terminator()) {
        Operation *existing =
            mergedSymbols.lookup(SymbolTable::getSymbolName(&op));
        if (!existing)
          continue;
        if (OperationEquivalence::isEquivalentTo(
                existing, &op, OperationEquivalence::Flags::IgnoreLocations)) {
          duplicates.push_back(&op);
          continue;
        }
        StringAttr fresh = StringAttr::get(
            &getContext(), SymbolTable::getSymbolName(&op).getValue() + "_" +
                               source.getName());
        if (failed(sourceSymbols.rename(&op, fresh))) {
          op.emitOpError("cannot be renamed to merge the kernel modules");
          return signalPassFailure();
        }
      }
      for (Operation *op : duplicates)
        op->erase();
      for (Operation &op :
           llvm::make_early_inc_range(source.getBody()->without_terminator())) {
        op.remove();
        mergedSymbols.insert(&op);
      }
      if (ArrayAttr targets = source.getTargetsAttr())
        merged.setTargetsAttr(targets);
    }
    module.walk([&](gpu::LaunchFuncOp launch) {
      StringAttr kernel = kernelNames.lookup(
          {launch.getKernelModuleName(), launch.getKernelName()});
      launch.setKernelAttr(SymbolRefAttr::get(
          merged.getNameAttr(), {FlatSymbolRefAttr::get(kernel)}));
    });
    for (gpu::GPUModuleOp source : kernelModules)
      source.erase();
  }
};

} // namespace
