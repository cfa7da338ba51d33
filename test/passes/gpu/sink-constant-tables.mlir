// RUN: llama4-opt %s --llama4-gpu-sink-constant-tables --split-input-file --verify-diagnostics | FileCheck %s
// RUN: llama4-opt %s --llama4-gpu-sink-constant-tables --gpu-kernel-outlining --split-input-file --verify-diagnostics | FileCheck %s --check-prefix=OUTLINED

// RoPE's inverse frequencies, read by a kernel: the table is taken inside
// the launch, so that outlining gives the kernel's module its own copy
// (the host's would be a host pointer on the GPU).
// CHECK-LABEL: func.func @rope
//   CHECK-NOT:   memref.get_global
//       CHECK:   gpu.launch
//       CHECK:     %[[TABLE:.*]] = memref.get_global @inv_freq
//       CHECK:     memref.load %[[TABLE]]
// OUTLINED-LABEL: func.func @rope
//  OUTLINED-NOT:    memref.get_global
//      OUTLINED:    gpu.launch_func @rope_kernel::@rope_kernel {{.*}} args(%{{.*}} : memref<4xf32>)
//      OUTLINED:  gpu.module @rope_kernel
//      OUTLINED:    gpu.func @rope_kernel(%{{.*}}: memref<4xf32>) kernel
//      OUTLINED:      memref.get_global @inv_freq
//      OUTLINED:    memref.global "private" constant @inv_freq
module attributes {gpu.container_module} {
  memref.global "private" constant @inv_freq : memref<4xf32> = dense<[1.0, 0.5, 0.25, 0.125]>
  func.func @rope(%out: memref<4xf32>) {
    %c1 = arith.constant 1 : index
    %c4 = arith.constant 4 : index
    %table = memref.get_global @inv_freq : memref<4xf32>
    gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
               threads(%tx, %ty, %tz) in (%sx = %c4, %sy = %c1, %sz = %c1) {
      %f = memref.load %table[%tx] : memref<4xf32>
      memref.store %f, %out[%tx] : memref<4xf32>
      gpu.terminator
    }
    return
  }
}

// -----

// A mutable global would have two copies that nothing keeps in step.
module attributes {gpu.container_module} {
  memref.global "private" @counts : memref<4xf32> = dense<0.0>
  func.func @count(%out: memref<4xf32>) {
    %c1 = arith.constant 1 : index
    %c4 = arith.constant 4 : index
    // expected-error @below {{is a mutable global read by a GPU kernel}}
    %counts = memref.get_global @counts : memref<4xf32>
    gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
               threads(%tx, %ty, %tz) in (%sx = %c4, %sy = %c1, %sz = %c1) {
      %f = memref.load %counts[%tx] : memref<4xf32>
      memref.store %f, %out[%tx] : memref<4xf32>
      gpu.terminator
    }
    return
  }
}
