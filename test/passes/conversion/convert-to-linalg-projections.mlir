// RUN: llama4-opt %s --split-input-file --llama4-convert-to-linalg | FileCheck %s

// embed_tokens is a gather: a parallel map over [B, S, D] reading the ids and
// extracting table[id, d].
// CHECK-LABEL: func.func @embed_tokens_gathers_rows
//  CHECK-SAME:   %[[IDS:[a-z0-9]+]]: tensor<?x?xi32>, %[[TABLE:[a-z0-9]+]]: tensor<128x64xbf16>
//       CHECK:   %[[E:.*]] = linalg.generic
//  CHECK-SAME:       iterator_types = ["parallel", "parallel", "parallel"]
//  CHECK-SAME:       ins(%[[IDS]] : tensor<?x?xi32>)
//       CHECK:   ^bb0(%[[ID:.*]]: i32, %{{.*}}: bf16):
//       CHECK:     %[[ROW:.*]] = arith.index_cast %[[ID]] : i32 to index
//       CHECK:     %[[COL:.*]] = linalg.index 2
//       CHECK:     %[[V:.*]] = tensor.extract %[[TABLE]][%[[ROW]], %[[COL]]]
//       CHECK:     linalg.yield %[[V]] : bf16
//       CHECK:   return %[[E]]
//   CHECK-NOT:   llama4.embed_tokens
func.func @embed_tokens_gathers_rows(%ids: tensor<?x?xi32>, %table: tensor<128x64xbf16>)
    -> tensor<?x?x64xbf16> {
  %h = llama4.embed_tokens %ids, %table
      : (tensor<?x?xi32>, tensor<128x64xbf16>) -> tensor<?x?x64xbf16>
  return %h : tensor<?x?x64xbf16>
}

// -----

// gather_tokens is a gather too: a parallel map over [B, R, D] reading the
// indices and extracting h[b, index, d].
// CHECK-LABEL: func.func @gather_tokens_picks_rows
//  CHECK-SAME:   %[[H:[a-z0-9]+]]: tensor<?x?x64xbf16>, %[[AT:[a-z0-9]+]]: tensor<?x?xi32>
//       CHECK:   %[[G:.*]] = linalg.generic
//  CHECK-SAME:       iterator_types = ["parallel", "parallel", "parallel"]
//  CHECK-SAME:       ins(%[[AT]] : tensor<?x?xi32>)
//       CHECK:   ^bb0(%[[I:.*]]: i32, %{{.*}}: bf16):
//       CHECK:     %[[S:.*]] = arith.index_cast %[[I]] : i32 to index
//       CHECK:     %[[B:.*]] = linalg.index 0
//       CHECK:     %[[D:.*]] = linalg.index 2
//       CHECK:     %[[V:.*]] = tensor.extract %[[H]][%[[B]], %[[S]], %[[D]]]
//       CHECK:     linalg.yield %[[V]] : bf16
//       CHECK:   return %[[G]]
func.func @gather_tokens_picks_rows(%h: tensor<?x?x64xbf16>, %at: tensor<?x?xi32>)
    -> tensor<?x?x64xbf16> {
  %g = llama4.gather_tokens %h, %at
      : (tensor<?x?x64xbf16>, tensor<?x?xi32>) -> tensor<?x?x64xbf16>
  return %g : tensor<?x?x64xbf16>
}

// -----

// A bf16 linear is one linalg.contract (a reduction over k, each operand
// widened to f32) into a zero-filled f32 accumulator, then one truncf to bf16.
// CHECK-DAG: #[[$XMAP:.*]] = affine_map<(d0, d1, d2, d3) -> (d1, d2, d3)>
// CHECK-DAG: #[[$WMAP:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d3)>
// CHECK-DAG: #[[$OUTMAP:.*]] = affine_map<(d0, d1, d2, d3) -> (d1, d2, d0)>
// CHECK-LABEL: func.func @linear_bf16_accumulates_in_f32
//  CHECK-SAME:   %[[X:[a-z0-9]+]]: tensor<?x?x64xbf16>, %[[W:[a-z0-9]+]]: tensor<32x64xbf16>
//   CHECK-NOT:   arith.truncf
//       CHECK:   %[[ACC:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<?x?x32xf32>)
// The output feature is the outermost loop (each weight row is read once for
// all tokens), k the innermost.
//       CHECK:   %[[DOT:.*]] = linalg.contract
//  CHECK-SAME:       indexing_maps = [#[[$XMAP]], #[[$WMAP]], #[[$OUTMAP]]]
//  CHECK-SAME:       ins(%[[X]], %[[W]] : tensor<?x?x64xbf16>, tensor<32x64xbf16>) outs(%[[ACC]] : tensor<?x?x32xf32>)
//   CHECK-NOT:   arith.truncf
//       CHECK:   %[[Y:.*]] = linalg.generic
//  CHECK-SAME:       ins(%[[DOT]] : tensor<?x?x32xf32>)
//       CHECK:     arith.truncf %{{.*}} : f32 to bf16
//   CHECK-NOT:   arith.truncf
//       CHECK:   return %[[Y]] : tensor<?x?x32xbf16>
func.func @linear_bf16_accumulates_in_f32(%x: tensor<?x?x64xbf16>, %w: tensor<32x64xbf16>)
    -> tensor<?x?x32xbf16> {
  %y = llama4.linear %x, %w : (tensor<?x?x64xbf16>, tensor<32x64xbf16>) -> tensor<?x?x32xbf16>
  return %y : tensor<?x?x32xbf16>
}

// -----

// The bias is added in f32 by a parallel map over the contraction's result;
// an f32 linear rounds nowhere.
// CHECK-LABEL: func.func @linear_f32_adds_bias
//  CHECK-SAME:   %[[X:[a-z0-9]+]]: tensor<?x17x32xf32>, %[[W:[a-z0-9]+]]: tensor<32x32xf32>, %[[B:[a-z0-9]+]]: tensor<32xf32>
//   CHECK-NOT:   arith.truncf
//       CHECK:   %[[DOT:.*]] = linalg.contract
//  CHECK-SAME:       ins(%[[X]], %[[W]] :
//       CHECK:   %[[Y:.*]] = linalg.generic
//  CHECK-SAME:       iterator_types = ["parallel", "parallel", "parallel"]
//  CHECK-SAME:       ins(%[[B]] : tensor<32xf32>) outs(%[[DOT]] : tensor<?x17x32xf32>)
//       CHECK:     arith.addf
//   CHECK-NOT:   arith.truncf
//       CHECK:   return %[[Y]]
func.func @linear_f32_adds_bias(%x: tensor<?x17x32xf32>, %w: tensor<32x32xf32>, %b: tensor<32xf32>)
    -> tensor<?x17x32xf32> {
  %y = llama4.linear %x, %w, %b
      : (tensor<?x17x32xf32>, tensor<32x32xf32>, tensor<32xf32>) -> tensor<?x17x32xf32>
  return %y : tensor<?x17x32xf32>
}

// -----

// f32 logits from a bf16 model are the bf16 logits widened: the f32 product is
// truncated to bf16, then extended back to f32, so bf16 models pick the same
// argmax as transformers.
// CHECK-LABEL: func.func @lm_head_rounds_to_bf16_then_widens
//  CHECK-SAME:   %[[H:[a-z0-9]+]]: tensor<?x?x64xbf16>, %[[W:[a-z0-9]+]]: tensor<128x64xbf16>
//       CHECK:   %[[DOT:.*]] = linalg.contract
//  CHECK-SAME:       ins(%[[H]], %[[W]] :
//       CHECK:   %[[BF16:.*]] = linalg.generic
//  CHECK-SAME:       ins(%[[DOT]] : tensor<?x?x128xf32>) outs(%{{.*}} : tensor<?x?x128xbf16>)
//       CHECK:     arith.truncf %{{.*}} : f32 to bf16
//       CHECK:   %[[LOGITS:.*]] = linalg.generic
//  CHECK-SAME:       ins(%[[BF16]] : tensor<?x?x128xbf16>) outs(%{{.*}} : tensor<?x?x128xf32>)
//       CHECK:     arith.extf %{{.*}} : bf16 to f32
//       CHECK:   return %[[LOGITS]] : tensor<?x?x128xf32>
//   CHECK-NOT:   llama4.lm_head
func.func @lm_head_rounds_to_bf16_then_widens(%h: tensor<?x?x64xbf16>, %w: tensor<128x64xbf16>)
    -> tensor<?x?x128xf32> {
  %logits = llama4.lm_head %h, %w : (tensor<?x?x64xbf16>, tensor<128x64xbf16>) -> tensor<?x?x128xf32>
  return %logits : tensor<?x?x128xf32>
}

// -----

// swiglu_mlp: gate and up contractions of the input, a map computing
// round(silu(gate)) * up (silu as x / (1 + exp(-x))), then the down
// contraction of that map's result.
// CHECK-LABEL: func.func @swiglu_mlp_three_contractions
//  CHECK-SAME:   %[[X:[a-z0-9]+]]: tensor<?x?x64xbf16>, %[[G:[a-z0-9]+]]: tensor<96x64xbf16>, %[[U:[a-z0-9]+]]: tensor<96x64xbf16>, %[[D:[a-z0-9]+]]: tensor<64x96xbf16>
//       CHECK:   %[[GATE_F32:.*]] = linalg.contract {{.*}} ins(%[[X]], %[[G]] :
//       CHECK:   %[[GATE:.*]] = linalg.generic {{.*}} ins(%[[GATE_F32]] :
//       CHECK:   %[[UP_F32:.*]] = linalg.contract {{.*}} ins(%[[X]], %[[U]] :
//       CHECK:   %[[UP:.*]] = linalg.generic {{.*}} ins(%[[UP_F32]] :
//       CHECK:   %[[H:.*]] = linalg.generic
//  CHECK-SAME:       ins(%[[GATE]], %[[UP]] : tensor<?x?x96xbf16>, tensor<?x?x96xbf16>)
//       CHECK:     %[[GF:.*]] = arith.extf
//       CHECK:     %[[NEG:.*]] = arith.negf %[[GF]]
//       CHECK:     %[[EXP:.*]] = math.exp %[[NEG]]
//       CHECK:     %[[DEN:.*]] = arith.addf %[[EXP]]
//       CHECK:     %[[ACT:.*]] = arith.divf %[[GF]], %[[DEN]]
//       CHECK:     %[[ACT_BF16:.*]] = arith.truncf %[[ACT]] : f32 to bf16
//       CHECK:     %[[ACT_ROUNDED:.*]] = arith.extf %[[ACT_BF16]]
//       CHECK:     %[[UF:.*]] = arith.extf
//       CHECK:     arith.mulf %[[ACT_ROUNDED]], %[[UF]]
//       CHECK:   %[[OUT_F32:.*]] = linalg.contract
//  CHECK-SAME:       ins(%[[H]], %[[D]] :
//       CHECK:   %[[OUT:.*]] = linalg.generic {{.*}} ins(%[[OUT_F32]] :
//       CHECK:   return %[[OUT]] : tensor<?x?x64xbf16>
//   CHECK-NOT:   llama4.swiglu_mlp
func.func @swiglu_mlp_three_contractions(%x: tensor<?x?x64xbf16>, %gate: tensor<96x64xbf16>,
    %up: tensor<96x64xbf16>, %down: tensor<64x96xbf16>) -> tensor<?x?x64xbf16> {
  %y = llama4.swiglu_mlp %x, %gate, %up, %down {activation = #llama4.activation<silu>}
      : (tensor<?x?x64xbf16>, tensor<96x64xbf16>, tensor<96x64xbf16>, tensor<64x96xbf16>)
      -> tensor<?x?x64xbf16>
  return %y : tensor<?x?x64xbf16>
}

// -----

// The gelu variant uses the exact erf form, and an f32 MLP rounds nowhere.
// CHECK-LABEL: func.func @swiglu_mlp_gelu_uses_erf
//   CHECK-NOT:   arith.truncf
//   CHECK-NOT:   math.exp
//       CHECK:   math.erf
//   CHECK-NOT:   arith.truncf
//   CHECK-NOT:   math.exp
//       CHECK:   return
func.func @swiglu_mlp_gelu_uses_erf(%x: tensor<?x?x64xf32>, %gate: tensor<96x64xf32>,
    %up: tensor<96x64xf32>, %down: tensor<64x96xf32>) -> tensor<?x?x64xf32> {
  %y = llama4.swiglu_mlp %x, %gate, %up, %down {activation = #llama4.activation<gelu>}
      : (tensor<?x?x64xf32>, tensor<96x64xf32>, tensor<96x64xf32>, tensor<64x96xf32>)
      -> tensor<?x?x64xf32>
  return %y : tensor<?x?x64xf32>
}
