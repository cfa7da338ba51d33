// RUN: llama4-opt %s --llama4-describe-model -o /dev/null | FileCheck %s

// The description is read from the IR: layer 0's query went through rope
// (llama3-scaled) and qk_norm and its attention is chunked; layer 1's query
// is the raw projection (NoPE) with temperature tuning and global attention.
// CHECK:      text decoder: 2 layers, 4 query heads, 2 KV heads, head dim 8
// CHECK-NEXT:   layer 0: chunked attention (chunk 4), rope (theta 500000, llama3 x16), qk_norm | moe (3 experts, top-1, shared expert)
// CHECK-NEXT:   layer 1: global attention, nope, temperature tuning (floor 8192, scale 0.1) | dense mlp (width 24)
// CHECK-NEXT: weights: 2 tensors, 48 parameters, 128 bytes

module {
  llama4.weight @"model.a.weight" : tensor<16xf32>
  llama4.weight @"model.b.weight" : tensor<32xbf16>
  func.func @prefill(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x2x8xf32>, %v: tensor<1x2x2x8xf32>,
      %kc: tensor<1x2x4x8xf32>, %vc: tensor<1x2x4x8xf32>, %gkc: tensor<1x2x16x8xf32>,
      %gvc: tensor<1x2x16x8xf32>, %pos: tensor<1x2xi32>, %x: tensor<1x2x16xf32>,
      %router: tensor<3x16xf32>, %gate_up: tensor<3x16x48xf32>, %down: tensor<3x24x16xf32>,
      %gate: tensor<24x16xf32>, %up: tensor<24x16xf32>, %proj: tensor<16x24xf32>)
      -> (tensor<1x2x16xf32>, tensor<1x2x16xf32>) {
    %a = llama4.weight_ref @"model.a.weight" : tensor<16xf32>
    %b = llama4.weight_ref @"model.b.weight" : tensor<32xbf16>
    %qr = llama4.rope %q, %pos {theta = 5.0e+05 : f64, scaling = #llama4.llama3_rope_scaling<factor = 16.0, low_freq_factor = 1.0, high_freq_factor = 1.0, original_max_position_embeddings = 8192>} : (tensor<1x2x4x8xf32>, tensor<1x2xi32>) -> tensor<1x2x4x8xf32>
    %qn = llama4.qk_norm %qr {eps = 1.0e-05 : f64} : tensor<1x2x4x8xf32>
    %o0 = llama4.attention %qn, %k, %v cache(%kc, %vc) positions(%pos) {chunk_size = 4 : i64, scale = 0.35 : f64} : (tensor<1x2x4x8xf32>, tensor<1x2x2x8xf32>, tensor<1x2x2x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2xi32>) -> tensor<1x2x4x8xf32>
    %f0 = llama4.moe %x router(%router) experts(%gate_up, %down) shared_expert(%gate, %up, %proj) {activation = #llama4.activation<silu>, top_k = 1 : i64} : (tensor<1x2x16xf32>, tensor<3x16xf32>, tensor<3x16x48xf32>, tensor<3x24x16xf32>, tensor<24x16xf32>, tensor<24x16xf32>, tensor<16x24xf32>) -> tensor<1x2x16xf32>
    %o1 = llama4.attention %q, %k, %v cache(%gkc, %gvc) positions(%pos) {chunk_size = 0 : i64, scale = 0.35 : f64, temperature_tuning = #llama4.temperature_tuning<floor_scale = 8192, attn_scale = 0.1>} : (tensor<1x2x4x8xf32>, tensor<1x2x2x8xf32>, tensor<1x2x2x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2xi32>) -> tensor<1x2x4x8xf32>
    %f1 = llama4.swiglu_mlp %x, %gate, %up, %proj {activation = #llama4.activation<silu>} : (tensor<1x2x16xf32>, tensor<24x16xf32>, tensor<24x16xf32>, tensor<16x24xf32>) -> tensor<1x2x16xf32>
    return %f0, %f1 : tensor<1x2x16xf32>, tensor<1x2x16xf32>
  }
}
