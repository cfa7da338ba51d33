// RUN: llama4-opt %s --split-input-file --verify-diagnostics --llama4-gpu-emulate-on-host | FileCheck %s

// A kernel without barriers: the launch calls a host function of the grid,
// the block and the kernel's arguments, which runs the blocks as an
// scf.parallel and each block's threads as one loop; the ids are the loop
// indices, x fastest. The gpu.module is gone.
// CHECK-LABEL: func.func @host
//       CHECK:   call @kernels_scale(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) : (index, index, index, index, index, index, i32, memref<?xf32>) -> ()
//   CHECK-NOT: gpu.
//       CHECK: func.func private @kernels_scale(%[[GX:.*]]: index, %[[GY:.*]]: index, %[[GZ:.*]]: index, %[[BX:.*]]: index, %[[BY:.*]]: index, %[[BZ:.*]]: index, %{{.*}}: i32, %[[X:.*]]: memref<?xf32>)
//       CHECK:   %[[THREADS:.*]] = arith.muli %[[BX]]
//       CHECK:   scf.parallel (%[[BLOCK:.*]]) = (%{{.*}}) to (%{{.*}})
//       CHECK:     %[[BID:.*]] = arith.remui %[[BLOCK]], %[[GX]]
//       CHECK:     scf.for %[[T:.*]] = %{{.*}} to %[[THREADS]]
//       CHECK:       %[[TID:.*]] = arith.remui %[[T]], %[[BX]]
//       CHECK:       %[[I:.*]] = arith.addi %{{.*}}, %[[TID]]
//       CHECK:       memref.store %{{.*}}, %[[X]][%[[I]]]
//   CHECK-NOT:     scf.for
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @scale(%x: memref<?xf32>) kernel {
      %bid = gpu.block_id x
      %dim = gpu.block_dim x
      %tid = gpu.thread_id x
      %base = arith.muli %bid, %dim : index
      %i = arith.addi %base, %tid : index
      %v = memref.load %x[%i] : memref<?xf32>
      %w = arith.addf %v, %v : f32
      memref.store %w, %x[%i] : memref<?xf32>
      gpu.return
    }
  }
  func.func @host(%x: memref<?xf32>, %blocks: index) {
    %c1 = arith.constant 1 : index
    %c256 = arith.constant 256 : index
    gpu.launch_func @kernels::@scale blocks in (%blocks, %c1, %c1)
        threads in (%c256, %c1, %c1) args(%x : memref<?xf32>)
    return
  }
}

// -----

// A barrier splits the threads' loop in two. The shared buffer is one per
// block; the value loaded before the barrier and used after it is kept per
// thread; the thread id, pure, is recomputed in the second loop.
// CHECK-LABEL: func.func private @kernels_neighbour
//       CHECK:   scf.parallel
//       CHECK:     %[[SHARED:.*]] = memref.alloc() : memref<64xf32>
//       CHECK:     %[[KEPT:.*]] = memref.alloc(%{{.*}}) : memref<?xf32>
//       CHECK:     scf.for %[[T1:.*]] =
//       CHECK:       %[[V:.*]] = memref.load
//       CHECK:       memref.store %[[V]], %[[KEPT]][%{{.*}}]
//       CHECK:       memref.store %{{.*}}, %[[SHARED]]
//       CHECK:     }
//       CHECK:     scf.for %[[T2:.*]] =
//       CHECK:       memref.load %[[SHARED]]
//       CHECK:       memref.load %[[KEPT]]
//       CHECK:     }
//       CHECK:     memref.dealloc %[[SHARED]]
//       CHECK:     memref.dealloc %[[KEPT]]
//   CHECK-NOT: gpu.barrier
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @neighbour(%x: memref<64xf32>)
        workgroup(%shared : memref<64xf32, #gpu.address_space<workgroup>>)
        kernel {
      %c1 = arith.constant 1 : index
      %c63 = arith.constant 63 : index
      %tid = gpu.thread_id x
      %v = memref.load %x[%tid] : memref<64xf32>
      memref.store %v, %shared[%tid] : memref<64xf32, #gpu.address_space<workgroup>>
      gpu.barrier
      %next = arith.addi %tid, %c1 : index
      %j = arith.andi %next, %c63 : index
      %n = memref.load %shared[%j] : memref<64xf32, #gpu.address_space<workgroup>>
      %sum = arith.addf %v, %n : f32
      memref.store %sum, %x[%tid] : memref<64xf32>
      gpu.return
    }
  }
  func.func @host(%x: memref<64xf32>) {
    %c1 = arith.constant 1 : index
    %c64 = arith.constant 64 : index
    gpu.launch_func @kernels::@neighbour blocks in (%c1, %c1, %c1)
        threads in (%c64, %c1, %c1) args(%x : memref<64xf32>)
    return
  }
}

// -----

// A loop with a barrier inside runs once per block, its bounds uniform; its
// carried per-thread value goes through a per-thread buffer.
// CHECK-LABEL: func.func private @kernels_steps
//       CHECK:   %[[ACC:.*]] = memref.alloc(%{{.*}}) : memref<?xf32>
//       CHECK:   scf.for
//       CHECK:     memref.store %{{.*}}, %[[ACC]]
//       CHECK:   scf.for %{{.*}} = %{{.*}} to %{{.*}} step
//   CHECK-NOT:     iter_args
//       CHECK:     scf.for
//       CHECK:       memref.load %[[ACC]]
//       CHECK:     scf.for
//       CHECK:       memref.store %{{.*}}, %[[ACC]]
//       CHECK:   scf.for
//       CHECK:     memref.load %[[ACC]]
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @steps(%x: memref<64xf32>, %n: index) kernel {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %tid = gpu.thread_id x
      %init = memref.load %x[%tid] : memref<64xf32>
      %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %init) -> f32 {
        %twice = arith.addf %acc, %acc : f32
        gpu.barrier
        scf.yield %twice : f32
      }
      memref.store %r, %x[%tid] : memref<64xf32>
      gpu.return
    }
  }
  func.func @host(%x: memref<64xf32>, %n: index) {
    %c1 = arith.constant 1 : index
    %c64 = arith.constant 64 : index
    gpu.launch_func @kernels::@steps blocks in (%c1, %c1, %c1)
        threads in (%c64, %c1, %c1) args(%x : memref<64xf32>, %n : index)
    return
  }
}

// -----

// Control flow around a barrier must be uniform across the block.
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @divergent(%x: memref<64xf32>) kernel {
      %c32 = arith.constant 32 : index
      // expected-error @below {{reaches control flow around a gpu.barrier}}
      %tid = gpu.thread_id x
      %low = arith.cmpi ult, %tid, %c32 : index
      scf.if %low {
        gpu.barrier
      }
      gpu.return
    }
  }
}

// -----

// Barriers inside other region ops are not emulated.
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @in_while(%x: memref<64xf32>) kernel {
      %true = arith.constant true
      // expected-error @below {{contains a gpu.barrier, which the host emulation supports only}}
      scf.while : () -> () {
        gpu.barrier
        scf.condition(%true)
      } do {
        scf.yield
      }
      gpu.return
    }
  }
}

// -----

// A thread-private buffer (a fused tile's accumulator) is one heap buffer
// per block, allocated before the block's threads run and freed after:
// without a barrier, the threads use it in turn.
// CHECK-LABEL: func.func private @kernels_private_accumulator
//       CHECK:   scf.parallel
//       CHECK:     %[[ACC:.*]] = memref.alloc() : memref<1xf32>
//       CHECK:     scf.for
//       CHECK:       memref.store %{{.*}}, %[[ACC]]
//       CHECK:       memref.load %[[ACC]]
//       CHECK:     memref.dealloc %[[ACC]]
//   CHECK-NOT:   memref.alloca
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @private_accumulator(%x: memref<?xf32>) kernel {
      %c0 = arith.constant 0 : index
      %tid = gpu.thread_id x
      %acc = memref.alloca() : memref<1xf32>
      %v = memref.load %x[%tid] : memref<?xf32>
      memref.store %v, %acc[%c0] : memref<1xf32>
      %w = memref.load %acc[%c0] : memref<1xf32>
      %d = arith.addf %w, %w : f32
      memref.store %d, %x[%tid] : memref<?xf32>
      gpu.return
    }
  }
}

// -----

// With a barrier, threads would share the buffer between their parts.
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @private_across_barrier(%x: memref<?xf32>) kernel {
      %c0 = arith.constant 0 : index
      // expected-error @below {{is thread-private memory of a dynamic size or in a kernel whose threads synchronise}}
      %acc = memref.alloca() : memref<1xf32>
      %v = memref.load %x[%c0] : memref<?xf32>
      memref.store %v, %acc[%c0] : memref<1xf32>
      gpu.barrier
      %w = memref.load %acc[%c0] : memref<1xf32>
      memref.store %w, %x[%c0] : memref<?xf32>
      gpu.return
    }
  }
}
