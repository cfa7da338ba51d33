// RUN: llama4-opt %s --split-input-file --llama4-convert-to-linalg | FileCheck %s
// RUN: llama4-opt %s --split-input-file --llama4-convert-to-linalg="attention-key-block=32" | FileCheck %s --check-prefix=BLOCK

// A chunked layer (chunk 8, an 8-slot cache), bf16. The queries are grouped
// by KV head ([B, Hkv, G, S, d]); new keys and values become head-major;
// one llama4.online_attention takes them with the cache and the positions
// (of the queries, and of the new keys), keeping the layer's chunk and
// scale, and the conversion's key block. Its output is transposed back and
// collapsed to [B, S, H, d]. No [S, L + S] tensor and no concatenation of
// cache and new keys appear.
// CHECK-LABEL: func.func @attention_chunked_masks_other_chunks
//  CHECK-SAME:   %[[Q:[a-z0-9]+]]: tensor<?x?x4x16xbf16>, %[[K:[a-z0-9]+]]: tensor<?x?x2x16xbf16>, %[[V:[a-z0-9]+]]: tensor<?x?x2x16xbf16>, %[[KC:[a-z0-9]+]]: tensor<?x2x8x16xbf16>, %[[VC:[a-z0-9]+]]: tensor<?x2x8x16xbf16>, %[[POS:[a-z0-9]+]]: tensor<?x?xi32>
//       CHECK:   %[[GROUPED:.*]] = tensor.expand_shape %[[Q]] {{\[}}[0], [1], [2, 3], [4]] {{.*}} into tensor<?x?x2x2x16xbf16>
//       CHECK:   %[[BY_HEAD:.*]] = linalg.generic {{.*}} ins(%[[GROUPED]] : tensor<?x?x2x2x16xbf16>) outs(%{{.*}} : tensor<?x2x2x?x16xbf16>)
//       CHECK:   %[[NEW_K:.*]] = linalg.generic {{.*}} ins(%[[K]] : tensor<?x?x2x16xbf16>) outs(%{{.*}} : tensor<?x2x?x16xbf16>)
//       CHECK:   %[[NEW_V:.*]] = linalg.generic {{.*}} ins(%[[V]] : tensor<?x?x2x16xbf16>)
//   CHECK-NOT:   tensor.concat
//       CHECK:   %[[OUT:.*]] = llama4.online_attention %[[BY_HEAD]] at(%[[POS]]) cache(%[[KC]], %[[VC]]) tokens(%[[NEW_K]], %[[NEW_V]] at %[[POS]]) outs(%{{.*}}) {chunk_size = 8 : i64, key_block = 128 : i64, scale = 2.500000e-01 : f64}
//       CHECK:   %[[BY_SEQ:.*]] = linalg.generic {{.*}} ins(%[[OUT]] : tensor<?x2x2x?x16xbf16>) outs(%{{.*}} : tensor<?x?x2x2x16xbf16>)
//       CHECK:   %[[R:.*]] = tensor.collapse_shape %[[BY_SEQ]] {{\[}}[0], [1], [2, 3], [4]] {{.*}} into tensor<?x?x4x16xbf16>
//       CHECK:   return %[[R]]
//   CHECK-NOT:   llama4.attention
func.func @attention_chunked_masks_other_chunks(%q: tensor<?x?x4x16xbf16>,
    %k: tensor<?x?x2x16xbf16>, %v: tensor<?x?x2x16xbf16>, %kc: tensor<?x2x8x16xbf16>,
    %vc: tensor<?x2x8x16xbf16>, %pos: tensor<?x?xi32>) -> tensor<?x?x4x16xbf16> {
  %o = llama4.attention %q, %k, %v cache(%kc, %vc) positions(%pos)
      {chunk_size = 8 : i64, scale = 2.500000e-01 : f64}
      : (tensor<?x?x4x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x?x2x16xbf16>,
         tensor<?x2x8x16xbf16>, tensor<?x2x8x16xbf16>, tensor<?x?xi32>) -> tensor<?x?x4x16xbf16>
  return %o : tensor<?x?x4x16xbf16>
}

// -----

// Without temperature_tuning the query is used as it is: no log1p, no floor.
// CHECK-LABEL: func.func @attention_without_temperature_tuning
//   CHECK-NOT:   math.log1p
//   CHECK-NOT:   math.floor
//       CHECK:   return
func.func @attention_without_temperature_tuning(%q: tensor<?x?x4x16xbf16>,
    %k: tensor<?x?x2x16xbf16>, %v: tensor<?x?x2x16xbf16>, %kc: tensor<?x2x8x16xbf16>,
    %vc: tensor<?x2x8x16xbf16>, %pos: tensor<?x?xi32>) -> tensor<?x?x4x16xbf16> {
  %o = llama4.attention %q, %k, %v cache(%kc, %vc) positions(%pos)
      {chunk_size = 8 : i64, scale = 2.500000e-01 : f64}
      : (tensor<?x?x4x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x?x2x16xbf16>,
         tensor<?x2x8x16xbf16>, tensor<?x2x8x16xbf16>, tensor<?x?xi32>) -> tensor<?x?x4x16xbf16>
  return %o : tensor<?x?x4x16xbf16>
}

// -----

// A global layer (chunk_size 0) keeps its cache of any length; the key
// block is the pass option's.
// BLOCK-LABEL: func.func @attention_global_has_no_chunks
//       BLOCK:   llama4.online_attention {{.*}} {chunk_size = 0 : i64, key_block = 32 : i64, scale = 2.500000e-01 : f64}
//  BLOCK-SAME:     tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>
func.func @attention_global_has_no_chunks(%q: tensor<?x?x4x16xf32>,
    %k: tensor<?x?x2x16xf32>, %v: tensor<?x?x2x16xf32>, %kc: tensor<?x2x?x16xf32>,
    %vc: tensor<?x2x?x16xf32>, %pos: tensor<?x?xi32>) -> tensor<?x?x4x16xf32> {
  %o = llama4.attention %q, %k, %v cache(%kc, %vc) positions(%pos)
      {chunk_size = 0 : i64, scale = 2.500000e-01 : f64}
      : (tensor<?x?x4x16xf32>, tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>,
         tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x?xi32>) -> tensor<?x?x4x16xf32>
  return %o : tensor<?x?x4x16xf32>
}

// -----

// A NoPE layer with temperature tuning first scales the query by
// 1 + attn_scale * log1p(floor((p + 1) / floor_scale)), then groups it.
// CHECK-LABEL: func.func @attention_temperature_tuning_scales_query
//  CHECK-SAME:   %[[Q:[a-z0-9]+]]: tensor<?x?x4x16xbf16>, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[POS:[a-z0-9]+]]: tensor<?x?xi32>
//       CHECK:   %[[SCALED:.*]] = linalg.generic
//  CHECK-SAME:       ins(%[[Q]], %[[POS]] : tensor<?x?x4x16xbf16>, tensor<?x?xi32>)
//       CHECK:     %[[P:.*]] = arith.sitofp
//       CHECK:     %[[P1:.*]] = arith.addf %[[P]]
//       CHECK:     %[[Q1:.*]] = arith.divf %[[P1]]
//       CHECK:     %[[STEPS:.*]] = math.floor %[[Q1]]
//       CHECK:     math.log1p %[[STEPS]]
//       CHECK:     arith.truncf %{{.*}} : f32 to bf16
//       CHECK:   tensor.expand_shape %[[SCALED]]
//       CHECK:   return
func.func @attention_temperature_tuning_scales_query(%q: tensor<?x?x4x16xbf16>,
    %k: tensor<?x?x2x16xbf16>, %v: tensor<?x?x2x16xbf16>, %kc: tensor<?x2x?x16xbf16>,
    %vc: tensor<?x2x?x16xbf16>, %pos: tensor<?x?xi32>) -> tensor<?x?x4x16xbf16> {
  %o = llama4.attention %q, %k, %v cache(%kc, %vc) positions(%pos)
      {chunk_size = 0 : i64, scale = 2.500000e-01 : f64,
       temperature_tuning = #llama4.temperature_tuning<floor_scale = 8192, attn_scale = 0.1>}
      : (tensor<?x?x4x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x?x2x16xbf16>,
         tensor<?x2x?x16xbf16>, tensor<?x2x?x16xbf16>, tensor<?x?xi32>) -> tensor<?x?x4x16xbf16>
  return %o : tensor<?x?x4x16xbf16>
}

// -----

// A decode step (S = 1): moving the one token's unit dimension keeps the
// elements in order, so the queries' grouping by KV head, the new keys and
// values made head-major, and the output put back in sequence order are
// reshapes (collapse the unit dimension, expand it where it goes), no copy
// kernel.
// CHECK-LABEL: func.func @decode_attention_reshapes
//  CHECK-SAME:   %[[Q:[a-z0-9]+]]: tensor<?x1x4x16xbf16>, %[[K:[a-z0-9]+]]: tensor<?x1x2x16xbf16>
//   CHECK-NOT:   linalg.generic
//       CHECK:   %[[GROUPED:.*]] = tensor.expand_shape %[[Q]] {{.*}} into tensor<?x1x2x2x16xbf16>
//       CHECK:   %[[Q3:.*]] = tensor.collapse_shape %[[GROUPED]] {{\[}}[0], [1, 2], [3], [4]] {{.*}} into tensor<?x2x2x16xbf16>
//       CHECK:   %[[BY_HEAD:.*]] = tensor.expand_shape %[[Q3]] {{\[}}[0], [1], [2], [3, 4]] {{.*}} into tensor<?x2x2x1x16xbf16>
//       CHECK:   %[[K3:.*]] = tensor.collapse_shape %[[K]] {{\[}}[0], [1, 2], [3]] {{.*}} into tensor<?x2x16xbf16>
//       CHECK:   %[[NEW_K:.*]] = tensor.expand_shape %[[K3]] {{\[}}[0], [1], [2, 3]] {{.*}} into tensor<?x2x1x16xbf16>
//       CHECK:   %[[OUT:.*]] = llama4.online_attention %[[BY_HEAD]] {{.*}} tokens(%[[NEW_K]],
//       CHECK:   %[[OUT3:.*]] = tensor.collapse_shape %[[OUT]] {{\[}}[0], [1], [2], [3, 4]]
//       CHECK:   %[[BY_SEQ:.*]] = tensor.expand_shape %[[OUT3]] {{\[}}[0], [1, 2], [3], [4]] {{.*}} into tensor<?x1x2x2x16xbf16>
//       CHECK:   %[[R:.*]] = tensor.collapse_shape %[[BY_SEQ]] {{.*}} into tensor<?x1x4x16xbf16>
//   CHECK-NOT:   linalg.generic
//       CHECK:   return %[[R]]
func.func @decode_attention_reshapes(%q: tensor<?x1x4x16xbf16>,
    %k: tensor<?x1x2x16xbf16>, %v: tensor<?x1x2x16xbf16>, %kc: tensor<?x2x8x16xbf16>,
    %vc: tensor<?x2x8x16xbf16>, %pos: tensor<?x1xi32>) -> tensor<?x1x4x16xbf16> {
  %o = llama4.attention %q, %k, %v cache(%kc, %vc) positions(%pos)
      {chunk_size = 8 : i64, scale = 2.500000e-01 : f64}
      : (tensor<?x1x4x16xbf16>, tensor<?x1x2x16xbf16>, tensor<?x1x2x16xbf16>,
         tensor<?x2x8x16xbf16>, tensor<?x2x8x16xbf16>, tensor<?x1xi32>) -> tensor<?x1x4x16xbf16>
  return %o : tensor<?x1x4x16xbf16>
}
