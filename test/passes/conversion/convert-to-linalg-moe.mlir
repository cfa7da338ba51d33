// RUN: llama4-opt %s --split-input-file --llama4-convert-to-linalg | FileCheck %s
// RUN: llama4-opt %s --split-input-file --llama4-convert-to-linalg=moe-dispatch=per-token | FileCheck %s --check-prefix=BYTOKEN
// RUN: not llama4-opt %s --split-input-file --llama4-convert-to-linalg=moe-dispatch=scattered 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: moe-dispatch must be grouped or per-token, not 'scattered'

// The per-token dispatch (GPU): no loop over rows, tokens or experts. Each
// k is a max-with-index reduction over the experts, parallel over every
// token of every row (the second skipping the first choice). Each token
// multiplies its row by its own expert's gate_up and down matrices, read
// at the expert index inside the contraction (loops batch, token, output
// column, then the reduction); the gate_up contraction scales each element
// of the row by the score it computes from the chosen logit (no map writes
// a scaled row); the two k outputs are summed in f32.
// BYTOKEN-LABEL: func.func @moe_top2_routes_each_token
//  BYTOKEN-SAME:   %[[X:[a-z0-9]+]]: tensor<?x?x64xbf16>, %{{.*}}: tensor<3x64xbf16>, %[[GU:[a-z0-9]+]]: tensor<3x64x64xbf16>, %[[DN:[a-z0-9]+]]: tensor<3x32x64xbf16>
//   BYTOKEN-NOT:   scf.for
//       BYTOKEN:   %[[LOGITS:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<?x?x3xbf16>)
//       BYTOKEN:   %[[FIRST:.*]]:2 = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[LOGITS]] : tensor<?x?x3xbf16>) outs({{.*}} : tensor<?x?xf32>, tensor<?x?xindex>)
//   BYTOKEN-NOT:   math.exp
//       BYTOKEN:   %[[SECOND:.*]]:2 = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[LOGITS]], %[[FIRST]]#1 : tensor<?x?x3xbf16>, tensor<?x?xindex>)
//       BYTOKEN:     arith.cmpi ne
//       BYTOKEN:   linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[X]], %[[FIRST]]#1 : tensor<?x?x64xbf16>, tensor<?x?xindex>)
//  BYTOKEN-NEXT:   ^bb0(%{{.*}}: bf16, %[[E:.*]]: index, %{{.*}}: f32):
//       BYTOKEN:     tensor.extract %[[GU]][%[[E]], %{{.*}}, %{{.*}}] : tensor<3x64x64xbf16>
//       BYTOKEN:     tensor.extract %[[LOGITS]][%{{.*}}, %{{.*}}, %[[E]]] : tensor<?x?x3xbf16>
//       BYTOKEN:     math.exp
//       BYTOKEN:     tensor.extract %[[DN]][%[[E]], %{{.*}}, %{{.*}}] : tensor<3x32x64xbf16>
//       BYTOKEN:   linalg.generic {{.*}} ins(%[[X]], %[[SECOND]]#1 : tensor<?x?x64xbf16>, tensor<?x?xindex>)
//       BYTOKEN:     tensor.extract %[[GU]]
//       BYTOKEN:     tensor.extract %[[LOGITS]]
//       BYTOKEN:     tensor.extract %[[DN]]
//   BYTOKEN-NOT:   scf.if
//   BYTOKEN-NOT:   scf.for
//       BYTOKEN:   return

// MoE with top-2 routing over 3 experts: the router is a linear over all
// tokens; an scf.for visits each sequence of the batch. First each token
// chooses its two experts (a max-with-index reduction, the second excluding
// the first; the score is sigmoid(logit) through math.exp), stored in
// [S, 2] tables. Then each expert gathers the tokens routed to it, skips
// the rest when there is none, multiplies the gathered rows by its
// gate_up [64, 64] and down [32, 64] slices as matrices ([in, out]: the
// reduction loop is the middle one, the output loop runs along rows), and
// adds each row to its token's f32 sum. The shared expert runs on all tokens
// (gate, up, down linears) and is added to the routed result at the end.
// CHECK-LABEL: func.func @moe_top2_routes_each_token
//  CHECK-SAME:   %[[X:[a-z0-9]+]]: tensor<?x?x64xbf16>, %[[R:[a-z0-9]+]]: tensor<3x64xbf16>, %[[GU:[a-z0-9]+]]: tensor<3x64x64xbf16>, %[[DN:[a-z0-9]+]]: tensor<3x32x64xbf16>, %[[SG:[a-z0-9]+]]: tensor<48x64xbf16>, %[[SU:[a-z0-9]+]]: tensor<48x64xbf16>, %[[SD:[a-z0-9]+]]: tensor<64x48xbf16>
//       CHECK:   %[[LOGITS_F32:.*]] = linalg.contract {{.*}} ins(%[[X]], %[[R]] :
//       CHECK:   %[[LOGITS:.*]] = linalg.generic {{.*}} ins(%[[LOGITS_F32]] : tensor<?x?x3xf32>) outs(%{{.*}} : tensor<?x?x3xbf16>)
//       CHECK:   %[[ROUTED:.*]] = scf.for %[[B:[a-z0-9]+]] = {{.*}} iter_args(%[[ACC:[a-z0-9]+]] = %{{.*}})
//       CHECK:     %[[SEQ:.*]] = tensor.extract_slice %[[X]][%[[B]], 0, 0] [1, %{{.*}}, 64] [1, 1, 1] : tensor<?x?x64xbf16> to tensor<?x64xbf16>
//       CHECK:     %[[SEQ_LOGITS:.*]] = tensor.extract_slice %[[LOGITS]][%[[B]], 0, 0] [1, %{{.*}}, 3] [1, 1, 1] : tensor<?x?x3xbf16> to tensor<?x3xbf16>
// Each token's choice.
//       CHECK:     %[[TABLES:.*]]:2 = scf.for %[[S:[a-z0-9]+]] = {{.*}} -> (tensor<?x2xindex>, tensor<?x2xf32>)
//       CHECK:       %[[ROW:.*]] = tensor.extract_slice %[[SEQ_LOGITS]][%[[S]], 0] [1, 3] [1, 1] : tensor<?x3xbf16> to tensor<3xbf16>
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
//       CHECK:       tensor.insert %[[E0]] into %{{.*}}[%[[S]], %{{.*}}] : tensor<?x2xindex>
//       CHECK:       %[[SECOND:.*]]:2 = linalg.generic
//  CHECK-SAME:           ins(%[[ROW]] : tensor<3xbf16>) outs(%{{.*}}, %{{.*}} : tensor<f32>, tensor<index>)
//       CHECK:         arith.cmpi ne, %{{.*}}, %[[E0]] : index
//       CHECK:       %[[E1:.*]] = tensor.extract %[[SECOND]]#1[] : tensor<index>
//       CHECK:       math.exp
//       CHECK:       scf.yield
// Each expert: the tokens routed to it, their count, their rows.
//       CHECK:     %[[SUM:.*]] = scf.for %[[E:[a-z0-9]+]] = %{{.*}} to %c3{{.*}} step %{{.*}} iter_args(%[[SUM_ACC:[a-z0-9]+]] = %{{.*}}) -> (tensor<?x64xf32>)
//       CHECK:       %[[ROUTE:.*]]:3 = scf.for {{.*}} -> (tensor<?xindex>, tensor<?xf32>, index)
//       CHECK:         tensor.extract %[[TABLES]]#0
//       CHECK:         arith.cmpi eq, %{{.*}}, %[[E]] : index
//       CHECK:       %[[USED:.*]] = arith.cmpi ugt, %[[ROUTE]]#2
//       CHECK:       scf.if %[[USED]] -> (tensor<?x64xf32>)
//       CHECK:         %[[SCALED:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<?x64xbf16>)
//       CHECK:           tensor.extract %[[ROUTE]]#0
//       CHECK:           tensor.extract %[[SEQ]]
//       CHECK:         %[[GU_E:.*]] = tensor.extract_slice %[[GU]][%[[E]], 0, 0] [1, 64, 64] [1, 1, 1] : tensor<3x64x64xbf16> to tensor<64x64xbf16>
//       CHECK:         linalg.contract
//  CHECK-SAME:             ins(%[[SCALED]], %[[GU_E]] : tensor<?x64xbf16>, tensor<64x64xbf16>)
//       CHECK:         %[[DN_E:.*]] = tensor.extract_slice %[[DN]][%[[E]], 0, 0] [1, 32, 64] [1, 1, 1] : tensor<3x32x64xbf16> to tensor<32x64xbf16>
//       CHECK:         linalg.contract
//  CHECK-SAME:             ins(%{{.*}}, %[[DN_E]] : tensor<?x32xbf16>, tensor<32x64xbf16>)
// Each routed row is added to its token's sum.
//       CHECK:         scf.for {{.*}} iter_args(%[[ROWS:[a-z0-9_]+]] = %[[SUM_ACC]])
//       CHECK:           %[[TOKEN:.*]] = tensor.extract %[[ROUTE]]#0
//       CHECK:           tensor.extract_slice %[[ROWS]][%[[TOKEN]], 0] [1, 64] [1, 1]
//       CHECK:           %[[ADDED:.*]] = linalg.generic
//       CHECK:           tensor.insert_slice %[[ADDED]] into %[[ROWS]][%[[TOKEN]], 0] [1, 64] [1, 1]
//       CHECK:       } else {
//       CHECK:         scf.yield %[[SUM_ACC]]
//       CHECK:     %[[SEQ_OUT:.*]] = linalg.generic {{.*}} ins(%[[SUM]] : tensor<?x64xf32>) outs(%{{.*}} : tensor<?x64xbf16>)
//       CHECK:     %[[NEXT:.*]] = tensor.insert_slice %[[SEQ_OUT]] into %[[ACC]][%[[B]], 0, 0] [1, %{{.*}}, 64] [1, 1, 1]
//       CHECK:     scf.yield %[[NEXT]]
// The shared expert, then the sum.
//       CHECK:   linalg.contract {{.*}} ins(%[[X]], %[[SG]] :
//       CHECK:   linalg.contract {{.*}} ins(%[[X]], %[[SU]] :
//       CHECK:   %[[SHARED_F32:.*]] = linalg.contract {{.*}} ins(%{{.*}}, %[[SD]] :
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
//       CHECK:     scf.for {{.*}} -> (tensor<?x1xindex>, tensor<?x1xf32>)
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
