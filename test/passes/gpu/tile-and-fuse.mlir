// RUN: llama4-opt %s --split-input-file --llama4-gpu-tile-and-fuse | FileCheck %s

// A bf16 nn.Linear: the rounding map is the root, one output element per
// iteration; the contraction (a warp per element, whose tile becomes a
// warp's) and the fill of its accumulator only it reads fuse in, the
// accumulator an empty one-element tile.
#x = affine_map<(n, m, k) -> (m, k)>
#w = affine_map<(n, m, k) -> (n, k)>
#o = affine_map<(n, m, k) -> (m, n)>
#id = affine_map<(i, j) -> (i, j)>
// CHECK-LABEL: func.func @linear_rounds_in_its_kernel
//       CHECK:   %[[OUT:.*]] = tensor.empty(%{{.*}}) : tensor<?x32xbf16>
//       CHECK:   %[[Y:.*]] = scf.forall (%[[M:.*]], %[[N:.*]]) in (%{{.*}}, 32) shared_outs(%[[O:.*]] = %[[OUT]])
//       CHECK:     %[[XS:.*]] = tensor.extract_slice %{{.*}}[%[[M]], 0] [1, 64] [1, 1] : tensor<?x64xbf16> to tensor<1x64xbf16>
//       CHECK:     %[[WS:.*]] = tensor.extract_slice %{{.*}}[%[[N]], 0] [1, 64] [1, 1] : tensor<32x64xbf16> to tensor<1x64xbf16>
//       CHECK:     %[[TILE:.*]] = tensor.empty() : tensor<1x1xf32>
//       CHECK:     %[[ACC:.*]] = linalg.fill {{.*}} outs(%[[TILE]] : tensor<1x1xf32>)
//       CHECK:     %[[P:.*]] = linalg.contract {{.*}} {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_warp_per_element, workgroup_size = [256]>} ins(%[[XS]], %[[WS]] : tensor<1x64xbf16>, tensor<1x64xbf16>) outs(%[[ACC]] : tensor<1x1xf32>)
//       CHECK:     %[[R:.*]] = linalg.generic {{.*}} ins(%[[P]] : tensor<1x1xf32>)
//       CHECK:       arith.truncf
//       CHECK:     tensor.parallel_insert_slice %[[R]] into %[[O]][%[[M]], %[[N]]] [1, 1] [1, 1]
//   CHECK-NOT:   linalg.
//       CHECK:   return %[[Y]]
func.func @linear_rounds_in_its_kernel(%x: tensor<?x64xbf16>, %w: tensor<32x64xbf16>) -> tensor<?x32xbf16> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %m = tensor.dim %x, %c0 : tensor<?x64xbf16>
  %e = tensor.empty(%m) : tensor<?x32xf32>
  %acc = linalg.fill {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [256]>}
      ins(%zero : f32) outs(%e : tensor<?x32xf32>) -> tensor<?x32xf32>
  %p = linalg.contract indexing_maps = [#x, #w, #o]
      ins(%x, %w : tensor<?x64xbf16>, tensor<32x64xbf16>) outs(%acc : tensor<?x32xf32>)
      {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_warp_per_element, workgroup_size = [256]>} -> tensor<?x32xf32>
  %e2 = tensor.empty(%m) : tensor<?x32xbf16>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%p : tensor<?x32xf32>) outs(%e2 : tensor<?x32xbf16>)
      attrs = {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [256]>} {
  ^bb0(%a: f32, %b: bf16):
    %t = arith.truncf %a : f32 to bf16
    linalg.yield %t : bf16
  } -> tensor<?x32xbf16>
  return %r : tensor<?x32xbf16>
}

// -----

// Not fused, each its own kernel: a reduction read by a map through only
// some of its loops (each of 256 columns would recompute the row's
// 256-step sum, more than a short sum's 128), and a map with a second
// reader.
#id = affine_map<(i, j) -> (i, j)>
#row = affine_map<(i, j) -> (i)>
// The reduction's accumulator fill fuses into it (its destination).
// CHECK-LABEL: func.func @broadcasts_and_shared_results_stay_apart
//       CHECK:   %[[EXP:.*]] = scf.forall (%{{.*}}, %{{.*}}) in (%{{.*}}, 256) shared_outs
//       CHECK:     math.exp
//       CHECK:   %[[SUM:.*]] = scf.forall (%{{.*}}) in (%{{.*}}) shared_outs
//       CHECK:     linalg.fill
//       CHECK:     linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
//       CHECK:   scf.forall (%{{.*}}, %{{.*}}) in (%{{.*}}, 256) shared_outs
//       CHECK:     tensor.extract_slice %[[EXP]]
//       CHECK:     tensor.extract_slice %[[SUM]]
//       CHECK:     arith.divf
func.func @broadcasts_and_shared_results_stay_apart(%x: tensor<?x256xf32>) -> (tensor<?x256xf32>, tensor<?x256xf32>) {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %m = tensor.dim %x, %c0 : tensor<?x256xf32>
  %e = tensor.empty(%m) : tensor<?x256xf32>
  %exp = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<?x256xf32>) outs(%e : tensor<?x256xf32>)
      attrs = {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [256]>} {
  ^bb0(%a: f32, %b: f32):
    %v = math.exp %a : f32
    linalg.yield %v : f32
  } -> tensor<?x256xf32>
  %rows = tensor.empty(%m) : tensor<?xf32>
  %init = linalg.fill {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [256]>}
      ins(%zero : f32) outs(%rows : tensor<?xf32>) -> tensor<?xf32>
  %sum = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%exp : tensor<?x256xf32>) outs(%init : tensor<?xf32>)
      attrs = {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [256]>} {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %acc, %a : f32
    linalg.yield %s : f32
  } -> tensor<?xf32>
  %e2 = tensor.empty(%m) : tensor<?x256xf32>
  %p = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}
      ins(%exp, %sum : tensor<?x256xf32>, tensor<?xf32>) outs(%e2 : tensor<?x256xf32>)
      attrs = {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [256]>} {
  ^bb0(%a: f32, %s: f32, %b: f32):
    %v = arith.divf %a, %s : f32
    linalg.yield %v : f32
  } -> tensor<?x256xf32>
  return %p, %exp : tensor<?x256xf32>, tensor<?x256xf32>
}

// -----

// Online attention tiles like a linalg op: one query (b, h, g, s) per
// iteration, with its position, its KV head's cache and new keys whole,
// and the new keys' positions of its row. The grouping map before it is
// read a whole head row per tile, which no other tile reads: it joins the
// tile.
// CHECK-LABEL: func.func @attention_per_query
//  CHECK-SAME:   %[[Q:[a-z0-9]+]]: tensor<?x2x2x?x16xbf16>, %[[POS:[a-z0-9]+]]: tensor<?x?xi32>, %[[KC:[a-z0-9]+]]: tensor<?x2x8x16xbf16>
//   CHECK-NOT:   scf.forall
//       CHECK:   scf.forall (%[[B:.*]], %[[H:.*]], %[[G:.*]], %[[S:.*]]) in (%{{.*}}, 2, 2, %{{.*}}) shared_outs(%[[OUT:.*]] = %{{.*}})
//   CHECK-DAG:     %[[QS:.*]] = tensor.extract_slice %[[Q]][%[[B]], %[[H]], %[[G]], %[[S]], 0] [1, 1, 1, 1, 16]
//   CHECK-DAG:     %[[QT:.*]] = linalg.copy {{.*}} ins(%[[QS]] : tensor<1x1x1x1x16xbf16>)
//   CHECK-DAG:     %[[QP:.*]] = tensor.extract_slice %[[POS]][%[[B]], %[[S]]] [1, 1] [1, 1]
//   CHECK-DAG:     %[[KCT:.*]] = tensor.extract_slice %[[KC]][%[[B]], %[[H]], 0, 0] [1, 1, 8, 16] [1, 1, 1, 1]
//   CHECK-DAG:     %[[KP:.*]] = tensor.extract_slice %[[POS]][%[[B]], 0] [1, %{{.*}}] [1, 1]
//   CHECK-DAG:     %[[OT:.*]] = tensor.extract_slice %[[OUT]][%[[B]], %[[H]], %[[G]], %[[S]], 0] [1, 1, 1, 1, 16]
//       CHECK:     %[[A:.*]] = llama4.online_attention %[[QT]] at(%[[QP]]) cache(%[[KCT]], %{{.*}}) tokens(%{{.*}}, %{{.*}} at %[[KP]]) outs(%[[OT]])
//  CHECK-SAME:       -> tensor<1x1x1x1x16xbf16>
//       CHECK:     tensor.parallel_insert_slice %[[A]] into %[[OUT]][%[[B]], %[[H]], %[[G]], %[[S]], 0] [1, 1, 1, 1, 16]
#gpu = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [256]>
func.func @attention_per_query(%q: tensor<?x2x2x?x16xbf16>, %pos: tensor<?x?xi32>,
    %kc: tensor<?x2x8x16xbf16>, %vc: tensor<?x2x8x16xbf16>,
    %k: tensor<?x2x?x16xbf16>, %v: tensor<?x2x?x16xbf16>) -> tensor<?x2x2x?x16xbf16> {
  %c0 = arith.constant 0 : index
  %c3 = arith.constant 3 : index
  %b = tensor.dim %q, %c0 : tensor<?x2x2x?x16xbf16>
  %s = tensor.dim %q, %c3 : tensor<?x2x2x?x16xbf16>
  %empty = tensor.empty(%b, %s) : tensor<?x2x2x?x16xbf16>
  %grouped = linalg.copy {llama4.lowering_config = #gpu} ins(%q : tensor<?x2x2x?x16xbf16>) outs(%empty : tensor<?x2x2x?x16xbf16>) -> tensor<?x2x2x?x16xbf16>
  %init = tensor.empty(%b, %s) : tensor<?x2x2x?x16xbf16>
  %o = llama4.online_attention %grouped at(%pos) cache(%kc, %vc) tokens(%k, %v at %pos)
      outs(%init) {chunk_size = 8 : i64, key_block = 128 : i64, scale = 0.25 : f64,
                   llama4.lowering_config = #gpu}
      : (tensor<?x2x2x?x16xbf16>, tensor<?x?xi32>, tensor<?x2x8x16xbf16>,
         tensor<?x2x8x16xbf16>, tensor<?x2x?x16xbf16>, tensor<?x2x?x16xbf16>,
         tensor<?x?xi32>, tensor<?x2x2x?x16xbf16>) -> tensor<?x2x2x?x16xbf16>
  return %o : tensor<?x2x2x?x16xbf16>
}

// -----

// With a paged cache a tile takes its KV head's pages of the whole pool and
// its row of the block table.
// CHECK-LABEL: func.func @attention_paged_per_query
//  CHECK-SAME:   %[[KC:[a-z0-9]+]]: tensor<?x2x4x16xbf16>, %[[VC:[a-z0-9]+]]: tensor<?x2x4x16xbf16>, %[[TABLE:[a-z0-9]+]]: tensor<?x?xi32>
//       CHECK:   scf.forall (%[[B:.*]], %[[H:.*]], %[[G:.*]], %[[S:.*]]) in
//   CHECK-DAG:     %[[KCT:.*]] = tensor.extract_slice %[[KC]][0, %[[H]], 0, 0] [%{{.*}}, 1, 4, 16] [1, 1, 1, 1]
//   CHECK-DAG:     %[[TT:.*]] = tensor.extract_slice %[[TABLE]][%[[B]], 0] [1, %{{.*}}] [1, 1]
//       CHECK:     llama4.online_attention %{{.*}} at(%{{.*}}) cache(%[[KCT]], %{{.*}}) pages(%[[TT]]) tokens(
//  CHECK-SAME:       -> tensor<1x1x1x1x16xbf16>
#gpu = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [256]>
func.func @attention_paged_per_query(%q: tensor<?x2x2x?x16xbf16>, %pos: tensor<?x?xi32>,
    %kc: tensor<?x2x4x16xbf16>, %vc: tensor<?x2x4x16xbf16>, %table: tensor<?x?xi32>,
    %k: tensor<?x2x?x16xbf16>, %v: tensor<?x2x?x16xbf16>) -> tensor<?x2x2x?x16xbf16> {
  %c0 = arith.constant 0 : index
  %c3 = arith.constant 3 : index
  %b = tensor.dim %q, %c0 : tensor<?x2x2x?x16xbf16>
  %s = tensor.dim %q, %c3 : tensor<?x2x2x?x16xbf16>
  %init = tensor.empty(%b, %s) : tensor<?x2x2x?x16xbf16>
  %o = llama4.online_attention %q at(%pos) cache(%kc, %vc) pages(%table) tokens(%k, %v at %pos)
      outs(%init) {chunk_size = 0 : i64, key_block = 128 : i64, scale = 0.25 : f64,
                   llama4.lowering_config = #gpu}
      : (tensor<?x2x2x?x16xbf16>, tensor<?x?xi32>, tensor<?x2x4x16xbf16>,
         tensor<?x2x4x16xbf16>, tensor<?x?xi32>, tensor<?x2x?x16xbf16>, tensor<?x2x?x16xbf16>,
         tensor<?x?xi32>, tensor<?x2x2x?x16xbf16>) -> tensor<?x2x2x?x16xbf16>
  return %o : tensor<?x2x2x?x16xbf16>
}

// -----

// A warp's tile takes no thread's reduction, which each of its 32 lanes
// would repeat: of the two products the residual add reads, the warp's
// (x * W^T) fuses into it and the expert-style x * W, a thread per
// element, stays its own kernel.
#x = affine_map<(m, n, k) -> (m, k)>
#wt = affine_map<(m, n, k) -> (n, k)>
#w = affine_map<(m, n, k) -> (k, n)>
#o = affine_map<(m, n, k) -> (m, n)>
#id = affine_map<(i, j) -> (i, j)>
// CHECK-LABEL: func.func @warp_tile_takes_no_thread_reduction
//       CHECK:   %[[EXPERT:.*]] = scf.forall
//       CHECK:     linalg.contract {{.*}} gpu_thread_per_element
//       CHECK:   scf.forall
//       CHECK:     linalg.contract {{.*}} gpu_warp_per_element
//       CHECK:     tensor.extract_slice %[[EXPERT]]
//       CHECK:     arith.addf
//   CHECK-NOT:   linalg.contract
func.func @warp_tile_takes_no_thread_reduction(%x: tensor<?x64xbf16>, %wt: tensor<32x64xbf16>, %w: tensor<64x32xbf16>) -> tensor<?x32xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %m = tensor.dim %x, %c0 : tensor<?x64xbf16>
  %e = tensor.empty(%m) : tensor<?x32xf32>
  %acc = linalg.fill {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [256]>}
      ins(%zero : f32) outs(%e : tensor<?x32xf32>) -> tensor<?x32xf32>
  %shared = linalg.contract indexing_maps = [#x, #wt, #o]
      ins(%x, %wt : tensor<?x64xbf16>, tensor<32x64xbf16>) outs(%acc : tensor<?x32xf32>)
      {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_warp_per_element, workgroup_size = [256]>} -> tensor<?x32xf32>
  %acc2 = linalg.fill {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [256]>}
      ins(%zero : f32) outs(%e : tensor<?x32xf32>) -> tensor<?x32xf32>
  %expert = linalg.contract indexing_maps = [#x, #w, #o]
      ins(%x, %w : tensor<?x64xbf16>, tensor<64x32xbf16>) outs(%acc2 : tensor<?x32xf32>)
      {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [256]>} -> tensor<?x32xf32>
  %e3 = tensor.empty(%m) : tensor<?x32xf32>
  %sum = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%shared, %expert : tensor<?x32xf32>, tensor<?x32xf32>) outs(%e3 : tensor<?x32xf32>)
      attrs = {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [256]>} {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<?x32xf32>
  return %sum : tensor<?x32xf32>
}

// -----

// What CSE shares between kernels is not what they share in memory: one
// fill feeding the k and v projections is recomputed in each of their
// tiles, and a residual add whose body never reads its init (here x, which
// the projections still read) writes a fresh tensor, so that
// bufferization copies nothing.
#x = affine_map<(m, n, k) -> (m, k)>
#wt = affine_map<(m, n, k) -> (n, k)>
#o = affine_map<(m, n, k) -> (m, n)>
#id = affine_map<(i, j) -> (i, j)>
// CHECK-LABEL: func.func @fills_recomputed_and_unread_inits_fresh
//   CHECK-NOT:   linalg.fill
//       CHECK:   scf.forall
//       CHECK:     linalg.fill
//       CHECK:     linalg.contract
//       CHECK:   %[[RESIDUAL_OUT:.*]] = tensor.empty(%{{.*}}) : tensor<?x32xf32>
//   CHECK-NOT:   linalg.fill
//       CHECK:   scf.forall {{.*}} shared_outs(%{{.*}} = %[[RESIDUAL_OUT]])
//       CHECK:     linalg.fill
//       CHECK:     linalg.contract
//       CHECK:     arith.addf
//   CHECK-NOT:   linalg.fill
//       CHECK:   return
func.func @fills_recomputed_and_unread_inits_fresh(%x: tensor<?x32xf32>, %wk: tensor<32x32xf32>, %wv: tensor<32x32xf32>) -> (tensor<?x32xf32>, tensor<?x32xf32>) {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %m = tensor.dim %x, %c0 : tensor<?x32xf32>
  %e = tensor.empty(%m) : tensor<?x32xf32>
  %acc = linalg.fill {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [256]>}
      ins(%zero : f32) outs(%e : tensor<?x32xf32>) -> tensor<?x32xf32>
  %k = linalg.contract indexing_maps = [#x, #wt, #o]
      ins(%x, %wk : tensor<?x32xf32>, tensor<32x32xf32>) outs(%acc : tensor<?x32xf32>)
      {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_warp_per_element, workgroup_size = [256]>} -> tensor<?x32xf32>
  %v = linalg.contract indexing_maps = [#x, #wt, #o]
      ins(%x, %wv : tensor<?x32xf32>, tensor<32x32xf32>) outs(%acc : tensor<?x32xf32>)
      {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_warp_per_element, workgroup_size = [256]>} -> tensor<?x32xf32>
  %h = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%v : tensor<?x32xf32>) outs(%x : tensor<?x32xf32>)
      attrs = {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [256]>} {
  ^bb0(%a: f32, %b: f32):
    %s = arith.addf %a, %a : f32
    linalg.yield %s : f32
  } -> tensor<?x32xf32>
  return %k, %h : tensor<?x32xf32>, tensor<?x32xf32>
}

// -----

// Partial attention tiles along its split first, then the queries: a
// warp per (split, b, h, g, s), split-major, so that a GPU runs every
// query's first split before any second one. A tile's split counts from
// the op's first_split, and it fills its [1, 1, 1, 1, 1] slot of each
// state.
// CHECK-LABEL: func.func @partial_attention
//  CHECK-SAME:   %[[FIRST:[a-z0-9]+]]: index
//       CHECK:   scf.forall (%[[P:.*]], %[[B:.*]], %[[H:.*]], %[[G:.*]], %[[S:.*]]) in (4, %{{.*}}, 2, 2, 1) shared_outs(%[[M:.*]] = %{{.*}}, %[[L:.*]] = %{{.*}}, %[[A:.*]] = %{{.*}})
//       CHECK:     tensor.extract_slice %{{.*}}[%[[B]], %[[H]], %[[G]], %[[S]], 0] [1, 1, 1, 1, 16]
//       CHECK:     %[[SPLIT:.*]] = arith.addi %[[FIRST]], %[[P]] : index
//       CHECK:     %[[MT:.*]] = tensor.extract_slice %[[M]][%[[P]], %[[B]], %[[H]], %[[G]], %[[S]]] [1, 1, 1, 1, 1]
//       CHECK:     %[[LT:.*]] = tensor.extract_slice %[[L]][%[[P]], %[[B]], %[[H]], %[[G]], %[[S]]] [1, 1, 1, 1, 1]
//       CHECK:     %[[AT:.*]] = tensor.extract_slice %[[A]][%[[P]], %[[B]], %[[H]], %[[G]], %[[S]], 0] [1, 1, 1, 1, 1, 16]
//       CHECK:     llama4.partial_attention {{.*}} splits(%[[SPLIT]]) outs(%[[MT]], %[[LT]], %[[AT]])
//       CHECK:     tensor.parallel_insert_slice %{{.*}} into %[[A]][%[[P]], %[[B]], %[[H]], %[[G]], %[[S]], 0] [1, 1, 1, 1, 1, 16]
#warp = #llama4.lowering_config<pipeline = gpu_warp_per_element, workgroup_size = [32]>
func.func @partial_attention(%q: tensor<?x2x2x1x16xbf16>, %pos: tensor<?x1xi32>,
    %kc: tensor<?x2x8x16xbf16>, %k: tensor<?x2x1x16xbf16>, %first: index,
    %m: tensor<4x?x2x2x1xf32>, %l: tensor<4x?x2x2x1xf32>, %acc: tensor<4x?x2x2x1x16xf32>)
    -> (tensor<4x?x2x2x1xf32>, tensor<4x?x2x2x1xf32>, tensor<4x?x2x2x1x16xf32>) {
  %max, %sum, %a = llama4.partial_attention %q at(%pos) cache(%kc, %kc)
      tokens(%k, %k at %pos) splits(%first) outs(%m, %l, %acc)
      {chunk_size = 8 : i64, key_block = 128 : i64, scale = 0.25 : f64,
       splits = 4 : i64, split_keys = 256 : i64, llama4.lowering_config = #warp}
      : (tensor<?x2x2x1x16xbf16>, tensor<?x1xi32>, tensor<?x2x8x16xbf16>,
         tensor<?x2x8x16xbf16>, tensor<?x2x1x16xbf16>, tensor<?x2x1x16xbf16>,
         tensor<?x1xi32>, index, tensor<4x?x2x2x1xf32>, tensor<4x?x2x2x1xf32>,
         tensor<4x?x2x2x1x16xf32>)
      -> (tensor<4x?x2x2x1xf32>, tensor<4x?x2x2x1xf32>, tensor<4x?x2x2x1x16xf32>)
  return %max, %sum, %a : tensor<4x?x2x2x1xf32>, tensor<4x?x2x2x1xf32>, tensor<4x?x2x2x1x16xf32>
}

// -----

// With a workgroup tile, a tile takes what it says: [1, 1, 1, 0, 0] of
// (split, b, h, g, s) is a warp per split of a KV head's queries, its 2
// query heads' [1, 1, 1, 2, 1] slots of each state.
// CHECK-LABEL: func.func @partial_attention_of_a_kv_head
//       CHECK:   scf.forall (%[[P:.*]], %[[B:.*]], %[[H:.*]]) in (4, %{{.*}}, 2) shared_outs(%[[M:.*]] = %{{.*}}, %[[L:.*]] = %{{.*}}, %[[A:.*]] = %{{.*}})
//       CHECK:     tensor.extract_slice %{{.*}}[%[[B]], %[[H]], 0, 0, 0] [1, 1, 2, 1, 16]
//       CHECK:     %[[AT:.*]] = tensor.extract_slice %[[A]][%[[P]], %[[B]], %[[H]], 0, 0, 0] [1, 1, 1, 2, 1, 16]
//       CHECK:     llama4.partial_attention {{.*}} outs(%{{.*}}, %{{.*}}, %[[AT]])
//       CHECK:     tensor.parallel_insert_slice %{{.*}} into %[[A]][%[[P]], %[[B]], %[[H]], 0, 0, 0] [1, 1, 1, 2, 1, 16]
#group = #llama4.lowering_config<pipeline = gpu_warp_per_element, workgroup_tile = [1, 1, 1, 0, 0], register_tile = [8], workgroup_size = [32]>
func.func @partial_attention_of_a_kv_head(%q: tensor<?x2x2x1x16xbf16>,
    %pos: tensor<?x1xi32>, %kc: tensor<?x2x8x16xbf16>,
    %k: tensor<?x2x1x16xbf16>, %first: index, %m: tensor<4x?x2x2x1xf32>,
    %l: tensor<4x?x2x2x1xf32>, %acc: tensor<4x?x2x2x1x16xf32>)
    -> (tensor<4x?x2x2x1xf32>, tensor<4x?x2x2x1xf32>, tensor<4x?x2x2x1x16xf32>) {
  %max, %sum, %a = llama4.partial_attention %q at(%pos) cache(%kc, %kc)
      tokens(%k, %k at %pos) splits(%first) outs(%m, %l, %acc)
      {chunk_size = 8 : i64, key_block = 128 : i64, scale = 0.25 : f64,
       splits = 4 : i64, split_keys = 256 : i64, llama4.lowering_config = #group}
      : (tensor<?x2x2x1x16xbf16>, tensor<?x1xi32>, tensor<?x2x8x16xbf16>,
         tensor<?x2x8x16xbf16>, tensor<?x2x1x16xbf16>, tensor<?x2x1x16xbf16>,
         tensor<?x1xi32>, index, tensor<4x?x2x2x1xf32>, tensor<4x?x2x2x1xf32>,
         tensor<4x?x2x2x1x16xf32>)
      -> (tensor<4x?x2x2x1xf32>, tensor<4x?x2x2x1xf32>, tensor<4x?x2x2x1x16xf32>)
  return %max, %sum, %a : tensor<4x?x2x2x1xf32>, tensor<4x?x2x2x1xf32>, tensor<4x?x2x2x1x16xf32>
}

// -----

// A short sum read by a map that broadcasts it (a head's qk-norm): each of
// a head's 128 element tiles repeats the head's 128-step sum rather than
// launching a kernel for it. A sum of 256 steps broadcast over 256
// elements is not repeated: it stays a kernel of its own.
// CHECK-LABEL: func.func @short_sum_repeats
//       CHECK:   scf.forall (%[[H:.*]], %[[E:.*]]) in (8, 128)
//       CHECK:     %[[ROW:.*]] = tensor.extract_slice %{{.*}}[%[[H]], 0] [1, 128] [1, 1] : tensor<8x128xf32> to tensor<1x128xf32>
//       CHECK:     %[[SUM:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%[[ROW]] : tensor<1x128xf32>)
//       CHECK:     linalg.generic {{.*}} ins(%{{.*}}, %[[SUM]] : tensor<1x1xf32>, tensor<1xf32>)
//       CHECK:   scf.forall (%{{.*}}) in (4)
//       CHECK:     linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%{{.*}} : tensor<1x256xf32>)
//       CHECK:   scf.forall (%{{.*}}, %{{.*}}) in (4, 256)
//   CHECK-NOT:     "reduction"
//       CHECK:   return
#t = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [256]>
#row = affine_map<(h, e) -> (h, e)>
#head = affine_map<(h, e) -> (h)>
func.func @short_sum_repeats(%q: tensor<8x128xf32>, %r: tensor<4x256xf32>) -> (tensor<8x128xf32>, tensor<4x256xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8xf32>
  %z = linalg.fill {llama4.lowering_config = #t} ins(%zero : f32) outs(%e : tensor<8xf32>) -> tensor<8xf32>
  %sum = linalg.generic {indexing_maps = [#row, #head], iterator_types = ["parallel", "reduction"]}
      ins(%q : tensor<8x128xf32>) outs(%z : tensor<8xf32>) attrs = {llama4.lowering_config = #t} {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %acc, %a : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  %e2 = tensor.empty() : tensor<8x128xf32>
  %n = linalg.generic {indexing_maps = [#row, #head, #row], iterator_types = ["parallel", "parallel"]}
      ins(%q, %sum : tensor<8x128xf32>, tensor<8xf32>) outs(%e2 : tensor<8x128xf32>) attrs = {llama4.lowering_config = #t} {
  ^bb0(%a: f32, %s: f32, %o: f32):
    %d = arith.divf %a, %s : f32
    linalg.yield %d : f32
  } -> tensor<8x128xf32>
  %e3 = tensor.empty() : tensor<4xf32>
  %z3 = linalg.fill {llama4.lowering_config = #t} ins(%zero : f32) outs(%e3 : tensor<4xf32>) -> tensor<4xf32>
  %sum3 = linalg.generic {indexing_maps = [#row, #head], iterator_types = ["parallel", "reduction"]}
      ins(%r : tensor<4x256xf32>) outs(%z3 : tensor<4xf32>) attrs = {llama4.lowering_config = #t} {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %acc, %a : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  %e4 = tensor.empty() : tensor<4x256xf32>
  %n3 = linalg.generic {indexing_maps = [#row, #head, #row], iterator_types = ["parallel", "parallel"]}
      ins(%r, %sum3 : tensor<4x256xf32>, tensor<4xf32>) outs(%e4 : tensor<4x256xf32>) attrs = {llama4.lowering_config = #t} {
  ^bb0(%a: f32, %s: f32, %o: f32):
    %d = arith.divf %a, %s : f32
    linalg.yield %d : f32
  } -> tensor<4x256xf32>
  return %n, %n3 : tensor<8x128xf32>, tensor<4x256xf32>
}

// -----

// A short row of a map that a short sum reads (a head's RoPE under its
// qk-norm): the map joins the tile of the norm's scaling twice, the head's
// row for the sum and the tile's element for the scaling, and launches no
// kernel of its own. Under a sum of 256 steps, which stays a kernel, the
// map does too.
// CHECK-LABEL: func.func @map_row_joins_short_sum
//       CHECK:   scf.forall (%[[H:.*]], %[[E:.*]]) in (8, 128)
//   CHECK-DAG:     %[[ROW:.*]] = tensor.extract_slice %{{.*}}[%[[H]], 0] [1, 128] [1, 1] : tensor<8x128xf32> to tensor<1x128xf32>
//   CHECK-DAG:     %[[ONE:.*]] = tensor.extract_slice %{{.*}}[%[[H]], %[[E]]] [1, 1] [1, 1] : tensor<8x128xf32> to tensor<1x1xf32>
//   CHECK-DAG:     %[[ROPE_ROW:.*]] = linalg.generic {{.*}} ins(%[[ROW]] : tensor<1x128xf32>)
//   CHECK-DAG:     %[[ROPE:.*]] = linalg.generic {{.*}} ins(%[[ONE]] : tensor<1x1xf32>)
//       CHECK:     %[[SUM:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%[[ROPE_ROW]] : tensor<1x128xf32>)
//       CHECK:     linalg.generic {{.*}} ins(%[[ROPE]], %[[SUM]] : tensor<1x1xf32>, tensor<1xf32>)
//       CHECK:   %[[LONG:.*]] = scf.forall (%{{.*}}, %{{.*}}) in (4, 256)
//       CHECK:     arith.mulf
//       CHECK:   scf.forall (%{{.*}}) in (4)
//       CHECK:     linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%{{.*}} : tensor<1x256xf32>)
//       CHECK:   scf.forall (%{{.*}}, %{{.*}}) in (4, 256)
//   CHECK-NOT:     arith.mulf
//       CHECK:   return
#t = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [256]>
#row = affine_map<(h, e) -> (h, e)>
#head = affine_map<(h, e) -> (h)>
func.func @map_row_joins_short_sum(%q: tensor<8x128xf32>, %r: tensor<4x256xf32>) -> (tensor<8x128xf32>, tensor<4x256xf32>) {
  %zero = arith.constant 0.0 : f32
  %e0 = tensor.empty() : tensor<8x128xf32>
  %rope = linalg.generic {indexing_maps = [#row, #row], iterator_types = ["parallel", "parallel"]}
      ins(%q : tensor<8x128xf32>) outs(%e0 : tensor<8x128xf32>) attrs = {llama4.lowering_config = #t} {
  ^bb0(%a: f32, %o: f32):
    %m = arith.mulf %a, %a : f32
    linalg.yield %m : f32
  } -> tensor<8x128xf32>
  %e = tensor.empty() : tensor<8xf32>
  %z = linalg.fill {llama4.lowering_config = #t} ins(%zero : f32) outs(%e : tensor<8xf32>) -> tensor<8xf32>
  %sum = linalg.generic {indexing_maps = [#row, #head], iterator_types = ["parallel", "reduction"]}
      ins(%rope : tensor<8x128xf32>) outs(%z : tensor<8xf32>) attrs = {llama4.lowering_config = #t} {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %acc, %a : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  %e2 = tensor.empty() : tensor<8x128xf32>
  %n = linalg.generic {indexing_maps = [#row, #head, #row], iterator_types = ["parallel", "parallel"]}
      ins(%rope, %sum : tensor<8x128xf32>, tensor<8xf32>) outs(%e2 : tensor<8x128xf32>) attrs = {llama4.lowering_config = #t} {
  ^bb0(%a: f32, %s: f32, %o: f32):
    %d = arith.divf %a, %s : f32
    linalg.yield %d : f32
  } -> tensor<8x128xf32>
  %e5 = tensor.empty() : tensor<4x256xf32>
  %long = linalg.generic {indexing_maps = [#row, #row], iterator_types = ["parallel", "parallel"]}
      ins(%r : tensor<4x256xf32>) outs(%e5 : tensor<4x256xf32>) attrs = {llama4.lowering_config = #t} {
  ^bb0(%a: f32, %o: f32):
    %m = arith.mulf %a, %a : f32
    linalg.yield %m : f32
  } -> tensor<4x256xf32>
  %e3 = tensor.empty() : tensor<4xf32>
  %z3 = linalg.fill {llama4.lowering_config = #t} ins(%zero : f32) outs(%e3 : tensor<4xf32>) -> tensor<4xf32>
  %sum3 = linalg.generic {indexing_maps = [#row, #head], iterator_types = ["parallel", "reduction"]}
      ins(%long : tensor<4x256xf32>) outs(%z3 : tensor<4xf32>) attrs = {llama4.lowering_config = #t} {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %acc, %a : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  %e4 = tensor.empty() : tensor<4x256xf32>
  %n3 = linalg.generic {indexing_maps = [#row, #head, #row], iterator_types = ["parallel", "parallel"]}
      ins(%long, %sum3 : tensor<4x256xf32>, tensor<4xf32>) outs(%e4 : tensor<4x256xf32>) attrs = {llama4.lowering_config = #t} {
  ^bb0(%a: f32, %s: f32, %o: f32):
    %d = arith.divf %a, %s : f32
    linalg.yield %d : f32
  } -> tensor<4x256xf32>
  return %n, %n3 : tensor<8x128xf32>, tensor<4x256xf32>
}

// -----

// A row's scalar (a token's routing weight: one sigmoid) that each of the
// row's 512 elements reads joins their kernel: 512 repeats of one step. A
// 128-step sum that 256 elements would each repeat (32K steps) does not.
// CHECK-LABEL: func.func @scalar_broadcast_repeats
//       CHECK:   scf.forall (%{{.*}}, %{{.*}}) in (4, 512)
//       CHECK:     arith.negf
//       CHECK:     arith.mulf
//       CHECK:   %[[SUM:.*]] = scf.forall (%{{.*}}) in (4)
//       CHECK:     iterator_types = ["parallel", "reduction"]
//       CHECK:   scf.forall (%{{.*}}, %{{.*}}) in (4, 256)
//   CHECK-NOT:     "reduction"
//       CHECK:     tensor.extract_slice %[[SUM]]
//       CHECK:   return
#t = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [256]>
#el = affine_map<(r, e) -> (r, e)>
#r = affine_map<(r, e) -> (r)>
#v = affine_map<(r) -> (r)>
func.func @scalar_broadcast_repeats(%score: tensor<4xf32>, %x: tensor<4x512xf32>, %q: tensor<4x128xf32>, %y: tensor<4x256xf32>) -> (tensor<4x512xf32>, tensor<4x256xf32>) {
  %zero = arith.constant 0.0 : f32
  %e0 = tensor.empty() : tensor<4xf32>
  %w = linalg.generic {indexing_maps = [#v, #v], iterator_types = ["parallel"]}
      ins(%score : tensor<4xf32>) outs(%e0 : tensor<4xf32>) attrs = {llama4.lowering_config = #t} {
  ^bb0(%a: f32, %o: f32):
    %n = arith.negf %a : f32
    linalg.yield %n : f32
  } -> tensor<4xf32>
  %e1 = tensor.empty() : tensor<4x512xf32>
  %scaled = linalg.generic {indexing_maps = [#el, #r, #el], iterator_types = ["parallel", "parallel"]}
      ins(%x, %w : tensor<4x512xf32>, tensor<4xf32>) outs(%e1 : tensor<4x512xf32>) attrs = {llama4.lowering_config = #t} {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %b : f32
    linalg.yield %m : f32
  } -> tensor<4x512xf32>
  %e2 = tensor.empty() : tensor<4xf32>
  %z = linalg.fill {llama4.lowering_config = #t} ins(%zero : f32) outs(%e2 : tensor<4xf32>) -> tensor<4xf32>
  %sum = linalg.generic {indexing_maps = [#el, #r], iterator_types = ["parallel", "reduction"]}
      ins(%q : tensor<4x128xf32>) outs(%z : tensor<4xf32>) attrs = {llama4.lowering_config = #t} {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %acc, %a : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  %e3 = tensor.empty() : tensor<4x256xf32>
  %n = linalg.generic {indexing_maps = [#el, #r, #el], iterator_types = ["parallel", "parallel"]}
      ins(%y, %sum : tensor<4x256xf32>, tensor<4xf32>) outs(%e3 : tensor<4x256xf32>) attrs = {llama4.lowering_config = #t} {
  ^bb0(%a: f32, %s: f32, %o: f32):
    %d = arith.divf %a, %s : f32
    linalg.yield %d : f32
  } -> tensor<4x256xf32>
  return %scaled, %n : tensor<4x512xf32>, tensor<4x256xf32>
}

// -----

// A gated activation reads the halves of gate|up through slices: its tile
// reads the sum that combines the split products through them, once for
// the gate column and once for the up column, and that sum launches no
// kernel of its own.
// CHECK-LABEL: func.func @halves_read_through_slices
//   CHECK-NOT:   scf.forall
//       CHECK:   scf.forall (%[[R:.*]], %[[J:.*]]) in (4, 8)
//       CHECK:     %[[GATE:.*]] = tensor.extract_slice %{{.*}}[0, %[[R]], %[[J]]] [16, 1, 1]
//       CHECK:     %[[G:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[GATE]]
//       CHECK:     %[[UPJ:.*]] = affine.apply #{{.*}}()[%[[J]]]
//       CHECK:     %[[UP:.*]] = tensor.extract_slice %{{.*}}[0, %[[R]], %[[UPJ]]] [16, 1, 1]
//       CHECK:     %[[U:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[UP]]
//       CHECK:     linalg.generic {{.*}} ins(%[[G]], %[[U]] :
//       CHECK:       arith.mulf
//       CHECK:     scf.forall.in_parallel
//   CHECK-NOT:   scf.forall
//       CHECK:   return
#t = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [256]>
#parts = affine_map<(r, c, s) -> (s, r, c)>
#sum = affine_map<(r, c, s) -> (r, c)>
#id = affine_map<(r, c) -> (r, c)>
func.func @halves_read_through_slices(%partial: tensor<16x4x16xf32>) -> tensor<4x8xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x16xf32>
  %z = linalg.fill {llama4.lowering_config = #t} ins(%zero : f32) outs(%e : tensor<4x16xf32>) -> tensor<4x16xf32>
  %gateUp = linalg.generic {indexing_maps = [#parts, #sum], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%partial : tensor<16x4x16xf32>) outs(%z : tensor<4x16xf32>) attrs = {llama4.lowering_config = #t} {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %acc, %a : f32
    linalg.yield %s : f32
  } -> tensor<4x16xf32>
  %gate = tensor.extract_slice %gateUp[0, 0] [4, 8] [1, 1] : tensor<4x16xf32> to tensor<4x8xf32>
  %up = tensor.extract_slice %gateUp[0, 8] [4, 8] [1, 1] : tensor<4x16xf32> to tensor<4x8xf32>
  %e2 = tensor.empty() : tensor<4x8xf32>
  %act = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%gate, %up : tensor<4x8xf32>, tensor<4x8xf32>) outs(%e2 : tensor<4x8xf32>) attrs = {llama4.lowering_config = #t} {
  ^bb0(%g: f32, %u: f32, %o: f32):
    %m = arith.mulf %g, %u : f32
    linalg.yield %m : f32
  } -> tensor<4x8xf32>
  return %act : tensor<4x8xf32>
}

// -----

// The sum of a split product's 32 partial sums joins the warp's tile that
// adds it to a nn.Linear (a routed expert's down projection and the shared
// expert's): each lane repeats 32 steps over the same elements, where a
// kernel of its own costs a launch.
#x = affine_map<(m, n, k) -> (m, k)>
#wt = affine_map<(m, n, k) -> (n, k)>
#o = affine_map<(m, n, k) -> (m, n)>
#parts = affine_map<(m, n, s) -> (s, m, n)>
#sum = affine_map<(m, n, s) -> (m, n)>
#id = affine_map<(i, j) -> (i, j)>
// CHECK-LABEL: func.func @split_sum_joins_a_warp
//       CHECK:   scf.forall (
//   CHECK-NOT:   scf.forall (
//       CHECK:     linalg.contract {{.*}} gpu_warp_per_element
//   CHECK-NOT:   scf.forall (
//       CHECK:     linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%{{.*}} : tensor<32x1x1xf32>)
//   CHECK-NOT:   scf.forall (
//       CHECK:     arith.addf
//   CHECK-NOT:   scf.forall (
//       CHECK:   return
func.func @split_sum_joins_a_warp(%x: tensor<?x64xbf16>, %wt: tensor<32x64xbf16>, %partial: tensor<32x?x32xf32>) -> tensor<?x32xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %m = tensor.dim %x, %c0 : tensor<?x64xbf16>
  %e = tensor.empty(%m) : tensor<?x32xf32>
  %acc = linalg.fill {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [256]>}
      ins(%zero : f32) outs(%e : tensor<?x32xf32>) -> tensor<?x32xf32>
  %shared = linalg.contract indexing_maps = [#x, #wt, #o]
      ins(%x, %wt : tensor<?x64xbf16>, tensor<32x64xbf16>) outs(%acc : tensor<?x32xf32>)
      {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_warp_per_element, workgroup_size = [256]>} -> tensor<?x32xf32>
  %acc2 = linalg.fill {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [256]>}
      ins(%zero : f32) outs(%e : tensor<?x32xf32>) -> tensor<?x32xf32>
  %routed = linalg.generic {indexing_maps = [#parts, #sum], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%partial : tensor<32x?x32xf32>) outs(%acc2 : tensor<?x32xf32>)
      attrs = {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [256]>} {
  ^bb0(%a: f32, %s: f32):
    %t = arith.addf %s, %a : f32
    linalg.yield %t : f32
  } -> tensor<?x32xf32>
  %e3 = tensor.empty(%m) : tensor<?x32xf32>
  %sum = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%shared, %routed : tensor<?x32xf32>, tensor<?x32xf32>) outs(%e3 : tensor<?x32xf32>)
      attrs = {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [256]>} {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<?x32xf32>
  return %sum : tensor<?x32xf32>
}

// -----

// RMSNorm: a warp's sum of squares along a row, read by the scaling map
// alone, joins a warp's tile of the map's whole row (one kernel for the
// norm: the sum, then the row's elements). A warp's sum that another op
// reads too stays a kernel of its own, and its map a thread per element.
// CHECK-LABEL: func.func @norm_row_in_one_warp
//       CHECK:   scf.forall (%[[T:.*]]) in (%{{.*}})
//       CHECK:     tensor.extract_slice %{{.*}}[%[[T]], 0] [1, 512] [1, 1] : tensor<?x512xbf16> to tensor<1x512xbf16>
//       CHECK:     %[[SUM:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%{{.*}} : tensor<1x512xbf16>) {{.*}}gpu_warp_per_element
//       CHECK:     linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]} ins(%{{.*}}, %[[SUM]], %{{.*}} : tensor<1x512xbf16>, tensor<1xf32>, tensor<512xbf16>) outs(%{{.*}} : tensor<1x512xbf16>)
//       CHECK:   scf.forall (%{{.*}}) in (%{{.*}})
//       CHECK:     linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%{{.*}} : tensor<1x512xbf16>)
//       CHECK:   scf.forall (%{{.*}}, %{{.*}}) in (%{{.*}}, 512)
//   CHECK-NOT:     "reduction"
//       CHECK:   return
#t = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [256]>
#w = #llama4.lowering_config<pipeline = gpu_warp_per_element, workgroup_size = [256]>
#x = affine_map<(t, k) -> (t, k)>
#r = affine_map<(t, k) -> (t)>
#g = affine_map<(t, k) -> (k)>
func.func @norm_row_in_one_warp(%x: tensor<?x512xbf16>, %y: tensor<?x512xbf16>, %gamma: tensor<512xbf16>)
    -> (tensor<?x512xbf16>, tensor<?x512xbf16>, tensor<?xf32>) {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %rows = tensor.dim %x, %c0 : tensor<?x512xbf16>
  %e = tensor.empty(%rows) : tensor<?xf32>
  %z = linalg.fill {llama4.lowering_config = #t} ins(%zero : f32) outs(%e : tensor<?xf32>) -> tensor<?xf32>
  %sum = linalg.generic {indexing_maps = [#x, #r], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<?x512xbf16>) outs(%z : tensor<?xf32>) attrs = {llama4.lowering_config = #w} {
  ^bb0(%a: bf16, %acc: f32):
    %f = arith.extf %a : bf16 to f32
    %sq = arith.mulf %f, %f : f32
    %s = arith.addf %acc, %sq : f32
    linalg.yield %s : f32
  } -> tensor<?xf32>
  %e2 = tensor.empty(%rows) : tensor<?x512xbf16>
  %n = linalg.generic {indexing_maps = [#x, #r, #g, #x], iterator_types = ["parallel", "parallel"]}
      ins(%x, %sum, %gamma : tensor<?x512xbf16>, tensor<?xf32>, tensor<512xbf16>) outs(%e2 : tensor<?x512xbf16>)
      attrs = {llama4.lowering_config = #t} {
  ^bb0(%a: bf16, %s: f32, %g: bf16, %o: bf16):
    %f = arith.extf %a : bf16 to f32
    %r = math.rsqrt %s : f32
    %m = arith.mulf %f, %r : f32
    %gf = arith.extf %g : bf16 to f32
    %p = arith.mulf %m, %gf : f32
    %b = arith.truncf %p : f32 to bf16
    linalg.yield %b : bf16
  } -> tensor<?x512xbf16>
  %sum2 = linalg.generic {indexing_maps = [#x, #r], iterator_types = ["parallel", "reduction"]}
      ins(%y : tensor<?x512xbf16>) outs(%z : tensor<?xf32>) attrs = {llama4.lowering_config = #w} {
  ^bb0(%a: bf16, %acc: f32):
    %f = arith.extf %a : bf16 to f32
    %s = arith.addf %acc, %f : f32
    linalg.yield %s : f32
  } -> tensor<?xf32>
  %n2 = linalg.generic {indexing_maps = [#x, #r, #x], iterator_types = ["parallel", "parallel"]}
      ins(%y, %sum2 : tensor<?x512xbf16>, tensor<?xf32>) outs(%e2 : tensor<?x512xbf16>)
      attrs = {llama4.lowering_config = #t} {
  ^bb0(%a: bf16, %s: f32, %o: bf16):
    %f = arith.extf %a : bf16 to f32
    %m = arith.mulf %f, %s : f32
    %b = arith.truncf %m : f32 to bf16
    linalg.yield %b : bf16
  } -> tensor<?x512xbf16>
  return %n, %n2, %sum2 : tensor<?x512xbf16>, tensor<?x512xbf16>, tensor<?xf32>
}

// -----

// Two maps that CSE gave one empty init (the routed and the shared
// experts' activations) each start from an empty tensor of their own, so
// that bufferization gives them two buffers, not one that the second
// kernel overwrites after the first's readers.
// CHECK-LABEL: func.func @unread_inits_of_their_own
//       CHECK:   %[[E1:.*]] = tensor.empty() : tensor<4x8xf32>
//       CHECK:   %[[E2:.*]] = tensor.empty() : tensor<4x8xf32>
//       CHECK:   scf.forall {{.*}} shared_outs(%{{.*}} = %[[E2]])
//       CHECK:   scf.forall {{.*}} shared_outs(%{{.*}} = %[[E1]])
#t = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [256]>
#id = affine_map<(i, j) -> (i, j)>
func.func @unread_inits_of_their_own(%x: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  %e = tensor.empty() : tensor<4x8xf32>
  %a = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) attrs = {llama4.lowering_config = #t} {
  ^bb0(%v: f32, %o: f32):
    %n = arith.negf %v : f32
    linalg.yield %n : f32
  } -> tensor<4x8xf32>
  %b = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) attrs = {llama4.lowering_config = #t} {
  ^bb0(%v: f32, %o: f32):
    %n = arith.addf %v, %v : f32
    linalg.yield %n : f32
  } -> tensor<4x8xf32>
  return %a, %b : tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// A token's choice of expert (16 steps a token), read by two products of
// at least 8 times its steps a thread (a routed expert's split products),
// is computed again in each of their tiles and launches no kernel. Read
// by a product of 64 steps over 2048 columns, it stays a kernel of its
// own (16 steps repeated by 2048 tiles a token is more than the 128 x 128
// that a single reader may repeat).
// CHECK-LABEL: func.func @choice_repeated_by_its_readers
//       CHECK:   scf.forall (%{{.*}}, %{{.*}}) in (%{{.*}}, 32)
//       CHECK:     linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%{{.*}} : tensor<1x16xf32>)
//       CHECK:     linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%{{.*}}, %{{.*}} : tensor<1x320xf32>, tensor<1xindex>)
//       CHECK:   scf.forall (%{{.*}}, %{{.*}}) in (%{{.*}}, 32)
//       CHECK:     linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%{{.*}} : tensor<1x16xf32>)
//       CHECK:     linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%{{.*}}, %{{.*}} : tensor<1x256xf32>, tensor<1xindex>)
//   CHECK-NOT:   scf.forall (%{{.*}}) in (%{{.*}})
//       CHECK:   return
// CHECK-LABEL: func.func @choice_kept_for_a_short_reader
//       CHECK:   %[[CHOICE:.*]]:2 = scf.forall (%{{.*}}) in (%{{.*}})
//       CHECK:     linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%{{.*}} : tensor<1x16xf32>)
//       CHECK:   scf.forall (%{{.*}}, %{{.*}}) in (%{{.*}}, 2048)
//   CHECK-NOT:     tensor<1x16xf32>
//       CHECK:     tensor.extract_slice %[[CHOICE]]#1
//   CHECK-NOT:     tensor<1x16xf32>
//       CHECK:   return
#t = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [256]>
#te = affine_map<(t, e) -> (t, e)>
#tok = affine_map<(t, e) -> (t)>
#x = affine_map<(t, n, k) -> (t, k)>
#ex = affine_map<(t, n, k) -> (t)>
#o = affine_map<(t, n, k) -> (t, n)>
func.func @choice_repeated_by_its_readers(%logits: tensor<?x16xf32>, %a: tensor<?x320xf32>, %b: tensor<?x256xf32>,
    %wa: tensor<16x320x32xf32>, %wb: tensor<16x256x32xf32>) -> (tensor<?x32xf32>, tensor<?x32xf32>) {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %low = arith.constant 0xFF800000 : f32
  %rows = tensor.dim %logits, %c0 : tensor<?x16xf32>
  %eb = tensor.empty(%rows) : tensor<?xf32>
  %best = linalg.fill {llama4.lowering_config = #t} ins(%low : f32) outs(%eb : tensor<?xf32>) -> tensor<?xf32>
  %ei = tensor.empty(%rows) : tensor<?xindex>
  %first = linalg.fill {llama4.lowering_config = #t} ins(%c0 : index) outs(%ei : tensor<?xindex>) -> tensor<?xindex>
  %choice:2 = linalg.generic {indexing_maps = [#te, #tok, #tok], iterator_types = ["parallel", "reduction"]}
      ins(%logits : tensor<?x16xf32>) outs(%best, %first : tensor<?xf32>, tensor<?xindex>) attrs = {llama4.lowering_config = #t} {
  ^bb0(%l: f32, %m: f32, %i: index):
    %e = linalg.index 1 : index
    %gt = arith.cmpf ogt, %l, %m : f32
    %nm = arith.select %gt, %l, %m : f32
    %ni = arith.select %gt, %e, %i : index
    linalg.yield %nm, %ni : f32, index
  } -> (tensor<?xf32>, tensor<?xindex>)
  %eo = tensor.empty(%rows) : tensor<?x32xf32>
  %acc = linalg.fill {llama4.lowering_config = #t} ins(%zero : f32) outs(%eo : tensor<?x32xf32>) -> tensor<?x32xf32>
  %ya = linalg.generic {indexing_maps = [#x, #ex, #o], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %choice#1 : tensor<?x320xf32>, tensor<?xindex>) outs(%acc : tensor<?x32xf32>) attrs = {llama4.lowering_config = #t} {
  ^bb0(%v: f32, %e: index, %s: f32):
    %n = linalg.index 1 : index
    %k = linalg.index 2 : index
    %w = tensor.extract %wa[%e, %k, %n] : tensor<16x320x32xf32>
    %p = arith.mulf %v, %w : f32
    %r = arith.addf %s, %p : f32
    linalg.yield %r : f32
  } -> tensor<?x32xf32>
  %yb = linalg.generic {indexing_maps = [#x, #ex, #o], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%b, %choice#1 : tensor<?x256xf32>, tensor<?xindex>) outs(%acc : tensor<?x32xf32>) attrs = {llama4.lowering_config = #t} {
  ^bb0(%v: f32, %e: index, %s: f32):
    %n = linalg.index 1 : index
    %k = linalg.index 2 : index
    %w = tensor.extract %wb[%e, %k, %n] : tensor<16x256x32xf32>
    %p = arith.mulf %v, %w : f32
    %r = arith.addf %s, %p : f32
    linalg.yield %r : f32
  } -> tensor<?x32xf32>
  return %ya, %yb : tensor<?x32xf32>, tensor<?x32xf32>
}
func.func @choice_kept_for_a_short_reader(%logits: tensor<?x16xf32>, %a: tensor<?x64xf32>,
    %wa: tensor<16x64x2048xf32>) -> tensor<?x2048xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %low = arith.constant 0xFF800000 : f32
  %rows = tensor.dim %logits, %c0 : tensor<?x16xf32>
  %eb = tensor.empty(%rows) : tensor<?xf32>
  %best = linalg.fill {llama4.lowering_config = #t} ins(%low : f32) outs(%eb : tensor<?xf32>) -> tensor<?xf32>
  %ei = tensor.empty(%rows) : tensor<?xindex>
  %first = linalg.fill {llama4.lowering_config = #t} ins(%c0 : index) outs(%ei : tensor<?xindex>) -> tensor<?xindex>
  %choice:2 = linalg.generic {indexing_maps = [#te, #tok, #tok], iterator_types = ["parallel", "reduction"]}
      ins(%logits : tensor<?x16xf32>) outs(%best, %first : tensor<?xf32>, tensor<?xindex>) attrs = {llama4.lowering_config = #t} {
  ^bb0(%l: f32, %m: f32, %i: index):
    %e = linalg.index 1 : index
    %gt = arith.cmpf ogt, %l, %m : f32
    %nm = arith.select %gt, %l, %m : f32
    %ni = arith.select %gt, %e, %i : index
    linalg.yield %nm, %ni : f32, index
  } -> (tensor<?xf32>, tensor<?xindex>)
  %eo = tensor.empty(%rows) : tensor<?x2048xf32>
  %acc = linalg.fill {llama4.lowering_config = #t} ins(%zero : f32) outs(%eo : tensor<?x2048xf32>) -> tensor<?x2048xf32>
  %ya = linalg.generic {indexing_maps = [#x, #ex, #o], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %choice#1 : tensor<?x64xf32>, tensor<?xindex>) outs(%acc : tensor<?x2048xf32>) attrs = {llama4.lowering_config = #t} {
  ^bb0(%v: f32, %e: index, %s: f32):
    %n = linalg.index 1 : index
    %k = linalg.index 2 : index
    %w = tensor.extract %wa[%e, %k, %n] : tensor<16x64x2048xf32>
    %p = arith.mulf %v, %w : f32
    %r = arith.addf %s, %p : f32
    linalg.yield %r : f32
  } -> tensor<?x2048xf32>
  return %ya : tensor<?x2048xf32>
}
