//===- Passes.td - Code generation for NVIDIA GPUs ------------------------===//

#ifndef LLAMA4C_PASSES_GPU_PASSES_TD
#define LLAMA4C_PASSES_GPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def Llama4GpuHostMetadataToStackPass
    : Pass<"llama4-gpu-host-metadata-to-stack", "::mlir::ModuleOp"> {
  let summary = "Puts the deallocation bookkeeping arrays on the host stack.";
  let description = [{
    In a GPU model every memref.alloc becomes device memory. The lowered
    bufferization.dealloc ops keep small static arrays (the pointers to
    check, their ownership) that only the host reads and writes, through
    the `dealloc_helper` function: those allocations become memref.alloca
    at their function's entry, their memref.dealloc ops go, and the host
    code using them is left on the host.
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
}

def Llama4GpuSinkScatterLoopsPass : Pass<"llama4-gpu-sink-scatter-loops"> {
  let summary = "Moves the host loops of a scatter inside its copy loop.";
  let description = [{
    The KV-cache update is a loop over tokens that reads each token's
    position, picks the cache slot and copies the token's keys into it (an
    scf.parallel): the position is in device memory, and a later token may
    overwrite the slot of an earlier one (a chunked layer's window). Such a
    perfect scf.for nest around a parallel copy into a slice becomes one
    scf.parallel over the copy's elements whose threads each run the token
    loops in order: one kernel, every slot written in token order, nothing
    read on the host.

    ```mlir
    scf.for %b ... { scf.for %s ... {
      %slot = ... memref.load %positions[%b, %s] ...
      scf.parallel (%h, %d) ... { copy one element into the slot } } }
    // becomes
    scf.parallel (%h, %d) ... { scf.for %b ... { scf.for %s ... {
      %slot = ...; copy one element } } }
    ```
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect"];
}

def Llama4GpuLinalgToKernelLoopsPass
    : Pass<"llama4-gpu-linalg-to-kernel-loops"> {
  let summary = "Lowers each configured linalg op to loops that keep its "
                "lowering config.";
  let description = [{
    Runs on buffers after --llama4-select-lowering-config for a GPU target.
    Every linalg op (a `gpu_thread_per_element` config is required, and its
    parallel loops first, as the conversion to linalg orders them) becomes
    an scf.parallel over its parallel loops with its reductions as scf.for
    inside, as --convert-linalg-to-parallel-loops lowers it, and the
    outermost scf.parallel carries the op's `llama4.lowering_config` to
    --llama4-gpu-map-loops-to-blocks. An op without a GPU config is an
    error.

    ```mlir
    linalg.generic {...} ins(%x : memref<?x64xf32>) outs(%y : memref<?x64xf32>)
        {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [128]>}
    // becomes
    scf.parallel (%i, %j) = ... {
      ...
    } {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [128]>}
    ```
  }];
  let dependentDialects = [
    "::mlir::affine::AffineDialect",
    "::mlir::llama4::Llama4Dialect",
    "::mlir::scf::SCFDialect",
  ];
}

def Llama4GpuMapLoopsToBlocksPass : Pass<"llama4-gpu-map-loops-to-blocks"> {
  let summary = "Maps each outermost scf.parallel onto GPU blocks and "
                "threads as its lowering config says.";
  let description = [{
    Runs on buffers after --llama4-gpu-linalg-to-kernel-loops. Every
    outermost scf.parallel, each of which --convert-parallel-loops-to-gpu
    then turns into one kernel launch, carries a `gpu_thread_per_element`
    config: its loops are collapsed into one (the innermost dimension
    varying fastest, so that a warp touches consecutive elements), split
    into blocks of the config's `workgroup_size` threads and mapped to
    block x and thread x; a thread past the end does nothing. Nested
    scf.parallel loops run sequentially inside their thread. A loop
    without a config is an error.

    Host code may only compute sizes and launch: a memref.load or
    memref.store outside an outermost scf.parallel would read device memory
    from the CPU, and is reported as an error at its location.
  }];
  let dependentDialects = [
    "::mlir::affine::AffineDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::scf::SCFDialect",
  ];
}

def Llama4GpuMergeKernelModulesPass
    : Pass<"llama4-gpu-merge-kernel-modules", "::mlir::ModuleOp"> {
  let options = [
    Option<"moduleName", "module-name", "std::string",
           /*default=*/"\"llama4c_kernels\"",
           "Name of the one gpu.module">,
  ];
  let summary = "Moves every kernel into one gpu.module.";
  let description = [{
    --gpu-kernel-outlining makes one gpu.module per kernel. Merged, the
    model's kernels are compiled by one NVPTX run (libdevice is linked
    once), give one PTX text to embed, validate and load, and the runtime
    loads one CUDA module. Symbols defined by several modules (a constant
    table that several kernels read) are kept once when identical and
    renamed otherwise; every gpu.launch_func is pointed at the merged
    module.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

def Llama4GpuEmulateOnHostPass
    : Pass<"llama4-gpu-emulate-on-host", "::mlir::ModuleOp"> {
  let summary = "Turns the GPU kernels into host code that runs them.";
  let description = [{
    Runs after kernel outlining, on the kernels NVVM would compile. Each
    gpu.func kernel becomes a private func.func taking the launch's grid
    and block sizes, its dynamic shared memory bytes and the kernel's
    arguments; each gpu.launch_func becomes a call, and the gpu.modules go.
    Inside, the blocks are an scf.parallel (OpenMP splits it between host
    threads) and each block's threads are sequential scf.for loops, split
    at every gpu.barrier so that all threads finish one part before any
    starts the next:

    ```mlir
    %v = ...; gpu.barrier; use %v
    // becomes, in the block loop:
    %buf = memref.alloc(%threads)
    scf.for %t = 0 to %threads { %v = ...; memref.store %v, %buf[%t] }
    scf.for %t = 0 to %threads { %w = memref.load %buf[%t]; use %w }
    ```

    A value crossing a barrier is recomputed where it is pure and
    thread-uniform, else kept per thread; scf.for and scf.if containing a
    barrier run once per block (CUDA needs them uniform), their carried
    values and results kept per thread. Warp shuffles (and subgroup
    reductions, lowered to shuffles first) become a store, a barrier and a
    load from the source lane that shfl.sync would pick, with its clamp and
    validity. Shared memory is a buffer per block; every memref loses its
    GPU address space.

    Not emulated, and reported at the op: barriers inside other region ops,
    thread-dependent control flow around a barrier, private attributions,
    asynchronous launches, device functions.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::func::FuncDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
  ];
}

#endif // LLAMA4C_PASSES_GPU_PASSES_TD
