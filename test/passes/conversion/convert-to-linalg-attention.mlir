// RUN: llama4-opt %s --split-input-file --llama4-convert-to-linalg | FileCheck %s

// A chunked layer (chunk 8, an 8-slot cache), bf16. The queries are grouped
// by KV head ([B, Hkv, G, S, d]); new keys and values become head-major; an
// scf.for nest visits each batch row and KV head. The online softmax starts
// at max -inf and walks the 8 cached keys, then the new ones, 128 at a time:
// a block's scores are one contraction of the queries [G, S, d] with the key
// rows [n, d] (the nn.Linear form), masked (a cached slot holds position
// chunk_start(p) + slot: signed division by 8), its maximum and exp rescale
// the running state, and the values are accumulated as an [in, out] product
// into the rescaled sum. No [S, L + S] tensor and no concatenation of cache
// and new keys appear. The output is acc / sum rounded to bf16, transposed
// back and collapsed to [B, S, H, d].
// CHECK-LABEL: func.func @attention_chunked_masks_other_chunks
//  CHECK-SAME:   %[[Q:[a-z0-9]+]]: tensor<?x?x4x16xbf16>, %[[K:[a-z0-9]+]]: tensor<?x?x2x16xbf16>, %[[V:[a-z0-9]+]]: tensor<?x?x2x16xbf16>, %[[KC:[a-z0-9]+]]: tensor<?x2x8x16xbf16>, %[[VC:[a-z0-9]+]]: tensor<?x2x8x16xbf16>, %[[POS:[a-z0-9]+]]: tensor<?x?xi32>
//   CHECK-DAG:   %[[NEG_INF:.*]] = arith.constant 0xFF800000 : f32
//   CHECK-DAG:   %[[CHUNK:.*]] = arith.constant 8 : i32
//   CHECK-DAG:   %[[BLOCK:.*]] = arith.constant 128 : index
//       CHECK:   %[[GROUPED:.*]] = tensor.expand_shape %[[Q]] {{\[}}[0], [1], [2, 3], [4]] {{.*}} into tensor<?x?x2x2x16xbf16>
//       CHECK:   %[[BY_HEAD:.*]] = linalg.generic {{.*}} ins(%[[GROUPED]] : tensor<?x?x2x2x16xbf16>) outs(%{{.*}} : tensor<?x2x2x?x16xbf16>)
//       CHECK:   %[[NEW_K:.*]] = linalg.generic {{.*}} ins(%[[K]] : tensor<?x?x2x16xbf16>) outs(%{{.*}} : tensor<?x2x?x16xbf16>)
//       CHECK:   %[[NEW_V:.*]] = linalg.generic {{.*}} ins(%[[V]] : tensor<?x?x2x16xbf16>)
//   CHECK-NOT:   tensor.concat
//       CHECK:   %[[OUT:.*]] = scf.for %[[B:[a-z0-9]+]] =
//       CHECK:     scf.for %[[H:[a-z0-9]+]] = %{{.*}} to %c2
//       CHECK:       %[[QH:.*]] = tensor.extract_slice %[[BY_HEAD]][%[[B]], %[[H]], 0, 0, 0] [1, 1, 2, %{{.*}}, 16] [1, 1, 1, 1, 1] : tensor<?x2x2x?x16xbf16> to tensor<2x?x16xbf16>
//       CHECK:       %[[KCH:.*]] = tensor.extract_slice %[[KC]][%[[B]], %[[H]], 0, 0] [1, 1, 8, 16] [1, 1, 1, 1] : tensor<?x2x8x16xbf16> to tensor<8x16xbf16>
//       CHECK:       %[[VCH:.*]] = tensor.extract_slice %[[VC]][%[[B]], %[[H]], 0, 0]
//       CHECK:       tensor.extract_slice %[[NEW_K]][%[[B]], %[[H]], 0, 0]
//       CHECK:       tensor.extract_slice %[[NEW_V]][%[[B]], %[[H]], 0, 0]
//       CHECK:       %[[MAX0:.*]] = linalg.fill ins(%[[NEG_INF]] : f32) outs(%{{.*}} : tensor<2x?xf32>)
// The cached keys, a block at a time.
//       CHECK:       %[[CACHED:.*]]:3 = scf.for %[[START:[a-z0-9]+]] = %{{.*}} to %c8 step %[[BLOCK]] iter_args(%[[M:[a-z0-9]+]] = %[[MAX0]], %[[L:[a-z0-9]+]] = %{{.*}}, %[[ACC:[a-z0-9]+]] = %{{.*}}) -> (tensor<2x?xf32>, tensor<2x?xf32>, tensor<2x?x16xf32>)
//       CHECK:         %[[KB:.*]] = tensor.extract_slice %[[KCH]][%[[START]], 0] [%{{.*}}, 16] [1, 1] : tensor<8x16xbf16> to tensor<?x16xbf16>
//       CHECK:         %[[VB:.*]] = tensor.extract_slice %[[VCH]][%[[START]], 0]
//       CHECK:         %[[DOT:.*]] = linalg.contract
//  CHECK-SAME:             ins(%[[QH]], %[[KB]] : tensor<2x?x16xbf16>, tensor<?x16xbf16>) outs(%{{.*}} : tensor<2x?x?xf32>)
//       CHECK:         %[[SCORES:.*]] = linalg.generic {{.*}} ins(%[[DOT]] : tensor<2x?x?xf32>)
//       CHECK:           arith.divsi %{{.*}}, %[[CHUNK]] : i32
//       CHECK:           arith.cmpi slt
//       CHECK:           arith.select %{{.*}}, %{{.*}}, %[[NEG_INF]] : f32
//       CHECK:         %[[BLOCK_MAX:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[SCORES]] : tensor<2x?x?xf32>)
//       CHECK:           arith.maximumf
//       CHECK:         %[[NEW_MAX:.*]] = linalg.generic {{.*}} ins(%[[M]], %[[BLOCK_MAX]] :
//       CHECK:         %[[WEIGHTS:.*]] = linalg.generic {{.*}} ins(%[[SCORES]], %[[NEW_MAX]] :
//       CHECK:           arith.cmpf oeq, %{{.*}}, %[[NEG_INF]]
//       CHECK:           math.exp
//       CHECK:         %[[RESCALE:.*]] = linalg.generic {{.*}} ins(%[[M]], %[[NEW_MAX]] :
//       CHECK:           math.exp
//       CHECK:         %[[BLOCK_SUM:.*]] = linalg.generic {{.*}} ins(%[[WEIGHTS]] :
//       CHECK:         %[[SUM:.*]] = linalg.generic {{.*}} ins(%[[L]], %[[RESCALE]], %[[BLOCK_SUM]] :
//       CHECK:         %[[RESCALED:.*]] = linalg.generic {{.*}} ins(%[[ACC]], %[[RESCALE]] :
// weights . v, the key axis the reduction.
//       CHECK:         %[[NEXT_ACC:.*]] = linalg.contract
//  CHECK-SAME:             ins(%[[WEIGHTS]], %[[VB]] : tensor<2x?x?xf32>, tensor<?x16xbf16>) outs(%[[RESCALED]] : tensor<2x?x16xf32>)
//       CHECK:         scf.yield %[[NEW_MAX]], %[[SUM]], %[[NEXT_ACC]]
// Then the new keys: visible when not after the query and in its chunk.
//       CHECK:       %[[ALL:.*]]:3 = scf.for %{{.*}} step %[[BLOCK]] iter_args(%{{.*}} = %[[CACHED]]#0, %{{.*}} = %[[CACHED]]#1, %{{.*}} = %[[CACHED]]#2)
//       CHECK:         ins(%[[QH]], %{{.*}} : tensor<2x?x16xbf16>, tensor<?x16xbf16>)
//       CHECK:           arith.cmpi sle
//       CHECK:           arith.divsi %{{.*}}, %[[CHUNK]] : i32
//       CHECK:           arith.divsi %{{.*}}, %[[CHUNK]] : i32
//       CHECK:           arith.cmpi eq
//       CHECK:       %[[HEAD_OUT:.*]] = linalg.generic {{.*}} ins(%[[ALL]]#2, %[[ALL]]#1 : tensor<2x?x16xf32>, tensor<2x?xf32>) outs(%{{.*}} : tensor<2x?x16xbf16>)
//       CHECK:         arith.divf
//       CHECK:         arith.truncf
//       CHECK:       tensor.insert_slice %[[HEAD_OUT]] into %{{.*}}[%[[B]], %[[H]], 0, 0, 0] [1, 1, 2, %{{.*}}, 16] [1, 1, 1, 1, 1]
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

// A global layer (chunk_size 0) divides by no chunk size; its cache length
// (dynamic here) bounds the loop over cached key blocks. In f32 nothing is
// rounded.
// CHECK-LABEL: func.func @attention_global_has_no_chunks
//  CHECK-SAME:   %[[KC:[a-z0-9]+]]: tensor<?x2x?x16xf32>
//   CHECK-NOT:   arith.divsi
//   CHECK-NOT:   arith.truncf
//       CHECK:   %[[KCH:.*]] = tensor.extract_slice %[[KC]]{{.*}} to tensor<?x16xf32>
//       CHECK:   %[[SLOTS:.*]] = tensor.dim %[[KCH]], %c0
//       CHECK:   scf.for %{{.*}} = %{{.*}} to %[[SLOTS]] step %c128
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
