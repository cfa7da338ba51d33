// RUN: llama4-opt %s --split-input-file --verify-diagnostics

// One case per diagnostic of the llama4 op and attribute verifiers. Tiny
// shapes: hidden 64, 4 heads, 2 KV heads, head dim 16, 3 experts, chunk 8;
// vision tile 8x8, patch 2, grid 4, 17 tokens, hidden 32 in 4 heads of 8.

//===----------------------------------------------------------------------===//
// llama4.weight, llama4.weight_ref
//===----------------------------------------------------------------------===//

// A weight needs a non-empty checkpoint name.
// expected-error @+1 {{weight name must not be empty}}
llama4.weight @"" : tensor<64xbf16>

// -----

// A checkpoint tensor has a static shape.
// expected-error @+1 {{weight 'model.norm.weight' must have a static shape, got [?]}}
llama4.weight @"model.norm.weight" : tensor<?xbf16>

// -----

// Weights are declared at module level, not inside a function.
func.func @weight_inside_function() {
  // expected-error @+1 {{expects parent op 'builtin.module'}}
  llama4.weight @"model.norm.weight" : tensor<64xbf16>
  return
}

// -----

// A weight_ref must name a declared weight.
func.func @weight_ref_to_missing_symbol() {
  // expected-error @+1 {{'model.norm.weight' does not name a llama4.weight}}
  %w = llama4.weight_ref @"model.norm.weight" : tensor<64xbf16>
  return
}

// -----

// A symbol that is not a llama4.weight does not count.
func.func private @"model.norm.weight"()

func.func @weight_ref_to_function() {
  // expected-error @+1 {{'model.norm.weight' does not name a llama4.weight}}
  %w = llama4.weight_ref @"model.norm.weight" : tensor<64xbf16>
  return
}

// -----

// The read type must equal the declared type, element type included.
llama4.weight @"model.norm.weight" : tensor<64xbf16>

func.func @weight_ref_type_mismatch() {
  // expected-error @+1 {{type 'tensor<64xf32>' does not match the declared weight type 'tensor<64xbf16>'}}
  %w = llama4.weight_ref @"model.norm.weight" : tensor<64xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// llama4.embed_tokens
//===----------------------------------------------------------------------===//

// The embedding table is [V, D].
func.func @embed_tokens_table_rank(%ids: tensor<?x?xi32>, %table: tensor<64xbf16>) {
  // expected-error @+1 {{table must have rank 2, got [64]}}
  %h = llama4.embed_tokens %ids, %table : (tensor<?x?xi32>, tensor<64xbf16>) -> tensor<?x?x64xbf16>
  return
}

// -----

// Token ids are [B, S].
func.func @embed_tokens_ids_rank(%ids: tensor<?x?x2xi32>, %table: tensor<128x64xbf16>) {
  // expected-error @+1 {{ids must have rank 2, got [?, ?, 2]}}
  %h = llama4.embed_tokens %ids, %table : (tensor<?x?x2xi32>, tensor<128x64xbf16>) -> tensor<?x?x2x64xbf16>
  return
}

// -----

// The lookup does not convert: the result has the table's element type.
func.func @embed_tokens_element_type(%ids: tensor<?x?xi32>, %table: tensor<128x64xbf16>) {
  // expected-error @+1 {{result element type f32 must match table element type bf16}}
  %h = llama4.embed_tokens %ids, %table : (tensor<?x?xi32>, tensor<128x64xbf16>) -> tensor<?x?x64xf32>
  return
}

// -----

// The result is the ids' shape followed by the table's hidden size.
func.func @embed_tokens_result_shape(%ids: tensor<?x?xi32>, %table: tensor<128x64xbf16>) {
  // expected-error @+1 {{result shape [?, ?, 32] must be [?, ?, 64]}}
  %h = llama4.embed_tokens %ids, %table : (tensor<?x?xi32>, tensor<128x64xbf16>) -> tensor<?x?x32xbf16>
  return
}

// -----

// Token ids are i32 (ODS constraint).
func.func @embed_tokens_i64_ids(%ids: tensor<?x?xi64>, %table: tensor<128x64xbf16>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of 32-bit signless integer values, but got 'tensor<?x?xi64>'}}
  %h = llama4.embed_tokens %ids, %table : (tensor<?x?xi64>, tensor<128x64xbf16>) -> tensor<?x?x64xbf16>
  return
}

// -----

//===----------------------------------------------------------------------===//
// llama4.gather_tokens
//===----------------------------------------------------------------------===//

// The hidden states are [B, S, D].
func.func @gather_tokens_input_rank(%h: tensor<?x64xbf16>, %at: tensor<?x?xi32>) {
  // expected-error @+1 {{input must have rank 3, got [?, 64]}}
  %g = llama4.gather_tokens %h, %at : (tensor<?x64xbf16>, tensor<?x?xi32>) -> tensor<?x?x64xbf16>
  return
}

// -----

// Each row picks its own tokens: the indices are [B, R], B the input's.
func.func @gather_tokens_batch(%h: tensor<2x8x64xbf16>, %at: tensor<3x1xi32>) {
  // expected-error @+1 {{indices dim 0 (3) must equal input dim 0 (2)}}
  %g = llama4.gather_tokens %h, %at : (tensor<2x8x64xbf16>, tensor<3x1xi32>) -> tensor<3x1x64xbf16>
  return
}

// -----

// The result is [B, R, D].
func.func @gather_tokens_result_shape(%h: tensor<2x8x64xbf16>, %at: tensor<2x1xi32>) {
  // expected-error @+1 {{result shape [2, 8, 64] must be [2, 1, 64]}}
  %g = llama4.gather_tokens %h, %at : (tensor<2x8x64xbf16>, tensor<2x1xi32>) -> tensor<2x8x64xbf16>
  return
}

// -----

//===----------------------------------------------------------------------===//
// llama4.greedy_token
//===----------------------------------------------------------------------===//

// One token a row of logits: the result drops the vocabulary dimension.
func.func @greedy_token_result_shape(%logits: tensor<2x3x128xf32>) {
  // expected-error @+1 {{result shape [2, 3, 128] must be [2, 3]}}
  %next = llama4.greedy_token %logits : (tensor<2x3x128xf32>) -> tensor<2x3x128xi32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// llama4.rms_norm
//===----------------------------------------------------------------------===//

// eps must be positive.
func.func @rms_norm_zero_eps(%x: tensor<?x?x64xbf16>, %w: tensor<64xbf16>) {
  // expected-error @+1 {{eps must be positive, got 0.000000e+00}}
  %y = llama4.rms_norm %x, %w {eps = 0.0 : f64} : (tensor<?x?x64xbf16>, tensor<64xbf16>) -> tensor<?x?x64xbf16>
  return
}

// -----

// A scalar has no dimension to normalise over.
func.func @rms_norm_scalar_input(%x: tensor<bf16>, %w: tensor<64xbf16>) {
  // expected-error @+1 {{input must have rank 1 or more, got []}}
  %y = llama4.rms_norm %x, %w {eps = 1.0e-05 : f64} : (tensor<bf16>, tensor<64xbf16>) -> tensor<bf16>
  return
}

// -----

// The norm weight is a vector.
func.func @rms_norm_weight_rank(%x: tensor<?x?x64xbf16>, %w: tensor<64x64xbf16>) {
  // expected-error @+1 {{weight must have rank 1, got [64, 64]}}
  %y = llama4.rms_norm %x, %w {eps = 1.0e-05 : f64} : (tensor<?x?x64xbf16>, tensor<64x64xbf16>) -> tensor<?x?x64xbf16>
  return
}

// -----

// The weight has one entry per hidden channel.
func.func @rms_norm_weight_size(%x: tensor<?x?x64xbf16>, %w: tensor<32xbf16>) {
  // expected-error @+1 {{weight dim 0 (32) must equal input dim 2 (64): weight is [32], input is [?, ?, 64]}}
  %y = llama4.rms_norm %x, %w {eps = 1.0e-05 : f64} : (tensor<?x?x64xbf16>, tensor<32xbf16>) -> tensor<?x?x64xbf16>
  return
}

// -----

// Weight and activations share one element type.
func.func @rms_norm_element_type(%x: tensor<?x?x64xbf16>, %w: tensor<64xf32>) {
  // expected-error @+1 {{weight element type f32 must match input element type bf16}}
  %y = llama4.rms_norm %x, %w {eps = 1.0e-05 : f64} : (tensor<?x?x64xbf16>, tensor<64xf32>) -> tensor<?x?x64xbf16>
  return
}

// -----

// The result has the input's shape.
func.func @rms_norm_result_shape(%x: tensor<?x?x64xbf16>, %w: tensor<64xbf16>) {
  // expected-error @+1 {{result shape [?, 64] must be [?, ?, 64]}}
  %y = llama4.rms_norm %x, %w {eps = 1.0e-05 : f64} : (tensor<?x?x64xbf16>, tensor<64xbf16>) -> tensor<?x64xbf16>
  return
}

// -----

//===----------------------------------------------------------------------===//
// llama4.layer_norm
//===----------------------------------------------------------------------===//

// eps must be positive.
func.func @layer_norm_negative_eps(%x: tensor<?x17x32xf32>, %w: tensor<32xf32>, %b: tensor<32xf32>) {
  // expected-error @+1 {{eps must be positive, got -1.000000e+00}}
  %y = llama4.layer_norm %x, %w, %b {eps = -1.0 : f64} : (tensor<?x17x32xf32>, tensor<32xf32>, tensor<32xf32>) -> tensor<?x17x32xf32>
  return
}

// -----

// A scalar has no dimension to normalise over.
func.func @layer_norm_scalar_input(%x: tensor<f32>, %w: tensor<32xf32>, %b: tensor<32xf32>) {
  // expected-error @+1 {{input must have rank 1 or more, got []}}
  %y = llama4.layer_norm %x, %w, %b {eps = 1.0e-05 : f64} : (tensor<f32>, tensor<32xf32>, tensor<32xf32>) -> tensor<f32>
  return
}

// -----

// The affine weight is a vector.
func.func @layer_norm_weight_rank(%x: tensor<?x17x32xf32>, %w: tensor<1x32xf32>, %b: tensor<32xf32>) {
  // expected-error @+1 {{weight must have rank 1, got [1, 32]}}
  %y = llama4.layer_norm %x, %w, %b {eps = 1.0e-05 : f64} : (tensor<?x17x32xf32>, tensor<1x32xf32>, tensor<32xf32>) -> tensor<?x17x32xf32>
  return
}

// -----

// The affine bias is a vector.
func.func @layer_norm_bias_rank(%x: tensor<?x17x32xf32>, %w: tensor<32xf32>, %b: tensor<1x32xf32>) {
  // expected-error @+1 {{bias must have rank 1, got [1, 32]}}
  %y = llama4.layer_norm %x, %w, %b {eps = 1.0e-05 : f64} : (tensor<?x17x32xf32>, tensor<32xf32>, tensor<1x32xf32>) -> tensor<?x17x32xf32>
  return
}

// -----

// The weight has one entry per channel.
func.func @layer_norm_weight_size(%x: tensor<?x17x32xf32>, %w: tensor<16xf32>, %b: tensor<32xf32>) {
  // expected-error @+1 {{weight dim 0 (16) must equal input dim 2 (32): weight is [16], input is [?, 17, 32]}}
  %y = llama4.layer_norm %x, %w, %b {eps = 1.0e-05 : f64} : (tensor<?x17x32xf32>, tensor<16xf32>, tensor<32xf32>) -> tensor<?x17x32xf32>
  return
}

// -----

// The bias has one entry per channel.
func.func @layer_norm_bias_size(%x: tensor<?x17x32xf32>, %w: tensor<32xf32>, %b: tensor<16xf32>) {
  // expected-error @+1 {{bias dim 0 (16) must equal input dim 2 (32): bias is [16], input is [?, 17, 32]}}
  %y = llama4.layer_norm %x, %w, %b {eps = 1.0e-05 : f64} : (tensor<?x17x32xf32>, tensor<32xf32>, tensor<16xf32>) -> tensor<?x17x32xf32>
  return
}

// -----

// The bias shares the activations' element type.
func.func @layer_norm_bias_element_type(%x: tensor<?x17x32xf32>, %w: tensor<32xf32>, %b: tensor<32xbf16>) {
  // expected-error @+1 {{bias element type bf16 must match input element type f32}}
  %y = llama4.layer_norm %x, %w, %b {eps = 1.0e-05 : f64} : (tensor<?x17x32xf32>, tensor<32xf32>, tensor<32xbf16>) -> tensor<?x17x32xf32>
  return
}

// -----

// The result has the input's shape.
func.func @layer_norm_result_shape(%x: tensor<?x17x32xf32>, %w: tensor<32xf32>, %b: tensor<32xf32>) {
  // expected-error @+1 {{result shape [?, 16, 32] must be [?, 17, 32]}}
  %y = llama4.layer_norm %x, %w, %b {eps = 1.0e-05 : f64} : (tensor<?x17x32xf32>, tensor<32xf32>, tensor<32xf32>) -> tensor<?x16x32xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// llama4.linear
//===----------------------------------------------------------------------===//

// A scalar input has no feature dimension.
func.func @linear_scalar_input(%x: tensor<bf16>, %w: tensor<32x64xbf16>) {
  // expected-error @+1 {{input must have rank 1 or more, got []}}
  %y = llama4.linear %x, %w : (tensor<bf16>, tensor<32x64xbf16>) -> tensor<32xbf16>
  return
}

// -----

// The weight is a matrix [out, in].
func.func @linear_weight_rank(%x: tensor<?x?x64xbf16>, %w: tensor<64xbf16>) {
  // expected-error @+1 {{weight must have rank 2, got [64]}}
  %y = llama4.linear %x, %w : (tensor<?x?x64xbf16>, tensor<64xbf16>) -> tensor<?x?x64xbf16>
  return
}

// -----

// The weight is stored [out, in] as nn.Linear does, not transposed.
func.func @linear_transposed_weight(%x: tensor<?x?x64xbf16>, %w: tensor<64x32xbf16>) {
  // expected-error @+1 {{weight dim 1 (32) must equal input dim 2 (64): weight is [64, 32], input is [?, ?, 64]}}
  %y = llama4.linear %x, %w : (tensor<?x?x64xbf16>, tensor<64x32xbf16>) -> tensor<?x?x32xbf16>
  return
}

// -----

// Weight and input share one element type.
func.func @linear_weight_element_type(%x: tensor<?x?x64xbf16>, %w: tensor<32x64xf32>) {
  // expected-error @+1 {{weight element type f32 must match input element type bf16}}
  %y = llama4.linear %x, %w : (tensor<?x?x64xbf16>, tensor<32x64xf32>) -> tensor<?x?x32xbf16>
  return
}

// -----

// The result's last dimension is the weight's out dimension.
func.func @linear_result_shape(%x: tensor<?x?x64xbf16>, %w: tensor<32x64xbf16>) {
  // expected-error @+1 {{result shape [?, ?, 64] must be [?, ?, 32]}}
  %y = llama4.linear %x, %w : (tensor<?x?x64xbf16>, tensor<32x64xbf16>) -> tensor<?x?x64xbf16>
  return
}

// -----

// Unlike lm_head, linear does not widen its result.
func.func @linear_result_element_type(%x: tensor<?x?x64xbf16>, %w: tensor<32x64xbf16>) {
  // expected-error @+1 {{result element type f32 must match input element type bf16}}
  %y = llama4.linear %x, %w : (tensor<?x?x64xbf16>, tensor<32x64xbf16>) -> tensor<?x?x32xf32>
  return
}

// -----

// The bias is a vector.
func.func @linear_bias_rank(%x: tensor<?x17x32xf32>, %w: tensor<32x32xf32>, %b: tensor<1x32xf32>) {
  // expected-error @+1 {{bias must have rank 1, got [1, 32]}}
  %y = llama4.linear %x, %w, %b : (tensor<?x17x32xf32>, tensor<32x32xf32>, tensor<1x32xf32>) -> tensor<?x17x32xf32>
  return
}

// -----

// The bias has one entry per output feature.
func.func @linear_bias_size(%x: tensor<?x17x32xf32>, %w: tensor<16x32xf32>, %b: tensor<32xf32>) {
  // expected-error @+1 {{bias dim 0 (32) must equal weight dim 0 (16): bias is [32], weight is [16, 32]}}
  %y = llama4.linear %x, %w, %b : (tensor<?x17x32xf32>, tensor<16x32xf32>, tensor<32xf32>) -> tensor<?x17x16xf32>
  return
}

// -----

// The bias shares the input's element type.
func.func @linear_bias_element_type(%x: tensor<?x17x32xf32>, %w: tensor<32x32xf32>, %b: tensor<32xbf16>) {
  // expected-error @+1 {{bias element type bf16 must match input element type f32}}
  %y = llama4.linear %x, %w, %b : (tensor<?x17x32xf32>, tensor<32x32xf32>, tensor<32xbf16>) -> tensor<?x17x32xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// llama4.lm_head
//===----------------------------------------------------------------------===//

// lm_head.weight is [V, D]; a transposed [D, V] table is rejected.
func.func @lm_head_transposed_weight(%h: tensor<?x?x64xbf16>, %w: tensor<64x128xbf16>) {
  // expected-error @+1 {{weight dim 1 (128) must equal input dim 2 (64): weight is [64, 128], input is [?, ?, 64]}}
  %l = llama4.lm_head %h, %w : (tensor<?x?x64xbf16>, tensor<64x128xbf16>) -> tensor<?x?x64xf32>
  return
}

// -----

// Logits may be widened to f32 but not narrowed.
func.func @lm_head_narrow_result(%h: tensor<?x?x64xf32>, %w: tensor<128x64xf32>) {
  // expected-error @+1 {{result element type must be the input's or f32}}
  %l = llama4.lm_head %h, %w : (tensor<?x?x64xf32>, tensor<128x64xf32>) -> tensor<?x?x128xbf16>
  return
}

// -----

// The logits have one column per vocabulary entry.
func.func @lm_head_result_shape(%h: tensor<?x?x64xbf16>, %w: tensor<128x64xbf16>) {
  // expected-error @+1 {{result shape [?, ?, 64] must be [?, ?, 128]}}
  %l = llama4.lm_head %h, %w : (tensor<?x?x64xbf16>, tensor<128x64xbf16>) -> tensor<?x?x64xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// llama4.rope
//===----------------------------------------------------------------------===//

// theta must be positive.
func.func @rope_zero_theta(%q: tensor<?x?x4x16xbf16>, %pos: tensor<?x?xi32>) {
  // expected-error @+1 {{theta must be positive, got 0.000000e+00}}
  %r = llama4.rope %q, %pos {theta = 0.0 : f64} : (tensor<?x?x4x16xbf16>, tensor<?x?xi32>) -> tensor<?x?x4x16xbf16>
  return
}

// -----

// An infinite theta is reported as such, not as "not positive".
func.func @rope_infinite_theta(%q: tensor<?x?x4x16xbf16>, %pos: tensor<?x?xi32>) {
  // expected-error @+1 {{theta must be finite, got}}
  %r = llama4.rope %q, %pos {theta = 0x7FF0000000000000 : f64} : (tensor<?x?x4x16xbf16>, tensor<?x?xi32>) -> tensor<?x?x4x16xbf16>
  return
}

// -----

// RoPE rotates per head: the input is [B, S, H, d], not the flat projection.
func.func @rope_input_rank(%q: tensor<?x?x64xbf16>, %pos: tensor<?x?xi32>) {
  // expected-error @+1 {{input must have rank 4, got [?, ?, 64]}}
  %r = llama4.rope %q, %pos {theta = 5.0e+05 : f64} : (tensor<?x?x64xbf16>, tensor<?x?xi32>) -> tensor<?x?x64xbf16>
  return
}

// -----

// Positions are [B, S].
func.func @rope_positions_rank(%q: tensor<?x?x4x16xbf16>, %pos: tensor<?xi32>) {
  // expected-error @+1 {{positions must have rank 2, got [?]}}
  %r = llama4.rope %q, %pos {theta = 5.0e+05 : f64} : (tensor<?x?x4x16xbf16>, tensor<?xi32>) -> tensor<?x?x4x16xbf16>
  return
}

// -----

// Positions and input agree on the batch.
func.func @rope_positions_batch(%q: tensor<1x?x4x16xbf16>, %pos: tensor<2x?xi32>) {
  // expected-error @+1 {{positions dim 0 (2) must equal input dim 0 (1): positions is [2, ?], input is [1, ?, 4, 16]}}
  %r = llama4.rope %q, %pos {theta = 5.0e+05 : f64} : (tensor<1x?x4x16xbf16>, tensor<2x?xi32>) -> tensor<1x?x4x16xbf16>
  return
}

// -----

// Positions and input agree on the number of tokens.
func.func @rope_positions_seq(%q: tensor<?x3x4x16xbf16>, %pos: tensor<?x5xi32>) {
  // expected-error @+1 {{positions dim 1 (5) must equal input dim 1 (3): positions is [?, 5], input is [?, 3, 4, 16]}}
  %r = llama4.rope %q, %pos {theta = 5.0e+05 : f64} : (tensor<?x3x4x16xbf16>, tensor<?x5xi32>) -> tensor<?x3x4x16xbf16>
  return
}

// -----

// Interleaved RoPE rotates pairs, so the head dim is even.
func.func @rope_odd_head_dim(%q: tensor<?x?x4x15xbf16>, %pos: tensor<?x?xi32>) {
  // expected-error @+1 {{head dim 15 of input [?, ?, 4, 15] must be even to rotate pairs of elements}}
  %r = llama4.rope %q, %pos {theta = 5.0e+05 : f64} : (tensor<?x?x4x15xbf16>, tensor<?x?xi32>) -> tensor<?x?x4x15xbf16>
  return
}

// -----

// The rotation keeps the element type.
func.func @rope_result_element_type(%q: tensor<?x?x4x16xbf16>, %pos: tensor<?x?xi32>) {
  // expected-error @+1 {{result element type f32 must match input element type bf16}}
  %r = llama4.rope %q, %pos {theta = 5.0e+05 : f64} : (tensor<?x?x4x16xbf16>, tensor<?x?xi32>) -> tensor<?x?x4x16xf32>
  return
}

// -----

// The rotation keeps the shape.
func.func @rope_result_shape(%q: tensor<?x?x4x16xbf16>, %pos: tensor<?x?xi32>) {
  // expected-error @+1 {{result shape [?, ?, 2, 16] must be [?, ?, 4, 16]}}
  %r = llama4.rope %q, %pos {theta = 5.0e+05 : f64} : (tensor<?x?x4x16xbf16>, tensor<?x?xi32>) -> tensor<?x?x2x16xbf16>
  return
}

// -----

// Positions are i32 (ODS constraint).
func.func @rope_i64_positions(%q: tensor<?x?x4x16xbf16>, %pos: tensor<?x?xi64>) {
  // expected-error @+1 {{operand #1 must be ranked tensor of 32-bit signless integer values, but got 'tensor<?x?xi64>'}}
  %r = llama4.rope %q, %pos {theta = 5.0e+05 : f64} : (tensor<?x?x4x16xbf16>, tensor<?x?xi64>) -> tensor<?x?x4x16xbf16>
  return
}

// -----

//===----------------------------------------------------------------------===//
// #llama4.llama3_rope_scaling
//===----------------------------------------------------------------------===//

// The llama3 scaling factor must be positive.
func.func @llama3_scaling_zero_factor(%q: tensor<?x?x4x16xbf16>, %pos: tensor<?x?xi32>) {
  %r = llama4.rope %q, %pos {theta = 5.0e+05 : f64,
      // expected-error @+1 {{llama3 rope scaling factor must be finite and positive, got 0.000000e+00}}
      scaling = #llama4.llama3_rope_scaling<factor = 0.0, low_freq_factor = 1.0, high_freq_factor = 4.0, original_max_position_embeddings = 8192>}
      : (tensor<?x?x4x16xbf16>, tensor<?x?xi32>) -> tensor<?x?x4x16xbf16>
  return
}

// -----

// low_freq_factor must be positive.
func.func @llama3_scaling_negative_low_freq_factor(%q: tensor<?x?x4x16xbf16>, %pos: tensor<?x?xi32>) {
  %r = llama4.rope %q, %pos {theta = 5.0e+05 : f64,
      // expected-error @+1 {{llama3 low_freq_factor must be finite and positive, got -1.000000e+00}}
      scaling = #llama4.llama3_rope_scaling<factor = 16.0, low_freq_factor = -1.0, high_freq_factor = 4.0, original_max_position_embeddings = 8192>}
      : (tensor<?x?x4x16xbf16>, tensor<?x?xi32>) -> tensor<?x?x4x16xbf16>
  return
}

// -----

// high_freq_factor may equal low_freq_factor but not be below it.
func.func @llama3_scaling_high_below_low(%q: tensor<?x?x4x16xbf16>, %pos: tensor<?x?xi32>) {
  %r = llama4.rope %q, %pos {theta = 5.0e+05 : f64,
      // expected-error @+1 {{llama3 high_freq_factor (1.000000e+00) must not be below low_freq_factor (4.000000e+00)}}
      scaling = #llama4.llama3_rope_scaling<factor = 16.0, low_freq_factor = 4.0, high_freq_factor = 1.0, original_max_position_embeddings = 8192>}
      : (tensor<?x?x4x16xbf16>, tensor<?x?xi32>) -> tensor<?x?x4x16xbf16>
  return
}

// -----

// An infinite high_freq_factor is reported as not finite.
func.func @llama3_scaling_infinite_high(%q: tensor<?x?x4x16xbf16>, %pos: tensor<?x?xi32>) {
  %r = llama4.rope %q, %pos {theta = 5.0e+05 : f64,
      // expected-error @+1 {{llama3 high_freq_factor must be finite, got}}
      scaling = #llama4.llama3_rope_scaling<factor = 16.0, low_freq_factor = 1.0, high_freq_factor = 0x7FF0000000000000, original_max_position_embeddings = 8192>}
      : (tensor<?x?x4x16xbf16>, tensor<?x?xi32>) -> tensor<?x?x4x16xbf16>
  return
}

// -----

// The original context length must be positive.
func.func @llama3_scaling_zero_original_max_positions(%q: tensor<?x?x4x16xbf16>, %pos: tensor<?x?xi32>) {
  %r = llama4.rope %q, %pos {theta = 5.0e+05 : f64,
      // expected-error @+1 {{llama3 original_max_position_embeddings must be positive, got 0}}
      scaling = #llama4.llama3_rope_scaling<factor = 16.0, low_freq_factor = 1.0, high_freq_factor = 4.0, original_max_position_embeddings = 0>}
      : (tensor<?x?x4x16xbf16>, tensor<?x?xi32>) -> tensor<?x?x4x16xbf16>
  return
}

// -----

//===----------------------------------------------------------------------===//
// llama4.qk_norm
//===----------------------------------------------------------------------===//

// eps must be positive.
func.func @qk_norm_zero_eps(%q: tensor<?x?x4x16xbf16>) {
  // expected-error @+1 {{eps must be positive, got 0.000000e+00}}
  %n = llama4.qk_norm %q {eps = 0.0 : f64} : tensor<?x?x4x16xbf16>
  return
}

// -----

// A scalar has no head dimension to normalise over.
func.func @qk_norm_scalar_input(%q: tensor<bf16>) {
  // expected-error @+1 {{input must have rank 1 or more, got []}}
  %n = llama4.qk_norm %q {eps = 1.0e-05 : f64} : tensor<bf16>
  return
}

// -----

//===----------------------------------------------------------------------===//
// llama4.attention
//===----------------------------------------------------------------------===//

// The score scale must be positive.
func.func @attention_zero_scale(%q: tensor<?x?x4x16xbf16>, %k: tensor<?x?x2x16xbf16>, %v: tensor<?x?x2x16xbf16>,
    %kc: tensor<?x2x8x16xbf16>, %vc: tensor<?x2x8x16xbf16>, %pos: tensor<?x?xi32>) {
  // expected-error @+1 {{scale must be positive, got 0.000000e+00}}
  %o = llama4.attention %q, %k, %v cache(%kc, %vc) positions(%pos) {chunk_size = 8 : i64, scale = 0.0 : f64}
      : (tensor<?x?x4x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x2x8x16xbf16>, tensor<?x2x8x16xbf16>, tensor<?x?xi32>) -> tensor<?x?x4x16xbf16>
  return
}

// -----

// chunk_size is 0 (global) or a positive chunk length.
func.func @attention_negative_chunk_size(%q: tensor<?x?x4x16xbf16>, %k: tensor<?x?x2x16xbf16>, %v: tensor<?x?x2x16xbf16>,
    %kc: tensor<?x2x8x16xbf16>, %vc: tensor<?x2x8x16xbf16>, %pos: tensor<?x?xi32>) {
  // expected-error @+1 {{chunk_size must be 0 (global attention) or positive, got -1}}
  %o = llama4.attention %q, %k, %v cache(%kc, %vc) positions(%pos) {chunk_size = -1 : i64, scale = 0.25 : f64}
      : (tensor<?x?x4x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x2x8x16xbf16>, tensor<?x2x8x16xbf16>, tensor<?x?xi32>) -> tensor<?x?x4x16xbf16>
  return
}

// -----

// The query is split into heads: [B, S, H, d].
func.func @attention_query_rank(%q: tensor<?x?x64xbf16>, %k: tensor<?x?x2x16xbf16>, %v: tensor<?x?x2x16xbf16>,
    %kc: tensor<?x2x8x16xbf16>, %vc: tensor<?x2x8x16xbf16>, %pos: tensor<?x?xi32>) {
  // expected-error @+1 {{query must have rank 4, got [?, ?, 64]}}
  %o = llama4.attention %q, %k, %v cache(%kc, %vc) positions(%pos) {chunk_size = 8 : i64, scale = 0.25 : f64}
      : (tensor<?x?x64xbf16>, tensor<?x?x2x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x2x8x16xbf16>, tensor<?x2x8x16xbf16>, tensor<?x?xi32>) -> tensor<?x?x64xbf16>
  return
}

// -----

// Positions are [B, S].
func.func @attention_positions_rank(%q: tensor<?x?x4x16xbf16>, %k: tensor<?x?x2x16xbf16>, %v: tensor<?x?x2x16xbf16>,
    %kc: tensor<?x2x8x16xbf16>, %vc: tensor<?x2x8x16xbf16>, %pos: tensor<?x?x1xi32>) {
  // expected-error @+1 {{positions must have rank 2, got [?, ?, 1]}}
  %o = llama4.attention %q, %k, %v cache(%kc, %vc) positions(%pos) {chunk_size = 8 : i64, scale = 0.25 : f64}
      : (tensor<?x?x4x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x2x8x16xbf16>, tensor<?x2x8x16xbf16>, tensor<?x?x1xi32>) -> tensor<?x?x4x16xbf16>
  return
}

// -----

// Positions and query agree on the batch.
func.func @attention_positions_batch(%q: tensor<1x?x4x16xbf16>, %k: tensor<?x?x2x16xbf16>, %v: tensor<?x?x2x16xbf16>,
    %kc: tensor<?x2x8x16xbf16>, %vc: tensor<?x2x8x16xbf16>, %pos: tensor<2x?xi32>) {
  // expected-error @+1 {{positions dim 0 (2) must equal query dim 0 (1): positions is [2, ?], query is [1, ?, 4, 16]}}
  %o = llama4.attention %q, %k, %v cache(%kc, %vc) positions(%pos) {chunk_size = 8 : i64, scale = 0.25 : f64}
      : (tensor<1x?x4x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x2x8x16xbf16>, tensor<?x2x8x16xbf16>, tensor<2x?xi32>) -> tensor<1x?x4x16xbf16>
  return
}

// -----

// Positions and query agree on the number of new tokens.
func.func @attention_positions_seq(%q: tensor<?x3x4x16xbf16>, %k: tensor<?x?x2x16xbf16>, %v: tensor<?x?x2x16xbf16>,
    %kc: tensor<?x2x8x16xbf16>, %vc: tensor<?x2x8x16xbf16>, %pos: tensor<?x1xi32>) {
  // expected-error @+1 {{positions dim 1 (1) must equal query dim 1 (3): positions is [?, 1], query is [?, 3, 4, 16]}}
  %o = llama4.attention %q, %k, %v cache(%kc, %vc) positions(%pos) {chunk_size = 8 : i64, scale = 0.25 : f64}
      : (tensor<?x3x4x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x2x8x16xbf16>, tensor<?x2x8x16xbf16>, tensor<?x1xi32>) -> tensor<?x3x4x16xbf16>
  return
}

// -----

// The keys are split into KV heads.
func.func @attention_key_rank(%q: tensor<?x?x4x16xbf16>, %k: tensor<?x?x32xbf16>, %v: tensor<?x?x2x16xbf16>,
    %kc: tensor<?x2x8x16xbf16>, %vc: tensor<?x2x8x16xbf16>, %pos: tensor<?x?xi32>) {
  // expected-error @+1 {{key must have rank 4, got [?, ?, 32]}}
  %o = llama4.attention %q, %k, %v cache(%kc, %vc) positions(%pos) {chunk_size = 8 : i64, scale = 0.25 : f64}
      : (tensor<?x?x4x16xbf16>, tensor<?x?x32xbf16>, tensor<?x?x2x16xbf16>, tensor<?x2x8x16xbf16>, tensor<?x2x8x16xbf16>, tensor<?x?xi32>) -> tensor<?x?x4x16xbf16>
  return
}

// -----

// The values are split into KV heads.
func.func @attention_value_rank(%q: tensor<?x?x4x16xbf16>, %k: tensor<?x?x2x16xbf16>, %v: tensor<?x?x32xbf16>,
    %kc: tensor<?x2x8x16xbf16>, %vc: tensor<?x2x8x16xbf16>, %pos: tensor<?x?xi32>) {
  // expected-error @+1 {{value must have rank 4, got [?, ?, 32]}}
  %o = llama4.attention %q, %k, %v cache(%kc, %vc) positions(%pos) {chunk_size = 8 : i64, scale = 0.25 : f64}
      : (tensor<?x?x4x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x?x32xbf16>, tensor<?x2x8x16xbf16>, tensor<?x2x8x16xbf16>, tensor<?x?xi32>) -> tensor<?x?x4x16xbf16>
  return
}

// -----

// The key cache is [B, Hkv, L, d].
func.func @attention_key_cache_rank(%q: tensor<?x?x4x16xbf16>, %k: tensor<?x?x2x16xbf16>, %v: tensor<?x?x2x16xbf16>,
    %kc: tensor<?x2x128xbf16>, %vc: tensor<?x2x8x16xbf16>, %pos: tensor<?x?xi32>) {
  // expected-error @+1 {{key cache must have rank 4, got [?, 2, 128]}}
  %o = llama4.attention %q, %k, %v cache(%kc, %vc) positions(%pos) {chunk_size = 8 : i64, scale = 0.25 : f64}
      : (tensor<?x?x4x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x2x128xbf16>, tensor<?x2x8x16xbf16>, tensor<?x?xi32>) -> tensor<?x?x4x16xbf16>
  return
}

// -----

// The value cache is [B, Hkv, L, d].
func.func @attention_value_cache_rank(%q: tensor<?x?x4x16xbf16>, %k: tensor<?x?x2x16xbf16>, %v: tensor<?x?x2x16xbf16>,
    %kc: tensor<?x2x8x16xbf16>, %vc: tensor<?x2x128xbf16>, %pos: tensor<?x?xi32>) {
  // expected-error @+1 {{value cache must have rank 4, got [?, 2, 128]}}
  %o = llama4.attention %q, %k, %v cache(%kc, %vc) positions(%pos) {chunk_size = 8 : i64, scale = 0.25 : f64}
      : (tensor<?x?x4x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x2x8x16xbf16>, tensor<?x2x128xbf16>, tensor<?x?xi32>) -> tensor<?x?x4x16xbf16>
  return
}

// -----

// Keys and queries agree on the batch.
func.func @attention_key_batch(%q: tensor<1x?x4x16xbf16>, %k: tensor<2x?x2x16xbf16>, %v: tensor<?x?x2x16xbf16>,
    %kc: tensor<?x2x8x16xbf16>, %vc: tensor<?x2x8x16xbf16>, %pos: tensor<?x?xi32>) {
  // expected-error @+1 {{key dim 0 (2) must equal query dim 0 (1): key is [2, ?, 2, 16], query is [1, ?, 4, 16]}}
  %o = llama4.attention %q, %k, %v cache(%kc, %vc) positions(%pos) {chunk_size = 8 : i64, scale = 0.25 : f64}
      : (tensor<1x?x4x16xbf16>, tensor<2x?x2x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x2x8x16xbf16>, tensor<?x2x8x16xbf16>, tensor<?x?xi32>) -> tensor<1x?x4x16xbf16>
  return
}

// -----

// Keys are given for the same new tokens as the queries.
func.func @attention_key_seq(%q: tensor<?x3x4x16xbf16>, %k: tensor<?x1x2x16xbf16>, %v: tensor<?x?x2x16xbf16>,
    %kc: tensor<?x2x8x16xbf16>, %vc: tensor<?x2x8x16xbf16>, %pos: tensor<?x?xi32>) {
  // expected-error @+1 {{key dim 1 (1) must equal query dim 1 (3): key is [?, 1, 2, 16], query is [?, 3, 4, 16]}}
  %o = llama4.attention %q, %k, %v cache(%kc, %vc) positions(%pos) {chunk_size = 8 : i64, scale = 0.25 : f64}
      : (tensor<?x3x4x16xbf16>, tensor<?x1x2x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x2x8x16xbf16>, tensor<?x2x8x16xbf16>, tensor<?x?xi32>) -> tensor<?x3x4x16xbf16>
  return
}

// -----

// Keys and queries share the head dim.
func.func @attention_key_head_dim(%q: tensor<?x?x4x16xbf16>, %k: tensor<?x?x2x8xbf16>, %v: tensor<?x?x2x16xbf16>,
    %kc: tensor<?x2x8x16xbf16>, %vc: tensor<?x2x8x16xbf16>, %pos: tensor<?x?xi32>) {
  // expected-error @+1 {{key dim 3 (8) must equal query dim 3 (16): key is [?, ?, 2, 8], query is [?, ?, 4, 16]}}
  %o = llama4.attention %q, %k, %v cache(%kc, %vc) positions(%pos) {chunk_size = 8 : i64, scale = 0.25 : f64}
      : (tensor<?x?x4x16xbf16>, tensor<?x?x2x8xbf16>, tensor<?x?x2x16xbf16>, tensor<?x2x8x16xbf16>, tensor<?x2x8x16xbf16>, tensor<?x?xi32>) -> tensor<?x?x4x16xbf16>
  return
}

// -----

// Values and queries agree on the batch.
func.func @attention_value_batch(%q: tensor<1x?x4x16xbf16>, %k: tensor<?x?x2x16xbf16>, %v: tensor<2x?x2x16xbf16>,
    %kc: tensor<?x2x8x16xbf16>, %vc: tensor<?x2x8x16xbf16>, %pos: tensor<?x?xi32>) {
  // expected-error @+1 {{value dim 0 (2) must equal query dim 0 (1): value is [2, ?, 2, 16], query is [1, ?, 4, 16]}}
  %o = llama4.attention %q, %k, %v cache(%kc, %vc) positions(%pos) {chunk_size = 8 : i64, scale = 0.25 : f64}
      : (tensor<1x?x4x16xbf16>, tensor<?x?x2x16xbf16>, tensor<2x?x2x16xbf16>, tensor<?x2x8x16xbf16>, tensor<?x2x8x16xbf16>, tensor<?x?xi32>) -> tensor<1x?x4x16xbf16>
  return
}

// -----

// Values are given for the same new tokens as the queries.
func.func @attention_value_seq(%q: tensor<?x3x4x16xbf16>, %k: tensor<?x?x2x16xbf16>, %v: tensor<?x1x2x16xbf16>,
    %kc: tensor<?x2x8x16xbf16>, %vc: tensor<?x2x8x16xbf16>, %pos: tensor<?x?xi32>) {
  // expected-error @+1 {{value dim 1 (1) must equal query dim 1 (3): value is [?, 1, 2, 16], query is [?, 3, 4, 16]}}
  %o = llama4.attention %q, %k, %v cache(%kc, %vc) positions(%pos) {chunk_size = 8 : i64, scale = 0.25 : f64}
      : (tensor<?x3x4x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x1x2x16xbf16>, tensor<?x2x8x16xbf16>, tensor<?x2x8x16xbf16>, tensor<?x?xi32>) -> tensor<?x3x4x16xbf16>
  return
}

// -----

// Values and queries share the head dim.
func.func @attention_value_head_dim(%q: tensor<?x?x4x16xbf16>, %k: tensor<?x?x2x16xbf16>, %v: tensor<?x?x2x8xbf16>,
    %kc: tensor<?x2x8x16xbf16>, %vc: tensor<?x2x8x16xbf16>, %pos: tensor<?x?xi32>) {
  // expected-error @+1 {{value dim 3 (8) must equal query dim 3 (16): value is [?, ?, 2, 8], query is [?, ?, 4, 16]}}
  %o = llama4.attention %q, %k, %v cache(%kc, %vc) positions(%pos) {chunk_size = 8 : i64, scale = 0.25 : f64}
      : (tensor<?x?x4x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x?x2x8xbf16>, tensor<?x2x8x16xbf16>, tensor<?x2x8x16xbf16>, tensor<?x?xi32>) -> tensor<?x?x4x16xbf16>
  return
}

// -----

// Keys and values have the same number of KV heads.
func.func @attention_value_heads(%q: tensor<?x?x4x16xbf16>, %k: tensor<?x?x2x16xbf16>, %v: tensor<?x?x1x16xbf16>,
    %kc: tensor<?x2x8x16xbf16>, %vc: tensor<?x2x8x16xbf16>, %pos: tensor<?x?xi32>) {
  // expected-error @+1 {{value dim 2 (1) must equal key dim 2 (2): value is [?, ?, 1, 16], key is [?, ?, 2, 16]}}
  %o = llama4.attention %q, %k, %v cache(%kc, %vc) positions(%pos) {chunk_size = 8 : i64, scale = 0.25 : f64}
      : (tensor<?x?x4x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x?x1x16xbf16>, tensor<?x2x8x16xbf16>, tensor<?x2x8x16xbf16>, tensor<?x?xi32>) -> tensor<?x?x4x16xbf16>
  return
}

// -----

// The key cache holds the rows of the same batch.
func.func @attention_key_cache_batch(%q: tensor<1x?x4x16xbf16>, %k: tensor<?x?x2x16xbf16>, %v: tensor<?x?x2x16xbf16>,
    %kc: tensor<2x2x8x16xbf16>, %vc: tensor<?x2x8x16xbf16>, %pos: tensor<?x?xi32>) {
  // expected-error @+1 {{key cache dim 0 (2) must equal query dim 0 (1): key cache is [2, 2, 8, 16], query is [1, ?, 4, 16]}}
  %o = llama4.attention %q, %k, %v cache(%kc, %vc) positions(%pos) {chunk_size = 8 : i64, scale = 0.25 : f64}
      : (tensor<1x?x4x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x?x2x16xbf16>, tensor<2x2x8x16xbf16>, tensor<?x2x8x16xbf16>, tensor<?x?xi32>) -> tensor<1x?x4x16xbf16>
  return
}

// -----

// The key cache is head-major [B, Hkv, L, d], not token-major [B, L, Hkv, d].
func.func @attention_key_cache_token_major(%q: tensor<?x?x4x16xbf16>, %k: tensor<?x?x2x16xbf16>, %v: tensor<?x?x2x16xbf16>,
    %kc: tensor<?x8x2x16xbf16>, %vc: tensor<?x2x8x16xbf16>, %pos: tensor<?x?xi32>) {
  // expected-error @+1 {{key cache dim 1 (8) must equal key dim 2 (2): key cache is [?, 8, 2, 16], key is [?, ?, 2, 16]}}
  %o = llama4.attention %q, %k, %v cache(%kc, %vc) positions(%pos) {chunk_size = 8 : i64, scale = 0.25 : f64}
      : (tensor<?x?x4x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x8x2x16xbf16>, tensor<?x2x8x16xbf16>, tensor<?x?xi32>) -> tensor<?x?x4x16xbf16>
  return
}

// -----

// The key cache shares the head dim.
func.func @attention_key_cache_head_dim(%q: tensor<?x?x4x16xbf16>, %k: tensor<?x?x2x16xbf16>, %v: tensor<?x?x2x16xbf16>,
    %kc: tensor<?x2x8x8xbf16>, %vc: tensor<?x2x8x16xbf16>, %pos: tensor<?x?xi32>) {
  // expected-error @+1 {{key cache dim 3 (8) must equal query dim 3 (16): key cache is [?, 2, 8, 8], query is [?, ?, 4, 16]}}
  %o = llama4.attention %q, %k, %v cache(%kc, %vc) positions(%pos) {chunk_size = 8 : i64, scale = 0.25 : f64}
      : (tensor<?x?x4x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x2x8x8xbf16>, tensor<?x2x8x16xbf16>, tensor<?x?xi32>) -> tensor<?x?x4x16xbf16>
  return
}

// -----

// The value cache holds the rows of the same batch.
func.func @attention_value_cache_batch(%q: tensor<1x?x4x16xbf16>, %k: tensor<?x?x2x16xbf16>, %v: tensor<?x?x2x16xbf16>,
    %kc: tensor<?x2x8x16xbf16>, %vc: tensor<2x2x8x16xbf16>, %pos: tensor<?x?xi32>) {
  // expected-error @+1 {{value cache dim 0 (2) must equal query dim 0 (1): value cache is [2, 2, 8, 16], query is [1, ?, 4, 16]}}
  %o = llama4.attention %q, %k, %v cache(%kc, %vc) positions(%pos) {chunk_size = 8 : i64, scale = 0.25 : f64}
      : (tensor<1x?x4x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x2x8x16xbf16>, tensor<2x2x8x16xbf16>, tensor<?x?xi32>) -> tensor<1x?x4x16xbf16>
  return
}

// -----

// The value cache has one row block per KV head.
func.func @attention_value_cache_heads(%q: tensor<?x?x4x16xbf16>, %k: tensor<?x?x2x16xbf16>, %v: tensor<?x?x2x16xbf16>,
    %kc: tensor<?x2x8x16xbf16>, %vc: tensor<?x4x8x16xbf16>, %pos: tensor<?x?xi32>) {
  // expected-error @+1 {{value cache dim 1 (4) must equal key dim 2 (2): value cache is [?, 4, 8, 16], key is [?, ?, 2, 16]}}
  %o = llama4.attention %q, %k, %v cache(%kc, %vc) positions(%pos) {chunk_size = 8 : i64, scale = 0.25 : f64}
      : (tensor<?x?x4x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x2x8x16xbf16>, tensor<?x4x8x16xbf16>, tensor<?x?xi32>) -> tensor<?x?x4x16xbf16>
  return
}

// -----

// The value cache shares the head dim.
func.func @attention_value_cache_head_dim(%q: tensor<?x?x4x16xbf16>, %k: tensor<?x?x2x16xbf16>, %v: tensor<?x?x2x16xbf16>,
    %kc: tensor<?x2x8x16xbf16>, %vc: tensor<?x2x8x8xbf16>, %pos: tensor<?x?xi32>) {
  // expected-error @+1 {{value cache dim 3 (8) must equal query dim 3 (16): value cache is [?, 2, 8, 8], query is [?, ?, 4, 16]}}
  %o = llama4.attention %q, %k, %v cache(%kc, %vc) positions(%pos) {chunk_size = 8 : i64, scale = 0.25 : f64}
      : (tensor<?x?x4x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x2x8x16xbf16>, tensor<?x2x8x8xbf16>, tensor<?x?xi32>) -> tensor<?x?x4x16xbf16>
  return
}

// -----

// Both caches have the same number of slots.
func.func @attention_cache_lengths(%q: tensor<?x?x4x16xbf16>, %k: tensor<?x?x2x16xbf16>, %v: tensor<?x?x2x16xbf16>,
    %kc: tensor<?x2x32x16xbf16>, %vc: tensor<?x2x16x16xbf16>, %pos: tensor<?x?xi32>) {
  // expected-error @+1 {{value cache dim 2 (16) must equal key cache dim 2 (32): value cache is [?, 2, 16, 16], key cache is [?, 2, 32, 16]}}
  %o = llama4.attention %q, %k, %v cache(%kc, %vc) positions(%pos) {chunk_size = 0 : i64, scale = 0.25 : f64}
      : (tensor<?x?x4x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x2x32x16xbf16>, tensor<?x2x16x16xbf16>, tensor<?x?xi32>) -> tensor<?x?x4x16xbf16>
  return
}

// -----

// Grouped-query attention needs H to be a multiple of Hkv.
func.func @attention_heads_not_grouped(%q: tensor<?x?x4x16xbf16>, %k: tensor<?x?x3x16xbf16>, %v: tensor<?x?x3x16xbf16>,
    %kc: tensor<?x3x8x16xbf16>, %vc: tensor<?x3x8x16xbf16>, %pos: tensor<?x?xi32>) {
  // expected-error @+1 {{query heads (4) must be a multiple of key/value heads (3): query is [?, ?, 4, 16], key is [?, ?, 3, 16]}}
  %o = llama4.attention %q, %k, %v cache(%kc, %vc) positions(%pos) {chunk_size = 8 : i64, scale = 0.25 : f64}
      : (tensor<?x?x4x16xbf16>, tensor<?x?x3x16xbf16>, tensor<?x?x3x16xbf16>, tensor<?x3x8x16xbf16>, tensor<?x3x8x16xbf16>, tensor<?x?xi32>) -> tensor<?x?x4x16xbf16>
  return
}

// -----

// Zero KV heads are rejected without dividing by zero.
func.func @attention_zero_kv_heads(%q: tensor<?x?x4x16xbf16>, %k: tensor<?x?x0x16xbf16>, %v: tensor<?x?x0x16xbf16>,
    %kc: tensor<?x0x8x16xbf16>, %vc: tensor<?x0x8x16xbf16>, %pos: tensor<?x?xi32>) {
  // expected-error @+1 {{query heads (4) must be a multiple of key/value heads (0): query is [?, ?, 4, 16], key is [?, ?, 0, 16]}}
  %o = llama4.attention %q, %k, %v cache(%kc, %vc) positions(%pos) {chunk_size = 8 : i64, scale = 0.25 : f64}
      : (tensor<?x?x4x16xbf16>, tensor<?x?x0x16xbf16>, tensor<?x?x0x16xbf16>, tensor<?x0x8x16xbf16>, tensor<?x0x8x16xbf16>, tensor<?x?xi32>) -> tensor<?x?x4x16xbf16>
  return
}

// -----

// A chunked layer's cache window is exactly one chunk.
func.func @attention_chunked_cache_length(%q: tensor<?x?x4x16xbf16>, %k: tensor<?x?x2x16xbf16>, %v: tensor<?x?x2x16xbf16>,
    %kc: tensor<?x2x32x16xbf16>, %vc: tensor<?x2x32x16xbf16>, %pos: tensor<?x?xi32>) {
  // expected-error @+1 {{key cache dim 2 must be 8 (a chunked layer's cache holds one chunk), got [?, 2, 32, 16]}}
  %o = llama4.attention %q, %k, %v cache(%kc, %vc) positions(%pos) {chunk_size = 8 : i64, scale = 0.25 : f64}
      : (tensor<?x?x4x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x2x32x16xbf16>, tensor<?x2x32x16xbf16>, tensor<?x?xi32>) -> tensor<?x?x4x16xbf16>
  return
}

// -----

// The value cache window is checked too, when the key cache leaves it open.
func.func @attention_chunked_value_cache_length(%q: tensor<?x?x4x16xbf16>, %k: tensor<?x?x2x16xbf16>, %v: tensor<?x?x2x16xbf16>,
    %kc: tensor<?x2x?x16xbf16>, %vc: tensor<?x2x32x16xbf16>, %pos: tensor<?x?xi32>) {
  // expected-error @+1 {{value cache dim 2 must be 8 (a chunked layer's cache holds one chunk), got [?, 2, 32, 16]}}
  %o = llama4.attention %q, %k, %v cache(%kc, %vc) positions(%pos) {chunk_size = 8 : i64, scale = 0.25 : f64}
      : (tensor<?x?x4x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x2x?x16xbf16>, tensor<?x2x32x16xbf16>, tensor<?x?xi32>) -> tensor<?x?x4x16xbf16>
  return
}

// -----

// All attention operands share one element type.
func.func @attention_element_type(%q: tensor<?x?x4x16xbf16>, %k: tensor<?x?x2x16xf32>, %v: tensor<?x?x2x16xbf16>,
    %kc: tensor<?x2x8x16xbf16>, %vc: tensor<?x2x8x16xbf16>, %pos: tensor<?x?xi32>) {
  // expected-error @+1 {{key element type f32 must match query element type bf16}}
  %o = llama4.attention %q, %k, %v cache(%kc, %vc) positions(%pos) {chunk_size = 8 : i64, scale = 0.25 : f64}
      : (tensor<?x?x4x16xbf16>, tensor<?x?x2x16xf32>, tensor<?x?x2x16xbf16>, tensor<?x2x8x16xbf16>, tensor<?x2x8x16xbf16>, tensor<?x?xi32>) -> tensor<?x?x4x16xbf16>
  return
}

// -----

// The output has the query's shape.
func.func @attention_result_shape(%q: tensor<?x?x4x16xbf16>, %k: tensor<?x?x2x16xbf16>, %v: tensor<?x?x2x16xbf16>,
    %kc: tensor<?x2x8x16xbf16>, %vc: tensor<?x2x8x16xbf16>, %pos: tensor<?x?xi32>) {
  // expected-error @+1 {{result shape [?, ?, 2, 16] must be [?, ?, 4, 16]}}
  %o = llama4.attention %q, %k, %v cache(%kc, %vc) positions(%pos) {chunk_size = 8 : i64, scale = 0.25 : f64}
      : (tensor<?x?x4x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x2x8x16xbf16>, tensor<?x2x8x16xbf16>, tensor<?x?xi32>) -> tensor<?x?x2x16xbf16>
  return
}

// -----

//===----------------------------------------------------------------------===//
// #llama4.temperature_tuning
//===----------------------------------------------------------------------===//

// floor_scale must be positive.
func.func @temperature_tuning_zero_floor_scale(%q: tensor<?x?x4x16xbf16>, %k: tensor<?x?x2x16xbf16>, %v: tensor<?x?x2x16xbf16>,
    %kc: tensor<?x2x32x16xbf16>, %vc: tensor<?x2x32x16xbf16>, %pos: tensor<?x?xi32>) {
  %o = llama4.attention %q, %k, %v cache(%kc, %vc) positions(%pos) {chunk_size = 0 : i64, scale = 0.25 : f64,
      // expected-error @+1 {{temperature tuning floor_scale must be positive, got 0}}
      temperature_tuning = #llama4.temperature_tuning<floor_scale = 0, attn_scale = 0.1>}
      : (tensor<?x?x4x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x2x32x16xbf16>, tensor<?x2x32x16xbf16>, tensor<?x?xi32>) -> tensor<?x?x4x16xbf16>
  return
}

// -----

// attn_scale must be finite (0x7FF0000000000000 is +inf).
func.func @temperature_tuning_infinite_attn_scale(%q: tensor<?x?x4x16xbf16>, %k: tensor<?x?x2x16xbf16>, %v: tensor<?x?x2x16xbf16>,
    %kc: tensor<?x2x32x16xbf16>, %vc: tensor<?x2x32x16xbf16>, %pos: tensor<?x?xi32>) {
  %o = llama4.attention %q, %k, %v cache(%kc, %vc) positions(%pos) {chunk_size = 0 : i64, scale = 0.25 : f64,
      // expected-error @+1 {{temperature tuning attn_scale must be finite}}
      temperature_tuning = #llama4.temperature_tuning<floor_scale = 8192, attn_scale = 0x7FF0000000000000>}
      : (tensor<?x?x4x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x2x32x16xbf16>, tensor<?x2x32x16xbf16>, tensor<?x?xi32>) -> tensor<?x?x4x16xbf16>
  return
}

// -----

//===----------------------------------------------------------------------===//
// llama4.kv_cache_update
//===----------------------------------------------------------------------===//

// window is 0 (one slot per position) or a positive window length.
func.func @kv_cache_update_negative_window(%c: tensor<?x2x8x16xbf16>, %k: tensor<?x?x2x16xbf16>, %pos: tensor<?x?xi32>) {
  // expected-error @+1 {{window must be 0 (one slot per position) or positive, got -1}}
  %c2 = llama4.kv_cache_update %c, %k positions(%pos) {window = -1 : i64}
      : (tensor<?x2x8x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x?xi32>) -> tensor<?x2x8x16xbf16>
  return
}

// -----

// The update is split into KV heads: [B, S, Hkv, d].
func.func @kv_cache_update_update_rank(%c: tensor<?x2x8x16xbf16>, %k: tensor<?x?x32xbf16>, %pos: tensor<?x?xi32>) {
  // expected-error @+1 {{update must have rank 4, got [?, ?, 32]}}
  %c2 = llama4.kv_cache_update %c, %k positions(%pos) {window = 8 : i64}
      : (tensor<?x2x8x16xbf16>, tensor<?x?x32xbf16>, tensor<?x?xi32>) -> tensor<?x2x8x16xbf16>
  return
}

// -----

// Positions are [B, S].
func.func @kv_cache_update_positions_rank(%c: tensor<?x2x8x16xbf16>, %k: tensor<?x?x2x16xbf16>, %pos: tensor<?xi32>) {
  // expected-error @+1 {{positions must have rank 2, got [?]}}
  %c2 = llama4.kv_cache_update %c, %k positions(%pos) {window = 8 : i64}
      : (tensor<?x2x8x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?xi32>) -> tensor<?x2x8x16xbf16>
  return
}

// -----

// Positions and update agree on the batch.
func.func @kv_cache_update_positions_batch(%c: tensor<?x2x8x16xbf16>, %k: tensor<1x?x2x16xbf16>, %pos: tensor<2x?xi32>) {
  // expected-error @+1 {{positions dim 0 (2) must equal update dim 0 (1): positions is [2, ?], update is [1, ?, 2, 16]}}
  %c2 = llama4.kv_cache_update %c, %k positions(%pos) {window = 8 : i64}
      : (tensor<?x2x8x16xbf16>, tensor<1x?x2x16xbf16>, tensor<2x?xi32>) -> tensor<?x2x8x16xbf16>
  return
}

// -----

// Positions and update agree on the number of new tokens.
func.func @kv_cache_update_positions_seq(%c: tensor<?x2x8x16xbf16>, %k: tensor<?x3x2x16xbf16>, %pos: tensor<?x1xi32>) {
  // expected-error @+1 {{positions dim 1 (1) must equal update dim 1 (3): positions is [?, 1], update is [?, 3, 2, 16]}}
  %c2 = llama4.kv_cache_update %c, %k positions(%pos) {window = 8 : i64}
      : (tensor<?x2x8x16xbf16>, tensor<?x3x2x16xbf16>, tensor<?x1xi32>) -> tensor<?x2x8x16xbf16>
  return
}

// -----

// The cache is [B, Hkv, L, d].
func.func @kv_cache_update_cache_rank(%c: tensor<?x2x128xbf16>, %k: tensor<?x?x2x16xbf16>, %pos: tensor<?x?xi32>) {
  // expected-error @+1 {{cache must have rank 4, got [?, 2, 128]}}
  %c2 = llama4.kv_cache_update %c, %k positions(%pos) {window = 8 : i64}
      : (tensor<?x2x128xbf16>, tensor<?x?x2x16xbf16>, tensor<?x?xi32>) -> tensor<?x2x128xbf16>
  return
}

// -----

// Cache and update agree on the batch.
func.func @kv_cache_update_cache_batch(%c: tensor<2x2x8x16xbf16>, %k: tensor<1x?x2x16xbf16>, %pos: tensor<?x?xi32>) {
  // expected-error @+1 {{cache dim 0 (2) must equal update dim 0 (1): cache is [2, 2, 8, 16], update is [1, ?, 2, 16]}}
  %c2 = llama4.kv_cache_update %c, %k positions(%pos) {window = 8 : i64}
      : (tensor<2x2x8x16xbf16>, tensor<1x?x2x16xbf16>, tensor<?x?xi32>) -> tensor<2x2x8x16xbf16>
  return
}

// -----

// The cache is head-major [B, Hkv, L, d], not token-major.
func.func @kv_cache_update_cache_token_major(%c: tensor<?x8x2x16xbf16>, %k: tensor<?x?x2x16xbf16>, %pos: tensor<?x?xi32>) {
  // expected-error @+1 {{cache dim 1 (8) must equal update dim 2 (2): cache is [?, 8, 2, 16], update is [?, ?, 2, 16]}}
  %c2 = llama4.kv_cache_update %c, %k positions(%pos) {window = 0 : i64}
      : (tensor<?x8x2x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x?xi32>) -> tensor<?x8x2x16xbf16>
  return
}

// -----

// Cache and update share the head dim.
func.func @kv_cache_update_head_dim(%c: tensor<?x2x8x8xbf16>, %k: tensor<?x?x2x16xbf16>, %pos: tensor<?x?xi32>) {
  // expected-error @+1 {{cache dim 3 (8) must equal update dim 3 (16): cache is [?, 2, 8, 8], update is [?, ?, 2, 16]}}
  %c2 = llama4.kv_cache_update %c, %k positions(%pos) {window = 8 : i64}
      : (tensor<?x2x8x8xbf16>, tensor<?x?x2x16xbf16>, tensor<?x?xi32>) -> tensor<?x2x8x8xbf16>
  return
}

// -----

// A windowed cache has exactly `window` slots.
func.func @kv_cache_update_window_length(%c: tensor<?x2x32x16xbf16>, %k: tensor<?x?x2x16xbf16>, %pos: tensor<?x?xi32>) {
  // expected-error @+1 {{cache dim 2 must be 8 (one slot per position of the window), got [?, 2, 32, 16]}}
  %c2 = llama4.kv_cache_update %c, %k positions(%pos) {window = 8 : i64}
      : (tensor<?x2x32x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x?xi32>) -> tensor<?x2x32x16xbf16>
  return
}

// -----

// The update is stored without conversion.
func.func @kv_cache_update_element_type(%c: tensor<?x2x8x16xbf16>, %k: tensor<?x?x2x16xf32>, %pos: tensor<?x?xi32>) {
  // expected-error @+1 {{cache element type bf16 must match update element type f32}}
  %c2 = llama4.kv_cache_update %c, %k positions(%pos) {window = 8 : i64}
      : (tensor<?x2x8x16xbf16>, tensor<?x?x2x16xf32>, tensor<?x?xi32>) -> tensor<?x2x8x16xbf16>
  return
}

// -----

// The result is the updated cache, of the cache's shape.
func.func @kv_cache_update_result_shape(%c: tensor<?x2x8x16xbf16>, %k: tensor<?x?x2x16xbf16>, %pos: tensor<?x?xi32>) {
  // expected-error @+1 {{result shape [?, ?, 2, 16] must be [?, 2, 8, 16]}}
  %c2 = llama4.kv_cache_update %c, %k positions(%pos) {window = 8 : i64}
      : (tensor<?x2x8x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x?xi32>) -> tensor<?x?x2x16xbf16>
  return
}

// -----

//===----------------------------------------------------------------------===//
// llama4.swiglu_mlp
//===----------------------------------------------------------------------===//

// A scalar input has no feature dimension.
func.func @swiglu_mlp_scalar_input(%x: tensor<bf16>, %g: tensor<96x64xbf16>, %u: tensor<96x64xbf16>, %d: tensor<64x96xbf16>) {
  // expected-error @+1 {{input must have rank 1 or more, got []}}
  %y = llama4.swiglu_mlp %x, %g, %u, %d {activation = #llama4.activation<silu>}
      : (tensor<bf16>, tensor<96x64xbf16>, tensor<96x64xbf16>, tensor<64x96xbf16>) -> tensor<bf16>
  return
}

// -----

// The gate projection is a matrix.
func.func @swiglu_mlp_gate_rank(%x: tensor<?x?x64xbf16>, %g: tensor<96xbf16>, %u: tensor<96x64xbf16>, %d: tensor<64x96xbf16>) {
  // expected-error @+1 {{gate must have rank 2, got [96]}}
  %y = llama4.swiglu_mlp %x, %g, %u, %d {activation = #llama4.activation<silu>}
      : (tensor<?x?x64xbf16>, tensor<96xbf16>, tensor<96x64xbf16>, tensor<64x96xbf16>) -> tensor<?x?x64xbf16>
  return
}

// -----

// The up projection is a matrix.
func.func @swiglu_mlp_up_rank(%x: tensor<?x?x64xbf16>, %g: tensor<96x64xbf16>, %u: tensor<96xbf16>, %d: tensor<64x96xbf16>) {
  // expected-error @+1 {{up must have rank 2, got [96]}}
  %y = llama4.swiglu_mlp %x, %g, %u, %d {activation = #llama4.activation<silu>}
      : (tensor<?x?x64xbf16>, tensor<96x64xbf16>, tensor<96xbf16>, tensor<64x96xbf16>) -> tensor<?x?x64xbf16>
  return
}

// -----

// The down projection is a matrix.
func.func @swiglu_mlp_down_rank(%x: tensor<?x?x64xbf16>, %g: tensor<96x64xbf16>, %u: tensor<96x64xbf16>, %d: tensor<64xbf16>) {
  // expected-error @+1 {{down must have rank 2, got [64]}}
  %y = llama4.swiglu_mlp %x, %g, %u, %d {activation = #llama4.activation<silu>}
      : (tensor<?x?x64xbf16>, tensor<96x64xbf16>, tensor<96x64xbf16>, tensor<64xbf16>) -> tensor<?x?x64xbf16>
  return
}

// -----

// gate is [F, D] in nn.Linear layout, not transposed.
func.func @swiglu_mlp_gate_transposed(%x: tensor<?x?x64xbf16>, %g: tensor<64x96xbf16>, %u: tensor<96x64xbf16>, %d: tensor<64x96xbf16>) {
  // expected-error @+1 {{gate dim 1 (96) must equal input dim 2 (64): gate is [64, 96], input is [?, ?, 64]}}
  %y = llama4.swiglu_mlp %x, %g, %u, %d {activation = #llama4.activation<silu>}
      : (tensor<?x?x64xbf16>, tensor<64x96xbf16>, tensor<96x64xbf16>, tensor<64x96xbf16>) -> tensor<?x?x64xbf16>
  return
}

// -----

// gate and up have the same width F.
func.func @swiglu_mlp_up_width(%x: tensor<?x?x64xbf16>, %g: tensor<96x64xbf16>, %u: tensor<48x64xbf16>, %d: tensor<64x96xbf16>) {
  // expected-error @+1 {{up dim 0 (48) must equal gate dim 0 (96): up is [48, 64], gate is [96, 64]}}
  %y = llama4.swiglu_mlp %x, %g, %u, %d {activation = #llama4.activation<silu>}
      : (tensor<?x?x64xbf16>, tensor<96x64xbf16>, tensor<48x64xbf16>, tensor<64x96xbf16>) -> tensor<?x?x64xbf16>
  return
}

// -----

// up reads the hidden state.
func.func @swiglu_mlp_up_input(%x: tensor<?x?x64xbf16>, %g: tensor<96x64xbf16>, %u: tensor<96x32xbf16>, %d: tensor<64x96xbf16>) {
  // expected-error @+1 {{up dim 1 (32) must equal input dim 2 (64): up is [96, 32], input is [?, ?, 64]}}
  %y = llama4.swiglu_mlp %x, %g, %u, %d {activation = #llama4.activation<silu>}
      : (tensor<?x?x64xbf16>, tensor<96x64xbf16>, tensor<96x32xbf16>, tensor<64x96xbf16>) -> tensor<?x?x64xbf16>
  return
}

// -----

// down reads the F-wide product.
func.func @swiglu_mlp_down_width(%x: tensor<?x?x64xbf16>, %g: tensor<96x64xbf16>, %u: tensor<96x64xbf16>, %d: tensor<64x48xbf16>) {
  // expected-error @+1 {{down dim 1 (48) must equal gate dim 0 (96): down is [64, 48], gate is [96, 64]}}
  %y = llama4.swiglu_mlp %x, %g, %u, %d {activation = #llama4.activation<silu>}
      : (tensor<?x?x64xbf16>, tensor<96x64xbf16>, tensor<96x64xbf16>, tensor<64x48xbf16>) -> tensor<?x?x64xbf16>
  return
}

// -----

// down writes the hidden size.
func.func @swiglu_mlp_down_output(%x: tensor<?x?x64xbf16>, %g: tensor<96x64xbf16>, %u: tensor<96x64xbf16>, %d: tensor<32x96xbf16>) {
  // expected-error @+1 {{down dim 0 (32) must equal input dim 2 (64): down is [32, 96], input is [?, ?, 64]}}
  %y = llama4.swiglu_mlp %x, %g, %u, %d {activation = #llama4.activation<silu>}
      : (tensor<?x?x64xbf16>, tensor<96x64xbf16>, tensor<96x64xbf16>, tensor<32x96xbf16>) -> tensor<?x?x64xbf16>
  return
}

// -----

// The projections share the input's element type.
func.func @swiglu_mlp_weight_element_type(%x: tensor<?x?x64xbf16>, %g: tensor<96x64xbf16>, %u: tensor<96x64xf32>, %d: tensor<64x96xbf16>) {
  // expected-error @+1 {{up element type f32 must match input element type bf16}}
  %y = llama4.swiglu_mlp %x, %g, %u, %d {activation = #llama4.activation<silu>}
      : (tensor<?x?x64xbf16>, tensor<96x64xbf16>, tensor<96x64xf32>, tensor<64x96xbf16>) -> tensor<?x?x64xbf16>
  return
}

// -----

// The result keeps the input's element type.
func.func @swiglu_mlp_result_element_type(%x: tensor<?x?x64xbf16>, %g: tensor<96x64xbf16>, %u: tensor<96x64xbf16>, %d: tensor<64x96xbf16>) {
  // expected-error @+1 {{result element type f32 must match input element type bf16}}
  %y = llama4.swiglu_mlp %x, %g, %u, %d {activation = #llama4.activation<silu>}
      : (tensor<?x?x64xbf16>, tensor<96x64xbf16>, tensor<96x64xbf16>, tensor<64x96xbf16>) -> tensor<?x?x64xf32>
  return
}

// -----

// The result has the input's shape.
func.func @swiglu_mlp_result_shape(%x: tensor<?x?x64xbf16>, %g: tensor<96x64xbf16>, %u: tensor<96x64xbf16>, %d: tensor<64x96xbf16>) {
  // expected-error @+1 {{result shape [?, ?, 96] must be [?, ?, 64]}}
  %y = llama4.swiglu_mlp %x, %g, %u, %d {activation = #llama4.activation<silu>}
      : (tensor<?x?x64xbf16>, tensor<96x64xbf16>, tensor<96x64xbf16>, tensor<64x96xbf16>) -> tensor<?x?x96xbf16>
  return
}

// -----

//===----------------------------------------------------------------------===//
// llama4.moe
// Valid shapes: router [3, 64], gate_up [3, 64, 96], down [3, 48, 64],
// shared gate/up [32, 64], shared down [64, 32].
//===----------------------------------------------------------------------===//

// The shared expert is a gated MLP over the same hidden state.
func.func @moe_shared_gate_transposed(%x: tensor<?x?x64xbf16>, %r: tensor<3x64xbf16>, %gu: tensor<3x64x96xbf16>, %dn: tensor<3x48x64xbf16>,
    %sg: tensor<64x32xbf16>, %su: tensor<32x64xbf16>, %sd: tensor<64x32xbf16>) {
  // expected-error @+1 {{shared gate dim 1 (32) must equal input dim 2 (64): shared gate is [64, 32], input is [?, ?, 64]}}
  %y = llama4.moe %x router(%r) experts(%gu, %dn) shared_expert(%sg, %su, %sd) {activation = #llama4.activation<silu>, top_k = 1 : i64}
      : (tensor<?x?x64xbf16>, tensor<3x64xbf16>, tensor<3x64x96xbf16>, tensor<3x48x64xbf16>, tensor<64x32xbf16>, tensor<32x64xbf16>, tensor<64x32xbf16>) -> tensor<?x?x64xbf16>
  return
}

// -----

// The shared down projection reads the shared expert's width.
func.func @moe_shared_down_width(%x: tensor<?x?x64xbf16>, %r: tensor<3x64xbf16>, %gu: tensor<3x64x96xbf16>, %dn: tensor<3x48x64xbf16>,
    %sg: tensor<32x64xbf16>, %su: tensor<32x64xbf16>, %sd: tensor<64x48xbf16>) {
  // expected-error @+1 {{shared down dim 1 (48) must equal shared gate dim 0 (32): shared down is [64, 48], shared gate is [32, 64]}}
  %y = llama4.moe %x router(%r) experts(%gu, %dn) shared_expert(%sg, %su, %sd) {activation = #llama4.activation<silu>, top_k = 1 : i64}
      : (tensor<?x?x64xbf16>, tensor<3x64xbf16>, tensor<3x64x96xbf16>, tensor<3x48x64xbf16>, tensor<32x64xbf16>, tensor<32x64xbf16>, tensor<64x48xbf16>) -> tensor<?x?x64xbf16>
  return
}

// -----

// The shared gate projection is a matrix.
func.func @moe_shared_gate_rank(%x: tensor<?x?x64xbf16>, %r: tensor<3x64xbf16>, %gu: tensor<3x64x96xbf16>, %dn: tensor<3x48x64xbf16>,
    %sg: tensor<32xbf16>, %su: tensor<32x64xbf16>, %sd: tensor<64x32xbf16>) {
  // expected-error @+1 {{shared gate must have rank 2, got [32]}}
  %y = llama4.moe %x router(%r) experts(%gu, %dn) shared_expert(%sg, %su, %sd) {activation = #llama4.activation<silu>, top_k = 1 : i64}
      : (tensor<?x?x64xbf16>, tensor<3x64xbf16>, tensor<3x64x96xbf16>, tensor<3x48x64xbf16>, tensor<32xbf16>, tensor<32x64xbf16>, tensor<64x32xbf16>) -> tensor<?x?x64xbf16>
  return
}

// -----

// The shared gate and up projections have the same width.
func.func @moe_shared_up_width(%x: tensor<?x?x64xbf16>, %r: tensor<3x64xbf16>, %gu: tensor<3x64x96xbf16>, %dn: tensor<3x48x64xbf16>,
    %sg: tensor<32x64xbf16>, %su: tensor<48x64xbf16>, %sd: tensor<64x32xbf16>) {
  // expected-error @+1 {{shared up dim 0 (48) must equal shared gate dim 0 (32): shared up is [48, 64], shared gate is [32, 64]}}
  %y = llama4.moe %x router(%r) experts(%gu, %dn) shared_expert(%sg, %su, %sd) {activation = #llama4.activation<silu>, top_k = 1 : i64}
      : (tensor<?x?x64xbf16>, tensor<3x64xbf16>, tensor<3x64x96xbf16>, tensor<3x48x64xbf16>, tensor<32x64xbf16>, tensor<48x64xbf16>, tensor<64x32xbf16>) -> tensor<?x?x64xbf16>
  return
}

// -----

// The shared expert shares the input's element type.
func.func @moe_shared_element_type(%x: tensor<?x?x64xbf16>, %r: tensor<3x64xbf16>, %gu: tensor<3x64x96xbf16>, %dn: tensor<3x48x64xbf16>,
    %sg: tensor<32x64xbf16>, %su: tensor<32x64xbf16>, %sd: tensor<64x32xf32>) {
  // expected-error @+1 {{shared down element type f32 must match input element type bf16}}
  %y = llama4.moe %x router(%r) experts(%gu, %dn) shared_expert(%sg, %su, %sd) {activation = #llama4.activation<silu>, top_k = 1 : i64}
      : (tensor<?x?x64xbf16>, tensor<3x64xbf16>, tensor<3x64x96xbf16>, tensor<3x48x64xbf16>, tensor<32x64xbf16>, tensor<32x64xbf16>, tensor<64x32xf32>) -> tensor<?x?x64xbf16>
  return
}

// -----

// The router is a matrix [E, D].
func.func @moe_router_rank(%x: tensor<?x?x64xbf16>, %r: tensor<64xbf16>, %gu: tensor<3x64x96xbf16>, %dn: tensor<3x48x64xbf16>,
    %sg: tensor<32x64xbf16>, %su: tensor<32x64xbf16>, %sd: tensor<64x32xbf16>) {
  // expected-error @+1 {{router must have rank 2, got [64]}}
  %y = llama4.moe %x router(%r) experts(%gu, %dn) shared_expert(%sg, %su, %sd) {activation = #llama4.activation<silu>, top_k = 1 : i64}
      : (tensor<?x?x64xbf16>, tensor<64xbf16>, tensor<3x64x96xbf16>, tensor<3x48x64xbf16>, tensor<32x64xbf16>, tensor<32x64xbf16>, tensor<64x32xbf16>) -> tensor<?x?x64xbf16>
  return
}

// -----

// The expert gate_up weights are stacked per expert: [E, D, 2F].
func.func @moe_gate_up_rank(%x: tensor<?x?x64xbf16>, %r: tensor<3x64xbf16>, %gu: tensor<64x96xbf16>, %dn: tensor<3x48x64xbf16>,
    %sg: tensor<32x64xbf16>, %su: tensor<32x64xbf16>, %sd: tensor<64x32xbf16>) {
  // expected-error @+1 {{gate_up must have rank 3, got [64, 96]}}
  %y = llama4.moe %x router(%r) experts(%gu, %dn) shared_expert(%sg, %su, %sd) {activation = #llama4.activation<silu>, top_k = 1 : i64}
      : (tensor<?x?x64xbf16>, tensor<3x64xbf16>, tensor<64x96xbf16>, tensor<3x48x64xbf16>, tensor<32x64xbf16>, tensor<32x64xbf16>, tensor<64x32xbf16>) -> tensor<?x?x64xbf16>
  return
}

// -----

// The expert down weights are stacked per expert: [E, F, D].
func.func @moe_down_rank(%x: tensor<?x?x64xbf16>, %r: tensor<3x64xbf16>, %gu: tensor<3x64x96xbf16>, %dn: tensor<48x64xbf16>,
    %sg: tensor<32x64xbf16>, %su: tensor<32x64xbf16>, %sd: tensor<64x32xbf16>) {
  // expected-error @+1 {{down must have rank 3, got [48, 64]}}
  %y = llama4.moe %x router(%r) experts(%gu, %dn) shared_expert(%sg, %su, %sd) {activation = #llama4.activation<silu>, top_k = 1 : i64}
      : (tensor<?x?x64xbf16>, tensor<3x64xbf16>, tensor<3x64x96xbf16>, tensor<48x64xbf16>, tensor<32x64xbf16>, tensor<32x64xbf16>, tensor<64x32xbf16>) -> tensor<?x?x64xbf16>
  return
}

// -----

// The router reads the hidden state.
func.func @moe_router_input(%x: tensor<?x?x64xbf16>, %r: tensor<3x32xbf16>, %gu: tensor<3x64x96xbf16>, %dn: tensor<3x48x64xbf16>,
    %sg: tensor<32x64xbf16>, %su: tensor<32x64xbf16>, %sd: tensor<64x32xbf16>) {
  // expected-error @+1 {{router dim 1 (32) must equal input dim 2 (64): router is [3, 32], input is [?, ?, 64]}}
  %y = llama4.moe %x router(%r) experts(%gu, %dn) shared_expert(%sg, %su, %sd) {activation = #llama4.activation<silu>, top_k = 1 : i64}
      : (tensor<?x?x64xbf16>, tensor<3x32xbf16>, tensor<3x64x96xbf16>, tensor<3x48x64xbf16>, tensor<32x64xbf16>, tensor<32x64xbf16>, tensor<64x32xbf16>) -> tensor<?x?x64xbf16>
  return
}

// -----

// gate_up has one slice per routed expert.
func.func @moe_gate_up_experts(%x: tensor<?x?x64xbf16>, %r: tensor<3x64xbf16>, %gu: tensor<4x64x96xbf16>, %dn: tensor<3x48x64xbf16>,
    %sg: tensor<32x64xbf16>, %su: tensor<32x64xbf16>, %sd: tensor<64x32xbf16>) {
  // expected-error @+1 {{gate_up dim 0 (4) must equal router dim 0 (3): gate_up is [4, 64, 96], router is [3, 64]}}
  %y = llama4.moe %x router(%r) experts(%gu, %dn) shared_expert(%sg, %su, %sd) {activation = #llama4.activation<silu>, top_k = 1 : i64}
      : (tensor<?x?x64xbf16>, tensor<3x64xbf16>, tensor<4x64x96xbf16>, tensor<3x48x64xbf16>, tensor<32x64xbf16>, tensor<32x64xbf16>, tensor<64x32xbf16>) -> tensor<?x?x64xbf16>
  return
}

// -----

// down has one slice per routed expert.
func.func @moe_down_experts(%x: tensor<?x?x64xbf16>, %r: tensor<3x64xbf16>, %gu: tensor<3x64x96xbf16>, %dn: tensor<4x48x64xbf16>,
    %sg: tensor<32x64xbf16>, %su: tensor<32x64xbf16>, %sd: tensor<64x32xbf16>) {
  // expected-error @+1 {{down dim 0 (4) must equal router dim 0 (3): down is [4, 48, 64], router is [3, 64]}}
  %y = llama4.moe %x router(%r) experts(%gu, %dn) shared_expert(%sg, %su, %sd) {activation = #llama4.activation<silu>, top_k = 1 : i64}
      : (tensor<?x?x64xbf16>, tensor<3x64xbf16>, tensor<3x64x96xbf16>, tensor<4x48x64xbf16>, tensor<32x64xbf16>, tensor<32x64xbf16>, tensor<64x32xbf16>) -> tensor<?x?x64xbf16>
  return
}

// -----

// Expert weights are stored [in, out]; an nn.Linear-style [E, 2F, D] gate_up is rejected.
func.func @moe_gate_up_linear_layout(%x: tensor<?x?x64xbf16>, %r: tensor<3x64xbf16>, %gu: tensor<3x96x64xbf16>, %dn: tensor<3x48x64xbf16>,
    %sg: tensor<32x64xbf16>, %su: tensor<32x64xbf16>, %sd: tensor<64x32xbf16>) {
  // expected-error @+1 {{gate_up dim 1 (96) must equal input dim 2 (64): gate_up is [3, 96, 64], input is [?, ?, 64]}}
  %y = llama4.moe %x router(%r) experts(%gu, %dn) shared_expert(%sg, %su, %sd) {activation = #llama4.activation<silu>, top_k = 1 : i64}
      : (tensor<?x?x64xbf16>, tensor<3x64xbf16>, tensor<3x96x64xbf16>, tensor<3x48x64xbf16>, tensor<32x64xbf16>, tensor<32x64xbf16>, tensor<64x32xbf16>) -> tensor<?x?x64xbf16>
  return
}

// -----

// Expert weights are stored [in, out]; an nn.Linear-style [E, D, F] down is rejected.
func.func @moe_down_linear_layout(%x: tensor<?x?x64xbf16>, %r: tensor<3x64xbf16>, %gu: tensor<3x64x96xbf16>, %dn: tensor<3x64x48xbf16>,
    %sg: tensor<32x64xbf16>, %su: tensor<32x64xbf16>, %sd: tensor<64x32xbf16>) {
  // expected-error @+1 {{down dim 2 (48) must equal input dim 2 (64): down is [3, 64, 48], input is [?, ?, 64]}}
  %y = llama4.moe %x router(%r) experts(%gu, %dn) shared_expert(%sg, %su, %sd) {activation = #llama4.activation<silu>, top_k = 1 : i64}
      : (tensor<?x?x64xbf16>, tensor<3x64xbf16>, tensor<3x64x96xbf16>, tensor<3x64x48xbf16>, tensor<32x64xbf16>, tensor<32x64xbf16>, tensor<64x32xbf16>) -> tensor<?x?x64xbf16>
  return
}

// -----

// gate_up holds the gate and the up columns, so it is twice as wide as down reads.
func.func @moe_gate_up_not_twice_width(%x: tensor<?x?x64xbf16>, %r: tensor<3x64xbf16>, %gu: tensor<3x64x48xbf16>, %dn: tensor<3x48x64xbf16>,
    %sg: tensor<32x64xbf16>, %su: tensor<32x64xbf16>, %sd: tensor<64x32xbf16>) {
  // expected-error @+1 {{gate_up dim 2 (48) must be twice down dim 1 (48), the gate columns then the up columns: gate_up is [3, 64, 48], down is [3, 48, 64]}}
  %y = llama4.moe %x router(%r) experts(%gu, %dn) shared_expert(%sg, %su, %sd) {activation = #llama4.activation<silu>, top_k = 1 : i64}
      : (tensor<?x?x64xbf16>, tensor<3x64xbf16>, tensor<3x64x48xbf16>, tensor<3x48x64xbf16>, tensor<32x64xbf16>, tensor<32x64xbf16>, tensor<64x32xbf16>) -> tensor<?x?x64xbf16>
  return
}

// -----

// At least one expert is routed.
func.func @moe_zero_top_k(%x: tensor<?x?x64xbf16>, %r: tensor<3x64xbf16>, %gu: tensor<3x64x96xbf16>, %dn: tensor<3x48x64xbf16>,
    %sg: tensor<32x64xbf16>, %su: tensor<32x64xbf16>, %sd: tensor<64x32xbf16>) {
  // expected-error @+1 {{top_k (0) must be at least 1}}
  %y = llama4.moe %x router(%r) experts(%gu, %dn) shared_expert(%sg, %su, %sd) {activation = #llama4.activation<silu>, top_k = 0 : i64}
      : (tensor<?x?x64xbf16>, tensor<3x64xbf16>, tensor<3x64x96xbf16>, tensor<3x48x64xbf16>, tensor<32x64xbf16>, tensor<32x64xbf16>, tensor<64x32xbf16>) -> tensor<?x?x64xbf16>
  return
}

// -----

// With a dynamic expert count only the lower bound is checked, and the
// message does not print the dynamic size.
func.func @moe_zero_top_k_dynamic_experts(%x: tensor<?x?x64xbf16>, %r: tensor<?x64xbf16>, %gu: tensor<?x64x96xbf16>, %dn: tensor<?x48x64xbf16>,
    %sg: tensor<32x64xbf16>, %su: tensor<32x64xbf16>, %sd: tensor<64x32xbf16>) {
  // expected-error @+1 {{top_k (0) must be at least 1}}
  %y = llama4.moe %x router(%r) experts(%gu, %dn) shared_expert(%sg, %su, %sd) {activation = #llama4.activation<silu>, top_k = 0 : i64}
      : (tensor<?x?x64xbf16>, tensor<?x64xbf16>, tensor<?x64x96xbf16>, tensor<?x48x64xbf16>, tensor<32x64xbf16>, tensor<32x64xbf16>, tensor<64x32xbf16>) -> tensor<?x?x64xbf16>
  return
}

// -----

// top_k cannot exceed the number of experts.
func.func @moe_top_k_over_experts(%x: tensor<?x?x64xbf16>, %r: tensor<3x64xbf16>, %gu: tensor<3x64x96xbf16>, %dn: tensor<3x48x64xbf16>,
    %sg: tensor<32x64xbf16>, %su: tensor<32x64xbf16>, %sd: tensor<64x32xbf16>) {
  // expected-error @+1 {{top_k (4) must not exceed the 3 experts of router [3, 64]}}
  %y = llama4.moe %x router(%r) experts(%gu, %dn) shared_expert(%sg, %su, %sd) {activation = #llama4.activation<silu>, top_k = 4 : i64}
      : (tensor<?x?x64xbf16>, tensor<3x64xbf16>, tensor<3x64x96xbf16>, tensor<3x48x64xbf16>, tensor<32x64xbf16>, tensor<32x64xbf16>, tensor<64x32xbf16>) -> tensor<?x?x64xbf16>
  return
}

// -----

// Router and expert weights share the input's element type.
func.func @moe_router_element_type(%x: tensor<?x?x64xbf16>, %r: tensor<3x64xf32>, %gu: tensor<3x64x96xbf16>, %dn: tensor<3x48x64xbf16>,
    %sg: tensor<32x64xbf16>, %su: tensor<32x64xbf16>, %sd: tensor<64x32xbf16>) {
  // expected-error @+1 {{router element type f32 must match input element type bf16}}
  %y = llama4.moe %x router(%r) experts(%gu, %dn) shared_expert(%sg, %su, %sd) {activation = #llama4.activation<silu>, top_k = 1 : i64}
      : (tensor<?x?x64xbf16>, tensor<3x64xf32>, tensor<3x64x96xbf16>, tensor<3x48x64xbf16>, tensor<32x64xbf16>, tensor<32x64xbf16>, tensor<64x32xbf16>) -> tensor<?x?x64xbf16>
  return
}

// -----

// The result has the input's shape.
func.func @moe_result_shape(%x: tensor<?x?x64xbf16>, %r: tensor<3x64xbf16>, %gu: tensor<3x64x96xbf16>, %dn: tensor<3x48x64xbf16>,
    %sg: tensor<32x64xbf16>, %su: tensor<32x64xbf16>, %sd: tensor<64x32xbf16>) {
  // expected-error @+1 {{result shape [?, ?, 3] must be [?, ?, 64]}}
  %y = llama4.moe %x router(%r) experts(%gu, %dn) shared_expert(%sg, %su, %sd) {activation = #llama4.activation<silu>, top_k = 1 : i64}
      : (tensor<?x?x64xbf16>, tensor<3x64xbf16>, tensor<3x64x96xbf16>, tensor<3x48x64xbf16>, tensor<32x64xbf16>, tensor<32x64xbf16>, tensor<64x32xbf16>) -> tensor<?x?x3xbf16>
  return
}

// -----

//===----------------------------------------------------------------------===//
// llama4.unfold_patch_embed
//===----------------------------------------------------------------------===//

// patch_size must be positive.
func.func @unfold_patch_embed_zero_patch(%px: tensor<?x3x8x8xf32>, %w: tensor<32x12xf32>) {
  // expected-error @+1 {{patch_size must be positive, got 0}}
  %p = llama4.unfold_patch_embed %px, %w {patch_size = 0 : i64} : (tensor<?x3x8x8xf32>, tensor<32x12xf32>) -> tensor<?x16x32xf32>
  return
}

// -----

// Pixels are [N, C, I, I].
func.func @unfold_patch_embed_pixels_rank(%px: tensor<?x3x64xf32>, %w: tensor<32x12xf32>) {
  // expected-error @+1 {{pixels must have rank 4, got [?, 3, 64]}}
  %p = llama4.unfold_patch_embed %px, %w {patch_size = 2 : i64} : (tensor<?x3x64xf32>, tensor<32x12xf32>) -> tensor<?x16x32xf32>
  return
}

// -----

// The projection is a matrix [Dv, C*p*p], not a conv kernel.
func.func @unfold_patch_embed_conv_weight(%px: tensor<?x3x8x8xf32>, %w: tensor<32x3x2x2xf32>) {
  // expected-error @+1 {{weight must have rank 2, got [32, 3, 2, 2]}}
  %p = llama4.unfold_patch_embed %px, %w {patch_size = 2 : i64} : (tensor<?x3x8x8xf32>, tensor<32x3x2x2xf32>) -> tensor<?x16x32xf32>
  return
}

// -----

// Tiles are square.
func.func @unfold_patch_embed_non_square_tile(%px: tensor<?x3x8x6xf32>, %w: tensor<32x12xf32>) {
  // expected-error @+1 {{pixels dim 2 (8) must equal dim 3 (6): pixels is [?, 3, 8, 6]}}
  %p = llama4.unfold_patch_embed %px, %w {patch_size = 2 : i64} : (tensor<?x3x8x6xf32>, tensor<32x12xf32>) -> tensor<?x16x32xf32>
  return
}

// -----

// Channels and tile size must be known to cut patches.
func.func @unfold_patch_embed_dynamic_channels(%px: tensor<?x?x8x8xf32>, %w: tensor<32x12xf32>) {
  // expected-error @+1 {{pixels must have static channels and tile size, got [?, ?, 8, 8]}}
  %p = llama4.unfold_patch_embed %px, %w {patch_size = 2 : i64} : (tensor<?x?x8x8xf32>, tensor<32x12xf32>) -> tensor<?x16x32xf32>
  return
}

// -----

// A tile with a dynamic width cannot be cut either.
func.func @unfold_patch_embed_dynamic_width(%px: tensor<?x3x8x?xf32>, %w: tensor<32x12xf32>) {
  // expected-error @+1 {{pixels must have static channels and tile size, got [?, 3, 8, ?]}}
  %p = llama4.unfold_patch_embed %px, %w {patch_size = 2 : i64} : (tensor<?x3x8x?xf32>, tensor<32x12xf32>) -> tensor<?x16x32xf32>
  return
}

// -----

// Patches tile the image without overlap or remainder.
func.func @unfold_patch_embed_side_not_multiple(%px: tensor<?x3x8x8xf32>, %w: tensor<32x27xf32>) {
  // expected-error @+1 {{tile side 8 of pixels [?, 3, 8, 8] is not a multiple of patch_size 3}}
  %p = llama4.unfold_patch_embed %px, %w {patch_size = 3 : i64} : (tensor<?x3x8x8xf32>, tensor<32x27xf32>) -> tensor<?x4x32xf32>
  return
}

// -----

// The weight reads C * p * p values per patch.
func.func @unfold_patch_embed_weight_width(%px: tensor<?x3x8x8xf32>, %w: tensor<32x4xf32>) {
  // expected-error @+1 {{weight dim 1 must be 12 (channels * patch_size^2 values per patch), got [32, 4]}}
  %p = llama4.unfold_patch_embed %px, %w {patch_size = 2 : i64} : (tensor<?x3x8x8xf32>, tensor<32x4xf32>) -> tensor<?x16x32xf32>
  return
}

// -----

// Pixels and weight share one element type.
func.func @unfold_patch_embed_element_type(%px: tensor<?x3x8x8xf32>, %w: tensor<32x12xbf16>) {
  // expected-error @+1 {{weight element type bf16 must match pixels element type f32}}
  %p = llama4.unfold_patch_embed %px, %w {patch_size = 2 : i64} : (tensor<?x3x8x8xf32>, tensor<32x12xbf16>) -> tensor<?x16x32xf32>
  return
}

// -----

// The result has (I/p)^2 patches of Dv features.
func.func @unfold_patch_embed_result_shape(%px: tensor<?x3x8x8xf32>, %w: tensor<32x12xf32>) {
  // expected-error @+1 {{result shape [?, 64, 32] must be [?, 16, 32]}}
  %p = llama4.unfold_patch_embed %px, %w {patch_size = 2 : i64} : (tensor<?x3x8x8xf32>, tensor<32x12xf32>) -> tensor<?x64x32xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// llama4.class_pos_embed
//===----------------------------------------------------------------------===//

// Patches are [N, P, Dv].
func.func @class_pos_embed_patches_rank(%p: tensor<?x32xf32>, %cls: tensor<32xf32>, %pe: tensor<17x32xf32>) {
  // expected-error @+1 {{patches must have rank 3, got [?, 32]}}
  %x = llama4.class_pos_embed %p, %cls, %pe : (tensor<?x32xf32>, tensor<32xf32>, tensor<17x32xf32>) -> tensor<?x17x32xf32>
  return
}

// -----

// The class embedding is a vector.
func.func @class_pos_embed_class_rank(%p: tensor<?x16x32xf32>, %cls: tensor<1x32xf32>, %pe: tensor<17x32xf32>) {
  // expected-error @+1 {{class_embedding must have rank 1, got [1, 32]}}
  %x = llama4.class_pos_embed %p, %cls, %pe : (tensor<?x16x32xf32>, tensor<1x32xf32>, tensor<17x32xf32>) -> tensor<?x17x32xf32>
  return
}

// -----

// The positional embedding is [P + 1, Dv].
func.func @class_pos_embed_positional_rank(%p: tensor<?x16x32xf32>, %cls: tensor<32xf32>, %pe: tensor<544xf32>) {
  // expected-error @+1 {{positional_embedding must have rank 2, got [544]}}
  %x = llama4.class_pos_embed %p, %cls, %pe : (tensor<?x16x32xf32>, tensor<32xf32>, tensor<544xf32>) -> tensor<?x17x32xf32>
  return
}

// -----

// The class embedding has the patches' width.
func.func @class_pos_embed_class_width(%p: tensor<?x16x32xf32>, %cls: tensor<16xf32>, %pe: tensor<17x32xf32>) {
  // expected-error @+1 {{class_embedding dim 0 (16) must equal patches dim 2 (32): class_embedding is [16], patches is [?, 16, 32]}}
  %x = llama4.class_pos_embed %p, %cls, %pe : (tensor<?x16x32xf32>, tensor<16xf32>, tensor<17x32xf32>) -> tensor<?x17x32xf32>
  return
}

// -----

// The positional embedding has the patches' width.
func.func @class_pos_embed_positional_width(%p: tensor<?x16x32xf32>, %cls: tensor<32xf32>, %pe: tensor<17x16xf32>) {
  // expected-error @+1 {{positional_embedding dim 1 (16) must equal patches dim 2 (32): positional_embedding is [17, 16], patches is [?, 16, 32]}}
  %x = llama4.class_pos_embed %p, %cls, %pe : (tensor<?x16x32xf32>, tensor<32xf32>, tensor<17x16xf32>) -> tensor<?x17x32xf32>
  return
}

// -----

// The positional embedding also has a row for the class token.
func.func @class_pos_embed_missing_class_row(%p: tensor<?x16x32xf32>, %cls: tensor<32xf32>, %pe: tensor<16x32xf32>) {
  // expected-error @+1 {{positional_embedding dim 0 must be 17 (one row per patch plus the class token), got [16, 32]}}
  %x = llama4.class_pos_embed %p, %cls, %pe : (tensor<?x16x32xf32>, tensor<32xf32>, tensor<16x32xf32>) -> tensor<?x17x32xf32>
  return
}

// -----

// All operands share one element type.
func.func @class_pos_embed_element_type(%p: tensor<?x16x32xf32>, %cls: tensor<32xbf16>, %pe: tensor<17x32xf32>) {
  // expected-error @+1 {{class_embedding element type bf16 must match patches element type f32}}
  %x = llama4.class_pos_embed %p, %cls, %pe : (tensor<?x16x32xf32>, tensor<32xbf16>, tensor<17x32xf32>) -> tensor<?x17x32xf32>
  return
}

// -----

// The class token adds one token to the result.
func.func @class_pos_embed_result_shape(%p: tensor<?x16x32xf32>, %cls: tensor<32xf32>, %pe: tensor<17x32xf32>) {
  // expected-error @+1 {{result shape [?, 16, 32] must be [?, 17, 32]}}
  %x = llama4.class_pos_embed %p, %cls, %pe : (tensor<?x16x32xf32>, tensor<32xf32>, tensor<17x32xf32>) -> tensor<?x16x32xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// llama4.vision_rope
//===----------------------------------------------------------------------===//

// theta must be positive.
func.func @vision_rope_negative_theta(%q: tensor<?x17x4x8xf32>) {
  // expected-error @+1 {{theta must be positive, got -1.000000e+04}}
  %r = llama4.vision_rope %q {grid_side = 4 : i64, theta = -1.0e+04 : f64} : tensor<?x17x4x8xf32>
  return
}

// -----

// grid_side must be positive.
func.func @vision_rope_zero_grid(%q: tensor<?x17x4x8xf32>) {
  // expected-error @+1 {{grid_side must be positive, got 0}}
  %r = llama4.vision_rope %q {grid_side = 0 : i64, theta = 1.0e+04 : f64} : tensor<?x17x4x8xf32>
  return
}

// -----

// The input is split into heads: [N, T, H, d].
func.func @vision_rope_input_rank(%q: tensor<?x17x32xf32>) {
  // expected-error @+1 {{input must have rank 4, got [?, 17, 32]}}
  %r = llama4.vision_rope %q {grid_side = 4 : i64, theta = 1.0e+04 : f64} : tensor<?x17x32xf32>
  return
}

// -----

// The tokens are the g*g patches plus the class token.
func.func @vision_rope_missing_class_token(%q: tensor<?x16x4x8xf32>) {
  // expected-error @+1 {{input dim 1 must be 17 (grid_side^2 patches plus the class token), got [?, 16, 4, 8]}}
  %r = llama4.vision_rope %q {grid_side = 4 : i64, theta = 1.0e+04 : f64} : tensor<?x16x4x8xf32>
  return
}

// -----

// Half the pairs rotate by the column and half by the row.
func.func @vision_rope_head_dim(%q: tensor<?x17x4x6xf32>) {
  // expected-error @+1 {{head dim 6 of input [?, 17, 4, 6] must be a multiple of 4: half of the pairs rotate by the column, half by the row}}
  %r = llama4.vision_rope %q {grid_side = 4 : i64, theta = 1.0e+04 : f64} : tensor<?x17x4x6xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// llama4.vision_attention
//===----------------------------------------------------------------------===//

// The score scale must be positive.
func.func @vision_attention_zero_scale(%q: tensor<?x17x4x8xf32>, %k: tensor<?x17x4x8xf32>, %v: tensor<?x17x4x8xf32>) {
  // expected-error @+1 {{scale must be positive, got 0.000000e+00}}
  %o = llama4.vision_attention %q, %k, %v {scale = 0.0 : f64}
      : (tensor<?x17x4x8xf32>, tensor<?x17x4x8xf32>, tensor<?x17x4x8xf32>) -> tensor<?x17x4x8xf32>
  return
}

// -----

// The query is split into heads: [N, T, H, d].
func.func @vision_attention_query_rank(%q: tensor<?x17x32xf32>, %k: tensor<?x17x4x8xf32>, %v: tensor<?x17x4x8xf32>) {
  // expected-error @+1 {{query must have rank 4, got [?, 17, 32]}}
  %o = llama4.vision_attention %q, %k, %v {scale = 0.35 : f64}
      : (tensor<?x17x32xf32>, tensor<?x17x4x8xf32>, tensor<?x17x4x8xf32>) -> tensor<?x17x32xf32>
  return
}

// -----

// The key is split into heads.
func.func @vision_attention_key_rank(%q: tensor<?x17x4x8xf32>, %k: tensor<?x17x32xf32>, %v: tensor<?x17x4x8xf32>) {
  // expected-error @+1 {{key must have rank 4, got [?, 17, 32]}}
  %o = llama4.vision_attention %q, %k, %v {scale = 0.35 : f64}
      : (tensor<?x17x4x8xf32>, tensor<?x17x32xf32>, tensor<?x17x4x8xf32>) -> tensor<?x17x4x8xf32>
  return
}

// -----

// Keys come from the same tile's tokens as the queries.
func.func @vision_attention_key_tokens(%q: tensor<?x17x4x8xf32>, %k: tensor<?x16x4x8xf32>, %v: tensor<?x17x4x8xf32>) {
  // expected-error @+1 {{key dim 1 (16) must equal query dim 1 (17): key is [?, 16, 4, 8], query is [?, 17, 4, 8]}}
  %o = llama4.vision_attention %q, %k, %v {scale = 0.35 : f64}
      : (tensor<?x17x4x8xf32>, tensor<?x16x4x8xf32>, tensor<?x17x4x8xf32>) -> tensor<?x17x4x8xf32>
  return
}

// -----

// The value is split into heads.
func.func @vision_attention_value_rank(%q: tensor<?x17x4x8xf32>, %k: tensor<?x17x4x8xf32>, %v: tensor<?x17x32xf32>) {
  // expected-error @+1 {{value must have rank 4, got [?, 17, 32]}}
  %o = llama4.vision_attention %q, %k, %v {scale = 0.35 : f64}
      : (tensor<?x17x4x8xf32>, tensor<?x17x4x8xf32>, tensor<?x17x32xf32>) -> tensor<?x17x4x8xf32>
  return
}

// -----

// Vision attention has no grouped KV heads: values have the query's heads.
func.func @vision_attention_value_heads(%q: tensor<?x17x4x8xf32>, %k: tensor<?x17x4x8xf32>, %v: tensor<?x17x2x8xf32>) {
  // expected-error @+1 {{value dim 2 (2) must equal query dim 2 (4): value is [?, 17, 2, 8], query is [?, 17, 4, 8]}}
  %o = llama4.vision_attention %q, %k, %v {scale = 0.35 : f64}
      : (tensor<?x17x4x8xf32>, tensor<?x17x4x8xf32>, tensor<?x17x2x8xf32>) -> tensor<?x17x4x8xf32>
  return
}

// -----

// All operands share one element type.
func.func @vision_attention_element_type(%q: tensor<?x17x4x8xf32>, %k: tensor<?x17x4x8xf32>, %v: tensor<?x17x4x8xbf16>) {
  // expected-error @+1 {{value element type bf16 must match query element type f32}}
  %o = llama4.vision_attention %q, %k, %v {scale = 0.35 : f64}
      : (tensor<?x17x4x8xf32>, tensor<?x17x4x8xf32>, tensor<?x17x4x8xbf16>) -> tensor<?x17x4x8xf32>
  return
}

// -----

// The output has the query's shape.
func.func @vision_attention_result_shape(%q: tensor<?x17x4x8xf32>, %k: tensor<?x17x4x8xf32>, %v: tensor<?x17x4x8xf32>) {
  // expected-error @+1 {{result shape [?, 17, 32] must be [?, 17, 4, 8]}}
  %o = llama4.vision_attention %q, %k, %v {scale = 0.35 : f64}
      : (tensor<?x17x4x8xf32>, tensor<?x17x4x8xf32>, tensor<?x17x4x8xf32>) -> tensor<?x17x32xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// llama4.gelu_mlp
//===----------------------------------------------------------------------===//

// A scalar input has no feature dimension.
func.func @gelu_mlp_scalar_input(%x: tensor<f32>, %w1: tensor<128x32xf32>, %b1: tensor<128xf32>, %w2: tensor<32x128xf32>, %b2: tensor<32xf32>) {
  // expected-error @+1 {{input must have rank 1 or more, got []}}
  %y = llama4.gelu_mlp %x, %w1, %b1, %w2, %b2
      : (tensor<f32>, tensor<128x32xf32>, tensor<128xf32>, tensor<32x128xf32>, tensor<32xf32>) -> tensor<f32>
  return
}

// -----

// fc1's weight is a matrix.
func.func @gelu_mlp_fc1_weight_rank(%x: tensor<?x17x32xf32>, %w1: tensor<128xf32>, %b1: tensor<128xf32>, %w2: tensor<32x128xf32>, %b2: tensor<32xf32>) {
  // expected-error @+1 {{fc1 weight must have rank 2, got [128]}}
  %y = llama4.gelu_mlp %x, %w1, %b1, %w2, %b2
      : (tensor<?x17x32xf32>, tensor<128xf32>, tensor<128xf32>, tensor<32x128xf32>, tensor<32xf32>) -> tensor<?x17x32xf32>
  return
}

// -----

// fc1's bias is a vector.
func.func @gelu_mlp_fc1_bias_rank(%x: tensor<?x17x32xf32>, %w1: tensor<128x32xf32>, %b1: tensor<1x128xf32>, %w2: tensor<32x128xf32>, %b2: tensor<32xf32>) {
  // expected-error @+1 {{fc1 bias must have rank 1, got [1, 128]}}
  %y = llama4.gelu_mlp %x, %w1, %b1, %w2, %b2
      : (tensor<?x17x32xf32>, tensor<128x32xf32>, tensor<1x128xf32>, tensor<32x128xf32>, tensor<32xf32>) -> tensor<?x17x32xf32>
  return
}

// -----

// fc2's weight is a matrix.
func.func @gelu_mlp_fc2_weight_rank(%x: tensor<?x17x32xf32>, %w1: tensor<128x32xf32>, %b1: tensor<128xf32>, %w2: tensor<4096xf32>, %b2: tensor<32xf32>) {
  // expected-error @+1 {{fc2 weight must have rank 2, got [4096]}}
  %y = llama4.gelu_mlp %x, %w1, %b1, %w2, %b2
      : (tensor<?x17x32xf32>, tensor<128x32xf32>, tensor<128xf32>, tensor<4096xf32>, tensor<32xf32>) -> tensor<?x17x32xf32>
  return
}

// -----

// fc2's bias is a vector.
func.func @gelu_mlp_fc2_bias_rank(%x: tensor<?x17x32xf32>, %w1: tensor<128x32xf32>, %b1: tensor<128xf32>, %w2: tensor<32x128xf32>, %b2: tensor<1x32xf32>) {
  // expected-error @+1 {{fc2 bias must have rank 1, got [1, 32]}}
  %y = llama4.gelu_mlp %x, %w1, %b1, %w2, %b2
      : (tensor<?x17x32xf32>, tensor<128x32xf32>, tensor<128xf32>, tensor<32x128xf32>, tensor<1x32xf32>) -> tensor<?x17x32xf32>
  return
}

// -----

// fc1 is [F, D] in nn.Linear layout, not transposed.
func.func @gelu_mlp_fc1_transposed(%x: tensor<?x17x32xf32>, %w1: tensor<32x128xf32>, %b1: tensor<128xf32>, %w2: tensor<32x128xf32>, %b2: tensor<32xf32>) {
  // expected-error @+1 {{fc1 weight dim 1 (128) must equal input dim 2 (32): fc1 weight is [32, 128], input is [?, 17, 32]}}
  %y = llama4.gelu_mlp %x, %w1, %b1, %w2, %b2
      : (tensor<?x17x32xf32>, tensor<32x128xf32>, tensor<128xf32>, tensor<32x128xf32>, tensor<32xf32>) -> tensor<?x17x32xf32>
  return
}

// -----

// fc1's bias has one entry per fc1 output.
func.func @gelu_mlp_fc1_bias_size(%x: tensor<?x17x32xf32>, %w1: tensor<128x32xf32>, %b1: tensor<32xf32>, %w2: tensor<32x128xf32>, %b2: tensor<32xf32>) {
  // expected-error @+1 {{fc1 bias dim 0 (32) must equal fc1 weight dim 0 (128): fc1 bias is [32], fc1 weight is [128, 32]}}
  %y = llama4.gelu_mlp %x, %w1, %b1, %w2, %b2
      : (tensor<?x17x32xf32>, tensor<128x32xf32>, tensor<32xf32>, tensor<32x128xf32>, tensor<32xf32>) -> tensor<?x17x32xf32>
  return
}

// -----

// fc2 reads fc1's output width.
func.func @gelu_mlp_fc2_width(%x: tensor<?x17x32xf32>, %w1: tensor<128x32xf32>, %b1: tensor<128xf32>, %w2: tensor<32x64xf32>, %b2: tensor<32xf32>) {
  // expected-error @+1 {{fc2 weight dim 1 (64) must equal fc1 weight dim 0 (128): fc2 weight is [32, 64], fc1 weight is [128, 32]}}
  %y = llama4.gelu_mlp %x, %w1, %b1, %w2, %b2
      : (tensor<?x17x32xf32>, tensor<128x32xf32>, tensor<128xf32>, tensor<32x64xf32>, tensor<32xf32>) -> tensor<?x17x32xf32>
  return
}

// -----

// fc2 writes the hidden size.
func.func @gelu_mlp_fc2_output(%x: tensor<?x17x32xf32>, %w1: tensor<128x32xf32>, %b1: tensor<128xf32>, %w2: tensor<16x128xf32>, %b2: tensor<32xf32>) {
  // expected-error @+1 {{fc2 weight dim 0 (16) must equal input dim 2 (32): fc2 weight is [16, 128], input is [?, 17, 32]}}
  %y = llama4.gelu_mlp %x, %w1, %b1, %w2, %b2
      : (tensor<?x17x32xf32>, tensor<128x32xf32>, tensor<128xf32>, tensor<16x128xf32>, tensor<32xf32>) -> tensor<?x17x32xf32>
  return
}

// -----

// fc2's bias has one entry per hidden channel.
func.func @gelu_mlp_fc2_bias_size(%x: tensor<?x17x32xf32>, %w1: tensor<128x32xf32>, %b1: tensor<128xf32>, %w2: tensor<32x128xf32>, %b2: tensor<128xf32>) {
  // expected-error @+1 {{fc2 bias dim 0 (128) must equal input dim 2 (32): fc2 bias is [128], input is [?, 17, 32]}}
  %y = llama4.gelu_mlp %x, %w1, %b1, %w2, %b2
      : (tensor<?x17x32xf32>, tensor<128x32xf32>, tensor<128xf32>, tensor<32x128xf32>, tensor<128xf32>) -> tensor<?x17x32xf32>
  return
}

// -----

// All operands share one element type.
func.func @gelu_mlp_element_type(%x: tensor<?x17x32xf32>, %w1: tensor<128x32xf32>, %b1: tensor<128xbf16>, %w2: tensor<32x128xf32>, %b2: tensor<32xf32>) {
  // expected-error @+1 {{fc1 bias element type bf16 must match input element type f32}}
  %y = llama4.gelu_mlp %x, %w1, %b1, %w2, %b2
      : (tensor<?x17x32xf32>, tensor<128x32xf32>, tensor<128xbf16>, tensor<32x128xf32>, tensor<32xf32>) -> tensor<?x17x32xf32>
  return
}

// -----

// The result has the input's shape.
func.func @gelu_mlp_result_shape(%x: tensor<?x17x32xf32>, %w1: tensor<128x32xf32>, %b1: tensor<128xf32>, %w2: tensor<32x128xf32>, %b2: tensor<32xf32>) {
  // expected-error @+1 {{result shape [?, 17, 128] must be [?, 17, 32]}}
  %y = llama4.gelu_mlp %x, %w1, %b1, %w2, %b2
      : (tensor<?x17x32xf32>, tensor<128x32xf32>, tensor<128xf32>, tensor<32x128xf32>, tensor<32xf32>) -> tensor<?x17x128xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// llama4.pixel_shuffle
//===----------------------------------------------------------------------===//

// The ratio shrinks the grid: it is in (0, 1].
func.func @pixel_shuffle_ratio_above_one(%x: tensor<?x16x32xf32>) {
  // expected-error @+1 {{ratio must be in (0, 1], got 2.000000e+00}}
  %s = llama4.pixel_shuffle %x {ratio = 2.0 : f64} : (tensor<?x16x32xf32>) -> tensor<?x64x8xf32>
  return
}

// -----

// The input is [N, g*g, C].
func.func @pixel_shuffle_input_rank(%x: tensor<?x4x4x32xf32>) {
  // expected-error @+1 {{input must have rank 3, got [?, 4, 4, 32]}}
  %s = llama4.pixel_shuffle %x {ratio = 0.5 : f64} : (tensor<?x4x4x32xf32>) -> tensor<?x4x128xf32>
  return
}

// -----

// The shuffle needs static tokens and channels.
func.func @pixel_shuffle_dynamic_tokens(%x: tensor<?x?x32xf32>) {
  // expected-error @+1 {{input must have static tokens and channels, got [?, ?, 32]}}
  %s = llama4.pixel_shuffle %x {ratio = 0.5 : f64} : (tensor<?x?x32xf32>) -> tensor<?x4x128xf32>
  return
}

// -----

// The class token must be dropped first: 17 tokens are not a square grid.
func.func @pixel_shuffle_with_class_token(%x: tensor<?x17x32xf32>) {
  // expected-error @+1 {{input tokens 17 of [?, 17, 32] do not form a square patch grid}}
  %s = llama4.pixel_shuffle %x {ratio = 0.5 : f64} : (tensor<?x17x32xf32>) -> tensor<?x4x128xf32>
  return
}

// -----

// A 3x3 grid cannot be halved.
func.func @pixel_shuffle_odd_grid(%x: tensor<?x9x32xf32>) {
  // expected-error @+1 {{ratio 0.5 does not evenly shuffle [?, 9, 32] (grid side and channels must scale to integers)}}
  %s = llama4.pixel_shuffle %x {ratio = 0.5 : f64} : (tensor<?x9x32xf32>) -> tensor<?x1x128xf32>
  return
}

// -----

// The shuffle is pure data movement and keeps the element type.
func.func @pixel_shuffle_result_element_type(%x: tensor<?x16x32xf32>) {
  // expected-error @+1 {{result element type bf16 must match input element type f32}}
  %s = llama4.pixel_shuffle %x {ratio = 0.5 : f64} : (tensor<?x16x32xf32>) -> tensor<?x4x128xbf16>
  return
}

// -----

// Ratio 0.5 gives a quarter of the tokens with four times the channels.
func.func @pixel_shuffle_result_shape(%x: tensor<?x16x32xf32>) {
  // expected-error @+1 {{result shape [?, 4, 64] must be [?, 4, 128]}}
  %s = llama4.pixel_shuffle %x {ratio = 0.5 : f64} : (tensor<?x16x32xf32>) -> tensor<?x4x64xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// llama4.vision_adapter
//===----------------------------------------------------------------------===//

// A scalar input has no feature dimension.
func.func @vision_adapter_scalar_input(%x: tensor<f32>, %w1: tensor<64x128xf32>, %w2: tensor<64x64xf32>) {
  // expected-error @+1 {{input must have rank 1 or more, got []}}
  %a = llama4.vision_adapter %x, %w1, %w2 : (tensor<f32>, tensor<64x128xf32>, tensor<64x64xf32>) -> tensor<f32>
  return
}

// -----

// fc1 is a matrix.
func.func @vision_adapter_fc1_rank(%x: tensor<?x4x128xf32>, %w1: tensor<128xf32>, %w2: tensor<64x64xf32>) {
  // expected-error @+1 {{fc1 weight must have rank 2, got [128]}}
  %a = llama4.vision_adapter %x, %w1, %w2 : (tensor<?x4x128xf32>, tensor<128xf32>, tensor<64x64xf32>) -> tensor<?x4x64xf32>
  return
}

// -----

// fc2 is a matrix.
func.func @vision_adapter_fc2_rank(%x: tensor<?x4x128xf32>, %w1: tensor<64x128xf32>, %w2: tensor<64xf32>) {
  // expected-error @+1 {{fc2 weight must have rank 2, got [64]}}
  %a = llama4.vision_adapter %x, %w1, %w2 : (tensor<?x4x128xf32>, tensor<64x128xf32>, tensor<64xf32>) -> tensor<?x4x64xf32>
  return
}

// -----

// fc1 is [P, C] in nn.Linear layout, not transposed.
func.func @vision_adapter_fc1_transposed(%x: tensor<?x4x128xf32>, %w1: tensor<128x64xf32>, %w2: tensor<64x64xf32>) {
  // expected-error @+1 {{fc1 weight dim 1 (64) must equal input dim 2 (128): fc1 weight is [128, 64], input is [?, 4, 128]}}
  %a = llama4.vision_adapter %x, %w1, %w2 : (tensor<?x4x128xf32>, tensor<128x64xf32>, tensor<64x64xf32>) -> tensor<?x4x64xf32>
  return
}

// -----

// fc2 reads fc1's output width.
func.func @vision_adapter_fc2_width(%x: tensor<?x4x128xf32>, %w1: tensor<64x128xf32>, %w2: tensor<32x32xf32>) {
  // expected-error @+1 {{fc2 weight dim 1 (32) must equal fc1 weight dim 0 (64): fc2 weight is [32, 32], fc1 weight is [64, 128]}}
  %a = llama4.vision_adapter %x, %w1, %w2 : (tensor<?x4x128xf32>, tensor<64x128xf32>, tensor<32x32xf32>) -> tensor<?x4x32xf32>
  return
}

// -----

// fc2 is square [P, P].
func.func @vision_adapter_fc2_not_square(%x: tensor<?x4x128xf32>, %w1: tensor<64x128xf32>, %w2: tensor<32x64xf32>) {
  // expected-error @+1 {{fc2 weight dim 0 (32) must equal dim 1 (64): fc2 weight is [32, 64]}}
  %a = llama4.vision_adapter %x, %w1, %w2 : (tensor<?x4x128xf32>, tensor<64x128xf32>, tensor<32x64xf32>) -> tensor<?x4x32xf32>
  return
}

// -----

// All operands share one element type.
func.func @vision_adapter_element_type(%x: tensor<?x4x128xf32>, %w1: tensor<64x128xf32>, %w2: tensor<64x64xf32>) {
  // expected-error @+1 {{result element type bf16 must match input element type f32}}
  %a = llama4.vision_adapter %x, %w1, %w2 : (tensor<?x4x128xf32>, tensor<64x128xf32>, tensor<64x64xf32>) -> tensor<?x4x64xbf16>
  return
}

// -----

// The result's last dimension is the adapter width P.
func.func @vision_adapter_result_shape(%x: tensor<?x4x128xf32>, %w1: tensor<64x128xf32>, %w2: tensor<64x64xf32>) {
  // expected-error @+1 {{result shape [?, 4, 128] must be [?, 4, 64]}}
  %a = llama4.vision_adapter %x, %w1, %w2 : (tensor<?x4x128xf32>, tensor<64x128xf32>, tensor<64x64xf32>) -> tensor<?x4x128xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// llama4.multi_modal_projector
//===----------------------------------------------------------------------===//

// The input is [N, T, P], one block per tile.
func.func @multi_modal_projector_input_rank(%a: tensor<?x64xf32>, %w: tensor<64x64xf32>) {
  // expected-error @+1 {{input must have rank 3, got [?, 64]}}
  %f = llama4.multi_modal_projector %a, %w : (tensor<?x64xf32>, tensor<64x64xf32>) -> tensor<?x64xf32>
  return
}

// -----

// The projection is a matrix [D, P].
func.func @multi_modal_projector_weight_rank(%a: tensor<?x4x64xf32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{weight must have rank 2, got [64]}}
  %f = llama4.multi_modal_projector %a, %w : (tensor<?x4x64xf32>, tensor<64xf32>) -> tensor<?x64xf32>
  return
}

// -----

// The weight reads the adapter width.
func.func @multi_modal_projector_weight_width(%a: tensor<?x4x64xf32>, %w: tensor<64x32xf32>) {
  // expected-error @+1 {{weight dim 1 (32) must equal input dim 2 (64): weight is [64, 32], input is [?, 4, 64]}}
  %f = llama4.multi_modal_projector %a, %w : (tensor<?x4x64xf32>, tensor<64x32xf32>) -> tensor<?x64xf32>
  return
}

// -----

// All operands share one element type.
func.func @multi_modal_projector_element_type(%a: tensor<?x4x64xf32>, %w: tensor<64x64xbf16>) {
  // expected-error @+1 {{weight element type bf16 must match input element type f32}}
  %f = llama4.multi_modal_projector %a, %w : (tensor<?x4x64xf32>, tensor<64x64xbf16>) -> tensor<?x64xf32>
  return
}

// -----

// The tiles are flattened: 2 tiles of 4 tokens give 8 feature rows.
func.func @multi_modal_projector_not_flattened(%a: tensor<2x4x64xf32>, %w: tensor<64x64xf32>) {
  // expected-error @+1 {{result shape [4, 64] must be [8, 64]}}
  %f = llama4.multi_modal_projector %a, %w : (tensor<2x4x64xf32>, tensor<64x64xf32>) -> tensor<4x64xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// llama4.scatter_image_features
//===----------------------------------------------------------------------===//

// The image token index is a token id, hence non-negative.
func.func @scatter_image_features_negative_token(%h: tensor<?x?x64xbf16>, %ids: tensor<?x?xi32>, %f: tensor<?x64xbf16>) {
  // expected-error @+1 {{image_token_index must be non-negative, got -1}}
  %h2 = llama4.scatter_image_features %h, %ids, %f {image_token_index = -1 : i64}
      : (tensor<?x?x64xbf16>, tensor<?x?xi32>, tensor<?x64xbf16>) -> tensor<?x?x64xbf16>
  return
}

// -----

// The embeddings are [B, S, D].
func.func @scatter_image_features_embeddings_rank(%h: tensor<?x64xbf16>, %ids: tensor<?x?xi32>, %f: tensor<?x64xbf16>) {
  // expected-error @+1 {{embeddings must have rank 3, got [?, 64]}}
  %h2 = llama4.scatter_image_features %h, %ids, %f {image_token_index = 100 : i64}
      : (tensor<?x64xbf16>, tensor<?x?xi32>, tensor<?x64xbf16>) -> tensor<?x64xbf16>
  return
}

// -----

// The ids are [B, S].
func.func @scatter_image_features_ids_rank(%h: tensor<?x?x64xbf16>, %ids: tensor<?xi32>, %f: tensor<?x64xbf16>) {
  // expected-error @+1 {{ids must have rank 2, got [?]}}
  %h2 = llama4.scatter_image_features %h, %ids, %f {image_token_index = 100 : i64}
      : (tensor<?x?x64xbf16>, tensor<?xi32>, tensor<?x64xbf16>) -> tensor<?x?x64xbf16>
  return
}

// -----

// The features are flat rows [M, D], not per tile.
func.func @scatter_image_features_features_rank(%h: tensor<?x?x64xbf16>, %ids: tensor<?x?xi32>, %f: tensor<?x4x64xbf16>) {
  // expected-error @+1 {{features must have rank 2, got [?, 4, 64]}}
  %h2 = llama4.scatter_image_features %h, %ids, %f {image_token_index = 100 : i64}
      : (tensor<?x?x64xbf16>, tensor<?x?xi32>, tensor<?x4x64xbf16>) -> tensor<?x?x64xbf16>
  return
}

// -----

// Ids and embeddings agree on the batch.
func.func @scatter_image_features_batch(%h: tensor<1x?x64xbf16>, %ids: tensor<2x?xi32>, %f: tensor<?x64xbf16>) {
  // expected-error @+1 {{ids dim 0 (2) must equal embeddings dim 0 (1): ids is [2, ?], embeddings is [1, ?, 64]}}
  %h2 = llama4.scatter_image_features %h, %ids, %f {image_token_index = 100 : i64}
      : (tensor<1x?x64xbf16>, tensor<2x?xi32>, tensor<?x64xbf16>) -> tensor<1x?x64xbf16>
  return
}

// -----

// Ids and embeddings agree on the sequence length.
func.func @scatter_image_features_seq(%h: tensor<?x5x64xbf16>, %ids: tensor<?x6xi32>, %f: tensor<?x64xbf16>) {
  // expected-error @+1 {{ids dim 1 (6) must equal embeddings dim 1 (5): ids is [?, 6], embeddings is [?, 5, 64]}}
  %h2 = llama4.scatter_image_features %h, %ids, %f {image_token_index = 100 : i64}
      : (tensor<?x5x64xbf16>, tensor<?x6xi32>, tensor<?x64xbf16>) -> tensor<?x5x64xbf16>
  return
}

// -----

// Features are projected to the text hidden size first.
func.func @scatter_image_features_width(%h: tensor<?x?x64xbf16>, %ids: tensor<?x?xi32>, %f: tensor<?x32xbf16>) {
  // expected-error @+1 {{features dim 1 (32) must equal embeddings dim 2 (64): features is [?, 32], embeddings is [?, ?, 64]}}
  %h2 = llama4.scatter_image_features %h, %ids, %f {image_token_index = 100 : i64}
      : (tensor<?x?x64xbf16>, tensor<?x?xi32>, tensor<?x32xbf16>) -> tensor<?x?x64xbf16>
  return
}

// -----

// Features share the embeddings' element type.
func.func @scatter_image_features_element_type(%h: tensor<?x?x64xbf16>, %ids: tensor<?x?xi32>, %f: tensor<?x64xf32>) {
  // expected-error @+1 {{features element type f32 must match embeddings element type bf16}}
  %h2 = llama4.scatter_image_features %h, %ids, %f {image_token_index = 100 : i64}
      : (tensor<?x?x64xbf16>, tensor<?x?xi32>, tensor<?x64xf32>) -> tensor<?x?x64xbf16>
  return
}

// -----

// The result has the embeddings' shape.
func.func @scatter_image_features_result_shape(%h: tensor<?x?x64xbf16>, %ids: tensor<?x?xi32>, %f: tensor<?x64xbf16>) {
  // expected-error @+1 {{result shape [?, 64] must be [?, ?, 64]}}
  %h2 = llama4.scatter_image_features %h, %ids, %f {image_token_index = 100 : i64}
      : (tensor<?x?x64xbf16>, tensor<?x?xi32>, tensor<?x64xbf16>) -> tensor<?x64xbf16>
  return
}

// -----

// #llama4.lowering_config: each kernel template takes the tile sizes it
// carries out, and no others.
// expected-error @+1 {{cpu_loops takes no tile sizes}}
func.func @lowering_config_loops_with_tiles() attributes {c = #llama4.lowering_config<pipeline = cpu_loops, register_tile = [4, 2, 8]>} {
  return
}

// -----

// expected-error @+1 {{a CPU contraction's workgroup tile must be [0, n, 0] with n positive}}
func.func @lowering_config_dot_tiles_block_of_m() attributes {c = #llama4.lowering_config<pipeline = cpu_dot_tiles, workgroup_tile = [4, 512, 0], register_tile = [4, 2, 8]>} {
  return
}

// -----

// expected-error @+1 {{a CPU contraction's register tile must be [m, n, lanes], each positive}}
func.func @lowering_config_outer_product_zero_rows() attributes {c = #llama4.lowering_config<pipeline = cpu_outer_product_tiles, workgroup_tile = [0, 512, 0], register_tile = [0, 16, 1]>} {
  return
}

// -----

// expected-error @+1 {{a CPU config has no workgroup_size}}
func.func @lowering_config_cpu_with_threads() attributes {c = #llama4.lowering_config<pipeline = cpu_dot_tiles, workgroup_tile = [0, 512, 0], register_tile = [4, 2, 8], workgroup_size = [256]>} {
  return
}

// -----

// expected-error @+1 {{gpu_thread_per_element needs workgroup_size = [threads], a multiple of 32 from 32 to 1024}}
func.func @lowering_config_gpu_partial_warp() attributes {c = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [100]>} {
  return
}

// -----

// expected-error @+1 {{gpu_thread_per_element does not distribute}}
func.func @lowering_config_gpu_distributed() attributes {c = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [256], distribute = true>} {
  return
}

// -----

// expected-error @+1 {{gpu_warp_per_element needs workgroup_size = [threads], a multiple of 32 from 32 to 1024}}
func.func @lowering_config_warp_of_16() attributes {c = #llama4.lowering_config<pipeline = gpu_warp_per_element, workgroup_size = [16]>} {
  return
}

// -----

// expected-error @+1 {{gpu_warp_per_element's workgroup tile must not be negative}}
func.func @lowering_config_warp_tiled() attributes {c = #llama4.lowering_config<pipeline = gpu_warp_per_element, workgroup_tile = [1, -1, 0], workgroup_size = [256]>} {
  return
}

// -----

// expected-error @+1 {{gpu_warp_per_element's register tile must be [n] or [m, n], each positive}}
func.func @lowering_config_warp_no_row() attributes {c = #llama4.lowering_config<pipeline = gpu_warp_per_element, register_tile = [0], workgroup_size = [256]>} {
  return
}

// -----

// expected-error @+1 {{gpu_thread_per_element's register tile must be [n], n positive}}
func.func @lowering_config_thread_rows_and_columns() attributes {c = #llama4.lowering_config<pipeline = gpu_thread_per_element, register_tile = [8, 2], workgroup_size = [256]>} {
  return
}

// -----

// expected-error @+1 {{gpu_warp_per_element's register tile must be [n] or [m, n], each positive}}
func.func @lowering_config_warp_three_sizes() attributes {c = #llama4.lowering_config<pipeline = gpu_warp_per_element, register_tile = [8, 2, 1], workgroup_size = [256]>} {
  return
}

// -----

//===----------------------------------------------------------------------===//
// llama4.online_attention
//===----------------------------------------------------------------------===//

func.func @online_attention_key_block(%q: tensor<?x2x2x?x16xbf16>, %pos: tensor<?x?xi32>,
    %kc: tensor<?x2x8x16xbf16>, %k: tensor<?x2x?x16xbf16>, %init: tensor<?x2x2x?x16xbf16>) {
  // expected-error @+1 {{key_block must be at least 1, got 0}}
  %o = llama4.online_attention %q at(%pos) cache(%kc, %kc) tokens(%k, %k at %pos)
      outs(%init) {chunk_size = 8 : i64, key_block = 0 : i64, scale = 0.25 : f64}
      : (tensor<?x2x2x?x16xbf16>, tensor<?x?xi32>, tensor<?x2x8x16xbf16>,
         tensor<?x2x8x16xbf16>, tensor<?x2x?x16xbf16>, tensor<?x2x?x16xbf16>,
         tensor<?x?xi32>, tensor<?x2x2x?x16xbf16>) -> tensor<?x2x2x?x16xbf16>
  return
}

// -----

func.func @online_attention_kv_heads(%q: tensor<?x2x2x?x16xbf16>, %pos: tensor<?x?xi32>,
    %kc: tensor<?x3x8x16xbf16>, %k: tensor<?x2x?x16xbf16>, %init: tensor<?x2x2x?x16xbf16>) {
  // expected-error @+1 {{key cache dim 1 (3) must equal queries dim 1 (2)}}
  %o = llama4.online_attention %q at(%pos) cache(%kc, %kc) tokens(%k, %k at %pos)
      outs(%init) {chunk_size = 8 : i64, key_block = 128 : i64, scale = 0.25 : f64}
      : (tensor<?x2x2x?x16xbf16>, tensor<?x?xi32>, tensor<?x3x8x16xbf16>,
         tensor<?x3x8x16xbf16>, tensor<?x2x?x16xbf16>, tensor<?x2x?x16xbf16>,
         tensor<?x?xi32>, tensor<?x2x2x?x16xbf16>) -> tensor<?x2x2x?x16xbf16>
  return
}

// -----

func.func @online_attention_chunk_window(%q: tensor<?x2x2x?x16xbf16>, %pos: tensor<?x?xi32>,
    %kc: tensor<?x2x4x16xbf16>, %k: tensor<?x2x?x16xbf16>, %init: tensor<?x2x2x?x16xbf16>) {
  // expected-error @+1 {{a chunked layer's cache holds one chunk}}
  %o = llama4.online_attention %q at(%pos) cache(%kc, %kc) tokens(%k, %k at %pos)
      outs(%init) {chunk_size = 8 : i64, key_block = 128 : i64, scale = 0.25 : f64}
      : (tensor<?x2x2x?x16xbf16>, tensor<?x?xi32>, tensor<?x2x4x16xbf16>,
         tensor<?x2x4x16xbf16>, tensor<?x2x?x16xbf16>, tensor<?x2x?x16xbf16>,
         tensor<?x?xi32>, tensor<?x2x2x?x16xbf16>) -> tensor<?x2x2x?x16xbf16>
  return
}

// -----

func.func @online_attention_init_type(%q: tensor<?x2x2x?x16xbf16>, %pos: tensor<?x?xi32>,
    %kc: tensor<?x2x8x16xbf16>, %k: tensor<?x2x?x16xbf16>, %init: tensor<?x2x2x?x16xf32>) {
  // expected-error @+1 {{init element type f32 must match queries element type bf16}}
  %o = llama4.online_attention %q at(%pos) cache(%kc, %kc) tokens(%k, %k at %pos)
      outs(%init) {chunk_size = 8 : i64, key_block = 128 : i64, scale = 0.25 : f64}
      : (tensor<?x2x2x?x16xbf16>, tensor<?x?xi32>, tensor<?x2x8x16xbf16>,
         tensor<?x2x8x16xbf16>, tensor<?x2x?x16xbf16>, tensor<?x2x?x16xbf16>,
         tensor<?x?xi32>, tensor<?x2x2x?x16xf32>) -> tensor<?x2x2x?x16xf32>
  return
}

// -----

func.func @partial_attention_splits(%q: tensor<?x2x2x1x16xbf16>, %pos: tensor<?x1xi32>,
    %kc: tensor<?x2x8x16xbf16>, %k: tensor<?x2x1x16xbf16>, %first: index,
    %m: tensor<4x?x2x2x1xf32>, %acc: tensor<4x?x2x2x1x16xf32>) {
  // expected-error @+1 {{splits must be at least 1, got 0}}
  %max, %sum, %a = llama4.partial_attention %q at(%pos) cache(%kc, %kc)
      tokens(%k, %k at %pos) splits(%first) outs(%m, %m, %acc)
      {chunk_size = 8 : i64, key_block = 128 : i64, scale = 0.25 : f64,
       splits = 0 : i64, split_keys = 256 : i64}
      : (tensor<?x2x2x1x16xbf16>, tensor<?x1xi32>, tensor<?x2x8x16xbf16>,
         tensor<?x2x8x16xbf16>, tensor<?x2x1x16xbf16>, tensor<?x2x1x16xbf16>,
         tensor<?x1xi32>, index, tensor<4x?x2x2x1xf32>, tensor<4x?x2x2x1xf32>, tensor<4x?x2x2x1x16xf32>)
      -> (tensor<4x?x2x2x1xf32>, tensor<4x?x2x2x1xf32>, tensor<4x?x2x2x1x16xf32>)
  return
}

// -----

func.func @partial_attention_split_keys(%q: tensor<?x2x2x1x16xbf16>, %pos: tensor<?x1xi32>,
    %kc: tensor<?x2x8x16xbf16>, %k: tensor<?x2x1x16xbf16>, %first: index,
    %m: tensor<4x?x2x2x1xf32>, %acc: tensor<4x?x2x2x1x16xf32>) {
  // expected-error @+1 {{split_keys must be at least 1, got 0}}
  %max, %sum, %a = llama4.partial_attention %q at(%pos) cache(%kc, %kc)
      tokens(%k, %k at %pos) splits(%first) outs(%m, %m, %acc)
      {chunk_size = 8 : i64, key_block = 128 : i64, scale = 0.25 : f64,
       splits = 4 : i64, split_keys = 0 : i64}
      : (tensor<?x2x2x1x16xbf16>, tensor<?x1xi32>, tensor<?x2x8x16xbf16>,
         tensor<?x2x8x16xbf16>, tensor<?x2x1x16xbf16>, tensor<?x2x1x16xbf16>,
         tensor<?x1xi32>, index, tensor<4x?x2x2x1xf32>, tensor<4x?x2x2x1xf32>, tensor<4x?x2x2x1x16xf32>)
      -> (tensor<4x?x2x2x1xf32>, tensor<4x?x2x2x1xf32>, tensor<4x?x2x2x1x16xf32>)
  return
}

// -----

func.func @partial_attention_more_splits(%q: tensor<?x2x2x1x16xbf16>, %pos: tensor<?x1xi32>,
    %kc: tensor<?x2x8x16xbf16>, %k: tensor<?x2x1x16xbf16>, %first: index,
    %m: tensor<8x?x2x2x1xf32>, %acc: tensor<8x?x2x2x1x16xf32>) {
  // expected-error @+1 {{max init has 8 splits, more than the 4 the op splits into}}
  %max, %sum, %a = llama4.partial_attention %q at(%pos) cache(%kc, %kc)
      tokens(%k, %k at %pos) splits(%first) outs(%m, %m, %acc)
      {chunk_size = 8 : i64, key_block = 128 : i64, scale = 0.25 : f64,
       splits = 4 : i64, split_keys = 256 : i64}
      : (tensor<?x2x2x1x16xbf16>, tensor<?x1xi32>, tensor<?x2x8x16xbf16>,
         tensor<?x2x8x16xbf16>, tensor<?x2x1x16xbf16>, tensor<?x2x1x16xbf16>,
         tensor<?x1xi32>, index, tensor<8x?x2x2x1xf32>, tensor<8x?x2x2x1xf32>, tensor<8x?x2x2x1x16xf32>)
      -> (tensor<8x?x2x2x1xf32>, tensor<8x?x2x2x1xf32>, tensor<8x?x2x2x1x16xf32>)
  return
}

// -----

func.func @partial_attention_head_dim(%q: tensor<?x2x2x1x16xbf16>, %pos: tensor<?x1xi32>,
    %kc: tensor<?x2x8x16xbf16>, %k: tensor<?x2x1x16xbf16>, %first: index,
    %m: tensor<4x?x2x2x1xf32>, %acc: tensor<4x?x2x2x1x8xf32>) {
  // expected-error @+1 {{acc init dim 5 (8) must equal queries dim 4 (16)}}
  %max, %sum, %a = llama4.partial_attention %q at(%pos) cache(%kc, %kc)
      tokens(%k, %k at %pos) splits(%first) outs(%m, %m, %acc)
      {chunk_size = 8 : i64, key_block = 128 : i64, scale = 0.25 : f64,
       splits = 4 : i64, split_keys = 256 : i64}
      : (tensor<?x2x2x1x16xbf16>, tensor<?x1xi32>, tensor<?x2x8x16xbf16>,
         tensor<?x2x8x16xbf16>, tensor<?x2x1x16xbf16>, tensor<?x2x1x16xbf16>,
         tensor<?x1xi32>, index, tensor<4x?x2x2x1xf32>, tensor<4x?x2x2x1xf32>, tensor<4x?x2x2x1x8xf32>)
      -> (tensor<4x?x2x2x1xf32>, tensor<4x?x2x2x1xf32>, tensor<4x?x2x2x1x8xf32>)
  return
}

// -----

func.func @partial_attention_groups(%q: tensor<?x2x2x1x16xbf16>, %pos: tensor<?x1xi32>,
    %kc: tensor<?x2x8x16xbf16>, %k: tensor<?x2x1x16xbf16>, %first: index,
    %m: tensor<4x?x2x3x1xf32>, %acc: tensor<4x?x2x2x1x16xf32>) {
  // expected-error @+1 {{max init dim 3 (3) must equal queries dim 2 (2)}}
  %max, %sum, %a = llama4.partial_attention %q at(%pos) cache(%kc, %kc)
      tokens(%k, %k at %pos) splits(%first) outs(%m, %m, %acc)
      {chunk_size = 8 : i64, key_block = 128 : i64, scale = 0.25 : f64,
       splits = 4 : i64, split_keys = 256 : i64}
      : (tensor<?x2x2x1x16xbf16>, tensor<?x1xi32>, tensor<?x2x8x16xbf16>,
         tensor<?x2x8x16xbf16>, tensor<?x2x1x16xbf16>, tensor<?x2x1x16xbf16>,
         tensor<?x1xi32>, index, tensor<4x?x2x3x1xf32>, tensor<4x?x2x3x1xf32>, tensor<4x?x2x2x1x16xf32>)
      -> (tensor<4x?x2x3x1xf32>, tensor<4x?x2x3x1xf32>, tensor<4x?x2x2x1x16xf32>)
  return
}

// -----

// Only a global layer's cache is paged: a chunked layer keeps its window.
func.func @attention_chunked_paged(%q: tensor<?x?x4x16xbf16>, %k: tensor<?x?x2x16xbf16>, %v: tensor<?x?x2x16xbf16>,
    %kc: tensor<?x2x8x16xbf16>, %table: tensor<?x?xi32>, %pos: tensor<?x?xi32>) {
  // expected-error @+1 {{only a global layer's cache (chunk_size 0) is paged, got chunk_size 8}}
  %o = llama4.attention %q, %k, %v cache(%kc, %kc) pages(%table) positions(%pos) {chunk_size = 8 : i64, scale = 0.25 : f64}
      : (tensor<?x?x4x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x2x8x16xbf16>, tensor<?x2x8x16xbf16>, tensor<?x?xi32>, tensor<?x?xi32>) -> tensor<?x?x4x16xbf16>
  return
}

// -----

// A paged cache's first dimension counts pages, not rows; the block table
// has a row per batch row.
func.func @attention_paged_table_rows(%q: tensor<3x?x4x16xbf16>, %k: tensor<3x?x2x16xbf16>, %v: tensor<3x?x2x16xbf16>,
    %kc: tensor<7x2x4x16xbf16>, %table: tensor<2x?xi32>, %pos: tensor<3x?xi32>) {
  // expected-error @+1 {{block table dim 0 (2) must equal query dim 0 (3)}}
  %o = llama4.attention %q, %k, %v cache(%kc, %kc) pages(%table) positions(%pos) {chunk_size = 0 : i64, scale = 0.25 : f64}
      : (tensor<3x?x4x16xbf16>, tensor<3x?x2x16xbf16>, tensor<3x?x2x16xbf16>, tensor<7x2x4x16xbf16>, tensor<7x2x4x16xbf16>, tensor<2x?xi32>, tensor<3x?xi32>) -> tensor<3x?x4x16xbf16>
  return
}

// -----

// Key and value pools have as many pages.
func.func @online_attention_paged_pools(%q: tensor<?x2x2x?x16xbf16>, %pos: tensor<?x?xi32>,
    %kc: tensor<7x2x4x16xbf16>, %vc: tensor<6x2x4x16xbf16>, %table: tensor<?x?xi32>,
    %k: tensor<?x2x?x16xbf16>, %init: tensor<?x2x2x?x16xbf16>) {
  // expected-error @+1 {{value cache dim 0 (6) must equal key cache dim 0 (7)}}
  %o = llama4.online_attention %q at(%pos) cache(%kc, %vc) pages(%table) tokens(%k, %k at %pos)
      outs(%init) {chunk_size = 0 : i64, key_block = 128 : i64, scale = 0.25 : f64}
      : (tensor<?x2x2x?x16xbf16>, tensor<?x?xi32>, tensor<7x2x4x16xbf16>,
         tensor<6x2x4x16xbf16>, tensor<?x?xi32>, tensor<?x2x?x16xbf16>, tensor<?x2x?x16xbf16>,
         tensor<?x?xi32>, tensor<?x2x2x?x16xbf16>) -> tensor<?x2x2x?x16xbf16>
  return
}

// -----

func.func @kv_cache_update_paged_window(%kc: tensor<?x2x8x16xbf16>, %k: tensor<?x?x2x16xbf16>,
    %table: tensor<?x?xi32>, %pos: tensor<?x?xi32>) {
  // expected-error @+1 {{only a global layer's cache (window 0) is paged, got window 8}}
  %kc2 = llama4.kv_cache_update %kc, %k pages(%table) positions(%pos) {window = 8 : i64}
      : (tensor<?x2x8x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x?xi32>, tensor<?x?xi32>) -> tensor<?x2x8x16xbf16>
  return
}

// -----

// Float8 codes mean nothing without their scales.
func.func @attention_fp8_without_scales(%q: tensor<?x?x4x16xbf16>, %k: tensor<?x?x2x16xbf16>,
    %kc: tensor<?x2x8x16xf8E4M3FN>, %pos: tensor<?x?xi32>) {
  // expected-error @+1 {{f8E4M3FN caches need their scales}}
  %o = llama4.attention %q, %k, %k cache(%kc, %kc) positions(%pos) {chunk_size = 8 : i64, scale = 0.25 : f64}
      : (tensor<?x?x4x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x2x8x16xf8E4M3FN>, tensor<?x2x8x16xf8E4M3FN>, tensor<?x?xi32>) -> tensor<?x?x4x16xbf16>
  return
}

// -----

// A cache in the compute type takes no scales.
func.func @attention_scales_without_fp8(%q: tensor<?x?x4x16xbf16>, %k: tensor<?x?x2x16xbf16>,
    %kc: tensor<?x2x8x16xbf16>, %s: tensor<?x2x8x1xf32>, %pos: tensor<?x?xi32>) {
  // expected-error @+1 {{only f8E4M3FN caches take scales}}
  %o = llama4.attention %q, %k, %k cache(%kc, %kc) scales(%s, %s) positions(%pos) {chunk_size = 8 : i64, scale = 0.25 : f64}
      : (tensor<?x?x4x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x2x8x16xbf16>, tensor<?x2x8x16xbf16>, tensor<?x2x8x1xf32>, tensor<?x2x8x1xf32>, tensor<?x?xi32>) -> tensor<?x?x4x16xbf16>
  return
}

// -----

// One scale per cached vector: [.., Hkv, slots, 1].
func.func @online_attention_scales_per_element(%q: tensor<?x2x2x?x16xbf16>, %pos: tensor<?x?xi32>,
    %kc: tensor<?x2x8x16xf8E4M3FN>, %s: tensor<?x2x8x16xf32>,
    %k: tensor<?x2x?x16xbf16>, %init: tensor<?x2x2x?x16xbf16>) {
  // expected-error @+1 {{key scales dim 3 must be 1 (one scale per cached vector), got [?, 2, 8, 16]}}
  %o = llama4.online_attention %q at(%pos) cache(%kc, %kc) scales(%s, %s) tokens(%k, %k at %pos)
      outs(%init) {chunk_size = 8 : i64, key_block = 4 : i64, scale = 0.25 : f64}
      : (tensor<?x2x2x?x16xbf16>, tensor<?x?xi32>, tensor<?x2x8x16xf8E4M3FN>,
         tensor<?x2x8x16xf8E4M3FN>, tensor<?x2x8x16xf32>, tensor<?x2x8x16xf32>,
         tensor<?x2x?x16xbf16>, tensor<?x2x?x16xbf16>,
         tensor<?x?xi32>, tensor<?x2x2x?x16xbf16>) -> tensor<?x2x2x?x16xbf16>
  return
}

// -----

// Scales cover their cache's slots.
func.func @kv_cache_update_scales_slots(%kc: tensor<?x2x8x16xf8E4M3FN>, %k: tensor<?x?x2x16xbf16>,
    %s: tensor<?x2x4x1xf32>, %pos: tensor<?x?xi32>) {
  // expected-error @+1 {{scales dim 2 (4) must equal cache dim 2 (8)}}
  %kc2, %s2 = llama4.kv_cache_update %kc, %k scales(%s) positions(%pos) {window = 8 : i64}
      : (tensor<?x2x8x16xf8E4M3FN>, tensor<?x?x2x16xbf16>, tensor<?x2x4x1xf32>, tensor<?x?xi32>)
      -> (tensor<?x2x8x16xf8E4M3FN>, tensor<?x2x4x1xf32>)
  return
}

// -----

// The update returns the scales it wrote beside the codes.
func.func @kv_cache_update_fp8_no_new_scales(%kc: tensor<?x2x8x16xf8E4M3FN>, %k: tensor<?x?x2x16xbf16>,
    %s: tensor<?x2x8x1xf32>, %pos: tensor<?x?xi32>) {
  // expected-error @+1 {{new_scales, the scales updated, must be of the scales' type}}
  %kc2 = llama4.kv_cache_update %kc, %k scales(%s) positions(%pos) {window = 8 : i64}
      : (tensor<?x2x8x16xf8E4M3FN>, tensor<?x?x2x16xbf16>, tensor<?x2x8x1xf32>, tensor<?x?xi32>)
      -> tensor<?x2x8x16xf8E4M3FN>
  return
}
