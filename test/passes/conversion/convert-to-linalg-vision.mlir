// RUN: llama4-opt %s --split-input-file --llama4-convert-to-linalg | FileCheck %s

// unfold_patch_embed cuts each 28x28 tile into a 4x4 grid of 7x7 patches by a
// permuting copy, [N, C, g, p, g, p] -> [N, g, g, C, p, p], flattens each
// patch as (c, ky, kx), and projects it with one f32 contraction rounded once.
//       CHECK: #[[$READ:map[0-9]*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d3, d1, d4, d2, d5)>
// CHECK-LABEL: func.func @unfold_patch_embed_permutes_then_projects
//  CHECK-SAME:   %[[P:[a-z0-9]+]]: tensor<?x3x28x28xbf16>
//       CHECK:   %[[SPLIT:.*]] = tensor.expand_shape %[[P]] {{\[\[}}0], [1], [2, 3], [4, 5]] output_shape [%{{.*}}, 3, 4, 7, 4, 7]
//       CHECK:   %[[PERM:.*]] = linalg.generic {indexing_maps = [#[[$READ]], #{{.*}}]
//  CHECK-SAME:       ins(%[[SPLIT]] : tensor<?x3x4x7x4x7xbf16>) outs(%{{.*}} : tensor<?x4x4x3x7x7xbf16>)
//       CHECK:   %[[PATCHES:.*]] = tensor.collapse_shape %[[PERM]] {{\[\[}}0], [1, 2], [3, 4, 5]] : tensor<?x4x4x3x7x7xbf16> into tensor<?x16x147xbf16>
//       CHECK:   linalg.contract
//  CHECK-SAME:       ins(%[[PATCHES]], %{{.*}} : tensor<?x16x147xbf16>, tensor<32x147xbf16>)
//       CHECK:   arith.truncf %{{.*}} : f32 to bf16
//   CHECK-NOT:   llama4.unfold_patch_embed
func.func @unfold_patch_embed_permutes_then_projects(%p: tensor<?x3x28x28xbf16>,
    %w: tensor<32x147xbf16>) -> tensor<?x16x32xbf16> {
  %r = llama4.unfold_patch_embed %p, %w {patch_size = 7 : i64}
      : (tensor<?x3x28x28xbf16>, tensor<32x147xbf16>) -> tensor<?x16x32xbf16>
  return %r : tensor<?x16x32xbf16>
}

// -----

// class_pos_embed: token 16 (the last) is the class embedding, tokens below
// read their patch (index clamped to 15), and the positional row is added in
// f32 with one rounding.
// CHECK-LABEL: func.func @class_token_goes_last
//  CHECK-SAME:   %[[P:[a-z0-9]+]]: tensor<?x16x32xbf16>, %[[CLS:[a-z0-9]+]]: tensor<32xbf16>, %[[POS:[a-z0-9]+]]: tensor<17x32xbf16>
//       CHECK:   %[[R:.*]] = linalg.generic
//  CHECK-SAME:       ins(%[[CLS]], %[[POS]] : tensor<32xbf16>, tensor<17x32xbf16>) outs(%{{.*}} : tensor<?x17x32xbf16>)
//       CHECK:     %[[T:.*]] = linalg.index 1
//       CHECK:     %[[CLAMPED:.*]] = arith.minui %[[T]], %c15
//       CHECK:     tensor.extract %[[P]][%{{.*}}, %[[CLAMPED]], %{{.*}}]
//       CHECK:     %[[IS_CLS:.*]] = arith.cmpi ugt, %[[T]], %c15
//       CHECK:     %[[E:.*]] = arith.select %[[IS_CLS]]
//       CHECK:     %[[SUM:.*]] = arith.addf %[[E]], %{{.*}} : f32
//       CHECK:     arith.truncf %[[SUM]] : f32 to bf16
//       CHECK:   return %[[R]]
func.func @class_token_goes_last(%p: tensor<?x16x32xbf16>, %cls: tensor<32xbf16>,
    %pos: tensor<17x32xbf16>) -> tensor<?x17x32xbf16> {
  %r = llama4.class_pos_embed %p, %cls, %pos
      : (tensor<?x16x32xbf16>, tensor<32xbf16>, tensor<17x32xbf16>) -> tensor<?x17x32xbf16>
  return %r : tensor<?x17x32xbf16>
}

// -----

// vision_rope: 16-wide heads have 8 pairs; the d/4 = 4 frequencies
// theta^(-4m/d) are a constant table. Pairs below 4 turn with the column
// (token mod 4), the others with the row (token div 4), by (coordinate + 1)
// * w[pair mod 4]; the class token (token >= 16) gets angle 0.
// CHECK-LABEL: func.func @vision_rope_turns_columns_then_rows
//       CHECK:   %[[FREQS:.*]] = arith.constant dense<[1.000000e+00, 1.000000e-01, 0.00999999977, 1.000000e-03]> : tensor<4xf32>
//       CHECK:   linalg.generic
//       CHECK:     %[[T:.*]] = linalg.index 1
//       CHECK:     %[[LANE:.*]] = linalg.index 3
//       CHECK:     %[[PAIR:.*]] = arith.divui %[[LANE]]
//       CHECK:     %[[IS_ROW:.*]] = arith.cmpi uge, %[[PAIR]], %[[QUARTER:.*]] : index
//       CHECK:     %[[ROW:.*]] = arith.divui %[[T]], %[[SIDE:.*]] : index
//       CHECK:     %[[COL:.*]] = arith.remui %[[T]], %[[SIDE]] : index
//       CHECK:     %[[COORD:.*]] = arith.select %[[IS_ROW]], %[[ROW]], %[[COL]]
//       CHECK:     %[[IS_CLS:.*]] = arith.cmpi uge, %[[T]], %c16
//       CHECK:     arith.addi %[[COORD]], %c1
//       CHECK:     %[[M:.*]] = arith.remui %[[PAIR]], %[[QUARTER]]
//       CHECK:     tensor.extract %[[FREQS]][%[[M]]]
//       CHECK:     %[[ANGLE:.*]] = arith.select %[[IS_CLS]], %{{.*}}, %{{.*}} : f32
//       CHECK:     math.cos %[[ANGLE]]
//       CHECK:     math.sin %[[ANGLE]]
//   CHECK-NOT:   llama4.vision_rope
func.func @vision_rope_turns_columns_then_rows(%q: tensor<?x17x2x16xf32>) -> tensor<?x17x2x16xf32> {
  %r = llama4.vision_rope %q {grid_side = 4 : i64, theta = 1.000000e+04 : f64} : tensor<?x17x2x16xf32>
  return %r : tensor<?x17x2x16xf32>
}

// -----

// vision_attention: heads to the front, then one (tile, head) at a time: the
// [17, 17] scores of the tile rounded after q.k and after the scale, a
// max and a sum reduction per query, probabilities rounded, and p.v with the
// key axis as reduction; no mask anywhere.
// CHECK-LABEL: func.func @vision_attention_is_unmasked_per_tile_and_head
//       CHECK:   scf.for %[[TILE:[a-z0-9]+]] =
//       CHECK:     scf.for %[[HEAD:[a-z0-9]+]] =
//       CHECK:       tensor.extract_slice %{{.*}}[%[[TILE]], %[[HEAD]], 0, 0] [1, 1, 17, 8] [1, 1, 1, 1] : tensor<?x2x17x8xbf16> to tensor<17x8xbf16>
//       CHECK:       linalg.contract
//  CHECK-SAME:           outs(%{{.*}} : tensor<17x17xf32>)
//       CHECK:       linalg.generic
//       CHECK:         arith.truncf
//       CHECK:         arith.extf
//       CHECK:         arith.mulf
//       CHECK:         arith.truncf
//       CHECK:       arith.maximumf
//       CHECK:       math.exp
//   CHECK-NOT:       arith.select
//       CHECK:       arith.divf
//       CHECK:       linalg.contract
//  CHECK-SAME:           ins(%{{.*}}, %{{.*}} : tensor<17x17xf32>, tensor<17x8xbf16>)
//       CHECK:       tensor.insert_slice
//   CHECK-NOT:   llama4.vision_attention
func.func @vision_attention_is_unmasked_per_tile_and_head(%q: tensor<?x17x2x8xbf16>,
    %k: tensor<?x17x2x8xbf16>, %v: tensor<?x17x2x8xbf16>) -> tensor<?x17x2x8xbf16> {
  %o = llama4.vision_attention %q, %k, %v {scale = 3.535530e-01 : f64}
      : (tensor<?x17x2x8xbf16>, tensor<?x17x2x8xbf16>, tensor<?x17x2x8xbf16>) -> tensor<?x17x2x8xbf16>
  return %o : tensor<?x17x2x8xbf16>
}

// -----

// gelu_mlp: fc1 with bias, exact-erf GELU rounded, fc2 with bias.
// CHECK-LABEL: func.func @gelu_mlp_has_biases_and_exact_gelu
//       CHECK:   linalg.contract {{.*}} ins(%{{.*}}, %{{.*}} : tensor<?x17x32xbf16>, tensor<128x32xbf16>)
//       CHECK:   linalg.generic {{.*}} ins(%{{.*}} : tensor<128xbf16>)
//       CHECK:   math.erf
//       CHECK:   linalg.contract {{.*}} ins(%{{.*}}, %{{.*}} : tensor<?x17x128xbf16>, tensor<32x128xbf16>)
//       CHECK:   linalg.generic {{.*}} ins(%{{.*}} : tensor<32xbf16>)
//   CHECK-NOT:   math.erf
//   CHECK-NOT:   llama4.gelu_mlp
func.func @gelu_mlp_has_biases_and_exact_gelu(%x: tensor<?x17x32xbf16>, %w1: tensor<128x32xbf16>,
    %b1: tensor<128xbf16>, %w2: tensor<32x128xbf16>, %b2: tensor<32xbf16>) -> tensor<?x17x32xbf16> {
  %y = llama4.gelu_mlp %x, %w1, %b1, %w2, %b2
      : (tensor<?x17x32xbf16>, tensor<128x32xbf16>, tensor<128xbf16>, tensor<32x128xbf16>, tensor<32xbf16>)
      -> tensor<?x17x32xbf16>
  return %y : tensor<?x17x32xbf16>
}

// -----

// pixel_shuffle is one gather: output token t' = (Y, X) on the 2x2 grid,
// channel block (dy, dx) = c' div 32, reads patch (2Y + dy) * 4 + 2X + dx.
// CHECK-LABEL: func.func @pixel_shuffle_gathers_2x2_blocks
//  CHECK-SAME:   %[[X:[a-z0-9]+]]: tensor<?x16x32xf32>
//       CHECK:   linalg.generic
//  CHECK-SAME:       outs(%{{.*}} : tensor<?x4x128xf32>)
//       CHECK:     %[[N:.*]] = linalg.index 0
//       CHECK:     %[[T:.*]] = linalg.index 1
//       CHECK:     %[[C:.*]] = linalg.index 2
//       CHECK:     %[[BLOCK:.*]] = arith.divui %[[C]], %c32
//       CHECK:     %[[DY:.*]] = arith.divui %[[BLOCK]], %c2
//       CHECK:     %[[DX:.*]] = arith.remui %[[BLOCK]], %c2
//       CHECK:     %[[Y:.*]] = arith.divui %[[T]], %c2
//       CHECK:     %[[ROW:.*]] = arith.addi %{{.*}}, %[[DY]]
//       CHECK:     %[[X2:.*]] = arith.remui %[[T]], %c2
//       CHECK:     %[[COL:.*]] = arith.addi %{{.*}}, %[[DX]]
//       CHECK:     %[[SRC:.*]] = arith.addi %{{.*}}, %[[COL]]
//       CHECK:     %[[CH:.*]] = arith.remui %[[C]], %c32
//       CHECK:     tensor.extract %[[X]][%[[N]], %[[SRC]], %[[CH]]]
//   CHECK-NOT:   llama4.pixel_shuffle
func.func @pixel_shuffle_gathers_2x2_blocks(%x: tensor<?x16x32xf32>) -> tensor<?x4x128xf32> {
  %s = llama4.pixel_shuffle %x {ratio = 5.000000e-01 : f64} : (tensor<?x16x32xf32>) -> tensor<?x4x128xf32>
  return %s : tensor<?x4x128xf32>
}

// -----

// vision_adapter: GELU after both bias-free layers.
// CHECK-LABEL: func.func @vision_adapter_applies_gelu_twice
//       CHECK:   linalg.contract {{.*}} ins(%{{.*}}, %{{.*}} : tensor<?x4x128xf32>, tensor<48x128xf32>)
//       CHECK:   math.erf
//       CHECK:   linalg.contract {{.*}} ins(%{{.*}}, %{{.*}} : tensor<?x4x48xf32>, tensor<48x48xf32>)
//       CHECK:   math.erf
//   CHECK-NOT:   llama4.vision_adapter
func.func @vision_adapter_applies_gelu_twice(%x: tensor<?x4x128xf32>, %w1: tensor<48x128xf32>,
    %w2: tensor<48x48xf32>) -> tensor<?x4x48xf32> {
  %a = llama4.vision_adapter %x, %w1, %w2
      : (tensor<?x4x128xf32>, tensor<48x128xf32>, tensor<48x48xf32>) -> tensor<?x4x48xf32>
  return %a : tensor<?x4x48xf32>
}
