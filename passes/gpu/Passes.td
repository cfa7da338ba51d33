//===- Passes.td - Code generation for NVIDIA GPUs ------------------------===//

#ifndef LLAMA4C_PASSES_GPU_PASSES_TD
#define LLAMA4C_PASSES_GPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def Llama4GpuHostMetadataToStackPass
    : Pass<"llama4-gpu-host-metadata-to-stack", "::mlir::ModuleOp"> {
  let summary = "Puts the deallocation bookkeeping arrays on the host stack.";
  let description = [{
    In a GPU model every memref.alloc becomes device memory. The lowered
    bufferization.dealloc ops keep small static arrays (the pointers to
    check, their ownership) that only the host reads and writes, through
    the `dealloc_helper` function: those allocations become memref.alloca
    at their function's entry, their memref.dealloc ops go, and the host
    code using them is left on the host.
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
}

def Llama4GpuSinkScatterLoopsPass : Pass<"llama4-gpu-sink-scatter-loops"> {
  let summary = "Moves the host loops of a scatter inside its copy loop.";
  let description = [{
    The KV-cache update is a loop over tokens that reads each token's
    position, picks the cache slot and copies the token's keys into it (an
    scf.parallel): the position is in device memory, and a later token may
    overwrite the slot of an earlier one (a chunked layer's window). Such a
    perfect scf.for nest around a parallel copy into a slice becomes one
    scf.parallel over the copy's elements whose threads each run the token
    loops in order: one kernel, every slot written in token order, nothing
    read on the host.

    ```mlir
    scf.for %b ... { scf.for %s ... {
      %slot = ... memref.load %positions[%b, %s] ...
      scf.parallel (%h, %d) ... { copy one element into the slot } } }
    // becomes
    scf.parallel (%h, %d) ... { scf.for %b ... { scf.for %s ... {
      %slot = ...; copy one element } } }
    ```
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect"];
}

def Llama4GpuSplitReductionPass : Pass<"llama4-gpu-split-reduction"> {
  let summary = "Splits a GPU product's reduction into partial sums on more "
                "threads (split-K), and a decode step's attention into splits "
                "of its keys (flash-decoding).";
  let options = [
    Option<"attentionSplitKeys", "attention-split-keys", "int64_t",
           /*default=*/"256",
           "Fewest keys a split of attention takes where each lane of its "
           "warp takes keys of its own: eight a lane, so that combining the "
           "lanes' states (shuffles of d + 2 values) stays a small part of "
           "its work; where n lanes share each key (a KV head's query "
           "group), n times fewer, as many rounds of keys">,
  ];
  let description = [{
    Runs on tensors after --llama4-select-lowering-config, before
    --llama4-gpu-tile-and-fuse. A `linalg.generic` whose config has
    `split_k = S > 1` (one reduction loop of static extent K, a sum into a
    zero fill) becomes two ops: a partial op whose new outermost parallel
    loop s takes the reduction steps s * K/S to (s + 1) * K/S - 1, each
    thread summing K/S of them into a zero-filled [S, ...] tensor, and an
    op that adds the S partial sums into the original output. The partial
    op has S times the threads (a routed expert's `x * W` of a decode step
    has a thread per output column, too few to fill the GPU); the adding
    op is a thread per element that fuses into its consumer.

    ```mlir
    %r = linalg.generic {iterator_types = ["parallel", "reduction"]}
        ins(%x) outs(%zeros : tensor<5120xf32>)
        attrs = {llama4.lowering_config = #llama4.lowering_config<
                 pipeline = gpu_thread_per_element, workgroup_size = [256],
                 split_k = 32>} { ... linalg.index 1 ... }
    // becomes
    %p = linalg.generic {iterator_types = ["parallel", "parallel", "reduction"]}
        ins(%x) outs(%partial_zeros : tensor<32x5120xf32>) {
          ... linalg.index 0 * 256 + linalg.index 2 ... }
    %r = linalg.generic {iterator_types = ["parallel", "reduction"]}
        ins(%p) outs(%zeros : tensor<5120xf32>) { addf }
    ```

    A `llama4.online_attention` whose config has `split_k = P > 1` (a
    decode step's: a warp per KV head's queries) becomes a
    `llama4.partial_attention` of P splits, each at least
    `attention-split-keys` keys, or as many rounds of keys where the
    config's register tile [c] of d head dims has d / c lanes share each
    key (Scout's 128 / 16: 8 lanes, a round of 4 keys, 32 keys at least),
    configured as the attention was (a warp per KV head's queries and
    split), and a
    `linalg.generic` with a thread per output element that combines the
    splits' states: the largest maximum M, then
    `sum_p exp(max_p - M) acc_p / sum_p exp(max_p - M) sum_p`, rounded to
    the output's type. It is left unconfigured: the pipeline runs
    --llama4-select-lowering-config again.

    ```mlir
    %o = llama4.online_attention ... outs(%init : tensor<?x8x5x1x128xbf16>)
        {llama4.lowering_config = #llama4.lowering_config<
         pipeline = gpu_warp_per_element, workgroup_size = [32], split_k = 16>, ...}
    // becomes
    %max, %sum, %acc = llama4.partial_attention ... splits(%c0)
        outs(... : tensor<?x8x5x1x16xf32>, tensor<?x8x5x1x16xf32>,
                   tensor<?x8x5x1x16x128xf32>) {splits = 16, split_keys = 256, ...}
    %o = linalg.generic {iterator_types = ["parallel" x 5]} outs(%init) {
      scf.for over the splits: tensor.extract %max, %sum, %acc ... }
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect"];
}

def Llama4GpuTileAndFusePass : Pass<"llama4-gpu-tile-and-fuse"> {
  let summary = "Tiles each GPU root op on tensors into one output element "
                "per iteration, fusing its elementwise producers.";
  let description = [{
    Runs on tensors after --llama4-select-lowering-config for a GPU target.
    Walking the `gpu_thread_per_element` and `gpu_warp_per_element` ops
    (linalg ops and `llama4.online_attention`) from last to first, each op
    not yet fused becomes the root of a kernel: TilingInterface tiles its
    parallel loops by 1, or by its config's workgroup tile (0 keeping a
    loop whole), into an scf.forall (one iteration = one thread, or one
    warp if an op of the tile is a warp per element; its reductions whole
    inside; one query of attention, its keys whole, or in a decode step
    one split of a KV head's queries), and fuses into
    that tile every producer
    (linalg op with a GPU config) whose result

    - has this tile as its only user (a producer that reads no tensor, a
      fill, is recomputed in every tile that reads it instead),
    - is read one element per tile, and
    - is read through every parallel loop of its reader, so that no two
      tiles compute the same element; or, a map or a sum of at most 128
      steps (a map read a row at a time: the row's elements), is computed
      again by tiles (those that differ only in loops its slice ignores)
      that together take at most 128 * 128 steps: a head's qk-norm sum,
      repeated by the threads of the head's 128 elements, costs less than
      a launch, and so does the head's RoPE under that sum.

    A thread's reduction of at most 128 steps whose every reader is a
    thread per element reading one element of it per output element, in
    at least 8 times its steps, is computed again in each reader's tile
    and launches no kernel: a token's choice among Scout's 16 experts,
    read by the routed experts' split products (320 and 256 steps a
    thread).

    A short sum outside the tile whose only reader is the tile does not
    count as another user of its producer: it is offered to the tile
    next. Nor does a slice that only the tile reads (a gated activation's
    half of gate|up): the tile's slice of that slice becomes one slice of
    the producer.

    A map of a thread per element that alone reads a warp's sum along
    rows, not along its innermost loop (RMSNorm's scaling of x [.., K] by
    its row's sum of squares), keeps that loop whole: its tile is a row,
    the sum joins it, and the tile is a warp's, one kernel for the norm
    where a warp per sum and a thread per element took two launches.

    A warp's tile takes no thread's reduction of more than 32 steps
    (a routed expert's x * W), which its 32 lanes would each repeat; the
    sum of a split product's 32 partial sums joins it.

    First, every output that an op's body never reads (a residual add's,
    whose init is its other operand) becomes a fresh `tensor.empty`, so
    that bufferization copies nothing into it.

    The rounding of a product fuses into it this way, with the fill of its
    accumulator (fill, contract and truncf: one kernel, a warp's for
    nn.Linear, the f32 accumulator a private scalar), and so do chains of
    elementwise maps. The fused
    intermediates become tile-sized tensors that
    --llama4-gpu-private-tile-buffers keeps in thread-private memory after
    bufferization.

    ```mlir
    %acc = linalg.fill ...
    %p = linalg.contract ... outs(%acc : tensor<?x32xf32>)
    %y = linalg.generic {truncf} ins(%p) ...
    // becomes
    %y = scf.forall (%m, %n) in (%rows, 32) shared_outs(%o = ...) {
      %a = linalg.fill ... -> tensor<1x1xf32>
      %t = linalg.contract ins(%x[%m, 0] [1, 64], %w[%n, 0] [1, 64]) outs(%a)
      %r = linalg.generic {truncf} ins(%t) ... -> tensor<1x1xbf16>
      scf.forall.in_parallel { tensor.parallel_insert_slice %r into %o[%m, %n] ... }
    }
    ```
  }];
  let dependentDialects = [
    "::mlir::linalg::LinalgDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def Llama4GpuFuseCacheWritesPass : Pass<"llama4-gpu-fuse-cache-writes"> {
  let summary = "Stores a decode step's new keys and values into the KV "
                "cache from the kernels that compute them.";
  let description = [{
    llama4.kv_cache_update becomes a host loop over the rows storing each
    row's [Hkv, d] slice of the update at its slot of the cache, one
    kernel per store after bufferization (a decode step's keys and values:
    two launches a layer). Where that loop's update is the result of a
    kernel of one element per tile (an scf.forall from
    --llama4-gpu-tile-and-fuse, possibly reshaped by a tensor.expand_shape
    splitting the heads), the kernel takes the cache as one more shared
    output and each tile stores its element at the slot the loop computes
    for the tile's row (the loop's scalar ops, cloned), and the loop goes.

    The store then happens before attention, which is what makes it
    valid only there: after the kernel, the cache may be read by nothing
    but attention ops' cache operands (through slices), which read the
    keys of earlier positions and never the slot the step stores into, so
    they read the stored cache in place of the old one and bufferization
    copies nothing. A prefill's update (a loop over rows and tokens) is
    left as it is.
  }];
  let dependentDialects = ["::mlir::affine::AffineDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect"];
}

def Llama4GpuPrivateTileBuffersPass
    : Pass<"llama4-gpu-private-tile-buffers"> {
  let summary = "Keeps the buffers allocated inside a kernel's tile in "
                "thread-private memory.";
  let description = [{
    Runs right after bufferization. A memref.alloc inside an scf.forall (a
    fused tile's intermediate, one element per thread) becomes a
    memref.alloca at the start of the tile: thread-private memory,
    registers once LLVM promotes it. A thread's private memory is fixed
    for the kernel, so a buffer allocated inside a loop of the tile (an
    online softmax's block of scores) is the same memory every iteration;
    it must not be carried from one iteration to the next. Device memory
    cannot be allocated inside a kernel, so an alloc of dynamic size there
    is an error.

    ```mlir
    scf.forall (%i, %j) in (%rows, 32) {
      scf.for %k = ... {
        %scores = memref.alloc() : memref<1x1x128xf32>
    // becomes
    scf.forall (%i, %j) in (%rows, 32) {
      %scores = memref.alloca() : memref<1x1x128xf32>
      scf.for %k = ... {
    ```
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
}

def Llama4GpuLinalgToKernelLoopsPass
    : Pass<"llama4-gpu-linalg-to-kernel-loops"> {
  let summary = "Lowers each configured linalg op to loops that keep its "
                "lowering config.";
  let description = [{
    Runs on buffers after --llama4-select-lowering-config for a GPU target.
    Each kernel-to-be becomes one scf.parallel that carries its root's
    `llama4.lowering_config` to --llama4-gpu-map-loops-to-blocks:

    - a tile loop of --llama4-gpu-tile-and-fuse (an scf.forall) becomes an
      scf.parallel, and the ops of its tile sequential loops (scf.for)
      inside each thread; a tile holding a `gpu_warp_per_element` op is a
      warp's, its config the kernel loop's, and so is a tile whose code
      asks for its lane (`gpu.lane_id`: a warp's query of attention); of
      its ops' configs, one with a register tile (the product's rows) is
      the kernel loop's;
    - a `gpu_warp_per_element` op (one reduction loop, innermost, adding
      into an f32 output: nn.Linear's x * W^T) keeps its parallel loops
      (the kernel loop if it is a root, one iteration each in a tile) and
      splits k across the warp's lanes. Where every input reads k along a
      row whose start is provably aligned (unit innermost stride, offsets
      and outer strides multiples of w, back to the allocation) and the
      body is elementwise, lane l loads w = 16 bytes / (narrowest element)
      consecutive elements from k = w * l on (`vector.load` with 16-byte
      alignment: `ld.global.v4`), the warp 32 * w a step, and adds their
      products into one f32 in order (`math.fma`, one register a row once
      --llama4-gpu-jam-token-rows jams rows); the rest of k (or all of it)
      goes one element a lane, k = l, l + 32, .... Every sum's
      `acc + a * b` is emitted as a `math.fma`. A `gpu.subgroup_reduce
      add` adds the lanes' sums, and the total is added into the output.
      In a warp's kernel every lane computes every op alike, and a store
      to memory that is not the thread's own (not a memref.alloca) is made
      by lane 0 only, so that an output updated in place is updated once;
      but a map in a warp's tile that writes such memory along a row (a
      norm's row after its sum) splits the row's innermost loop across the
      lanes, 16 bytes a lane where the rows are aligned, each lane storing
      its own elements;
    - a thread's sum (one lane) adds in k's order from the output's value
      on, in a register, stored once; where its body takes no vectors (a
      routed expert's gathered W), its inputs that read k along aligned
      rows still load w elements at once, the body then taking them one
      step each, in order;
    - any other linalg op (a `gpu_thread_per_element` config is required,
      and its parallel loops first, as the conversion to linalg orders
      them) becomes an scf.parallel over its parallel loops with its
      reductions as scf.for inside, as --convert-linalg-to-parallel-loops
      lowers it.

    An op without a GPU config is an error.

    ```mlir
    linalg.generic {...} ins(%x : memref<?x64xf32>) outs(%y : memref<?x64xf32>)
        {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [128]>}
    // becomes
    scf.parallel (%i, %j) = ... {
      ...
    } {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [128]>}

    linalg.contract ins(%x, %w : memref<?x256xf32>, memref<1024x256xbf16>) outs(%y : memref<?x1024xf32>)
        {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_warp_per_element, workgroup_size = [256]>}
    // becomes
    scf.parallel (%n, %m) = ... {
      %lane = gpu.lane_id
      %first = arith.muli %lane, %c8 : index    // 8 bf16 = 16 bytes a lane
      %partial = scf.for %k = %first to %c256 step %c256 iter_args(%p = %zero) -> (f32) {
        %wk = vector.load %w[%n, %k] {alignment = 16 : i64} : memref<1024x256xbf16>, vector<8xbf16>
        ...
        %p0 = math.fma %x0, %w0, %p : f32    // the 8 elements in order
        ...
      }
      %sum = gpu.subgroup_reduce add %partial uniform : (f32) -> f32
      %y1 = arith.addf %y0, %sum : f32
      scf.if %lane_is_0 { memref.store %y1, %y[%m, %n] }
    } {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_warp_per_element, workgroup_size = [256]>}
    ```
  }];
  let dependentDialects = [
    "::mlir::affine::AffineDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::llama4::Llama4Dialect",
    "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect",
  ];
}

def Llama4GpuJamTokenRowsPass : Pass<"llama4-gpu-jam-token-rows"> {
  let summary = "A kernel loop takes several rows of x (and of W) at once, "
                "sharing each load of W (of x; a routed expert's: rows that "
                "chose alike).";
  let description = [{
    Runs after --llama4-gpu-linalg-to-kernel-loops. A kernel loop of a
    warp per element whose config has `register_tile = [R, C]`
    (nn.Linear's x * W^T) first takes C consecutive indices of its last
    dimension (the output's columns, rows of W) per warp, where that
    extent is static: it becomes ceil(n / C), what does not depend on the
    column (x's loads) is computed once, a loop over k carries the C
    sums, and a column past the last computes the last one's again and
    skips only its stores, so that no branch splits the loop (x is read
    once for C rows of W where it was read C times). Then (and with
    `register_tile = [R]`) it takes R consecutive
    indices of its innermost dynamic dimension (a decode step's batch
    rows, a prompt's tokens) per warp: that dimension's extent becomes
    ceil(n / R), and the body runs once per row r = R i + t, t < R:

    - what does not depend on the row (W's loads, its views, index
      arithmetic) is computed once for all R rows;
    - a loop over k whose body loads such shared values becomes one loop
      carrying the R rows' sums, rows past n skipped (a branch that a
      whole warp takes alike): W is read once for R rows where it was
      read R times;
    - every other op runs once per row at the row's index, clamped to
      the last row n - 1 so that it stays in bounds (warp collectives
      included, which every lane must take part in), and its stores to
      memory that is not the thread's own are skipped past the last row.

    A launch of one row (a decode step of one sequence) runs the loop's
    body as it was, under a branch on the row count that the whole launch
    takes alike: its loop over k carries one sum and loads no skipped
    row's x, so --llama4-gpu-unroll-load-loops unrolls it further and more
    loads of W are in flight.

    A kernel loop of a thread per element with `register_tile = [R]` (a
    routed expert's x * W, each row reading the W of the expert it chose)
    is jammed by its rows' keys instead: index values each row loads at
    the top of its body (its expert) that index memory the rows share
    inside a loop over k. The ops that compute the keys move to the front
    of the body where nothing they pass touches what they touch. The
    extent stays n; row r's iteration computes the keys of the R rows of
    its group (rows R floor(r / R) ...), its own first, and goes on only
    if no earlier row of the group has its keys: then it runs the body
    for itself and for each later row of the group with the same keys,
    the loads those keys index once, each other row's steps, loads and
    stores under a branch. Each row is computed once, as before. The
    branches carry `llama4.taken_share` for the launch trace, the shares
    that uniform choices among the keys' extent (W's dimension they
    index) give.

    The register tile, carried out, leaves the config. Loops with no
    dynamic dimension (for the rows of x) or no static last one (for the
    columns), or writing shared memory other than by stores,
    stay as they are, and so do a thread's loops whose rows have no keys.

    ```mlir
    scf.parallel (%b, %n) = (%c0, %c0) to (%rows, %c5120) ... {
      %acc = scf.for %k ... iter_args(%s = %zero) {
        %x = vector.load %act[%b, %k] ...  %w = vector.load %W[%n, %k] ...
      } ...  memref.store %sum, %out[%b, %n]
    } {register_tile = [2]}
    // becomes
    scf.parallel (%i, %n) = (%c0, %c0) to (ceil(%rows / 2), %c5120) ... {
      scf.if (%rows == 1) { the body as it was, %b = %i } else {
      %acc:2 = scf.for %k ... iter_args(%s0 = %zero, %s1 = %zero) {
        %w = vector.load %W[%n, %k] ...
        %x0 = vector.load %act[2 %i, %k] ...
        %s1' = scf.if (2 %i + 1 < %rows) { %x1 = vector.load %act[min(2 %i + 1, %rows - 1), %k] ... }
                 else { scf.yield %s1 }
      } ...  memref.store %sum0, %out[2 %i, %n]
      scf.if (2 %i + 1 < %rows) { memref.store %sum1, %out[min(2 %i + 1, %rows - 1), %n] }
      }
    }
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::scf::SCFDialect"];
}

def Llama4GpuCombineInLastSplitPass
    : Pass<"llama4-gpu-combine-in-last-split"> {
  let summary = "Runs a split kernel's combine in the warp that finishes "
                "each group's splits last.";
  let description = [{
    A kernel loop of a warp per split of a group in blocks of one warp
    (flash-decoding's splits of a query's keys: (split, row, KV head,
    query head); the greedy token's spans of a row: (row, span)),
    followed by a kernel loop that reads the splits' results (their
    states) and combines each group's, a thread per (group..., member...)
    or a warp per (group...), becomes one kernel: each split's warp,
    after its stores, takes a ticket from its group's counter (an atomic
    add by lane 0, between device-scope fences, between two barriers of
    its one-warp block), and the warp holding the group's last ticket
    runs the combine for that group: a warp's body as it is, a thread's
    with its lanes taking every 32nd member. The counters, an i32 a group,
    are zeroed before the splits by a kernel loop of the config of the
    kernel before them, which --llama4-gpu-merge-sibling-kernels runs
    beside it.

    Other groups' splits still run while a group's combine does, so the
    combine is moved only where it writes no buffer the splits read or
    write, and where, for each state (an allocation the splits write and
    the combine reads), every access of the splits pins each of their
    loop indices to a dimension of the state (a load's or store's index,
    or the offset of a size-1 slice taken inside the loop) and every
    access of the combine pins its group indices to the dimensions of the
    splits' indices of that group, the one left being the split's. The
    loops' group bounds must name the same sizes (through the views of
    one allocation).

    ```mlir
    scf.parallel (%s, %b, %h) = ... to (%c16, %rows, %c40) {
      ... store state[%s, %b, %h] ...
    } {lowering_config = <gpu_warp_per_element, workgroup_size = [32]>}
    scf.parallel (%b, %h, %d) = ... to (%rows, %c40, %c128) {
      ... combine state[*, %b, %h, %d] ...
    }
    // becomes
    scf.parallel (%s, %b, %h) ... {
      ... store state[%s, %b, %h]; gpu.barrier
      %t = (lane 0) atomic_rmw addi 1, %counters[%b * 40 + %h]; gpu.barrier
      scf.if (shuffled %t == 15) {
        scf.for %d = lane to 128 step 32 { combine }
      }
    }
    ```
    The branch carries `llama4.taken_share`, one over the splits of a
    group, for the launch trace: one warp in that many takes it.
  }];
  let dependentDialects = ["::mlir::affine::AffineDialect",
                           "::mlir::gpu::GPUDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect"];
}

def Llama4GpuMergeSiblingKernelsPass
    : Pass<"llama4-gpu-merge-sibling-kernels"> {
  let summary = "Runs independent kernel loops of one lowering config as "
                "one kernel.";
  let description = [{
    Two scf.parallel kernel loops of the same GPU lowering config (a warp
    per element, or a thread, with the same block size), counting from 0
    by steps of 1, with nothing between them but allocations, views and
    arithmetic on the host, and independent (neither writes a buffer the
    other reads or writes, buffers followed through views to their
    allocation or argument; a layer function's arguments are distinct
    buffers, as the entry points pass each weight, cache and activation
    once) become one loop over the first's iterations then the second's:
    iteration i runs the first body at the indices i unfolds to, or the
    second's at i minus the first's count: flat branches without an else,
    which a warp per element takes in all its lanes and the host
    emulation predicates. A decode step's q, k and v projections are one
    kernel, and so are the RoPE and qk-norm of q and of k.

    A kernel loop further down moves up to the nearest kernel loop of its
    config when every kernel loop it passes is independent of it and every
    other op it passes computes, allocates or views without touching
    memory; the host ops it needs among those move up with it. A decode
    step's shared expert's gate/up projection runs beside the router's,
    the routed experts' kernels between them.

    ```mlir
    scf.parallel (%b, %h, %d) = (%c0, %c0, %c0) to (%rows, %c40, %c128) ...  // q
    scf.parallel (%b, %h, %d) = (%c0, %c0, %c0) to (%rows, %c8, %c128) ...   // k
    // becomes
    scf.parallel (%i) = (%c0) to (%rows * 5120 + %rows * 1024) ... {
      scf.if %i < %rows * 5120 { q's body at %i unfolded over (%rows, 40, 128) }
      scf.if %rows * 5120 <= %i < %rows * 6144 {
        k's body at %i - %rows * 5120 unfolded over (%rows, 8, 128) }
    }
    ```
  }];
  let dependentDialects = ["::mlir::affine::AffineDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::scf::SCFDialect"];
}

def Llama4GpuMapLoopsToBlocksPass : Pass<"llama4-gpu-map-loops-to-blocks"> {
  let summary = "Maps each outermost scf.parallel onto GPU blocks and "
                "threads as its lowering config says.";
  let description = [{
    Runs on buffers after --llama4-gpu-linalg-to-kernel-loops. Every
    outermost scf.parallel, each of which --convert-parallel-loops-to-gpu
    then turns into one kernel launch, carries a GPU config: its loops are
    collapsed into one (the innermost dimension varying fastest, so that a
    warp touches consecutive elements) and mapped to blocks of the
    config's `workgroup_size` threads:

    - `gpu_thread_per_element`: one iteration per thread, block x and
      thread x; a thread past the end does nothing;
    - `gpu_warp_per_element`: one iteration per warp, thread x the lane
      (every gpu.lane_id of the body becomes it) and thread y the warp of
      the block; a warp past the end does nothing, all its lanes alike,
      as the shuffles of its reduction need. A block of one warp runs its
      block's iteration under no guard, as there is none past the end:
      its barriers are under no branch that depends on the thread.

    Nested scf.parallel loops run sequentially inside their thread. A loop
    without a config is an error.

    Host code may only compute sizes and launch: a memref.load or
    memref.store outside an outermost scf.parallel would read device memory
    from the CPU, and is reported as an error at its location.
  }];
  let dependentDialects = [
    "::mlir::affine::AffineDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::scf::SCFDialect",
  ];
}

def Llama4GpuSinkConstantTablesPass
    : Pass<"llama4-gpu-sink-constant-tables"> {
  let summary = "Moves the constant tables a kernel reads into the kernel.";
  let description = [{
    A constant table (memref.get_global of a constant memref.global, e.g.
    RoPE's inverse frequencies) defined in host code and read inside a
    gpu.launch would reach the kernel as a pointer to the host's copy,
    which the GPU cannot read (the emulation on the host can: only a GPU
    shows it). Each such memref.get_global is cloned into the launch body
    that uses it, so that --gpu-kernel-outlining copies the global into the
    kernel's gpu.module and the kernel reads the module's own copy, loaded
    with the PTX. A mutable global used by a kernel is an error: nothing
    would keep its copies in step.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::memref::MemRefDialect"];
}

def Llama4GpuUnrollLoadLoopsPass : Pass<"llama4-gpu-unroll-load-loops"> {
  let summary = "Unrolls a kernel's short loops that load from global "
                "memory, so that their loads are in flight together.";
  let description = [{
    A warp issues in order and waits at the first use of a load in flight:
    a loop that loads and uses what it loaded waits a memory latency each
    iteration (a decode step's q . k over a head's 128 dimensions, 16
    vector loads, waited 16 times per key). Inside each gpu.launch, an
    innermost scf.for with a static trip count that loads from global
    memory (anything but the thread's memref.alloca buffers, seen through
    views) unrolls: completely up to 16 iterations, else by the largest
    power of two up to 8 that divides its trip count, halved while the
    unrolled body would exceed 1024 ops or load more than 256 bytes of
    global memory (64 registers in flight: a prompt's attention, its
    q . k's 32 loads of 16 bytes unrolled together, took 255 registers
    and spilled). A loop from a lane's own first element (a warp splitting
    a row, lane l from 8 l on, 256 a step) whose every lane runs as many
    iterations, by the range of its lower bound over the launch's threads
    (integer range analysis: the bound's least and greatest values give
    the same count), first counts from 0 with its index recomputed, so
    that its trip count is static. Loops over the thread's own
    buffers stay rolled. A loop of one iteration (a tile's loop over its
    one element, whose bounds became constants in the kernel) is inlined,
    and the loop around it is innermost in turn; a loop around one that
    unrolled completely stays rolled (unrolled again, a prompt's attention
    held 4 keys' 16 loads each in flight and spilled).

    ```mlir
    scf.for %d = %c0 to %c128 step %c8 iter_args(%acc = %zero) -> (vector<8xf32>) {
      %k = vector.load %keys[%d] : memref<128xbf16>, vector<8xbf16>
      ...
    }
    // becomes 16 vector.loads at offsets 0, 8, ..., 120, then their uses
    ```
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect"];
}

def Llama4GpuUnrollPrivateLoopsPass : Pass<"llama4-gpu-unroll-private-loops"> {
  let summary = "Unrolls the loops that index a thread's own buffers, so "
                "that the buffers stay in registers.";
  let description = [{
    LLVM keeps a thread's buffer (a memref.alloca: a fused tile's
    intermediate, an online softmax's accumulator) in registers only
    where every index into it is a constant and it is allocated in the
    kernel's entry block; otherwise the whole buffer lives in local
    memory, DRAM behind L1. First, every buffer of static size that a
    launch allocates under a branch (its bounds guard, a jammed row's)
    moves to the start of its body, the entry block once outlined. A
    decode query's lane accumulates p . v into 128 floats that it
    rescales at every key: in local memory, a kilobyte of loads and
    stores a key a lane, more than the keys and values it reads. Inside
    each gpu.launch, a buffer whose
    every access (loads and stores, directly or through views) indexes
    it with constants and the induction variables of the launch's loops
    of static trip counts from 2 to 128 has those loops unrolled
    completely, inner ones first, where the launch's buffers so moved
    hold at most 768 bytes (192 registers: a decode query group's lane,
    Scout's 80 accumulators and its 5 queries' running state, 620 bytes;
    a prompt's attention, a thread's 128 accumulators and a block of 128
    scores, spilled more than it kept in local memory) and the loops at
    most 8192 ops, a math
    function counting 64 (libdevice's sine is a hundred instructions: a
    RoPE head's 128 angles unrolled made a kernel of 49,000 lines). A
    loop with shuffles (a lane sum of each element) unrolls 32 iterations
    at a time, each group step by step: its iterations' ops up to their
    first shuffles, then those 32 shuffles side by side, and so on, so
    that a warp has 32 in flight and the host emulation one pair of
    barriers a step (one after another, 640 shuffles took the tiny
    model's emulated build from one minute to ten); it must carry no
    value between iterations, hold no region and store at most once,
    into a buffer of the thread's that it loads nowhere else than where
    it stores (a sum combined in place). A loop whose shuffles are all in
    such loops nested in it (a query group's heads around each head's
    dims) unrolls whole once they have, one iteration's steps after
    another's. A buffer indexed by anything else (the lane, a loaded value,
    a loop of run-time bounds) keeps its loops: unrolled, they would
    leave it in local memory all the same (a RoPE element's head, read at
    the thread's own element and its rotation partner).

    ```mlir
    %acc = memref.alloca() : memref<128xf32>
    scf.for %e = %c0 to %c128 step %c1 {
      %a = memref.load %acc[%e] : memref<128xf32>
      %r = arith.mulf %a, %rescale : f32
      memref.store %r, %acc[%e] : memref<128xf32>
    }
    // becomes 128 loads and stores at constant indices
    ```
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect"];
}

def Llama4GpuChainLaunchesPass
    : Pass<"llama4-gpu-chain-launches", "::mlir::ModuleOp"> {
  let summary = "Runs a decode step's consecutive kernels of one block size "
                "as the phases of one launch.";
  let options = [
    Option<"entry", "entry", "std::string", /*default=*/"\"decode\"",
           "Host entry point whose launches (its own and its callees') "
           "chain: a decode step's kernels are short, a launch a large "
           "share of each; a prompt's run long, and would share one "
           "register budget (its attention's 255 registers)">,
  ];
  let description = [{
    Runs on gpu.launch ops, before kernel outlining, in the function
    `entry` names and those it calls. Two or more
    launches in a row of one constant block size (in threads; their
    shapes may differ), synchronous, without shared memory, whose bodies
    take their ids from their arguments, with nothing between them but
    host ops that compute, allocate or view without touching memory,
    become one launch where the last one was: its grid is their blocks
    in order, a block of the first block's shape each.

    Each block takes a ticket as it starts (thread 0's atomic add on a
    pair of zeroed i32 counters, a mutable global of the module that
    --gpu-kernel-outlining copies into the kernel's module; the ticket
    goes to every thread through shared memory). The tickets of phase p,
    from the sum s_p of the blocks of the launches before it, run launch
    p's body as its block ticket - s_p (its block ids delinearized over
    its grid, its thread ids over its block's shape). A block of phase p
    first waits, thread 0 polling, until s_p blocks have finished: a
    block of a later phase finishes only after that, so those are the
    earlier phases' blocks. A block waits only for smaller tickets,
    which have all started, whatever the GPU's occupancy or order of
    starting blocks. Finished, each block counts itself; the last zeroes
    both counters for the next launch (a module's launches run one at a
    time, in order on one stream). Memory is ordered as cooperative
    groups' grid sync orders it: barrier, thread 0's release fence and
    atomic add; thread 0's poll, acquire fence, barrier.

    A decode step's layer of Scout runs in 3 launches: the norm, q|k|v
    and RoPE with qk-norm (blocks of 256); attention with its combine
    (blocks of one warp); and the o projection to the shared expert's
    down projection, 7 kernels. The phases' buffers of static size move
    to the kernel's entry block, where LLVM keeps them in registers;
    --llama4-gpu-bound-chained-registers then bounds the kernel's
    registers, which its phases share. The
    ticket's load, the phases' branches and the wait carry
    `llama4.block_ticket`, `llama4.phase` and `llama4.phase_wait` for the
    launch trace.

    ```mlir
    gpu.launch blocks(%b, ...) in (%gx = %n0, ...) threads(%t, ...) in (%bx = %c256, ...) { norm }
    gpu.launch blocks(%b, ...) in (%gx = %n1, ...) threads(%t, ...) in (%bx = %c32, %by = %c8, ...) { q|k|v }
    // becomes
    gpu.launch blocks(...) in (%gx = %n0 + %n1, ...) threads(%t, %u, ...) in (%bx = %c256, ...)
        workgroup(%slot : memref<1xi32, #gpu.address_space<workgroup>>) {
      thread 0: %slot[0] = atomic_rmw addi 1, @tickets[0]; gpu.barrier
      %ticket = memref.load %slot[0] {llama4.block_ticket}
      thread 0, %ticket >= %n0: poll @tickets[1] until it reaches %n0; fence; gpu.barrier
      scf.if %ticket < %n0 { norm at block %ticket } {llama4.phase = 0}
      scf.if %n0 <= %ticket < %n0 + %n1 { q|k|v at block %ticket - %n0,
                                           thread (%t mod 32, %t floordiv 32) } {llama4.phase = 1}
      gpu.barrier; thread 0: fence; atomic_rmw addi 1, @tickets[1]; the last zeroes both
    }
    ```
  }];
  let dependentDialects = ["::mlir::affine::AffineDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::gpu::GPUDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect"];
}

def Llama4GpuBoundChainedRegistersPass
    : Pass<"llama4-gpu-bound-chained-registers", "::mlir::ModuleOp"> {
  let summary = "Bounds a chained kernel's registers to 128 a thread.";
  let description = [{
    Runs after kernel outlining. A kernel made by
    --llama4-gpu-chain-launches (one that loads a `llama4.block_ticket`)
    gets `nvvm.maxnreg = 128`: 16 warps an SM, two blocks of 256 threads,
    the occupancy of a decode step's GEMVs (92 to 124 registers each).
    Unbounded, the registers of a chain are at least its hungriest
    phase's and more where LLVM keeps values across phases: Scout's MoE
    chain, of phases of at most 124, came to 162, one block an SM, and
    its latency-bound routed experts took 15% longer.
  }];
}

def Llama4GpuMergeKernelModulesPass
    : Pass<"llama4-gpu-merge-kernel-modules", "::mlir::ModuleOp"> {
  let options = [
    Option<"moduleName", "module-name", "std::string",
           /*default=*/"\"llama4c_kernels\"",
           "Name of the one gpu.module">,
  ];
  let summary = "Moves every kernel into one gpu.module.";
  let description = [{
    --gpu-kernel-outlining makes one gpu.module per kernel. Merged, the
    model's kernels are compiled by one NVPTX run (libdevice is linked
    once), give one PTX text to embed, validate and load, and the runtime
    loads one CUDA module. Symbols defined by several modules (a constant
    table that several kernels read) are kept once when identical and
    renamed otherwise; every gpu.launch_func is pointed at the merged
    module.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

def Llama4GpuLowerSubgroupReductionsPass
    : Pass<"llama4-gpu-lower-subgroup-reductions"> {
  let summary = "Lowers warp reductions to shuffles.";
  let description = [{
    Every gpu.subgroup_reduce becomes a butterfly of 32-lane `gpu.shuffle
    xor` steps, each lane combining its value with its partner's (five
    steps for a warp; for a cluster of n lanes s apart, offsets s, 2s,
    ... below n * s: a decode query group's lanes that share a key add
    their parts of its scores 1 apart, those holding the same head dims
    combine their states s apart). Adjacent reductions of 32-bit values
    none of which reads another's result (a warp's several rows of sums,
    a query group's heads) step together, those of each cluster shape:
    their shuffles of one step adjacent and in flight at once, which the
    host emulation also runs between one pair of barriers. NVVM lowers
    the shuffles to `shfl.sync.bfly`; the host emulation emulates them.
    NVVM's own lowering (`redux.sync`) takes integers only. The GPU
    pipeline runs it twice: after attention's expansion, on tensors (a
    warp's query combines its lanes there, and buffer deallocation takes
    no op of unknown memory effects), and after kernel outlining.

    ```mlir
    %sum = gpu.subgroup_reduce add %partial uniform : (f32) -> f32
    // becomes
    %s1, %v1 = gpu.shuffle xor %partial, %c1, %c32 : f32
    %a1 = arith.addf %partial, %s1 : f32
    ... // offsets 2, 4, 8, 16
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::vector::VectorDialect",
  ];
}

def Llama4GpuEmulateOnHostPass
    : Pass<"llama4-gpu-emulate-on-host", "::mlir::ModuleOp"> {
  let summary = "Turns the GPU kernels into host code that runs them.";
  let description = [{
    Runs after kernel outlining, on the kernels NVVM would compile. Each
    gpu.func kernel becomes a private func.func taking the launch's grid
    and block sizes, its dynamic shared memory bytes and the kernel's
    arguments; each gpu.launch_func becomes a call, and the gpu.modules go.
    Inside, the blocks are an scf.parallel (OpenMP splits it between host
    threads) and each block's threads are sequential scf.for loops, split
    at every gpu.barrier so that all threads finish one part before any
    starts the next:

    ```mlir
    %v = ...; gpu.barrier; use %v
    // becomes, in the block loop:
    %buf = memref.alloc(%threads)
    scf.for %t = 0 to %threads { %v = ...; memref.store %v, %buf[%t] }
    scf.for %t = 0 to %threads { %w = memref.load %buf[%t]; use %w }
    ```

    A value crossing a barrier is recomputed where its op has no memory
    effect (constants, index arithmetic, the thread id), else kept per
    thread; scf.for and scf.if containing a barrier run once per block
    (CUDA needs them uniform), their carried values and results kept per
    thread. Warp shuffles (subgroup reductions are lowered to shuffles
    first, by --llama4-gpu-lower-subgroup-reductions) become a store, a
    barrier and a load from the source lane that shfl.sync would pick, with
    its clamp and validity. Shared memory is a buffer per block; each
    thread-private memref.alloca (a fused tile's intermediates) is the
    thread's 16-byte-aligned slice of one buffer per block, so that it
    outlives the other threads' turns; every memref loses its GPU address
    space.

    A branch whose condition depends on the thread (a warp-per-element
    kernel's guard) around shuffles runs for every thread, each of its
    runs of barrier-free ops under the condition: the lanes of a warp
    agree on it, as shfl.sync needs of the lanes it names, so a shuffle
    reads only lanes that ran. Such a branch nested in another (the
    branches of merged kernels under a launch guard) runs in its place
    under both conditions, its condition's arithmetic left outside the
    outer runs' wrappers.

    Not emulated, and reported at the op: barriers inside other region ops,
    thread-dependent control flow around a block's barrier, such branches
    with results or an else, private attributions, an alloca of
    dynamic size, unlowered subgroup reductions, asynchronous launches,
    device functions.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::func::FuncDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
  ];
}

#endif // LLAMA4C_PASSES_GPU_PASSES_TD
