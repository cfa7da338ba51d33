//===- Passes.td - Passes that report on a llama4 module ------------------===//

#ifndef LLAMA4C_PASSES_ANALYSIS_PASSES_TD
#define LLAMA4C_PASSES_ANALYSIS_PASSES_TD

include "mlir/Pass/PassBase.td"

def Llama4DescribeModelPass : Pass<"llama4-describe-model", "::mlir::ModuleOp"> {
  let summary = "Prints what each layer of the compiled model computes.";
  let description = [{
    Reads the structure of the `prefill` function back from the IR, not from
    the config, and prints one line per decoder layer to standard output:
    chunked or global attention, RoPE (with its scaling) or NoPE, qk-norm,
    temperature tuning, and a MoE or dense feed-forward; then the vision
    tower and the weight totals. The IR is left unchanged.

    ```
    text decoder: 48 layers, 40 query heads, 8 KV heads, head dim 128
      layer 0: chunked attention (chunk 8192), rope (theta 500000, llama3 x16), qk_norm | moe (16 experts, top-1, shared expert)
      layer 3: global attention, nope, temperature tuning (floor 8192, scale 0.1) | moe (16 experts, top-1, shared expert)
    vision tower: 34 layers, 577 tokens per tile, 16 heads, head dim 88, 144 features per tile
    weights: 1133 tensors, 108641793536 parameters, 217283587072 bytes
    ```

    It is how lit tests check that a config became the intended model, and
    how a user can see it.
  }];
}

def Llama4PrintLaunchTracePass
    : Pass<"llama4-print-launch-trace", "::mlir::ModuleOp"> {
  let summary = "Prints the kernel launches of a host function and what "
                "each kernel's warps read and write.";
  let description = [{
    Runs after kernel outlining (gpu.launch_func of gpu.func kernels). The
    function `entry` is interpreted on sizes alone, every dynamic dimension
    of its memref arguments being `size` (LaunchTrace.h), and one line per
    kernel goes to standard output:

    ```
    kernels_scale: 2 launches, 512 threads, 2048 bytes read, 2048 written, 4096 L1, 512 flops
    ```

    Bytes read and written are the 32-byte sectors of global memory a warp
    touches, once per run of an innermost loop; L1 bytes count them per
    warp instruction. It is what `llama4c --emit report` predicts from, and
    how lit tests pin that model. The IR is left unchanged.
  }];
  let options = [
    Option<"entry", "entry", "std::string", /*default=*/"\"prefill\"",
           "The host function to interpret">,
    Option<"size", "size", "int64_t", /*default=*/"1",
           "The size of every dynamic dimension of its arguments">,
    Option<"positions", "positions", "int64_t", /*default=*/"-1",
           "The argument holding the positions [B, S] of a prefill (element "
           "e is e mod size), whose loads are then known; -1 for none">,
  ];
  let dependentDialects = ["::mlir::func::FuncDialect"];
}

#endif // LLAMA4C_PASSES_ANALYSIS_PASSES_TD
