//===- Pipeline.cpp - The order of llama4c's passes -----------------------===//
//
// The only place pass order is written down. Each step says why it is
// there; `llama4-opt --llama4-frontend-pipeline` and
// `--llama4-cpu-pipeline` run the same lists for lit tests.
//
//===----------------------------------------------------------------------===//

#include "compiler/Pipeline.h"

#include "passes/abi/Passes.h"
#include "passes/conversion/Passes.h"
#include "passes/cpu/Passes.h"
#include "passes/gpu/Passes.h"
#include "passes/strategy/Passes.h"
#include "passes/verify/Passes.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVMPass.h"
#include "mlir/Conversion/GPUCommon/GPUCommonPass.h"
#include "mlir/Conversion/GPUToNVVM/GPUToNVVMPass.h"
#include "mlir/Conversion/IndexToLLVM/IndexToLLVM.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MathToLibm/MathToLibm.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/OpenMPToLLVM/ConvertOpenMPToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Conversion/SCFToGPU/SCFToGPUPass.h"
#include "mlir/Conversion/SCFToOpenMP/SCFToOpenMP.h"
#include "mlir/Conversion/UBToLLVM/UBToLLVM.h"
#include "mlir/Conversion/VectorToLLVM/ConvertVectorToLLVMPass.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
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

/// How each linalg op becomes code on `target`: the one pass that
/// decides, recording a #llama4.lowering_config on every op (that has none
/// yet) for the code generation passes to carry out. The CPU's register
/// tiles are made of `cpu`'s vectors (null: the pass's defaults).
static void addSelectLoweringConfig(OpPassManager &pm,
                                    const TileSchedule &schedule, Target target,
                                    const HostCpu *cpu = nullptr) {
  Llama4SelectLoweringConfigPassOptions select;
  select.target = targetName(target).str();
  if (cpu) {
    select.cpuVectorLanes = cpu->vectorLanes;
    select.cpuBf16Pairs = cpu->bf16Pairs;
  }
  select.cpuWeightBlockBytes = schedule.cpuWeightBlockBytes;
  select.gpuBlockThreads = schedule.gpuBlockThreads;
  select.gpuWarpRows = schedule.gpuWarpRows;
  select.gpuWarpColumns = schedule.gpuWarpColumns;
  select.gpuExpertRows = schedule.gpuExpertRows;
  select.gpuLaneAccumulators = schedule.gpuLaneAccumulators;
  select.gpuSplitKDepth = schedule.gpuSplitKDepth;
  pm.addPass(createLlama4SelectLoweringConfigPass(select));
}

/// The verified module -> buffers, with the exported entry points: what
/// code generation for `target` starts from.
static void buildBufferPipeline(OpPassManager &pm, const TileSchedule &schedule,
                                Target target) {
  bool gpu = target != Target::Cpu;
  // 1. Model blocks become linalg on tensors, computing in f32 and rounding
  //    where transformers rounds. MoE tokens reach their experts as the
  //    target can run it: grouped per expert on the CPU, each token
  //    reading its own experts inside the kernel on a GPU (no host loop
  //    over data in device memory).
  Llama4ConvertToLinalgPassOptions toLinalg;
  toLinalg.attentionKeyBlock = schedule.attentionKeyBlock;
  toLinalg.moeDispatch = !schedule.moeDispatch.empty() ? schedule.moeDispatch
                         : gpu                         ? "per-token"
                                                       : "grouped";
  pm.addPass(createLlama4ConvertToLinalgPass(toLinalg));
  // 2. Weights become entry-function arguments (the manifest keeps their
  //    names); residual adds become linalg maps.
  pm.addPass(createLlama4OutlineWeightsPass());
  pm.addPass(createConvertElementwiseToLinalgPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // 3. A GPU's kernels are tiled on tensors: each root op one element per
  //    thread or warp (attention one query per warp), with the producers that
  //    only it reads fused in, after the sums with too few outputs to fill
  //    the GPU are split into partial sums, and a decode step's attention
  //    into splits of its keys; a decode step's kernels that compute the
  //    new keys and values store them into the cache too. Then attention's
  //    online softmax is expanded, per tile on a GPU, per KV head on the
  //    CPU.
  if (gpu) {
    addSelectLoweringConfig(pm, schedule, target);
    Llama4GpuSplitReductionPassOptions split;
    split.attentionSplitKeys = schedule.gpuAttentionSplitKeys;
    pm.addPass(createLlama4GpuSplitReductionPass(split));
    // The ops that combine attention's splits are configured like any.
    addSelectLoweringConfig(pm, schedule, target);
    pm.addPass(createLlama4GpuTileAndFusePass());
    pm.addPass(createLlama4GpuFuseCacheWritesPass());
  }
  Llama4DecomposeOnlineAttentionPassOptions attention;
  attention.teamMultiplyAdds = schedule.cpuTeamMultiplyAdds;
  attention.queryBlock = schedule.cpuAttentionQueryBlock;
  pm.addPass(createLlama4DecomposeOnlineAttentionPass(attention));
  // A warp's query combines its lanes' softmaxes by subgroup reductions,
  // which become shuffles now: buffer deallocation takes no op of unknown
  // memory effects.
  // Each GPU output keeps the buffer of its own that tile-and-fuse gave
  // it: as allocations, CSE does not merge two empty inits of one shape,
  // which bufferization would put in one buffer, a false dependency
  // between their kernels that keeps --llama4-gpu-merge-sibling-kernels
  // from running them side by side.
  if (gpu) {
    pm.addPass(createLlama4GpuLowerSubgroupReductionsPass());
    pm.addPass(bufferization::createEmptyTensorToAllocTensorPass());
  }
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // 4. Tensors become buffers; entry functions take identity-layout
  //    memrefs so that the runtime can hand in plain pointers. The caches
  //    are updated in place; canonicalisation exposes that, so that their
  //    results fold to the arguments. The online softmax's key-block loops
  //    carry fresh running maxima and sums from one block to the next. A
  //    GPU tile's intermediates stay in the thread.
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.allowReturnAllocsFromLoops = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  pm.addPass(createCanonicalizerPass());
  // A GPU tile's buffers go thread-private; CSE merges the two views of
  // its output slot that bufferization makes, so that canonicalisation
  // drops the copy between them.
  if (gpu) {
    pm.addPass(createLlama4GpuPrivateTileBuffersPass());
    pm.addPass(createCSEPass());
    pm.addPass(createCanonicalizerPass());
  }
  // 5. The exported C ABI (abi.h) around the entry functions, then drop the
  //    cache results that alias their arguments, and free every temporary.
  //    Nothing but the ABI is exported.
  pm.addPass(createLlama4EmitEntryPointsPass());
  pm.addPass(bufferization::createDropEquivalentBufferResultsPass());
  bufferization::buildBufferDeallocationPipeline(pm);
  pm.addPass(createLlama4HideInternalFunctionsPass());
}

/// Loops on buffers -> LLVM dialect for the host, loops marked parallel
/// split between threads by OpenMP.
static void buildHostCodePipeline(OpPassManager &pm) {
  // The exported function that starts OpenMP's threads at load time.
  pm.addPass(createLlama4EmitStartThreadsPass());
  pm.addPass(createConvertSCFToOpenMPPass());
  // The OpenMP conversion wraps each loop body in a memref.alloca_scope,
  // whose single-block region the lowering to control flow would break;
  // no loop body allocates on the stack (the emulated kernels' per-block
  // buffers are heap allocations), so canonicalisation inlines the scopes.
  pm.addPass(createCanonicalizerPass());
  // Each thread's share of a loop on threads is computed in its region,
  // not by libomp's worksharing entry (its cost: the pass's description).
  pm.addPass(createLlama4InlineStaticSchedulePass());
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
  // The bf16 pair tiles' vdpbf16ps (x86vector.avx512.dot).
  vectorToLLVM.x86Vector = true;
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

/// The verified module -> LLVM dialect for the host CPU `cpu` (null: the
/// selection pass's defaults).
static void buildCpuLoweringPipeline(OpPassManager &pm,
                                     const TileSchedule &schedule,
                                     const HostCpu *cpu = nullptr) {
  buildBufferPipeline(pm, schedule, Target::Cpu);
  // Attention's loop over KV heads, where it runs on threads, is an
  // scf.forall, which the OpenMP lowering takes as a parallel loop.
  pm.addPass(createForallToParallelLoopPass());
  // 6. Each op's lowering config, then loops and LLVM. The products
  //    configured as register tiles become vector loops, their outer loop
  //    split between threads by OpenMP where the config distributes it;
  //    the distributed other ops (norms, RoPE, activations, softmaxes)
  //    become OpenMP loops that take the threads when a call's sizes make
  //    it worth waking them; copies become loops too, so that the model
  //    needs nothing beyond libc, libm and libomp.
  addSelectLoweringConfig(pm, schedule, Target::Cpu, cpu);
  Llama4TileContractionsPassOptions tiles;
  tiles.teamMultiplyAdds = schedule.cpuTeamMultiplyAdds;
  pm.addPass(createLlama4TileContractionsPass(tiles));
  pm.addPass(createLlama4DistributeLoopsPass());
  buildHostCodePipeline(pm);
}

/// The verified module -> host code launching GPU kernels (gpu.launch_func
/// of the kernels in one gpu.module) for `target`: what the GPU build and
/// its host emulation share.
static void buildGpuKernelsPipeline(OpPassManager &pm,
                                    const TileSchedule &schedule,
                                    Target target) {
  buildBufferPipeline(pm, schedule, target);
  // 6. The copies bufferization added are configured too. Every tile loop,
  //    and every linalg op outside one, becomes one scf.parallel (a tile's
  //    ops, and an op's reductions, run inside each thread), collapsed and
  //    split into blocks of the threads its config names: one kernel
  //    launch each, independent neighbours of one config sharing one;
  //    a warp of nn.Linear takes several tokens' rows, sharing W's loads;
  //    a decode query's split attention is combined by its last split.
  //    Host code keeps only sizes, allocations, loops of
  //    launches and the deallocation bookkeeping (on its stack); the
  //    KV-cache scatter's token loops move into its kernel; constants and
  //    index arithmetic move into the kernels that use them (LLVM sees
  //    static loop bounds and promotes a tile's one-element buffers to
  //    registers), as do constant tables (a kernel cannot read the host's
  //    copy). Short loops that load unroll, their loads in flight together,
  //    and those indexing a thread's own buffer, so that it stays in
  //    registers. A decode step's kernels in a row of one block size run
  //    as the phases of one launch (at most 128 registers a thread).
  //    A warp's reduction across its lanes becomes shuffles.
  pm.addPass(createLlama4CopiesToLinalgPass());
  addSelectLoweringConfig(pm, schedule, target);
  pm.addPass(createLlama4GpuLinalgToKernelLoopsPass());
  pm.addPass(createLlama4GpuJamTokenRowsPass());
  pm.addPass(createLlama4GpuHostMetadataToStackPass());
  pm.addPass(createLlama4GpuSinkScatterLoopsPass());
  pm.addPass(createLlama4GpuCombineInLastSplitPass());
  pm.addPass(createLlama4GpuMergeSiblingKernelsPass());
  pm.addPass(createLlama4GpuMapLoopsToBlocksPass());
  pm.addPass(createConvertParallelLoopToGpuPass());
  pm.addPass(createGpuLaunchSinkIndexComputationsPass());
  pm.addPass(createLlama4GpuSinkConstantTablesPass());
  pm.addPass(createLlama4GpuUnrollLoadLoopsPass());
  pm.addPass(createLlama4GpuUnrollPrivateLoopsPass());
  Llama4GpuChainLaunchesPassOptions chain;
  chain.entry = schedule.gpuChainedEntry;
  pm.addPass(createLlama4GpuChainLaunchesPass(chain));
  pm.addPass(createGpuKernelOutliningPass());
  pm.addPass(createLlama4GpuBoundChainedRegistersPass());
  pm.addPass(createLlama4GpuMergeKernelModulesPass());
  pm.addPass(createLlama4GpuLowerSubgroupReductionsPass());
}

void llama4c::buildGpuBinaryPipeline(OpPassManager &pm, Target target) {
  llvm::StringRef chip = targetName(target);
  // 7. bf16 arithmetic runs in f32; conversions stay bf16, which sm_80 and
  //    later round to nearest even in one instruction.
  arith::ArithEmulateUnsupportedFloatsOptions emulate;
  emulate.sourceTypeStrs = {"bf16"};
  emulate.targetTypeStr = "f32";
  pm.addPass(arith::createArithEmulateUnsupportedFloats(emulate));
  // 8. Kernels to NVVM, then PTX (libdevice supplies exp, erf, ...). PTX
  //    8.0 is the first to know sm_90 and is read by every CUDA 12+ driver.
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  GpuNVVMAttachTargetOptions nvvm;
  nvvm.chip = chip.str();
  nvvm.features = "+ptx80";
  nvvm.optLevel = 3;
  pm.addPass(createGpuNVVMAttachTarget(nvvm));
  pm.addPass(createLowerAffinePass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  OpPassManager &kernels = pm.nest<gpu::GPUModuleOp>();
  // A warp's 16-byte loads keep their alignment: ld.global.v4.
  kernels.addPass(createConvertVectorToLLVMPass());
  kernels.addPass(createConvertGpuOpsToNVVMOps());
  kernels.addPass(createCanonicalizerPass());
  kernels.addPass(createCSEPass());
  kernels.addPass(createReconcileUnrealizedCastsPass());
  // 9. Host allocations call _mlir_memref_to_llvm_alloc/free, which the
  //    runtime binds to device memory, as it binds the launches (mgpu*).
  FinalizeMemRefToLLVMConversionPassOptions memrefs;
  memrefs.useGenericFunctions = true;
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefs));
  pm.addPass(createGpuToLLVMConversionPass());
  GpuModuleToBinaryPassOptions binary;
  binary.compilationTarget = "isa";
  binary.toolkitPath = LLAMA4C_CUDA_TOOLKIT;
  pm.addPass(createGpuModuleToBinaryPass(binary));
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createUBToLLVMConversionPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}

/// The GPU build's kernels, compiled for the host CPU instead of NVPTX:
/// each runs its blocks on OpenMP threads and its threads as loops split
/// at barriers (--llama4-gpu-emulate-on-host), behind the same C ABI.
static void buildGpuEmulationPipeline(OpPassManager &pm,
                                      const TileSchedule &schedule,
                                      Target target) {
  buildGpuKernelsPipeline(pm, schedule, target);
  pm.addPass(createLlama4GpuEmulateOnHostPass());
  buildHostCodePipeline(pm);
}

/// The verified module -> LLVM dialect for the host, which launches
/// kernels that LLVM's NVPTX backend compiled to PTX for `target`
/// (embedded as a gpu.binary).
static void buildGpuLoweringPipeline(OpPassManager &pm,
                                     const TileSchedule &schedule,
                                     Target target) {
  buildGpuKernelsPipeline(pm, schedule, target);
  buildGpuBinaryPipeline(pm, target);
}

void llama4c::buildLlama4Pipeline(OpPassManager &pm,
                                  const CompileOptions &options,
                                  const TileSchedule &schedule,
                                  const HostCpu &cpu) {
  buildFrontendPipeline(pm);
  if (options.emit == Phase::Llama4)
    return;
  if (options.emit == Phase::Report)
    buildGpuKernelsPipeline(pm, schedule, options.target);
  else if (options.target == Target::Cpu)
    buildCpuLoweringPipeline(pm, schedule, &cpu);
  else if (options.emulate)
    buildGpuEmulationPipeline(pm, schedule, options.target);
  else
    buildGpuLoweringPipeline(pm, schedule, options.target);
}

namespace {
/// A tile schedule as the options of a registered pipeline, named as in
/// the YAML files, each default TileSchedule's.
struct TileScheduleOptions : PassPipelineOptions<TileScheduleOptions> {
  Option<int64_t> attentionKeyBlock{
      *this, schedule_keys::attentionKeyBlock,
      llvm::cl::desc("Keys per block of attention's online softmax"),
      llvm::cl::init(TileSchedule().attentionKeyBlock)};
  Option<int64_t> cpuAttentionQueryBlock{
      *this, schedule_keys::cpuAttentionQueryBlock,
      llvm::cl::desc("Most queries of a KV head that attend at once on the "
                     "CPU"),
      llvm::cl::init(TileSchedule().cpuAttentionQueryBlock)};
  Option<int64_t> cpuWeightBlockBytes{
      *this, schedule_keys::cpuWeightBlockBytes,
      llvm::cl::desc("Bytes of weight rows per block of a CPU matmul"),
      llvm::cl::init(TileSchedule().cpuWeightBlockBytes)};
  Option<int64_t> cpuTeamMultiplyAdds{
      *this, schedule_keys::cpuTeamMultiplyAdds,
      llvm::cl::desc("Fewest multiply-adds of a parallel region that the CPU "
                     "threads share"),
      llvm::cl::init(TileSchedule().cpuTeamMultiplyAdds)};
  Option<int64_t> gpuBlockThreads{
      *this, schedule_keys::gpuBlockThreads,
      llvm::cl::desc("Threads per block of every GPU kernel but a decode "
                     "step's attention (one warp)"),
      llvm::cl::init(TileSchedule().gpuBlockThreads)};
  Option<int64_t> gpuWarpRows{
      *this, schedule_keys::gpuWarpRows,
      llvm::cl::desc("Rows of x a GPU warp takes at once in nn.Linear's "
                     "product, sharing each load of W"),
      llvm::cl::init(TileSchedule().gpuWarpRows)};
  Option<int64_t> gpuWarpColumns{
      *this, schedule_keys::gpuWarpColumns,
      llvm::cl::desc("Rows of W a GPU warp takes at once in nn.Linear's "
                     "product, sharing each load of x"),
      llvm::cl::init(TileSchedule().gpuWarpColumns)};
  Option<int64_t> gpuExpertRows{
      *this, schedule_keys::gpuExpertRows,
      llvm::cl::desc("Rows of x grouped in a GPU routed expert's product, "
                     "rows choosing one expert sharing each load of W"),
      llvm::cl::init(TileSchedule().gpuExpertRows)};
  Option<int64_t> gpuLaneAccumulators{
      *this, schedule_keys::gpuLaneAccumulators,
      llvm::cl::desc("Floats of a decode step's query group's accumulators a "
                     "GPU lane holds at most (lanes split each key's head "
                     "dims until they fit)"),
      llvm::cl::init(TileSchedule().gpuLaneAccumulators)};
  Option<int64_t> gpuSplitKDepth{
      *this, schedule_keys::gpuSplitKDepth,
      llvm::cl::desc("Fewest reduction steps a thread keeps when a GPU "
                     "product splits its reduction (0: no split)"),
      llvm::cl::init(TileSchedule().gpuSplitKDepth)};
  Option<int64_t> gpuAttentionSplitKeys{
      *this, schedule_keys::gpuAttentionSplitKeys,
      llvm::cl::desc("Fewest keys a split of a GPU decode step's attention "
                     "takes"),
      llvm::cl::init(TileSchedule().gpuAttentionSplitKeys)};
  Option<std::string> gpuChainedEntry{
      *this, schedule_keys::gpuChainedEntry,
      llvm::cl::desc("Host entry point whose GPU launches chain into one "
                     "launch where they can (empty: none)"),
      llvm::cl::init(TileSchedule().gpuChainedEntry)};
  Option<std::string> moeDispatch{
      *this, schedule_keys::moeDispatch,
      llvm::cl::desc("grouped or per-token; empty for the target's own"),
      llvm::cl::init(TileSchedule().moeDispatch)};

  TileSchedule schedule() const {
    TileSchedule schedule;
    schedule.attentionKeyBlock = attentionKeyBlock;
    schedule.cpuAttentionQueryBlock = cpuAttentionQueryBlock;
    schedule.cpuWeightBlockBytes = cpuWeightBlockBytes;
    schedule.cpuTeamMultiplyAdds = cpuTeamMultiplyAdds;
    schedule.gpuBlockThreads = gpuBlockThreads;
    schedule.gpuWarpRows = gpuWarpRows;
    schedule.gpuWarpColumns = gpuWarpColumns;
    schedule.gpuExpertRows = gpuExpertRows;
    schedule.gpuLaneAccumulators = gpuLaneAccumulators;
    schedule.gpuSplitKDepth = gpuSplitKDepth;
    schedule.gpuAttentionSplitKeys = gpuAttentionSplitKeys;
    schedule.gpuChainedEntry = gpuChainedEntry;
    schedule.moeDispatch = moeDispatch;
    return schedule;
  }
};
} // namespace

void llama4c::registerLlama4Pipelines() {
  PassPipelineRegistration<>(
      "llama4-frontend-pipeline",
      "The passes that run on a freshly built llama4 module (--emit mlir)",
      buildFrontendPipeline);
  PassPipelineRegistration<TileScheduleOptions>(
      "llama4-cpu-pipeline",
      "The frontend pipeline, then the lowering to LLVM for the host CPU",
      [](OpPassManager &pm, const TileScheduleOptions &options) {
        buildFrontendPipeline(pm);
        buildCpuLoweringPipeline(pm, options.schedule());
      });
  PassPipelineRegistration<TileScheduleOptions>(
      "llama4-gpu-pipeline",
      "The frontend pipeline, then the lowering to host LLVM launching "
      "sm_90 kernels",
      [](OpPassManager &pm, const TileScheduleOptions &options) {
        buildFrontendPipeline(pm);
        buildGpuLoweringPipeline(pm, options.schedule(), Target::Sm90);
      });
  PassPipelineRegistration<TileScheduleOptions>(
      "llama4-gpu-emulation-pipeline",
      "The frontend pipeline, then the GPU kernels lowered to host loops "
      "(--emulate)",
      [](OpPassManager &pm, const TileScheduleOptions &options) {
        buildFrontendPipeline(pm);
        buildGpuEmulationPipeline(pm, options.schedule(), Target::Sm90);
      });
}
