//===- Llama4Dialect.td - The llama4 dialect and shared constraints -------===//
//
// The llama4 dialect models Llama 4 (Scout, Maverick and any config of that
// architecture, text and vision) at the level of the model's own blocks: the
// ops mirror the modules of transformers' modeling_llama4.py, carry the
// numerics that make Llama 4 different (interleaved RoPE with llama3
// scaling, NoPE layers, qk-norm, temperature tuning, chunked attention,
// sigmoid-routed MoE that scales the expert input), and are lowered by our
// passes to linalg and from there to CPU or NVPTX code.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4_DIALECT_TD
#define LLAMA4_DIALECT_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"

def Llama4_Dialect : Dialect {
  let name = "llama4";
  let cppNamespace = "::mlir::llama4";
  let summary = "Llama 4 model blocks: text decoder, MoE, vision tower, multimodal glue.";
  let description = [{
    A module of this dialect is one compiled model: `llama4.weight` symbols
    declare every checkpoint tensor by its Hugging Face name, shape and
    dtype, and the `prefill` and `decode` functions compute logits from
    token ids, positions and the KV cache using the ops below. Tensors are
    builtin ranked tensors; activations are bf16, f16 or f32, token ids and
    positions are i32. Batch and sequence dimensions are dynamic.
  }];
  let useDefaultAttributePrinterParser = 1;
  let dependentDialects = ["::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::func::FuncDialect"];
}

class Llama4_Op<string mnemonic, list<Trait> traits = []>
    : Op<Llama4_Dialect, mnemonic, traits>;

// Activations and weights: the float types a compiled model computes in.
def Llama4_FloatTensor : RankedTensorOf<[F32, BF16, F16]>;
// KV caches: the compute type, or float8 e4m3 (`llama4c compile --kv-dtype
// fp8`) with an f32 scale per cached vector beside it.
def Llama4_CacheTensor : RankedTensorOf<[F32, BF16, F16, F8E4M3FN]>;
// Token ids and positions.
def Llama4_IndexTensor : RankedTensorOf<[I32]>;

#endif // LLAMA4_DIALECT_TD
