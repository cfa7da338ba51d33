//===- Llama4Enums.td - Enumerations of the llama4 dialect ----------------===//

#ifndef LLAMA4_ENUMS_TD
#define LLAMA4_ENUMS_TD

include "mlir/IR/EnumAttr.td"
include "dialects/llama4/IR/Llama4Dialect.td"

// The gate activation of the SwiGLU MLPs and experts. Real Llama 4
// checkpoints use silu; Hugging Face's tiny test configs use exact-erf gelu.
def Llama4_Activation : I32EnumAttr<"Activation", "gated MLP activation", [
    I32EnumAttrCase<"silu", 0>,
    I32EnumAttrCase<"gelu", 1>]> {
  let cppNamespace = "::mlir::llama4";
  let genSpecializedAttr = 0;
}

def Llama4_ActivationAttr : EnumAttr<Llama4_Dialect, Llama4_Activation, "activation"> {
  let assemblyFormat = "`<` $value `>`";
}

// The kernel template a root op of the lowering becomes on its target,
// chosen by --llama4-select-lowering-config (#llama4.lowering_config).
def Llama4_LoweringPipeline : I32EnumAttr<"LoweringPipeline",
                                          "the kernel template of a root op", [
    // Plain loops; OpenMP splits those marked parallel (CPU).
    I32EnumAttrCase<"cpu_loops", 0>,
    // x * W with W [out, in]: register tiles of dot products along k (CPU).
    I32EnumAttrCase<"cpu_dot_tiles", 1>,
    // x * W with W [in, out]: register tiles of outer products along n (CPU).
    I32EnumAttrCase<"cpu_outer_product_tiles", 2>,
    // All parallel loops collapsed, one thread per output element,
    // reductions inside the thread (GPU).
    I32EnumAttrCase<"gpu_thread_per_element", 3>,
    // All parallel loops collapsed, one warp per output element: the one
    // reduction loop split across its 32 lanes, their partial sums added
    // by a subgroup reduction (GPU).
    I32EnumAttrCase<"gpu_warp_per_element", 4>,
    // x * W with x and W in bf16, W [out, in]: dot-product register tiles
    // whose every step multiplies pairs of k into each f32 lane
    // (AVX512_BF16's vdpbf16ps) (CPU).
    I32EnumAttrCase<"cpu_bf16_dot_tiles", 5>,
    // x * W with x and W in bf16, W [in, out]: outer-product register
    // tiles whose every step multiplies two rows of W, interleaved, by a
    // pair of x (vdpbf16ps) (CPU).
    I32EnumAttrCase<"cpu_bf16_outer_product_tiles", 6>]> {
  let cppNamespace = "::mlir::llama4";
  let genSpecializedAttr = 0;
}

#endif // LLAMA4_ENUMS_TD
