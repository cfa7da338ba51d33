//===- Passes.td - Passes that check a llama4 module ----------------------===//

#ifndef LLAMA4C_PASSES_VERIFY_PASSES_TD
#define LLAMA4C_PASSES_VERIFY_PASSES_TD

include "mlir/Pass/PassBase.td"

def Llama4VerifyModelPass : Pass<"llama4-verify-model", "::mlir::ModuleOp"> {
  let summary = "Checks the module-level contract of a compiled Llama 4 model.";
  let description = [{
    The op verifiers check each op on its own; this pass checks what the
    lowering passes and the runtime assume of the module as a whole, and
    fails with an error at the offending op otherwise. It changes nothing.

    1. Every `llama4.weight` is read by some `llama4.weight_ref`: the weight
       manifest must not demand a checkpoint tensor the model never reads.
    2. The entry functions `prefill` and `decode` exist and are public.
    3. In each entry function, the arguments tagged `llama4.kv_cache` are
       returned, updated, as results 2..n+1 in the same order and with the
       same types, after the logits (result 0) and their greedy tokens
       (result 1); every cache argument names
       its `layer` and `kind` ("key" or "value") and each (layer, kind) pair
       appears once.

    It is the first step of every llama4c pipeline, in the role IREE's
    VerifyInputLegality plays.
  }];
}

#endif // LLAMA4C_PASSES_VERIFY_PASSES_TD
