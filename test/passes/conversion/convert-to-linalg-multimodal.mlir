// RUN: llama4-opt %s --split-input-file --llama4-convert-to-linalg | FileCheck %s

// multi_modal_projector flattens the tiles' tokens into rows, [N, 4, 48] ->
// [N*4, 48], and projects them with one bias-free contraction.
// CHECK-LABEL: func.func @projector_flattens_tiles_into_rows
//  CHECK-SAME:   %[[A:[a-z0-9]+]]: tensor<?x4x48xbf16>
//       CHECK:   %[[ROWS:.*]] = tensor.collapse_shape %[[A]] {{\[\[}}0, 1], [2]] : tensor<?x4x48xbf16> into tensor<?x48xbf16>
//       CHECK:   linalg.contract
//  CHECK-SAME:       ins(%[[ROWS]], %{{.*}} : tensor<?x48xbf16>, tensor<64x48xbf16>)
//       CHECK:   arith.truncf
//   CHECK-NOT:   llama4.multi_modal_projector
func.func @projector_flattens_tiles_into_rows(%a: tensor<?x4x48xbf16>, %w: tensor<64x48xbf16>)
    -> tensor<?x64xbf16> {
  %f = llama4.multi_modal_projector %a, %w
      : (tensor<?x4x48xbf16>, tensor<64x48xbf16>) -> tensor<?x64xbf16>
  return %f : tensor<?x64xbf16>
}

// -----

// scatter_image_features counts, for every token, the <|patch|> tokens
// (id 2047) before it in row-major order: a reduction over (b', s') whose
// flat index is below (b, s). A patch token whose count is below the number
// of feature rows takes that row, any other token keeps its embedding. No
// loop over tokens: the GPU target runs both as kernels.
// CHECK-LABEL: func.func @scatter_counts_the_patches_before_each_token
//  CHECK-SAME:   %[[H:[a-z0-9]+]]: tensor<?x?x64xf32>, %[[IDS:[a-z0-9]+]]: tensor<?x?xi32>, %[[F:[a-z0-9]+]]: tensor<?x64xf32>
//       CHECK:   %[[PATCH:.*]] = arith.constant 2047 : i32
//       CHECK:   %[[ROWS:.*]] = tensor.dim %[[F]], %c0
//   CHECK-NOT:   scf.for
//       CHECK:   %[[RANK:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%[[IDS]] : tensor<?x?xi32>) outs(%{{.*}} : tensor<?x?xindex>)
//       CHECK:     %[[BEFORE:.*]] = arith.cmpi ult
//       CHECK:     %[[IS:.*]] = arith.cmpi eq, %{{.*}}, %[[PATCH]]
//       CHECK:     arith.andi %[[BEFORE]], %[[IS]]
//       CHECK:   %[[OUT:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel"]} ins(%[[H]], %[[IDS]], %[[RANK]] : {{.*}})
//       CHECK:     ^bb0(%[[EMB:.*]]: f32, %{{.*}}: i32, %[[ROW:.*]]: index, %{{.*}}: f32):
//       CHECK:     %[[LEFT:.*]] = arith.cmpi ult, %[[ROW]], %[[ROWS]]
//       CHECK:     %[[TAKE:.*]] = arith.andi %{{.*}}, %[[LEFT]]
//       CHECK:     scf.if %[[TAKE]]
//       CHECK:       tensor.extract %[[F]]
//       CHECK:     } else {
//       CHECK:       scf.yield %[[EMB]]
//       CHECK:   return %[[OUT]]
//   CHECK-NOT:   llama4.scatter_image_features
func.func @scatter_counts_the_patches_before_each_token(%h: tensor<?x?x64xf32>, %ids: tensor<?x?xi32>,
    %f: tensor<?x64xf32>) -> tensor<?x?x64xf32> {
  %r = llama4.scatter_image_features %h, %ids, %f {image_token_index = 2047 : i64}
      : (tensor<?x?x64xf32>, tensor<?x?xi32>, tensor<?x64xf32>) -> tensor<?x?x64xf32>
  return %r : tensor<?x?x64xf32>
}
