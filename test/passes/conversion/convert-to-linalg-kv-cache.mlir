// RUN: llama4-opt %s --split-input-file --llama4-convert-to-linalg | FileCheck %s

// kv_cache_update is a scatter: two nested scf.for loops over batch and
// tokens thread the cache through iter_args; each token's [Hkv, d] slice of
// the update is inserted at slot `position mod window`.
// CHECK-LABEL: func.func @kv_cache_update_wraps_at_window
//  CHECK-SAME:   %[[KC:[a-z0-9]+]]: tensor<?x2x8x16xbf16>, %[[K:[a-z0-9]+]]: tensor<?x?x2x16xbf16>, %[[POS:[a-z0-9]+]]: tensor<?x?xi32>
//   CHECK-DAG:   %[[WINDOW:.*]] = arith.constant 8 : index
//       CHECK:   %[[R:.*]] = scf.for %[[B:[a-z0-9]+]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[C0:[a-z0-9]+]] = %[[KC]])
//       CHECK:     %[[INNER:.*]] = scf.for %[[S:[a-z0-9]+]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[C1:[a-z0-9]+]] = %[[C0]])
//       CHECK:       %[[P:.*]] = tensor.extract %[[POS]][%[[B]], %[[S]]]
//       CHECK:       %[[PI:.*]] = arith.index_cast %[[P]] : i32 to index
//       CHECK:       %[[SLOT:.*]] = arith.remui %[[PI]], %[[WINDOW]] : index
//       CHECK:       %[[ROW:.*]] = tensor.extract_slice %[[K]][%[[B]], %[[S]], 0, 0] [1, 1, 2, 16] [1, 1, 1, 1] : tensor<?x?x2x16xbf16> to tensor<2x16xbf16>
//       CHECK:       %[[NEW:.*]] = tensor.insert_slice %[[ROW]] into %[[C1]][%[[B]], 0, %[[SLOT]], 0] [1, 2, 1, 16] [1, 1, 1, 1]
//       CHECK:       scf.yield %[[NEW]]
//       CHECK:     scf.yield %[[INNER]]
//       CHECK:   return %[[R]]
//   CHECK-NOT:   llama4.kv_cache_update
func.func @kv_cache_update_wraps_at_window(%kc: tensor<?x2x8x16xbf16>, %k: tensor<?x?x2x16xbf16>,
    %pos: tensor<?x?xi32>) -> tensor<?x2x8x16xbf16> {
  %kc2 = llama4.kv_cache_update %kc, %k positions(%pos) {window = 8 : i64}
      : (tensor<?x2x8x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x?xi32>) -> tensor<?x2x8x16xbf16>
  return %kc2 : tensor<?x2x8x16xbf16>
}

// -----

// window = 0 (a global layer's cache) stores position p in slot p: no remui.
// CHECK-LABEL: func.func @kv_cache_update_global_uses_position_as_slot
//  CHECK-SAME:   %[[VC:[a-z0-9]+]]: tensor<?x2x?x16xf32>, %[[V:[a-z0-9]+]]: tensor<?x?x2x16xf32>, %[[POS:[a-z0-9]+]]: tensor<?x?xi32>
//   CHECK-NOT:   arith.remui
//       CHECK:   scf.for
//       CHECK:     scf.for
//       CHECK:       %[[P:.*]] = tensor.extract %[[POS]]
//       CHECK:       %[[SLOT:.*]] = arith.index_cast %[[P]] : i32 to index
//   CHECK-NOT:   arith.remui
//       CHECK:       tensor.insert_slice %{{.*}} into %{{.*}}[%{{.*}}, 0, %[[SLOT]], 0] [1, 2, 1, 16] [1, 1, 1, 1] : tensor<2x16xf32> into tensor<?x2x?x16xf32>
//   CHECK-NOT:   arith.remui
//       CHECK:   return
func.func @kv_cache_update_global_uses_position_as_slot(%vc: tensor<?x2x?x16xf32>,
    %v: tensor<?x?x2x16xf32>, %pos: tensor<?x?xi32>) -> tensor<?x2x?x16xf32> {
  %vc2 = llama4.kv_cache_update %vc, %v positions(%pos) {window = 0 : i64}
      : (tensor<?x2x?x16xf32>, tensor<?x?x2x16xf32>, tensor<?x?xi32>) -> tensor<?x2x?x16xf32>
  return %vc2 : tensor<?x2x?x16xf32>
}

// -----

// A paged cache [pages, Hkv, 4, d]: position p of row b goes to slot p mod 4
// of page block_table[b, p / 4].
// CHECK-LABEL: func.func @kv_cache_update_paged
//  CHECK-SAME:   %[[KC:[a-z0-9]+]]: tensor<?x2x4x16xf32>, %[[K:[a-z0-9]+]]: tensor<?x?x2x16xf32>, %[[TABLE:[a-z0-9]+]]: tensor<?x?xi32>, %[[POS:[a-z0-9]+]]: tensor<?x?xi32>
//   CHECK-DAG:   %[[PAGE_SIZE:.*]] = arith.constant 4 : index
//       CHECK:   scf.for %[[B:[a-z0-9]+]] =
//       CHECK:     scf.for %[[S:[a-z0-9]+]] =
//       CHECK:       %[[P:.*]] = tensor.extract %[[POS]][%[[B]], %[[S]]]
//       CHECK:       %[[PI:.*]] = arith.index_cast %[[P]] : i32 to index
//       CHECK:       %[[NTH:.*]] = arith.divui %[[PI]], %[[PAGE_SIZE]] : index
//       CHECK:       %[[ENTRY:.*]] = tensor.extract %[[TABLE]][%[[B]], %[[NTH]]]
//       CHECK:       %[[PAGE:.*]] = arith.index_cast %[[ENTRY]] : i32 to index
//       CHECK:       %[[SLOT:.*]] = arith.remui %[[PI]], %[[PAGE_SIZE]] : index
//       CHECK:       tensor.insert_slice %{{.*}} into %{{.*}}[%[[PAGE]], 0, %[[SLOT]], 0] [1, 2, 1, 16] [1, 1, 1, 1] : tensor<2x16xf32> into tensor<?x2x4x16xf32>
func.func @kv_cache_update_paged(%kc: tensor<?x2x4x16xf32>, %k: tensor<?x?x2x16xf32>,
    %table: tensor<?x?xi32>, %pos: tensor<?x?xi32>) -> tensor<?x2x4x16xf32> {
  %kc2 = llama4.kv_cache_update %kc, %k pages(%table) positions(%pos) {window = 0 : i64}
      : (tensor<?x2x4x16xf32>, tensor<?x?x2x16xf32>, tensor<?x?xi32>, tensor<?x?xi32>) -> tensor<?x2x4x16xf32>
  return %kc2 : tensor<?x2x4x16xf32>
}

// -----

// A float8 cache: the whole update is quantized first, each [Hkv] vector's
// scale 2^(e - 7) from the exponent e of its max |x| (clamped to biased
// [8, 254]), each element x / scale rounded to e4m3 (ties to even on the
// low 20 bits; below 2^-6 in steps of 2^-9); then the codes and the
// scales are scattered, each by its own loop nest, to the same page and
// slot.
// CHECK-LABEL: func.func @kv_cache_update_fp8
//  CHECK-SAME:   %[[KC:[a-z0-9]+]]: tensor<?x2x4x16xf8E4M3FN>, %[[KS:[a-z0-9]+]]: tensor<?x2x4x1xf32>, %[[K:[a-z0-9]+]]: tensor<?x?x2x16xbf16>
//       CHECK:   %[[MAX:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[K]] : tensor<?x?x2x16xbf16>)
//       CHECK:     math.absf
//       CHECK:     arith.maximumf
//       CHECK:   %[[SCALES:.*]] = linalg.generic {{.*}} ins(%[[MAX]] : tensor<?x?x2xf32>) outs(%{{.*}} : tensor<?x?x2x1xf32>)
//       CHECK:     %[[BITS:.*]] = arith.bitcast %{{.*}} : f32 to i32
//       CHECK:     %[[EXP:.*]] = arith.shrui %[[BITS]], %c23_i32
//       CHECK:     %[[HIGH:.*]] = arith.minsi %[[EXP]], %c254_i32
//       CHECK:     %[[LOW:.*]] = arith.maxsi %[[HIGH]], %c8_i32
//       CHECK:     %[[SCALE_EXP:.*]] = arith.subi %[[LOW]], %c7_i32
//       CHECK:     arith.shli %[[SCALE_EXP]], %c23_i32
//       CHECK:   %[[CODES:.*]] = linalg.generic {{.*}} ins(%[[K]], %[[SCALES]] : tensor<?x?x2x16xbf16>, tensor<?x?x2x1xf32>) outs(%{{.*}} : tensor<?x?x2x16xf8E4M3FN>)
//       CHECK:     arith.divf
//       CHECK:     arith.addi %{{.*}}, %c524287_i32
//       CHECK:     %[[ROUNDED:.*]] = arith.addi
//       CHECK:     %[[REBIASED:.*]] = arith.subi %[[ROUNDED]], %c1006632960_i32
//       CHECK:     arith.shrui %[[REBIASED]], %c20_i32
//       CHECK:     arith.mulf %{{.*}}, %cst{{.*}} : f32
//       CHECK:     math.roundeven
//       CHECK:     arith.minsi %{{.*}}, %c126_i32
//       CHECK:     %[[CODE:.*]] = arith.trunci %{{.*}} : i32 to i8
//       CHECK:     arith.bitcast %[[CODE]] : i8 to f8E4M3FN
//       CHECK:   %[[NEW_CODES:.*]] = scf.for {{.*}} iter_args(%{{.*}} = %[[KC]]) -> (tensor<?x2x4x16xf8E4M3FN>)
//       CHECK:       tensor.extract_slice %[[CODES]]
//       CHECK:       tensor.insert_slice %{{.*}} into %{{.*}}[%[[PAGE:.*]], 0, %[[SLOT:.*]], 0] [1, 2, 1, 16] [1, 1, 1, 1] : tensor<2x16xf8E4M3FN> into tensor<?x2x4x16xf8E4M3FN>
//       CHECK:   %[[NEW_SCALES:.*]] = scf.for {{.*}} iter_args(%{{.*}} = %[[KS]]) -> (tensor<?x2x4x1xf32>)
//       CHECK:       tensor.extract_slice %[[SCALES]]
//       CHECK:       tensor.insert_slice %{{.*}} into %{{.*}}[%{{.*}}, 0, %{{.*}}, 0] [1, 2, 1, 1] [1, 1, 1, 1] : tensor<2x1xf32> into tensor<?x2x4x1xf32>
//       CHECK:   return %[[NEW_CODES]], %[[NEW_SCALES]]
func.func @kv_cache_update_fp8(%kc: tensor<?x2x4x16xf8E4M3FN>, %ks: tensor<?x2x4x1xf32>, %k: tensor<?x?x2x16xbf16>,
    %table: tensor<?x?xi32>, %pos: tensor<?x?xi32>) -> (tensor<?x2x4x16xf8E4M3FN>, tensor<?x2x4x1xf32>) {
  %kc2, %ks2 = llama4.kv_cache_update %kc, %k scales(%ks) pages(%table) positions(%pos) {window = 0 : i64}
      : (tensor<?x2x4x16xf8E4M3FN>, tensor<?x?x2x16xbf16>, tensor<?x2x4x1xf32>, tensor<?x?xi32>, tensor<?x?xi32>)
      -> (tensor<?x2x4x16xf8E4M3FN>, tensor<?x2x4x1xf32>)
  return %kc2, %ks2 : tensor<?x2x4x16xf8E4M3FN>, tensor<?x2x4x1xf32>
}
