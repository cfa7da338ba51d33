// RUN: llama4-opt %s --split-input-file --verify-diagnostics --llama4-gpu-map-loops-to-blocks | FileCheck %s

// A [rows, 64] loop nest becomes one loop over rows * 64 elements (the
// column varying fastest), split into blocks of 128 threads mapped to block
// x and thread x, as the loop's config says; the last block's extra threads
// are guarded off. The sequential reduction inside stays in its thread.
// CHECK-LABEL: func.func @rows_times_columns
//       CHECK:   %[[ROWS:.*]] = memref.dim
//       CHECK:   %[[COUNT:.*]] = arith.muli %{{.*}}, %c64
//       CHECK:   %[[BLOCK:.*]] = arith.muli %{{.*}}, %c128
//       CHECK:   scf.parallel (%[[B:.*]]) = (%{{.*}}) to (%[[COUNT]]) step (%[[BLOCK]])
//       CHECK:     scf.parallel (%[[T:.*]]) = (%{{.*}}) to (%[[BLOCK]])
//       CHECK:       %[[I:.*]] = arith.addi %[[T]], %[[B]]
//       CHECK:       %[[IN:.*]] = arith.cmpi ult, %{{.*}}, %[[COUNT]]
//       CHECK:       %[[GUARD:.*]] = arith.andi %{{.*}}, %[[IN]]
//       CHECK:       scf.if %[[GUARD]]
//       CHECK:         %[[COLUMN:.*]] = arith.remsi %[[I]], %c64
//       CHECK:         %[[ROW:.*]] = arith.divsi %[[I]], %c64
//       CHECK:         scf.for
//       CHECK:         memref.store %{{.*}}, %{{.*}}[%[[ROW]], %[[COLUMN]]]
//       CHECK:     } {mapping = [#gpu.loop_dim_map<processor = thread_x, map = (d0) -> (d0), bound = (d0) -> (d0)>]}
//       CHECK:   } {mapping = [#gpu.loop_dim_map<processor = block_x, map = (d0) -> (d0), bound = (d0) -> (d0)>]}
func.func @rows_times_columns(%x: memref<?x16xf32>, %out: memref<?x64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %c64 = arith.constant 64 : index
  %rows = memref.dim %out, %c0 : memref<?x64xf32>
  scf.parallel (%r, %c) = (%c0, %c0) to (%rows, %c64) step (%c1, %c1) {
    %zero = arith.constant 0.0 : f32
    %sum = scf.for %k = %c0 to %c16 step %c1 iter_args(%acc = %zero) -> f32 {
      %v = memref.load %x[%r, %k] : memref<?x16xf32>
      %a = arith.addf %acc, %v : f32
      scf.yield %a : f32
    }
    memref.store %sum, %out[%r, %c] : memref<?x64xf32>
    scf.reduce
  } {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [128]>}
  return
}

// -----

// A warp per element: 256 threads are 8 warps of 32 lanes, one row of x
// per warp. Thread x is the lane (gpu.lane_id becomes it), thread y the
// warp; a row past the end switches off a whole warp, whose lanes then
// agree on the guard around their shuffles.
// CHECK-LABEL: func.func @warp_per_row
//       CHECK:   %[[ROWS:.*]] = memref.dim
//       CHECK:   %[[TRIPS:.*]] = arith.ceildivui %{{.*}}, %c1
//       CHECK:   %[[BLOCKS:.*]] = arith.ceildivui %[[TRIPS]], %c8
//       CHECK:   scf.parallel (%[[B:.*]]) = (%{{.*}}) to (%[[BLOCKS]])
//       CHECK:     scf.parallel (%[[LANE:.*]], %[[WARP:.*]]) = (%{{.*}}, %{{.*}}) to (%c32{{.*}}, %c8)
//       CHECK:       %[[FIRST:.*]] = arith.muli %[[B]], %c8
//       CHECK:       %[[TRIP:.*]] = arith.addi %[[FIRST]], %[[WARP]]
//       CHECK:       %[[IN:.*]] = arith.cmpi ult, %[[TRIP]], %[[TRIPS]]
//       CHECK:       scf.if %[[IN]]
//       CHECK:         scf.for %{{.*}} = %[[LANE]] to %c16 step %c32
//       CHECK:         gpu.subgroup_reduce add
//       CHECK:     } {mapping = [#gpu.loop_dim_map<processor = thread_x, map = (d0) -> (d0), bound = (d0) -> (d0)>, #gpu.loop_dim_map<processor = thread_y, map = (d0) -> (d0), bound = (d0) -> (d0)>]}
//       CHECK:   } {mapping = [#gpu.loop_dim_map<processor = block_x, map = (d0) -> (d0), bound = (d0) -> (d0)>]}
//   CHECK-NOT:   gpu.lane_id
func.func @warp_per_row(%x: memref<?x16xf32>, %out: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %c32 = arith.constant 32 : index
  %rows = memref.dim %out, %c0 : memref<?xf32>
  scf.parallel (%r) = (%c0) to (%rows) step (%c1) {
    %zero = arith.constant 0.0 : f32
    %lane = gpu.lane_id
    %partial = scf.for %k = %lane to %c16 step %c32 iter_args(%acc = %zero) -> f32 {
      %v = memref.load %x[%r, %k] : memref<?x16xf32>
      %a = arith.addf %acc, %v : f32
      scf.yield %a : f32
    }
    %sum = gpu.subgroup_reduce add %partial uniform : (f32) -> f32
    memref.store %sum, %out[%r] : memref<?xf32>
    scf.reduce
  } {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_warp_per_element, workgroup_size = [256]>}
  return
}

// -----

// Blocks of one warp: block b runs trip b, which is always in range, so
// no guard: a barrier in the body (a split's ticket) is under no branch
// that depends on the thread.
// CHECK-LABEL: func.func @one_warp_a_block
//       CHECK:   %[[TRIPS:.*]] = arith.ceildivui %{{.*}}, %c1
//       CHECK:   %[[BLOCKS:.*]] = arith.ceildivui %[[TRIPS]], %c1
//       CHECK:   scf.parallel (%[[B:.*]]) = (%{{.*}}) to (%[[BLOCKS]])
//       CHECK:     scf.parallel (%[[LANE:.*]], %{{.*}}) = (%{{.*}}, %{{.*}}) to (%c32{{.*}}, %c1
//   CHECK-NOT:       scf.if
//       CHECK:       %[[ROW:.*]] = arith.muli %[[B]], %c1
//       CHECK:       %[[R:.*]] = arith.addi %{{.*}}, %[[ROW]]
//       CHECK:       gpu.barrier
//       CHECK:       memref.store %{{.*}}, %{{.*}}[%[[R]], %[[LANE]]]
func.func @one_warp_a_block(%out: memref<?x32xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %rows = memref.dim %out, %c0 : memref<?x32xf32>
  scf.parallel (%r) = (%c0) to (%rows) step (%c1) {
    %zero = arith.constant 0.0 : f32
    %lane = gpu.lane_id
    gpu.barrier
    memref.store %zero, %out[%r, %lane] : memref<?x32xf32>
    scf.reduce
  } {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_warp_per_element, workgroup_size = [32]>}
  return
}

// -----

// A loop that no config describes cannot become a kernel.
func.func @unconfigured_loop(%out: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %out, %c0 : memref<?xf32>
  // expected-error @+1 {{has no GPU lowering config}}
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    %zero = arith.constant 0.0 : f32
    memref.store %zero, %out[%i] : memref<?xf32>
    scf.reduce
  }
  return
}

// -----

// The host may not read device memory: the load outside every scf.parallel
// is an error at its location.
func.func @host_reads_a_position(%positions: memref<?xi32>, %out: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{'memref.load' op would run on the host and touch device memory}}
  %p = memref.load %positions[%c0] : memref<?xi32>
  return
}

// -----

// A host stack array (deallocation bookkeeping) may be read on the host.
// CHECK-LABEL: func.func @stack_array_on_the_host
//       CHECK:   memref.load
func.func @stack_array_on_the_host() -> i1 {
  %c0 = arith.constant 0 : index
  %flags = memref.alloca() : memref<2xi1>
  %f = memref.load %flags[%c0] : memref<2xi1>
  return %f : i1
}

