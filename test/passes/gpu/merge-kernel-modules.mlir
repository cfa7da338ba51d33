// RUN: llama4-opt %s --llama4-gpu-merge-kernel-modules | FileCheck %s

// Two outlined modules whose kernels share a name, each with a copy of the
// same constant table: one module, kernels renamed after their modules,
// the table kept once, launches pointed at the merged module.
// CHECK:       gpu.module @llama4c_kernels
// CHECK-COUNT-1: memref.global "private" constant @table
// CHECK-DAG:     gpu.func @layer_kernel(
// CHECK-DAG:     gpu.func @layer_kernel_0(
// CHECK-NOT:   gpu.module
// CHECK-LABEL: func.func @layer
//       CHECK:   gpu.launch_func @llama4c_kernels::@layer_kernel blocks
//       CHECK:   gpu.launch_func @llama4c_kernels::@layer_kernel_0 blocks
module attributes {gpu.container_module} {
  gpu.module @layer_kernel {
    memref.global "private" constant @table : memref<2xf32> = dense<[1.0, 2.0]>
    gpu.func @layer_kernel(%out: memref<2xf32>) kernel {
      %t = memref.get_global @table : memref<2xf32>
      gpu.return
    }
  }
  gpu.module @layer_kernel_0 {
    memref.global "private" constant @table : memref<2xf32> = dense<[1.0, 2.0]>
    gpu.func @layer_kernel(%out: memref<2xf32>) kernel {
      %t = memref.get_global @table : memref<2xf32>
      gpu.return
    }
  }
  func.func @layer(%out: memref<2xf32>) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @layer_kernel::@layer_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%out : memref<2xf32>)
    gpu.launch_func @layer_kernel_0::@layer_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%out : memref<2xf32>)
    return
  }
}
