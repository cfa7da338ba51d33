//===- Llama4Attrs.td - Attributes of the llama4 dialect ------------------===//

#ifndef LLAMA4_ATTRS_TD
#define LLAMA4_ATTRS_TD

include "mlir/IR/AttrTypeBase.td"
include "dialects/llama4/IR/Llama4Dialect.td"

// A double-precision parameter written as a plain float literal.
def Llama4_F64Parameter : APFloatParameter<"64-bit float"> {
  let parser = [{ [&]() -> ::mlir::FailureOr<::llvm::APFloat> {
    double value;
    if (::mlir::failed($_parser.parseFloat(value)))
      return ::mlir::failure();
    return ::llvm::APFloat(value);
  }() }];
  let printer = [{ $_printer << $_self.convertToDouble() }];
}

class Llama4_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<Llama4_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

def Llama4_Llama3RopeScalingAttr : Llama4_Attr<"Llama3RopeScaling", "llama3_rope_scaling"> {
  let summary = "llama3 frequency scaling of RoPE";
  let description = [{
    The `rope_scaling` dict of a Llama 4 text config with rope_type llama3
    (transformers' `_compute_llama3_parameters`): inverse frequencies whose
    wavelength exceeds `original_max_position_embeddings / low_freq_factor`
    are divided by `factor`, those below `.../high_freq_factor` are kept,
    and the band between is blended. `low_freq_factor == high_freq_factor`
    (Scout Instruct) is valid: the blend is then selected nowhere.

    ```mlir
    #llama4.llama3_rope_scaling<factor = 1.600000e+01, low_freq_factor = 1.000000e+00,
        high_freq_factor = 1.000000e+00, original_max_position_embeddings = 8192>
    ```
  }];
  let parameters = (ins Llama4_F64Parameter:$factor,
                        Llama4_F64Parameter:$low_freq_factor,
                        Llama4_F64Parameter:$high_freq_factor,
                        "int64_t":$original_max_position_embeddings);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def Llama4_TemperatureTuningAttr : Llama4_Attr<"TemperatureTuning", "temperature_tuning"> {
  let summary = "attention temperature tuning of NoPE layers";
  let description = [{
    Queries of a NoPE layer are scaled by
    `1 + attn_scale * log(1 + floor((position + 1) / floor_scale))`, computed
    in f32 from the absolute cache position, before the scores.

    ```mlir
    #llama4.temperature_tuning<floor_scale = 8192, attn_scale = 1.000000e-01>
    ```
  }];
  let parameters = (ins "int64_t":$floor_scale, Llama4_F64Parameter:$attn_scale);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

#endif // LLAMA4_ATTRS_TD
