//===- Passes.td - Choosing how each op becomes a kernel ------------------===//

#ifndef LLAMA4C_PASSES_STRATEGY_PASSES_TD
#define LLAMA4C_PASSES_STRATEGY_PASSES_TD

include "mlir/Pass/PassBase.td"

def Llama4SelectLoweringConfigPass : Pass<"llama4-select-lowering-config"> {
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"cpu\"",
           "The target whose kernels are configured: cpu, sm_80 or sm_90">,
    Option<"cpuVectorLanes", "cpu-vector-lanes", "int64_t", /*default=*/"8",
           "f32 lanes of the CPU's vector registers (8: AVX2, 16: AVX-512), "
           "which its register tiles are made of">,
    Option<"cpuBf16Pairs", "cpu-bf16-pairs", "bool", /*default=*/"false",
           "The CPU multiplies pairs of bf16 into each f32 lane in one "
           "instruction (AVX512_BF16's vdpbf16ps)">,
    Option<"cpuWeightBlockBytes", "cpu-weight-block-bytes", "int64_t",
           /*default=*/"131072",
           "Bytes of W rows that every row of x passes over before the next "
           "block: well inside an L2, and small enough that a layer's "
           "weights make blocks for every thread">,
    Option<"gpuBlockThreads", "gpu-block-threads", "int64_t",
           /*default=*/"256",
           "Threads per block of every GPU kernel but a decode step's "
           "attention, one warp a block (a multiple of 32 from 32 to 1024)">,
    Option<"gpuWarpRows", "gpu-warp-rows", "int64_t", /*default=*/"8",
           "Rows of x (tokens, when their number is dynamic) a warp takes at "
           "once in nn.Linear's x * W^T, sharing each load of W between "
           "them: a decode step of 8 rows reads W once, not 8 times (1 "
           "takes one row; a launch of one row runs a one-row path)">,
    Option<"gpuWarpColumns", "gpu-warp-columns", "int64_t", /*default=*/"2",
           "Columns of the output (rows of W) a warp takes at once in "
           "nn.Linear's x * W^T, sharing each load of x between them: with "
           "8 rows of x, a lane loads 8 vectors of x per vector of W, which "
           "L1 bounds, and per 2 vectors of W it loads the same 8 (1 takes "
           "one column)">,
    Option<"gpuExpertRows", "gpu-expert-rows", "int64_t", /*default=*/"8",
           "Rows of x (tokens, when their number is dynamic) grouped in a "
           "routed expert's x * W: the first row of a group choosing an "
           "expert reads its weights once for every row of the group that "
           "chose it (1 groups none)">,
    Option<"gpuLaneAccumulators", "gpu-lane-accumulators", "int64_t",
           /*default=*/"128",
           "Floats of a decode step's query group's accumulators (the G "
           "query heads of a KV head, d head dims each) a lane of its warp "
           "holds at most: the fewest lanes side by side, a power of two "
           "dividing d, take each key's head dims until G * d / lanes "
           "fits (Scout's 5 x 128: 8 lanes, 80 floats)">,
    Option<"gpuSplitKDepth", "gpu-split-k-depth", "int64_t",
           /*default=*/"256",
           "Fewest reduction steps a thread keeps when a thread-per-element "
           "product splits its reduction between threads (split-K): each "
           "split adds a partial sum per output to write and read again, "
           "1/depth of the product's reads per reduction step kept "
           "(0 splits nothing)">,
  ];
  let summary = "Writes each kernel op's #llama4.lowering_config for a target.";
  let description = [{
    The one place where the lowering decides how an op becomes code on a
    target; the code generation passes after it only carry the decision
    out. Every linalg op and `llama4.online_attention` without one gets a
    `llama4.lowering_config` attribute:

    - **cpu**: a `linalg.contract` computing `x * W` in f32 with contiguous
      rows becomes `cpu_dot_tiles` for nn.Linear's W [out, in] (register
      tile [4, 2, 8] with 8 lanes: 4 rows of x by 2 rows of W by 8 lanes
      of k; [6, 4, 16] with 16, whose 32 registers hold three times the
      accumulators; rows of W in blocks of `cpu-weight-block-bytes`;
      `cpu_bf16_dot_tiles`, the same tiles whose steps take pairs of k,
      where x and W are both bf16 and `cpu-bf16-pairs` is set), or
      `cpu_outer_product_tiles` for the experts' W [in, out] (register tile
      [4, 2 × lanes, lanes]: 4 rows of x by two vectors of a W row;
      512-column chunks when one row streams over W;
      `cpu_bf16_outer_product_tiles`, the same, where x and W are both
      bf16 and `cpu-bf16-pairs` is set). Either is
      split between threads (`distribute`; the code generation decides,
      from the call's sizes, whether its work pays for waking them). Every
      other op is `cpu_loops`,
      distributed (for --llama4-distribute-loops) when its parallel dims
      come first and it is not inside a loop already split between
      threads (attention's KV heads); products inside one are not split
      either.
    - **sm_80, sm_90**: `gpu-block-threads` threads per block, and
      `gpu_warp_per_element` for nn.Linear's `x * W^T` (W [out, in]: a warp
      reads a row of W along k, its lanes splitting k; register tile
      [m, n]: a warp takes m = `gpu-warp-rows` rows of x where they run
      along a dynamic dimension (1 otherwise) and n = `gpu-warp-columns`
      rows of W, for --llama4-gpu-jam-token-rows) and for online
      attention with one query per row (a decode step: a warp per KV
      head's queries and split of its keys, workgroup tile [1, 1, 0, 0]
      of (b, h, g, s), so that the G query heads of a KV head read its
      keys and values once; its lanes splitting the split's keys, and
      each key's head dims between the fewest lanes that keep G * d /
      lanes accumulators within `gpu-lane-accumulators`, register tile
      [d / lanes]; one warp a block so that the warps spread over the SMs;
      `split_k` the most splits up to 16 whose one-warp blocks the SMs
      hold at once, for --llama4-gpu-split-reduction to make); every
      other op, and attention over a
      prompt (a thread per query: a warp's queries read each key
      together), is `gpu_thread_per_element`. A product named
      `llama4.gathered_product` (a routed expert's `x * W`, a
      `linalg.generic` summing over one loop into a zero fill) whose
      outputs are fewer than the GPU holds threads gets `split_k`, the
      largest power of two that divides its depth, leaves each thread at
      least `gpu-split-k-depth` steps and keeps the threads within what
      the GPU holds (dynamic sizes, a batch, counted as one: sized for a
      decode step).

    The CPU's configs are chosen on buffers, where its tiles are made and
    rows are known to be contiguous. A GPU's are chosen on tensors, before
    --llama4-gpu-split-reduction, again for the ops that combine
    attention's splits, and again after bufferization for the copies it
    adds.

    ```mlir
    linalg.contract indexing_maps = [...] ins(%x, %w : memref<?x64xf32>, memref<1024x64xf32>) ...
    // becomes, for target=cpu
    linalg.contract indexing_maps = [...] ins(...) outs(...)
        {llama4.lowering_config = #llama4.lowering_config<pipeline = cpu_dot_tiles,
            workgroup_tile = [0, 512, 0], register_tile = [4, 2, 8],
            distribute = true>}
    ```
  }];
  let dependentDialects = ["::mlir::llama4::Llama4Dialect"];
}

#endif // LLAMA4C_PASSES_STRATEGY_PASSES_TD
