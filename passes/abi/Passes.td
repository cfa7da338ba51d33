//===- Passes.td - The model's exported C ABI -------------------------------===//

#ifndef LLAMA4C_PASSES_ABI_PASSES_TD
#define LLAMA4C_PASSES_ABI_PASSES_TD

include "mlir/Pass/PassBase.td"

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
    `llama4.name`), calls F, copies the logits to `call->logits` and their
    greedy tokens to `call->next_tokens` (each unless NULL) and returns 0.
    F itself becomes private. The KV cache arguments, in the order
    `call->kv_cache` passes them, are recorded as the module attribute
    `llama4.kv_caches = [{layer, kind, type}, ...]`, from which packaging
    writes the manifest's "kv_cache" (both entry points must agree).
  }];
  let dependentDialects = [
    "::mlir::LLVM::LLVMDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
  ];
}

def Llama4EmitStartThreadsPass
    : Pass<"llama4-emit-start-threads", "::mlir::ModuleOp"> {
  let summary = "Adds the exported llama4c_start_threads of a host model.";
  let description = [{
    Adds `func.func @llama4c_start_threads() -> i32` (runtime/include/
    llama4c/abi.h): one empty `omp.parallel` region, then 0. libomp
    initialises itself and starts its threads in the first parallel region
    of a process (about 2 ms); the runtime calls this once after loading a
    host model (CPU or emulated GPU), so that the first prefill does not
    wait for it.

    ```mlir
    func.func @llama4c_start_threads() -> i32 {
      omp.parallel {
        omp.terminator
      }
      %c0_i32 = arith.constant 0 : i32
      return %c0_i32 : i32
    }
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::func::FuncDialect",
    "::mlir::omp::OpenMPDialect",
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

#endif // LLAMA4C_PASSES_ABI_PASSES_TD
