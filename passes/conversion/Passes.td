//===- Passes.td - Conversions into linalg ----------------------------------===//

#ifndef LLAMA4C_PASSES_CONVERSION_PASSES_TD
#define LLAMA4C_PASSES_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def Llama4ConvertToLinalgPass : Pass<"llama4-convert-to-linalg"> {
  let options = [
    Option<"attentionKeyBlock", "attention-key-block", "int64_t",
           /*default=*/"128",
           "Keys per block of attention's online softmax (the key_block "
           "of each llama4.online_attention)">,
    Option<"moeDispatch", "moe-dispatch", "std::string",
           /*default=*/"\"grouped\"",
           "How MoE tokens reach their experts: grouped (each expert "
           "multiplies its tokens as one matrix; CPU) or per-token (each "
           "token reads its experts' weights; GPU, no host loop)">,
  ];
  let summary = "Rewrites llama4 ops into linalg, tensor, arith and math ops.";
  let description = [{
    Each llama4 op becomes linalg.generic ops on tensors that compute in f32
    and round to the activation type exactly where transformers rounds
    (see the comment of each lowering), so that bf16 models match bf16
    Hugging Face and f32 models match f32.

    Every op of the dialect except `weight` and `weight_ref`, which
    --llama4-outline-weights turns into arguments, is lowered: the text
    decoder's and the vision tower's, the projector and the scatter of
    image features.

    ```mlir
    %y = llama4.rms_norm %x, %w {eps = 1.0e-05 : f64}
        : (tensor<?x64xf32>, tensor<64xf32>) -> tensor<?x64xf32>
    // becomes a sum-of-squares reduction and a normalising map:
    %ss = linalg.generic {iterator_types = ["parallel", "reduction"]} ...
    %y = linalg.generic {iterator_types = ["parallel", "parallel"]} ...
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def Llama4DecomposeOnlineAttentionPass
    : Pass<"llama4-decompose-online-attention"> {
  let summary = "Expands llama4.online_attention into linalg ops and loops.";
  let description = [{
    Each `llama4.online_attention`, tiled or not, becomes a loop over its
    batch rows and KV heads, and inside it the online softmax of the head's
    queries: a loop over blocks of `key_block` keys (cache slots, then new
    tokens), each block a q . k contraction, masking, max and sum
    reductions, and a p . v contraction into the running accumulator, which
    the loop updates in place. Keys no query of the op can see are not
    visited. Runs after the GPU's tile-and-fuse (or right after the
    conversion on the CPU), before bufferization.

    Outside a GPU tile a head's queries go in blocks of `query-block`
    consecutive positions (on a chunked layer, of the largest divisor of
    the chunk not above it), aligned to multiples of that size, each block
    bounding its keys by its own queries: so a chunked layer's block never
    visits a key outside its chunk, and a global layer's visits none after
    its last query, however long the call; and a long call's blocks share
    the threads however few KV heads there are. A GPU tile's queries are
    its own block.

    Outside a GPU tile (the host) the loop over batch rows, KV heads and
    query blocks is an `scf.forall`, its iterations side by side on
    threads, where there are two
    or more and the op's multiply-adds (every query against the keys batch
    row 0 sees, for scores and values) reach `team-multiply-adds`; an
    `scf.if` runs the same loops on the calling thread otherwise (a decode
    step over a short cache).

    A tile whose attention has a `gpu_warp_per_element` config is a warp's
    queries (a decode step's query heads of one KV head). Its register
    tile [c] gives each lane c of the d head dims: n = d / c lanes side by
    side share each key, and the warp's 32 / n groups of them run the
    online softmax over every (32 / n)-th visible key, group l from the
    l-th, one key at a time. A group's lanes each read their c columns of
    the key and value rows, add their parts of each score across the
    group (a subgroup reduction of n lanes; every group then walks as
    many keys, its last one past the end masked, so that the lanes meet
    at each), and keep their c dims of each query's accumulator. The
    groups' states are then combined by subgroup reductions over the
    lanes holding the same dims: the maximum M of their maxima, then the
    sums and accumulators each scaled by exp(m_lane - M) and added. Each
    key and value is read once for the group's G queries. The expanded
    ops are each lane's (`gpu_thread_per_element`, the same block size).

    ```mlir
    // A split of Scout's KV head: 5 queries of 128 dims, register tile [16].
    %lane = gpu.lane_id
    %group = arith.divui %lane, %c8
    %dim = arith.remui %lane, %c8
    scf.for %key = %first + %group to %rounds_end step %c4 ... {
      // 16 dims of the key's row, q [5, 1, 16] . k [1, 16]
      %part = linalg.contract ...
      %score = gpu.subgroup_reduce add %part uniform cluster(size = 8)
      ...
    }
    %max = gpu.subgroup_reduce maximumf %m uniform cluster(size = 4, stride = 8)
    ```
  }];
  let options = [
    Option<"teamMultiplyAdds", "team-multiply-adds", "int64_t",
           "llama4c::kTeamMultiplyAdds",
           "Fewest multiply-adds of an op for which the host's threads share "
           "its heads">,
    Option<"queryBlock", "query-block", "int64_t", /*default=*/"128",
           "Most queries of a head attended at once outside a GPU tile">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def Llama4CopiesToLinalgPass : Pass<"llama4-copies-to-linalg"> {
  let summary = "Rewrites memref.copy as linalg.copy.";
  let description = [{
    The LLVM lowering of a strided memref.copy calls `memrefCopy` from
    MLIR's runner library, which a compiled model must not depend on; a
    linalg.copy becomes plain loops with the other linalg ops.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

#endif // LLAMA4C_PASSES_CONVERSION_PASSES_TD
