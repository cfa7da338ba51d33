// RUN: llama4-opt %s --split-input-file --llama4-decompose-online-attention --canonicalize --cse | FileCheck %s
// RUN: llama4-opt %s --split-input-file --llama4-decompose-online-attention="query-block=3" --canonicalize --cse | FileCheck %s --check-prefix=BLOCK3
// RUN: not llama4-opt %s --split-input-file --llama4-decompose-online-attention="query-block=0" 2>&1 | FileCheck %s --check-prefix=ZERO

// ZERO: error: query-block must be at least 1

// A chunked layer (chunk 8, an 8-slot cache), bf16, blocks of 4 keys. A
// KV head's queries go in blocks of 8 positions (the chunk: the largest
// divisor of it up to the default query block, 128), aligned to multiples
// of 8, so that a block's queries share a chunk: S queries span at most
// ceil((S + 7) / 8) blocks, a row's first cut short where it starts
// mid-chunk, its last ones empty past its last query. An scf.forall visits
// the batch rows' KV heads' blocks side by side (on threads) when there
// are two or more and the multiply-adds, 2 x queries (B x 2 x 2 x S) x 16
// head dims x the keys batch row 0 sees, reach 2^18; below, the same loops
// run on the calling thread. A block's online softmax starts at max -inf
// and walks the cached slots that hold earlier positions of its chunk
// (first - chunk_start, clamped to [0, 8]), then the new tokens from that
// chunk's start to the block's last query, 4 at a time with a shorter last
// block. A block's scores are one
// contraction of the queries [G, n, d] with the key rows [k, d] (the
// nn.Linear form), masked (a cached slot holds position chunk_start(p) +
// slot: signed division by 8). The running maximum, sum and accumulator
// are updated in place: the new maximum and the rescaling factor in one
// op writing into the carried maximum, the weights over the scores, the
// sum and the rescaled accumulator into the carried ones, and the values
// accumulated as an [in, out] product into it. The output is acc / sum
// rounded to bf16, written into the block's slice of the destination.
// CHECK-LABEL: func.func @per_kv_head
//  CHECK-SAME:   %[[Q:[a-z0-9]+]]: tensor<?x2x2x?x16xbf16>, %[[POS:[a-z0-9]+]]: tensor<?x?xi32>, %[[KC:[a-z0-9]+]]: tensor<?x2x8x16xbf16>, %[[VC:[a-z0-9]+]]: tensor<?x2x8x16xbf16>, %{{.*}}, %{{.*}}, %[[INIT:[a-z0-9]+]]: tensor<?x2x2x?x16xbf16>
//   CHECK-DAG:   %[[NEG_INF:.*]] = arith.constant 0xFF800000 : f32
//   CHECK-DAG:   %[[CHUNK:.*]] = arith.constant 8 : i32
//   CHECK-DAG:   %[[BLOCK:.*]] = arith.constant 4 : index
//       CHECK:   %[[ROWS:.*]] = tensor.dim %[[Q]], %c0
//       CHECK:   %[[COUNT:.*]] = tensor.dim %[[Q]], %c3
//       CHECK:   %[[SPAN:.*]] = arith.addi %[[COUNT]], %c7
//       CHECK:   %[[QUERY_BLOCKS:.*]] = arith.ceildivui %[[SPAN]], %c8
//       CHECK:   %[[HEADS_COUNT:.*]] = arith.muli %[[ROWS]], %c2
//       CHECK:   %[[ITERATIONS:.*]] = arith.muli %[[HEADS_COUNT]], %[[QUERY_BLOCKS]]
//       CHECK:   %[[PER_KEY:.*]] = arith.muli %{{.*}}, %c16
//       CHECK:   %[[KEYS:.*]] = arith.addi %{{[0-9]+}}, %{{[0-9]+}} : index
//       CHECK:   %[[WORK:.*]] = arith.muli %[[PER_KEY]], %[[KEYS]]
//       CHECK:   %[[BIG:.*]] = arith.cmpi uge, %[[WORK]], %c262144
//       CHECK:   %[[SEVERAL:.*]] = arith.cmpi uge, %[[ITERATIONS]], %c2
//       CHECK:   %[[TEAM:.*]] = arith.andi %[[BIG]], %[[SEVERAL]]
//       CHECK:   %[[OUT:.*]] = scf.if %[[TEAM]]
//       CHECK:   scf.forall (%[[B:[a-z0-9]+]], %[[H:[a-z0-9]+]], %[[QB:[a-z0-9]+]]) in (%[[ROWS]], 2, %[[QUERY_BLOCKS]]) shared_outs(%[[HEADS:.*]] = %[[INIT]])
//       CHECK:       %[[KCH:.*]] = tensor.extract_slice %[[KC]][%[[B]], %[[H]], 0, 0] [1, 1, 8, 16] [1, 1, 1, 1] : tensor<?x2x8x16xbf16> to tensor<8x16xbf16>
//       CHECK:       %[[VCH:.*]] = tensor.extract_slice %[[VC]][%[[B]], %[[H]], 0, 0]
//       CHECK:       %[[ROW_FIRST:.*]] = tensor.extract %[[POS]][%[[B]], %c0]
//       CHECK:       %[[ROW_FIRST_INDEX:.*]] = arith.index_cast %[[ROW_FIRST]]
//       CHECK:       %[[GRID:.*]] = arith.muli %[[QB]], %c8
//       CHECK:       %[[OFFSET:.*]] = arith.remui %[[ROW_FIRST_INDEX]], %c8
//       CHECK:       %[[GRID_START:.*]] = arith.subi %[[GRID]], %[[OFFSET]]
//       CHECK:       %[[FROM_ZERO:.*]] = arith.maxsi %[[GRID_START]], %c0
//       CHECK:       %[[QBEGIN:.*]] = arith.minsi %[[FROM_ZERO]], %[[COUNT]]
//       CHECK:       %[[GRID_END:.*]] = arith.addi %[[GRID_START]], %c8
//       CHECK:       %[[QEND:.*]] = arith.minsi %[[GRID_END]], %[[COUNT]]
//       CHECK:       %[[QLEN:.*]] = arith.subi %[[QEND]], %[[QBEGIN]]
//       CHECK:       %[[OUT_BLOCK:.*]] = tensor.extract_slice %[[HEADS]][%[[B]], %[[H]], 0, %[[QBEGIN]], 0] [1, 1, 2, %[[QLEN]], 16] [1, 1, 1, 1, 1] : tensor<?x2x2x?x16xbf16> to tensor<2x?x16xbf16>
//       CHECK:       %[[NONEMPTY:.*]] = arith.cmpi sgt, %[[QLEN]], %c0
//       CHECK:       %[[BLOCK_OUT:.*]] = scf.if %[[NONEMPTY]] -> (tensor<2x?x16xbf16>)
//       CHECK:         %[[BPOS:.*]] = tensor.extract_slice %[[POS]][0, %[[QBEGIN]]] [%{{.*}}, %[[QLEN]]] [1, 1] : tensor<?x?xi32> to tensor<?x?xi32>
//       CHECK:         %[[QBLOCK:.*]] = tensor.extract_slice %[[Q]][%[[B]], %[[H]], 0, %[[QBEGIN]], 0] [1, 1, 2, %[[QLEN]], 16] [1, 1, 1, 1, 1] : tensor<?x2x2x?x16xbf16> to tensor<2x?x16xbf16>
//       CHECK:         %[[MAX0:.*]] = linalg.fill ins(%[[NEG_INF]] : f32) outs(%{{.*}} : tensor<2x?xf32>)
//       CHECK:         %[[BLOCK_FIRST:.*]] = tensor.extract %[[BPOS]][%[[B]], %c0]
//       CHECK:         %[[CHUNK_NO:.*]] = arith.divsi %[[BLOCK_FIRST]], %[[CHUNK]]
//       CHECK:         %[[CHUNK_START:.*]] = arith.muli %[[CHUNK_NO]], %[[CHUNK]]
//       CHECK:         %[[SEEN:.*]] = arith.subi %[[ROW_FIRST]], %[[CHUNK_START]]
//       CHECK:         %[[SEEN_INDEX:.*]] = arith.index_cast %[[SEEN]]
//       CHECK:         %[[SEEN_LOW:.*]] = arith.maxsi %[[SEEN_INDEX]], %c0
//       CHECK:         %[[CACHED_END:.*]] = arith.minsi %[[SEEN_LOW]], %c8
// The new tokens' range, from the block's chunk start to its last query.
//       CHECK:         %[[LAST:.*]] = tensor.extract %[[BPOS]][%[[B]], %{{.*}}]
//       CHECK:         %[[BEFORE_CHUNK:.*]] = arith.subi %[[CHUNK_START]], %[[ROW_FIRST]]
//       CHECK:         %[[TO_LAST:.*]] = arith.subi %[[LAST]], %[[ROW_FIRST]]
// The cached keys, a block at a time.
//       CHECK:         %[[CACHED:.*]]:3 = scf.for %[[START:[a-z0-9]+]] = %c0 to %[[CACHED_END]] step %[[BLOCK]] iter_args(%[[M:[a-z0-9]+]] = %[[MAX0]], %[[L:[a-z0-9]+]] = %{{.*}}, %[[ACC:[a-z0-9]+]] = %{{.*}}) -> (tensor<2x?xf32>, tensor<2x?xf32>, tensor<2x?x16xf32>)
//       CHECK:           %[[SIZE:.*]] = arith.minsi %{{.*}}, %[[BLOCK]]
//       CHECK:           %[[KB:.*]] = tensor.extract_slice %[[KCH]][%[[START]], 0] [%[[SIZE]], 16] [1, 1] : tensor<8x16xbf16> to tensor<?x16xbf16>
//       CHECK:           %[[VB:.*]] = tensor.extract_slice %[[VCH]][%[[START]], 0]
//       CHECK:           %[[DOT:.*]] = linalg.contract
//  CHECK-SAME:               ins(%[[QBLOCK]], %[[KB]] : tensor<2x?x16xbf16>, tensor<?x16xbf16>) outs(%{{.*}} : tensor<2x?x?xf32>)
//       CHECK:           %[[SCORES:.*]] = linalg.generic {{.*}} ins(%[[DOT]] : tensor<2x?x?xf32>)
//       CHECK:             arith.divsi %{{.*}}, %[[CHUNK]] : i32
//       CHECK:             arith.cmpi slt
//       CHECK:             arith.select %{{.*}}, %{{.*}}, %[[NEG_INF]] : f32
//       CHECK:           %[[BLOCK_MAX:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[SCORES]] : tensor<2x?x?xf32>)
//       CHECK:             arith.maximumf
//       CHECK:           %[[NEW:.*]]:2 = linalg.generic {{.*}} ins(%[[BLOCK_MAX]] : tensor<2x?xf32>) outs(%[[M]], %{{.*}} : tensor<2x?xf32>, tensor<2x?xf32>)
//       CHECK:             arith.maximumf
//       CHECK:             math.exp
//       CHECK:           %[[WEIGHTS:.*]] = linalg.generic {{.*}} ins(%[[NEW]]#0 : tensor<2x?xf32>) outs(%[[SCORES]] : tensor<2x?x?xf32>)
//       CHECK:             arith.cmpf oeq, %{{.*}}, %[[NEG_INF]]
//       CHECK:             math.exp
//       CHECK:           %[[BLOCK_SUM:.*]] = linalg.generic {{.*}} ins(%[[WEIGHTS]] :
//       CHECK:           %[[SUM:.*]] = linalg.generic {{.*}} ins(%[[NEW]]#1, %[[BLOCK_SUM]] : tensor<2x?xf32>, tensor<2x?xf32>) outs(%[[L]] : tensor<2x?xf32>)
//       CHECK:           %[[RESCALED:.*]] = linalg.generic {{.*}} ins(%[[NEW]]#1 : tensor<2x?xf32>) outs(%[[ACC]] : tensor<2x?x16xf32>)
// weights . v, the key axis the reduction.
//       CHECK:           %[[NEXT_ACC:.*]] = linalg.contract
//  CHECK-SAME:               ins(%[[WEIGHTS]], %[[VB]] : tensor<2x?x?xf32>, tensor<?x16xbf16>) outs(%[[RESCALED]] : tensor<2x?x16xf32>)
//       CHECK:           scf.yield %[[NEW]]#0, %[[SUM]], %[[NEXT_ACC]]
// Then the new keys, from the first query's chunk start to the last query:
// visible when not after the query and in its chunk.
//       CHECK:         %[[ALL:.*]]:3 = scf.for %{{.*}} step %[[BLOCK]] iter_args(%{{.*}} = %[[CACHED]]#0, %{{.*}} = %[[CACHED]]#1, %{{.*}} = %[[CACHED]]#2)
//       CHECK:           ins(%[[QBLOCK]], %{{.*}} : tensor<2x?x16xbf16>, tensor<?x16xbf16>)
//       CHECK:             arith.cmpi sle
//       CHECK:             arith.divsi %{{.*}}, %[[CHUNK]] : i32
//       CHECK:             arith.divsi %{{.*}}, %[[CHUNK]] : i32
//       CHECK:             arith.cmpi eq
//       CHECK:         %[[NORMALIZED:.*]] = linalg.generic {{.*}} ins(%[[ALL]]#2, %[[ALL]]#1 : tensor<2x?x16xf32>, tensor<2x?xf32>) outs(%[[OUT_BLOCK]] : tensor<2x?x16xbf16>)
//       CHECK:           arith.divf
//       CHECK:           arith.truncf
//       CHECK:         scf.yield %[[NORMALIZED]]
//       CHECK:       } else {
//       CHECK:         scf.yield %[[OUT_BLOCK]]
//       CHECK:       scf.forall.in_parallel
//       CHECK:         tensor.parallel_insert_slice %[[BLOCK_OUT]] into %[[HEADS]][%[[B]], %[[H]], 0, %[[QBEGIN]], 0] [1, 1, 2, %[[QLEN]], 16] [1, 1, 1, 1, 1]
//       CHECK:   } else {
//       CHECK:     scf.for %{{.*}} = %c0 to %[[ROWS]] step %c1
//       CHECK:       scf.for %{{.*}} = %c0 to %c2 step %c1
//       CHECK:         scf.for %{{.*}} = %c0 to %[[QUERY_BLOCKS]] step %c1
//       CHECK:           linalg.contract
//       CHECK:   return %[[OUT]]
//   CHECK-NOT:   llama4.online_attention
// With query blocks of at most 3, the chunk's largest divisor up to 3, 2.
// BLOCK3-LABEL: func.func @per_kv_head
//       BLOCK3:   %[[SPAN:.*]] = arith.addi %{{.*}}, %c1
//       BLOCK3:   %[[BLOCKS:.*]] = arith.ceildivui %[[SPAN]], %c2
//       BLOCK3:   scf.forall ({{.*}}) in (%{{.*}}, 2, %[[BLOCKS]])
//       BLOCK3:     arith.remui %{{.*}}, %c2
func.func @per_kv_head(%q: tensor<?x2x2x?x16xbf16>, %pos: tensor<?x?xi32>,
    %kc: tensor<?x2x8x16xbf16>, %vc: tensor<?x2x8x16xbf16>,
    %k: tensor<?x2x?x16xbf16>, %v: tensor<?x2x?x16xbf16>,
    %init: tensor<?x2x2x?x16xbf16>) -> tensor<?x2x2x?x16xbf16> {
  %o = llama4.online_attention %q at(%pos) cache(%kc, %vc) tokens(%k, %v at %pos)
      outs(%init) {chunk_size = 8 : i64, key_block = 4 : i64, scale = 0.25 : f64}
      : (tensor<?x2x2x?x16xbf16>, tensor<?x?xi32>, tensor<?x2x8x16xbf16>,
         tensor<?x2x8x16xbf16>, tensor<?x2x?x16xbf16>, tensor<?x2x?x16xbf16>,
         tensor<?x?xi32>, tensor<?x2x2x?x16xbf16>) -> tensor<?x2x2x?x16xbf16>
  return %o : tensor<?x2x2x?x16xbf16>
}

// -----

// In a GPU thread's tile (one query of a global layer, f32) every tensor
// keeps a static shape: whole blocks of 4 keys, then the rest one at a
// time, for the cached slots below the first new position and for the new
// tokens up to the query.
// CHECK-LABEL: func.func @in_a_tile
//       CHECK:   scf.forall
//       CHECK:     %[[QT:.*]] = tensor.extract_slice %{{.*}}[0, 0, 0, 0, 0] [1, 1, 1, 1, 16] [1, 1, 1, 1, 1] : tensor<1x1x1x1x16xf32> to tensor<1x1x16xf32>
//       CHECK:     %[[WHOLE:.*]] = arith.muli %{{.*}}, %c4 : index
//       CHECK:     %[[BLOCKS:.*]]:3 = scf.for %[[K:.*]] = %c0 to %[[WHOLE]] step %c4
//       CHECK:       tensor.extract_slice %{{.*}}[%[[K]], 0] [4, 16] [1, 1] : tensor<?x16xf32> to tensor<4x16xf32>
//       CHECK:       linalg.contract {{.*}} ins(%[[QT]], %{{.*}} : tensor<1x1x16xf32>, tensor<4x16xf32>) outs(%{{.*}} : tensor<1x1x4xf32>)
//       CHECK:     %[[REST:.*]]:3 = scf.for %[[K1:.*]] = %[[WHOLE]] to %{{.*}} step %c1 iter_args(%{{.*}} = %[[BLOCKS]]#0, %{{.*}} = %[[BLOCKS]]#1, %{{.*}} = %[[BLOCKS]]#2)
//       CHECK:       tensor.extract_slice %{{.*}}[%[[K1]], 0] [1, 16] [1, 1] : tensor<?x16xf32> to tensor<1x16xf32>
//       CHECK:       linalg.contract {{.*}} outs(%{{.*}} : tensor<1x1x1xf32>)
//       CHECK:     scf.for {{.*}} step %c4
//       CHECK:       tensor<1x1x4xf32>
//       CHECK:     scf.for {{.*}} step %c1
//       CHECK:       tensor<1x1x1xf32>
//       CHECK:     scf.forall.in_parallel
//   CHECK-NOT:   llama4.online_attention
func.func @in_a_tile(%q: tensor<?x2x2x?x16xf32>, %pos: tensor<?x?xi32>,
    %kc: tensor<?x2x?x16xf32>, %vc: tensor<?x2x?x16xf32>,
    %k: tensor<?x2x?x16xf32>, %v: tensor<?x2x?x16xf32>,
    %init: tensor<?x2x2x?x16xf32>) -> tensor<?x2x2x?x16xf32> {
  %c0 = arith.constant 0 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %b = tensor.dim %q, %c0 : tensor<?x2x2x?x16xf32>
  %s = tensor.dim %q, %c3 : tensor<?x2x2x?x16xf32>
  %r = scf.forall (%i, %h, %g, %t) in (%b, 2, 2, %s) shared_outs(%out = %init) -> (tensor<?x2x2x?x16xf32>) {
    %qt = tensor.extract_slice %q[%i, %h, %g, %t, 0] [1, 1, 1, 1, 16] [1, 1, 1, 1, 1] : tensor<?x2x2x?x16xf32> to tensor<1x1x1x1x16xf32>
    %qp = tensor.extract_slice %pos[%i, %t] [1, 1] [1, 1] : tensor<?x?xi32> to tensor<1x1xi32>
    %l = tensor.dim %kc, %c2 : tensor<?x2x?x16xf32>
    %kct = tensor.extract_slice %kc[%i, %h, 0, 0] [1, 1, %l, 16] [1, 1, 1, 1] : tensor<?x2x?x16xf32> to tensor<1x1x?x16xf32>
    %vct = tensor.extract_slice %vc[%i, %h, 0, 0] [1, 1, %l, 16] [1, 1, 1, 1] : tensor<?x2x?x16xf32> to tensor<1x1x?x16xf32>
    %kt = tensor.extract_slice %k[%i, %h, 0, 0] [1, 1, %s, 16] [1, 1, 1, 1] : tensor<?x2x?x16xf32> to tensor<1x1x?x16xf32>
    %vt = tensor.extract_slice %v[%i, %h, 0, 0] [1, 1, %s, 16] [1, 1, 1, 1] : tensor<?x2x?x16xf32> to tensor<1x1x?x16xf32>
    %kp = tensor.extract_slice %pos[%i, 0] [1, %s] [1, 1] : tensor<?x?xi32> to tensor<1x?xi32>
    %ot = tensor.extract_slice %out[%i, %h, %g, %t, 0] [1, 1, 1, 1, 16] [1, 1, 1, 1, 1] : tensor<?x2x2x?x16xf32> to tensor<1x1x1x1x16xf32>
    %a = llama4.online_attention %qt at(%qp) cache(%kct, %vct) tokens(%kt, %vt at %kp)
        outs(%ot) {chunk_size = 0 : i64, key_block = 4 : i64, scale = 0.25 : f64}
        : (tensor<1x1x1x1x16xf32>, tensor<1x1xi32>, tensor<1x1x?x16xf32>,
           tensor<1x1x?x16xf32>, tensor<1x1x?x16xf32>, tensor<1x1x?x16xf32>,
           tensor<1x?xi32>, tensor<1x1x1x1x16xf32>) -> tensor<1x1x1x1x16xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %a into %out[%i, %h, %g, %t, 0] [1, 1, 1, 1, 16] [1, 1, 1, 1, 1] : tensor<1x1x1x1x16xf32> into tensor<?x2x2x?x16xf32>
    }
  }
  return %r : tensor<?x2x2x?x16xf32>
}

// -----

// A warp's query (a decode step's tile with a warp per element): lane l
// runs the online softmax over every 32nd visible key from the l-th, one
// key at a time, for the cached slots and the new tokens; the lanes'
// states are then combined across the warp (the maximum of their maxima,
// their sums and accumulators scaled by exp(m - max) and added) before the
// division. The expanded ops run in each lane: a thread's config.
#warp = #llama4.lowering_config<pipeline = gpu_warp_per_element, workgroup_size = [64]>
// CHECK-LABEL: func.func @a_warps_query
//       CHECK:   scf.forall
//       CHECK:     %[[LANE:.*]] = gpu.lane_id
//       CHECK:     scf.for %[[K:.*]] = %[[LANE]] to %{{.*}} step %c32
//       CHECK:       tensor.extract_slice %{{.*}}[%[[K]], 0] [1, 16] [1, 1] : tensor<?x16xf32> to tensor<1x16xf32>
//       CHECK:       linalg.contract {{.*}}gpu_thread_per_element, workgroup_size = [64]
//       CHECK:     scf.for %{{.*}} = %[[LANE]] to %{{.*}} step %c32
//       CHECK:     linalg.generic
//       CHECK:       gpu.subgroup_reduce maximumf %{{.*}} uniform
//       CHECK:     linalg.generic
//       CHECK:       math.exp
//       CHECK:     linalg.generic
//       CHECK:       arith.mulf
//       CHECK:       gpu.subgroup_reduce add %{{.*}} uniform
//       CHECK:     linalg.generic
//       CHECK:       arith.mulf
//       CHECK:       gpu.subgroup_reduce add %{{.*}} uniform
//       CHECK:     linalg.generic
//       CHECK:       arith.divf
//   CHECK-NOT:   gpu_warp_per_element
func.func @a_warps_query(%q: tensor<?x2x2x1x16xf32>, %pos: tensor<?x1xi32>,
    %kc: tensor<?x2x?x16xf32>, %vc: tensor<?x2x?x16xf32>,
    %k: tensor<?x2x1x16xf32>, %v: tensor<?x2x1x16xf32>,
    %init: tensor<?x2x2x1x16xf32>) -> tensor<?x2x2x1x16xf32> {
  %c0 = arith.constant 0 : index
  %c2 = arith.constant 2 : index
  %b = tensor.dim %q, %c0 : tensor<?x2x2x1x16xf32>
  %r = scf.forall (%i, %h, %g) in (%b, 2, 2) shared_outs(%out = %init) -> (tensor<?x2x2x1x16xf32>) {
    %qt = tensor.extract_slice %q[%i, %h, %g, 0, 0] [1, 1, 1, 1, 16] [1, 1, 1, 1, 1] : tensor<?x2x2x1x16xf32> to tensor<1x1x1x1x16xf32>
    %qp = tensor.extract_slice %pos[%i, 0] [1, 1] [1, 1] : tensor<?x1xi32> to tensor<1x1xi32>
    %l = tensor.dim %kc, %c2 : tensor<?x2x?x16xf32>
    %kct = tensor.extract_slice %kc[%i, %h, 0, 0] [1, 1, %l, 16] [1, 1, 1, 1] : tensor<?x2x?x16xf32> to tensor<1x1x?x16xf32>
    %vct = tensor.extract_slice %vc[%i, %h, 0, 0] [1, 1, %l, 16] [1, 1, 1, 1] : tensor<?x2x?x16xf32> to tensor<1x1x?x16xf32>
    %kt = tensor.extract_slice %k[%i, %h, 0, 0] [1, 1, 1, 16] [1, 1, 1, 1] : tensor<?x2x1x16xf32> to tensor<1x1x1x16xf32>
    %vt = tensor.extract_slice %v[%i, %h, 0, 0] [1, 1, 1, 16] [1, 1, 1, 1] : tensor<?x2x1x16xf32> to tensor<1x1x1x16xf32>
    %ot = tensor.extract_slice %out[%i, %h, %g, 0, 0] [1, 1, 1, 1, 16] [1, 1, 1, 1, 1] : tensor<?x2x2x1x16xf32> to tensor<1x1x1x1x16xf32>
    %a = llama4.online_attention %qt at(%qp) cache(%kct, %vct) tokens(%kt, %vt at %qp)
        outs(%ot) {chunk_size = 0 : i64, key_block = 4 : i64, scale = 0.25 : f64,
                   llama4.lowering_config = #warp}
        : (tensor<1x1x1x1x16xf32>, tensor<1x1xi32>, tensor<1x1x?x16xf32>,
           tensor<1x1x?x16xf32>, tensor<1x1x1x16xf32>, tensor<1x1x1x16xf32>,
           tensor<1x1xi32>, tensor<1x1x1x1x16xf32>) -> tensor<1x1x1x1x16xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %a into %out[%i, %h, %g, 0, 0] [1, 1, 1, 1, 16] [1, 1, 1, 1, 1] : tensor<1x1x1x1x16xf32> into tensor<?x2x2x1x16xf32>
    }
  }
  return %r : tensor<?x2x2x1x16xf32>
}

// -----

// A split of partial attention (a global layer, f32): the n visible keys
// (cached slots below the first new position, then new tokens up to the
// last query) cut into spans of max(ceil(n / 4), 3), split p =
// first_split + its loop index taking [p * span, (p + 1) * span), clamped
// into each source. Its state is not normalised: the maximum, sum and
// accumulator go into its slot [p, b, h] of the split-major outputs.
// CHECK-LABEL: func.func @a_split
//  CHECK-SAME:   %[[FIRST_SPLIT:[a-z0-9]+]]: index, %[[MAX_INIT:[a-z0-9]+]]: tensor<4x?x2x2x1xf32>, %[[SUM_INIT:[a-z0-9]+]]: tensor<4x?x2x2x1xf32>, %[[ACC_INIT:[a-z0-9]+]]: tensor<4x?x2x2x1x16xf32>
//   CHECK-DAG:   %[[SPLITS:.*]] = arith.constant 4 : index
//   CHECK-DAG:   %[[MIN_KEYS:.*]] = arith.constant 3 : index
//       CHECK:   scf.forall (%[[B:[a-z0-9]+]], %[[H:[a-z0-9]+]], %[[P:[a-z0-9]+]]) in (%{{.*}}, 2, 4) shared_outs(%[[M:.*]] = %[[MAX_INIT]], %[[L:.*]] = %[[SUM_INIT]], %[[A:.*]] = %[[ACC_INIT]])
//       CHECK:         %[[SPLIT:.*]] = arith.addi %[[FIRST_SPLIT]], %[[P]]
//       CHECK:         %[[CACHED:.*]] = arith.minsi %{{.*}}, %{{.*}} : index
//       CHECK:         %[[FRESH:.*]] = arith.minsi %{{.*}}, %c1 : index
//       CHECK:         %[[VISIBLE:.*]] = arith.addi %[[CACHED]], %[[FRESH]]
//       CHECK:         %[[PER_SPLIT:.*]] = arith.ceildivsi %[[VISIBLE]], %[[SPLITS]]
//       CHECK:         %[[SPAN:.*]] = arith.maxsi %[[PER_SPLIT]], %[[MIN_KEYS]]
//       CHECK:         %[[LOW:.*]] = arith.muli %[[SPLIT]], %[[SPAN]]
//       CHECK:         %[[HIGH:.*]] = arith.addi %[[LOW]], %[[SPAN]]
//       CHECK:         %[[LOW_AT:.*]] = arith.maxsi %[[LOW]], %c0
//       CHECK:         %[[CACHED_LOW:.*]] = arith.minsi %[[LOW_AT]], %[[CACHED]]
//       CHECK:         %[[HIGH_AT:.*]] = arith.maxsi %[[HIGH]], %c0
//       CHECK:         %[[CACHED_HIGH:.*]] = arith.minsi %[[HIGH_AT]], %[[CACHED]]
//       CHECK:         arith.subi %[[LOW]], %[[CACHED]]
//       CHECK:         arith.subi %[[HIGH]], %[[CACHED]]
//       CHECK:         %[[STATE:.*]]:3 = scf.for %{{.*}} = %[[CACHED_LOW]] to %[[CACHED_HIGH]] step %c4
//       CHECK:         %[[STATE2:.*]]:3 = scf.for {{.*}} iter_args(%{{.*}} = %[[STATE]]#0, %{{.*}} = %[[STATE]]#1, %{{.*}} = %[[STATE]]#2)
//   CHECK-NOT:         arith.divf
//       CHECK:         scf.forall.in_parallel
//       CHECK:         tensor.parallel_insert_slice %[[STATE2]]#0 into %[[M]][%[[P]], %[[B]], %[[H]], 0, 0] [1, 1, 1, 2, 1]
//       CHECK:         tensor.parallel_insert_slice %[[STATE2]]#1 into %[[L]][%[[P]], %[[B]], %[[H]], 0, 0] [1, 1, 1, 2, 1]
//       CHECK:         tensor.parallel_insert_slice %[[STATE2]]#2 into %[[A]][%[[P]], %[[B]], %[[H]], 0, 0, 0] [1, 1, 1, 2, 1, 16]
//   CHECK-NOT:   llama4.partial_attention
func.func @a_split(%q: tensor<?x2x2x1x16xf32>, %pos: tensor<?x1xi32>,
    %kc: tensor<?x2x?x16xf32>, %vc: tensor<?x2x?x16xf32>,
    %k: tensor<?x2x1x16xf32>, %v: tensor<?x2x1x16xf32>, %first: index,
    %m: tensor<4x?x2x2x1xf32>, %l: tensor<4x?x2x2x1xf32>,
    %acc: tensor<4x?x2x2x1x16xf32>)
    -> (tensor<4x?x2x2x1xf32>, tensor<4x?x2x2x1xf32>, tensor<4x?x2x2x1x16xf32>) {
  %max, %sum, %a = llama4.partial_attention %q at(%pos) cache(%kc, %vc)
      tokens(%k, %v at %pos) splits(%first) outs(%m, %l, %acc)
      {chunk_size = 0 : i64, key_block = 4 : i64, scale = 0.25 : f64,
       splits = 4 : i64, split_keys = 3 : i64}
      : (tensor<?x2x2x1x16xf32>, tensor<?x1xi32>, tensor<?x2x?x16xf32>,
         tensor<?x2x?x16xf32>, tensor<?x2x1x16xf32>, tensor<?x2x1x16xf32>,
         tensor<?x1xi32>, index, tensor<4x?x2x2x1xf32>, tensor<4x?x2x2x1xf32>,
         tensor<4x?x2x2x1x16xf32>)
      -> (tensor<4x?x2x2x1xf32>, tensor<4x?x2x2x1xf32>, tensor<4x?x2x2x1x16xf32>)
  return %max, %sum, %a : tensor<4x?x2x2x1xf32>, tensor<4x?x2x2x1xf32>, tensor<4x?x2x2x1x16xf32>
}

// -----

// A warp's KV head group of a decode step (workgroup tile [1, 1, 0, 0]:
// its 2 query heads), register tile [4]: each lane holds 4 of the 16 head
// dims, so 4 lanes side by side share each key and the warp's 8 groups of
// them take every 8th key. Every lane walks the same rounds of 8 keys (a
// key past the end reads the last one and is masked), reads its 4 columns
// of the key and value rows, and adds its parts of the 2 scores across
// its 4 lanes; the groups' states combine over the 8 lanes 4 apart that
// hold the same dims, and each lane writes its own columns of the output.
// CHECK-LABEL: func.func @a_warps_query_group
//       CHECK:   scf.forall (%{{.*}}, %{{.*}}) in (%{{.*}}, 2)
//       CHECK:     %[[LANE:.*]] = gpu.lane_id
//       CHECK:     %[[GROUP:.*]] = arith.divui %[[LANE]], %c4 : index
//       CHECK:     %[[DIMS:.*]] = arith.remui %[[LANE]], %c4 : index
//       CHECK:     %[[COLUMN:.*]] = arith.muli %[[DIMS]], %c4 : index
//       CHECK:     tensor.extract_slice %{{.*}}[0, 0, %[[COLUMN]]] [2, 1, 4] [1, 1, 1] : tensor<2x1x16xf32> to tensor<2x1x4xf32>
//       CHECK:     scf.for %[[ROUND:.*]] = %c0 to %{{.*}} step %c8 iter_args({{.*}}) -> (tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1x4xf32>)
//       CHECK:       %[[KEY:.*]] = arith.addi %[[ROUND]], %[[GROUP]] : index
//       CHECK:       %[[AT:.*]] = arith.minsi %[[KEY]], %{{.*}} : index
//       CHECK:       %[[IN:.*]] = arith.cmpi slt, %[[KEY]], %{{.*}} : index
//       CHECK:       %[[ROW:.*]] = tensor.extract_slice %{{.*}}[%[[AT]], 0] [1, 16] [1, 1] : tensor<?x16xf32> to tensor<1x16xf32>
//       CHECK:       tensor.extract_slice %[[ROW]][0, %[[COLUMN]]] [1, 4] [1, 1] : tensor<1x16xf32> to tensor<1x4xf32>
//       CHECK:       linalg.contract {{.*}} -> tensor<2x1x1xf32>
//       CHECK:       linalg.generic
//       CHECK:         arith.andi %{{.*}}, %[[IN]] : i1
//       CHECK:         gpu.subgroup_reduce add %{{.*}} uniform cluster(size = 4) : (f32) -> f32
//       CHECK:     scf.for %{{.*}} = %c0 to %{{.*}} step %c8
//       CHECK:       gpu.subgroup_reduce add %{{.*}} uniform cluster(size = 4) : (f32) -> f32
//       CHECK:     gpu.subgroup_reduce maximumf %{{.*}} uniform cluster(size = 8, stride = 4) : (f32) -> f32
//       CHECK:     gpu.subgroup_reduce add %{{.*}} uniform cluster(size = 8, stride = 4) : (f32) -> f32
//       CHECK:     gpu.subgroup_reduce add %{{.*}} uniform cluster(size = 8, stride = 4) : (f32) -> f32
//       CHECK:     arith.divf
//       CHECK:     tensor.insert_slice %{{.*}} into %{{.*}}[0, 0, %[[COLUMN]]] [2, 1, 4] [1, 1, 1] : tensor<2x1x4xf32> into tensor<2x1x16xf32>
//   CHECK-NOT:   gpu_warp_per_element
//   CHECK-NOT:   register_tile
#group = #llama4.lowering_config<pipeline = gpu_warp_per_element, workgroup_tile = [1, 1, 0, 0], register_tile = [4], workgroup_size = [32]>
func.func @a_warps_query_group(%q: tensor<?x2x2x1x16xf32>, %pos: tensor<?x1xi32>,
    %kc: tensor<?x2x?x16xf32>, %vc: tensor<?x2x?x16xf32>,
    %k: tensor<?x2x1x16xf32>, %v: tensor<?x2x1x16xf32>,
    %init: tensor<?x2x2x1x16xf32>) -> tensor<?x2x2x1x16xf32> {
  %c0 = arith.constant 0 : index
  %c2 = arith.constant 2 : index
  %b = tensor.dim %q, %c0 : tensor<?x2x2x1x16xf32>
  %r = scf.forall (%i, %h) in (%b, 2) shared_outs(%out = %init) -> (tensor<?x2x2x1x16xf32>) {
    %qt = tensor.extract_slice %q[%i, %h, 0, 0, 0] [1, 1, 2, 1, 16] [1, 1, 1, 1, 1] : tensor<?x2x2x1x16xf32> to tensor<1x1x2x1x16xf32>
    %qp = tensor.extract_slice %pos[%i, 0] [1, 1] [1, 1] : tensor<?x1xi32> to tensor<1x1xi32>
    %l = tensor.dim %kc, %c2 : tensor<?x2x?x16xf32>
    %kct = tensor.extract_slice %kc[%i, %h, 0, 0] [1, 1, %l, 16] [1, 1, 1, 1] : tensor<?x2x?x16xf32> to tensor<1x1x?x16xf32>
    %vct = tensor.extract_slice %vc[%i, %h, 0, 0] [1, 1, %l, 16] [1, 1, 1, 1] : tensor<?x2x?x16xf32> to tensor<1x1x?x16xf32>
    %kt = tensor.extract_slice %k[%i, %h, 0, 0] [1, 1, 1, 16] [1, 1, 1, 1] : tensor<?x2x1x16xf32> to tensor<1x1x1x16xf32>
    %vt = tensor.extract_slice %v[%i, %h, 0, 0] [1, 1, 1, 16] [1, 1, 1, 1] : tensor<?x2x1x16xf32> to tensor<1x1x1x16xf32>
    %ot = tensor.extract_slice %out[%i, %h, 0, 0, 0] [1, 1, 2, 1, 16] [1, 1, 1, 1, 1] : tensor<?x2x2x1x16xf32> to tensor<1x1x2x1x16xf32>
    %a = llama4.online_attention %qt at(%qp) cache(%kct, %vct) tokens(%kt, %vt at %qp)
        outs(%ot) {chunk_size = 0 : i64, key_block = 4 : i64, scale = 0.25 : f64,
                   llama4.lowering_config = #group}
        : (tensor<1x1x2x1x16xf32>, tensor<1x1xi32>, tensor<1x1x?x16xf32>,
           tensor<1x1x?x16xf32>, tensor<1x1x1x16xf32>, tensor<1x1x1x16xf32>,
           tensor<1x1xi32>, tensor<1x1x2x1x16xf32>) -> tensor<1x1x2x1x16xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %a into %out[%i, %h, 0, 0, 0] [1, 1, 2, 1, 16] [1, 1, 1, 1, 1] : tensor<1x1x2x1x16xf32> into tensor<?x2x2x1x16xf32>
    }
  }
  return %r : tensor<?x2x2x1x16xf32>
}

// -----

// A global layer's paged cache (pages of 4 positions, the block table [B, T]
// allotting them to the rows) is read a page at a time: the pages holding
// the slots below the row's first new position, page i from the pool's page
// block_table[b, i], its keys [4, d] then walked in blocks of key_block (2)
// within the page, each key masked as slot 4 * i + its index in the page.
// CHECK-LABEL: func.func @paged_cache
//  CHECK-SAME:   %[[Q:[a-z0-9]+]]: tensor<?x2x2x?x16xf32>, %[[POS:[a-z0-9]+]]: tensor<?x?xi32>, %[[KC:[a-z0-9]+]]: tensor<?x2x4x16xf32>, %[[VC:[a-z0-9]+]]: tensor<?x2x4x16xf32>, %[[TABLE:[a-z0-9]+]]: tensor<?x?xi32>
//   CHECK-DAG:   %[[PAGE_SIZE:.*]] = arith.constant 4 : index
//       CHECK:   %[[TABLE_WIDTH:.*]] = tensor.dim %[[TABLE]], %c1
//       CHECK:   %[[SLOTS:.*]] = arith.muli %[[TABLE_WIDTH]], %[[PAGE_SIZE]]
//       CHECK:   scf.forall (%[[B:[a-z0-9]+]], %[[H:[a-z0-9]+]], %{{.*}}) in
//       CHECK:       %[[FIRST:.*]] = tensor.extract %[[POS]][%[[B]], %c0]
//       CHECK:       %[[FIRST_INDEX:.*]] = arith.index_cast %[[FIRST]]
//       CHECK:         %[[LOW:.*]] = arith.maxsi %[[FIRST_INDEX]], %c0
//       CHECK:         %[[CACHED_END:.*]] = arith.minsi %[[LOW]], %[[SLOTS]]
//       CHECK:         %[[PAGES:.*]] = arith.ceildivui %[[CACHED_END]], %[[PAGE_SIZE]]
//       CHECK:         scf.for %[[PAGE:[a-z0-9]+]] = %c0 to %[[PAGES]] step %c1 iter_args(
//       CHECK:           %[[ENTRY:.*]] = tensor.extract %[[TABLE]][%[[B]], %[[PAGE]]]
//       CHECK:           %[[POOL_PAGE:.*]] = arith.index_cast %[[ENTRY]] : i32 to index
//       CHECK:           %[[BASE:.*]] = arith.muli %[[PAGE]], %[[PAGE_SIZE]]
//       CHECK:           %[[PAGE_KEYS:.*]] = tensor.extract_slice %[[KC]][%[[POOL_PAGE]], %[[H]], 0, 0] [1, 1, 4, 16] [1, 1, 1, 1] : tensor<?x2x4x16xf32> to tensor<4x16xf32>
//       CHECK:           %[[PAGE_VALUES:.*]] = tensor.extract_slice %[[VC]][%[[POOL_PAGE]], %[[H]], 0, 0] [1, 1, 4, 16] [1, 1, 1, 1] : tensor<?x2x4x16xf32> to tensor<4x16xf32>
//       CHECK:           %[[TO_END:.*]] = arith.subi %[[CACHED_END]], %[[BASE]]
//       CHECK:           %[[END_LOW:.*]] = arith.maxsi %[[TO_END]], %c0
//       CHECK:           %[[LOCAL_END:.*]] = arith.minsi %[[END_LOW]], %[[PAGE_SIZE]]
//       CHECK:           scf.for %[[START:[a-z0-9]+]] = %{{.*}} to %[[LOCAL_END]] step %c2
//       CHECK:             tensor.extract_slice %[[PAGE_KEYS]][%[[START]], 0]
//       CHECK:             tensor.extract_slice %[[PAGE_VALUES]][%[[START]], 0]
//       CHECK:             %[[KEY_SLOT:.*]] = arith.addi %[[BASE]], %[[START]]
//       CHECK:             linalg.generic
//       CHECK:               %[[IN_BLOCK:.*]] = linalg.index 2
//       CHECK:               %[[SLOT:.*]] = arith.addi %[[KEY_SLOT]], %[[IN_BLOCK]]
//       CHECK:               %[[SLOT_I32:.*]] = arith.index_cast %[[SLOT]] : index to i32
//       CHECK:               arith.cmpi slt, %[[SLOT_I32]], %[[FIRST]] : i32
func.func @paged_cache(%q: tensor<?x2x2x?x16xf32>, %pos: tensor<?x?xi32>,
    %kc: tensor<?x2x4x16xf32>, %vc: tensor<?x2x4x16xf32>, %table: tensor<?x?xi32>,
    %k: tensor<?x2x?x16xf32>, %v: tensor<?x2x?x16xf32>, %init: tensor<?x2x2x?x16xf32>)
    -> tensor<?x2x2x?x16xf32> {
  %o = llama4.online_attention %q at(%pos) cache(%kc, %vc) pages(%table)
      tokens(%k, %v at %pos) outs(%init)
      {chunk_size = 0 : i64, key_block = 2 : i64, scale = 0.25 : f64}
      : (tensor<?x2x2x?x16xf32>, tensor<?x?xi32>, tensor<?x2x4x16xf32>,
         tensor<?x2x4x16xf32>, tensor<?x?xi32>, tensor<?x2x?x16xf32>,
         tensor<?x2x?x16xf32>, tensor<?x?xi32>, tensor<?x2x2x?x16xf32>)
      -> tensor<?x2x2x?x16xf32>
  return %o : tensor<?x2x2x?x16xf32>
}

// -----

// A float8 cache's blocks are dequantized as they are read: each page's
// codes and scales sliced alike, each block's codes [n, d] times its
// scales [n, 1] (one per key or value), in the queries' type, then
// attended as a bf16 cache's block would be.
// CHECK-LABEL: func.func @fp8_paged_cache
//  CHECK-SAME:   %[[KC:[a-z0-9]+]]: tensor<?x2x4x16xf8E4M3FN>, %[[VC:[a-z0-9]+]]: tensor<?x2x4x16xf8E4M3FN>, %[[KS:[a-z0-9]+]]: tensor<?x2x4x1xf32>, %[[VS:[a-z0-9]+]]: tensor<?x2x4x1xf32>
//       CHECK:         scf.for %[[PAGE:[a-z0-9]+]] =
//       CHECK:           %[[PAGE_KEYS:.*]] = tensor.extract_slice %[[KC]][%[[POOL_PAGE:.*]], %[[H:.*]], 0, 0] [1, 1, 4, 16] [1, 1, 1, 1] : tensor<?x2x4x16xf8E4M3FN> to tensor<4x16xf8E4M3FN>
//       CHECK:           %[[PAGE_VALUES:.*]] = tensor.extract_slice %[[VC]][%[[POOL_PAGE]], %[[H]], 0, 0]
//       CHECK:           %[[PAGE_KEY_SCALES:.*]] = tensor.extract_slice %[[KS]][%[[POOL_PAGE]], %[[H]], 0, 0] [1, 1, 4, 1] [1, 1, 1, 1] : tensor<?x2x4x1xf32> to tensor<4x1xf32>
//       CHECK:           %[[PAGE_VALUE_SCALES:.*]] = tensor.extract_slice %[[VS]][%[[POOL_PAGE]], %[[H]], 0, 0]
//       CHECK:           scf.for %[[START:[a-z0-9]+]] =
//       CHECK:             %[[CODES:.*]] = tensor.extract_slice %[[PAGE_KEYS]][%[[START]], 0]
//       CHECK:             %[[SCALES:.*]] = tensor.extract_slice %[[PAGE_KEY_SCALES]][%[[START]], 0]
//       CHECK:             %[[KEYS:.*]] = linalg.generic {{.*}} ins(%[[CODES]], %[[SCALES]] : tensor<?x16xf8E4M3FN>, tensor<?x1xf32>) outs(%{{.*}} : tensor<?x16xbf16>)
//       CHECK:               %[[CODE:.*]] = arith.bitcast %{{.*}} : f8E4M3FN to i8
//       CHECK:               arith.extui %[[CODE]] : i8 to i32
//       CHECK:               %[[VALUE:.*]] = arith.select
//       CHECK:               %[[SIGNED:.*]] = arith.select %{{.*}}, %{{.*}}, %[[VALUE]] : f32
//       CHECK:               %[[SCALED:.*]] = arith.mulf %[[SIGNED]], %{{.*}} : f32
//       CHECK:               arith.truncf %[[SCALED]] : f32 to bf16
//       CHECK:             tensor.extract_slice %[[PAGE_VALUES]][%[[START]], 0]
//       CHECK:             tensor.extract_slice %[[PAGE_VALUE_SCALES]][%[[START]], 0]
//       CHECK:             linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<?x16xf8E4M3FN>, tensor<?x1xf32>) outs(%{{.*}} : tensor<?x16xbf16>)
//       CHECK:             linalg.contract {{.*}} ins(%{{.*}}, %[[KEYS]] : tensor<2x?x16xbf16>, tensor<?x16xbf16>)
func.func @fp8_paged_cache(%q: tensor<?x2x2x?x16xbf16>, %pos: tensor<?x?xi32>,
    %kc: tensor<?x2x4x16xf8E4M3FN>, %vc: tensor<?x2x4x16xf8E4M3FN>,
    %ks: tensor<?x2x4x1xf32>, %vs: tensor<?x2x4x1xf32>, %table: tensor<?x?xi32>,
    %k: tensor<?x2x?x16xbf16>, %v: tensor<?x2x?x16xbf16>, %init: tensor<?x2x2x?x16xbf16>)
    -> tensor<?x2x2x?x16xbf16> {
  %o = llama4.online_attention %q at(%pos) cache(%kc, %vc) scales(%ks, %vs) pages(%table)
      tokens(%k, %v at %pos) outs(%init)
      {chunk_size = 0 : i64, key_block = 2 : i64, scale = 0.25 : f64}
      : (tensor<?x2x2x?x16xbf16>, tensor<?x?xi32>, tensor<?x2x4x16xf8E4M3FN>,
         tensor<?x2x4x16xf8E4M3FN>, tensor<?x2x4x1xf32>, tensor<?x2x4x1xf32>, tensor<?x?xi32>,
         tensor<?x2x?x16xbf16>, tensor<?x2x?x16xbf16>, tensor<?x?xi32>, tensor<?x2x2x?x16xbf16>)
      -> tensor<?x2x2x?x16xbf16>
  return %o : tensor<?x2x2x?x16xbf16>
}
