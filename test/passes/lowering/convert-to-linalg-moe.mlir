// RUN: llama4-opt %s --split-input-file --llama4-convert-to-linalg | FileCheck %s

// MoE with top-2 routing over 3 experts: the router is a linear over all
// tokens; an scf.for nest visits each token; each of the two choices is a
// max-with-index reduction (one generic with an f32 and an index output), the
// second excluding the first; the score is sigmoid(logit) through math.exp;
// the chosen expert's gate_up [64, 64] and down [32, 64] matrices are
// tensor.extract_slice'd out of the expert tensors; the token's row is
// inserted into the routed result. The shared expert runs on all tokens
// (gate, up, down linears) and is added to the routed result at the end.
// CHECK-LABEL: func.func @moe_top2_routes_each_token
//  CHECK-SAME:   %[[X:[a-z0-9]+]]: tensor<?x?x64xbf16>, %[[R:[a-z0-9]+]]: tensor<3x64xbf16>, %[[GU:[a-z0-9]+]]: tensor<3x64x64xbf16>, %[[DN:[a-z0-9]+]]: tensor<3x32x64xbf16>, %[[SG:[a-z0-9]+]]: tensor<48x64xbf16>, %[[SU:[a-z0-9]+]]: tensor<48x64xbf16>, %[[SD:[a-z0-9]+]]: tensor<64x48xbf16>
//       CHECK:   %[[LOGITS_F32:.*]] = linalg.generic {{.*}} ins(%[[X]], %[[R]] :
//       CHECK:   %[[LOGITS:.*]] = linalg.generic {{.*}} ins(%[[LOGITS_F32]] : tensor<?x?x3xf32>) outs(%{{.*}} : tensor<?x?x3xbf16>)
//       CHECK:   %[[ROUTED:.*]] = scf.for %[[B:[a-z0-9]+]] = {{.*}} iter_args(%{{.*}} = %{{.*}})
//       CHECK:     scf.for %[[S:[a-z0-9]+]] = {{.*}} iter_args(%[[ACC:[a-z0-9]+]] = %{{.*}})
//       CHECK:       %[[TOKEN:.*]] = tensor.extract_slice %[[X]][%[[B]], %[[S]], 0] [1, 1, 64] [1, 1, 1] : tensor<?x?x64xbf16> to tensor<64xbf16>
//       CHECK:       %[[ROW:.*]] = tensor.extract_slice %[[LOGITS]][%[[B]], %[[S]], 0] [1, 1, 3] [1, 1, 1] : tensor<?x?x3xbf16> to tensor<3xbf16>
// The first choice.
//       CHECK:       %[[FIRST:.*]]:2 = linalg.generic
//  CHECK-SAME:           iterator_types = ["reduction"]
//  CHECK-SAME:           ins(%[[ROW]] : tensor<3xbf16>) outs(%{{.*}}, %{{.*}} : tensor<f32>, tensor<index>)
//       CHECK:         arith.cmpf ogt
//       CHECK:         linalg.yield %{{.*}}, %{{.*}} : f32, index
//       CHECK:       %[[E0:.*]] = tensor.extract %[[FIRST]]#1[] : tensor<index>
//       CHECK:       %[[L0:.*]] = tensor.extract %[[ROW]][%[[E0]]]
//       CHECK:       %[[L0F:.*]] = arith.extf %[[L0]]
//       CHECK:       %[[NEG:.*]] = arith.negf %[[L0F]]
//       CHECK:       math.exp %[[NEG]]
//       CHECK:       %[[SCALED:.*]] = linalg.generic {{.*}} ins(%[[TOKEN]] : tensor<64xbf16>)
//       CHECK:       %[[GU0:.*]] = tensor.extract_slice %[[GU]][%[[E0]], 0, 0] [1, 64, 64] [1, 1, 1] : tensor<3x64x64xbf16> to tensor<64x64xbf16>
// The expert matrix is [in, out]: the reduction loop is outer, the output
// loop runs along its rows.
//       CHECK:       linalg.generic
//  CHECK-SAME:           iterator_types = ["reduction", "parallel"]
//  CHECK-SAME:           ins(%[[SCALED]], %[[GU0]] : tensor<64xbf16>, tensor<64x64xbf16>)
//       CHECK:       %[[DN0:.*]] = tensor.extract_slice %[[DN]][%[[E0]], 0, 0] [1, 32, 64] [1, 1, 1] : tensor<3x32x64xbf16> to tensor<32x64xbf16>
//       CHECK:       linalg.generic
//  CHECK-SAME:           iterator_types = ["reduction", "parallel"]
//  CHECK-SAME:           ins(%{{.*}}, %[[DN0]] : tensor<32xbf16>, tensor<32x64xbf16>)
// The second choice skips the first.
//       CHECK:       %[[SECOND:.*]]:2 = linalg.generic
//  CHECK-SAME:           ins(%[[ROW]] : tensor<3xbf16>) outs(%{{.*}}, %{{.*}} : tensor<f32>, tensor<index>)
//       CHECK:         arith.cmpi ne, %{{.*}}, %[[E0]] : index
//       CHECK:       %[[E1:.*]] = tensor.extract %[[SECOND]]#1[] : tensor<index>
//       CHECK:       math.exp
//       CHECK:       tensor.extract_slice %[[GU]][%[[E1]], 0, 0]
//       CHECK:       tensor.extract_slice %[[DN]][%[[E1]], 0, 0]
//       CHECK:       %[[SUM:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<64xf32>, tensor<64xf32>)
//       CHECK:       %[[OUT_ROW:.*]] = linalg.generic {{.*}} ins(%[[SUM]] : tensor<64xf32>) outs(%{{.*}} : tensor<64xbf16>)
//       CHECK:       %[[NEXT:.*]] = tensor.insert_slice %[[OUT_ROW]] into %[[ACC]][%[[B]], %[[S]], 0] [1, 1, 64] [1, 1, 1]
//       CHECK:       scf.yield %[[NEXT]]
// The shared expert, then the sum.
//       CHECK:   linalg.generic {{.*}} ins(%[[X]], %[[SG]] :
//       CHECK:   linalg.generic {{.*}} ins(%[[X]], %[[SU]] :
//       CHECK:   %[[SHARED_F32:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %[[SD]] :
//       CHECK:   %[[SHARED:.*]] = linalg.generic {{.*}} ins(%[[SHARED_F32]] :
//       CHECK:   %[[Y:.*]] = linalg.generic {{.*}} ins(%[[SHARED]], %[[ROUTED]] : tensor<?x?x64xbf16>, tensor<?x?x64xbf16>)
//       CHECK:     arith.addf
//       CHECK:   return %[[Y]]
//   CHECK-NOT:   llama4.moe
func.func @moe_top2_routes_each_token(%x: tensor<?x?x64xbf16>, %router: tensor<3x64xbf16>,
    %gate_up: tensor<3x64x64xbf16>, %down: tensor<3x32x64xbf16>, %sg: tensor<48x64xbf16>,
    %su: tensor<48x64xbf16>, %sd: tensor<64x48xbf16>) -> tensor<?x?x64xbf16> {
  %y = llama4.moe %x router(%router) experts(%gate_up, %down) shared_expert(%sg, %su, %sd)
      {activation = #llama4.activation<silu>, top_k = 2 : i64}
      : (tensor<?x?x64xbf16>, tensor<3x64xbf16>, tensor<3x64x64xbf16>, tensor<3x32x64xbf16>,
         tensor<48x64xbf16>, tensor<48x64xbf16>, tensor<64x48xbf16>) -> tensor<?x?x64xbf16>
  return %y : tensor<?x?x64xbf16>
}

// -----

// Top-1 routing searches once, with nothing to exclude.
// CHECK-LABEL: func.func @moe_top1_searches_once
//       CHECK:   scf.for
//       CHECK:     scf.for
//       CHECK:       linalg.generic
//  CHECK-SAME:           ins(%{{.*}} : tensor<3xf32>) outs(%{{.*}}, %{{.*}} : tensor<f32>, tensor<index>)
//   CHECK-NOT:         arith.cmpi ne
//   CHECK-NOT:       outs(%{{.*}}, %{{.*}} : tensor<f32>, tensor<index>)
//       CHECK:   return
func.func @moe_top1_searches_once(%x: tensor<?x?x64xf32>, %router: tensor<3x64xf32>,
    %gate_up: tensor<3x64x64xf32>, %down: tensor<3x32x64xf32>, %sg: tensor<48x64xf32>,
    %su: tensor<48x64xf32>, %sd: tensor<64x48xf32>) -> tensor<?x?x64xf32> {
  %y = llama4.moe %x router(%router) experts(%gate_up, %down) shared_expert(%sg, %su, %sd)
      {activation = #llama4.activation<silu>, top_k = 1 : i64}
      : (tensor<?x?x64xf32>, tensor<3x64xf32>, tensor<3x64x64xf32>, tensor<3x32x64xf32>,
         tensor<48x64xf32>, tensor<48x64xf32>, tensor<64x48xf32>) -> tensor<?x?x64xf32>
  return %y : tensor<?x?x64xf32>
}
