// RUN: llama4-opt %s --split-input-file --llama4-gpu-sink-scatter-loops | FileCheck %s

// The KV-cache update: for each (row, token), the slot comes from the
// token's position (device memory) and the token's [heads, dim] slice is
// copied into it. The token loops move inside the copy loop, so that each
// element's thread writes the slots in token order and the host reads
// nothing.
// CHECK-LABEL: func.func @cache_update
//  CHECK-SAME:   %[[UPDATE:[a-z0-9]+]]: memref<?x?x2x24xf32>, %[[POS:[a-z0-9]+]]: memref<?x?xi32>, %[[CACHE:[a-z0-9]+]]: memref<?x2x8x24xf32>
//       CHECK:   scf.parallel (%[[H:.*]], %[[D:.*]]) = (%c0, %c0) to (%c2, %c24)
//       CHECK:     scf.for %[[B:.*]] = %c0 to %{{.*}}
//       CHECK:       scf.for %[[S:.*]] = %c0 to %{{.*}}
//       CHECK:         %[[P:.*]] = memref.load %[[POS]][%[[B]], %[[S]]]
//       CHECK:         %[[SLOT:.*]] = arith.remui
//       CHECK:         %[[SRC:.*]] = memref.subview %[[UPDATE]][%[[B]], %[[S]], 0, 0]
//       CHECK:         %[[DST:.*]] = memref.subview %[[CACHE]][%[[B]], 0, %[[SLOT]], 0]
//       CHECK:         %[[V:.*]] = memref.load %[[SRC]][%[[H]], %[[D]]]
//       CHECK:         memref.store %[[V]], %[[DST]][%[[H]], %[[D]]]
// The copy's lowering config describes the sunk loop.
//       CHECK:   } {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [64]>}
//   CHECK-NOT:   scf.parallel
func.func @cache_update(%update: memref<?x?x2x24xf32>, %positions: memref<?x?xi32>, %cache: memref<?x2x8x24xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c8 = arith.constant 8 : index
  %c24 = arith.constant 24 : index
  %rows = memref.dim %update, %c0 : memref<?x?x2x24xf32>
  %tokens = memref.dim %update, %c1 : memref<?x?x2x24xf32>
  scf.for %b = %c0 to %rows step %c1 {
    scf.for %s = %c0 to %tokens step %c1 {
      %p = memref.load %positions[%b, %s] : memref<?x?xi32>
      %pi = arith.index_cast %p : i32 to index
      %slot = arith.remui %pi, %c8 : index
      %src = memref.subview %update[%b, %s, 0, 0] [1, 1, 2, 24] [1, 1, 1, 1] : memref<?x?x2x24xf32> to memref<2x24xf32, strided<[24, 1], offset: ?>>
      %dst = memref.subview %cache[%b, 0, %slot, 0] [1, 2, 1, 24] [1, 1, 1, 1] : memref<?x2x8x24xf32> to memref<2x24xf32, strided<[192, 1], offset: ?>>
      scf.parallel (%h, %d) = (%c0, %c0) to (%c2, %c24) step (%c1, %c1) {
        %v = memref.load %src[%h, %d] : memref<2x24xf32, strided<[24, 1], offset: ?>>
        memref.store %v, %dst[%h, %d] : memref<2x24xf32, strided<[192, 1], offset: ?>>
        scf.reduce
      } {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [64]>}
    }
  }
  return
}

// -----

// A loop whose parallel body is not a plain copy (it accumulates) is left
// alone: moving the loops around it could reorder writes to one element.
// CHECK-LABEL: func.func @not_a_copy
//       CHECK:   scf.for
//       CHECK:     memref.load
//       CHECK:     scf.parallel
func.func @not_a_copy(%positions: memref<?xi32>, %acc: memref<4xf32>, %src: memref<?x4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %n = memref.dim %positions, %c0 : memref<?xi32>
  scf.for %s = %c0 to %n step %c1 {
    %p = memref.load %positions[%s] : memref<?xi32>
    %row = arith.index_cast %p : i32 to index
    scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
      %v = memref.load %src[%row, %i] : memref<?x4xf32>
      %a = memref.load %acc[%i] : memref<4xf32>
      %sum = arith.addf %a, %v : f32
      memref.store %sum, %acc[%i] : memref<4xf32>
      scf.reduce
    }
  }
  return
}
