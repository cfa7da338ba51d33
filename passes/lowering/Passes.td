//===- Passes.td - Target-independent lowering of the llama4 dialect ------===//

#ifndef LLAMA4C_PASSES_LOWERING_PASSES_TD
#define LLAMA4C_PASSES_LOWERING_PASSES_TD

include "mlir/Pass/PassBase.td"

def Llama4ConvertToLinalgPass : Pass<"llama4-convert-to-linalg"> {
  let options = [
    Option<"attentionKeyBlock", "attention-key-block", "int64_t",
           /*default=*/"128",
           "Keys per block of attention's online softmax">,
    Option<"moeDispatch", "moe-dispatch", "std::string",
           /*default=*/"\"grouped\"",
           "How MoE tokens reach their experts: grouped (each expert "
           "multiplies its tokens as one matrix; CPU) or per-token (each "
           "token reads its experts' weights; GPU, no host loop)">,
  ];
  let summary = "Rewrites llama4 ops into linalg, tensor, arith and math ops.";
  let description = [{
    Each llama4 op becomes linalg.generic ops on tensors that compute in f32
    and round to the activation type exactly where transformers rounds
    (see the comment of each lowering), so that bf16 models match bf16
    Hugging Face and f32 models match f32.

    Every op of the dialect except `weight` and `weight_ref`, which
    --llama4-outline-weights turns into arguments, is lowered: the text
    decoder's and the vision tower's, the projector and the scatter of
    image features.

    ```mlir
    %y = llama4.rms_norm %x, %w {eps = 1.0e-05 : f64}
        : (tensor<?x64xf32>, tensor<64xf32>) -> tensor<?x64xf32>
    // becomes a sum-of-squares reduction and a normalising map:
    %ss = linalg.generic {iterator_types = ["parallel", "reduction"]} ...
    %y = linalg.generic {iterator_types = ["parallel", "parallel"]} ...
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def Llama4OutlineWeightsPass : Pass<"llama4-outline-weights", "::mlir::ModuleOp"> {
  let summary = "Turns weight symbols into entry-function arguments.";
  let description = [{
    Each `llama4.weight_ref` becomes an argument of its function tagged
    `{llama4.weight = i}`, i being the weight's position among the module's
    `llama4.weight` declarations; the declarations are replaced by the
    module attribute `llama4.weights = [{name, type}, ...]` in that order,
    which the packaging step writes into the manifest.

    ```mlir
    llama4.weight @model.norm.weight : tensor<64xf32>
    func.func @decode(%x: tensor<?x1x64xf32>) -> ... {
      %w = llama4.weight_ref @model.norm.weight : tensor<64xf32>
    // becomes
    module attributes {llama4.weights = [
        {name = "model.norm.weight", type = tensor<64xf32>} ] }
    func.func @decode(%x: tensor<?x1x64xf32>, %w: tensor<64xf32> {llama4.weight = 0 : i64}) -> ...
    ```
  }];
}

def Llama4EmitEntryPointsPass : Pass<"llama4-emit-entry-points", "::mlir::ModuleOp"> {
  let summary = "Adds the exported llama4c_prefill and llama4c_decode functions.";
  let description = [{
    Runs on the bufferized module. For each entry function F adds
    `func.func @llama4c_F(%call: !llvm.ptr) -> i32` implementing the C ABI
    of runtime/include/llama4c/abi.h: it loads the fields of the
    `llama4c_call` struct, builds a memref descriptor for every argument of
    F from its role attribute (`llama4.weight`, `llama4.kv_cache`,
    `llama4.name`), calls F, copies the logits to `call->logits` and returns
    0. F itself becomes private.
  }];
  let dependentDialects = [
    "::mlir::LLVM::LLVMDialect",
    "::mlir::memref::MemRefDialect",
  ];
}

def Llama4HideInternalFunctionsPass : Pass<"llama4-hide-internal-functions", "::mlir::ModuleOp"> {
  let summary = "Gives every private function definition internal linkage.";
  let description = [{
    The exported `llama4c_*` functions are a model's whole interface. Every
    other function defined in the module (entry bodies, layer functions,
    helpers that bufferization and deallocation add) gets
    `llvm.linkage = #llvm.linkage<internal>`, so that LLVM may inline or
    drop it and the shared object exports nothing else. Runs after the last
    pass that adds functions.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def Llama4CopiesToLinalgPass : Pass<"llama4-copies-to-linalg"> {
  let summary = "Rewrites memref.copy as linalg.copy.";
  let description = [{
    The LLVM lowering of a strided memref.copy calls `memrefCopy` from
    MLIR's runner library, which a compiled model must not depend on; a
    linalg.copy becomes plain loops with the other linalg ops.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

#endif // LLAMA4C_PASSES_LOWERING_PASSES_TD
