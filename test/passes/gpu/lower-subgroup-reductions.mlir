// RUN: llama4-opt %s --split-input-file --llama4-gpu-lower-subgroup-reductions | FileCheck %s

// A warp's sum: five butterfly steps over 32 lanes, each adding the
// partner lane's value.
// CHECK-LABEL: gpu.func @warp_sum
//   CHECK-NOT:   gpu.subgroup_reduce
//       CHECK:   %[[S1:.*]], %{{.*}} = gpu.shuffle xor %[[V:.*]], %c1_i32, %c32_i32 : f32
//       CHECK:   %[[A1:.*]] = arith.addf %[[V]], %[[S1]]
//       CHECK:   %[[S2:.*]], %{{.*}} = gpu.shuffle xor %[[A1]], %c2_i32, %c32_i32 : f32
//       CHECK:   %[[A2:.*]] = arith.addf %[[A1]], %[[S2]]
//       CHECK:   gpu.shuffle xor %{{.*}}, %c4_i32, %c32_i32
//       CHECK:   gpu.shuffle xor %{{.*}}, %c8_i32, %c32_i32
//       CHECK:   %[[S5:.*]], %{{.*}} = gpu.shuffle xor %[[A4:.*]], %c16_i32, %c32_i32 : f32
//       CHECK:   %[[A5:.*]] = arith.addf %[[A4]], %[[S5]]
//       CHECK:   memref.store %[[A5]]
gpu.module @kernels {
  gpu.func @warp_sum(%x: memref<32xf32>, %out: memref<1xf32>) kernel {
    %c0 = arith.constant 0 : index
    %lane = gpu.lane_id
    %v = memref.load %x[%lane] : memref<32xf32>
    %sum = gpu.subgroup_reduce add %v uniform : (f32) -> f32
    memref.store %sum, %out[%c0] : memref<1xf32>
    gpu.return
  }
}

// -----

// A sum and a maximum, adjacent and independent: their butterflies step
// together, both shuffles of a step adjacent (in flight at once). A third
// reduction reading the maximum starts a butterfly of its own after
// them.
// CHECK-LABEL: gpu.func @rows_sums
//   CHECK-NOT:   gpu.subgroup_reduce
//       CHECK:   %[[S1:.*]], %{{.*}} = gpu.shuffle xor %[[U:[a-z0-9_]+]], %c1_i32, %c32_i32 : f32
//  CHECK-NEXT:   %[[T1:.*]], %{{.*}} = gpu.shuffle xor %[[V:[a-z0-9_]+]], %c1_i32, %c32_i32 : f32
//  CHECK-NEXT:   %[[A1:.*]] = arith.addf %[[U]], %[[S1]]
//  CHECK-NEXT:   %[[B1:.*]] = arith.maxnumf %[[V]], %[[T1]]
//       CHECK:   gpu.shuffle xor %[[A1]], %c2_i32, %c32_i32
//  CHECK-NEXT:   gpu.shuffle xor %[[B1]], %c2_i32, %c32_i32
//       CHECK:   gpu.shuffle xor %{{.*}}, %c16_i32, %c32_i32
//  CHECK-NEXT:   gpu.shuffle xor %{{.*}}, %c16_i32, %c32_i32
//  CHECK-NEXT:   %[[A5:.*]] = arith.addf
//  CHECK-NEXT:   %[[B5:.*]] = arith.maxnumf
//       CHECK:   gpu.shuffle xor %[[B5]], %c1_i32, %c32_i32
//   CHECK-NOT:   gpu.shuffle xor %[[A5]]
//       CHECK:   gpu.return
gpu.module @kernels {
  gpu.func @rows_sums(%x: memref<32xf32>, %y: memref<32xf32>, %out: memref<3xf32>) kernel {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %lane = gpu.lane_id
    %u = memref.load %x[%lane] : memref<32xf32>
    %v = memref.load %y[%lane] : memref<32xf32>
    %sum = gpu.subgroup_reduce add %u uniform : (f32) -> f32
    %max = gpu.subgroup_reduce maxnumf %v uniform : (f32) -> f32
    %again = gpu.subgroup_reduce add %max uniform : (f32) -> f32
    memref.store %sum, %out[%c0] : memref<3xf32>
    memref.store %max, %out[%c1] : memref<3xf32>
    memref.store %again, %out[%c2] : memref<3xf32>
    gpu.return
  }
}

// -----

// Clusters: a sum over each 4 adjacent lanes (lanes sharing a key) steps
// over offsets 1 and 2; a maximum over the 8 lanes 4 apart (lanes holding
// the same head dims) over 4, 8 and 16. Two adjacent sums over the same
// clusters step together; the maximum, of another shape, runs its own
// butterfly.
// CHECK-LABEL: gpu.func @clusters
//   CHECK-NOT:   gpu.subgroup_reduce
//       CHECK:   %[[S1:.*]], %{{.*}} = gpu.shuffle xor %[[U:[a-z0-9_]+]], %c1_i32, %c32_i32 : f32
//  CHECK-NEXT:   %[[T1:.*]], %{{.*}} = gpu.shuffle xor %[[V:[a-z0-9_]+]], %c1_i32, %c32_i32 : f32
//  CHECK-NEXT:   %[[A1:.*]] = arith.addf %[[U]], %[[S1]]
//  CHECK-NEXT:   %[[B1:.*]] = arith.addf %[[V]], %[[T1]]
//  CHECK-NEXT:   gpu.shuffle xor %[[A1]], %c2_i32, %c32_i32
//  CHECK-NEXT:   gpu.shuffle xor %[[B1]], %c2_i32, %c32_i32
//   CHECK-NOT:   gpu.shuffle xor %{{.*}}, %c4_i32, %c32_i32
//       CHECK:   %[[M1:.*]], %{{.*}} = gpu.shuffle xor %[[U]], %c4_i32, %c32_i32 : f32
//       CHECK:   gpu.shuffle xor %{{.*}}, %c8_i32, %c32_i32
//       CHECK:   gpu.shuffle xor %{{.*}}, %c16_i32, %c32_i32
//   CHECK-NOT:   gpu.shuffle
//       CHECK:   gpu.return
gpu.module @kernels {
  gpu.func @clusters(%x: memref<32xf32>, %y: memref<32xf32>, %out: memref<3xf32>) kernel {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %lane = gpu.lane_id
    %u = memref.load %x[%lane] : memref<32xf32>
    %v = memref.load %y[%lane] : memref<32xf32>
    %sum = gpu.subgroup_reduce add %u uniform cluster(size = 4) : (f32) -> f32
    %other = gpu.subgroup_reduce add %v uniform cluster(size = 4) : (f32) -> f32
    %max = gpu.subgroup_reduce maxnumf %u uniform cluster(size = 8, stride = 4) : (f32) -> f32
    memref.store %sum, %out[%c0] : memref<3xf32>
    memref.store %other, %out[%c1] : memref<3xf32>
    memref.store %max, %out[%c2] : memref<3xf32>
    gpu.return
  }
}
