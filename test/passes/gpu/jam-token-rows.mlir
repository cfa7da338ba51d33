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
//       CHECK:   %[[WARPS:.*]] = arith.ceildivui %[[ROWS]], %[[TWO:.*]] : index
//       CHECK:   %[[ONE_ROW:.*]] = arith.cmpi eq, %[[ROWS]], %{{.*}} : index
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

// x * W^T with a static number of rows of x, 2 rows of W a warp (register
// tile [1, 2]): the columns' extent 16 becomes 8, and the warp's walk
// along k loads each vector of x once for columns 2n and 2n + 1, each
// column's vector of W its own; a sum, a reduction and a store a column,
// none skipped (2 divides 16).
// CHECK-LABEL: func.func @columns_share_x
//  CHECK-SAME:   %[[X:[a-z0-9]+]]: memref<?x512xbf16>, %[[W:[a-z0-9]+]]: memref<16x512xbf16>, %[[OUT:[a-z0-9]+]]: memref<?x16xf32>
//       CHECK:   scf.parallel (%[[B:.*]], %[[N:.*]]) = (%{{.*}}, %{{.*}}) to (%{{.*}}, %[[EIGHT:.*]])
//       CHECK:     %[[FIRST:.*]] = arith.muli %[[N]], %[[TWO:.*]] : index
//       CHECK:     %[[SECOND:.*]] = arith.addi %[[FIRST]], %{{.*}} : index
//   CHECK-NOT:     arith.minui
//       CHECK:     scf.for %[[K:.*]] = %{{.*}} iter_args(%{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) -> (vector<8xf32>, vector<8xf32>)
//       CHECK:       vector.load %[[X]][%[[B]], %[[K]]]
//       CHECK:       vector.load %[[W]][%[[FIRST]], %[[K]]]
//       CHECK:       vector.load %[[W]][%[[SECOND]], %[[K]]]
//   CHECK-NOT:       vector.load
//   CHECK-NOT:       scf.if
//       CHECK:       scf.yield
//       CHECK:     gpu.subgroup_reduce add
//       CHECK:     gpu.subgroup_reduce add
//       CHECK:     scf.if
//  CHECK-NEXT:       memref.store %{{.*}}, %[[OUT]][%[[B]], %[[FIRST]]]
//       CHECK:     scf.if
//  CHECK-NEXT:       memref.store %{{.*}}, %[[OUT]][%[[B]], %[[SECOND]]]
//       CHECK:   } {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_warp_per_element, workgroup_size = [256]>}
#warp = #llama4.lowering_config<pipeline = gpu_warp_per_element, register_tile = [1, 2], workgroup_size = [256]>
func.func @columns_share_x(%x: memref<?x512xbf16>, %w: memref<16x512xbf16>, %out: memref<?x16xf32>) {
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

// 2 rows of x by 3 rows of W a warp (register tile [2, 3]), 16 columns: 6
// warps along them, the last one's third column past the end (clamped to
// 15, its store skipped; its steps run, so that no branch splits the
// walk). The columns are jammed first, then the rows around them: in the
// walk of two rows the second row's branch loads its x and uses the three
// vectors of W that the first row loaded, and its stores are skipped past
// the last row as well.
// CHECK-LABEL: func.func @rows_and_columns
//  CHECK-SAME:   %[[X:[a-z0-9]+]]: memref<?x512xbf16>, %[[W:[a-z0-9]+]]: memref<16x512xbf16>, %[[OUT:[a-z0-9]+]]: memref<?x16xf32>
//       CHECK:   scf.parallel (%[[I:.*]], %[[N:.*]]) = (%{{.*}}, %{{.*}}) to (%{{.*}}, %c6)
//       CHECK:     } else {
//       CHECK:       %[[ROW0:.*]] = arith.muli %[[I]], %{{.*}} : index
//       CHECK:       %[[ROW1_VALID:.*]] = arith.cmpi ult, %{{.*}}, %{{.*}} : index
//       CHECK:       %[[ROW1:.*]] = arith.minui
//       CHECK:       %[[COL0:.*]] = arith.muli %[[N]], %{{.*}} : index
//       CHECK:       %[[COL2_NEXT:.*]] = arith.addi %[[COL0]], %c2
//       CHECK:       %[[COL2_VALID:.*]] = arith.cmpi ult, %[[COL2_NEXT]], %c16
//       CHECK:       %[[COL2:.*]] = arith.minui %[[COL2_NEXT]], %c15
//       CHECK:       scf.for %[[K:[a-z0-9]+]] = {{.*}} -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
//       CHECK:         vector.load %[[X]][%[[ROW0]], %[[K]]]
//       CHECK:         %[[W0:.*]] = vector.load %[[W]][%[[COL0]], %[[K]]]
//       CHECK:         vector.load %[[W]]
//       CHECK:         %[[W2:.*]] = vector.load %[[W]][%[[COL2]], %[[K]]]
//       CHECK:         scf.if %[[ROW1_VALID]]
//       CHECK:           vector.load %[[X]][%[[ROW1]], %[[K]]]
//   CHECK-NOT:           vector.load
//       CHECK:         } else {
//       CHECK:       scf.if %[[COL2_VALID]] {
//  CHECK-NEXT:         memref.store %{{.*}}, %[[OUT]][%[[ROW0]], %[[COL2]]]
//       CHECK:       scf.if %[[COL2_VALID]] {
//  CHECK-NEXT:         scf.if %[[ROW1_VALID]] {
//  CHECK-NEXT:           memref.store %{{.*}}, %[[OUT]][%[[ROW1]], %[[COL2]]]
#warp = #llama4.lowering_config<pipeline = gpu_warp_per_element, register_tile = [2, 3], workgroup_size = [256]>
func.func @rows_and_columns(%x: memref<?x512xbf16>, %w: memref<16x512xbf16>, %out: memref<?x16xf32>) {
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

// -----

// A routed expert's thread per output column (t, n), rows grouped 4 at a
// time by the expert each chose (the argmax of its logits, kept in the
// thread's own buffer). The extent stays the rows'. Iteration t computes
// the choices of its group's 4 rows first (its own, then the next ones,
// wrapping around), and goes on only if no earlier row of the group chose
// as it did: that branch is taken by 4 (1 - (3/4)^4) / 4 of the rows under
// uniform routing. There it fills, sums and stores its own row and each
// later row of the same choice, reading the chosen column of W once a
// step for all of them; a row that chose otherwise reads and stores
// nothing (1/p - 1 of the 3 later rows are taken along, a share each).
// The zero fill of the output, which came before the choice was read,
// now comes after it, inside the branch.
// CHECK-LABEL: func.func @rows_share_their_expert
//  CHECK-SAME:   %[[X:[a-z0-9]+]]: memref<?x64xbf16>, %[[LOGITS:[a-z0-9]+]]: memref<?x4xbf16>, %[[W:[a-z0-9]+]]: memref<4x64x96xbf16>, %[[OUT:[a-z0-9]+]]: memref<?x96xf32>
//       CHECK:   %[[ROWS:.*]] = memref.dim %[[X]]
//       CHECK:   %[[ONE_ROW:.*]] = arith.cmpi eq, %[[ROWS]]
//       CHECK:   scf.parallel (%[[T:.*]], %[[N:.*]]) = (%{{.*}}, %{{.*}}) to (%[[ROWS]], %{{.*}})
//       CHECK:     scf.if %[[ONE_ROW]] {
//       CHECK:       memref.load %[[W]]
//       CHECK:     } else {
//       CHECK:       %[[WITHIN:.*]] = arith.remui %[[T]], %[[FOUR:.*]] : index
//       CHECK:       %[[START:.*]] = arith.subi %[[T]], %[[WITHIN]]
//       CHECK:       %[[OFFSET1:.*]] = arith.remui %{{.*}}, %[[FOUR]]
//       CHECK:       %[[ROW1:.*]] = arith.addi %[[START]], %[[OFFSET1]]
//       CHECK:       %[[IN1:.*]] = arith.cmpi ult, %[[ROW1]], %[[ROWS]]
//       CHECK:       %[[BEFORE1:.*]] = arith.cmpi ult, %[[OFFSET1]], %[[WITHIN]]
//       CHECK:       %[[CLAMPED1:.*]] = arith.minui %[[ROW1]]
//       CHECK:       %[[CHOICE0:.*]] = memref.alloca() : memref<1xindex>
//       CHECK:       %[[CHOICE1:.*]] = memref.alloca() : memref<1xindex>
//       CHECK:       scf.for
//       CHECK:         memref.load %[[LOGITS]][%[[T]], %{{.*}}]
//       CHECK:       scf.for
//       CHECK:         memref.load %[[LOGITS]][%[[CLAMPED1]], %{{.*}}]
//       CHECK:       %[[E0:.*]] = memref.load %[[CHOICE0]]
//       CHECK:       %[[E1:.*]] = memref.load %[[CHOICE1]]
//       CHECK:       %[[SAME1:.*]] = arith.cmpi eq, %[[E1]], %[[E0]] : index
//       CHECK:       %[[EARLIER1:.*]] = arith.andi %[[BEFORE1]], %[[SAME1]]
//       CHECK:       %[[LATER1:.*]] = arith.xori %[[BEFORE1]]
//       CHECK:       %[[TAKEN1:.*]] = arith.andi %[[LATER1]], %[[SAME1]]
//       CHECK:       %[[VALID1:.*]] = arith.andi %[[IN1]], %[[TAKEN1]]
//       CHECK:       scf.if %[[FIRST:.*]] {
//   CHECK-NOT:         memref.alloca
//       CHECK:         memref.store %{{.*}}, %[[OUT]][%[[T]], %[[N]]]
//       CHECK:         scf.if %[[VALID1]] {
//  CHECK-NEXT:           memref.store %{{.*}}, %[[OUT]][%[[CLAMPED1]], %[[N]]]
//  CHECK-NEXT:         } {llama4.taken_share = 0.15428571428571428 : f64}
//       CHECK:         %[[BEFORE_SUM1:.*]] = scf.if %[[VALID1]] -> (f32) {
//       CHECK:           memref.load %[[OUT]][%[[CLAMPED1]], %[[N]]]
//       CHECK:         } else {
//       CHECK:         } {llama4.taken_share = 0.15428571428571428 : f64}
//       CHECK:         %[[SUMS:.*]]:4 = scf.for %[[K:[a-z0-9]+]] = {{.*}} -> (f32, f32, f32, f32) {
//       CHECK:           memref.load %[[X]][%[[T]], %[[K]]]
//       CHECK:           %[[WK:.*]] = memref.load %[[W]][%[[E0]], %[[K]], %[[N]]]
//   CHECK-NOT:           memref.load %[[W]]
//       CHECK:           %[[WF:.*]] = arith.extf %[[WK]]
//       CHECK:           scf.if %[[VALID1]] -> (f32) {
//       CHECK:             memref.load %[[X]][%[[CLAMPED1]], %[[K]]]
//       CHECK:             math.fma %{{.*}}, %[[WF]], %{{.*}}
//       CHECK:           } {llama4.taken_share = 0.15428571428571428 : f64}
//       CHECK:         memref.store %[[SUMS]]#0, %[[OUT]][%[[T]], %[[N]]]
//       CHECK:         scf.if %[[VALID1]] {
//  CHECK-NEXT:           memref.store %[[SUMS]]#1, %[[OUT]][%[[CLAMPED1]], %[[N]]]
//       CHECK:       } {llama4.taken_share = 0.68359375 : f64}
//       CHECK:   } {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [256]>}
#thread = #llama4.lowering_config<pipeline = gpu_thread_per_element, register_tile = [4], workgroup_size = [256]>
func.func @rows_share_their_expert(%x: memref<?x64xbf16>, %logits: memref<?x4xbf16>,
                                   %w: memref<4x64x96xbf16>, %out: memref<?x96xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c64 = arith.constant 64 : index
  %c96 = arith.constant 96 : index
  %zero = arith.constant 0.0 : f32
  %lowest = arith.constant 0xFF800000 : f32
  %rows = memref.dim %x, %c0 : memref<?x64xbf16>
  scf.parallel (%t, %n) = (%c0, %c0) to (%rows, %c96) step (%c1, %c1) {
    %best = memref.alloca() : memref<1xf32>
    %choice = memref.alloca() : memref<1xindex>
    memref.store %lowest, %best[%c0] : memref<1xf32>
    memref.store %c0, %choice[%c0] : memref<1xindex>
    scf.for %e = %c0 to %c4 step %c1 {
      %logit = memref.load %logits[%t, %e] : memref<?x4xbf16>
      %value = arith.extf %logit : bf16 to f32
      %so_far = memref.load %best[%c0] : memref<1xf32>
      %chosen = memref.load %choice[%c0] : memref<1xindex>
      %better = arith.cmpf ogt, %value, %so_far : f32
      %new_best = arith.select %better, %value, %so_far : f32
      %new_choice = arith.select %better, %e, %chosen : index
      memref.store %new_best, %best[%c0] : memref<1xf32>
      memref.store %new_choice, %choice[%c0] : memref<1xindex>
    }
    memref.store %zero, %out[%t, %n] : memref<?x96xf32>
    %before = memref.load %out[%t, %n] : memref<?x96xf32>
    %expert = memref.load %choice[%c0] : memref<1xindex>
    %sum = scf.for %k = %c0 to %c64 step %c1 iter_args(%acc = %before) -> (f32) {
      %xk = memref.load %x[%t, %k] : memref<?x64xbf16>
      %wk = memref.load %w[%expert, %k, %n] : memref<4x64x96xbf16>
      %xf = arith.extf %xk : bf16 to f32
      %wf = arith.extf %wk : bf16 to f32
      %next = math.fma %xf, %wf, %acc : f32
      scf.yield %next : f32
    }
    memref.store %sum, %out[%t, %n] : memref<?x96xf32>
    scf.reduce
  } {llama4.lowering_config = #thread}
  return
}

// -----

// A thread's rows that read W by the row itself, not by a choice: nothing
// to share, the loop stays as it was; the register tile leaves the config.
// CHECK-LABEL: func.func @rows_without_a_choice
//       CHECK:   scf.parallel (%[[T:.*]], %[[N:.*]]) =
//   CHECK-NOT:   scf.if
//       CHECK:       memref.load %{{.*}}[%[[T]], %{{.*}}, %[[N]]]
//       CHECK:   } {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [256]>}
#thread_rows = #llama4.lowering_config<pipeline = gpu_thread_per_element, register_tile = [4], workgroup_size = [256]>
func.func @rows_without_a_choice(%x: memref<?x64xbf16>, %w: memref<?x64x96xbf16>, %out: memref<?x96xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %c96 = arith.constant 96 : index
  %zero = arith.constant 0.0 : f32
  %rows = memref.dim %x, %c0 : memref<?x64xbf16>
  scf.parallel (%t, %n) = (%c0, %c0) to (%rows, %c96) step (%c1, %c1) {
    %sum = scf.for %k = %c0 to %c64 step %c1 iter_args(%acc = %zero) -> (f32) {
      %xk = memref.load %x[%t, %k] : memref<?x64xbf16>
      %wk = memref.load %w[%t, %k, %n] : memref<?x64x96xbf16>
      %xf = arith.extf %xk : bf16 to f32
      %wf = arith.extf %wk : bf16 to f32
      %next = math.fma %xf, %wf, %acc : f32
      scf.yield %next : f32
    }
    memref.store %sum, %out[%t, %n] : memref<?x96xf32>
    scf.reduce
  } {llama4.lowering_config = #thread_rows}
  return
}
