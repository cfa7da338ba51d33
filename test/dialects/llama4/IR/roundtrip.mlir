// RUN: llama4-opt %s | llama4-opt | FileCheck %s
// RUN: llama4-opt %s --mlir-print-op-generic | llama4-opt | FileCheck %s

// Every llama4 op prints and parses back, in the custom and the generic form,
// keeping its attributes. Tiny shapes: hidden 64, 4 heads, 2 KV heads, head
// dim 16, 3 experts, chunk 8; vision tile 8x8, patch 2, grid 4, 17 tokens,
// hidden 32 in 4 heads of 8.

// Weights are module-level symbols named as in the checkpoint; names made of
// identifier characters and dots print unquoted.
// CHECK: llama4.weight @model.embed_tokens.weight : tensor<128x64xbf16>
// CHECK: llama4.weight @model.layers.0.self_attn.q_proj.weight : tensor<64x64xbf16>
llama4.weight @"model.embed_tokens.weight" : tensor<128x64xbf16>
llama4.weight @"model.layers.0.self_attn.q_proj.weight" : tensor<64x64xbf16>

// CHECK-LABEL: func.func @weight_ref_reads_declared_weight
//       CHECK:   llama4.weight_ref @model.layers.0.self_attn.q_proj.weight : tensor<64x64xbf16>
func.func @weight_ref_reads_declared_weight() -> tensor<64x64xbf16> {
  %w = llama4.weight_ref @"model.layers.0.self_attn.q_proj.weight" : tensor<64x64xbf16>
  return %w : tensor<64x64xbf16>
}

// CHECK-LABEL: func.func @embed_tokens_dynamic_batch_and_seq
//  CHECK-SAME:   %[[IDS:[a-z0-9]+]]: tensor<?x?xi32>, %[[TABLE:[a-z0-9]+]]: tensor<128x64xbf16>
//       CHECK:   llama4.embed_tokens %[[IDS]], %[[TABLE]] : (tensor<?x?xi32>, tensor<128x64xbf16>) -> tensor<?x?x64xbf16>
func.func @embed_tokens_dynamic_batch_and_seq(%ids: tensor<?x?xi32>, %table: tensor<128x64xbf16>)
    -> tensor<?x?x64xbf16> {
  %h = llama4.embed_tokens %ids, %table
      : (tensor<?x?xi32>, tensor<128x64xbf16>) -> tensor<?x?x64xbf16>
  return %h : tensor<?x?x64xbf16>
}

// CHECK-LABEL: func.func @gather_tokens_picks_rows
//  CHECK-SAME:   %[[H:[a-z0-9]+]]: tensor<?x?x64xbf16>, %[[AT:[a-z0-9]+]]: tensor<?x?xi32>
//       CHECK:   llama4.gather_tokens %[[H]], %[[AT]] : (tensor<?x?x64xbf16>, tensor<?x?xi32>) -> tensor<?x?x64xbf16>
func.func @gather_tokens_picks_rows(%h: tensor<?x?x64xbf16>, %at: tensor<?x?xi32>)
    -> tensor<?x?x64xbf16> {
  %last = llama4.gather_tokens %h, %at
      : (tensor<?x?x64xbf16>, tensor<?x?xi32>) -> tensor<?x?x64xbf16>
  return %last : tensor<?x?x64xbf16>
}

// CHECK-LABEL: func.func @greedy_token_of_each_row
//       CHECK:   llama4.greedy_token %{{.*}} : (tensor<?x?x128xf32>) -> tensor<?x?xi32>
func.func @greedy_token_of_each_row(%logits: tensor<?x?x128xf32>) -> tensor<?x?xi32> {
  %next = llama4.greedy_token %logits : (tensor<?x?x128xf32>) -> tensor<?x?xi32>
  return %next : tensor<?x?xi32>
}

// CHECK-LABEL: func.func @rms_norm_keeps_eps
//  CHECK-SAME:   %[[X:[a-z0-9]+]]: tensor<?x?x64xbf16>, %[[W:[a-z0-9]+]]: tensor<64xbf16>
//       CHECK:   llama4.rms_norm %[[X]], %[[W]] {eps = 1.000000e-05 : f64}
func.func @rms_norm_keeps_eps(%x: tensor<?x?x64xbf16>, %w: tensor<64xbf16>) -> tensor<?x?x64xbf16> {
  %y = llama4.rms_norm %x, %w {eps = 1.000000e-05 : f64}
      : (tensor<?x?x64xbf16>, tensor<64xbf16>) -> tensor<?x?x64xbf16>
  return %y : tensor<?x?x64xbf16>
}

// CHECK-LABEL: func.func @layer_norm_with_weight_and_bias
//  CHECK-SAME:   %[[X:[a-z0-9]+]]: tensor<?x17x32xf32>, %[[W:[a-z0-9]+]]: tensor<32xf32>, %[[B:[a-z0-9]+]]: tensor<32xf32>
//       CHECK:   llama4.layer_norm %[[X]], %[[W]], %[[B]] {eps = 1.000000e-05 : f64}
func.func @layer_norm_with_weight_and_bias(%x: tensor<?x17x32xf32>, %w: tensor<32xf32>,
    %b: tensor<32xf32>) -> tensor<?x17x32xf32> {
  %y = llama4.layer_norm %x, %w, %b {eps = 1.000000e-05 : f64}
      : (tensor<?x17x32xf32>, tensor<32xf32>, tensor<32xf32>) -> tensor<?x17x32xf32>
  return %y : tensor<?x17x32xf32>
}

// CHECK-LABEL: func.func @linear_without_bias
//  CHECK-SAME:   %[[X:[a-z0-9]+]]: tensor<?x?x64xbf16>, %[[W:[a-z0-9]+]]: tensor<32x64xbf16>
//       CHECK:   llama4.linear %[[X]], %[[W]] : (tensor<?x?x64xbf16>, tensor<32x64xbf16>) -> tensor<?x?x32xbf16>
func.func @linear_without_bias(%x: tensor<?x?x64xbf16>, %w: tensor<32x64xbf16>) -> tensor<?x?x32xbf16> {
  %y = llama4.linear %x, %w : (tensor<?x?x64xbf16>, tensor<32x64xbf16>) -> tensor<?x?x32xbf16>
  return %y : tensor<?x?x32xbf16>
}

// CHECK-LABEL: func.func @linear_with_bias
//  CHECK-SAME:   %[[X:[a-z0-9]+]]: tensor<?x17x32xf32>, %[[W:[a-z0-9]+]]: tensor<32x32xf32>, %[[B:[a-z0-9]+]]: tensor<32xf32>
//       CHECK:   llama4.linear %[[X]], %[[W]], %[[B]] : (tensor<?x17x32xf32>, tensor<32x32xf32>, tensor<32xf32>) -> tensor<?x17x32xf32>
func.func @linear_with_bias(%x: tensor<?x17x32xf32>, %w: tensor<32x32xf32>, %b: tensor<32xf32>)
    -> tensor<?x17x32xf32> {
  %y = llama4.linear %x, %w, %b
      : (tensor<?x17x32xf32>, tensor<32x32xf32>, tensor<32xf32>) -> tensor<?x17x32xf32>
  return %y : tensor<?x17x32xf32>
}

// The logits may be wider than the activations.
// CHECK-LABEL: func.func @lm_head_f32_logits_from_bf16
//  CHECK-SAME:   %[[H:[a-z0-9]+]]: tensor<?x?x64xbf16>, %[[W:[a-z0-9]+]]: tensor<128x64xbf16>
//       CHECK:   llama4.lm_head %[[H]], %[[W]] : (tensor<?x?x64xbf16>, tensor<128x64xbf16>) -> tensor<?x?x128xf32>
func.func @lm_head_f32_logits_from_bf16(%h: tensor<?x?x64xbf16>, %w: tensor<128x64xbf16>)
    -> tensor<?x?x128xf32> {
  %logits = llama4.lm_head %h, %w : (tensor<?x?x64xbf16>, tensor<128x64xbf16>) -> tensor<?x?x128xf32>
  return %logits : tensor<?x?x128xf32>
}

// CHECK-LABEL: func.func @rope_without_scaling
//  CHECK-SAME:   %[[Q:[a-z0-9]+]]: tensor<?x?x4x16xbf16>, %[[POS:[a-z0-9]+]]: tensor<?x?xi32>
//       CHECK:   llama4.rope %[[Q]], %[[POS]] {theta = 5.000000e+05 : f64} :
func.func @rope_without_scaling(%q: tensor<?x?x4x16xbf16>, %pos: tensor<?x?xi32>)
    -> tensor<?x?x4x16xbf16> {
  %r = llama4.rope %q, %pos {theta = 5.000000e+05 : f64}
      : (tensor<?x?x4x16xbf16>, tensor<?x?xi32>) -> tensor<?x?x4x16xbf16>
  return %r : tensor<?x?x4x16xbf16>
}

// The llama3 parameters print as plain floats; low == high is valid.
// CHECK-LABEL: func.func @rope_with_llama3_scaling
//  CHECK-SAME:   %[[Q:[a-z0-9]+]]: tensor<?x?x4x16xbf16>, %[[POS:[a-z0-9]+]]: tensor<?x?xi32>
//       CHECK:   llama4.rope %[[Q]], %[[POS]]
//  CHECK-SAME:     scaling = #llama4.llama3_rope_scaling<factor = 1.600000e+01, low_freq_factor = 1.000000e+00, high_freq_factor = 1.000000e+00, original_max_position_embeddings = 8192>
//  CHECK-SAME:     theta = 5.000000e+05 : f64
func.func @rope_with_llama3_scaling(%q: tensor<?x?x4x16xbf16>, %pos: tensor<?x?xi32>)
    -> tensor<?x?x4x16xbf16> {
  %r = llama4.rope %q, %pos {theta = 5.000000e+05 : f64, scaling = #llama4.llama3_rope_scaling<
      factor = 16.0, low_freq_factor = 1.0, high_freq_factor = 1.0,
      original_max_position_embeddings = 8192>}
      : (tensor<?x?x4x16xbf16>, tensor<?x?xi32>) -> tensor<?x?x4x16xbf16>
  return %r : tensor<?x?x4x16xbf16>
}

// CHECK-LABEL: func.func @qk_norm_keeps_eps
//  CHECK-SAME:   %[[Q:[a-z0-9]+]]: tensor<?x?x4x16xbf16>
//       CHECK:   llama4.qk_norm %[[Q]] {eps = 1.000000e-05 : f64} : tensor<?x?x4x16xbf16>
func.func @qk_norm_keeps_eps(%q: tensor<?x?x4x16xbf16>) -> tensor<?x?x4x16xbf16> {
  %n = llama4.qk_norm %q {eps = 1.000000e-05 : f64} : tensor<?x?x4x16xbf16>
  return %n : tensor<?x?x4x16xbf16>
}

// A chunked (RoPE) layer: the cache holds one chunk of 8 slots.
// CHECK-LABEL: func.func @attention_chunked_with_chunk_sized_cache
//  CHECK-SAME:   %[[Q:[a-z0-9]+]]: tensor<?x?x4x16xbf16>, %[[K:[a-z0-9]+]]: tensor<?x?x2x16xbf16>, %[[V:[a-z0-9]+]]: tensor<?x?x2x16xbf16>, %[[KC:[a-z0-9]+]]: tensor<?x2x8x16xbf16>, %[[VC:[a-z0-9]+]]: tensor<?x2x8x16xbf16>, %[[POS:[a-z0-9]+]]: tensor<?x?xi32>
//       CHECK:   llama4.attention %[[Q]], %[[K]], %[[V]] cache(%[[KC]], %[[VC]]) positions(%[[POS]])
//  CHECK-SAME:     {chunk_size = 8 : i64, scale = 2.500000e-01 : f64}
//   CHECK-NOT:     temperature_tuning
func.func @attention_chunked_with_chunk_sized_cache(%q: tensor<?x?x4x16xbf16>,
    %k: tensor<?x?x2x16xbf16>, %v: tensor<?x?x2x16xbf16>, %kc: tensor<?x2x8x16xbf16>,
    %vc: tensor<?x2x8x16xbf16>, %pos: tensor<?x?xi32>) -> tensor<?x?x4x16xbf16> {
  %o = llama4.attention %q, %k, %v cache(%kc, %vc) positions(%pos)
      {chunk_size = 8 : i64, scale = 2.500000e-01 : f64}
      : (tensor<?x?x4x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x?x2x16xbf16>,
         tensor<?x2x8x16xbf16>, tensor<?x2x8x16xbf16>, tensor<?x?xi32>) -> tensor<?x?x4x16xbf16>
  return %o : tensor<?x?x4x16xbf16>
}

// A global (NoPE) layer with temperature tuning; its cache keeps every position.
// CHECK-LABEL: func.func @attention_global_with_temperature_tuning
//  CHECK-SAME:   %[[Q:[a-z0-9]+]]: tensor<?x?x4x16xbf16>, %[[K:[a-z0-9]+]]: tensor<?x?x2x16xbf16>, %[[V:[a-z0-9]+]]: tensor<?x?x2x16xbf16>, %[[KC:[a-z0-9]+]]: tensor<?x2x32x16xbf16>, %[[VC:[a-z0-9]+]]: tensor<?x2x32x16xbf16>, %[[POS:[a-z0-9]+]]: tensor<?x?xi32>
//       CHECK:   llama4.attention %[[Q]], %[[K]], %[[V]] cache(%[[KC]], %[[VC]]) positions(%[[POS]])
//  CHECK-SAME:     chunk_size = 0 : i64
//  CHECK-SAME:     scale = 2.500000e-01 : f64
//  CHECK-SAME:     temperature_tuning = #llama4.temperature_tuning<floor_scale = 8192, attn_scale = 1.000000e-01>
func.func @attention_global_with_temperature_tuning(%q: tensor<?x?x4x16xbf16>,
    %k: tensor<?x?x2x16xbf16>, %v: tensor<?x?x2x16xbf16>, %kc: tensor<?x2x32x16xbf16>,
    %vc: tensor<?x2x32x16xbf16>, %pos: tensor<?x?xi32>) -> tensor<?x?x4x16xbf16> {
  %o = llama4.attention %q, %k, %v cache(%kc, %vc) positions(%pos)
      {chunk_size = 0 : i64, scale = 2.500000e-01 : f64,
       temperature_tuning = #llama4.temperature_tuning<floor_scale = 8192, attn_scale = 0.1>}
      : (tensor<?x?x4x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x?x2x16xbf16>,
         tensor<?x2x32x16xbf16>, tensor<?x2x32x16xbf16>, tensor<?x?xi32>) -> tensor<?x?x4x16xbf16>
  return %o : tensor<?x?x4x16xbf16>
}

// A global layer's paged cache: pools of 4-position pages [pages, Hkv, 4, d]
// and the block table [B, T] that allots them to the rows.
// CHECK-LABEL: func.func @attention_global_paged
//  CHECK-SAME:   %[[KC:[a-z0-9]+]]: tensor<?x2x4x16xbf16>, %[[VC:[a-z0-9]+]]: tensor<?x2x4x16xbf16>, %[[TABLE:[a-z0-9]+]]: tensor<?x?xi32>, %[[POS:[a-z0-9]+]]: tensor<?x?xi32>
//       CHECK:   llama4.attention %{{.*}}, %{{.*}}, %{{.*}} cache(%[[KC]], %[[VC]]) pages(%[[TABLE]]) positions(%[[POS]])
//       CHECK:   llama4.kv_cache_update %[[KC]], %{{.*}} pages(%[[TABLE]]) positions(%[[POS]]) {window = 0 : i64}
func.func @attention_global_paged(%q: tensor<?x?x4x16xbf16>,
    %k: tensor<?x?x2x16xbf16>, %v: tensor<?x?x2x16xbf16>, %kc: tensor<?x2x4x16xbf16>,
    %vc: tensor<?x2x4x16xbf16>, %table: tensor<?x?xi32>, %pos: tensor<?x?xi32>)
    -> (tensor<?x?x4x16xbf16>, tensor<?x2x4x16xbf16>) {
  %o = llama4.attention %q, %k, %v cache(%kc, %vc) pages(%table) positions(%pos)
      {chunk_size = 0 : i64, scale = 2.500000e-01 : f64}
      : (tensor<?x?x4x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x?x2x16xbf16>,
         tensor<?x2x4x16xbf16>, tensor<?x2x4x16xbf16>, tensor<?x?xi32>, tensor<?x?xi32>)
      -> tensor<?x?x4x16xbf16>
  %kc2 = llama4.kv_cache_update %kc, %k pages(%table) positions(%pos) {window = 0 : i64}
      : (tensor<?x2x4x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x?xi32>, tensor<?x?xi32>)
      -> tensor<?x2x4x16xbf16>
  return %o, %kc2 : tensor<?x?x4x16xbf16>, tensor<?x2x4x16xbf16>
}

// CHECK-LABEL: func.func @kv_cache_update_chunk_window
//  CHECK-SAME:   %[[KC:[a-z0-9]+]]: tensor<?x2x8x16xbf16>, %[[K:[a-z0-9]+]]: tensor<?x?x2x16xbf16>, %[[POS:[a-z0-9]+]]: tensor<?x?xi32>
//       CHECK:   llama4.kv_cache_update %[[KC]], %[[K]] positions(%[[POS]]) {window = 8 : i64}
func.func @kv_cache_update_chunk_window(%kc: tensor<?x2x8x16xbf16>, %k: tensor<?x?x2x16xbf16>,
    %pos: tensor<?x?xi32>) -> tensor<?x2x8x16xbf16> {
  %kc2 = llama4.kv_cache_update %kc, %k positions(%pos) {window = 8 : i64}
      : (tensor<?x2x8x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x?xi32>) -> tensor<?x2x8x16xbf16>
  return %kc2 : tensor<?x2x8x16xbf16>
}

// window = 0 stores position p in slot p, whatever the cache length.
// CHECK-LABEL: func.func @kv_cache_update_one_slot_per_position
//  CHECK-SAME:   %[[VC:[a-z0-9]+]]: tensor<?x2x32x16xbf16>, %[[V:[a-z0-9]+]]: tensor<?x?x2x16xbf16>, %[[POS:[a-z0-9]+]]: tensor<?x?xi32>
//       CHECK:   llama4.kv_cache_update %[[VC]], %[[V]] positions(%[[POS]]) {window = 0 : i64}
func.func @kv_cache_update_one_slot_per_position(%vc: tensor<?x2x32x16xbf16>,
    %v: tensor<?x?x2x16xbf16>, %pos: tensor<?x?xi32>) -> tensor<?x2x32x16xbf16> {
  %vc2 = llama4.kv_cache_update %vc, %v positions(%pos) {window = 0 : i64}
      : (tensor<?x2x32x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x?xi32>) -> tensor<?x2x32x16xbf16>
  return %vc2 : tensor<?x2x32x16xbf16>
}

// CHECK-LABEL: func.func @swiglu_mlp_silu
//  CHECK-SAME:   %[[X:[a-z0-9]+]]: tensor<?x?x64xbf16>, %[[G:[a-z0-9]+]]: tensor<96x64xbf16>, %[[U:[a-z0-9]+]]: tensor<96x64xbf16>, %[[D:[a-z0-9]+]]: tensor<64x96xbf16>
//       CHECK:   llama4.swiglu_mlp %[[X]], %[[G]], %[[U]], %[[D]] {activation = #llama4.activation<silu>}
func.func @swiglu_mlp_silu(%x: tensor<?x?x64xbf16>, %gate: tensor<96x64xbf16>,
    %up: tensor<96x64xbf16>, %down: tensor<64x96xbf16>) -> tensor<?x?x64xbf16> {
  %y = llama4.swiglu_mlp %x, %gate, %up, %down {activation = #llama4.activation<silu>}
      : (tensor<?x?x64xbf16>, tensor<96x64xbf16>, tensor<96x64xbf16>, tensor<64x96xbf16>)
      -> tensor<?x?x64xbf16>
  return %y : tensor<?x?x64xbf16>
}

// CHECK-LABEL: func.func @swiglu_mlp_gelu
//       CHECK:   llama4.swiglu_mlp
//  CHECK-SAME:     {activation = #llama4.activation<gelu>}
func.func @swiglu_mlp_gelu(%x: tensor<?x?x64xf32>, %gate: tensor<96x64xf32>,
    %up: tensor<96x64xf32>, %down: tensor<64x96xf32>) -> tensor<?x?x64xf32> {
  %y = llama4.swiglu_mlp %x, %gate, %up, %down {activation = #llama4.activation<gelu>}
      : (tensor<?x?x64xf32>, tensor<96x64xf32>, tensor<96x64xf32>, tensor<64x96xf32>)
      -> tensor<?x?x64xf32>
  return %y : tensor<?x?x64xf32>
}

// Three experts of width 32 (gate_up 2F = 64), top-1 routing, shared expert of width 48.
// CHECK-LABEL: func.func @moe_top1_of_three_experts
//  CHECK-SAME:   %[[X:[a-z0-9]+]]: tensor<?x?x64xbf16>, %[[R:[a-z0-9]+]]: tensor<3x64xbf16>, %[[GU:[a-z0-9]+]]: tensor<3x64x64xbf16>, %[[DN:[a-z0-9]+]]: tensor<3x32x64xbf16>, %[[SG:[a-z0-9]+]]: tensor<48x64xbf16>, %[[SU:[a-z0-9]+]]: tensor<48x64xbf16>, %[[SD:[a-z0-9]+]]: tensor<64x48xbf16>
//       CHECK:   llama4.moe %[[X]] router(%[[R]]) experts(%[[GU]], %[[DN]]) shared_expert(%[[SG]], %[[SU]], %[[SD]])
//  CHECK-SAME:     {activation = #llama4.activation<silu>, top_k = 1 : i64}
func.func @moe_top1_of_three_experts(%x: tensor<?x?x64xbf16>, %router: tensor<3x64xbf16>,
    %gate_up: tensor<3x64x64xbf16>, %down: tensor<3x32x64xbf16>, %sg: tensor<48x64xbf16>,
    %su: tensor<48x64xbf16>, %sd: tensor<64x48xbf16>) -> tensor<?x?x64xbf16> {
  %y = llama4.moe %x router(%router) experts(%gate_up, %down) shared_expert(%sg, %su, %sd)
      {activation = #llama4.activation<silu>, top_k = 1 : i64}
      : (tensor<?x?x64xbf16>, tensor<3x64xbf16>, tensor<3x64x64xbf16>, tensor<3x32x64xbf16>,
         tensor<48x64xbf16>, tensor<48x64xbf16>, tensor<64x48xbf16>) -> tensor<?x?x64xbf16>
  return %y : tensor<?x?x64xbf16>
}

// 8x8 RGB tiles cut into 2x2 patches: a 4x4 grid of 16 patches of 12 values.
// CHECK-LABEL: func.func @unfold_patch_embed_2x2_patches
//  CHECK-SAME:   %[[PIX:[a-z0-9]+]]: tensor<?x3x8x8xf32>, %[[W:[a-z0-9]+]]: tensor<32x12xf32>
//       CHECK:   llama4.unfold_patch_embed %[[PIX]], %[[W]] {patch_size = 2 : i64} : (tensor<?x3x8x8xf32>, tensor<32x12xf32>) -> tensor<?x16x32xf32>
func.func @unfold_patch_embed_2x2_patches(%pixels: tensor<?x3x8x8xf32>, %w: tensor<32x12xf32>)
    -> tensor<?x16x32xf32> {
  %p = llama4.unfold_patch_embed %pixels, %w {patch_size = 2 : i64}
      : (tensor<?x3x8x8xf32>, tensor<32x12xf32>) -> tensor<?x16x32xf32>
  return %p : tensor<?x16x32xf32>
}

// CHECK-LABEL: func.func @class_pos_embed_appends_class_token
//  CHECK-SAME:   %[[P:[a-z0-9]+]]: tensor<?x16x32xf32>, %[[CLS:[a-z0-9]+]]: tensor<32xf32>, %[[POS:[a-z0-9]+]]: tensor<17x32xf32>
//       CHECK:   llama4.class_pos_embed %[[P]], %[[CLS]], %[[POS]] : (tensor<?x16x32xf32>, tensor<32xf32>, tensor<17x32xf32>) -> tensor<?x17x32xf32>
func.func @class_pos_embed_appends_class_token(%p: tensor<?x16x32xf32>, %cls: tensor<32xf32>,
    %pos: tensor<17x32xf32>) -> tensor<?x17x32xf32> {
  %x = llama4.class_pos_embed %p, %cls, %pos
      : (tensor<?x16x32xf32>, tensor<32xf32>, tensor<17x32xf32>) -> tensor<?x17x32xf32>
  return %x : tensor<?x17x32xf32>
}

// CHECK-LABEL: func.func @vision_rope_on_4x4_grid
//  CHECK-SAME:   %[[Q:[a-z0-9]+]]: tensor<?x17x4x8xf32>
//       CHECK:   llama4.vision_rope %[[Q]] {grid_side = 4 : i64, theta = 1.000000e+04 : f64} : tensor<?x17x4x8xf32>
func.func @vision_rope_on_4x4_grid(%q: tensor<?x17x4x8xf32>) -> tensor<?x17x4x8xf32> {
  %r = llama4.vision_rope %q {grid_side = 4 : i64, theta = 1.000000e+04 : f64} : tensor<?x17x4x8xf32>
  return %r : tensor<?x17x4x8xf32>
}

// CHECK-LABEL: func.func @vision_attention_keeps_scale
//  CHECK-SAME:   %[[Q:[a-z0-9]+]]: tensor<?x17x4x8xf32>, %[[K:[a-z0-9]+]]: tensor<?x17x4x8xf32>, %[[V:[a-z0-9]+]]: tensor<?x17x4x8xf32>
//       CHECK:   llama4.vision_attention %[[Q]], %[[K]], %[[V]] {scale = 3.500000e-01 : f64}
func.func @vision_attention_keeps_scale(%q: tensor<?x17x4x8xf32>, %k: tensor<?x17x4x8xf32>,
    %v: tensor<?x17x4x8xf32>) -> tensor<?x17x4x8xf32> {
  %o = llama4.vision_attention %q, %k, %v {scale = 3.500000e-01 : f64}
      : (tensor<?x17x4x8xf32>, tensor<?x17x4x8xf32>, tensor<?x17x4x8xf32>) -> tensor<?x17x4x8xf32>
  return %o : tensor<?x17x4x8xf32>
}

// CHECK-LABEL: func.func @gelu_mlp_with_biases
//  CHECK-SAME:   %[[X:[a-z0-9]+]]: tensor<?x17x32xf32>, %[[W1:[a-z0-9]+]]: tensor<128x32xf32>, %[[B1:[a-z0-9]+]]: tensor<128xf32>, %[[W2:[a-z0-9]+]]: tensor<32x128xf32>, %[[B2:[a-z0-9]+]]: tensor<32xf32>
//       CHECK:   llama4.gelu_mlp %[[X]], %[[W1]], %[[B1]], %[[W2]], %[[B2]] :
func.func @gelu_mlp_with_biases(%x: tensor<?x17x32xf32>, %w1: tensor<128x32xf32>,
    %b1: tensor<128xf32>, %w2: tensor<32x128xf32>, %b2: tensor<32xf32>) -> tensor<?x17x32xf32> {
  %y = llama4.gelu_mlp %x, %w1, %b1, %w2, %b2
      : (tensor<?x17x32xf32>, tensor<128x32xf32>, tensor<128xf32>, tensor<32x128xf32>,
         tensor<32xf32>) -> tensor<?x17x32xf32>
  return %y : tensor<?x17x32xf32>
}

// Ratio 0.5 merges 2x2 neighbourhoods: 16 tokens of 32 become 4 of 128.
// CHECK-LABEL: func.func @pixel_shuffle_half_ratio
//  CHECK-SAME:   %[[X:[a-z0-9]+]]: tensor<?x16x32xf32>
//       CHECK:   llama4.pixel_shuffle %[[X]] {ratio = 5.000000e-01 : f64} : (tensor<?x16x32xf32>) -> tensor<?x4x128xf32>
func.func @pixel_shuffle_half_ratio(%x: tensor<?x16x32xf32>) -> tensor<?x4x128xf32> {
  %s = llama4.pixel_shuffle %x {ratio = 5.000000e-01 : f64} : (tensor<?x16x32xf32>) -> tensor<?x4x128xf32>
  return %s : tensor<?x4x128xf32>
}

// CHECK-LABEL: func.func @vision_adapter_two_layers
//  CHECK-SAME:   %[[X:[a-z0-9]+]]: tensor<?x4x128xf32>, %[[W1:[a-z0-9]+]]: tensor<64x128xf32>, %[[W2:[a-z0-9]+]]: tensor<64x64xf32>
//       CHECK:   llama4.vision_adapter %[[X]], %[[W1]], %[[W2]] : (tensor<?x4x128xf32>, tensor<64x128xf32>, tensor<64x64xf32>) -> tensor<?x4x64xf32>
func.func @vision_adapter_two_layers(%x: tensor<?x4x128xf32>, %w1: tensor<64x128xf32>,
    %w2: tensor<64x64xf32>) -> tensor<?x4x64xf32> {
  %a = llama4.vision_adapter %x, %w1, %w2
      : (tensor<?x4x128xf32>, tensor<64x128xf32>, tensor<64x64xf32>) -> tensor<?x4x64xf32>
  return %a : tensor<?x4x64xf32>
}

// The tiles are flattened into one row per image token.
// CHECK-LABEL: func.func @multi_modal_projector_flattens_tiles
//  CHECK-SAME:   %[[A:[a-z0-9]+]]: tensor<?x4x64xf32>, %[[W:[a-z0-9]+]]: tensor<64x64xf32>
//       CHECK:   llama4.multi_modal_projector %[[A]], %[[W]] : (tensor<?x4x64xf32>, tensor<64x64xf32>) -> tensor<?x64xf32>
func.func @multi_modal_projector_flattens_tiles(%a: tensor<?x4x64xf32>, %w: tensor<64x64xf32>)
    -> tensor<?x64xf32> {
  %f = llama4.multi_modal_projector %a, %w : (tensor<?x4x64xf32>, tensor<64x64xf32>) -> tensor<?x64xf32>
  return %f : tensor<?x64xf32>
}

// CHECK-LABEL: func.func @scatter_image_features_keeps_token_index
//  CHECK-SAME:   %[[H:[a-z0-9]+]]: tensor<?x?x64xbf16>, %[[IDS:[a-z0-9]+]]: tensor<?x?xi32>, %[[F:[a-z0-9]+]]: tensor<?x64xbf16>
//       CHECK:   llama4.scatter_image_features %[[H]], %[[IDS]], %[[F]] {image_token_index = 100 : i64}
func.func @scatter_image_features_keeps_token_index(%h: tensor<?x?x64xbf16>, %ids: tensor<?x?xi32>,
    %f: tensor<?x64xbf16>) -> tensor<?x?x64xbf16> {
  %h2 = llama4.scatter_image_features %h, %ids, %f {image_token_index = 100 : i64}
      : (tensor<?x?x64xbf16>, tensor<?x?xi32>, tensor<?x64xbf16>) -> tensor<?x?x64xbf16>
  return %h2 : tensor<?x?x64xbf16>
}

// Lowering configs print with only the sizes their template takes.
// CHECK-LABEL: func.func @lowering_configs
//  CHECK-SAME:   cpu = #llama4.lowering_config<pipeline = cpu_loops>
//  CHECK-SAME:   dot = #llama4.lowering_config<pipeline = cpu_dot_tiles, workgroup_tile = [0, 512, 0], register_tile = [4, 2, 8], distribute = true>
//  CHECK-SAME:   gpu = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [256]>
//  CHECK-SAME:   outer = #llama4.lowering_config<pipeline = cpu_outer_product_tiles, workgroup_tile = [0, 512, 0], register_tile = [4, 16, 8]>
func.func @lowering_configs() attributes {
    cpu = #llama4.lowering_config<pipeline = cpu_loops>,
    dot = #llama4.lowering_config<pipeline = cpu_dot_tiles, workgroup_tile = [0, 512, 0], register_tile = [4, 2, 8], distribute = true>,
    gpu = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [256]>,
    outer = #llama4.lowering_config<pipeline = cpu_outer_product_tiles, workgroup_tile = [0, 512, 0], register_tile = [4, 16, 8], distribute = false>} {
  return
}

// The kernel op attention becomes: grouped queries [B, Hkv, G, S, d].
// CHECK-LABEL: func.func @online_attention
//       CHECK:   llama4.online_attention %{{.*}} at(%{{.*}}) cache(%{{.*}}, %{{.*}}) tokens(%{{.*}}, %{{.*}} at %{{.*}}) outs(%{{.*}}) {chunk_size = 8 : i64, key_block = 128 : i64, scale = 2.500000e-01 : f64}
//  CHECK-SAME:     -> tensor<?x2x2x?x16xbf16>
func.func @online_attention(%q: tensor<?x2x2x?x16xbf16>, %pos: tensor<?x?xi32>,
    %kc: tensor<?x2x8x16xbf16>, %vc: tensor<?x2x8x16xbf16>,
    %k: tensor<?x2x?x16xbf16>, %v: tensor<?x2x?x16xbf16>,
    %init: tensor<?x2x2x?x16xbf16>) -> tensor<?x2x2x?x16xbf16> {
  %o = llama4.online_attention %q at(%pos) cache(%kc, %vc) tokens(%k, %v at %pos)
      outs(%init) {chunk_size = 8 : i64, key_block = 128 : i64, scale = 0.25 : f64}
      : (tensor<?x2x2x?x16xbf16>, tensor<?x?xi32>, tensor<?x2x8x16xbf16>,
         tensor<?x2x8x16xbf16>, tensor<?x2x?x16xbf16>, tensor<?x2x?x16xbf16>,
         tensor<?x?xi32>, tensor<?x2x2x?x16xbf16>) -> tensor<?x2x2x?x16xbf16>
  return %o : tensor<?x2x2x?x16xbf16>
}

// One split of each query's keys, the softmax state split-major.
// CHECK-LABEL: func.func @partial_attention
//       CHECK:   llama4.partial_attention %{{.*}} at(%{{.*}}) cache(%{{.*}}, %{{.*}}) tokens(%{{.*}}, %{{.*}} at %{{.*}}) splits(%{{.*}}) outs(%{{.*}}, %{{.*}}, %{{.*}}) {chunk_size = 8 : i64, key_block = 128 : i64, scale = 2.500000e-01 : f64, split_keys = 256 : i64, splits = 4 : i64}
//  CHECK-SAME:     -> (tensor<4x?x2x2x1xf32>, tensor<4x?x2x2x1xf32>, tensor<4x?x2x2x1x16xf32>)
func.func @partial_attention(%q: tensor<?x2x2x1x16xbf16>, %pos: tensor<?x1xi32>,
    %kc: tensor<?x2x8x16xbf16>, %k: tensor<?x2x1x16xbf16>, %first: index,
    %m: tensor<4x?x2x2x1xf32>, %acc: tensor<4x?x2x2x1x16xf32>) {
  %max, %sum, %a = llama4.partial_attention %q at(%pos) cache(%kc, %kc)
      tokens(%k, %k at %pos) splits(%first) outs(%m, %m, %acc)
      {chunk_size = 8 : i64, key_block = 128 : i64, scale = 0.25 : f64,
       splits = 4 : i64, split_keys = 256 : i64}
      : (tensor<?x2x2x1x16xbf16>, tensor<?x1xi32>, tensor<?x2x8x16xbf16>,
         tensor<?x2x8x16xbf16>, tensor<?x2x1x16xbf16>, tensor<?x2x1x16xbf16>,
         tensor<?x1xi32>, index, tensor<4x?x2x2x1xf32>, tensor<4x?x2x2x1xf32>,
         tensor<4x?x2x2x1x16xf32>)
      -> (tensor<4x?x2x2x1xf32>, tensor<4x?x2x2x1xf32>, tensor<4x?x2x2x1x16xf32>)
  return
}

// Float8 caches: f8E4M3FN pools with an f32 scale per cached vector
// ([pages, Hkv, P, 1]); the update returns the pool and its scales.
// CHECK-LABEL: func.func @attention_fp8_cache
//  CHECK-SAME:   %[[KC:[a-z0-9]+]]: tensor<?x2x4x16xf8E4M3FN>, %[[VC:[a-z0-9]+]]: tensor<?x2x4x16xf8E4M3FN>, %[[KS:[a-z0-9]+]]: tensor<?x2x4x1xf32>, %[[VS:[a-z0-9]+]]: tensor<?x2x4x1xf32>, %[[TABLE:[a-z0-9]+]]: tensor<?x?xi32>, %[[POS:[a-z0-9]+]]: tensor<?x?xi32>
//       CHECK:   llama4.attention %{{.*}}, %{{.*}}, %{{.*}} cache(%[[KC]], %[[VC]]) scales(%[[KS]], %[[VS]]) pages(%[[TABLE]]) positions(%[[POS]])
//       CHECK:   %{{.*}}, %{{.*}} = llama4.kv_cache_update %[[KC]], %{{.*}} scales(%[[KS]]) pages(%[[TABLE]]) positions(%[[POS]]) {window = 0 : i64}
func.func @attention_fp8_cache(%q: tensor<?x?x4x16xbf16>,
    %k: tensor<?x?x2x16xbf16>, %v: tensor<?x?x2x16xbf16>,
    %kc: tensor<?x2x4x16xf8E4M3FN>, %vc: tensor<?x2x4x16xf8E4M3FN>,
    %ks: tensor<?x2x4x1xf32>, %vs: tensor<?x2x4x1xf32>,
    %table: tensor<?x?xi32>, %pos: tensor<?x?xi32>)
    -> (tensor<?x?x4x16xbf16>, tensor<?x2x4x16xf8E4M3FN>, tensor<?x2x4x1xf32>) {
  %o = llama4.attention %q, %k, %v cache(%kc, %vc) scales(%ks, %vs) pages(%table) positions(%pos)
      {chunk_size = 0 : i64, scale = 2.500000e-01 : f64}
      : (tensor<?x?x4x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x?x2x16xbf16>,
         tensor<?x2x4x16xf8E4M3FN>, tensor<?x2x4x16xf8E4M3FN>, tensor<?x2x4x1xf32>,
         tensor<?x2x4x1xf32>, tensor<?x?xi32>, tensor<?x?xi32>) -> tensor<?x?x4x16xbf16>
  %kc2, %ks2 = llama4.kv_cache_update %kc, %k scales(%ks) pages(%table) positions(%pos) {window = 0 : i64}
      : (tensor<?x2x4x16xf8E4M3FN>, tensor<?x?x2x16xbf16>, tensor<?x2x4x1xf32>, tensor<?x?xi32>, tensor<?x?xi32>)
      -> (tensor<?x2x4x16xf8E4M3FN>, tensor<?x2x4x1xf32>)
  return %o, %kc2, %ks2 : tensor<?x?x4x16xbf16>, tensor<?x2x4x16xf8E4M3FN>, tensor<?x2x4x1xf32>
}
