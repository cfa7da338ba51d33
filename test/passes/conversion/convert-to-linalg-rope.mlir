// RUN: llama4-opt %s --split-input-file --llama4-convert-to-linalg | FileCheck %s

// Interleaved rotary embedding: the d/2 = 8 inverse frequencies are a constant
// table, the angle is position * inv_freq[lane / 2], and each element reads its
// partner (lane xor 1) of the same complex pair with tensor.extract. A bf16
// input is widened, rotated in f32 and truncated once.
// CHECK-LABEL: func.func @rope_rotates_pairs_with_constant_frequencies
//  CHECK-SAME:   %[[Q:[a-z0-9]+]]: tensor<?x?x4x16xbf16>, %[[POS:[a-z0-9]+]]: tensor<?x?xi32>
//       CHECK:   %[[FREQS:.*]] = arith.constant dense<{{\[([^,]+, ){7}[^,]+\]}}> : tensor<8xf32>
//       CHECK:   %[[R:.*]] = linalg.generic
//  CHECK-SAME:       iterator_types = ["parallel", "parallel", "parallel", "parallel"]
//  CHECK-SAME:       ins(%[[Q]], %[[POS]] : tensor<?x?x4x16xbf16>, tensor<?x?xi32>)
//       CHECK:     %[[B:.*]] = linalg.index 0
//       CHECK:     %[[S:.*]] = linalg.index 1
//       CHECK:     %[[H:.*]] = linalg.index 2
//       CHECK:     %[[LANE:.*]] = linalg.index 3
//       CHECK:     %[[PAIR:.*]] = arith.divui %[[LANE]]
//       CHECK:     %[[FREQ:.*]] = tensor.extract %[[FREQS]][%[[PAIR]]] : tensor<8xf32>
//       CHECK:     %[[ANGLE:.*]] = arith.mulf %{{.*}}, %[[FREQ]]
//       CHECK:     %[[OTHER:.*]] = arith.xori %[[LANE]]
//       CHECK:     %[[PARTNER:.*]] = tensor.extract %[[Q]][%[[B]], %[[S]], %[[H]], %[[OTHER]]]
//       CHECK:     arith.extf %[[PARTNER]] : bf16 to f32
//       CHECK:     math.cos %[[ANGLE]]
//       CHECK:     math.sin %[[ANGLE]]
//       CHECK:     %[[OUT:.*]] = arith.select
//       CHECK:     %[[T:.*]] = arith.truncf %[[OUT]] : f32 to bf16
//       CHECK:     linalg.yield %[[T]]
//       CHECK:   return %[[R]]
//   CHECK-NOT:   llama4.rope
func.func @rope_rotates_pairs_with_constant_frequencies(%q: tensor<?x?x4x16xbf16>,
    %pos: tensor<?x?xi32>) -> tensor<?x?x4x16xbf16> {
  %r = llama4.rope %q, %pos {theta = 5.000000e+05 : f64}
      : (tensor<?x?x4x16xbf16>, tensor<?x?xi32>) -> tensor<?x?x4x16xbf16>
  return %r : tensor<?x?x4x16xbf16>
}

// -----

// llama3 scaling changes the table at compile time, not the code: still 8
// frequencies, not those of the same theta without scaling, and in f32 no
// rounding. (The values are checked end to end against transformers in
// test/golden.)
// CHECK-LABEL: func.func @rope_without_scaling
//       CHECK:   arith.constant dense<[[UNSCALED:\[.*\]]]> : tensor<8xf32>
// CHECK-LABEL: func.func @rope_llama3_scaling_folds_into_table
//   CHECK-NOT:   dense<[[UNSCALED]]>
//   CHECK-NOT:   arith.truncf
//       CHECK:   linalg.generic
//       CHECK:     tensor.extract %{{.*}}[%{{.*}}] : tensor<8xf32>
//   CHECK-NOT:   arith.truncf
//       CHECK:   math.cos
//       CHECK:   math.sin
//   CHECK-NOT:   arith.truncf
//       CHECK:   return
func.func @rope_without_scaling(%q: tensor<?x?x4x16xf32>, %pos: tensor<?x?xi32>)
    -> tensor<?x?x4x16xf32> {
  %r = llama4.rope %q, %pos {theta = 5.000000e+05 : f64}
      : (tensor<?x?x4x16xf32>, tensor<?x?xi32>) -> tensor<?x?x4x16xf32>
  return %r : tensor<?x?x4x16xf32>
}
func.func @rope_llama3_scaling_folds_into_table(%q: tensor<?x?x4x16xf32>, %pos: tensor<?x?xi32>)
    -> tensor<?x?x4x16xf32> {
  %r = llama4.rope %q, %pos {theta = 5.000000e+05 : f64, scaling = #llama4.llama3_rope_scaling<
      factor = 16.0, low_freq_factor = 1.0, high_freq_factor = 1.0,
      original_max_position_embeddings = 8192>}
      : (tensor<?x?x4x16xf32>, tensor<?x?xi32>) -> tensor<?x?x4x16xf32>
  return %r : tensor<?x?x4x16xf32>
}
