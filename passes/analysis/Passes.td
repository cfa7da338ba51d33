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

#endif // LLAMA4C_PASSES_ANALYSIS_PASSES_TD
