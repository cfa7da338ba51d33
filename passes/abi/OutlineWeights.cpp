//===- OutlineWeights.cpp - Weights become entry-function arguments -------===//
//
// --llama4-outline-weights: every `llama4.weight_ref` in a function becomes
// an argument of that function, tagged `{llama4.weight = i}` with i the
// weight's index in declaration order; the `llama4.weight` declarations are
// replaced by the module attribute `llama4.weights`, an array of
// {name, type} in the same order, from which the manifest is written. After
// this pass the module is plain func + tensor code that bufferization and
// the LLVM lowering understand; the runtime passes each weight's pointer.
//
//===----------------------------------------------------------------------===//

#include "dialects/llama4/IR/Llama4Dialect.h"
#include "passes/abi/Passes.h"

#include "llvm/ADT/StringMap.h"

namespace llama4c {
#define GEN_PASS_DEF_LLAMA4OUTLINEWEIGHTSPASS
#include "passes/abi/Passes.h.inc"
} // namespace llama4c

using namespace mlir;

namespace {

struct OutlineWeights
    : llama4c::impl::Llama4OutlineWeightsPassBase<OutlineWeights> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    Builder b(ctx);
    llvm::StringMap<unsigned> indexOf;
    SmallVector<Attribute> manifest;
    for (auto weight : llvm::make_early_inc_range(module.getOps<llama4::WeightOp>())) {
      indexOf[weight.getSymName()] = manifest.size();
      manifest.push_back(b.getDictionaryAttr(
          {b.getNamedAttr("name", weight.getSymNameAttr()),
           b.getNamedAttr("type", weight.getTypeAttr())}));
      weight.erase();
    }
    module->setAttr("llama4.weights", b.getArrayAttr(manifest));

    for (auto func : module.getOps<func::FuncOp>()) {
      // One argument per weight the function reads, in manifest order.
      std::map<unsigned, SmallVector<llama4::WeightRefOp>> refsByWeight;
      func.walk([&](llama4::WeightRefOp ref) {
        auto it = indexOf.find(ref.getName());
        if (it == indexOf.end()) {
          ref.emitOpError() << "reads an undeclared weight";
          return signalPassFailure();
        }
        refsByWeight[it->second].push_back(ref);
      });
      for (auto &[index, refs] : refsByWeight) {
        unsigned position = func.getNumArguments();
        if (failed(func.insertArgument(
                position, refs.front().getType(),
                b.getDictionaryAttr(b.getNamedAttr(
                    "llama4.weight", b.getI64IntegerAttr(index))),
                refs.front().getLoc())))
          return signalPassFailure();
        Value argument = func.getArgument(position);
        for (llama4::WeightRefOp ref : refs) {
          ref.replaceAllUsesWith(argument);
          ref.erase();
        }
      }
    }
  }
};

} // namespace
