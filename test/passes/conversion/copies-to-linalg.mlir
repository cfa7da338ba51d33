// RUN: llama4-opt %s --split-input-file --llama4-copies-to-linalg | FileCheck %s

// A copy between identity-layout buffers becomes a linalg.copy of the same
// operands.
// CHECK-LABEL: func.func @copy_becomes_linalg_copy
//  CHECK-SAME:   %[[SRC:[a-z0-9]+]]: memref<?x4xf32>, %[[DST:[a-z0-9]+]]: memref<?x4xf32>
//       CHECK:   linalg.copy ins(%[[SRC]] : memref<?x4xf32>) outs(%[[DST]] : memref<?x4xf32>)
//   CHECK-NOT:   memref.copy
func.func @copy_becomes_linalg_copy(%src: memref<?x4xf32>, %dst: memref<?x4xf32>) {
  memref.copy %src, %dst : memref<?x4xf32> to memref<?x4xf32>
  return
}

// -----

// Strided copies (which memref.copy would lower to a `memrefCopy` call into
// MLIR's runner library) become linalg.copy too: a strided source, and a
// subview target with a dynamic offset.
// CHECK-LABEL: func.func @strided_copies_become_linalg_copies
//  CHECK-SAME:   %[[SRC:[a-z0-9]+]]: memref<2x16xbf16, strided<[32, 1], offset: ?>>, %[[DST:[a-z0-9]+]]: memref<?x2x8x16xbf16>, %[[SLOT:[a-z0-9]+]]: index
//       CHECK:   %[[VIEW:.*]] = memref.subview %[[DST]]
//       CHECK:   linalg.copy ins(%[[SRC]] : memref<2x16xbf16, strided<[32, 1], offset: ?>>) outs(%[[VIEW]] : memref<2x16xbf16, strided<[128, 1], offset: ?>>)
//       CHECK:   %[[BUF:.*]] = memref.alloc() : memref<2x16xbf16>
//       CHECK:   linalg.copy ins(%[[VIEW]] : memref<2x16xbf16, strided<[128, 1], offset: ?>>) outs(%[[BUF]] : memref<2x16xbf16>)
//   CHECK-NOT:   memref.copy
func.func @strided_copies_become_linalg_copies(%src: memref<2x16xbf16, strided<[32, 1], offset: ?>>,
    %dst: memref<?x2x8x16xbf16>, %slot: index) -> memref<2x16xbf16> {
  %view = memref.subview %dst[0, 0, %slot, 0] [1, 2, 1, 16] [1, 1, 1, 1]
      : memref<?x2x8x16xbf16> to memref<2x16xbf16, strided<[128, 1], offset: ?>>
  memref.copy %src, %view
      : memref<2x16xbf16, strided<[32, 1], offset: ?>> to memref<2x16xbf16, strided<[128, 1], offset: ?>>
  %buf = memref.alloc() : memref<2x16xbf16>
  memref.copy %view, %buf : memref<2x16xbf16, strided<[128, 1], offset: ?>> to memref<2x16xbf16>
  return %buf : memref<2x16xbf16>
}

// -----

// Other ops are left alone, and a function without copies is unchanged.
// CHECK-LABEL: func.func @leaves_other_ops
//       CHECK:   memref.alloc
//       CHECK:   memref.store
//   CHECK-NOT:   linalg.copy
//       CHECK:   return
func.func @leaves_other_ops(%v: f32) -> memref<4xf32> {
  %c0 = arith.constant 0 : index
  %buf = memref.alloc() : memref<4xf32>
  memref.store %v, %buf[%c0] : memref<4xf32>
  return %buf : memref<4xf32>
}
