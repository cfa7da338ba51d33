// RUN: llama4-opt %s --llama4-gpu-bound-chained-registers | FileCheck %s

// A kernel whose blocks take tickets (a chain of kernels) is held to 128
// registers a thread; any other keeps what ptxas gives it.
// CHECK-LABEL: gpu.func @chained_kernel
//  CHECK-SAME:   nvvm.maxnreg = 128 : i32
// CHECK-LABEL: gpu.func @lone_kernel
//   CHECK-NOT:   nvvm.maxnreg
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @chained_kernel(%x: memref<256xf32>)
        workgroup(%slot : memref<1xi32, #gpu.address_space<workgroup>>)
        kernel {
      %c0 = arith.constant 0 : index
      %ticket = memref.load %slot[%c0] {llama4.block_ticket}
          : memref<1xi32, #gpu.address_space<workgroup>>
      %t = arith.sitofp %ticket : i32 to f32
      memref.store %t, %x[%c0] : memref<256xf32>
      gpu.return
    }
    gpu.func @lone_kernel(%x: memref<256xf32>) kernel {
      %c0 = arith.constant 0 : index
      %one = arith.constant 1.0 : f32
      memref.store %one, %x[%c0] : memref<256xf32>
      gpu.return
    }
  }
}
