// RUN: llama4-opt %s --split-input-file --llama4-gpu-combine-in-last-split | FileCheck %s

// Flash-decoding's shape: a warp per (split, row, head) in blocks of one
// warp stores its state at its own (split, row, head); a thread per (row,
// head, dim) adds the 4 splits' states. The combine runs in the splits'
// kernel: after its stores, each warp's lane 0 takes a ticket from its
// (row, head)'s counter between two barriers (the add between fences, as
// NVPTX emits it relaxed), and the warp whose shuffled ticket is the last
// (3) runs the combine's threads of its group, its lanes taking every
// 32nd of the 64 dims. The counters are zeroed before, by a loop of the
// combine's config, and freed after.
// CHECK-LABEL: func.func @combine_joins_its_splits
//  CHECK-SAME:   %[[ROWS:[a-z0-9]+]]: index
//       CHECK:   %[[STATE:.*]] = memref.alloc(%[[ROWS]]) : memref<4x?x8x64xf32>
//       CHECK:   %[[OUT:.*]] = memref.alloc(%[[ROWS]]) : memref<?x8x64xf32>
//       CHECK:   %[[COUNTERS:.*]] = memref.alloc(%[[GROUPS:.*]]) : memref<?xi32>
//       CHECK:   scf.parallel (%[[G:.*]]) = (%{{.*}}) to (%[[GROUPS]])
//       CHECK:     memref.store %{{.*}}, %[[COUNTERS]][%[[G]]] : memref<?xi32>
//       CHECK:   } {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [256]>}
//       CHECK:   %[[LAST:.*]] = arith.index_cast %{{.*}} : index to i32
//       CHECK:   scf.parallel (%[[S:.*]], %[[B:.*]], %[[H:.*]]) =
//       CHECK:     memref.subview %[[STATE]][%[[S]], %[[B]], %[[H]], 0]
//       CHECK:     %[[GROUP:.*]] = affine.linearize_index disjoint [%[[B]], %[[H]]] by (%[[ROWS]], 8)
//       CHECK:     %[[LANE:.*]] = gpu.lane_id
//       CHECK:     gpu.barrier
//       CHECK:     %[[FIRST:.*]] = arith.cmpi eq, %[[LANE]], %{{.*}} : index
//       CHECK:     %[[TAKEN:.*]] = scf.if %[[FIRST]] -> (i32) {
//       CHECK:       llvm.fence syncscope("device") acq_rel
//       CHECK:       %[[T:.*]] = memref.atomic_rmw addi %{{.*}}, %[[COUNTERS]][%[[GROUP]]]
//       CHECK:       llvm.fence syncscope("device") acq_rel
//       CHECK:       scf.yield %[[T]]
//       CHECK:     gpu.barrier
//       CHECK:     %[[TICKET:.*]], %{{.*}} = gpu.shuffle idx %[[TAKEN]]
//       CHECK:     %[[IS_LAST:.*]] = arith.cmpi eq, %[[TICKET]], %[[LAST]] : i32
//       CHECK:     scf.if %[[IS_LAST]] {
//       CHECK:       scf.for %[[D:.*]] = %[[LANE]] to %{{.*}} step %{{.*}} {
//       CHECK:         scf.for %[[P:[a-z0-9]+]] =
//       CHECK:           memref.load %[[STATE]][%[[P]], %[[B]], %[[H]], %[[D]]]
//       CHECK:         memref.store %{{.*}}, %[[OUT]][%[[B]], %[[H]], %[[D]]]
//       CHECK:     } {llama4.taken_share = 2.500000e-01 : f64}
//       CHECK:   } {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_warp_per_element, workgroup_size = [32]>}
//       CHECK:   memref.dealloc %[[COUNTERS]]
//   CHECK-NOT:   scf.parallel
//       CHECK:   return %[[OUT]]
#warp = #llama4.lowering_config<pipeline = gpu_warp_per_element, workgroup_size = [32]>
#thread = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [256]>
func.func @combine_joins_its_splits(%rows: index) -> memref<?x8x64xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %c64 = arith.constant 64 : index
  %zero = arith.constant 0.0 : f32
  %state = memref.alloc(%rows) : memref<4x?x8x64xf32>
  scf.parallel (%s, %b, %h) = (%c0, %c0, %c0) to (%c4, %rows, %c8) step (%c1, %c1, %c1) {
    %mine = memref.subview %state[%s, %b, %h, 0] [1, 1, 1, 64] [1, 1, 1, 1] : memref<4x?x8x64xf32> to memref<64xf32, strided<[1], offset: ?>>
    %lane = gpu.lane_id
    %v = arith.index_cast %lane : index to i32
    %f = arith.sitofp %v : i32 to f32
    memref.store %f, %mine[%lane] : memref<64xf32, strided<[1], offset: ?>>
    scf.reduce
  } {llama4.lowering_config = #warp}
  %out = memref.alloc(%rows) : memref<?x8x64xf32>
  %rows2 = memref.dim %out, %c0 : memref<?x8x64xf32>
  scf.parallel (%b, %h, %d) = (%c0, %c0, %c0) to (%rows2, %c8, %c64) step (%c1, %c1, %c1) {
    %sum = scf.for %p = %c0 to %c4 step %c1 iter_args(%acc = %zero) -> (f32) {
      %x = memref.load %state[%p, %b, %h, %d] : memref<4x?x8x64xf32>
      %next = arith.addf %acc, %x : f32
      scf.yield %next : f32
    }
    memref.store %sum, %out[%b, %h, %d] : memref<?x8x64xf32>
    scf.reduce
  } {llama4.lowering_config = #thread}
  return %out : memref<?x8x64xf32>
}

// -----

// The greedy token's shape: a warp per (row, span) stores its span's best
// at (row, 0, span); a warp per row ranks the spans'. The split is the
// inner loop index, the combine a warp's (its body runs as it is, in the
// warp holding the row's last of 4 tickets), and the counters are zeroed
// by a loop of the kernel before's config (a warp's, merged beside it
// later).
// CHECK-LABEL: func.func @warp_combine_of_inner_splits
//       CHECK:   %[[COUNTERS:.*]] = memref.alloc(%{{.*}}) : memref<?xi32>
//       CHECK:   scf.parallel (%{{.*}}) =
//       CHECK:     memref.store %{{.*}}, %[[COUNTERS]]
//       CHECK:   } {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_warp_per_element, workgroup_size = [256]>}
//       CHECK:   scf.parallel (%[[B:.*]], %[[SPAN:.*]]) =
//       CHECK:     %[[GROUP:.*]] = affine.linearize_index disjoint [%[[B]]] by (%{{.*}})
//       CHECK:     memref.atomic_rmw addi %{{.*}}, %[[COUNTERS]][%[[GROUP]]]
//       CHECK:     scf.if %{{.*}} {
//   CHECK-NOT:       scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c32
//       CHECK:       memref.subview %{{.*}}[%[[B]], 0, 0] [1, 1, 4]
//       CHECK:       gpu.subgroup_reduce maxnumf
//       CHECK:     } {llama4.taken_share = 2.500000e-01 : f64}
//   CHECK-NOT:   scf.parallel
//       CHECK:   return
#warp = #llama4.lowering_config<pipeline = gpu_warp_per_element, workgroup_size = [32]>
#warps = #llama4.lowering_config<pipeline = gpu_warp_per_element, workgroup_size = [256]>
func.func @warp_combine_of_inner_splits(%logits: memref<?x128xf32>) -> memref<?xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %c32 = arith.constant 32 : index
  %c128 = arith.constant 128 : index
  %rows = memref.dim %logits, %c0 : memref<?x128xf32>
  %scaled = memref.alloc(%rows) : memref<?x128xf32>
  scf.parallel (%b, %n) = (%c0, %c0) to (%rows, %c128) step (%c1, %c1) {
    %x = memref.load %logits[%b, %n] : memref<?x128xf32>
    memref.store %x, %scaled[%b, %n] : memref<?x128xf32>
    scf.reduce
  } {llama4.lowering_config = #warps}
  %best = memref.alloc(%rows) : memref<?x1x4xf32>
  scf.parallel (%b, %span) = (%c0, %c0) to (%rows, %c4) step (%c1, %c1) {
    %mine = memref.subview %best[%b, 0, %span] [1, 1, 1] [1, 1, 1] : memref<?x1x4xf32> to memref<1x1x1xf32, strided<[4, 4, 1], offset: ?>>
    %lane = gpu.lane_id
    %first = arith.muli %span, %c32 : index
    %k = arith.addi %first, %lane : index
    %x = memref.load %scaled[%b, %k] : memref<?x128xf32>
    %max = gpu.subgroup_reduce maxnumf %x uniform : (f32) -> f32
    memref.store %max, %mine[%c0, %c0, %c0] : memref<1x1x1xf32, strided<[4, 4, 1], offset: ?>>
    scf.reduce
  } {llama4.lowering_config = #warp}
  %out = memref.alloc(%rows) : memref<?xf32>
  scf.parallel (%b) = (%c0) to (%rows) step (%c1) {
    %spans = memref.subview %best[%b, 0, 0] [1, 1, 4] [1, 1, 1] : memref<?x1x4xf32> to memref<4xf32, strided<[1], offset: ?>>
    %lane = gpu.lane_id
    %inside = arith.minui %lane, %c3 : index
    %x = memref.load %spans[%inside] : memref<4xf32, strided<[1], offset: ?>>
    %max = gpu.subgroup_reduce maxnumf %x uniform : (f32) -> f32
    memref.store %max, %out[%b] : memref<?xf32>
    scf.reduce
  } {llama4.lowering_config = #warp}
  return %out : memref<?xf32>
}

// -----

// Kept apart: a combine reading another group's state (its head index
// moved), a combine writing a buffer the splits read, splits in blocks of
// more than one warp (whose barrier would wait on warps of other groups),
// and a combine reading the state through a view taken outside it, whose
// indices the pass does not follow.
// CHECK-LABEL: func.func @combines_that_cannot_join
//   CHECK-NOT:   memref.atomic_rmw
//       CHECK:   return
#warp = #llama4.lowering_config<pipeline = gpu_warp_per_element, workgroup_size = [32]>
#warps = #llama4.lowering_config<pipeline = gpu_warp_per_element, workgroup_size = [256]>
#thread = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [256]>
func.func @combines_that_cannot_join(%q: memref<8xf32>) -> (memref<8x64xf32>, memref<8x64xf32>, memref<8x64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c7 = arith.constant 7 : index
  %c8 = arith.constant 8 : index
  %c64 = arith.constant 64 : index
  %zero = arith.constant 0.0 : f32
  %state = memref.alloc() : memref<4x8x64xf32>
  scf.parallel (%s, %h) = (%c0, %c0) to (%c4, %c8) step (%c1, %c1) {
    %mine = memref.subview %state[%s, %h, 0] [1, 1, 64] [1, 1, 1] : memref<4x8x64xf32> to memref<64xf32, strided<[1], offset: ?>>
    %lane = gpu.lane_id
    memref.store %zero, %mine[%lane] : memref<64xf32, strided<[1], offset: ?>>
    scf.reduce
  } {llama4.lowering_config = #warp}
  %shifted = memref.alloc() : memref<8x64xf32>
  scf.parallel (%h, %d) = (%c0, %c0) to (%c8, %c64) step (%c1, %c1) {
    %other = arith.subi %c7, %h : index
    %x = memref.load %state[%c0, %other, %d] : memref<4x8x64xf32>
    memref.store %x, %shifted[%h, %d] : memref<8x64xf32>
    scf.reduce
  } {llama4.lowering_config = #thread}
  %state2 = memref.alloc() : memref<4x8x64xf32>
  scf.parallel (%s, %h) = (%c0, %c0) to (%c4, %c8) step (%c1, %c1) {
    %mine = memref.subview %state2[%s, %h, 0] [1, 1, 64] [1, 1, 1] : memref<4x8x64xf32> to memref<64xf32, strided<[1], offset: ?>>
    %lane = gpu.lane_id
    %qh = memref.load %q[%h] : memref<8xf32>
    memref.store %qh, %mine[%lane] : memref<64xf32, strided<[1], offset: ?>>
    scf.reduce
  } {llama4.lowering_config = #warp}
  scf.parallel (%h, %d) = (%c0, %c0) to (%c8, %c64) step (%c1, %c1) {
    %x = memref.load %state2[%c0, %h, %d] : memref<4x8x64xf32>
    memref.store %x, %q[%h] : memref<8xf32>
    scf.reduce
  } {llama4.lowering_config = #thread}
  %state3 = memref.alloc() : memref<4x8x64xf32>
  scf.parallel (%s, %h) = (%c0, %c0) to (%c4, %c8) step (%c1, %c1) {
    %mine = memref.subview %state3[%s, %h, 0] [1, 1, 64] [1, 1, 1] : memref<4x8x64xf32> to memref<64xf32, strided<[1], offset: ?>>
    %lane = gpu.lane_id
    memref.store %zero, %mine[%lane] : memref<64xf32, strided<[1], offset: ?>>
    scf.reduce
  } {llama4.lowering_config = #warps}
  %summed = memref.alloc() : memref<8x64xf32>
  scf.parallel (%h, %d) = (%c0, %c0) to (%c8, %c64) step (%c1, %c1) {
    %x = memref.load %state3[%c0, %h, %d] : memref<4x8x64xf32>
    memref.store %x, %summed[%h, %d] : memref<8x64xf32>
    scf.reduce
  } {llama4.lowering_config = #thread}
  %state4 = memref.alloc() : memref<4x8x64xf32>
  scf.parallel (%s, %h) = (%c0, %c0) to (%c4, %c8) step (%c1, %c1) {
    %mine = memref.subview %state4[%s, %h, 0] [1, 1, 64] [1, 1, 1] : memref<4x8x64xf32> to memref<64xf32, strided<[1], offset: ?>>
    %lane = gpu.lane_id
    memref.store %zero, %mine[%lane] : memref<64xf32, strided<[1], offset: ?>>
    scf.reduce
  } {llama4.lowering_config = #warp}
  %viewed = memref.alloc() : memref<8x64xf32>
  %all = memref.subview %state4[0, 0, 0] [4, 8, 64] [1, 1, 1] : memref<4x8x64xf32> to memref<4x8x64xf32, strided<[512, 64, 1]>>
  scf.parallel (%h, %d) = (%c0, %c0) to (%c8, %c64) step (%c1, %c1) {
    %x = memref.load %all[%c0, %h, %d] : memref<4x8x64xf32, strided<[512, 64, 1]>>
    memref.store %x, %viewed[%h, %d] : memref<8x64xf32>
    scf.reduce
  } {llama4.lowering_config = #thread}
  return %shifted, %summed, %viewed : memref<8x64xf32>, memref<8x64xf32>, memref<8x64xf32>
}
