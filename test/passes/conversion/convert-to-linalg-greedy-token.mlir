// RUN: llama4-opt %s --split-input-file --llama4-convert-to-linalg | FileCheck %s

// greedy_token is two reductions of (best logit, index) pairs from
// (-inf, -1), both marked llama4.greedy_token: each span of 2048 logits of
// a row (V = 5000: 3 spans, the last 904 logits short), then the spans of
// the row. The first reads logit v = span * 2048 + j at v clamped to
// V - 1, -inf past it, through a never-read operand of the span's extent;
// a NaN or +inf logit competes with index -1.
// CHECK-DAG: #[[$SPAN:.*]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-DAG: #[[$PAIR:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[$ROW:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-DAG: #[[$SPANS:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @spans_then_rows
//  CHECK-SAME:   %[[LOGITS:[a-z0-9]+]]: tensor<?x5000xf32>
//   CHECK-DAG:   %[[NEG_INF:.*]] = arith.constant 0xFF800000 : f32
//   CHECK-DAG:   %[[NONE:.*]] = arith.constant -1 : i32
//       CHECK:   %[[EXTENT:.*]] = tensor.empty() : tensor<2048xi8>
//       CHECK:   %[[SPANS:.*]]:2 = linalg.generic
//  CHECK-SAME:       indexing_maps = [#[[$SPAN]], #[[$PAIR]], #[[$PAIR]]]
//  CHECK-SAME:       iterator_types = ["parallel", "parallel", "reduction"]
//  CHECK-SAME:       ins(%[[EXTENT]] : tensor<2048xi8>)
//  CHECK-SAME:       outs(%{{.*}}, %{{.*}} : tensor<?x3xf32>, tensor<?x3xi32>)
//  CHECK-SAME:       attrs = {llama4.greedy_token}
//       CHECK:     %[[V:.*]] = arith.addi
//       CHECK:     arith.cmpi ule, %[[V]], %{{.*}}
//       CHECK:     %[[AT:.*]] = arith.minui %[[V]]
//       CHECK:     tensor.extract %[[LOGITS]][%{{.*}}, %[[AT]]]
//       CHECK:     arith.cmpf ueq
//       CHECK:     arith.select %{{.*}}, %[[NONE]]
//       CHECK:     linalg.yield
//       CHECK:   %[[ROWS:.*]]:2 = linalg.generic
//  CHECK-SAME:       indexing_maps = [#[[$SPANS]], #[[$SPANS]], #[[$ROW]], #[[$ROW]]]
//  CHECK-SAME:       iterator_types = ["parallel", "reduction"]
//  CHECK-SAME:       ins(%[[SPANS]]#0, %[[SPANS]]#1 : tensor<?x3xf32>, tensor<?x3xi32>)
//  CHECK-SAME:       attrs = {llama4.greedy_token}
//       CHECK:   return %[[ROWS]]#1 : tensor<?xi32>
func.func @spans_then_rows(%logits: tensor<?x5000xf32>) -> tensor<?xi32> {
  %next = llama4.greedy_token %logits : (tensor<?x5000xf32>) -> tensor<?xi32>
  return %next : tensor<?xi32>
}

// -----

// A vocabulary of one span or less is one span, one reduction: its pair a
// row is the row's, its index the token.
// CHECK-LABEL: func.func @one_span
//       CHECK:   tensor.empty() : tensor<100xi8>
//       CHECK:   %[[SPAN:.*]]:2 = linalg.generic
//  CHECK-SAME:       outs(%{{.*}}, %{{.*}} : tensor<2x1xf32>, tensor<2x1xi32>)
//   CHECK-NOT:   linalg.generic
//       CHECK:   %[[NEXT:.*]] = tensor.collapse_shape %[[SPAN]]#1 {{\[}}[0, 1]] : tensor<2x1xi32> into tensor<2xi32>
//       CHECK:   return %[[NEXT]]
func.func @one_span(%logits: tensor<2x100xf32>) -> tensor<2xi32> {
  %next = llama4.greedy_token %logits : (tensor<2x100xf32>) -> tensor<2xi32>
  return %next : tensor<2xi32>
}
