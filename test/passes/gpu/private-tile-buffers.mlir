// RUN: llama4-opt %s --split-input-file --verify-diagnostics --llama4-gpu-private-tile-buffers | FileCheck %s

// A fused tile's accumulator, allocated inside the tile loop, is
// thread-private; allocations outside tiles stay device memory.
// CHECK-LABEL: func.func @accumulator_in_the_thread
//       CHECK:   memref.alloc(%{{.*}}) : memref<?x32xbf16>
//       CHECK:   scf.forall
//       CHECK:     %[[ACC:.*]] = memref.alloca() {alignment = 64 : i64} : memref<1x1xf32>
//       CHECK:     linalg.fill ins(%{{.*}} : f32) outs(%[[ACC]] : memref<1x1xf32>)
//   CHECK-NOT:   memref.alloc()
func.func @accumulator_in_the_thread(%rows: index) -> memref<?x32xbf16> {
  %zero = arith.constant 0.0 : f32
  %out = memref.alloc(%rows) : memref<?x32xbf16>
  scf.forall (%m, %n) in (%rows, 32) {
    %acc = memref.alloc() {alignment = 64 : i64} : memref<1x1xf32>
    linalg.fill ins(%zero : f32) outs(%acc : memref<1x1xf32>)
  }
  return %out : memref<?x32xbf16>
}

// -----

func.func @dynamic_tile(%rows: index, %k: index) {
  %zero = arith.constant 0.0 : f32
  scf.forall (%m) in (%rows) {
    // expected-error @+1 {{allocates device memory of a dynamic size inside a kernel's tile}}
    %row = memref.alloc(%k) : memref<?xf32>
    linalg.fill ins(%zero : f32) outs(%row : memref<?xf32>)
  }
  return
}

// -----

// A block of scores allocated in a loop of the tile is the same private
// memory every iteration: its alloca moves to the start of the tile.
// CHECK-LABEL: func.func @block_in_a_loop
//       CHECK:   scf.forall
//  CHECK-NEXT:     %[[SCORES:.*]] = memref.alloca() : memref<1x128xf32>
//  CHECK-NEXT:     scf.for
//  CHECK-NEXT:       linalg.fill ins(%{{.*}} : f32) outs(%[[SCORES]] : memref<1x128xf32>)
func.func @block_in_a_loop(%rows: index, %keys: index) {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %c128 = arith.constant 128 : index
  scf.forall (%m) in (%rows) {
    scf.for %k = %c0 to %keys step %c128 {
      %scores = memref.alloc() : memref<1x128xf32>
      linalg.fill ins(%zero : f32) outs(%scores : memref<1x128xf32>)
    }
  }
  return
}

// -----

func.func @carried_across_iterations(%rows: index, %keys: index,
                                     %init: memref<1xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.forall (%m) in (%rows) {
    %last = scf.for %k = %c0 to %keys step %c1
        iter_args(%state = %init) -> (memref<1xf32>) {
      // expected-error @+1 {{is carried across the iterations of a loop inside a kernel's tile, where it cannot be private}}
      %next = memref.alloc() : memref<1xf32>
      memref.copy %state, %next : memref<1xf32> to memref<1xf32>
      scf.yield %next : memref<1xf32>
    }
  }
  return
}
