// RUN: llama4-opt %s --llama4-gpu-lower-subgroup-reductions | FileCheck %s

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
