// RUN: llama4-opt %s --llama4-gpu-host-metadata-to-stack | FileCheck %s

// The arrays a lowered bufferization.dealloc fills with pointers and
// ownership flags for its helper live on the host stack, at the function's
// entry, and are not freed; a buffer a kernel (scf.parallel) writes stays a
// device allocation.
// CHECK-LABEL: func.func @bookkeeping_on_the_stack
//       CHECK:   %[[FLAGS:.*]] = memref.alloca() : memref<2xi1>
//       CHECK:   %[[POINTERS:.*]] = memref.alloca() : memref<2xindex>
//       CHECK:   %[[DATA:.*]] = memref.alloc(%{{.*}}) : memref<?xf32>
//       CHECK:   scf.for
//   CHECK-NOT:     memref.alloc()
//       CHECK:     memref.store %{{.*}}, %[[POINTERS]]
//       CHECK:     memref.store %{{.*}}, %[[FLAGS]]
//       CHECK:     call @dealloc_helper
//   CHECK-NOT:     memref.dealloc %[[POINTERS]]
//       CHECK:   memref.dealloc %[[DATA]]
func.func @bookkeeping_on_the_stack(%n: index, %steps: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %true = arith.constant true
  %data = memref.alloc(%n) : memref<?xf32>
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    memref.store %zero, %data[%i] : memref<?xf32>
    scf.reduce
  }
  scf.for %step = %c0 to %steps step %c1 {
    %pointers = memref.alloc() : memref<2xindex>
    %flags = memref.alloc() : memref<2xi1>
    %p = memref.extract_aligned_pointer_as_index %data : memref<?xf32> -> index
    memref.store %p, %pointers[%c0] : memref<2xindex>
    memref.store %true, %flags[%c0] : memref<2xi1>
    %pc = memref.cast %pointers : memref<2xindex> to memref<?xindex>
    %fc = memref.cast %flags : memref<2xi1> to memref<?xi1>
    func.call @dealloc_helper(%pc, %fc) : (memref<?xindex>, memref<?xi1>) -> ()
    memref.dealloc %pointers : memref<2xindex>
  }
  memref.dealloc %data : memref<?xf32>
  return
}
func.func private @dealloc_helper(%pointers: memref<?xindex>, %flags: memref<?xi1>) {
  return
}
