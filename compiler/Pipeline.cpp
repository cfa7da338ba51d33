//===- Pipeline.cpp - The order of llama4c's passes -----------------------===//

#include "compiler/Pipeline.h"

#include "passes/verify/Passes.h"

#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace llama4c;

void llama4c::buildLlama4Pipeline(OpPassManager &pm,
                                  const CompileOptions &options) {
  // 1. Check what every later pass and the runtime assume of the module:
  //    each weight read, entry points present, caches threaded through.
  pm.addPass(createLlama4VerifyModelPass());
  // 2. One weight_ref per weight and one index constant per value in each
  //    entry function: the builder emits them at every use.
  pm.addPass(createCSEPass());
  // Lowering to linalg, the CPU and NVPTX backends and packaging append
  // their passes here, each up to the phase `options.emit` asks for.
}

void llama4c::registerLlama4Pipelines() {
  PassPipelineRegistration<>(
      "llama4-frontend-pipeline",
      "The passes that run on a freshly built llama4 module (--emit mlir)",
      [](OpPassManager &pm) {
        CompileOptions options;
        options.emit = Phase::Llama4;
        buildLlama4Pipeline(pm, options);
      });
}
