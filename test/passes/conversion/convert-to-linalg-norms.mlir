// RUN: llama4-opt %s --split-input-file --llama4-convert-to-linalg | FileCheck %s

// rms_norm is a sum-of-squares reduction over the last dimension, then a map
// that scales by rsqrt(mean + eps). A bf16 input is widened to f32, and the
// normalised value is rounded to bf16 and widened again before the weight
// multiply, as `_norm(x.float()).type_as(x) * weight` rounds.
// CHECK-LABEL: func.func @rms_norm_rounds_before_weight_in_bf16
//  CHECK-SAME:   %[[X:[a-z0-9]+]]: tensor<?x?x64xbf16>, %[[W:[a-z0-9]+]]: tensor<64xbf16>
//       CHECK:   %[[ZERO:.*]] = linalg.fill {{.*}} -> tensor<?x?xf32>
//       CHECK:   %[[SS:.*]] = linalg.generic
//  CHECK-SAME:       iterator_types = ["parallel", "parallel", "reduction"]
//  CHECK-SAME:       ins(%[[X]] : tensor<?x?x64xbf16>) outs(%[[ZERO]] : tensor<?x?xf32>)
//       CHECK:     arith.extf %{{.*}} : bf16 to f32
//       CHECK:     arith.mulf
//       CHECK:     arith.addf
//       CHECK:   %[[Y:.*]] = linalg.generic
//  CHECK-SAME:       iterator_types = ["parallel", "parallel", "parallel"]
//  CHECK-SAME:       ins(%[[X]], %[[SS]], %[[W]] :
//       CHECK:     %[[SCALE:.*]] = math.rsqrt
//       CHECK:     %[[XF:.*]] = arith.extf %{{.*}} : bf16 to f32
//       CHECK:     %[[NORMED:.*]] = arith.mulf %[[XF]], %[[SCALE]] : f32
//       CHECK:     %[[ROUNDED:.*]] = arith.truncf %[[NORMED]] : f32 to bf16
//       CHECK:     %[[BACK:.*]] = arith.extf %[[ROUNDED]] : bf16 to f32
//       CHECK:     %[[WF:.*]] = arith.extf %{{.*}} : bf16 to f32
//       CHECK:     %[[PROD:.*]] = arith.mulf %[[BACK]], %[[WF]] : f32
//       CHECK:     %[[OUT:.*]] = arith.truncf %[[PROD]] : f32 to bf16
//       CHECK:     linalg.yield %[[OUT]] : bf16
//       CHECK:   return %[[Y]]
//   CHECK-NOT:   llama4.rms_norm
func.func @rms_norm_rounds_before_weight_in_bf16(%x: tensor<?x?x64xbf16>, %w: tensor<64xbf16>)
    -> tensor<?x?x64xbf16> {
  %y = llama4.rms_norm %x, %w {eps = 1.000000e-05 : f64}
      : (tensor<?x?x64xbf16>, tensor<64xbf16>) -> tensor<?x?x64xbf16>
  return %y : tensor<?x?x64xbf16>
}

// -----

// In f32 there is nothing to round: the same two generics without a single
// truncf or extf.
// CHECK-LABEL: func.func @rms_norm_f32_has_no_rounding
//  CHECK-SAME:   %[[X:[a-z0-9]+]]: tensor<?x?x64xf32>, %[[W:[a-z0-9]+]]: tensor<64xf32>
//   CHECK-NOT:   arith.truncf
//   CHECK-NOT:   arith.extf
//       CHECK:   linalg.generic
//  CHECK-SAME:       iterator_types = ["parallel", "parallel", "reduction"]
//   CHECK-NOT:   arith.truncf
//   CHECK-NOT:   arith.extf
//       CHECK:   linalg.generic
//  CHECK-SAME:       iterator_types = ["parallel", "parallel", "parallel"]
//   CHECK-NOT:   arith.truncf
//   CHECK-NOT:   arith.extf
//       CHECK:     math.rsqrt
//   CHECK-NOT:   arith.truncf
//   CHECK-NOT:   arith.extf
//       CHECK:   return
func.func @rms_norm_f32_has_no_rounding(%x: tensor<?x?x64xf32>, %w: tensor<64xf32>)
    -> tensor<?x?x64xf32> {
  %y = llama4.rms_norm %x, %w {eps = 1.000000e-05 : f64}
      : (tensor<?x?x64xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
  return %y : tensor<?x?x64xf32>
}

// -----

// qk_norm is the same norm over the head dimension of [B, S, H, d], with no
// weight: one rounding, at the output.
// CHECK-LABEL: func.func @qk_norm_reduces_head_dim_without_weight
//  CHECK-SAME:   %[[Q:[a-z0-9]+]]: tensor<?x?x4x16xbf16>
//       CHECK:   %[[SS:.*]] = linalg.generic
//  CHECK-SAME:       iterator_types = ["parallel", "parallel", "parallel", "reduction"]
//  CHECK-SAME:       outs(%{{.*}} : tensor<?x?x4xf32>)
//       CHECK:   linalg.generic
//  CHECK-SAME:       iterator_types = ["parallel", "parallel", "parallel", "parallel"]
//  CHECK-SAME:       ins(%[[Q]], %[[SS]] : tensor<?x?x4x16xbf16>, tensor<?x?x4xf32>)
//       CHECK:     math.rsqrt
//       CHECK:     %[[T:.*]] = arith.truncf %{{.*}} : f32 to bf16
//  CHECK-NEXT:     linalg.yield %[[T]] : bf16
//   CHECK-NOT:   llama4.qk_norm
func.func @qk_norm_reduces_head_dim_without_weight(%q: tensor<?x?x4x16xbf16>)
    -> tensor<?x?x4x16xbf16> {
  %n = llama4.qk_norm %q {eps = 1.000000e-05 : f64} : tensor<?x?x4x16xbf16>
  return %n : tensor<?x?x4x16xbf16>
}

// -----

// layer_norm (the vision tower's nn.LayerNorm): a row sum for the mean, a
// second pass summing (x - mean)^2, then one map that normalises, applies
// weight and bias in f32 and rounds once, at the very end.
// CHECK-LABEL: func.func @layer_norm_rounds_once_after_the_affine
//  CHECK-SAME:   %[[X:[a-z0-9]+]]: tensor<?x17x32xbf16>, %[[W:[a-z0-9]+]]: tensor<32xbf16>, %[[B:[a-z0-9]+]]: tensor<32xbf16>
//       CHECK:   %[[SUM:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]
//  CHECK-SAME:       ins(%[[X]] : tensor<?x17x32xbf16>)
//       CHECK:   %[[MEAN:.*]] = linalg.generic {{.*}} ins(%[[SUM]] : tensor<?x17xf32>)
//       CHECK:     arith.divf
//       CHECK:   %[[SQ:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]
//  CHECK-SAME:       ins(%[[X]], %[[MEAN]] : tensor<?x17x32xbf16>, tensor<?x17xf32>)
//       CHECK:     arith.subf
//       CHECK:     arith.mulf
//       CHECK:   linalg.generic
//  CHECK-SAME:       ins(%[[X]], %[[MEAN]], %[[SQ]], %[[W]], %[[B]] :
//       CHECK:     math.rsqrt
//   CHECK-NOT:     arith.truncf
//       CHECK:     arith.mulf
//       CHECK:     arith.mulf
//       CHECK:     arith.addf
//       CHECK:     %[[OUT:.*]] = arith.truncf %{{.*}} : f32 to bf16
//  CHECK-NEXT:     linalg.yield %[[OUT]] : bf16
//   CHECK-NOT:   llama4.layer_norm
func.func @layer_norm_rounds_once_after_the_affine(%x: tensor<?x17x32xbf16>, %w: tensor<32xbf16>,
    %b: tensor<32xbf16>) -> tensor<?x17x32xbf16> {
  %y = llama4.layer_norm %x, %w, %b {eps = 1.000000e-05 : f64}
      : (tensor<?x17x32xbf16>, tensor<32xbf16>, tensor<32xbf16>) -> tensor<?x17x32xbf16>
  return %y : tensor<?x17x32xbf16>
}
