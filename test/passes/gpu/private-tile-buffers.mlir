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
