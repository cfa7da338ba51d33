//===- VerifyModel.cpp - The module-level contract of a model -------------===//
//
// --llama4-verify-model: see Passes.td for the three rules. Runs first in
// every pipeline, before anything lowers the llama4 ops.
//
//===----------------------------------------------------------------------===//

#include "passes/verify/Passes.h"

#include "dialects/llama4/IR/Llama4Dialect.h"

#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringSet.h"

namespace llama4c {
#define GEN_PASS_DEF_LLAMA4VERIFYMODELPASS
#include "passes/verify/Passes.h.inc"
} // namespace llama4c

using namespace mlir;

namespace {

/// Rule 1: every declared weight is read.
LogicalResult verifyWeightsAreRead(ModuleOp module) {
  llvm::StringSet<> read;
  module.walk([&](llama4::WeightRefOp ref) { read.insert(ref.getName()); });
  for (auto weight : module.getOps<llama4::WeightOp>())
    if (!read.contains(weight.getSymName()))
      return weight.emitOpError()
             << "'" << weight.getSymName()
             << "' is declared but never read: the runtime would demand a "
                "checkpoint tensor the model does not use";
  return success();
}

/// Rule 3 for one entry function.
LogicalResult verifyCacheThreading(func::FuncOp func) {
  FunctionType type = func.getFunctionType();
  if (type.getNumResults() < 2)
    return func.emitOpError()
           << "entry function must return the logits and their greedy "
              "tokens first";
  SmallVector<unsigned> cacheArgs;
  llvm::DenseSet<std::pair<int64_t, StringRef>> seen;
  for (unsigned i = 0, e = func.getNumArguments(); i < e; ++i) {
    auto tag =
        func.getArgAttrOfType<DictionaryAttr>(i, llama4::kKvCacheAttrName);
    if (!tag)
      continue;
    auto layer = tag.getAs<IntegerAttr>("layer");
    auto kind = tag.getAs<StringAttr>("kind");
    if (!layer || !kind ||
        !llvm::is_contained({"key", "value", "key_scales", "value_scales"},
                            kind.getValue()))
      return func.emitOpError()
             << "argument " << i << ": " << llama4::kKvCacheAttrName
             << " must name an integer 'layer' and a 'kind' of \"key\", "
                "\"value\", \"key_scales\" or \"value_scales\", got "
             << tag;
    if (!seen.insert({layer.getInt(), kind.getValue()}).second)
      return func.emitOpError()
             << "argument " << i << " repeats the " << kind.getValue()
             << " cache of layer " << layer.getInt();
    cacheArgs.push_back(i);
  }
  constexpr unsigned kFirstCache = 2; // after the logits and greedy tokens
  if (cacheArgs.size() + kFirstCache != type.getNumResults())
    return func.emitOpError()
           << "returns " << type.getNumResults() << " results, expected the "
           << "logits, their greedy tokens and one updated cache per cache "
              "argument ("
           << cacheArgs.size() + kFirstCache << ")";
  for (auto [result, arg] : llvm::enumerate(cacheArgs))
    if (type.getResult(result + kFirstCache) != type.getInput(arg))
      return func.emitOpError()
             << "result " << result + kFirstCache << " has type "
             << type.getResult(result + kFirstCache)
             << " but returns cache argument " << arg << " of type "
             << type.getInput(arg);
  return success();
}

struct VerifyModel
    : llama4c::impl::Llama4VerifyModelPassBase<VerifyModel> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (failed(verifyWeightsAreRead(module)))
      return signalPassFailure();
    for (StringRef name : {"prefill", "decode"}) {
      auto func = module.lookupSymbol<func::FuncOp>(name);
      if (!func || func.isExternal() || !func.isPublic()) {
        module.emitError() << "model has no public '" << name
                           << "' entry function";
        return signalPassFailure();
      }
      if (failed(verifyCacheThreading(func)))
        return signalPassFailure();
    }
  }
};

} // namespace
