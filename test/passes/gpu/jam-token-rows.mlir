// RUN: llama4-opt %s --split-input-file --llama4-gpu-jam-token-rows | FileCheck %s

// x * W^T, a warp per output element (b, n), 2 rows of x a warp: the rows'
// extent becomes ceil(rows / 2). The warp walks the row of W once,
// loading and widening each vector of W once for both rows, the second
// row's steps skipped past the last row (whose index is clamped to stay
// in bounds); both sums are reduced across the lanes (every lane takes
// part, whatever the row), and the second row's store is skipped past the
// last row. A launch of one row runs the body as it was instead (one sum,
// no skipped row's loads). The register tile leaves the config.
// CHECK-LABEL: func.func @rows_share_w
//  CHECK-SAME:   %[[X:[a-z0-9]+]]: memref<?x512xbf16>, %[[W:[a-z0-9]+]]: memref<16x512xbf16>, %[[OUT:[a-z0-9]+]]: memref<?x16xf32>
//       CHECK:   %[[ROWS:.*]] = memref.dim %[[X]]
//       CHECK:   %[[ONE_ROW:.*]] = arith.cmpi eq, %[[ROWS]], %{{.*}} : index
//       CHECK:   %[[WARPS:.*]] = arith.ceildivui %[[ROWS]], %[[TWO:.*]] : index
//       CHECK:   scf.parallel (%[[I:.*]], %[[N:.*]]) = (%{{.*}}, %{{.*}}) to (%[[WARPS]], %{{.*}})
//       CHECK:     scf.if %[[ONE_ROW]] {
//       CHECK:       scf.for %{{.*}} iter_args(%{{[a-z0-9]+}} = %{{.*}}) -> (vector<8xf32>)
//       CHECK:         vector.load %[[X]][%[[I]], %{{.*}}]
//       CHECK:         vector.load %[[W]][%[[N]], %{{.*}}]
//   CHECK-NOT:         scf.if
//       CHECK:       gpu.subgroup_reduce add
//   CHECK-NOT:       gpu.subgroup_reduce
//       CHECK:       memref.store %{{.*}}, %[[OUT]][%[[I]], %[[N]]]
//       CHECK:     } else {
//       CHECK:     %[[FIRST:.*]] = arith.muli %[[I]], %[[TWO]] : index
//       CHECK:     %[[LAST:.*]] = arith.subi %[[ROWS]], %{{.*}} : index
//       CHECK:     %[[NEXT:.*]] = arith.addi %[[FIRST]], %{{.*}} : index
//       CHECK:     %[[VALID:.*]] = arith.cmpi ult, %[[NEXT]], %[[ROWS]] : index
//       CHECK:     %[[SECOND:.*]] = arith.minui %[[NEXT]], %[[LAST]] : index
//       CHECK:     %[[LANE:.*]] = gpu.lane_id
//   CHECK-NOT:     gpu.lane_id
//       CHECK:     %[[SUMS:.*]]:2 = scf.for %[[K:.*]] = %{{.*}} iter_args(%[[S0:.*]] = %{{.*}}, %[[S1:.*]] = %{{.*}}) -> (vector<8xf32>, vector<8xf32>)
//       CHECK:       %[[X0:.*]] = vector.load %[[X]][%[[FIRST]], %[[K]]]
//       CHECK:       %[[WV:.*]] = vector.load %[[W]][%[[N]], %[[K]]]
//       CHECK:       %[[WF:.*]] = arith.extf %[[WV]]
//       CHECK:       %[[NEXT0:.*]] = arith.addf %[[S0]]
//       CHECK:       %[[NEXT1:.*]] = scf.if %[[VALID]] -> (vector<8xf32>) {
//       CHECK:         %[[X1:.*]] = vector.load %[[X]][%[[SECOND]], %[[K]]]
//   CHECK-NOT:         vector.load %[[W]]
//       CHECK:         arith.mulf %{{.*}}, %[[WF]]
//       CHECK:       } else {
//       CHECK:         scf.yield %[[S1]]
//       CHECK:       scf.yield %[[NEXT0]], %[[NEXT1]]
//       CHECK:     gpu.subgroup_reduce add
//       CHECK:     gpu.subgroup_reduce add
//       CHECK:     %[[LANE0:.*]] = arith.cmpi eq, %[[LANE]]
//       CHECK:     scf.if %[[LANE0]] {
//       CHECK:       memref.store %{{.*}}, %[[OUT]][%[[FIRST]], %[[N]]]
//       CHECK:     scf.if %[[LANE0]] {
//       CHECK:       scf.if %[[VALID]] {
//       CHECK:         memref.store %{{.*}}, %[[OUT]][%[[SECOND]], %[[N]]]
//       CHECK:   } {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_warp_per_element, workgroup_size = [256]>}
#warp = #llama4.lowering_config<pipeline = gpu_warp_per_element, register_tile = [2], workgroup_size = [256]>
func.func @rows_share_w(%x: memref<?x512xbf16>, %w: memref<16x512xbf16>, %out: memref<?x16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  %c256 = arith.constant 256 : index
  %c512 = arith.constant 512 : index
  %zero = arith.constant dense<0.0> : vector<8xf32>
  %rows = memref.dim %x, %c0 : memref<?x512xbf16>
  scf.parallel (%b, %n) = (%c0, %c0) to (%rows, %c16) step (%c1, %c1) {
    %lane = gpu.lane_id
    %from = arith.muli %lane, %c8 : index
    %sums = scf.for %k = %from to %c512 step %c256 iter_args(%acc = %zero) -> (vector<8xf32>) {
      %xv = vector.load %x[%b, %k] {alignment = 16 : i64} : memref<?x512xbf16>, vector<8xbf16>
      %wv = vector.load %w[%n, %k] {alignment = 16 : i64} : memref<16x512xbf16>, vector<8xbf16>
      %xf = arith.extf %xv : vector<8xbf16> to vector<8xf32>
      %wf = arith.extf %wv : vector<8xbf16> to vector<8xf32>
      %p = arith.mulf %xf, %wf : vector<8xf32>
      %next = arith.addf %acc, %p : vector<8xf32>
      scf.yield %next : vector<8xf32>
    }
    %sum = vector.reduction <add>, %sums : vector<8xf32> into f32
    %total = gpu.subgroup_reduce add %sum uniform : (f32) -> f32
    %first = arith.cmpi eq, %lane, %c0 : index
    scf.if %first {
      memref.store %total, %out[%b, %n] : memref<?x16xf32>
    }
    scf.reduce
  } {llama4.lowering_config = #warp}
  return
}

// -----

// Rows of a static extent are not jammed: the loop stays as it was, its
// config without the register tile.
// CHECK-LABEL: func.func @static_rows
//       CHECK:   scf.parallel (%{{.*}}, %{{.*}}) = (%{{.*}}, %{{.*}}) to (%c4, %c16)
//   CHECK-NOT:     scf.if
//       CHECK:   } {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_warp_per_element, workgroup_size = [256]>}
#warp = #llama4.lowering_config<pipeline = gpu_warp_per_element, register_tile = [2], workgroup_size = [256]>
func.func @static_rows(%x: memref<4x512xf32>, %w: memref<16x512xf32>, %out: memref<4x16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c16 = arith.constant 16 : index
  %c32 = arith.constant 32 : index
  %c512 = arith.constant 512 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%b, %n) = (%c0, %c0) to (%c4, %c16) step (%c1, %c1) {
    %lane = gpu.lane_id
    %sum = scf.for %k = %lane to %c512 step %c32 iter_args(%acc = %zero) -> (f32) {
      %xv = memref.load %x[%b, %k] : memref<4x512xf32>
      %wv = memref.load %w[%n, %k] : memref<16x512xf32>
      %p = arith.mulf %xv, %wv : f32
      %next = arith.addf %acc, %p : f32
      scf.yield %next : f32
    }
    %total = gpu.subgroup_reduce add %sum uniform : (f32) -> f32
    memref.store %total, %out[%b, %n] : memref<4x16xf32>
    scf.reduce
  } {llama4.lowering_config = #warp}
  return
}
