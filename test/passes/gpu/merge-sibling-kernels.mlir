// RUN: llama4-opt %s --split-input-file --llama4-gpu-merge-sibling-kernels | FileCheck %s

// Three maps of one input into three buffers, a thread per element (the
// RoPE of q, of k, ...): one loop over the first's 4 x 8 iterations, then
// the second's 4 x 2, then the third's, each body under a branch of its
// range of the merged index, at the indices its own bounds unfold the
// index within that range to. The branches are flat and have no else:
// the host emulation predicates them.
// CHECK-LABEL: func.func @maps_share_a_kernel
//  CHECK-SAME:   %[[X:[a-z0-9]+]]: memref<4x16xf32>
//       CHECK:   %[[Q:.*]] = memref.alloc() : memref<4x8xf32>
//       CHECK:   %[[K:.*]] = memref.alloc() : memref<4x2xf32>
//       CHECK:   %[[QK:.*]] = arith.addi %[[QN:.*]], %{{.*}} : index
//       CHECK:   %[[V:.*]] = memref.alloc() : memref<4x2xf32>
//       CHECK:   %[[ALL:.*]] = arith.addi %[[QKN:.*]], %{{.*}} : index
//       CHECK:   scf.parallel (%[[I:.*]]) = (%{{.*}}) to (%[[ALL]]) step (%{{.*}}) {
//       CHECK:     %[[IN_Q:.*]] = arith.cmpi ult, %[[I]], %[[QN]] : index
//       CHECK:     scf.if %[[IN_Q]] {
//       CHECK:       %[[QI:.*]]:2 = affine.delinearize_index %[[I]] into (4, 8)
//       CHECK:       memref.store %{{.*}}, %[[Q]][%[[QI]]#0, %[[QI]]#1]
//   CHECK-NOT:     else
//       CHECK:     %[[BELOW_QK:.*]] = arith.cmpi ult, %[[I]], %[[QK]] : index
//       CHECK:     %[[FROM_Q:.*]] = arith.cmpi uge, %[[I]], %[[QN]] : index
//       CHECK:     %[[IN_K:.*]] = arith.andi %[[FROM_Q]], %[[BELOW_QK]] : i1
//       CHECK:     scf.if %[[IN_K]] {
//       CHECK:       %[[J:.*]] = arith.subi %[[I]], %[[QN]] : index
//       CHECK:       %[[KI:.*]]:2 = affine.delinearize_index %[[J]] into (4, 2)
//       CHECK:       memref.store %{{.*}}, %[[K]][%[[KI]]#0, %[[KI]]#1]
//       CHECK:     %[[IN_V:.*]] = arith.andi
//       CHECK:     scf.if %[[IN_V]] {
//       CHECK:       %[[VJ:.*]] = arith.subi %[[I]], %[[QKN]] : index
//       CHECK:       %[[VI:.*]]:2 = affine.delinearize_index %[[VJ]] into (4, 2)
//       CHECK:       memref.store %{{.*}}, %[[V]][%[[VI]]#0, %[[VI]]#1]
//       CHECK:   } {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [256]>}
//   CHECK-NOT:   scf.parallel
//       CHECK:   return %[[Q]], %[[K]], %[[V]]
#thread = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [256]>
func.func @maps_share_a_kernel(%x: memref<4x16xf32>) -> (memref<4x8xf32>, memref<4x2xf32>, memref<4x2xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %q = memref.alloc() : memref<4x8xf32>
  scf.parallel (%m, %n) = (%c0, %c0) to (%c4, %c8) step (%c1, %c1) {
    %a = memref.load %x[%m, %n] : memref<4x16xf32>
    memref.store %a, %q[%m, %n] : memref<4x8xf32>
    scf.reduce
  } {llama4.lowering_config = #thread}
  %k = memref.alloc() : memref<4x2xf32>
  scf.parallel (%m, %n) = (%c0, %c0) to (%c4, %c2) step (%c1, %c1) {
    %a = memref.load %x[%m, %n] : memref<4x16xf32>
    %b = arith.negf %a : f32
    memref.store %b, %k[%m, %n] : memref<4x2xf32>
    scf.reduce
  } {llama4.lowering_config = #thread}
  %v = memref.alloc() : memref<4x2xf32>
  scf.parallel (%m, %n) = (%c0, %c0) to (%c4, %c2) step (%c1, %c1) {
    %a = memref.load %x[%m, %n] : memref<4x16xf32>
    %b = arith.addf %a, %a : f32
    memref.store %b, %v[%m, %n] : memref<4x2xf32>
    scf.reduce
  } {llama4.lowering_config = #thread}
  return %q, %k, %v : memref<4x8xf32>, memref<4x2xf32>, memref<4x2xf32>
}

// -----

// Kept apart: a loop reading what the one before wrote (through a view),
// loops of two configs, and loops with a host copy between them. A warp's
// loops whose lanes exchange sums merge like any (the last two).
// CHECK-LABEL: func.func @dependent_or_different_kernels_stay_apart
// CHECK-COUNT-5: scf.parallel (%{{.*}}, %{{.*}}) =
//       CHECK:   scf.parallel (%{{.*}}) =
//       CHECK:     gpu.subgroup_reduce
//       CHECK:     gpu.subgroup_reduce
//       CHECK:   return
#warp = #llama4.lowering_config<pipeline = gpu_warp_per_element, workgroup_size = [256]>
#thread = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [256]>
func.func @dependent_or_different_kernels_stay_apart(%x: memref<4x8xf32>, %y: memref<4x8xf32>) -> (memref<4x8xf32>, memref<4x8xf32>, memref<4x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %a = memref.alloc() : memref<4x8xf32>
  scf.parallel (%m, %n) = (%c0, %c0) to (%c4, %c8) step (%c1, %c1) {
    %e = memref.load %x[%m, %n] : memref<4x8xf32>
    memref.store %e, %a[%m, %n] : memref<4x8xf32>
    scf.reduce
  } {llama4.lowering_config = #warp}
  %view = memref.subview %a[0, 0] [4, 8] [1, 1] : memref<4x8xf32> to memref<4x8xf32, strided<[8, 1]>>
  %b = memref.alloc() : memref<4x8xf32>
  scf.parallel (%m, %n) = (%c0, %c0) to (%c4, %c8) step (%c1, %c1) {
    %e = memref.load %view[%m, %n] : memref<4x8xf32, strided<[8, 1]>>
    memref.store %e, %b[%m, %n] : memref<4x8xf32>
    scf.reduce
  } {llama4.lowering_config = #warp}
  %c = memref.alloc() : memref<4x8xf32>
  scf.parallel (%m, %n) = (%c0, %c0) to (%c4, %c8) step (%c1, %c1) {
    %e = memref.load %x[%m, %n] : memref<4x8xf32>
    memref.store %e, %c[%m, %n] : memref<4x8xf32>
    scf.reduce
  } {llama4.lowering_config = #thread}
  memref.copy %x, %y : memref<4x8xf32> to memref<4x8xf32>
  scf.parallel (%m, %n) = (%c0, %c0) to (%c4, %c8) step (%c1, %c1) {
    %e = memref.load %x[%m, %n] : memref<4x8xf32>
    memref.store %e, %a[%m, %n] : memref<4x8xf32>
    scf.reduce
  } {llama4.lowering_config = #thread}
  scf.parallel (%m, %n) = (%c0, %c0) to (%c4, %c8) step (%c1, %c1) {
    %e = memref.load %a[%m, %n] : memref<4x8xf32>
    memref.store %e, %b[%m, %n] : memref<4x8xf32>
    scf.reduce
  } {llama4.lowering_config = #thread}
  %d = memref.alloc() : memref<4x8xf32>
  scf.parallel (%m, %n) = (%c0, %c0) to (%c4, %c8) step (%c1, %c1) {
    %e = memref.load %x[%m, %n] : memref<4x8xf32>
    %s = gpu.subgroup_reduce add %e uniform : (f32) -> f32
    memref.store %s, %d[%m, %n] : memref<4x8xf32>
    scf.reduce
  } {llama4.lowering_config = #warp}
  %f = memref.alloc() : memref<4x8xf32>
  scf.parallel (%m, %n) = (%c0, %c0) to (%c4, %c8) step (%c1, %c1) {
    %e = memref.load %x[%m, %n] : memref<4x8xf32>
    %s = gpu.subgroup_reduce add %e uniform : (f32) -> f32
    memref.store %s, %f[%m, %n] : memref<4x8xf32>
    scf.reduce
  } {llama4.lowering_config = #warp}
  return %a, %b, %c : memref<4x8xf32>, memref<4x8xf32>, memref<4x8xf32>
}

// -----

// A kernel moves up past kernels it is independent of, with the host ops
// it needs (its output's allocation), to run beside a kernel of its
// config (the router's and the shared expert's projections, with the
// routed experts' kernels between them). One that reads what a kernel
// between writes stays where it is.
// CHECK-LABEL: func.func @kernel_moves_up_to_its_sibling
//  CHECK-SAME:   %[[X:[a-z0-9]+]]: memref<4x8xf32>
//       CHECK:   %[[ROUTER:.*]] = memref.alloc() : memref<4x8xf32>
//       CHECK:   %[[SHARED:.*]] = memref.alloc() : memref<4x8xf32>
//       CHECK:   scf.parallel (%{{.*}}) =
//       CHECK:     memref.store %{{.*}}, %[[ROUTER]]
//       CHECK:     memref.store %{{.*}}, %[[SHARED]]
//       CHECK:   } {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_warp_per_element, workgroup_size = [256]>}
//       CHECK:   %[[ROUTED:.*]] = memref.alloc() : memref<4x8xf32>
//       CHECK:   scf.parallel (%{{.*}}, %{{.*}}) =
//       CHECK:     memref.store %{{.*}}, %[[ROUTED]]
//       CHECK:   } {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [256]>}
//       CHECK:   %[[LATE:.*]] = memref.alloc() : memref<4x8xf32>
//       CHECK:   scf.parallel (%{{.*}}, %{{.*}}) =
//       CHECK:     memref.load %[[ROUTED]]
//       CHECK:     memref.store %{{.*}}, %[[LATE]]
//       CHECK:   } {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_warp_per_element, workgroup_size = [256]>}
//       CHECK:   return
#warp = #llama4.lowering_config<pipeline = gpu_warp_per_element, workgroup_size = [256]>
#thread = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [256]>
func.func @kernel_moves_up_to_its_sibling(%x: memref<4x8xf32>) -> (memref<4x8xf32>, memref<4x8xf32>, memref<4x8xf32>, memref<4x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %router = memref.alloc() : memref<4x8xf32>
  scf.parallel (%m, %n) = (%c0, %c0) to (%c4, %c8) step (%c1, %c1) {
    %e = memref.load %x[%m, %n] : memref<4x8xf32>
    memref.store %e, %router[%m, %n] : memref<4x8xf32>
    scf.reduce
  } {llama4.lowering_config = #warp}
  %routed = memref.alloc() : memref<4x8xf32>
  scf.parallel (%m, %n) = (%c0, %c0) to (%c4, %c8) step (%c1, %c1) {
    %e = memref.load %router[%m, %n] : memref<4x8xf32>
    memref.store %e, %routed[%m, %n] : memref<4x8xf32>
    scf.reduce
  } {llama4.lowering_config = #thread}
  %shared = memref.alloc() : memref<4x8xf32>
  scf.parallel (%m, %n) = (%c0, %c0) to (%c4, %c8) step (%c1, %c1) {
    %e = memref.load %x[%m, %n] : memref<4x8xf32>
    %s = arith.negf %e : f32
    memref.store %s, %shared[%m, %n] : memref<4x8xf32>
    scf.reduce
  } {llama4.lowering_config = #warp}
  %late = memref.alloc() : memref<4x8xf32>
  scf.parallel (%m, %n) = (%c0, %c0) to (%c4, %c8) step (%c1, %c1) {
    %e = memref.load %routed[%m, %n] : memref<4x8xf32>
    memref.store %e, %late[%m, %n] : memref<4x8xf32>
    scf.reduce
  } {llama4.lowering_config = #warp}
  return %router, %routed, %shared, %late : memref<4x8xf32>, memref<4x8xf32>, memref<4x8xf32>, memref<4x8xf32>
}
