// RUN: llama4-opt %s --split-input-file --llama4-convert-to-linalg | FileCheck %s

// multi_modal_projector flattens the tiles' tokens into rows, [N, 4, 48] ->
// [N*4, 48], and projects them with one bias-free contraction.
// CHECK-LABEL: func.func @projector_flattens_tiles_into_rows
//  CHECK-SAME:   %[[A:[a-z0-9]+]]: tensor<?x4x48xbf16>
//       CHECK:   %[[ROWS:.*]] = tensor.collapse_shape %[[A]] {{\[\[}}0, 1], [2]] : tensor<?x4x48xbf16> into tensor<?x48xbf16>
//       CHECK:   linalg.generic
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

// scatter_image_features walks the B*S tokens in order with a running count
// of feature rows used; a <|patch|> token (id 2047) while rows remain takes
// row `count` and bumps it, any other token keeps its embedding.
// CHECK-LABEL: func.func @scatter_walks_tokens_with_a_running_count
//  CHECK-SAME:   %[[H:[a-z0-9]+]]: tensor<?x?x64xf32>, %[[IDS:[a-z0-9]+]]: tensor<?x?xi32>, %[[F:[a-z0-9]+]]: tensor<?x64xf32>
//       CHECK:   %[[PATCH:.*]] = arith.constant 2047 : i32
//       CHECK:   %[[ROWS:.*]] = tensor.dim %[[F]], %c0
//       CHECK:   %[[WALK:.*]]:2 = scf.for %[[I:.*]] = %c0 to %{{.*}} step %c1 iter_args(%[[USED:.*]] = %c0, %[[ACC:.*]] = %[[H]])
//       CHECK:     %[[ID:.*]] = tensor.extract %[[IDS]]
//       CHECK:     %[[IS_ID:.*]] = arith.cmpi eq, %[[ID]], %[[PATCH]]
//       CHECK:     %[[LEFT:.*]] = arith.cmpi ult, %[[USED]], %[[ROWS]]
//       CHECK:     %[[TAKE:.*]] = arith.andi %[[IS_ID]], %[[LEFT]]
//       CHECK:     scf.if %[[TAKE]]
//       CHECK:       %[[ROW:.*]] = tensor.extract_slice %[[F]][%[[USED]], 0] [1, 64]
//       CHECK:       %[[NEXT:.*]] = arith.addi %[[USED]], %c1
//       CHECK:       %[[INS:.*]] = tensor.insert_slice %[[ROW]] into %[[ACC]]
//       CHECK:       scf.yield %[[NEXT]], %[[INS]]
//       CHECK:     } else {
//       CHECK:       scf.yield %[[USED]], %[[ACC]]
//       CHECK:   return %[[WALK]]#1
//   CHECK-NOT:   llama4.scatter_image_features
func.func @scatter_walks_tokens_with_a_running_count(%h: tensor<?x?x64xf32>, %ids: tensor<?x?xi32>,
    %f: tensor<?x64xf32>) -> tensor<?x?x64xf32> {
  %r = llama4.scatter_image_features %h, %ids, %f {image_token_index = 2047 : i64}
      : (tensor<?x?x64xf32>, tensor<?x?xi32>, tensor<?x64xf32>) -> tensor<?x?x64xf32>
  return %r : tensor<?x?x64xf32>
}
