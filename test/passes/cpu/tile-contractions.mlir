// RUN: llama4-opt %s --split-input-file --verify-diagnostics --llama4-tile-contractions | FileCheck %s

// Each product's tiles come from its #llama4.lowering_config, as
// --llama4-select-lowering-config writes them (its own test pins what it
// chooses); this pass decides nothing.

// The nn.Linear form, as buildLinearF32 writes it (loops n, m, k), with
// register tiles [4, 2, 8] in blocks of 512 W rows split between threads
// when the call's multiply-adds reach 2^18 and there are two blocks or
// more (an OpenMP `if`: a decode step's small products stay on the calling
// thread): 4-row tiles of x then single rows, 2-column tiles then single columns; 8
// accumulators of 8 lanes in the 4 x 2 tile, each x vector feeding two
// FMAs; partial sums reduced and added to the output.
#x = affine_map<(n, m, k) -> (m, k)>
#w = affine_map<(n, m, k) -> (n, k)>
#o = affine_map<(n, m, k) -> (m, n)>
// CHECK-LABEL: func.func @linear_f32
//  CHECK-SAME:   %[[X:[a-z0-9]+]]: memref<?x64xf32>, %[[W:[a-z0-9]+]]: memref<1024x64xf32>, %[[OUT:[a-z0-9]+]]: memref<?x1024xf32>
//   CHECK-NOT:   linalg.contract
//       CHECK:   %[[M:.*]] = memref.dim %[[X]]
//       CHECK:   %[[PER_COLUMN:.*]] = arith.muli %[[M]], %c64
//       CHECK:   %[[WORK:.*]] = arith.muli %[[PER_COLUMN]], %c1024
//       CHECK:   %[[TEAM:.*]] = arith.cmpi uge, %[[WORK]], %c262144
//       CHECK:   omp.parallel if(%[[TEAM]]) {
//  CHECK-NEXT:     omp.wsloop {
//  CHECK-NEXT:       omp.loop_nest (%[[COL0:[a-z0-9_]+]]) : index = (%{{.*}}) to (%c1024) step (%c512
//       CHECK:     scf.for %[[ROW:[a-z0-9_]+]] = %{{.*}} step %c4
//       CHECK:       scf.for %[[COL:[a-z0-9_]+]] = %[[COL0]] to %{{.*}} step %c2
//       CHECK:         %[[ACC:.*]]:8 = scf.for %[[K:[a-z0-9_]+]] = %{{.*}} to %c64{{.*}} step %c8{{.*}} iter_args({{.*}}) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
//       CHECK:           %[[W0:.*]] = vector.load %[[W]][%[[COL]], %[[K]]] : memref<1024x64xf32>, vector<8xf32>
//       CHECK:           %[[W1:.*]] = vector.load %[[W]][%{{.*}}, %[[K]]] : memref<1024x64xf32>, vector<8xf32>
//       CHECK:           %[[X0:.*]] = vector.load %[[X]][%[[ROW]], %[[K]]] : memref<?x64xf32>, vector<8xf32>
//       CHECK:           vector.fma %[[X0]], %[[W0]]
//       CHECK:           vector.fma %[[X0]], %[[W1]]
// CHECK-COUNT-6:         vector.fma
//       CHECK:           scf.yield
// CHECK-COUNT-8:       vector.reduction <add>, %{{.*}} fastmath<reassoc> : vector<8xf32> into f32
//       CHECK:         %[[OLD:.*]] = memref.load %[[OUT]][%[[ROW]], %[[COL]]]
//       CHECK:         arith.addf %[[OLD]]
//       CHECK:         memref.store %{{.*}}, %[[OUT]][%[[ROW]], %[[COL]]]
// The leftover column of a 4-row tile: 4 accumulators.
//       CHECK:       scf.for %{{.*}} step %c1
//       CHECK:         scf.for {{.*}} -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
// The leftover rows (all of a decode step's) take W's rows one at a time,
// in memory order: 4 accumulators, each every 4th vector of k, added then
// reduced.
//       CHECK:     scf.for %[[LEFT:[a-z0-9_]+]] = %{{.*}} to %[[M]] step %c1
//       CHECK:       scf.for %[[WROW:[a-z0-9_]+]] = %[[COL0]] to %{{.*}} step %c1
//       CHECK:         %[[PARTS:.*]]:4 = scf.for %[[K4:[a-z0-9_]+]] = %{{.*}} to %c64{{.*}} step %c32{{.*}} -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
//       CHECK:           vector.load %[[W]][%[[WROW]], %[[K4]]]
//       CHECK:           vector.load %[[X]][%[[LEFT]], %[[K4]]]
// CHECK-COUNT-4:         vector.fma
//       CHECK:         %[[P01:.*]] = arith.addf %[[PARTS]]#0, %[[PARTS]]#1 : vector<8xf32>
//       CHECK:         %[[P012:.*]] = arith.addf %[[P01]], %[[PARTS]]#2 : vector<8xf32>
//       CHECK:         %[[ALL:.*]] = arith.addf %[[P012]], %[[PARTS]]#3 : vector<8xf32>
//       CHECK:         vector.reduction <add>, %[[ALL]]
func.func @linear_f32(%x: memref<?x64xf32>, %w: memref<1024x64xf32>, %out: memref<?x1024xf32>) {
  linalg.contract indexing_maps = [#x, #w, #o]
      ins(%x, %w : memref<?x64xf32>, memref<1024x64xf32>) outs(%out : memref<?x1024xf32>)
      {llama4.lowering_config = #llama4.lowering_config<pipeline = cpu_dot_tiles,
          workgroup_tile = [0, 512, 0], register_tile = [4, 2, 8], distribute = true>}
  return
}

// -----

// bf16 operands are loaded as bf16 vectors and widened; leading dimensions
// (batch) become plain loops around the tiles; a depth that is not a
// multiple of 8 (20 = 16 + 4) ends in a scalar loop per tile. Without
// `distribute` the blocks of W rows run on one thread.
#x3 = affine_map<(n, b, s, k) -> (b, s, k)>
#w3 = affine_map<(n, b, s, k) -> (n, k)>
#o3 = affine_map<(n, b, s, k) -> (b, s, n)>
// CHECK-LABEL: func.func @linear_bf16_batched_ragged_depth
//  CHECK-SAME:   %[[X:[a-z0-9]+]]: memref<?x?x20xbf16>, %[[W:[a-z0-9]+]]: memref<6x20xbf16>
//   CHECK-NOT:   omp.parallel
//       CHECK:   %[[B:.*]] = memref.dim %[[X]], %c0
//       CHECK:   scf.for %[[BATCH:[a-z0-9_]+]] = %{{.*}} to %[[B]] step %c1
//       CHECK:     memref.dim %[[X]], %c1
//       CHECK:         scf.for %[[K:[a-z0-9_]+]] = %{{.*}} to %c16{{.*}} step %c8
//       CHECK:           %[[WV:.*]] = vector.load %[[W]][%{{.*}}, %[[K]]] : memref<6x20xbf16>, vector<8xbf16>
//       CHECK:           arith.extf %[[WV]] : vector<8xbf16> to vector<8xf32>
//       CHECK:           %[[XV:.*]] = vector.load %[[X]][%[[BATCH]], %{{.*}}, %[[K]]] : memref<?x?x20xbf16>, vector<8xbf16>
//       CHECK:           arith.extf %[[XV]] : vector<8xbf16> to vector<8xf32>
//       CHECK:         vector.reduction <add>
//       CHECK:         scf.for %[[T:[a-z0-9_]+]] = %c16{{.*}} to %c20{{.*}} step %c1{{.*}} iter_args
//       CHECK:           %[[XS:.*]] = memref.load %[[X]][%[[BATCH]], %{{.*}}, %[[T]]] : memref<?x?x20xbf16>
//       CHECK:           arith.extf %[[XS]] : bf16 to f32
//       CHECK:           arith.mulf
//       CHECK:           arith.addf
func.func @linear_bf16_batched_ragged_depth(%x: memref<?x?x20xbf16>, %w: memref<6x20xbf16>,
    %out: memref<?x?x6xf32>) {
  linalg.contract indexing_maps = [#x3, #w3, #o3]
      ins(%x, %w : memref<?x?x20xbf16>, memref<6x20xbf16>) outs(%out : memref<?x?x6xf32>)
      {llama4.lowering_config = #llama4.lowering_config<pipeline = cpu_dot_tiles,
          workgroup_tile = [0, 6, 0], register_tile = [4, 2, 8]>}
  return
}

// -----

// Another register tile is carried out as given: 2 rows of x by 1 row of W,
// 4 lanes of k (2 accumulators), in blocks of 4 W rows split between threads.
#x = affine_map<(n, m, k) -> (m, k)>
#w = affine_map<(n, m, k) -> (n, k)>
#o = affine_map<(n, m, k) -> (m, n)>
// CHECK-LABEL: func.func @linear_follows_its_config
//       CHECK:   omp.parallel
//       CHECK:       omp.loop_nest (%{{.*}}) : index = (%{{.*}}) to (%{{.*}}) step (%c4
//       CHECK:     scf.for %{{.*}} step %c2
//       CHECK:       scf.for %{{.*}} step %c1
//       CHECK:         scf.for {{.*}} step %c4{{.*}} -> (vector<4xf32>, vector<4xf32>)
//       CHECK:           vector.load {{.*}} : memref<8x16xf32>, vector<4xf32>
func.func @linear_follows_its_config(%x: memref<?x16xf32>, %w: memref<8x16xf32>, %out: memref<?x8xf32>) {
  linalg.contract indexing_maps = [#x, #w, #o]
      ins(%x, %w : memref<?x16xf32>, memref<8x16xf32>) outs(%out : memref<?x8xf32>)
      {llama4.lowering_config = #llama4.lowering_config<pipeline = cpu_dot_tiles,
          workgroup_tile = [0, 4, 0], register_tile = [2, 1, 4], distribute = true>}
  return
}

// -----

// An expert's [in, out] matrix, register tiles [4, 16, 8]. When there are
// whole 4-row tiles of x, 43 columns are strips of
// 16 (two vectors), then 8, then 1, each passed over by every 4-row tile:
// x broadcast, one W row per k, the accumulators added to the output as
// vectors. Leftover rows stream W 4 rows at a time (k outermost), 512-column
// chunks at a time, the output row accumulating in memory; the 3 columns
// past the last whole vector go one at a time.
#xe = affine_map<(m, n, k) -> (m, k)>
#we = affine_map<(m, n, k) -> (k, n)>
#oe = affine_map<(m, n, k) -> (m, n)>
// CHECK-LABEL: func.func @expert_in_out
//  CHECK-SAME:   %[[X:[a-z0-9]+]]: memref<?x64xbf16>, %[[W:[a-z0-9]+]]: memref<64x43xbf16>, %[[OUT:[a-z0-9]+]]: memref<?x43xf32>
//   CHECK-NOT:   linalg.contract
//       CHECK:   %[[ROWS:.*]] = memref.dim %[[X]], %c0
//       CHECK:   arith.remui %{{.*}}, %c4
//       CHECK:   %[[TILES_END:.*]] = arith.subi %[[ROWS]]
//       CHECK:   %[[ANY:.*]] = arith.cmpi ugt, %[[TILES_END]]
//       CHECK:   scf.if %[[ANY]] {
//       CHECK:   scf.for %[[COL:[a-z0-9_]+]] = %{{.*}} step %c16
//       CHECK:     scf.for %[[ROW:[a-z0-9_]+]] = %{{.*}} step %c4
//       CHECK:       scf.for %[[K:[a-z0-9_]+]] = {{.*}} -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
//       CHECK:         %[[W0:.*]] = vector.load %[[W]][%[[K]], %[[COL]]] : memref<64x43xbf16>, vector<8xbf16>
//       CHECK:         %[[W0F:.*]] = arith.extf %[[W0]] : vector<8xbf16> to vector<8xf32>
//       CHECK:         vector.load %[[W]][%[[K]], %{{.*}}] : memref<64x43xbf16>, vector<8xbf16>
//       CHECK:         %[[XS:.*]] = memref.load %[[X]][%[[ROW]], %[[K]]] : memref<?x64xbf16>
//       CHECK:         %[[XF:.*]] = arith.extf %[[XS]] : bf16 to f32
//       CHECK:         %[[XV:.*]] = vector.broadcast %[[XF]] : f32 to vector<8xf32>
//       CHECK:         vector.fma %[[XV]], %[[W0F]]
// CHECK-COUNT-7:       vector.fma
//       CHECK:       %[[OLD:.*]] = vector.load %[[OUT]][%[[ROW]], %[[COL]]] : memref<?x43xf32>, vector<8xf32>
//       CHECK:       %[[NEW:.*]] = arith.addf %[[OLD]]
//       CHECK:       vector.store %[[NEW]], %[[OUT]][%[[ROW]], %[[COL]]] : memref<?x43xf32>, vector<8xf32>
//       CHECK:   scf.for %{{.*}} step %c8
//       CHECK:       scf.for {{.*}} -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
//       CHECK:   scf.for %{{.*}} step %c1
//       CHECK:       scf.for {{.*}} -> (vector<1xf32>, vector<1xf32>, vector<1xf32>, vector<1xf32>)
//       CHECK:         vector.load %[[W]]{{.*}} : memref<64x43xbf16>, vector<1xbf16>
//       CHECK:   scf.for %[[ROW1:[a-z0-9_]+]] = %[[TILES_END]] to %[[ROWS]] step %c1
//       CHECK:     scf.for %[[CHUNK:[a-z0-9_]+]] = %{{.*}} step %c512
//       CHECK:       scf.for %[[K1:[a-z0-9_]+]] = %{{.*}} step %c4
//       CHECK:         %[[XB:.*]] = vector.broadcast
// CHECK-COUNT-3:       vector.broadcast
//       CHECK:         scf.for %[[C:[a-z0-9_]+]] = %[[CHUNK]] to %{{.*}} step %c8
//       CHECK:           %[[OV:.*]] = vector.load %[[OUT]][%[[ROW1]], %[[C]]] : memref<?x43xf32>, vector<8xf32>
//       CHECK:           %[[WV:.*]] = vector.load %[[W]][%[[K1]], %[[C]]] : memref<64x43xbf16>, vector<8xbf16>
//       CHECK:           %[[WF:.*]] = arith.extf %[[WV]]
//       CHECK:           %[[ACC1:.*]] = vector.fma %[[XB]], %[[WF]], %[[OV]]
//       CHECK:           vector.fma %{{.*}}, %{{.*}}, %[[ACC1]]
// CHECK-COUNT-2:         vector.fma
//       CHECK:           vector.store %{{.*}}, %[[OUT]][%[[ROW1]], %[[C]]]
// k past the last multiple of 4, one row of W per pass.
//       CHECK:       scf.for %{{.*}} step %c1
//       CHECK:         vector.broadcast
//   CHECK-NOT:         vector.broadcast
//       CHECK:         scf.for %{{.*}} step %c8
//       CHECK:     scf.for %{{.*}} step %c1
//       CHECK:       scf.for {{.*}} -> (vector<1xf32>)
func.func @expert_in_out(%x: memref<?x64xbf16>, %w: memref<64x43xbf16>, %out: memref<?x43xf32>) {
  linalg.contract indexing_maps = [#xe, #we, #oe]
      ins(%x, %w : memref<?x64xbf16>, memref<64x43xbf16>) outs(%out : memref<?x43xf32>)
      {llama4.lowering_config = #llama4.lowering_config<pipeline = cpu_outer_product_tiles,
          workgroup_tile = [0, 512, 0], register_tile = [4, 16, 8]>}
  return
}

// -----

// Where only W's sizes count, the split is decided here: a row streamed
// over a [512, 1024] W (2^19 multiply-adds in two 512-column chunks) takes
// the team whatever the token count; one over a [64, 48] W (3,072) never
// does. The strips of whole row tiles depend on the token count.
#xe = affine_map<(m, n, k) -> (m, k)>
#we = affine_map<(m, n, k) -> (k, n)>
#oe = affine_map<(m, n, k) -> (m, n)>
// CHECK-LABEL: func.func @streamed_rows_split_by_weight_size
//       CHECK:   scf.if
//       CHECK:     omp.parallel if(
//       CHECK:   scf.for
//       CHECK:     omp.parallel {
//  CHECK-NEXT:       omp.wsloop {
//  CHECK-NEXT:         omp.loop_nest (%{{.*}}) : index = (%{{.*}}) to (%c1024) step (%c512
//       CHECK:   scf.if
//       CHECK:     omp.parallel if(
//       CHECK:   scf.for
//   CHECK-NOT:     omp.parallel
//       CHECK:   return
func.func @streamed_rows_split_by_weight_size(%x: memref<?x512xf32>, %w: memref<512x1024xf32>,
    %out: memref<?x1024xf32>, %y: memref<?x64xf32>, %v: memref<64x48xf32>, %outv: memref<?x48xf32>) {
  linalg.contract indexing_maps = [#xe, #we, #oe]
      ins(%x, %w : memref<?x512xf32>, memref<512x1024xf32>) outs(%out : memref<?x1024xf32>)
      {llama4.lowering_config = #llama4.lowering_config<pipeline = cpu_outer_product_tiles,
          workgroup_tile = [0, 512, 0], register_tile = [4, 16, 8], distribute = true>}
  linalg.contract indexing_maps = [#xe, #we, #oe]
      ins(%y, %v : memref<?x64xf32>, memref<64x48xf32>) outs(%outv : memref<?x48xf32>)
      {llama4.lowering_config = #llama4.lowering_config<pipeline = cpu_outer_product_tiles,
          workgroup_tile = [0, 512, 0], register_tile = [4, 16, 8], distribute = true>}
  return
}

// -----

// A product without a register-tile config is left to the loop lowering.
#x = affine_map<(n, m, k) -> (m, k)>
#w = affine_map<(n, m, k) -> (n, k)>
#o = affine_map<(n, m, k) -> (m, n)>
// CHECK-LABEL: func.func @unconfigured_is_left_alone
//       CHECK: linalg.contract
//   CHECK-NOT: vector.
func.func @unconfigured_is_left_alone(%x: memref<?x64xf32>, %w: memref<1024x64xf32>,
    %y: memref<?x1024xf32>) {
  linalg.contract indexing_maps = [#x, #w, #o]
      ins(%x, %w : memref<?x64xf32>, memref<1024x64xf32>) outs(%y : memref<?x1024xf32>)
      {llama4.lowering_config = #llama4.lowering_config<pipeline = cpu_loops>}
  return
}

// -----

// bf16 pairs (vdpbf16ps): x and W loaded as 32 bf16, each of the 16 f32
// lanes summing a pair of k; a 6 x 4 tile (24 dots) loads 10 vectors a
// step of 32 k. A depth of 80 = 64 + 16 ends in the scalar loop, widened.
// The leftover rows, which stream W, take pairs too: 4 accumulators of 32
// k each, 128 k a step (none here), then vectors of 32 k, then the 16 k
// left one at a time, widened.
#x = affine_map<(n, m, k) -> (m, k)>
#w = affine_map<(n, m, k) -> (n, k)>
#o = affine_map<(n, m, k) -> (m, n)>
// CHECK-LABEL: func.func @linear_bf16_pairs
//  CHECK-SAME:   %[[X:[a-z0-9]+]]: memref<?x80xbf16>, %[[W:[a-z0-9]+]]: memref<64x80xbf16>
//       CHECK:   scf.for %[[COL0:[a-z0-9_]+]] = %{{.*}} to %c64{{.*}} step %c64
//       CHECK:     scf.for %[[ROW:[a-z0-9_]+]] = %{{.*}} step %c6
//       CHECK:       scf.for %[[COL:[a-z0-9_]+]] = %[[COL0]] to %{{.*}} step %c4
//       CHECK:         scf.for %[[K:[a-z0-9_]+]] = %{{.*}} to %c64{{.*}} step %c32{{.*}} -> (vector<16xf32>,
//       CHECK:         %[[W0:.*]] = vector.load %[[W]][%[[COL]], %[[K]]] : memref<64x80xbf16>, vector<32xbf16>
//       CHECK:         %[[X0:.*]] = vector.load %[[X]][%[[ROW]], %[[K]]] : memref<?x80xbf16>, vector<32xbf16>
//   CHECK-NOT:         arith.extf
//       CHECK:         x86vector.avx512.dot %{{.*}}, %[[X0]], %[[W0]] : vector<32xbf16> -> vector<16xf32>
// CHECK-COUNT-23:      x86vector.avx512.dot
//       CHECK:         scf.yield
// CHECK-COUNT-24:    vector.reduction <add>, %{{.*}} : vector<16xf32> into f32
//       CHECK:       scf.for %[[T:[a-z0-9_]+]] = %c64{{.*}} to %c80{{.*}} step %c1{{.*}} iter_args
//       CHECK:         arith.extf
//       CHECK:     scf.for %[[LEFT:[a-z0-9_]+]] = %{{.*}} step %c1
//       CHECK:       scf.for %{{.*}} step %c1
//       CHECK:         scf.for %{{.*}} step %c128{{.*}} -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
//       CHECK:           vector.load %[[W]]{{.*}} : memref<64x80xbf16>, vector<32xbf16>
//   CHECK-NOT:           arith.extf
//       CHECK:           x86vector.avx512.dot
//       CHECK:         scf.for %{{.*}} to %c64{{.*}} step %c32{{.*}} -> (vector<16xf32>)
//       CHECK:           x86vector.avx512.dot
//       CHECK:         vector.reduction <add>
//       CHECK:         scf.for %{{.*}} = %c64{{.*}} to %c80{{.*}} step %c1{{.*}} -> (f32)
//       CHECK:           arith.extf
func.func @linear_bf16_pairs(%x: memref<?x80xbf16>, %w: memref<64x80xbf16>, %out: memref<?x64xf32>) {
  linalg.contract indexing_maps = [#x, #w, #o]
      ins(%x, %w : memref<?x80xbf16>, memref<64x80xbf16>) outs(%out : memref<?x64xf32>)
      {llama4.lowering_config = #llama4.lowering_config<pipeline = cpu_bf16_dot_tiles,
          workgroup_tile = [0, 64, 0], register_tile = [6, 4, 16]>}
  return
}

// -----

// An expert's bf16 W [in, out] in pairs: per step of 2 k, rows k and k + 1
// of each 16-column vector interleaved, each row of x's pair broadcast as
// one 32-bit word, 4 x 2 dots. An odd depth (33) ends with one k widened;
// the columns past the whole vectors (43 = 32 + 11) widen one at a time.
#xe = affine_map<(m, n, k) -> (m, k)>
#we = affine_map<(m, n, k) -> (k, n)>
#oe = affine_map<(m, n, k) -> (m, n)>
// CHECK-LABEL: func.func @expert_bf16_pairs
//  CHECK-SAME:   %[[X:[a-z0-9]+]]: memref<?x33xbf16>, %[[W:[a-z0-9]+]]: memref<33x43xbf16>
//       CHECK:   scf.if
//       CHECK:       scf.for %[[ROW:[a-z0-9_]+]] = %{{.*}} step %c4
//       CHECK:         scf.for %[[K:[a-z0-9_]+]] = %c0{{.*}} to %c32{{.*}} step %c2{{.*}} -> (vector<16xf32>,
//       CHECK:           %[[EVEN:.*]] = vector.load %[[W]][%[[K]], %{{.*}}] : memref<33x43xbf16>, vector<16xbf16>
//       CHECK:           %[[NEXT:.*]] = arith.addi %[[K]], %c1
//       CHECK:           %[[ODD:.*]] = vector.load %[[W]][%[[NEXT]], %{{.*}}] : memref<33x43xbf16>, vector<16xbf16>
//       CHECK:           %[[WPAIRS:.*]] = vector.interleave %[[EVEN]], %[[ODD]] : vector<16xbf16> -> vector<32xbf16>
//       CHECK:           %[[PAIR:.*]] = vector.load %[[X]][%[[ROW]], %[[K]]] : memref<?x33xbf16>, vector<2xbf16>
//       CHECK:           %[[WORD:.*]] = vector.bitcast %[[PAIR]] : vector<2xbf16> to vector<1xi32>
//       CHECK:           %[[WORDS:.*]] = vector.broadcast %[[WORD]] : vector<1xi32> to vector<16xi32>
//       CHECK:           %[[XPAIRS:.*]] = vector.bitcast %[[WORDS]] : vector<16xi32> to vector<32xbf16>
//       CHECK:           x86vector.avx512.dot %{{.*}}, %[[XPAIRS]], %[[WPAIRS]] : vector<32xbf16> -> vector<16xf32>
// CHECK-COUNT-7:         x86vector.avx512.dot
//       CHECK:         scf.for %{{.*}} = %c32{{.*}} to %c33{{.*}} step %c1
//       CHECK:           arith.extf
//       CHECK:           vector.fma
//   CHECK-NOT:         x86vector
//       CHECK:         vector.store
func.func @expert_bf16_pairs(%x: memref<?x33xbf16>, %w: memref<33x43xbf16>, %out: memref<?x43xf32>) {
  linalg.contract indexing_maps = [#xe, #we, #oe]
      ins(%x, %w : memref<?x33xbf16>, memref<33x43xbf16>) outs(%out : memref<?x43xf32>)
      {llama4.lowering_config = #llama4.lowering_config<pipeline = cpu_bf16_outer_product_tiles,
          workgroup_tile = [0, 512, 0], register_tile = [4, 32, 16]>}
  return
}

// -----

// Pairs need x and W both in bf16.
#x = affine_map<(n, m, k) -> (m, k)>
#w = affine_map<(n, m, k) -> (n, k)>
#o = affine_map<(n, m, k) -> (m, n)>
func.func @bf16_pairs_of_f32_x(%x: memref<?x64xf32>, %w: memref<16x64xbf16>, %out: memref<?x16xf32>) {
  // expected-error @+1 {{is configured as bf16 pairs but x and W are not both bf16}}
  linalg.contract indexing_maps = [#x, #w, #o]
      ins(%x, %w : memref<?x64xf32>, memref<16x64xbf16>) outs(%out : memref<?x16xf32>)
      {llama4.lowering_config = #llama4.lowering_config<pipeline = cpu_bf16_dot_tiles,
          workgroup_tile = [0, 16, 0], register_tile = [6, 4, 16]>}
  return
}

// -----

// A config the product cannot take is an error at the op.
#xe = affine_map<(m, n, k) -> (m, k)>
#we = affine_map<(m, n, k) -> (k, n)>
#oe = affine_map<(m, n, k) -> (m, n)>
func.func @dot_tiles_on_an_in_out_weight(%x: memref<?x64xf32>, %w: memref<64x32xf32>, %out: memref<?x32xf32>) {
  // expected-error @+1 {{is configured as dot-product tiles but its weight is not [out, in]}}
  linalg.contract indexing_maps = [#xe, #we, #oe]
      ins(%x, %w : memref<?x64xf32>, memref<64x32xf32>) outs(%out : memref<?x32xf32>)
      {llama4.lowering_config = #llama4.lowering_config<pipeline = cpu_dot_tiles,
          workgroup_tile = [0, 8, 0], register_tile = [4, 2, 8]>}
  return
}

// -----

#xe = affine_map<(m, n, k) -> (m, k)>
#we = affine_map<(m, n, k) -> (k, n)>
#oe = affine_map<(m, n, k) -> (m, n)>
func.func @outer_product_tile_of_partial_vectors(%x: memref<?x64xf32>, %w: memref<64x32xf32>, %out: memref<?x32xf32>) {
  // expected-error @+1 {{needs an outer-product register tile [m, n, lanes] with n a multiple of lanes}}
  linalg.contract indexing_maps = [#xe, #we, #oe]
      ins(%x, %w : memref<?x64xf32>, memref<64x32xf32>) outs(%out : memref<?x32xf32>)
      {llama4.lowering_config = #llama4.lowering_config<pipeline = cpu_outer_product_tiles,
          workgroup_tile = [0, 512, 0], register_tile = [4, 12, 8]>}
  return
}

// -----

// Register tiles need rows that vector loads can run along.
#x = affine_map<(n, m, k) -> (m, k)>
#w = affine_map<(n, m, k) -> (n, k)>
#o = affine_map<(n, m, k) -> (m, n)>
func.func @strided_weight_rows(%x: memref<?x64xf32>, %ws: memref<1024x64xf32, strided<[1, 1024]>>,
    %y: memref<?x1024xf32>) {
  // expected-error @+1 {{is configured as register tiles but is not x * W in f32 with contiguous rows}}
  linalg.contract indexing_maps = [#x, #w, #o]
      ins(%x, %ws : memref<?x64xf32>, memref<1024x64xf32, strided<[1, 1024]>>) outs(%y : memref<?x1024xf32>)
      {llama4.lowering_config = #llama4.lowering_config<pipeline = cpu_dot_tiles,
          workgroup_tile = [0, 512, 0], register_tile = [4, 2, 8]>}
  return
}
