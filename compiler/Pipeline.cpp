//===- Pipeline.cpp - The order of llama4c's passes -----------------------===//
//
// The only place pass order is written down. Each step says why it is
// there; `llama4-opt --llama4-frontend-pipeline` and
// `--llama4-cpu-pipeline` run the same lists for lit tests.
//
//===----------------------------------------------------------------------===//

#include "compiler/Pipeline.h"

#include "passes/cpu/Passes.h"
#include "passes/lowering/Passes.h"
#include "passes/verify/Passes.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVMPass.h"
#include "mlir/Conversion/IndexToLLVM/IndexToLLVM.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MathToLibm/MathToLibm.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/OpenMPToLLVM/ConvertOpenMPToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToOpenMP/SCFToOpenMP.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Conversion/UBToLLVM/UBToLLVM.h"
#include "mlir/Conversion/VectorToLLVM/ConvertVectorToLLVMPass.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace llama4c;

/// The verified llama4 module, as --emit mlir prints it.
static void buildFrontendPipeline(OpPassManager &pm) {
  // 1. Check what every later pass and the runtime assume of the module:
  //    each weight read, entry points present, caches threaded through.
  pm.addPass(createLlama4VerifyModelPass());
  // 2. One weight_ref per weight and one index constant per value in each
  //    entry function: the builder emits them at every use.
  pm.addPass(createCSEPass());
}

/// The verified module -> LLVM dialect for the host CPU.
static void buildCpuLoweringPipeline(OpPassManager &pm,
                                     const TileSchedule &schedule) {
  // 1. Model blocks become linalg on tensors, computing in f32 and rounding
  //    where transformers rounds.
  Llama4ConvertToLinalgPassOptions toLinalg;
  toLinalg.attentionKeyBlock = schedule.attentionKeyBlock;
  toLinalg.moeDispatch =
      schedule.moeDispatch.empty() ? "grouped" : schedule.moeDispatch;
  pm.addPass(createLlama4ConvertToLinalgPass(toLinalg));
  // 2. Weights become entry-function arguments (the manifest keeps their
  //    names); residual adds become linalg maps.
  pm.addPass(createLlama4OutlineWeightsPass());
  pm.addPass(createConvertElementwiseToLinalgPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // 3. Tensors become buffers; entry functions take identity-layout
  //    memrefs so that the runtime can hand in plain pointers. The caches
  //    are updated in place; canonicalisation exposes that, so that their
  //    results fold to the arguments. The online softmax's key-block loops
  //    carry fresh running maxima and sums from one block to the next.
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.allowReturnAllocsFromLoops = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  pm.addPass(createCanonicalizerPass());
  // 4. The exported C ABI (abi.h) around the entry functions, then drop the
  //    cache results that alias their arguments, and free every temporary.
  //    Nothing but the ABI is exported.
  pm.addPass(createLlama4EmitEntryPointsPass());
  pm.addPass(bufferization::createDropEquivalentBufferResultsPass());
  bufferization::buildBufferDeallocationPipeline(pm);
  pm.addPass(createLlama4HideInternalFunctionsPass());
  // 5. Loops, then LLVM. The matmuls become register-tiled vector loops,
  //    their outer loop split between threads by OpenMP; copies become
  //    loops too, so that the model needs nothing beyond libc, libm and
  //    libomp.
  Llama4TileContractionsPassOptions tiles;
  tiles.weightBlockBytes = schedule.cpuWeightBlockBytes;
  tiles.parallelWeightBytes = schedule.cpuParallelWeightBytes;
  pm.addPass(createLlama4TileContractionsPass(tiles));
  pm.addPass(createConvertSCFToOpenMPPass());
  // The OpenMP conversion wraps each loop body in a memref.alloca_scope,
  // whose single-block region the lowering to control flow would break;
  // the tiles allocate nothing, so canonicalisation inlines the scopes.
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createLlama4CopiesToLinalgPass());
  pm.addPass(createConvertLinalgToLoopsPass());
  // Subviews and reshapes become explicit offset and stride arithmetic
  // (affine.apply), lowered with the loops' own affine maps.
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  // bf16 arithmetic runs in f32, and f32 <-> bf16 conversions become
  // integer code (round to nearest even): LLVM would otherwise call
  // __truncsfbf2, which Debian 12's libgcc lacks.
  arith::ArithEmulateUnsupportedFloatsOptions emulate;
  emulate.sourceTypeStrs = {"bf16"};
  emulate.targetTypeStr = "f32";
  pm.addPass(arith::createArithEmulateUnsupportedFloats(emulate));
  arith::ArithExpandOpsPassOptions expand;
  expand.includeBf16 = true;
  pm.addPass(arith::createArithExpandOpsPass(expand));
  // Reductions of the register tiles' partial sums may reassociate: the
  // tiles already sum k in 8 interleaved parts.
  ConvertVectorToLLVMPassOptions vectorToLLVM;
  vectorToLLVM.reassociateFPReductions = true;
  pm.addPass(createConvertVectorToLLVMPass(vectorToLLVM));
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertOpenMPToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createUBToLLVMConversionPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}

void llama4c::buildLlama4Pipeline(OpPassManager &pm,
                                  const CompileOptions &options,
                                  const TileSchedule &schedule) {
  buildFrontendPipeline(pm);
  if (options.emit == Phase::Llama4)
    return;
  buildCpuLoweringPipeline(pm, schedule);
}

void llama4c::registerLlama4Pipelines() {
  PassPipelineRegistration<>(
      "llama4-frontend-pipeline",
      "The passes that run on a freshly built llama4 module (--emit mlir)",
      buildFrontendPipeline);
  PassPipelineRegistration<>(
      "llama4-cpu-pipeline",
      "The frontend pipeline, then the lowering to LLVM for the host CPU",
      [](OpPassManager &pm) {
        buildFrontendPipeline(pm);
        buildCpuLoweringPipeline(pm, TileSchedule());
      });
}
