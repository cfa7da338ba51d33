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
//       CHECK:       memref.load %[[KEPT]]
//       CHECK:       memref.load %[[SHARED]]
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

// A value recomputed in a later segment whose operand was itself
// recomputed in an earlier one (b = (tid + 1) * 2, computed after the
// first barrier, needed again after the last): the last loop recomputes
// the whole chain from its own thread id, not from the copies another
// loop made.
// CHECK-LABEL: func.func private @kernels_chain
//       CHECK:     scf.for
//       CHECK:     scf.for
//       CHECK:     scf.for
//       CHECK:     scf.for %[[T:.*]] = %{{.*}} to
//  CHECK-NEXT:       %[[T3:.*]] = arith.remui %[[T]], %{{.*}} : index
//       CHECK:       %[[A3:.*]] = arith.addi %[[T3]], %{{.*}} : index
//       CHECK:       %[[B3:.*]] = arith.muli %[[A3]], %{{.*}} : index
//       CHECK:       %[[J3:.*]] = arith.andi %[[B3]], %{{.*}} : index
//       CHECK:       memref.load %{{.*}}[%[[J3]]] : memref<64xf32>
//       CHECK:       memref.store
//  CHECK-NEXT:     }
//  CHECK-NEXT:     memref.dealloc
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @chain(%x: memref<64xf32>)
        workgroup(%shared : memref<64xf32, #gpu.address_space<workgroup>>)
        kernel {
      %c1 = arith.constant 1 : index
      %c2 = arith.constant 2 : index
      %c63 = arith.constant 63 : index
      %tid = gpu.thread_id x
      %a = arith.addi %tid, %c1 : index
      %v = memref.load %x[%tid] : memref<64xf32>
      memref.store %v, %shared[%tid] : memref<64xf32, #gpu.address_space<workgroup>>
      gpu.barrier
      %b = arith.muli %a, %c2 : index
      %i = arith.andi %b, %c63 : index
      %n = memref.load %shared[%i] : memref<64xf32, #gpu.address_space<workgroup>>
      gpu.barrier
      memref.store %n, %shared[%tid] : memref<64xf32, #gpu.address_space<workgroup>>
      gpu.barrier
      %j = arith.andi %b, %c63 : index
      %m = memref.load %shared[%j] : memref<64xf32, #gpu.address_space<workgroup>>
      memref.store %m, %x[%tid] : memref<64xf32>
      gpu.return
    }
  }
  func.func @host(%x: memref<64xf32>) {
    %c1 = arith.constant 1 : index
    %c64 = arith.constant 64 : index
    gpu.launch_func @kernels::@chain blocks in (%c1, %c1, %c1)
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

// A thread-private buffer (a fused tile's accumulator) is each thread's
// 16-byte slice of one heap buffer per block, allocated before the block's
// threads run and freed after: a view at the thread's offset, recomputed
// in each part between barriers, so that the value stored before the
// barrier is the thread's own after it.
// CHECK-LABEL: func.func private @kernels_private_across_barrier
//       CHECK:   scf.parallel
//       CHECK:     %[[BYTES:.*]] = arith.muli %{{.*}}, %c16
//       CHECK:     %[[SLICES:.*]] = memref.alloc(%[[BYTES]]) : memref<?xi8>
//       CHECK:     scf.for %[[T:.*]] =
//       CHECK:       %[[AT:.*]] = arith.muli %{{.*}}, %c16
//       CHECK:       %[[OWN:.*]] = memref.view %[[SLICES]][%[[AT]]][] : memref<?xi8> to memref<1xf32>
//       CHECK:       memref.store %{{.*}}, %[[OWN]]
//       CHECK:     scf.for %[[T2:.*]] =
//       CHECK:       %[[AT2:.*]] = arith.muli %{{.*}}, %c16
//       CHECK:       %[[OWN2:.*]] = memref.view %[[SLICES]][%[[AT2]]][] : memref<?xi8> to memref<1xf32>
//       CHECK:       memref.load %[[OWN2]]
//       CHECK:     memref.dealloc %[[SLICES]]
//   CHECK-NOT:   memref.alloca
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @private_across_barrier(%x: memref<?xf32>) kernel {
      %c0 = arith.constant 0 : index
      %tid = gpu.thread_id x
      %acc = memref.alloca() : memref<1xf32>
      %v = memref.load %x[%tid] : memref<?xf32>
      memref.store %v, %acc[%c0] : memref<1xf32>
      gpu.barrier
      %w = memref.load %acc[%c0] : memref<1xf32>
      memref.store %w, %x[%tid] : memref<?xf32>
      gpu.return
    }
  }
}

// -----

// A private buffer of dynamic size has no slice size.
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @private_dynamic(%x: memref<?xf32>) kernel {
      %c0 = arith.constant 0 : index
      %n = memref.dim %x, %c0 : memref<?xf32>
      // expected-error @below {{is thread-private memory of a dynamic size or a layout}}
      %acc = memref.alloca(%n) : memref<?xf32>
      gpu.return
    }
  }
}

// -----

// Two adjacent shuffles, neither reading the other's result (a warp's two
// rows of sums, a butterfly step of each): one pair of barriers, each its
// own scratch buffer: three thread loops (store both; load both, add and
// store), not five.
// CHECK-LABEL: func.func private @kernels_shuffle_pair
//       CHECK:   %[[FIRST:.*]] = memref.alloc(%{{.*}}) : memref<?xf32>
//       CHECK:   %[[SECOND:.*]] = memref.alloc(%{{.*}}) : memref<?xf32>
//       CHECK:   scf.for
//       CHECK:     memref.store %{{.*}}, %[[FIRST]]
//       CHECK:     memref.store %{{.*}}, %[[SECOND]]
//       CHECK:   scf.for
//       CHECK:     memref.load %[[FIRST]]
//       CHECK:     memref.load %[[SECOND]]
//       CHECK:   scf.for
//       CHECK:     memref.store %{{.*}}, %arg
//   CHECK-NOT:   scf.for
//       CHECK:   memref.dealloc
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @shuffle_pair(%x: memref<?xf32>, %y: memref<?xf32>) kernel {
      %one = arith.constant 1 : i32
      %width = arith.constant 32 : i32
      %lane = gpu.thread_id x
      %u = memref.load %x[%lane] : memref<?xf32>
      %v = memref.load %y[%lane] : memref<?xf32>
      %su, %vu = gpu.shuffle xor %u, %one, %width : f32
      %sv, %vv = gpu.shuffle xor %v, %one, %width : f32
      %a = arith.addf %u, %su : f32
      %b = arith.addf %v, %sv : f32
      memref.store %a, %x[%lane] : memref<?xf32>
      memref.store %b, %y[%lane] : memref<?xf32>
      gpu.return
    }
  }
}

// -----

// A branch that depends on the thread around shuffles (a warp-per-element
// kernel's guard, thread y being the warp) runs for every thread, each run
// of its barrier-free ops under its condition: the lanes of a warp agree on
// it, as the shuffle requires, so a shuffle reads only lanes that ran.
// CHECK-LABEL: func.func private @kernels_warp_guard
//       CHECK:   scf.for
//       CHECK:     %[[IN:.*]] = arith.cmpi ult
//       CHECK:     scf.if %[[IN]] {
//       CHECK:       memref.load
//       CHECK:       memref.store
//       CHECK:   scf.for
//       CHECK:     %[[IN2:.*]] = arith.cmpi ult
//       CHECK:     scf.if %[[IN2]] {
//       CHECK:       memref.load
//       CHECK:       memref.store
//       CHECK:   scf.for
//       CHECK:     %[[IN3:.*]] = arith.cmpi ult
//       CHECK:     scf.if %[[IN3]] {
//       CHECK:       arith.cmpi eq
//       CHECK:       scf.if
//       CHECK:         memref.store
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @warp_guard(%x: memref<?xf32>, %out: memref<?xf32>) kernel {
      %c0 = arith.constant 0 : index
      %c3 = arith.constant 3 : index
      %one = arith.constant 1 : i32
      %width = arith.constant 32 : i32
      %warp = gpu.thread_id y
      %lane = gpu.thread_id x
      %in = arith.cmpi ult, %warp, %c3 : index
      scf.if %in {
        %v = memref.load %x[%lane] : memref<?xf32>
        %other, %valid = gpu.shuffle xor %v, %one, %width : f32
        %sum = arith.addf %v, %other : f32
        %leader = arith.cmpi eq, %lane, %c0 : index
        scf.if %leader {
          memref.store %sum, %out[%warp] : memref<?xf32>
        }
      }
      gpu.return
    }
  }
}

// -----

// A block's barrier under a branch that depends on the thread is not CUDA.
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @barrier_in_warp_branch(%x: memref<?xf32>) kernel {
      %c3 = arith.constant 3 : index
      %one = arith.constant 1 : i32
      %width = arith.constant 32 : i32
      %warp = gpu.thread_id y
      %in = arith.cmpi ult, %warp, %c3 : index
      scf.if %in {
        %v = memref.load %x[%warp] : memref<?xf32>
        %other, %valid = gpu.shuffle xor %v, %one, %width : f32
        // expected-error @below {{is under control flow that depends on the thread}}
        gpu.barrier
        memref.store %other, %x[%warp] : memref<?xf32>
      }
      gpu.return
    }
  }
}

// -----

// A warp branch nests in another only without an else region (merged
// kernels' branches under a launch guard have none).
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @nested_warp_branches(%x: memref<?xf32>) kernel {
      %c1 = arith.constant 1 : index
      %c3 = arith.constant 3 : index
      %one = arith.constant 1 : i32
      %width = arith.constant 32 : i32
      %zero = arith.constant 0.0 : f32
      %warp = gpu.thread_id y
      %in = arith.cmpi ult, %warp, %c3 : index
      scf.if %in {
        %odd = arith.cmpi eq, %warp, %c1 : index
        // expected-error @below {{nests a branch that depends on the thread inside another, around a shuffle, with results or an else region}}
        scf.if %odd {
          %v = memref.load %x[%warp] : memref<?xf32>
          %other, %valid = gpu.shuffle xor %v, %one, %width : f32
          memref.store %other, %x[%warp] : memref<?xf32>
        } else {
          memref.store %zero, %x[%warp] : memref<?xf32>
        }
      }
      gpu.return
    }
  }
}

// -----

// A nested warp branch's condition is arithmetic on the thread, computed
// for every thread before the branch's ops: one read from memory is not
// emulated.
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @nested_branch_on_memory(%x: memref<?xf32>, %flags: memref<?xi1>) kernel {
      %c3 = arith.constant 3 : index
      %one = arith.constant 1 : i32
      %width = arith.constant 32 : i32
      %warp = gpu.thread_id y
      %in = arith.cmpi ult, %warp, %c3 : index
      scf.if %in {
        %flag = memref.load %flags[%warp] : memref<?xi1>
        // expected-error @below {{nests a branch that depends on the thread inside another, on a condition read from memory}}
        scf.if %flag {
          %v = memref.load %x[%warp] : memref<?xf32>
          %other, %valid = gpu.shuffle xor %v, %one, %width : f32
          memref.store %other, %x[%warp] : memref<?xf32>
        }
      }
      gpu.return
    }
  }
}

// -----

// Subgroup reductions are lowered to shuffles first.
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @unlowered_reduction(%x: memref<?xf32>) kernel {
      %c0 = arith.constant 0 : index
      %v = memref.load %x[%c0] : memref<?xf32>
      // expected-error @below {{is emulated as shuffles: run --llama4-gpu-lower-subgroup-reductions first}}
      %sum = gpu.subgroup_reduce add %v uniform : (f32) -> f32
      memref.store %sum, %x[%c0] : memref<?xf32>
      gpu.return
    }
  }
}
