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

#endif // LLAMA4_ENUMS_TD
