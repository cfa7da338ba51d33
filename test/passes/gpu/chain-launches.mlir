// RUN: llama4-opt %s --split-input-file --llama4-gpu-chain-launches | FileCheck %s

// A decode step's norm (a warp a row, blocks of 32 x 8) then a map (a
// thread an element, blocks of 256), with host arithmetic and an
// allocation between: one launch of both kernels' blocks, the first's
// shape, a ticket slot in shared memory. Thread 0 takes the block's
// ticket from a zeroed global pair of counters; a block of the second
// phase (ticket >= the first's 4 blocks) waits, thread 0 polling, until
// as many blocks have finished, then runs the map as its block ticket -
// 4, its thread ids unfolded over 256. Every block then counts itself
// finished, and the last zeroes both counters.
// CHECK: memref.global "private" @decoder_layer_decode_tickets : memref<2xi32> = dense<0>
// CHECK-LABEL: func.func private @decoder_layer_decode
//       CHECK:   %[[MAP_OUT:.*]] = memref.alloc() : memref<1024xf32>
//       CHECK:   %[[NORM_END:.*]] = arith.addi %{{.*}}, %{{.*}} : index
//       CHECK:   %[[ALL:.*]] = arith.addi %[[NORM_END]], %{{.*}} : index
//       CHECK:   gpu.launch blocks(%{{[a-z0-9_]+}}, %{{[a-z0-9_]+}}, %{{[a-z0-9_]+}}) in (%{{[a-z0-9_]+}} = %[[ALL]], %{{[a-z0-9_]+}} = %{{[a-z0-9_]+}}, %{{[a-z0-9_]+}} = %{{[a-z0-9_]+}})
//  CHECK-SAME:       threads(%[[TX:[a-z0-9_]+]], %{{[a-z0-9_]+}}, %{{[a-z0-9_]+}}) in (%{{[a-z0-9_]+}} = %c32, %{{[a-z0-9_]+}} = %c8, %{{[a-z0-9_]+}} = %c1)
//  CHECK-SAME:       workgroup(%[[SLOT:[a-z0-9_]+]] : memref<1xi32, #gpu.address_space<workgroup>>)
//       CHECK:     %[[THREAD:.*]] = arith.addi %[[TX]]
//       CHECK:     %[[IS_FIRST:.*]] = arith.cmpi eq, %[[THREAD]], %c0{{[_0-9]*}}
//       CHECK:     %[[TICKETS:.*]] = memref.get_global @decoder_layer_decode_tickets
//       CHECK:     scf.if %[[IS_FIRST]] {
//       CHECK:       %[[TAKEN:.*]] = memref.atomic_rmw addi %{{.*}}, %[[TICKETS]][%c0{{[_0-9]*}}]
//       CHECK:       memref.store %[[TAKEN]], %[[SLOT]][%c0{{[_0-9]*}}]
//       CHECK:     gpu.barrier
//       CHECK:     %[[RAW:.*]] = memref.load %[[SLOT]][%c0{{[_0-9]*}}] {llama4.block_ticket}
//       CHECK:     %[[TICKET:.*]] = arith.index_castui %[[RAW]] : i32 to index
//       CHECK:     %[[LATER:.*]] = arith.cmpi uge, %[[TICKET]], %[[NORM_END]] : index
//       CHECK:     %[[START:.*]] = arith.select %[[LATER]], %[[NORM_END]], %c0{{[_0-9]*}}
//       CHECK:     scf.if %{{.*}} {
//       CHECK:       scf.while : () -> () {
//       CHECK:         %[[DONE:.*]] = memref.atomic_rmw addi %{{.*}}, %[[TICKETS]][%c1{{[_0-9]*}}]
//       CHECK:         %[[EARLY:.*]] = arith.cmpi ult, %[[DONE]]
//       CHECK:         scf.condition(%[[EARLY]])
//       CHECK:       } attributes {llama4.phase_wait}
//       CHECK:       llvm.fence syncscope("device") acq_rel
//       CHECK:     gpu.barrier
//       CHECK:     scf.if %{{.*}} {
//       CHECK:       vector.reduction
//       CHECK:     } {llama4.phase = 0 : i64}
//       CHECK:     scf.if %{{.*}} {
//       CHECK:       %[[BLOCK:.*]] = arith.subi %[[TICKET]], %[[NORM_END]]
//       CHECK:       affine.delinearize_index %[[BLOCK]] into (%c1, %c1, %c4)
//       CHECK:       affine.delinearize_index %[[THREAD]] into (%c1, %c1, %c256)
//       CHECK:       memref.store %{{.*}}, %[[MAP_OUT]][%{{.*}}]
//       CHECK:     } {llama4.phase = 1 : i64}
//       CHECK:     gpu.barrier
//       CHECK:     scf.if %[[IS_FIRST]] {
//       CHECK:       llvm.fence syncscope("device") acq_rel
//       CHECK:       %[[FINISHED:.*]] = memref.atomic_rmw addi %{{.*}}, %[[TICKETS]][%c1{{[_0-9]*}}]
//       CHECK:       %[[IS_LAST:.*]] = arith.cmpi eq, %[[FINISHED]]
//       CHECK:       scf.if %[[IS_LAST]] {
//       CHECK:         memref.store %{{.*}}, %[[TICKETS]][%c0{{[_0-9]*}}]
//       CHECK:         memref.store %{{.*}}, %[[TICKETS]][%c1{{[_0-9]*}}]
//   CHECK-NOT:   gpu.launch
//       CHECK:   return
// CHECK-LABEL: func.func @decode
module {
  func.func private @decoder_layer_decode(%x: memref<?x64xf32>, %y: memref<?x64xf32>, %v: memref<1024xf32>) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c4 = arith.constant 4 : index
    %c8 = arith.constant 8 : index
    %c32 = arith.constant 32 : index
    %c256 = arith.constant 256 : index
    %rows = memref.dim %x, %c0 : memref<?x64xf32>
    %norm_blocks = arith.ceildivui %rows, %c8 : index
    gpu.launch blocks(%bx, %by, %bz) in (%gx = %norm_blocks, %gy = %c1, %gz = %c1)
        threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c8, %sz = %c1) {
      %row = arith.addi %ty, %bx : index
      %inside = arith.cmpi ult, %row, %rows : index
      scf.if %inside {
        %xs = vector.load %x[%row, %c0] : memref<?x64xf32>, vector<4xf32>
        %sum = vector.reduction <add>, %xs : vector<4xf32> into f32
        memref.store %sum, %y[%row, %tx] : memref<?x64xf32>
      }
      gpu.terminator
    }
    %out = memref.alloc() : memref<1024xf32>
    gpu.launch blocks(%bx, %by, %bz) in (%gx = %c4, %gy = %c1, %gz = %c1)
        threads(%tx, %ty, %tz) in (%sx = %c256, %sy = %c1, %sz = %c1) {
      %base = arith.muli %bx, %c256 : index
      %i = arith.addi %base, %tx : index
      %e = memref.load %v[%i] : memref<1024xf32>
      %twice = arith.addf %e, %e : f32
      memref.store %twice, %out[%i] : memref<1024xf32>
      gpu.terminator
    }
    memref.dealloc %out : memref<1024xf32>
    return
  }
  // The entry's own launches chain too, and its callees'.
  func.func @decode(%x: memref<?x64xf32>, %y: memref<?x64xf32>, %v: memref<1024xf32>) {
    call @decoder_layer_decode(%x, %y, %v) : (memref<?x64xf32>, memref<?x64xf32>, memref<1024xf32>) -> ()
    return
  }
}

// -----

// Launches that stay apart: a prompt's (no call from @decode reaches
// them); in a decode step, blocks of other sizes (a one-warp attention
// block between two of 256), a host op touching memory between two
// launches (a dealloc), and a launch with shared memory of its own.
// CHECK-LABEL: func.func @prefill
// CHECK-COUNT-2: gpu.launch blocks
// CHECK-LABEL: func.func @decode
//   CHECK-NOT:   llama4.block_ticket
// CHECK-COUNT-6: gpu.launch blocks
//   CHECK-NOT:   llama4.block_ticket
module {
  func.func @prefill(%v: memref<256xf32>) {
    %c1 = arith.constant 1 : index
    %c256 = arith.constant 256 : index
    %c1f = arith.constant 1.0 : f32
    gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
        threads(%tx, %ty, %tz) in (%sx = %c256, %sy = %c1, %sz = %c1) {
      memref.store %c1f, %v[%tx] : memref<256xf32>
      gpu.terminator
    }
    gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
        threads(%tx, %ty, %tz) in (%sx = %c256, %sy = %c1, %sz = %c1) {
      memref.store %c1f, %v[%tx] : memref<256xf32>
      gpu.terminator
    }
    return
  }
  func.func @decode(%v: memref<256xf32>) {
    %c1 = arith.constant 1 : index
    %c32 = arith.constant 32 : index
    %c256 = arith.constant 256 : index
    %c1f = arith.constant 1.0 : f32
    gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
        threads(%tx, %ty, %tz) in (%sx = %c256, %sy = %c1, %sz = %c1) {
      memref.store %c1f, %v[%tx] : memref<256xf32>
      gpu.terminator
    }
    gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
        threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1) {
      memref.store %c1f, %v[%tx] : memref<256xf32>
      gpu.terminator
    }
    gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
        threads(%tx, %ty, %tz) in (%sx = %c256, %sy = %c1, %sz = %c1) {
      memref.store %c1f, %v[%tx] : memref<256xf32>
      gpu.terminator
    }
    %scratch = memref.alloc() : memref<4xf32>
    memref.dealloc %scratch : memref<4xf32>
    gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
        threads(%tx, %ty, %tz) in (%sx = %c256, %sy = %c1, %sz = %c1) {
      memref.store %c1f, %v[%tx] : memref<256xf32>
      gpu.terminator
    }
    gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
        threads(%tx, %ty, %tz) in (%sx = %c256, %sy = %c1, %sz = %c1)
        workgroup(%shared : memref<256xf32, #gpu.address_space<workgroup>>) {
      memref.store %c1f, %shared[%tx] : memref<256xf32, #gpu.address_space<workgroup>>
      gpu.terminator
    }
    gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
        threads(%tx, %ty, %tz) in (%sx = %c256, %sy = %c1, %sz = %c1) {
      memref.store %c1f, %v[%tx] : memref<256xf32>
      gpu.terminator
    }
    return
  }
}
