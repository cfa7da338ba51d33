// RUN: llama4-opt %s --split-input-file --verify-diagnostics --llama4-distribute-loops --cse | FileCheck %s
// RUN: llama4-opt %s --split-input-file --verify-diagnostics --llama4-distribute-loops="min-iterations=2048" --cse | FileCheck %s --check-prefix=LOW
// RUN: not llama4-opt %s --split-input-file --llama4-distribute-loops="min-iterations=0" 2>&1 | FileCheck %s --check-prefix=BAD

// BAD: min-iterations must be positive

// Which ops run on threads comes from their #llama4.lowering_config, as
// --llama4-select-lowering-config writes it (its own test pins what it
// chooses); this pass decides only whether a call's sizes are worth the
// threads.

// An RMSNorm's sum of squares over a dynamic number of rows: one OpenMP
// loop over the rows, the sum over 640 columns inside, on the team when
// the rows hold at least 16384 iterations and there are two rows or more.
#row = affine_map<(m, k) -> (m, k)>
#sum = affine_map<(m, k) -> (m)>
// CHECK-LABEL: func.func @row_sums
//  CHECK-SAME:   %[[X:[a-z0-9]+]]: memref<?x640xf32>, %[[SUM:[a-z0-9]+]]: memref<?xf32>
//   CHECK-NOT:   linalg.generic
//       CHECK:   %[[ROWS:.*]] = memref.dim %[[X]], %c0
//       CHECK:   %[[ALL:.*]] = arith.muli %[[ROWS]], %c640
//       CHECK:   %[[BIG:.*]] = arith.cmpi uge, %[[ALL]], %c16384
//       CHECK:   %[[SEVERAL:.*]] = arith.cmpi uge, %[[ROWS]], %c2
//       CHECK:   %[[TEAM:.*]] = arith.andi %[[BIG]], %[[SEVERAL]] : i1
//       CHECK:   omp.parallel if(%[[TEAM]]) {
//  CHECK-NEXT:     omp.wsloop {
//  CHECK-NEXT:       omp.loop_nest (%[[M:.*]]) : index = (%c0{{.*}}) to (%[[ROWS]]) step (%c1
//       CHECK:         scf.for %[[K:.*]] = %c0{{.*}} to %c640{{.*}} step %c1
//       CHECK:           memref.load %[[X]]
//       CHECK:           memref.store {{.*}}, %[[SUM]]
//       CHECK:         omp.yield
//       CHECK:     omp.terminator
func.func @row_sums(%x: memref<?x640xf32>, %sum: memref<?xf32>) {
  linalg.generic {indexing_maps = [#row, #sum], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<?x640xf32>) outs(%sum : memref<?xf32>)
      attrs = {llama4.lowering_config = #llama4.lowering_config<pipeline = cpu_loops, distribute = true>} {
  ^bb0(%a: f32, %s: f32):
    %sq = arith.mulf %a, %a : f32
    %r = arith.addf %s, %sq : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// RoPE-like elementwise over [tokens, heads, dims]: the threads share the
// tokens and heads, collapsed into one worksharing loop, when those span
// two or more; each walks the 64 dims of its (token, head) itself.
#id = affine_map<(s, h, d) -> (s, h, d)>
// CHECK-LABEL: func.func @elementwise
//       CHECK:   %[[TOKENS:.*]] = memref.dim
//       CHECK:   %[[ROWS:.*]] = arith.muli %[[TOKENS]], %c8
//       CHECK:   %[[ALL:.*]] = arith.muli %[[ROWS]], %c64
//       CHECK:   %[[BIG:.*]] = arith.cmpi uge, %[[ALL]], %c16384
//       CHECK:   %[[SEVERAL:.*]] = arith.cmpi uge, %[[ROWS]], %c2
//       CHECK:   %[[TEAM:.*]] = arith.andi %[[BIG]], %[[SEVERAL]]
//       CHECK:   omp.parallel if(%[[TEAM]])
//       CHECK:     omp.wsloop {
//  CHECK-NEXT:       omp.loop_nest (%[[S:.*]], %[[H:.*]]) : index = (%c0{{.*}}, %c0{{.*}}) to (%[[TOKENS]], %c8{{.*}}) step (%c1{{.*}}, %c1{{.*}}) collapse(2)
//  CHECK-NEXT:         scf.for %[[D:.*]] = %c0{{.*}} to %c64{{.*}} step %c1
//       CHECK:           memref.load %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}]
//       CHECK:           math.exp
//       CHECK:         omp.yield
func.func @elementwise(%x: memref<?x8x64xf32>, %y: memref<?x8x64xf32>) {
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x : memref<?x8x64xf32>) outs(%y : memref<?x8x64xf32>)
      attrs = {llama4.lowering_config = #llama4.lowering_config<pipeline = cpu_loops, distribute = true>} {
  ^bb0(%a: f32, %b: f32):
    %e = math.exp %a : f32
    linalg.yield %e : f32
  }
  return
}

// -----

// Static sizes are decided here. 4 x 640 iterations are too few for the
// default threshold (the op is left to the loop lowering), enough for
// 2048 (always on the team: no `if` clause); one row never splits.
#row = affine_map<(m, k) -> (m, k)>
#sum = affine_map<(m, k) -> (m)>
// CHECK-LABEL: func.func @static_rows
//  CHECK-NEXT:   linalg.generic
//   CHECK-NOT:   omp.parallel
//       CHECK:   return
// LOW-LABEL: func.func @static_rows
//   LOW-NOT:   linalg.generic
//       LOW:   omp.parallel {
//       LOW:       omp.loop_nest (%{{.*}}) : index = (%c0{{.*}}) to (%c4{{.*}}) step (%c1
//       LOW:   linalg.generic
//       LOW:   return
func.func @static_rows(%x: memref<4x640xf32>, %sum: memref<4xf32>, %one: memref<1x8192xf32>, %onesum: memref<1xf32>) {
  linalg.generic {indexing_maps = [#row, #sum], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<4x640xf32>) outs(%sum : memref<4xf32>)
      attrs = {llama4.lowering_config = #llama4.lowering_config<pipeline = cpu_loops, distribute = true>} {
  ^bb0(%a: f32, %s: f32):
    %r = arith.addf %s, %a : f32
    linalg.yield %r : f32
  }
  linalg.generic {indexing_maps = [#row, #sum], iterator_types = ["parallel", "reduction"]}
      ins(%one : memref<1x8192xf32>) outs(%onesum : memref<1xf32>)
      attrs = {llama4.lowering_config = #llama4.lowering_config<pipeline = cpu_loops, distribute = true>} {
  ^bb0(%a: f32, %s: f32):
    %r = arith.addf %s, %a : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// Ops not distributed by their config stay as they are.
#id = affine_map<(s, d) -> (s, d)>
// CHECK-LABEL: func.func @not_distributed
//  CHECK-NEXT:   linalg.generic
//   CHECK-NOT:   omp.parallel
func.func @not_distributed(%x: memref<?x64xf32>, %y: memref<?x64xf32>) {
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<?x64xf32>) outs(%y : memref<?x64xf32>)
      attrs = {llama4.lowering_config = #llama4.lowering_config<pipeline = cpu_loops>} {
  ^bb0(%a: f32, %b: f32):
    linalg.yield %a : f32
  }
  return
}

// -----

// A config the selection would not write: the reduction comes first, so
// no parallel loop is outermost.
#in = affine_map<(k, n) -> (k, n)>
#out = affine_map<(k, n) -> (n)>
func.func @reduction_first(%x: memref<?x64xf32>, %y: memref<64xf32>) {
  // expected-error @+1 {{has no outer parallel loop to distribute}}
  linalg.generic {indexing_maps = [#in, #out], iterator_types = ["reduction", "parallel"]}
      ins(%x : memref<?x64xf32>) outs(%y : memref<64xf32>)
      attrs = {llama4.lowering_config = #llama4.lowering_config<pipeline = cpu_loops, distribute = true>} {
  ^bb0(%a: f32, %b: f32):
    %r = arith.addf %a, %b : f32
    linalg.yield %r : f32
  }
  return
}
