// RUN: llama4-opt %s --split-input-file --llama4-convert-to-linalg | FileCheck %s

// A chunked layer (chunk 8, an 8-slot cache): the new keys and values go after
// the cache along the slot dimension (tensor.concat dim 2, in head-major
// [B, Hkv, L + S, d]); the scores are one contraction over 6 loops (b, kvh, g,
// s, key, e) with query heads grouped by KV head; keys the query may not see
// become -inf; softmax is a max reduction, exp, a sum and a division; the
// output is a second 6-loop contraction with the values. Chunks are found by
// signed division by 8.
// CHECK-LABEL: func.func @attention_chunked_masks_other_chunks
//  CHECK-SAME:   %[[Q:[a-z0-9]+]]: tensor<?x?x4x16xbf16>, %[[K:[a-z0-9]+]]: tensor<?x?x2x16xbf16>, %[[V:[a-z0-9]+]]: tensor<?x?x2x16xbf16>, %[[KC:[a-z0-9]+]]: tensor<?x2x8x16xbf16>, %[[VC:[a-z0-9]+]]: tensor<?x2x8x16xbf16>, %[[POS:[a-z0-9]+]]: tensor<?x?xi32>
//   CHECK-DAG:   %[[NEG_INF:.*]] = arith.constant 0xFF800000 : f32
//   CHECK-DAG:   %[[CHUNK:.*]] = arith.constant 8 : i32
//       CHECK:   %[[GROUPED:.*]] = tensor.expand_shape %[[Q]] {{\[}}[0], [1], [2, 3], [4]] {{.*}} into tensor<?x?x2x2x16xbf16>
//       CHECK:   %[[NEW_K:.*]] = linalg.generic {{.*}} ins(%[[K]] : tensor<?x?x2x16xbf16>) outs(%{{.*}} : tensor<?x2x?x16xbf16>)
//       CHECK:   %[[KEYS:.*]] = tensor.concat dim(2) %[[KC]], %[[NEW_K]]
//       CHECK:   %[[NEW_V:.*]] = linalg.generic {{.*}} ins(%[[V]] : tensor<?x?x2x16xbf16>)
//       CHECK:   %[[VALUES:.*]] = tensor.concat dim(2) %[[VC]], %[[NEW_V]]
//       CHECK:   %[[DOT:.*]] = linalg.generic
//  CHECK-SAME:       iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction"]
//  CHECK-SAME:       ins(%[[GROUPED]], %[[KEYS]] : tensor<?x?x2x2x16xbf16>, tensor<?x2x?x16xbf16>) outs(%{{.*}} : tensor<?x2x2x?x?xf32>)
//       CHECK:   %[[MASKED:.*]] = linalg.generic
//  CHECK-SAME:       ins(%[[DOT]], %[[POS]] :
//       CHECK:     arith.divsi %{{.*}}, %[[CHUNK]] : i32
//       CHECK:     arith.divsi %{{.*}}, %[[CHUNK]] : i32
//       CHECK:     arith.select %{{.*}}, %{{.*}}, %[[NEG_INF]] : f32
//       CHECK:   %[[MAX:.*]] = linalg.generic
//  CHECK-SAME:       iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]
//  CHECK-SAME:       ins(%[[MASKED]] :
//       CHECK:     arith.maximumf
//       CHECK:   %[[EXP:.*]] = linalg.generic {{.*}} ins(%[[MASKED]], %[[MAX]] :
//       CHECK:     arith.subf
//       CHECK:     math.exp
//       CHECK:   %[[SUM:.*]] = linalg.generic
//  CHECK-SAME:       iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]
//  CHECK-SAME:       ins(%[[EXP]] :
//       CHECK:   %[[PROBS:.*]] = linalg.generic {{.*}} ins(%[[EXP]], %[[SUM]] :
//       CHECK:     arith.divf
// probs . v keeps the head dimension innermost, along rows of v.
//       CHECK:   %[[OUT:.*]] = linalg.generic
//  CHECK-SAME:       iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "parallel"]
//  CHECK-SAME:       ins(%[[PROBS]], %[[VALUES]] :
//       CHECK:   %[[OUT_BF16:.*]] = linalg.generic {{.*}} ins(%[[OUT]] :
//       CHECK:   %[[R:.*]] = tensor.collapse_shape %[[OUT_BF16]] {{\[}}[0], [1], [2, 3], [4]] {{.*}} into tensor<?x?x4x16xbf16>
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

// A global layer (chunk_size 0) divides by no chunk size; its cache length
// (dynamic here) counts the cached keys. In f32 nothing is rounded.
// CHECK-LABEL: func.func @attention_global_has_no_chunks
//  CHECK-SAME:   %[[KC:[a-z0-9]+]]: tensor<?x2x?x16xf32>
//   CHECK-NOT:   arith.divsi
//   CHECK-NOT:   arith.truncf
//       CHECK:   tensor.concat dim(2) %[[KC]], %{{.*}} : (tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>) -> tensor<?x2x?x16xf32>
//   CHECK-NOT:   arith.divsi
//   CHECK-NOT:   arith.truncf
//       CHECK:   return
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
