// RUN: llama4-opt %s --llama4-select-lowering-config | FileCheck %s --check-prefix=CPU
// RUN: llama4-opt %s --llama4-select-lowering-config="cpu-weight-block-bytes=160" | FileCheck %s --check-prefix=SMALL
// RUN: llama4-opt %s --llama4-select-lowering-config="cpu-vector-lanes=16" | FileCheck %s --check-prefix=AVX512
// RUN: not llama4-opt %s --llama4-select-lowering-config="cpu-vector-lanes=4" 2>&1 | FileCheck %s --check-prefix=BAD-LANES
// RUN: llama4-opt %s --llama4-select-lowering-config="cpu-vector-lanes=16 cpu-bf16-pairs=true" | FileCheck %s --check-prefix=PAIRS
// RUN: llama4-opt %s --llama4-select-lowering-config="target=sm_90" | FileCheck %s --check-prefix=GPU
// RUN: llama4-opt %s --llama4-select-lowering-config="target=sm_80 gpu-block-threads=128" | FileCheck %s --check-prefix=SM80
// RUN: llama4-opt %s --llama4-select-lowering-config="target=sm_90 gpu-split-k-depth=0" | FileCheck %s --check-prefix=NOSPLIT
// RUN: not llama4-opt %s --llama4-select-lowering-config="target=sm_70" 2>&1 | FileCheck %s --check-prefix=BAD-TARGET
// RUN: not llama4-opt %s --llama4-select-lowering-config="target=sm_90 gpu-block-threads=100" 2>&1 | FileCheck %s --check-prefix=BAD-THREADS
// RUN: llama4-opt %s --llama4-select-lowering-config="target=sm_90 gpu-warp-rows=1" | FileCheck %s --check-prefix=ONEROW
// RUN: not llama4-opt %s --llama4-select-lowering-config="target=sm_90 gpu-warp-rows=0" 2>&1 | FileCheck %s --check-prefix=BAD-ROWS
// RUN: llama4-opt %s --llama4-select-lowering-config="target=sm_90 gpu-warp-rows=1 gpu-warp-columns=1" | FileCheck %s --check-prefix=ONE-ELEMENT
// RUN: not llama4-opt %s --llama4-select-lowering-config="target=sm_90 gpu-warp-columns=0" 2>&1 | FileCheck %s --check-prefix=BAD-COLUMNS
// RUN: llama4-opt %s --llama4-select-lowering-config="target=sm_90 gpu-expert-rows=1" | FileCheck %s --check-prefix=ONE-EXPERT-ROW
// RUN: not llama4-opt %s --llama4-select-lowering-config="target=sm_90 gpu-expert-rows=0" 2>&1 | FileCheck %s --check-prefix=BAD-EXPERT-ROWS
// RUN: llama4-opt %s --llama4-select-lowering-config="target=sm_90 gpu-lane-accumulators=8" | FileCheck %s --check-prefix=FEW-ACCUMULATORS
// RUN: not llama4-opt %s --llama4-select-lowering-config="target=sm_90 gpu-lane-accumulators=0" 2>&1 | FileCheck %s --check-prefix=BAD-ACCUMULATORS
// BAD-LANES: cpu-vector-lanes must be 8 or 16
// BAD-TARGET: target must be cpu, sm_80 or sm_90, not 'sm_70'
// BAD-THREADS: gpu-block-threads must be a multiple of 32 from 32 to 1024
// BAD-ROWS: gpu-warp-rows must be at least 1
// BAD-COLUMNS: gpu-warp-columns must be at least 1
// BAD-EXPERT-ROWS: gpu-expert-rows must be at least 1
// BAD-ACCUMULATORS: gpu-lane-accumulators must be at least 1

// The configs each target gets, pinned: what the code generation passes
// then carry out. On a GPU every op is one kernel of one element per
// thread, but nn.Linear's x * W^T, one element per warp (today's first
// mapping, the same on sm_80 and sm_90), its block size from
// gpu-block-threads.

#x = affine_map<(n, m, k) -> (m, k)>
#w = affine_map<(n, m, k) -> (n, k)>
#o = affine_map<(n, m, k) -> (m, n)>
#x3 = affine_map<(n, b, s, k) -> (b, s, k)>
#w3 = affine_map<(n, b, s, k) -> (n, k)>
#o3 = affine_map<(n, b, s, k) -> (b, s, n)>
#xe = affine_map<(m, n, k) -> (m, k)>
#we = affine_map<(m, n, k) -> (k, n)>
#oe = affine_map<(m, n, k) -> (m, n)>
#w2 = affine_map<(m, n, k) -> (n, k)>
#id = affine_map<(i, j) -> (i, j)>

// An f32 nn.Linear with a 256 KiB W [out, in]: dot-product tiles, 512 rows
// of 256 bytes per 128 KiB block, split between threads (W is at least 64
// KiB).
// CPU-LABEL: func.func @linear_f32
//       CPU:   linalg.contract {{.*}} {llama4.lowering_config = #llama4.lowering_config<pipeline = cpu_dot_tiles, workgroup_tile = [0, 512, 0], register_tile = [4, 2, 8], distribute = true>}
// With AVX-512's 16 lanes and 32 registers, 6 x 4 tiles of 16 lanes.
// AVX512-LABEL: func.func @linear_f32
//       AVX512:   linalg.contract {{.*}} {llama4.lowering_config = #llama4.lowering_config<pipeline = cpu_dot_tiles, workgroup_tile = [0, 512, 0], register_tile = [6, 4, 16], distribute = true>}
// A CPU that multiplies bf16 pairs (AVX512_BF16) widens f32 as before.
// PAIRS-LABEL: func.func @linear_f32
//       PAIRS:   linalg.contract {{.*}} {llama4.lowering_config = #llama4.lowering_config<pipeline = cpu_dot_tiles, workgroup_tile = [0, 512, 0], register_tile = [6, 4, 16], distribute = true>}
// On a GPU a warp per output element, 8 of x's rows (a dynamic number) by
// 2 rows of W a warp, each load of W shared by the 8, each of x by the 2;
// one row of x a warp at gpu-warp-rows=1, no register tile when a warp
// takes one of each.
// GPU-LABEL: func.func @linear_f32
//       GPU:   linalg.contract {{.*}} {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_warp_per_element, register_tile = [8, 2], workgroup_size = [256]>}
// SM80-LABEL: func.func @linear_f32
//       SM80:   linalg.contract {{.*}} {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_warp_per_element, register_tile = [8, 2], workgroup_size = [128]>}
// ONEROW-LABEL: func.func @linear_f32
//       ONEROW:   linalg.contract {{.*}} {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_warp_per_element, register_tile = [1, 2], workgroup_size = [256]>}
// ONE-ELEMENT-LABEL: func.func @linear_f32
//       ONE-ELEMENT:   linalg.contract {{.*}} {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_warp_per_element, workgroup_size = [256]>}
func.func @linear_f32(%x: memref<?x64xf32>, %w: memref<1024x64xf32>, %out: memref<?x1024xf32>) {
  linalg.contract indexing_maps = [#x, #w, #o]
      ins(%x, %w : memref<?x64xf32>, memref<1024x64xf32>) outs(%out : memref<?x1024xf32>)
  return
}

// A 240-byte bf16 W of 40-byte rows, batched x: one block (131072 / 40
// rows, in pairs), distributed (the code generation decides from the
// call's sizes whether threads share it). With 160-byte blocks (SMALL) it
// is 4 rows per block.
// CPU-LABEL: func.func @linear_bf16_batched
//       CPU:   linalg.contract {{.*}} {llama4.lowering_config = #llama4.lowering_config<pipeline = cpu_dot_tiles, workgroup_tile = [0, 3276, 0], register_tile = [4, 2, 8], distribute = true>}
// SMALL-LABEL: func.func @linear_bf16_batched
//       SMALL:   linalg.contract {{.*}} {llama4.lowering_config = #llama4.lowering_config<pipeline = cpu_dot_tiles, workgroup_tile = [0, 4, 0], register_tile = [4, 2, 8], distribute = true>}
// x and W both bf16 on a CPU that multiplies bf16 pairs: the same tiles,
// each lane taking pairs of k.
// PAIRS-LABEL: func.func @linear_bf16_batched
//       PAIRS:   linalg.contract {{.*}} {llama4.lowering_config = #llama4.lowering_config<pipeline = cpu_bf16_dot_tiles, workgroup_tile = [0, 3276, 0], register_tile = [6, 4, 16], distribute = true>}
// GPU-LABEL: func.func @linear_bf16_batched
//       GPU:   linalg.contract {{.*}} {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_warp_per_element, register_tile = [8, 2], workgroup_size = [256]>}
func.func @linear_bf16_batched(%x: memref<?x?x20xbf16>, %w: memref<6x20xbf16>, %out: memref<?x?x6xf32>) {
  linalg.contract indexing_maps = [#x3, #w3, #o3]
      ins(%x, %w : memref<?x?x20xbf16>, memref<6x20xbf16>) outs(%out : memref<?x?x6xf32>)
  return
}

// f32 x (attention's probabilities) against a bf16 W: no pairs, whose
// rounding of x to bf16 would change the result.
// PAIRS-LABEL: func.func @linear_f32_x_bf16_w
//       PAIRS:   linalg.contract {{.*}} {llama4.lowering_config = #llama4.lowering_config<pipeline = cpu_dot_tiles, workgroup_tile = [0, 4096, 0], register_tile = [6, 4, 16], distribute = true>}
func.func @linear_f32_x_bf16_w(%x: memref<?x16xf32>, %w: memref<8x16xbf16>, %out: memref<?x8xf32>) {
  linalg.contract indexing_maps = [#x, #w, #o]
      ins(%x, %w : memref<?x16xf32>, memref<8x16xbf16>) outs(%out : memref<?x8xf32>)
  return
}

// x's rows static (a vision tile's patches): a row of x a warp, by 2 rows
// of W.
// GPU-LABEL: func.func @linear_static_rows
//       GPU:   linalg.contract {{.*}} {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_warp_per_element, register_tile = [1, 2], workgroup_size = [256]>}
func.func @linear_static_rows(%x: memref<4x64xf32>, %w: memref<1024x64xf32>, %out: memref<4x1024xf32>) {
  linalg.contract indexing_maps = [#x, #w, #o]
      ins(%x, %w : memref<4x64xf32>, memref<1024x64xf32>) outs(%out : memref<4x1024xf32>)
  return
}

// An expert's W [in, out]: outer-product tiles of 4 rows by 16 columns,
// 512-column chunks when a row streams, distributed like every product
// (whether a call's work pays for the threads is the code generation's
// decision, from its sizes).
// CPU-LABEL: func.func @expert_in_out
//       CPU:   linalg.contract {{.*}} {llama4.lowering_config = #llama4.lowering_config<pipeline = cpu_outer_product_tiles, workgroup_tile = [0, 512, 0], register_tile = [4, 16, 8], distribute = true>}
// AVX512-LABEL: func.func @expert_in_out
//       AVX512:   linalg.contract {{.*}} {llama4.lowering_config = #llama4.lowering_config<pipeline = cpu_outer_product_tiles, workgroup_tile = [0, 512, 0], register_tile = [4, 32, 16], distribute = true>}
// With bf16 pairs, the same tiles, each step two rows of W interleaved.
// PAIRS-LABEL: func.func @expert_in_out
//       PAIRS:   linalg.contract {{.*}} {llama4.lowering_config = #llama4.lowering_config<pipeline = cpu_bf16_outer_product_tiles, workgroup_tile = [0, 512, 0], register_tile = [4, 32, 16], distribute = true>}
// On a GPU, W [in, out] is read along n: a thread per element, so that a
// warp's threads read consecutive columns.
// GPU-LABEL: func.func @expert_in_out
//       GPU:   linalg.contract {{.*}} {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [256]>}
func.func @expert_in_out(%x: memref<?x64xbf16>, %w: memref<64x43xbf16>, %out: memref<?x43xf32>) {
  linalg.contract indexing_maps = [#xe, #we, #oe]
      ins(%x, %w : memref<?x64xbf16>, memref<64x43xbf16>) outs(%out : memref<?x43xf32>)
  return
}

// Attention's value product, a dynamic W (a block of the cache), outside
// a loop already split between threads (a call on the calling thread
// whose heads did not pay for the threads): distributed too.
// PAIRS-LABEL: func.func @values_of_a_key_block
//       PAIRS:   linalg.contract {{.*}} {llama4.lowering_config = #llama4.lowering_config<pipeline = cpu_outer_product_tiles,
// CPU-LABEL: func.func @values_of_a_key_block
//       CPU:   linalg.contract {{.*}} {llama4.lowering_config = #llama4.lowering_config<pipeline = cpu_outer_product_tiles, workgroup_tile = [0, 512, 0], register_tile = [4, 16, 8], distribute = true>}
func.func @values_of_a_key_block(%p: memref<?x?xf32>, %v: memref<?x16xbf16>, %out: memref<?x16xf32>) {
  linalg.contract indexing_maps = [#xe, #we, #oe]
      ins(%p, %v : memref<?x?xf32>, memref<?x16xbf16>) outs(%out : memref<?x16xf32>)
  return
}

// Plain loops: a W whose rows are strided, a product into bf16, an
// elementwise map and a copy, each split between threads (its parallel
// dims come first).
// CPU-LABEL: func.func @loops
//       CPU:   linalg.contract {{.*}} {llama4.lowering_config = #llama4.lowering_config<pipeline = cpu_loops, distribute = true>}
//       CPU:   linalg.contract {{.*}} {llama4.lowering_config = #llama4.lowering_config<pipeline = cpu_loops, distribute = true>}
//       CPU:   linalg.generic {{.*}} attrs = {llama4.lowering_config = #llama4.lowering_config<pipeline = cpu_loops, distribute = true>}
//       CPU:   linalg.copy {llama4.lowering_config = #llama4.lowering_config<pipeline = cpu_loops, distribute = true>}
// GPU-LABEL: func.func @loops
// GPU-COUNT-2:   linalg.contract {{.*}} {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [256]>}
//       GPU:   linalg.generic {{.*}} attrs = {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [256]>}
//       GPU:   linalg.copy {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [256]>}
func.func @loops(%x: memref<?x64xf32>, %ws: memref<1024x64xf32, strided<[1, 1024]>>,
    %y: memref<?x1024xf32>, %w: memref<1024x64xbf16>, %yb: memref<?x1024xbf16>, %z: memref<?x1024xf32>) {
  linalg.contract indexing_maps = [#x, #w, #o]
      ins(%x, %ws : memref<?x64xf32>, memref<1024x64xf32, strided<[1, 1024]>>) outs(%y : memref<?x1024xf32>)
  linalg.contract indexing_maps = [#x, #w, #o]
      ins(%x, %w : memref<?x64xf32>, memref<1024x64xbf16>) outs(%yb : memref<?x1024xbf16>)
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%y : memref<?x1024xf32>) outs(%z : memref<?x1024xf32>) {
  ^bb0(%a: f32, %b: f32):
    %e = math.exp %a : f32
    linalg.yield %e : f32
  }
  linalg.copy ins(%z : memref<?x1024xf32>) outs(%y : memref<?x1024xf32>)
  return
}

// Loops that stay on one thread: a sum whose reduction comes first (its
// loops would split the threads inside a sequential one), and the ops
// inside a loop already split between them (attention's KV heads), a
// product of static W included.
// CPU-LABEL: func.func @not_on_threads
//       CPU:   linalg.generic {{.*}} attrs = {llama4.lowering_config = #llama4.lowering_config<pipeline = cpu_loops>}
//       CPU:   scf.parallel
//       CPU:     linalg.generic {{.*}} attrs = {llama4.lowering_config = #llama4.lowering_config<pipeline = cpu_loops>}
//       CPU:     linalg.contract {{.*}} {llama4.lowering_config = #llama4.lowering_config<pipeline = cpu_dot_tiles, workgroup_tile = [0, 512, 0], register_tile = [4, 2, 8]>}
func.func @not_on_threads(%x: memref<?x64xf32>, %sum: memref<64xf32>, %heads: index,
    %y: memref<?x64xf32>, %w: memref<1024x64xf32>, %z: memref<?x1024xf32>) {
  linalg.generic {indexing_maps = [affine_map<(k, n) -> (k, n)>, affine_map<(k, n) -> (n)>],
                  iterator_types = ["reduction", "parallel"]}
      ins(%x : memref<?x64xf32>) outs(%sum : memref<64xf32>) {
  ^bb0(%a: f32, %b: f32):
    %r = arith.addf %a, %b : f32
    linalg.yield %r : f32
  }
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.parallel (%h) = (%c0) to (%heads) step (%c1) {
    linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
        ins(%x : memref<?x64xf32>) outs(%y : memref<?x64xf32>) {
    ^bb0(%a: f32, %b: f32):
      linalg.yield %a : f32
    }
    linalg.contract indexing_maps = [#x, #w, #o]
        ins(%y, %w : memref<?x64xf32>, memref<1024x64xf32>) outs(%z : memref<?x1024xf32>)
    scf.reduce
  }
  return
}

// An op configured by an earlier run keeps its config (the GPU pipeline
// runs the selection on tensors, then again for the copies bufferization
// adds).
// CPU-LABEL: func.func @configured_before
//       CPU:   linalg.copy {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [64]>}
// GPU-LABEL: func.func @configured_before
//       GPU:   linalg.copy {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [64]>}
func.func @configured_before(%x: memref<?xf32>, %y: memref<?xf32>) {
  linalg.copy {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [64]>}
      ins(%x : memref<?xf32>) outs(%y : memref<?xf32>)
  return
}

// The ops of a GPU tile run as its root does: they get no config.
// GPU-LABEL: func.func @inside_a_tile
//  GPU-NOT:   llama4.lowering_config
//      GPU:   return
func.func @inside_a_tile(%x: tensor<4x64xf32>, %w: tensor<16x64xf32>, %init: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %r = scf.forall (%i) in (4) shared_outs(%o = %init) -> tensor<4x16xf32> {
    %xs = tensor.extract_slice %x[%i, 0] [1, 64] [1, 1] : tensor<4x64xf32> to tensor<1x64xf32>
    %os = tensor.extract_slice %o[%i, 0] [1, 16] [1, 1] : tensor<4x16xf32> to tensor<1x16xf32>
    %c = linalg.contract indexing_maps = [#xe, #w2, #oe]
        ins(%xs, %w : tensor<1x64xf32>, tensor<16x64xf32>) outs(%os : tensor<1x16xf32>) -> tensor<1x16xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %c into %o[%i, 0] [1, 16] [1, 1] : tensor<1x16xf32> into tensor<4x16xf32>
    }
  }
  return %r : tensor<4x16xf32>
}

// Online attention is configured like a linalg op: one query per thread on
// a GPU, where a prompt's queries fill warps.
// GPU-LABEL: func.func @online_attention
//       GPU:   llama4.online_attention {{.*}} llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [256]>
// CPU-LABEL: func.func @online_attention
//       CPU:   llama4.online_attention {{.*}} llama4.lowering_config = #llama4.lowering_config<pipeline = cpu_loops>
func.func @online_attention(%q: tensor<?x2x2x?x16xbf16>, %pos: tensor<?x?xi32>,
    %kc: tensor<?x2x8x16xbf16>, %k: tensor<?x2x?x16xbf16>,
    %init: tensor<?x2x2x?x16xbf16>) -> tensor<?x2x2x?x16xbf16> {
  %o = llama4.online_attention %q at(%pos) cache(%kc, %kc) tokens(%k, %k at %pos)
      outs(%init) {chunk_size = 8 : i64, key_block = 128 : i64, scale = 0.25 : f64}
      : (tensor<?x2x2x?x16xbf16>, tensor<?x?xi32>, tensor<?x2x8x16xbf16>,
         tensor<?x2x8x16xbf16>, tensor<?x2x?x16xbf16>, tensor<?x2x?x16xbf16>,
         tensor<?x?xi32>, tensor<?x2x2x?x16xbf16>) -> tensor<?x2x2x?x16xbf16>
  return %o : tensor<?x2x2x?x16xbf16>
}

// One query per row (a decode step): a warp per KV head's queries (the
// tile [1, 1, 0, 0] of (b, h, g, s): its 2 query heads read each key
// once) and split of its keys, its lanes splitting the split's keys, one
// warp a block so that the warps spread over the SMs. Two KV heads split
// the most ways, 16. The group's 2 x 16 accumulators fit a lane: each
// holds all 16 head dims; at 8 accumulators a lane, 4 lanes share each
// key, 4 dims each.
// GPU-LABEL: func.func @decode_attention
//       GPU:   llama4.online_attention {{.*}} llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_warp_per_element, workgroup_tile = [1, 1, 0, 0], register_tile = [16], workgroup_size = [32], split_k = 16>
// SM80-LABEL: func.func @decode_attention
//       SM80:   llama4.online_attention {{.*}} workgroup_size = [32], split_k = 16>
// FEW-ACCUMULATORS-LABEL: func.func @decode_attention
//       FEW-ACCUMULATORS:   llama4.online_attention {{.*}} workgroup_tile = [1, 1, 0, 0], register_tile = [4], workgroup_size = [32], split_k = 16>
// CPU-LABEL: func.func @decode_attention
//       CPU:   llama4.online_attention {{.*}} llama4.lowering_config = #llama4.lowering_config<pipeline = cpu_loops>
func.func @decode_attention(%q: tensor<?x2x2x1x16xbf16>, %pos: tensor<?x1xi32>,
    %kc: tensor<?x2x8x16xbf16>, %k: tensor<?x2x1x16xbf16>,
    %init: tensor<?x2x2x1x16xbf16>) -> tensor<?x2x2x1x16xbf16> {
  %o = llama4.online_attention %q at(%pos) cache(%kc, %kc) tokens(%k, %k at %pos)
      outs(%init) {chunk_size = 8 : i64, key_block = 128 : i64, scale = 0.25 : f64}
      : (tensor<?x2x2x1x16xbf16>, tensor<?x1xi32>, tensor<?x2x8x16xbf16>,
         tensor<?x2x8x16xbf16>, tensor<?x2x1x16xbf16>, tensor<?x2x1x16xbf16>,
         tensor<?x1xi32>, tensor<?x2x2x1x16xbf16>) -> tensor<?x2x2x1x16xbf16>
  return %o : tensor<?x2x2x1x16xbf16>
}

// 512 KV heads, whose 8 splits fill the 4224 one-warp blocks 132 SMs hold
// (16 would not fit). Their 16 queries of 16 dims, 256 accumulators,
// take 2 lanes a key, 8 dims each.
// GPU-LABEL: func.func @decode_attention_many_heads
//       GPU:   llama4.online_attention {{.*}} register_tile = [8], workgroup_size = [32], split_k = 8>
func.func @decode_attention_many_heads(%q: tensor<?x512x16x1x16xbf16>,
    %pos: tensor<?x1xi32>, %kc: tensor<?x512x8x16xbf16>,
    %k: tensor<?x512x1x16xbf16>, %init: tensor<?x512x16x1x16xbf16>)
    -> tensor<?x512x16x1x16xbf16> {
  %o = llama4.online_attention %q at(%pos) cache(%kc, %kc) tokens(%k, %k at %pos)
      outs(%init) {chunk_size = 8 : i64, key_block = 128 : i64, scale = 0.25 : f64}
      : (tensor<?x512x16x1x16xbf16>, tensor<?x1xi32>, tensor<?x512x8x16xbf16>,
         tensor<?x512x8x16xbf16>, tensor<?x512x1x16xbf16>, tensor<?x512x1x16xbf16>,
         tensor<?x1xi32>, tensor<?x512x16x1x16xbf16>) -> tensor<?x512x16x1x16xbf16>
  return %o : tensor<?x512x16x1x16xbf16>
}

// A routed expert's x * W in a decode step (one token, its expert's W
// [in, out] read through tensor.extract): 5120 outputs of 8192 products
// each split 32 ways, 256 steps a thread, 163,840 threads. With 16,384
// outputs and 5120 steps, 16 ways (320 steps; 32 would exceed the 270,336
// threads an H100 holds). A sum not named a gathered product (here a
// sum of squares, along x's rows: a warp each) is not split, nor is
// anything at gpu-split-k-depth=0. The tokens' rows, a dynamic batch, are
// grouped 8 at a time, rows choosing one expert sharing its loads; not at
// gpu-expert-rows=1.
#tok = affine_map<(b, s, n, k) -> (b, s, k)>
#tokex = affine_map<(b, s, n, k) -> (b, s)>
#tokout = affine_map<(b, s, n, k) -> (b, s, n)>
// GPU-LABEL: func.func @routed_expert_products
//       GPU:   linalg.generic {{.*}}<pipeline = gpu_thread_per_element, register_tile = [8], workgroup_size = [256], split_k = 32>}
//       GPU:   linalg.generic {{.*}}<pipeline = gpu_thread_per_element, register_tile = [8], workgroup_size = [256], split_k = 16>}
//       GPU:   linalg.generic {{.*}}<pipeline = gpu_warp_per_element, workgroup_size = [256]>}
// ONE-EXPERT-ROW-LABEL: func.func @routed_expert_products
//       ONE-EXPERT-ROW:   linalg.generic {{.*}}<pipeline = gpu_thread_per_element, workgroup_size = [256], split_k = 32>}
//       ONE-EXPERT-ROW:   linalg.generic {{.*}}<pipeline = gpu_thread_per_element, workgroup_size = [256], split_k = 16>}
// NOSPLIT-LABEL: func.func @routed_expert_products
//   NOSPLIT-NOT:   split_k
//       NOSPLIT:   return
func.func @routed_expert_products(%x: tensor<?x1x8192xbf16>, %x2: tensor<?x1x5120xbf16>,
    %experts: tensor<?x1xindex>, %down: tensor<16x8192x5120xbf16>,
    %gate_up: tensor<16x5120x16384xbf16>, %b: index)
    -> (tensor<?x1x5120xf32>, tensor<?x1x16384xf32>, tensor<?x1x5120xf32>) {
  %zero = arith.constant 0.0 : f32
  %e1 = tensor.empty(%b) : tensor<?x1x5120xf32>
  %z1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<?x1x5120xf32>) -> tensor<?x1x5120xf32>
  %d = linalg.generic {indexing_maps = [#tok, #tokex, #tokout],
      iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %experts : tensor<?x1x8192xbf16>, tensor<?x1xindex>) outs(%z1 : tensor<?x1x5120xf32>)
      attrs = {llama4.gathered_product} {
  ^bb0(%xv: bf16, %e: index, %acc: f32):
    %n = linalg.index 2 : index
    %k = linalg.index 3 : index
    %wv = tensor.extract %down[%e, %k, %n] : tensor<16x8192x5120xbf16>
    %xf = arith.extf %xv : bf16 to f32
    %wf = arith.extf %wv : bf16 to f32
    %p = arith.mulf %xf, %wf : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<?x1x5120xf32>
  %e2 = tensor.empty(%b) : tensor<?x1x16384xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<?x1x16384xf32>) -> tensor<?x1x16384xf32>
  %g = linalg.generic {indexing_maps = [#tok, #tokex, #tokout],
      iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x2, %experts : tensor<?x1x5120xbf16>, tensor<?x1xindex>) outs(%z2 : tensor<?x1x16384xf32>)
      attrs = {llama4.gathered_product} {
  ^bb0(%xv: bf16, %e: index, %acc: f32):
    %n = linalg.index 2 : index
    %k = linalg.index 3 : index
    %wv = tensor.extract %gate_up[%e, %k, %n] : tensor<16x5120x16384xbf16>
    %xf = arith.extf %xv : bf16 to f32
    %wf = arith.extf %wv : bf16 to f32
    %p = arith.mulf %xf, %wf : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<?x1x16384xf32>
  %squares = linalg.generic {indexing_maps = [#tok, #tokout],
      iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x : tensor<?x1x8192xbf16>) outs(%z1 : tensor<?x1x5120xf32>) {
  ^bb0(%xv: bf16, %acc: f32):
    %xf = arith.extf %xv : bf16 to f32
    %p = arith.mulf %xf, %xf : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<?x1x5120xf32>
  return %d, %g, %squares : tensor<?x1x5120xf32>, tensor<?x1x16384xf32>, tensor<?x1x5120xf32>
}

// RMSNorm's sum of squares along a 5120-wide row: a warp per row, its
// lanes reading consecutive elements. A row of 64 is a thread's; so is a
// sum down a column (k is not x's innermost index).
#row = affine_map<(t, k) -> (t, k)>
#col = affine_map<(t, k) -> (k, t)>
#sum = affine_map<(t, k) -> (t)>
// GPU-LABEL: func.func @row_sums
//       GPU:   linalg.generic {{.*}}<pipeline = gpu_warp_per_element, workgroup_size = [256]>}
//       GPU:   linalg.generic {{.*}}<pipeline = gpu_thread_per_element, workgroup_size = [256]>}
//       GPU:   linalg.generic {{.*}}<pipeline = gpu_thread_per_element, workgroup_size = [256]>}
func.func @row_sums(%x: tensor<?x5120xbf16>, %short: tensor<?x64xf32>, %xt: tensor<5120x?xf32>, %t: index)
    -> (tensor<?xf32>, tensor<?xf32>, tensor<?xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty(%t) : tensor<?xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<?xf32>) -> tensor<?xf32>
  %rms = linalg.generic {indexing_maps = [#row, #sum], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<?x5120xbf16>) outs(%z : tensor<?xf32>) {
  ^bb0(%xv: bf16, %acc: f32):
    %xf = arith.extf %xv : bf16 to f32
    %p = arith.mulf %xf, %xf : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<?xf32>
  %few = linalg.generic {indexing_maps = [#row, #sum], iterator_types = ["parallel", "reduction"]}
      ins(%short : tensor<?x64xf32>) outs(%z : tensor<?xf32>) {
  ^bb0(%xv: f32, %acc: f32):
    %s = arith.addf %acc, %xv : f32
    linalg.yield %s : f32
  } -> tensor<?xf32>
  %down = linalg.generic {indexing_maps = [#col, #sum], iterator_types = ["parallel", "reduction"]}
      ins(%xt : tensor<5120x?xf32>) outs(%z : tensor<?xf32>) {
  ^bb0(%xv: f32, %acc: f32):
    %s = arith.addf %acc, %xv : f32
    linalg.yield %s : f32
  } -> tensor<?xf32>
  return %rms, %few, %down : tensor<?xf32>, tensor<?xf32>, tensor<?xf32>
}

// A greedy token's reduction of (logit, index) pairs is a warp a span (or a
// row), one warp a block, its lanes splitting the span: the spans of a row
// of logits are a few dozen warps, which spread over the SMs.
// GPU-LABEL: func.func @greedy_token_spans
//       GPU:   linalg.generic {{.*}}llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_warp_per_element, workgroup_size = [32]>}
func.func @greedy_token_spans(%logits: tensor<?x64xf32>, %best: tensor<?xf32>, %index: tensor<?xi32>)
    -> tensor<?xi32> {
  %r:2 = linalg.generic {indexing_maps = [#row, #sum, #sum], iterator_types = ["parallel", "reduction"]}
      ins(%logits : tensor<?x64xf32>) outs(%best, %index : tensor<?xf32>, tensor<?xi32>)
      attrs = {llama4.greedy_token} {
  ^bb0(%x: f32, %b: f32, %i: i32):
    %k = linalg.index 1 : index
    %ki = arith.index_cast %k : index to i32
    %take = arith.cmpf ogt, %x, %b : f32
    %nb = arith.select %take, %x, %b : f32
    %ni = arith.select %take, %ki, %i : i32
    linalg.yield %nb, %ni : f32, i32
  } -> (tensor<?xf32>, tensor<?xi32>)
  return %r#1 : tensor<?xi32>
}
