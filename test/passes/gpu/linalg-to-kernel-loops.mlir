// RUN: llama4-opt %s --split-input-file --verify-diagnostics --llama4-gpu-linalg-to-kernel-loops | FileCheck %s

// A row reduction: the parallel rows become the scf.parallel that will be
// a kernel, carrying the op's config; the reduction runs as an scf.for in
// each thread, its partial sum in a register (16-byte loads along the row:
// four f32 a step, added in order), added to the output and stored once.
#in = affine_map<(r, k) -> (r, k)>
#row = affine_map<(r, k) -> (r)>
// CHECK-LABEL: func.func @row_sums
//  CHECK-SAME:   %[[X:.*]]: memref<?x16xf32>, %[[OUT:.*]]: memref<?xf32>
//   CHECK-NOT:   linalg.generic
//       CHECK:   scf.parallel (%[[R:.*]]) =
//       CHECK:     %[[SUM:.*]] = scf.for %[[K:[a-z0-9]+]] = %c0 to %c16 step %c4 iter_args(%[[ACC:.*]] = %cst) -> (f32)
//       CHECK:       %[[A:.*]] = vector.load %[[X]][%[[R]], %[[K]]] {alignment = 16 : i64} : memref<?x16xf32>, vector<4xf32>
//       CHECK:       %[[A0:.*]] = vector.extract %[[A]][0]
//       CHECK:       %[[S0:.*]] = arith.addf %[[ACC]], %[[A0]]
//       CHECK:       %[[A1:.*]] = vector.extract %[[A]][1]
//       CHECK:       %[[S1:.*]] = arith.addf %[[S0]], %[[A1]]
//       CHECK:       %[[A2:.*]] = vector.extract %[[A]][2]
//       CHECK:       %[[S2:.*]] = arith.addf %[[S1]], %[[A2]]
//       CHECK:       %[[A3:.*]] = vector.extract %[[A]][3]
//       CHECK:       %[[S3:.*]] = arith.addf %[[S2]], %[[A3]]
//       CHECK:       scf.yield %[[S3]]
//   CHECK-NOT:       memref.store
//       CHECK:     }
//       CHECK:     %[[BEFORE:.*]] = memref.load %[[OUT]][%[[R]]]
//       CHECK:     %[[AFTER:.*]] = arith.addf %[[BEFORE]], %[[SUM]]
//       CHECK:     memref.store %[[AFTER]], %[[OUT]][%[[R]]]
//       CHECK:   } {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [64]>}
func.func @row_sums(%x: memref<?x16xf32>, %out: memref<?xf32>) {
  linalg.generic {indexing_maps = [#in, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<?x16xf32>) outs(%out : memref<?xf32>)
      attrs = {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [64]>} {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %acc, %a : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A GPU kernel needs a GPU config.
func.func @cpu_config(%x: memref<?xf32>, %y: memref<?xf32>) {
  // expected-error @+1 {{has no GPU lowering config: run --llama4-select-lowering-config for a GPU target first}}
  linalg.copy {llama4.lowering_config = #llama4.lowering_config<pipeline = cpu_loops>}
      ins(%x : memref<?xf32>) outs(%y : memref<?xf32>)
  return
}

// -----

// The conversion to linalg puts every op's parallel loops first; an op
// that does not cannot be one thread per output element.
#x = affine_map<(m, k, n) -> (m, k)>
#w = affine_map<(m, k, n) -> (k, n)>
#o = affine_map<(m, k, n) -> (m, n)>
func.func @reduction_before_a_parallel_loop(%x: memref<?x8xf32>, %w: memref<8x4xf32>, %out: memref<?x4xf32>) {
  // expected-error @+1 {{has a parallel loop after a reduction: a thread per output element needs its parallel loops first}}
  linalg.generic {indexing_maps = [#x, #w, #o], iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%x, %w : memref<?x8xf32>, memref<8x4xf32>) outs(%out : memref<?x4xf32>)
      attrs = {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [64]>} {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A tile loop becomes the kernel loop, with its ops' config; the ops of
// the tile become sequential loops inside the thread.
#id = affine_map<(i, j) -> (i, j)>
// CHECK-LABEL: func.func @tile_loop
//       CHECK:   scf.parallel (%[[M:.*]], %[[N:.*]]) =
//       CHECK:     %[[ACC:.*]] = memref.alloca() : memref<1x1xf32>
//       CHECK:     scf.for
//       CHECK:       scf.for
//       CHECK:         memref.store %{{.*}}, %[[ACC]]
//   CHECK-NOT:     scf.parallel
//       CHECK:   } {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [128]>}
func.func @tile_loop(%out: memref<?x32xf32>, %rows: index) {
  %zero = arith.constant 0.0 : f32
  scf.forall (%m, %n) in (%rows, 32) {
    %acc = memref.alloca() : memref<1x1xf32>
    linalg.fill {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [128]>}
        ins(%zero : f32) outs(%acc : memref<1x1xf32>)
    %o = memref.subview %out[%m, %n] [1, 1] [1, 1] : memref<?x32xf32> to memref<1x1xf32, strided<[32, 1], offset: ?>>
    linalg.copy {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [128]>}
        ins(%acc : memref<1x1xf32>) outs(%o : memref<1x1xf32, strided<[32, 1], offset: ?>>)
  }
  return
}

// -----

// A warp per element: the root's parallel loops are the kernel loop (one
// warp per iteration), k is split across the lanes (lane l takes l, l + 32,
// ...: 48 is too short for two elements a lane), each lane's f32 partial
// sum (a fused multiply-add a step) is added across the warp and into the
// output, which only lane 0 stores (the output is not the thread's own).
#x = affine_map<(n, m, k) -> (m, k)>
#w = affine_map<(n, m, k) -> (n, k)>
#o = affine_map<(n, m, k) -> (m, n)>
// CHECK-LABEL: func.func @warp_per_row
//       CHECK:   scf.parallel (%[[N:.*]], %[[M:.*]]) =
//       CHECK:     %[[LANE:.*]] = gpu.lane_id
//       CHECK:     %[[PARTIAL:.*]] = scf.for %[[K:.*]] = %[[LANE]] to %c48 step %c32 iter_args(%[[P:.*]] = %cst) -> (f32)
//       CHECK:       %[[X:.*]] = memref.load %{{.*}}[%[[M]], %[[K]]]
//       CHECK:       %[[W:.*]] = memref.load %{{.*}}[%[[N]], %[[K]]]
//       CHECK:       %[[WF:.*]] = arith.extf %[[W]] : bf16 to f32
//       CHECK:       %[[NEXT:.*]] = math.fma %[[X]], %[[WF]], %[[P]] : f32
//       CHECK:       scf.yield %[[NEXT]]
//       CHECK:     %[[SUM:.*]] = gpu.subgroup_reduce add %[[PARTIAL]] uniform
//       CHECK:     %[[BEFORE:.*]] = memref.load %{{.*}}[%[[M]], %[[N]]]
//       CHECK:     %[[AFTER:.*]] = arith.addf %[[BEFORE]], %[[SUM]]
//       CHECK:     %[[LANE0:.*]] = gpu.lane_id
//       CHECK:     %[[FIRST:.*]] = arith.cmpi eq, %[[LANE0]], %c0
//       CHECK:     scf.if %[[FIRST]] {
//       CHECK:       memref.store %[[AFTER]], %{{.*}}[%[[M]], %[[N]]]
//       CHECK:   } {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_warp_per_element, workgroup_size = [256]>}
func.func @warp_per_row(%x: memref<?x48xf32>, %w: memref<1024x48xbf16>, %out: memref<?x1024xf32>) {
  linalg.contract indexing_maps = [#x, #w, #o]
      ins(%x, %w : memref<?x48xf32>, memref<1024x48xbf16>) outs(%out : memref<?x1024xf32>)
      {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_warp_per_element, workgroup_size = [256]>}
  return
}

// -----

// With rows that start aligned (arguments of identity layout, rows of 320)
// lane l loads 8 elements from k = 8 l on, 16 bytes of W and 32 of x, and
// the warp takes 256 a step, each lane adding its 8 products in order into
// one f32 (one register a row once rows are jammed); the last 64 go one
// element a lane.
#x = affine_map<(n, m, k) -> (m, k)>
#w = affine_map<(n, m, k) -> (n, k)>
#o = affine_map<(n, m, k) -> (m, n)>
// CHECK-LABEL: func.func @warp_per_row_vectors
//       CHECK:     %[[LANE:.*]] = gpu.lane_id
//       CHECK:     %[[FIRST:.*]] = arith.muli %[[LANE]], %c8
//       CHECK:     %[[PARTIAL:.*]] = scf.for %[[K:.*]] = %[[FIRST]] to %c256 step %c256 iter_args(%[[P:.*]] = %cst) -> (f32)
//       CHECK:       %[[X:.*]] = vector.load %{{.*}}[%{{.*}}, %[[K]]] {alignment = 16 : i64} : memref<?x320xf32>, vector<8xf32>
//       CHECK:       %[[W:.*]] = vector.load %{{.*}}[%{{.*}}, %[[K]]] {alignment = 16 : i64} : memref<1024x320xbf16>, vector<8xbf16>
//       CHECK:       %[[WF:.*]] = arith.extf %[[W]] : vector<8xbf16> to vector<8xf32>
//       CHECK:       %[[X0:.*]] = vector.extract %[[X]][0]
//       CHECK:       %[[W0:.*]] = vector.extract %[[WF]][0]
//       CHECK:       %[[S0:.*]] = math.fma %[[X0]], %[[W0]], %[[P]] : f32
//       CHECK:       %[[X1:.*]] = vector.extract %[[X]][1]
//       CHECK:       %[[W1:.*]] = vector.extract %[[WF]][1]
//       CHECK:       %[[S1:.*]] = math.fma %[[X1]], %[[W1]], %[[S0]] : f32
//       CHECK-COUNT-6: math.fma
//       CHECK:       scf.yield
//   CHECK-NOT:     vector.reduction
//       CHECK:     %[[TAIL:.*]] = arith.addi %[[LANE]], %c256
//       CHECK:     %[[ALL:.*]] = scf.for %{{.*}} = %[[TAIL]] to %c320 step %c32 iter_args(%{{.*}} = %[[PARTIAL]]) -> (f32)
//       CHECK:       memref.load
//       CHECK:     gpu.subgroup_reduce add %[[ALL]] uniform
func.func @warp_per_row_vectors(%x: memref<?x320xf32>, %w: memref<1024x320xbf16>, %out: memref<?x1024xf32>) {
  linalg.contract indexing_maps = [#x, #w, #o]
      ins(%x, %w : memref<?x320xf32>, memref<1024x320xbf16>) outs(%out : memref<?x1024xf32>)
      {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_warp_per_element, workgroup_size = [256]>}
  return
}

// -----

// A row whose start is not known to be aligned (W's rows begin at a
// dynamic column) is read one element a lane.
#x = affine_map<(n, m, k) -> (m, k)>
#w = affine_map<(n, m, k) -> (n, k)>
#o = affine_map<(n, m, k) -> (m, n)>
// CHECK-LABEL: func.func @warp_per_row_unaligned
//   CHECK-NOT:   vector.load
//       CHECK:   scf.for %{{.*}} = %{{.*}} to %c256 step %c32 iter_args(%{{.*}}) -> (f32)
//   CHECK-NOT:   vector.load
func.func @warp_per_row_unaligned(%x: memref<?x256xf32>, %w: memref<1024x512xbf16>, %from: index, %out: memref<?x1024xf32>) {
  %ws = memref.subview %w[0, %from] [1024, 256] [1, 1] : memref<1024x512xbf16> to memref<1024x256xbf16, strided<[512, 1], offset: ?>>
  linalg.contract indexing_maps = [#x, #w, #o]
      ins(%x, %ws : memref<?x256xf32>, memref<1024x256xbf16, strided<[512, 1], offset: ?>>) outs(%out : memref<?x1024xf32>)
      {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_warp_per_element, workgroup_size = [256]>}
  return
}

// -----

// A buffer a called function returns is followed to what it returns: an
// allocation's rows start aligned (the final norm reads the last layer's
// output), a view at a dynamic column's do not.
#in = affine_map<(r, k) -> (r, k)>
#row = affine_map<(r, k) -> (r)>
// CHECK-LABEL: func.func @sums_of_returned_rows
//       CHECK:   vector.load %{{.*}} {alignment = 16 : i64} : memref<4x64xf32>, vector<4xf32>
//       CHECK:   scf.parallel
//   CHECK-NOT:     vector.load
//       CHECK:   return
func.func private @layer() -> memref<4x64xf32> {
  %fresh = memref.alloc() : memref<4x64xf32>
  return %fresh : memref<4x64xf32>
}
func.func private @shifted(%x: memref<4x128xf32>, %from: index) -> memref<4x64xf32, strided<[128, 1], offset: ?>> {
  %view = memref.subview %x[0, %from] [4, 64] [1, 1] : memref<4x128xf32> to memref<4x64xf32, strided<[128, 1], offset: ?>>
  return %view : memref<4x64xf32, strided<[128, 1], offset: ?>>
}
func.func @sums_of_returned_rows(%x: memref<4x128xf32>, %from: index, %out: memref<4xf32>, %out2: memref<4xf32>) {
  %h = func.call @layer() : () -> memref<4x64xf32>
  linalg.generic {indexing_maps = [#in, #row], iterator_types = ["parallel", "reduction"]}
      ins(%h : memref<4x64xf32>) outs(%out : memref<4xf32>)
      attrs = {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [64]>} {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %acc, %a : f32
    linalg.yield %s : f32
  }
  %v = func.call @shifted(%x, %from) : (memref<4x128xf32>, index) -> memref<4x64xf32, strided<[128, 1], offset: ?>>
  linalg.generic {indexing_maps = [#in, #row], iterator_types = ["parallel", "reduction"]}
      ins(%v : memref<4x64xf32, strided<[128, 1], offset: ?>>) outs(%out2 : memref<4xf32>)
      attrs = {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [64]>} {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %acc, %a : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A tile with a warp-per-element op is a warp's: its other ops run alike
// in every lane, the accumulator (thread-private) is every lane's, and
// only the store to the tile's output waits for lane 0. The rows are
// slices of aligned rows, 64 long: two elements a lane.
#x = affine_map<(m, n, k) -> (m, k)>
#w = affine_map<(m, n, k) -> (n, k)>
#o = affine_map<(m, n, k) -> (m, n)>
// CHECK-LABEL: func.func @warp_tile
//       CHECK:   scf.parallel (%[[M:.*]], %[[N:.*]]) =
//       CHECK:     %[[ACC:.*]] = memref.alloca() : memref<1x1xf32>
//       CHECK:     memref.store %{{.*}}, %[[ACC]]
//   CHECK-NOT:     scf.for {{.*}} = %c0 to %c1
//       CHECK:     scf.for %{{.*}} = %{{.*}} to %c64 step %c64 {{.*}} -> (f32)
//       CHECK:       vector.load %{{.*}} {alignment = 8 : i64} : memref<1x64xf32, strided<[64, 1], offset: ?>>, vector<2xf32>
//       CHECK:     gpu.subgroup_reduce add
//       CHECK:     memref.store %{{.*}}, %[[ACC]][%c0, %c0]
//       CHECK:     scf.if
//       CHECK:       memref.store
//       CHECK:   } {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_warp_per_element, workgroup_size = [128]>}
func.func @warp_tile(%x: memref<?x64xf32>, %w: memref<32x64xf32>, %out: memref<?x32xf32>, %rows: index) {
  %zero = arith.constant 0.0 : f32
  scf.forall (%m, %n) in (%rows, 32) {
    %acc = memref.alloca() : memref<1x1xf32>
    linalg.fill {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [128]>}
        ins(%zero : f32) outs(%acc : memref<1x1xf32>)
    %xs = memref.subview %x[%m, 0] [1, 64] [1, 1] : memref<?x64xf32> to memref<1x64xf32, strided<[64, 1], offset: ?>>
    %ws = memref.subview %w[%n, 0] [1, 64] [1, 1] : memref<32x64xf32> to memref<1x64xf32, strided<[64, 1], offset: ?>>
    linalg.contract indexing_maps = [#x, #w, #o]
        ins(%xs, %ws : memref<1x64xf32, strided<[64, 1], offset: ?>>, memref<1x64xf32, strided<[64, 1], offset: ?>>)
        outs(%acc : memref<1x1xf32>)
        {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_warp_per_element, workgroup_size = [128]>}
    %o = memref.subview %out[%m, %n] [1, 1] [1, 1] : memref<?x32xf32> to memref<1x1xf32, strided<[32, 1], offset: ?>>
    linalg.copy {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [128]>}
        ins(%acc : memref<1x1xf32>) outs(%o : memref<1x1xf32, strided<[32, 1], offset: ?>>)
  }
  return
}

// -----

// A warp splits one reduction, innermost, whose partial sums add up.
#in = affine_map<(r, k) -> (r, k)>
#row = affine_map<(r, k) -> (r)>
func.func @warp_max(%x: memref<?x16xf32>, %out: memref<?xf32>) {
  // expected-error @+1 {{has a warp per element, which needs one reduction loop, innermost, and one output, into which its body adds in f32}}
  linalg.generic {indexing_maps = [#in, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<?x16xf32>) outs(%out : memref<?xf32>)
      attrs = {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_warp_per_element, workgroup_size = [64]>} {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.maximumf %acc, %a : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A tile whose code asks for its lane (a warp's query of attention, its
// ops each lane's) is a warp's: the kernel loop gets a warp's config, and
// only lane 0 stores to the tile's output.
// CHECK-LABEL: func.func @tile_using_lanes
//       CHECK:   scf.parallel
//       CHECK:     gpu.lane_id
//       CHECK:     scf.if
//       CHECK:       memref.store
//       CHECK:   } {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_warp_per_element, workgroup_size = [64]>}
func.func @tile_using_lanes(%out: memref<?xf32>, %rows: index) {
  scf.forall (%m) in (%rows) {
    %lane = gpu.lane_id
    %i = arith.index_cast %lane : index to i64
    %v = arith.uitofp %i : i64 to f32
    %o = memref.subview %out[%m] [1] [1] : memref<?xf32> to memref<1xf32, strided<[1], offset: ?>>
    linalg.fill {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [64]>}
        ins(%v : f32) outs(%o : memref<1xf32, strided<[1], offset: ?>>)
  }
  return
}

// -----

// A routed expert's column of `x * W` (a gathered product): W is read down
// a column, one element a step, added in k's order from the output's value
// on, in a register, stored once; the body's loop indices are the thread's
// column and the step's k. The token's expert, the same in every step, is
// loaded once, before the loop.
#tok = affine_map<(t, n, k) -> (t, k)>
#tokex = affine_map<(t, n, k) -> (t)>
#tokout = affine_map<(t, n, k) -> (t, n)>
// CHECK-LABEL: func.func @gathered_columns
//  CHECK-SAME:   %[[W:[a-z0-9]+]]: memref<4x32x16xf32>
//       CHECK:   scf.parallel (%[[T:.*]], %[[N:.*]]) =
//       CHECK:     %[[BEFORE:.*]] = memref.load %[[OUT:.*]][%[[T]], %[[N]]]
//       CHECK:     %[[E:.*]] = memref.load %{{.*}}[%[[T]]] : memref<?xindex>
//       CHECK:     %[[SUM:.*]] = scf.for %[[K:[a-z0-9]+]] = {{.*}} iter_args(%{{.*}} = %[[BEFORE]]) -> (f32)
//   CHECK-NOT:       memref<?xindex>
//       CHECK:       memref.load %[[W]][%[[E]], %[[K]], %[[N]]]
//   CHECK-NOT:       memref.store
//       CHECK:     }
//       CHECK:     memref.store %[[SUM]], %[[OUT]][%[[T]], %[[N]]]
//   CHECK-NOT:   linalg.index
func.func @gathered_columns(%x: memref<?x32xf32>, %experts: memref<?xindex>,
                            %w: memref<4x32x16xf32>, %out: memref<?x16xf32>) {
  linalg.generic {indexing_maps = [#tok, #tokex, #tokout],
      iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %experts : memref<?x32xf32>, memref<?xindex>) outs(%out : memref<?x16xf32>)
      attrs = {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [64]>} {
  ^bb0(%xv: f32, %e: index, %acc: f32):
    %n = linalg.index 1 : index
    %k = linalg.index 2 : index
    %wv = memref.load %w[%e, %k, %n] : memref<4x32x16xf32>
    %p = arith.mulf %xv, %wv : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A decode attention lane's p · v inside its tile: the accumulators (the
// thread's own) take a block of keys' values, a sum over the keys for
// each of the 128 head dims. Along the dims every operand but p reads a
// row: 8 accumulators a step (16 bytes of the bf16 values), each running
// over the keys in order by fused multiply-adds, loaded and stored once.
#p = affine_map<(d, j) -> (j)>
#v = affine_map<(d, j) -> (j, d)>
#acc = affine_map<(d, j) -> (d)>
// CHECK-LABEL: func.func @values_of_a_lane
//  CHECK-SAME:   %[[V:[a-z0-9]+]]: memref<4x128xbf16>
//       CHECK:   scf.parallel
//       CHECK:     %[[ACC:.*]] = memref.alloca() {alignment = 64 : i64} : memref<128xf32>
//       CHECK:     scf.for %[[D:.*]] = %c0 to %c128 step %c8 {
//       CHECK:       %[[BEFORE:.*]] = vector.load %[[ACC]][%[[D]]] {alignment = 16 : i64} : memref<128xf32>, vector<8xf32>
//       CHECK:       %[[SUMS:.*]] = scf.for %[[J:.*]] = %c0 to %c4 step %c1 iter_args(%[[S:.*]] = %[[BEFORE]]) -> (vector<8xf32>)
//       CHECK:         %[[P:.*]] = memref.load %{{.*}}[%[[J]]] : memref<4xf32>
//       CHECK:         %[[PS:.*]] = vector.broadcast %[[P]] : f32 to vector<8xf32>
//       CHECK:         %[[VS:.*]] = vector.load %[[V]][%[[J]], %[[D]]] {alignment = 16 : i64} : memref<4x128xbf16>, vector<8xbf16>
//       CHECK:         %[[VF:.*]] = arith.extf %[[VS]]
//       CHECK:         %[[NEXT:.*]] = math.fma %[[PS]], %[[VF]], %[[S]] : vector<8xf32>
//       CHECK:         scf.yield %[[NEXT]]
//       CHECK:       vector.store %[[SUMS]], %[[ACC]][%[[D]]] {alignment = 16 : i64} : memref<128xf32>, vector<8xf32>
func.func @values_of_a_lane(%p: memref<4xf32>, %v: memref<4x128xbf16>, %out: memref<?x128xf32>, %rows: index) {
  scf.forall (%m) in (%rows) {
    %acc = memref.alloca() {alignment = 64 : i64} : memref<128xf32>
    linalg.generic {indexing_maps = [#p, #v, #acc], iterator_types = ["parallel", "reduction"]}
        ins(%p, %v : memref<4xf32>, memref<4x128xbf16>) outs(%acc : memref<128xf32>)
        attrs = {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [64]>} {
    ^bb0(%pj: f32, %vj: bf16, %s: f32):
      %vf = arith.extf %vj : bf16 to f32
      %t = arith.mulf %pj, %vf : f32
      %n = arith.addf %s, %t : f32
      linalg.yield %n : f32
    }
    %o = memref.subview %out[%m, 0] [1, 128] [1, 1] : memref<?x128xf32> to memref<128xf32, strided<[1], offset: ?>>
    linalg.copy {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [64]>}
        ins(%acc : memref<128xf32>) outs(%o : memref<128xf32, strided<[1], offset: ?>>)
  }
  return
}

// -----

// A warp's tile of a row's map after the row's sum (RMSNorm): the sum
// splits k across the lanes, every lane ends with it in its own memory;
// the map's row, written to memory that is not the thread's own, is split
// across the lanes too, lane l taking 8 bf16 (16 bytes) from 8 l on, the
// warp 256 a step, then the 8 left over one element a lane; each lane
// stores its own elements, none under a branch of lane 0.
#t = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [256]>
#w = #llama4.lowering_config<pipeline = gpu_warp_per_element, workgroup_size = [256]>
#x = affine_map<(t, k) -> (t, k)>
#r = affine_map<(t, k) -> (t)>
#g = affine_map<(t, k) -> (k)>
// CHECK-LABEL: func.func @row_across_lanes
//       CHECK:   scf.parallel (%[[T:.*]]) =
//       CHECK:     gpu.subgroup_reduce add
//       CHECK:     %[[LANE:.*]] = gpu.lane_id
//       CHECK:     %[[FROM:.*]] = arith.muli %[[LANE]], %c8
//       CHECK:     scf.for %[[K:.*]] = %[[FROM]] to %c256 step %c256 {
//       CHECK:       vector.load %{{.*}}[%c0, %[[K]]] {alignment = 16 : i64} : memref<1x264xbf16, strided<[264, 1], offset: ?>>, vector<8xbf16>
//       CHECK:       vector.load %{{.*}}[%[[K]]] {alignment = 16 : i64} : memref<264xbf16>, vector<8xbf16>
//       CHECK:       math.rsqrt %{{.*}} : vector<8xf32>
//   CHECK-NOT:       scf.if
//       CHECK:       vector.store %{{.*}}, %{{.*}}[%c0, %[[K]]] {alignment = 16 : i64} : memref<1x264xbf16, strided<[264, 1], offset: ?>>, vector<8xbf16>
//       CHECK:     %[[REST:.*]] = arith.addi %[[LANE]], %c256
//       CHECK:     scf.for %[[J:.*]] = %[[REST]] to %c264 step %c32 {
//   CHECK-NOT:       scf.if
//       CHECK:       memref.store %{{.*}}, %{{.*}}[%c0, %[[J]]] : memref<1x264xbf16, strided<[264, 1], offset: ?>>
//       CHECK:   } {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_warp_per_element, workgroup_size = [256]>}
func.func @row_across_lanes(%x: memref<?x264xbf16>, %gamma: memref<264xbf16>, %out: memref<?x264xbf16>, %rows: index) {
  %zero = arith.constant 0.0 : f32
  scf.forall (%t) in (%rows) {
    %sum = memref.alloca() : memref<1xf32>
    linalg.fill {llama4.lowering_config = #t} ins(%zero : f32) outs(%sum : memref<1xf32>)
    %row = memref.subview %x[%t, 0] [1, 264] [1, 1] : memref<?x264xbf16> to memref<1x264xbf16, strided<[264, 1], offset: ?>>
    linalg.generic {indexing_maps = [#x, #r], iterator_types = ["parallel", "reduction"]}
        ins(%row : memref<1x264xbf16, strided<[264, 1], offset: ?>>) outs(%sum : memref<1xf32>)
        attrs = {llama4.lowering_config = #w} {
    ^bb0(%a: bf16, %acc: f32):
      %f = arith.extf %a : bf16 to f32
      %sq = arith.mulf %f, %f : f32
      %s = arith.addf %acc, %sq : f32
      linalg.yield %s : f32
    }
    %o = memref.subview %out[%t, 0] [1, 264] [1, 1] : memref<?x264xbf16> to memref<1x264xbf16, strided<[264, 1], offset: ?>>
    linalg.generic {indexing_maps = [#x, #r, #g, #x], iterator_types = ["parallel", "parallel"]}
        ins(%row, %sum, %gamma : memref<1x264xbf16, strided<[264, 1], offset: ?>>, memref<1xf32>, memref<264xbf16>)
        outs(%o : memref<1x264xbf16, strided<[264, 1], offset: ?>>) attrs = {llama4.lowering_config = #t} {
    ^bb0(%a: bf16, %s: f32, %g: bf16, %y: bf16):
      %f = arith.extf %a : bf16 to f32
      %r = math.rsqrt %s : f32
      %m = arith.mulf %f, %r : f32
      %gf = arith.extf %g : bf16 to f32
      %p = arith.mulf %m, %gf : f32
      %b = arith.truncf %p : f32 to bf16
      linalg.yield %b : bf16
    }
  }
  return
}

// -----

// A greedy token's reduction of (logit, index) pairs, a warp an element:
// lane l scans k = l, l + 32, ... from (-inf, -1) with its pair in
// registers, the lanes' pairs meet in five rounds of xor shuffles (16 ...
// 1) of the logit and the index, ranked as greedyPrefers ranks them, then
// against the output's pair, and lane 0 stores the pair.
#w = #llama4.lowering_config<pipeline = gpu_warp_per_element, workgroup_size = [32]>
#spans = affine_map<(t, k) -> (t, k)>
#row = affine_map<(t, k) -> (t)>
// CHECK-LABEL: func.func @greedy_pairs_across_lanes
//   CHECK-DAG:   %[[NEG_INF:.*]] = arith.constant 0xFF800000 : f32
//   CHECK-DAG:   %[[NONE:.*]] = arith.constant -1 : i32
//       CHECK:   scf.parallel (%[[T:.*]]) =
//       CHECK:     %[[LANE:.*]] = gpu.lane_id
//       CHECK:     %[[SCAN:.*]]:2 = scf.for %[[K:.*]] = %[[LANE]] to %c99 step %c32 iter_args(%[[B:.*]] = %[[NEG_INF]], %[[I:.*]] = %[[NONE]]) -> (f32, i32) {
//       CHECK:       memref.load %{{.*}}[%[[T]], %[[K]]] : memref<?x99xf32>
//       CHECK:       memref.load %{{.*}}[%[[T]], %[[K]]] : memref<?x99xi32>
//       CHECK:       scf.yield
//       CHECK:     gpu.shuffle  xor %[[SCAN]]#0, %c16_i32, %c32_i32 : f32
//       CHECK:     gpu.shuffle  xor %[[SCAN]]#1, %c16_i32, %c32_i32 : i32
//       CHECK:     arith.cmpf ueq
// CHECK-COUNT-4:     gpu.shuffle  xor %{{.*}}, %c{{[0-9]+}}_i32, %c32_i32 : f32
//       CHECK:     %[[OUT_B:.*]] = memref.load %{{.*}}[%[[T]]] : memref<?xf32>
//       CHECK:     %[[OUT_I:.*]] = memref.load %{{.*}}[%[[T]]] : memref<?xi32>
//       CHECK:     scf.if
//       CHECK:       memref.store %{{.*}}, %{{.*}}[%[[T]]] : memref<?xf32>
//       CHECK:     scf.if
//       CHECK:       memref.store %{{.*}}, %{{.*}}[%[[T]]] : memref<?xi32>
//       CHECK:   } {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_warp_per_element, workgroup_size = [32]>}
func.func @greedy_pairs_across_lanes(%bests: memref<?x99xf32>, %indices: memref<?x99xi32>,
    %best: memref<?xf32>, %index: memref<?xi32>) {
  linalg.generic {indexing_maps = [#spans, #spans, #row, #row], iterator_types = ["parallel", "reduction"]}
      ins(%bests, %indices : memref<?x99xf32>, memref<?x99xi32>) outs(%best, %index : memref<?xf32>, memref<?xi32>)
      attrs = {llama4.greedy_token, llama4.lowering_config = #w} {
  ^bb0(%x: f32, %i: i32, %b: f32, %bi: i32):
    %take = arith.cmpf ogt, %x, %b : f32
    %nb = arith.select %take, %x, %b : f32
    %ni = arith.select %take, %i, %bi : i32
    linalg.yield %nb, %ni : f32, i32
  }
  return
}

// -----

// In a warp's tile (the GEMV of a warp per element), a thread's sum that
// every lane would repeat alike, the 32 partial sums of a split product
// read from shared memory, takes a step a lane and a subgroup reduction;
// a sum over the thread's own buffer (which may hold its lane's values)
// stays whole in each lane.
#t = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [256]>
#w = #llama4.lowering_config<pipeline = gpu_warp_per_element, workgroup_size = [256]>
#xk = affine_map<(n, k) -> (k)>
#wk = affine_map<(n, k) -> (n, k)>
#out = affine_map<(n, k) -> (n)>
#parts = affine_map<(n, s) -> (s, n)>
#own = affine_map<(n, s) -> (s)>
// CHECK-LABEL: func.func @partial_sums_across_lanes
//       CHECK:   scf.parallel
//       CHECK:     gpu.subgroup_reduce add
//       CHECK:     memref.subview %{{.*}}[0, %{{.*}}] [32, 1] [1, 1]
//       CHECK:     scf.if
//       CHECK:     %[[LANE:.*]] = gpu.lane_id
//  CHECK-NEXT:     scf.for %[[S:.*]] = %[[LANE]] to %c32 step %c32 iter_args
//       CHECK:       memref.load %{{.*}}[%[[S]], %c0] : memref<32x1xf32, strided<[64, 1], offset: ?>>
//       CHECK:     gpu.subgroup_reduce add
//       CHECK:     scf.for %{{.*}} = %c0 to %c32 step %c4
//       CHECK:       vector.load %{{.*}} : memref<32xf32>, vector<4xf32>
//   CHECK-NOT:     gpu.subgroup_reduce
//       CHECK:   } {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_warp_per_element, workgroup_size = [256]>}
func.func @partial_sums_across_lanes(%x: memref<256xf32>, %wt: memref<64x256xf32>,
    %parts: memref<32x64xf32>, %out: memref<64xf32>, %other: memref<64xf32>) {
  %zero = arith.constant 0.0 : f32
  scf.forall (%n) in (64) {
    %acc = memref.subview %out[%n] [1] [1] : memref<64xf32> to memref<1xf32, strided<[1], offset: ?>>
    %row = memref.subview %wt[%n, 0] [1, 256] [1, 1] : memref<64x256xf32> to memref<1x256xf32, strided<[256, 1], offset: ?>>
    linalg.fill {llama4.lowering_config = #t} ins(%zero : f32) outs(%acc : memref<1xf32, strided<[1], offset: ?>>)
    linalg.generic {indexing_maps = [#xk, #wk, #out], iterator_types = ["parallel", "reduction"]}
        ins(%x, %row : memref<256xf32>, memref<1x256xf32, strided<[256, 1], offset: ?>>)
        outs(%acc : memref<1xf32, strided<[1], offset: ?>>) attrs = {llama4.lowering_config = #w} {
    ^bb0(%a: f32, %b: f32, %s: f32):
      %p = arith.mulf %a, %b : f32
      %r = arith.addf %s, %p : f32
      linalg.yield %r : f32
    }
    %col = memref.subview %parts[0, %n] [32, 1] [1, 1] : memref<32x64xf32> to memref<32x1xf32, strided<[64, 1], offset: ?>>
    %sum = memref.subview %other[%n] [1] [1] : memref<64xf32> to memref<1xf32, strided<[1], offset: ?>>
    linalg.fill {llama4.lowering_config = #t} ins(%zero : f32) outs(%sum : memref<1xf32, strided<[1], offset: ?>>)
    linalg.generic {indexing_maps = [#parts, #out], iterator_types = ["parallel", "reduction"]}
        ins(%col : memref<32x1xf32, strided<[64, 1], offset: ?>>)
        outs(%sum : memref<1xf32, strided<[1], offset: ?>>) attrs = {llama4.lowering_config = #t} {
    ^bb0(%a: f32, %s: f32):
      %r = arith.addf %s, %a : f32
      linalg.yield %r : f32
    }
    %mine = memref.alloca() : memref<32xf32>
    %own = memref.alloca() : memref<1xf32>
    linalg.fill {llama4.lowering_config = #t} ins(%zero : f32) outs(%own : memref<1xf32>)
    linalg.generic {indexing_maps = [#own, #out], iterator_types = ["parallel", "reduction"]}
        ins(%mine : memref<32xf32>) outs(%own : memref<1xf32>) attrs = {llama4.lowering_config = #t} {
    ^bb0(%a: f32, %s: f32):
      %r = arith.addf %s, %a : f32
      linalg.yield %r : f32
    }
  }
  return
}

// -----

// A gathered product with bf16 rows of x: its body reads W through indices,
// so it takes no vectors, but a thread alone still loads x's row 16 bytes
// at a time, the body then taking those 8 steps of k in order from the
// output's value on; the 4 steps of k past the last whole vector go one at
// a time.
#tok = affine_map<(t, n, k) -> (t, k)>
#tokex = affine_map<(t, n, k) -> (t)>
#tokout = affine_map<(t, n, k) -> (t, n)>
// CHECK-LABEL: func.func @gathered_rows_of_x
//  CHECK-SAME:   %[[W:[a-z0-9]+]]: memref<4x44x16xbf16>
//       CHECK:   %[[X:.*]] = memref.subview
//       CHECK:   scf.parallel (%[[T:.*]], %[[N:.*]]) =
//       CHECK:     %[[BEFORE:.*]] = memref.load %[[OUT:.*]][%[[T]], %[[N]]]
//       CHECK:     %[[E:.*]] = memref.load %{{.*}}[%[[T]]] : memref<?xindex>
//       CHECK:     %[[VECTORS:.*]] = scf.for %[[K:[a-z0-9]+]] = %c0 to %c40 step %c8 iter_args(%[[S0:.*]] = %[[BEFORE]]) -> (f32)
//       CHECK:       %[[ROW:.*]] = vector.load %[[X]][%[[T]], %[[K]]] {alignment = 16 : i64} : {{.*}}, vector<8xbf16>
//       CHECK:       %[[X0:.*]] = vector.extract %[[ROW]][0]
//       CHECK:       %[[W0:.*]] = memref.load %[[W]][%[[E]], %[[K]], %[[N]]]
//       CHECK:       %[[S1:.*]] = math.fma %{{.*}}, %{{.*}}, %[[S0]]
//       CHECK:       vector.extract %[[ROW]][1]
//       CHECK:       math.fma %{{.*}}, %{{.*}}, %[[S1]]
//       CHECK:       vector.extract %[[ROW]][7]
//   CHECK-NOT:       vector.load
//       CHECK:       scf.yield
//       CHECK:     %[[SUM:.*]] = scf.for %[[K2:[a-z0-9]+]] = %c40 to %c44 step %c1 iter_args(%{{.*}} = %[[VECTORS]]) -> (f32)
//       CHECK:       memref.load %[[X]][%[[T]], %[[K2]]]
//       CHECK:     memref.store %[[SUM]], %[[OUT]][%[[T]], %[[N]]]
func.func @gathered_rows_of_x(%rows: memref<?x48xbf16>, %experts: memref<?xindex>,
                              %w: memref<4x44x16xbf16>, %out: memref<?x16xf32>) {
  %c0 = arith.constant 0 : index
  %tokens = memref.dim %rows, %c0 : memref<?x48xbf16>
  %x = memref.subview %rows[0, 0] [%tokens, 44] [1, 1] : memref<?x48xbf16> to memref<?x44xbf16, strided<[48, 1]>>
  linalg.generic {indexing_maps = [#tok, #tokex, #tokout],
      iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %experts : memref<?x44xbf16, strided<[48, 1]>>, memref<?xindex>) outs(%out : memref<?x16xf32>)
      attrs = {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [64]>} {
  ^bb0(%xv: bf16, %e: index, %acc: f32):
    %n = linalg.index 1 : index
    %k = linalg.index 2 : index
    %wv = memref.load %w[%e, %k, %n] : memref<4x44x16xbf16>
    %xf = arith.extf %xv : bf16 to f32
    %wf = arith.extf %wv : bf16 to f32
    %p = arith.mulf %xf, %wf : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A decode query group's warp, each lane holding 8 of a head's 32 dims
// (its columns, from 8 (lane mod 4) on). A lane's dot product reads its
// columns 16 bytes at a time: the views' offsets, multiples of 8, keep
// their rows aligned. Its columns of the output are its own to store:
// every lane stores them, in its own loop, neither split across the lanes
// nor left to lane 0.
// CHECK-LABEL: func.func @lane_columns
//       CHECK:   scf.parallel
//       CHECK:     %[[LANE:.*]] = gpu.lane_id
//       CHECK:     vector.load %{{.*}} {alignment = 16 : i64} : memref<1x8xbf16, strided<[32, 1], offset: ?>>, vector<8xbf16>
//       CHECK:     vector.load %{{.*}} {alignment = 16 : i64} : memref<8xbf16, strided<[1], offset: ?>>, vector<8xbf16>
//       CHECK:     %[[O:.*]] = memref.subview
//   CHECK-NOT:     gpu.lane_id
//   CHECK-NOT:     scf.if
//       CHECK:     scf.for %{{.*}} = %c0 to %c8 step %c1 {
//       CHECK:       memref.store %{{.*}}, %[[O]]
//   CHECK-NOT:   scf.if
//       CHECK:   } {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_warp_per_element, workgroup_size = [32]>}
#t = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [32]>
#qk = affine_map<(i, k) -> (i, k)>
#kk = affine_map<(i, k) -> (k)>
#ik = affine_map<(i, k) -> (i)>
#bc = affine_map<(i, e) -> (i)>
#ie = affine_map<(i, e) -> (i, e)>
func.func @lane_columns(%q: memref<?x32xbf16>, %k: memref<32xbf16>, %out: memref<?x32xf32>, %rows: index) {
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %zero = arith.constant 0.0 : f32
  scf.forall (%m) in (%rows) {
    %lane = gpu.lane_id
    %dim = arith.remui %lane, %c4 : index
    %first = arith.muli %dim, %c8 : index
    %qs = memref.subview %q[%m, %first] [1, 8] [1, 1] : memref<?x32xbf16> to memref<1x8xbf16, strided<[32, 1], offset: ?>>
    %ks = memref.subview %k[%first] [8] [1] : memref<32xbf16> to memref<8xbf16, strided<[1], offset: ?>>
    %acc = memref.alloca() : memref<1xf32>
    linalg.fill {llama4.lowering_config = #t} ins(%zero : f32) outs(%acc : memref<1xf32>)
    linalg.generic {indexing_maps = [#qk, #kk, #ik], iterator_types = ["parallel", "reduction"]}
        ins(%qs, %ks : memref<1x8xbf16, strided<[32, 1], offset: ?>>, memref<8xbf16, strided<[1], offset: ?>>)
        outs(%acc : memref<1xf32>) attrs = {llama4.lowering_config = #t} {
    ^bb0(%a: bf16, %b: bf16, %s: f32):
      %af = arith.extf %a : bf16 to f32
      %bf = arith.extf %b : bf16 to f32
      %p = arith.mulf %af, %bf : f32
      %n = arith.addf %s, %p : f32
      linalg.yield %n : f32
    }
    %o = memref.subview %out[%m, %first] [1, 8] [1, 1] : memref<?x32xf32> to memref<1x8xf32, strided<[32, 1], offset: ?>>
    linalg.generic {indexing_maps = [#bc, #ie], iterator_types = ["parallel", "parallel"]}
        ins(%acc : memref<1xf32>) outs(%o : memref<1x8xf32, strided<[32, 1], offset: ?>>)
        attrs = {llama4.lowering_config = #t} {
    ^bb0(%s: f32, %y: f32):
      linalg.yield %s : f32
    }
  }
  return
}
