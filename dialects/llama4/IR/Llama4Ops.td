//===- Llama4Ops.td - Operations of the llama4 dialect --------------------===//
//
// One banner per family: weights, embedding and norms, attention, MLP and
// MoE, vision tower, multimodal glue; then the one op of the linalg level,
// which --llama4-convert-to-linalg produces. Shapes in descriptions use the legend
// B batch, S new tokens, D hidden, H / Hkv query / KV heads, d head dim,
// L cache slots, F MLP width, E experts, V vocabulary, N image tiles,
// T tokens of a tile.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4_OPS_TD
#define LLAMA4_OPS_TD

include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/DestinationStyleOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/TilingInterface.td"
include "dialects/llama4/IR/Llama4Dialect.td"
include "dialects/llama4/IR/Llama4Attrs.td"
include "dialects/llama4/IR/Llama4Enums.td"

//===----------------------------------------------------------------------===//
// Weights
//===----------------------------------------------------------------------===//

def Llama4_WeightOp : Llama4_Op<"weight", [Symbol, HasParent<"::mlir::ModuleOp">]> {
  let summary = "declares one checkpoint tensor";
  let description = [{
    A module-level symbol whose name is the tensor's name in the Hugging
    Face safetensors checkpoint, exactly as stored, and whose type is the
    static shape and element type the compiled model reads. The set of
    `llama4.weight` ops is the model's weight manifest.

    ```mlir
    llama4.weight @"language_model.model.layers.3.feed_forward.experts.gate_up_proj"
        : tensor<16x5120x16384xbf16>
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, TypeAttrOf<AnyRankedTensor>:$type);
  let assemblyFormat = "$sym_name attr-dict `:` $type";
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    ::mlir::RankedTensorType getTensorType() {
      return ::llvm::cast<::mlir::RankedTensorType>(getType());
    }
  }];
}

def Llama4_WeightRefOp : Llama4_Op<"weight_ref",
    [Pure, DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "reads a declared weight";
  let description = [{
    The value of the `llama4.weight` named by `name`; the result type must
    equal the declared type.

    ```mlir
    %w = llama4.weight_ref @"language_model.model.norm.weight" : tensor<5120xbf16>
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$name);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$name attr-dict `:` type($result)";
}

//===----------------------------------------------------------------------===//
// Embedding and norms
//===----------------------------------------------------------------------===//

def Llama4_EmbedTokensOp : Llama4_Op<"embed_tokens", [Pure]> {
  let summary = "token embedding lookup";
  let description = [{
    `result[b, s, :] = table[ids[b, s], :]` with table [V, D]; no scaling.
    Ids out of [0, V) are rejected by the runtime before this op runs.

    ```mlir
    %h = llama4.embed_tokens %ids, %table
        : (tensor<?x?xi32>, tensor<202048x5120xbf16>) -> tensor<?x?x5120xbf16>
    ```
  }];
  let arguments = (ins Llama4_IndexTensor:$ids, Llama4_FloatTensor:$table);
  let results = (outs Llama4_FloatTensor:$result);
  let assemblyFormat = "$ids `,` $table attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Llama4_RmsNormOp : Llama4_Op<"rms_norm", [Pure]> {
  let summary = "RMSNorm over the last dimension";
  let description = [{
    `y = round(x * rsqrt(mean(x^2) + eps)) * weight`, statistics in f32; the
    normalised value is rounded to the activation type before the weight
    multiply, as in transformers' Llama4TextRMSNorm.

    ```mlir
    %y = llama4.rms_norm %x, %w {eps = 1.000000e-05 : f64}
        : (tensor<?x?x5120xbf16>, tensor<5120xbf16>) -> tensor<?x?x5120xbf16>
    ```
  }];
  let arguments = (ins Llama4_FloatTensor:$input, Llama4_FloatTensor:$weight,
                       F64Attr:$eps);
  let results = (outs Llama4_FloatTensor:$result);
  let assemblyFormat = "$input `,` $weight attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Llama4_LayerNormOp : Llama4_Op<"layer_norm", [Pure]> {
  let summary = "LayerNorm with affine weight and bias over the last dimension";
  let description = [{
    `y = (x - mean) * rsqrt(var + eps) * weight + bias`, statistics in f32,
    rounded once after the affine (PyTorch nn.LayerNorm). Used by the vision
    tower.

    ```mlir
    %y = llama4.layer_norm %x, %w, %b {eps = 1.000000e-05 : f64}
        : (tensor<?x577x1408xbf16>, tensor<1408xbf16>, tensor<1408xbf16>) -> tensor<?x577x1408xbf16>
    ```
  }];
  let arguments = (ins Llama4_FloatTensor:$input, Llama4_FloatTensor:$weight,
                       Llama4_FloatTensor:$bias, F64Attr:$eps);
  let results = (outs Llama4_FloatTensor:$result);
  let assemblyFormat = "$input `,` $weight `,` $bias attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Llama4_LinearOp : Llama4_Op<"linear", [Pure]> {
  let summary = "x W^T (+ bias), nn.Linear layout";
  let description = [{
    `result[..., o] = sum_i input[..., i] * weight[o, i] (+ bias[o])`, with
    weight [out, in] as stored by nn.Linear; accumulation in f32, one
    rounding at the output.

    ```mlir
    %q = llama4.linear %x, %wq
        : (tensor<?x?x5120xbf16>, tensor<5120x5120xbf16>) -> tensor<?x?x5120xbf16>
    %v = llama4.linear %y, %wv, %bv
        : (tensor<?x577x1408xbf16>, tensor<1408x1408xbf16>, tensor<1408xbf16>) -> tensor<?x577x1408xbf16>
    ```
  }];
  let arguments = (ins Llama4_FloatTensor:$input, Llama4_FloatTensor:$weight,
                       Optional<Llama4_FloatTensor>:$bias);
  let results = (outs Llama4_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Llama4_GatherTokensOp : Llama4_Op<"gather_tokens", [Pure]> {
  let summary = "the hidden states of chosen tokens of each row";
  let description = [{
    `result[b, r, :] = input[b, indices[b, r], :]` with input [B, S, D] and
    indices [B, R] in [0, S): the tokens of a prefill whose logits the
    caller asked for (each row's last to generate, all to dump them), so
    that the final norm and the LM head run on R rows instead of S. The
    runtime checks the indices before the call.

    ```mlir
    %last = llama4.gather_tokens %h, %logits_at
        : (tensor<?x?x5120xbf16>, tensor<?x?xi32>) -> tensor<?x?x5120xbf16>
    ```
  }];
  let arguments = (ins Llama4_FloatTensor:$input, Llama4_IndexTensor:$indices);
  let results = (outs Llama4_FloatTensor:$result);
  let assemblyFormat = "$input `,` $indices attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Llama4_LmHeadOp : Llama4_Op<"lm_head", [Pure]> {
  let summary = "vocabulary projection producing logits";
  let description = [{
    `logits[..., v] = sum_i input[..., i] * weight[v, i]` with weight [V, D]
    (`lm_head.weight`). The result may be wider than the activations (f32
    logits from bf16 activations) since sampling reads them in f32.

    ```mlir
    %logits = llama4.lm_head %h, %w
        : (tensor<?x?x5120xbf16>, tensor<202048x5120xbf16>) -> tensor<?x?x202048xf32>
    ```
  }];
  let arguments = (ins Llama4_FloatTensor:$input, Llama4_FloatTensor:$weight);
  let results = (outs Llama4_FloatTensor:$result);
  let assemblyFormat = "$input `,` $weight attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Llama4_GreedyTokenOp : Llama4_Op<"greedy_token", [Pure]> {
  let summary = "the token greedy decoding picks from each row of logits";
  let description = [{
    `result[...] = argmax_v logits[..., v]`, the first of equal maxima (as
    torch.argmax), or -1 where no token can be drawn: a NaN or +inf logit,
    or every logit -inf (the runtime's sampler refuses those rows too).
    The model computes it where it runs, so that a GPU step copies back one
    id a row instead of the vocabulary's logits.

    ```mlir
    %next = llama4.greedy_token %logits
        : (tensor<?x?x202048xf32>) -> tensor<?x?xi32>
    ```
  }];
  let arguments = (ins Llama4_FloatTensor:$logits);
  let results = (outs Llama4_IndexTensor:$result);
  let assemblyFormat = "$logits attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

def Llama4_RopeOp : Llama4_Op<"rope", [Pure]> {
  let summary = "interleaved rotary position embedding of the text decoder";
  let description = [{
    Rotates each adjacent pair `(x[2i], x[2i+1])` of every head by
    `position * inv_freq[i]` with `inv_freq[i] = theta^(-2i/d)`, optionally
    llama3-scaled; angles and the rotation in f32, one rounding. This is
    Meta's interleaved layout (complex multiply), not NeoX rotate-half.
    input [B, S, H, d], positions [B, S].

    ```mlir
    %qr = llama4.rope %q, %pos {theta = 5.000000e+05 : f64, scaling = #llama4.llama3_rope_scaling<
        factor = 1.600000e+01, low_freq_factor = 1.000000e+00, high_freq_factor = 1.000000e+00,
        original_max_position_embeddings = 8192>}
        : (tensor<?x?x40x128xbf16>, tensor<?x?xi32>) -> tensor<?x?x40x128xbf16>
    ```
  }];
  let arguments = (ins Llama4_FloatTensor:$input, Llama4_IndexTensor:$positions,
                       F64Attr:$theta,
                       OptionalAttr<Llama4_Llama3RopeScalingAttr>:$scaling);
  let results = (outs Llama4_FloatTensor:$result);
  let assemblyFormat = "$input `,` $positions attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Llama4_QkNormOp : Llama4_Op<"qk_norm", [Pure, SameOperandsAndResultType]> {
  let summary = "weightless RMS norm of each query or key head (Llama4TextL2Norm)";
  let description = [{
    `y = x * rsqrt(mean(x^2) + eps)` over the head dimension, in f32, one
    rounding. transformers calls it L2Norm, but it divides by the RMS, not
    the L2 norm. Applied after RoPE on RoPE layers when `use_qk_norm`.

    ```mlir
    %qn = llama4.qk_norm %qr {eps = 1.000000e-05 : f64} : tensor<?x?x40x128xbf16>
    ```
  }];
  let arguments = (ins Llama4_FloatTensor:$input, F64Attr:$eps);
  let results = (outs Llama4_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def Llama4_AttentionOp : Llama4_Op<"attention", [Pure,
    AttrSizedOperandSegments]> {
  let summary = "causal grouped-query attention over the KV cache and the new tokens";
  let description = [{
    Each query `(b, s, h)` at absolute position `p = positions[b, s]` attends
    to keys at positions `k <= p` of KV head `h / (H / Hkv)`: earlier tokens
    from the cache and the new tokens of this call. Row b's cache holds the
    positions before `positions[b, 0]`; a position `k` lives in slot
    `k mod L` of a chunked layer's window and in slot `k` otherwise.
    A global layer's cache may instead be paged: with a `block_table`
    [B, T] the caches are a pool of pages [pages, Hkv, P, d] and position
    `k` of row b lives in page `block_table[b, k / P]`, slot `k mod P`.
    Caches of f8E4M3FN come with `scales` [.., .., .., 1] (f32), one per
    cached vector of one head: slot kk of head h holds `code * scale`
    (see `llama4.kv_cache_update`). Keys and values of this call are
    attended as they are, the cached ones as the cache holds them.

    - `chunk_size = C > 0` (RoPE layers): only keys in the same chunk,
      `floor(k / C) == floor(p / C)`; the cache window then has L = C slots.
    - `chunk_size = 0`: global attention (NoPE layers).
    - `temperature_tuning`: queries are first scaled by the NoPE temperature
      of their position (see #llama4.temperature_tuning).

    Scores are `q.k * scale`, masked, softmax in f32.
    query [B, S, H, d], key/value [B, S, Hkv, d], caches [B, Hkv, L, d],
    positions [B, S], result [B, S, H, d].

    ```mlir
    %o = llama4.attention %q, %k, %v cache(%kc, %vc) positions(%pos)
        {chunk_size = 8192 : i64, scale = 0.088388347648318447 : f64}
        : (tensor<?x?x40x128xbf16>, tensor<?x?x8x128xbf16>, tensor<?x?x8x128xbf16>,
           tensor<?x8x8192x128xbf16>, tensor<?x8x8192x128xbf16>, tensor<?x?xi32>)
        -> tensor<?x?x40x128xbf16>
    ```
  }];
  let arguments = (ins Llama4_FloatTensor:$query, Llama4_FloatTensor:$key,
                       Llama4_FloatTensor:$value, Llama4_CacheTensor:$key_cache,
                       Llama4_CacheTensor:$value_cache,
                       Optional<F32Tensor>:$key_scales,
                       Optional<F32Tensor>:$value_scales,
                       Optional<Llama4_IndexTensor>:$block_table,
                       Llama4_IndexTensor:$positions,
                       F64Attr:$scale, I64Attr:$chunk_size,
                       OptionalAttr<Llama4_TemperatureTuningAttr>:$temperature_tuning);
  let results = (outs Llama4_FloatTensor:$result);
  let assemblyFormat = [{
    $query `,` $key `,` $value `cache` `(` $key_cache `,` $value_cache `)`
    (`scales` `(` $key_scales^ `,` $value_scales `)`)?
    (`pages` `(` $block_table^ `)`)?
    `positions` `(` $positions `)` attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Llama4_KvCacheUpdateOp : Llama4_Op<"kv_cache_update", [Pure,
    AttrSizedOperandSegments]> {
  let summary = "writes the keys or values of the new tokens into a layer's cache";
  let description = [{
    `result = cache` with `new[b, s, h, :]` stored at slot
    `positions[b, s] mod window` of head h (slot `positions[b, s]` when
    `window = 0`). Keys are stored after RoPE and qk-norm. A chunked layer
    keeps a window of `attention_chunk_size` slots; a global layer keeps
    every position. cache [B, Hkv, L, d], new [B, S, Hkv, d]. With a
    `block_table` [B, T] (a global layer, `window = 0`) the cache is a pool
    of pages [pages, Hkv, P, d] and position `p` of row b is stored in page
    `block_table[b, p / P]` at slot `p mod P`.

    A cache of f8E4M3FN stores each vector `x = new[b, s, h, :]` with its
    own `scales` slot (a cache of [.., .., .., 1] f32, `new_scales` the
    result): `scale = 2^(e - 7)` for `e` the binary exponent of `max|x|`
    (clamped to [-119, 127]), so the largest element lands in [128, 256)
    and none saturates; the codes are `x / scale` rounded to nearest even
    e4m3 (max 448). A power of two divides exactly, so each element keeps
    e4m3's 3 mantissa bits, relative to itself, down to 2^-13 of `max|x|`.
    A scale per vector, not per page, because a decode step writes one
    position at a time: a page's scale would change as it fills.

    ```mlir
    %kc2 = llama4.kv_cache_update %kc, %k positions(%pos) {window = 8192 : i64}
        : (tensor<?x8x8192x128xbf16>, tensor<?x?x8x128xbf16>, tensor<?x?xi32>)
        -> tensor<?x8x8192x128xbf16>
    ```
  }];
  let arguments = (ins Llama4_CacheTensor:$cache, Llama4_FloatTensor:$update,
                       Optional<F32Tensor>:$scales,
                       Optional<Llama4_IndexTensor>:$block_table,
                       Llama4_IndexTensor:$positions, I64Attr:$window);
  let results = (outs Llama4_CacheTensor:$result,
                      Optional<F32Tensor>:$new_scales);
  let assemblyFormat = [{
    $cache `,` $update (`scales` `(` $scales^ `)`)?
    (`pages` `(` $block_table^ `)`)?
    `positions` `(` $positions `)` attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// MLP and mixture of experts
//===----------------------------------------------------------------------===//

def Llama4_SwigluMlpOp : Llama4_Op<"swiglu_mlp", [Pure]> {
  let summary = "gated MLP: down(act(gate(x)) * up(x))";
  let description = [{
    Llama4TextMLP: gate, up [F, D] and down [D, F] in nn.Linear layout, no
    biases, each product rounded. Dense layers use `intermediate_size_mlp`
    as F; the MoE shared expert is the same block with `intermediate_size`.

    ```mlir
    %y = llama4.swiglu_mlp %x, %gate, %up, %down {activation = #llama4.activation<silu>}
        : (tensor<?x?x5120xbf16>, tensor<16384x5120xbf16>, tensor<16384x5120xbf16>,
           tensor<5120x16384xbf16>) -> tensor<?x?x5120xbf16>
    ```
  }];
  let arguments = (ins Llama4_FloatTensor:$input, Llama4_FloatTensor:$gate,
                       Llama4_FloatTensor:$up, Llama4_FloatTensor:$down,
                       Llama4_ActivationAttr:$activation);
  let results = (outs Llama4_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $gate `,` $up `,` $down attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Llama4_MoeOp : Llama4_Op<"moe", [Pure]> {
  let summary = "Llama 4 MoE block: sigmoid top-k router, input-scaled experts, shared expert";
  let description = [{
    Llama4TextMoe for each token x [D]:
    1. router logits `z = router x` (router [E, D]);
    2. the `top_k` largest logits select experts; each gets the score
       `sigmoid(z_e)` (not softmax, not renormalised), the others 0;
    3. expert e reads the *scaled input* `x * score_e` and computes
       `(act(u Wg) * (u Wu)) Wd` with `gate_up` [E, D, 2F] (gate columns
       first) and `down` [E, F, D], both in [in, out] layout;
    4. the result is `shared_expert(x) + sum_e expert_e`, the shared expert
       a gated MLP of width Fs on the unscaled x.

    ```mlir
    %y = llama4.moe %x router(%r) experts(%gu, %dn) shared_expert(%sg, %su, %sd)
        {activation = #llama4.activation<silu>, top_k = 1 : i64}
        : (tensor<?x?x5120xbf16>, tensor<16x5120xbf16>, tensor<16x5120x16384xbf16>,
           tensor<16x8192x5120xbf16>, tensor<8192x5120xbf16>, tensor<8192x5120xbf16>,
           tensor<5120x8192xbf16>) -> tensor<?x?x5120xbf16>
    ```
  }];
  let arguments = (ins Llama4_FloatTensor:$input, Llama4_FloatTensor:$router,
                       Llama4_FloatTensor:$gate_up, Llama4_FloatTensor:$down,
                       Llama4_FloatTensor:$shared_gate, Llama4_FloatTensor:$shared_up,
                       Llama4_FloatTensor:$shared_down, I64Attr:$top_k,
                       Llama4_ActivationAttr:$activation);
  let results = (outs Llama4_FloatTensor:$result);
  let assemblyFormat = [{
    $input `router` `(` $router `)` `experts` `(` $gate_up `,` $down `)`
    `shared_expert` `(` $shared_gate `,` $shared_up `,` $shared_down `)`
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Vision tower
//===----------------------------------------------------------------------===//

def Llama4_UnfoldPatchEmbedOp : Llama4_Op<"unfold_patch_embed", [Pure]> {
  let summary = "cuts tiles into patches and projects them (Llama4UnfoldConvolution)";
  let description = [{
    pixels [N, C, I, I] are cut into the (I/p)^2 non-overlapping p x p
    patches, row-major over the patch grid; each patch flattened as
    `c*p*p + ky*p + kx` is multiplied by weight [Dv, C*p*p] (no bias).
    Result [N, (I/p)^2, Dv].

    ```mlir
    %p = llama4.unfold_patch_embed %pixels, %w {patch_size = 14 : i64}
        : (tensor<?x3x336x336xbf16>, tensor<1408x588xbf16>) -> tensor<?x576x1408xbf16>
    ```
  }];
  let arguments = (ins Llama4_FloatTensor:$pixels, Llama4_FloatTensor:$weight,
                       I64Attr:$patch_size);
  let results = (outs Llama4_FloatTensor:$result);
  let assemblyFormat = "$pixels `,` $weight attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Llama4_ClassPosEmbedOp : Llama4_Op<"class_pos_embed", [Pure]> {
  let summary = "appends the class token last and adds positional embeddings";
  let description = [{
    patches [N, P, Dv] get `class_embedding` [Dv] appended as token P (the
    last, not the first), then `positional_embedding_vlm` [P + 1, Dv] is
    added. Result [N, P + 1, Dv].

    ```mlir
    %x = llama4.class_pos_embed %p, %cls, %pos
        : (tensor<?x576x1408xbf16>, tensor<1408xbf16>, tensor<577x1408xbf16>) -> tensor<?x577x1408xbf16>
    ```
  }];
  let arguments = (ins Llama4_FloatTensor:$patches, Llama4_FloatTensor:$class_embedding,
                       Llama4_FloatTensor:$positional_embedding);
  let results = (outs Llama4_FloatTensor:$result);
  let assemblyFormat = [{
    $patches `,` $class_embedding `,` $positional_embedding attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Llama4_VisionRopeOp : Llama4_Op<"vision_rope", [Pure, SameOperandsAndResultType]> {
  let summary = "2-D rotary embedding of the vision tower";
  let description = [{
    input [N, T, H, d] with T = g*g + 1 (patches row-major over a g x g
    grid, then the class token). Patch t has column `x = t mod g` and row
    `y = t div g`; pair m < d/4 of each head rotates by `(x + 1) * w_m`,
    pair d/4 + m by `(y + 1) * w_m`, with `w_m = theta^(-4m/d)`; the class
    token is not rotated. Interleaved pairs, f32, one rounding.

    ```mlir
    %qr = llama4.vision_rope %q {grid_side = 24 : i64, theta = 1.000000e+04 : f64}
        : tensor<?x577x16x88xbf16>
    ```
  }];
  let arguments = (ins Llama4_FloatTensor:$input, I64Attr:$grid_side, F64Attr:$theta);
  let results = (outs Llama4_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def Llama4_VisionAttentionOp : Llama4_Op<"vision_attention", [Pure]> {
  let summary = "bidirectional multi-head attention within each tile";
  let description = [{
    Every token of a tile attends to every token of the same tile: no mask,
    no cache. query/key/value/result [N, T, H, d]; scores `q.k * scale`,
    softmax in f32.

    ```mlir
    %o = llama4.vision_attention %q, %k, %v {scale = 0.10660035817780521 : f64}
        : (tensor<?x577x16x88xbf16>, tensor<?x577x16x88xbf16>, tensor<?x577x16x88xbf16>)
        -> tensor<?x577x16x88xbf16>
    ```
  }];
  let arguments = (ins Llama4_FloatTensor:$query, Llama4_FloatTensor:$key,
                       Llama4_FloatTensor:$value, F64Attr:$scale);
  let results = (outs Llama4_FloatTensor:$result);
  let assemblyFormat = "$query `,` $key `,` $value attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Llama4_GeluMlpOp : Llama4_Op<"gelu_mlp", [Pure]> {
  let summary = "fc2(gelu(fc1(x))) with biases, the vision encoder MLP";
  let description = [{
    fc1 [F, D] + [F], exact-erf GELU, fc2 [D, F] + [D]. transformers
    hard-codes the exact GELU whatever the config's hidden_act says.

    ```mlir
    %y = llama4.gelu_mlp %x, %w1, %b1, %w2, %b2
        : (tensor<?x577x1408xbf16>, tensor<5632x1408xbf16>, tensor<5632xbf16>,
           tensor<1408x5632xbf16>, tensor<1408xbf16>) -> tensor<?x577x1408xbf16>
    ```
  }];
  let arguments = (ins Llama4_FloatTensor:$input, Llama4_FloatTensor:$fc1_weight,
                       Llama4_FloatTensor:$fc1_bias, Llama4_FloatTensor:$fc2_weight,
                       Llama4_FloatTensor:$fc2_bias);
  let results = (outs Llama4_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $fc1_weight `,` $fc1_bias `,` $fc2_weight `,` $fc2_bias attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Llama4_PixelShuffleOp : Llama4_Op<"pixel_shuffle", [Pure]> {
  let summary = "merges each 2x2 (for ratio 0.5) patch neighbourhood into one token";
  let description = [{
    input [N, g*g, C] (the class token already dropped), result
    [N, (g*r)^2, C/r^2]. For r = 0.5 output token `Y*(g/2) + X` holds, in
    channel blocks of C, the patches `(2Y + dy, 2X + dx)` in the order
    (dy, dx) = (0,0), (0,1), (1,0), (1,1). Pure data movement.

    ```mlir
    %s = llama4.pixel_shuffle %x {ratio = 5.000000e-01 : f64}
        : (tensor<?x576x1408xbf16>) -> tensor<?x144x5632xbf16>
    ```
  }];
  let arguments = (ins Llama4_FloatTensor:$input, F64Attr:$ratio);
  let results = (outs Llama4_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Llama4_VisionAdapterOp : Llama4_Op<"vision_adapter", [Pure]> {
  let summary = "gelu(fc2(gelu(fc1(x)))), the vision adapter MLP (no biases)";
  let description = [{
    Llama4VisionMLP2: fc1 [P, C] and fc2 [P, P] in nn.Linear layout, exact
    GELU after both layers.

    ```mlir
    %a = llama4.vision_adapter %s, %fc1, %fc2
        : (tensor<?x144x5632xbf16>, tensor<4096x5632xbf16>, tensor<4096x4096xbf16>)
        -> tensor<?x144x4096xbf16>
    ```
  }];
  let arguments = (ins Llama4_FloatTensor:$input, Llama4_FloatTensor:$fc1_weight,
                       Llama4_FloatTensor:$fc2_weight);
  let results = (outs Llama4_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $fc1_weight `,` $fc2_weight attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Multimodal glue
//===----------------------------------------------------------------------===//

def Llama4_MultiModalProjectorOp : Llama4_Op<"multi_modal_projector", [Pure]> {
  let summary = "projects the vision features of all tiles into text embedding rows";
  let description = [{
    input [N, T, P] (the adapter output of N tiles) is flattened tile by
    tile to [N*T, P] and multiplied by weight [D, P] (no bias): one feature
    row per `<|patch|>` token, in tile order.

    ```mlir
    %f = llama4.multi_modal_projector %a, %w
        : (tensor<?x144x4096xbf16>, tensor<5120x4096xbf16>) -> tensor<?x5120xbf16>
    ```
  }];
  let arguments = (ins Llama4_FloatTensor:$input, Llama4_FloatTensor:$weight);
  let results = (outs Llama4_FloatTensor:$result);
  let assemblyFormat = "$input `,` $weight attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Llama4_ScatterImageFeaturesOp : Llama4_Op<"scatter_image_features", [Pure]> {
  let summary = "replaces the embeddings of image tokens by image features";
  let description = [{
    Walking (b, s) row-major, the i-th position with
    `ids[b, s] == image_token_index` (`<|patch|>`) gets `features[i]`; the
    number of such positions must equal the number of feature rows (the
    runtime checks before the call). embeddings [B, S, D], ids [B, S],
    features [M, D].

    ```mlir
    %h2 = llama4.scatter_image_features %h, %ids, %f {image_token_index = 200092 : i64}
        : (tensor<?x?x5120xbf16>, tensor<?x?xi32>, tensor<?x5120xbf16>) -> tensor<?x?x5120xbf16>
    ```
  }];
  let arguments = (ins Llama4_FloatTensor:$embeddings, Llama4_IndexTensor:$ids,
                       Llama4_FloatTensor:$features, I64Attr:$image_token_index);
  let results = (outs Llama4_FloatTensor:$result);
  let assemblyFormat = "$embeddings `,` $ids `,` $features attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Kernel ops: produced by --llama4-convert-to-linalg, tiled like linalg ops,
// expanded into linalg by --llama4-decompose-online-attention
//===----------------------------------------------------------------------===//

def Llama4_OnlineAttentionOp : Llama4_Op<"online_attention", [Pure,
    AttrSizedOperandSegments,
    DestinationStyleOpInterface,
    DeclareOpInterfaceMethods<TilingInterface, [
        "getLoopIteratorTypes", "getIterationDomain",
        "getTiledImplementation", "getResultTilePosition"]>]> {
  let summary = "attention of grouped queries, one online softmax per query";
  let description = [{
    `llama4.attention` after its queries are scaled and grouped by KV head:
    queries [B, Hkv, G, S, d] (query head `h * G + g`), the cache
    [B, Hkv, L, d] and the new tokens' keys and values [B, Hkv, S', d]
    head-major. Query `(b, h, g, s)` at position `query_positions[b, s]`
    attends to

    - cache slot `kk < L` when its position precedes `key_positions[b, 0]`,
      the first new token of row b: position `chunk_start + kk` on a
      chunked layer (`chunk_size > 0`, its window holds the query's chunk),
      `kk` on a global one, whose cache may be paged as
      `llama4.attention`'s (a block table [B, T], the caches a pool of
      pages [pages, Hkv, P, d]: slot `kk` of row b is slot `kk mod P` of
      page `block_table[b, kk / P]`);
    - new token `j` when `key_positions[b, j]` is not after the query and,
      on a chunked layer, in its chunk;

    with scores `round(round(q . k) * scale)`, softmax in f32 and the
    output rounded to the queries' type. Every query is independent, so
    the op tiles along (b, h, g, s) as a linalg op does: a tile slices the
    queries, their positions and the destination, and takes its KV heads'
    keys whole. --llama4-decompose-online-attention then computes each
    tile's softmax online over blocks of `key_block` keys.

    ```mlir
    %o = llama4.online_attention %q at(%pos) cache(%kc, %vc)
        tokens(%k, %v at %pos) outs(%init)
        {chunk_size = 8192 : i64, key_block = 128 : i64, scale = 0.088388347648318447 : f64}
        : (tensor<?x8x5x?x128xbf16>, tensor<?x?xi32>, tensor<?x8x8192x128xbf16>,
           tensor<?x8x8192x128xbf16>, tensor<?x8x?x128xbf16>,
           tensor<?x8x?x128xbf16>, tensor<?x?xi32>, tensor<?x8x5x?x128xbf16>)
        -> tensor<?x8x5x?x128xbf16>
    ```
  }];
  let arguments = (ins Llama4_FloatTensor:$queries,
                       Llama4_IndexTensor:$query_positions,
                       Llama4_CacheTensor:$key_cache,
                       Llama4_CacheTensor:$value_cache,
                       Optional<F32Tensor>:$key_scales,
                       Optional<F32Tensor>:$value_scales,
                       Optional<Llama4_IndexTensor>:$block_table,
                       Llama4_FloatTensor:$keys, Llama4_FloatTensor:$values,
                       Llama4_IndexTensor:$key_positions,
                       Llama4_FloatTensor:$init, F64Attr:$scale,
                       I64Attr:$chunk_size, I64Attr:$key_block);
  let results = (outs Llama4_FloatTensor:$result);
  let assemblyFormat = [{
    $queries `at` `(` $query_positions `)`
    `cache` `(` $key_cache `,` $value_cache `)`
    (`scales` `(` $key_scales^ `,` $value_scales `)`)?
    (`pages` `(` $block_table^ `)`)?
    `tokens` `(` $keys `,` $values `at` $key_positions `)`
    `outs` `(` $init `)` attr-dict `:` functional-type(operands, results)
  }];
  let extraClassDeclaration = [{
    ::mlir::MutableOperandRange getDpsInitsMutable() {
      return getInitMutable();
    }
  }];
  let hasVerifier = 1;
}

def Llama4_PartialAttentionOp : Llama4_Op<"partial_attention", [Pure,
    AttrSizedOperandSegments,
    DestinationStyleOpInterface,
    DeclareOpInterfaceMethods<TilingInterface, [
        "getLoopIteratorTypes", "getIterationDomain",
        "getTiledImplementation", "getResultTilePosition"]>]> {
  let summary = "one split of each query's keys, its online softmax unnormalised";
  let description = [{
    `llama4.online_attention` with each query's visible keys split between
    `splits` independent parts, flash-decoding's split: a decode step has
    too few queries to fill a GPU, and each otherwise reads its whole
    context alone. Operands and visibility are those of
    `llama4.online_attention`. A query's `n` visible keys, in order (the
    cache slots, then the new tokens), are split into spans of
    `w = max(ceil(n / splits), split_keys)` keys; split `p` (counted from
    `first_split`, 0 unless the op is a tile) takes keys `[p * w, (p + 1) * w)`,
    none when that is past `n`. Its results are that span's online softmax
    state, in f32, split-major: the maximum score `max` [P, B, Hkv, G, S]
    (-inf when the span is empty), the sum of `exp(score - max)` `sum`
    [P, B, Hkv, G, S] and the sum of `exp(score - max) * v` `acc`
    [P, B, Hkv, G, S, d]. The attention is
    `sum_p exp(max_p - M) acc_p / sum_p exp(max_p - M) sum_p` with `M` the
    largest `max_p`, as --llama4-gpu-split-reduction combines it. The op
    tiles along (p, b, h, g, s): a GPU runs every query's first split, then
    every second one, and so on.

    ```mlir
    %max, %sum, %acc = llama4.partial_attention %q at(%pos) cache(%kc, %vc)
        tokens(%k, %v at %pos) splits(%c0) outs(%m0, %l0, %a0)
        {chunk_size = 8192 : i64, key_block = 128 : i64, scale = 0.088388347648318447 : f64,
         splits = 16 : i64, split_keys = 256 : i64}
        : (tensor<?x8x5x1x128xbf16>, tensor<?x1xi32>, tensor<?x8x8192x128xbf16>,
           tensor<?x8x8192x128xbf16>, tensor<?x8x1x128xbf16>,
           tensor<?x8x1x128xbf16>, tensor<?x1xi32>, index, tensor<16x?x8x5x1xf32>,
           tensor<16x?x8x5x1xf32>, tensor<16x?x8x5x1x128xf32>)
        -> (tensor<16x?x8x5x1xf32>, tensor<16x?x8x5x1xf32>, tensor<16x?x8x5x1x128xf32>)
    ```
  }];
  let arguments = (ins Llama4_FloatTensor:$queries,
                       Llama4_IndexTensor:$query_positions,
                       Llama4_CacheTensor:$key_cache,
                       Llama4_CacheTensor:$value_cache,
                       Optional<F32Tensor>:$key_scales,
                       Optional<F32Tensor>:$value_scales,
                       Optional<Llama4_IndexTensor>:$block_table,
                       Llama4_FloatTensor:$keys, Llama4_FloatTensor:$values,
                       Llama4_IndexTensor:$key_positions, Index:$first_split,
                       F32Tensor:$max_init, F32Tensor:$sum_init,
                       F32Tensor:$acc_init, F64Attr:$scale,
                       I64Attr:$chunk_size, I64Attr:$key_block,
                       I64Attr:$splits, I64Attr:$split_keys);
  let results = (outs F32Tensor:$max, F32Tensor:$sum, F32Tensor:$acc);
  let assemblyFormat = [{
    $queries `at` `(` $query_positions `)`
    `cache` `(` $key_cache `,` $value_cache `)`
    (`scales` `(` $key_scales^ `,` $value_scales `)`)?
    (`pages` `(` $block_table^ `)`)?
    `tokens` `(` $keys `,` $values `at` $key_positions `)`
    `splits` `(` $first_split `)`
    `outs` `(` $max_init `,` $sum_init `,` $acc_init `)` attr-dict `:`
    functional-type(operands, results)
  }];
  let extraClassDeclaration = [{
    ::mlir::MutableOperandRange getDpsInitsMutable() {
      return ::mlir::MutableOperandRange(
          getOperation(), getMaxInitMutable().getOperandNumber(), 3);
    }
  }];
  let hasVerifier = 1;
}

#endif // LLAMA4_OPS_TD
