// RUN: llama4-opt %s --llama4-gpu-parallel-dims-first | FileCheck %s

// An expert's [in, out] product, loops (m, k, n): the output loop n moves
// before the reduction k, the maps and linalg.index follow it.
// CHECK-DAG: #[[X:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[W:.*]] = affine_map<(d0, d1, d2) -> (d2, d1)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[THIRD:.*]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-LABEL: func.func @in_out_product
//       CHECK:   linalg.generic {indexing_maps = [#[[X]], #[[W]], #[[OUT]]], iterator_types = ["parallel", "parallel", "reduction"]}
//       CHECK:     %[[M:.*]] = linalg.index 0 : index
//       CHECK:     %[[N:.*]] = linalg.index 1 : index
//       CHECK:     %[[K:.*]] = linalg.index 2 : index
//       CHECK:     %[[OLD_K:.*]] = affine.apply #[[THIRD]](%[[M]], %[[N]], %[[K]])
//       CHECK:     arith.index_cast %[[OLD_K]]
func.func @in_out_product(%x: memref<?x64xf32>, %w: memref<64x32xf32>, %out: memref<?x32xf32>) {
  linalg.generic {indexing_maps = [affine_map<(m, k, n) -> (m, k)>, affine_map<(m, k, n) -> (k, n)>, affine_map<(m, k, n) -> (m, n)>],
                  iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%x, %w : memref<?x64xf32>, memref<64x32xf32>) outs(%out : memref<?x32xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %k = linalg.index 1 : index
    %ki = arith.index_cast %k : index to i32
    %kf = arith.sitofp %ki : i32 to f32
    %p = arith.mulf %a, %b : f32
    %q = arith.mulf %p, %kf : f32
    %s = arith.addf %acc, %q : f32
    linalg.yield %s : f32
  }
  return
}

// Already parallel-first (nn.Linear's [out, in] product): untouched.
// CHECK-LABEL: func.func @out_in_product
//       CHECK:   iterator_types = ["parallel", "parallel", "reduction"]
//       CHECK:   ins(%{{.*}}, %{{.*}} : memref<?x64xf32>, memref<32x64xf32>)
func.func @out_in_product(%x: memref<?x64xf32>, %w: memref<32x64xf32>, %out: memref<?x32xf32>) {
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<?x64xf32>, memref<32x64xf32>) outs(%out : memref<?x32xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}
