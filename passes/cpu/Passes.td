//===- Passes.td - Code generation for the host CPU -----------------------===//

#ifndef LLAMA4C_PASSES_CPU_PASSES_TD
#define LLAMA4C_PASSES_CPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def Llama4TileContractionsPass : Pass<"llama4-tile-contractions"> {
  let summary = "Carries out the register-tile configs of the products x * W.";
  let description = [{
    Runs on buffers, after --llama4-select-lowering-config. Each
    linalg.contract configured as `cpu_dot_tiles`, `cpu_bf16_dot_tiles`,
    `cpu_outer_product_tiles` or `cpu_bf16_outer_product_tiles` (computing
    `out[..., m, n] += widen(x[..., m, k]) * widen(W(n, k))`) becomes loops
    over register tiles of f32 accumulators, so that each loaded vector
    feeds several FMAs. The config's tiles, in (m, n, k):

    - `cpu_dot_tiles`, W [out, in] (nn.Linear's: projections, dense and
      shared MLPs, router, LM head): `register_tile` [m, n, k] is m rows of
      x by n rows of W, k lanes at a time, reduced at the end; W rows are
      walked in blocks of `workgroup_tile[1]` rows that stay in L2 while
      every row of x passes over them; narrower tiles take the leftover
      columns. Leftover rows (all of them in a decode step) take W's rows
      one at a time, in memory order (one stream for the prefetcher), with
      4 accumulators each taking every 4th vector of k. A k that is not a
      multiple of the lanes ends in a scalar loop.
    - `cpu_bf16_dot_tiles`, x and W both bf16: the same loops, each lane
      of a register tile taking a pair of k per step
      (`x86vector.avx512.dot`, vdpbf16ps: the two products exact in f32,
      added to the lane's sum) where `cpu_dot_tiles` widens one k to f32;
      2 × lanes of k a step. Leftover rows widen as `cpu_dot_tiles` does:
      streaming W, they measured faster so.
    - `cpu_outer_product_tiles`, W [in, out] (the MoE experts', attention's
      value products): `register_tile` [m, n, 1] is m rows of x
      (broadcast) by n columns of W (vectors of 8 lanes of a W row), one k
      at a time; narrower strips take the leftover columns. Leftover rows
      (all of them in a decode step) stream W 4 rows at a time, threads
      taking chunks of `workgroup_tile[1]` columns.
    - `cpu_bf16_outer_product_tiles`, x and W both bf16: the same loops,
      the whole vectors of a tile taking k two at a time, rows k and k + 1
      of W interleaved (`vector.interleave`) and x's pair broadcast as one
      32-bit word into every lane, for `x86vector.avx512.dot`; an odd last
      k, narrower strips and streamed rows widen as
      `cpu_outer_product_tiles` does.

    With `distribute`, the outer loop (W blocks, column strips or chunks)
    is an OpenMP worksharing loop, each thread writing its own columns of
    the output, in a parallel region whose `if` takes the team only when
    the loop's multiply-adds reach `team-multiply-adds` and it has two
    iterations or more (decided here where W's sizes alone decide it, as
    for a streamed row): a decode step's small products stay on the
    calling thread. Any shape is computed. The dot-product form
    reassociates the sum over k (partial sums per lane): the same
    freedom transformers' BLAS kernels take, about 1e-7 relative in f32.
    A configured op that is not such a product is an error; every other
    op is left to the loop lowering.

    ```mlir
    linalg.contract indexing_maps = [(n, m, k) -> (m, k), (n, m, k) -> (n, k),
                                     (n, m, k) -> (m, n)]
        ins(%x, %w : memref<?x64xf32>, memref<1024x64xf32>) outs(%out : memref<?x1024xf32>)
        {llama4.lowering_config = #llama4.lowering_config<pipeline = cpu_dot_tiles,
            workgroup_tile = [0, 512, 0], register_tile = [4, 2, 8], distribute = true>}
    // becomes
    %work = arith.muli %rows_x_64, %c1024 : index
    %team = arith.cmpi uge, %work, %c262144 : index
    omp.parallel if(%team) { omp.wsloop {                    // blocks of W
      omp.loop_nest (%n0) : index = (%c0) to (%c1024) step (%c512) {
      scf.for %m = %c0 to %rows4 step %c4 {        // 4 rows of x
        scf.for %n = %n0 to %pairs step %c2 {      // 2 rows of W
          %acc:8 = scf.for %k = %c0 to %c64 step %c8 iter_args(...) {
            %xv = vector.load %x[%m, %k] : memref<?x64xf32>, vector<8xf32>
            %f = vector.fma %xv, %wv, %acc#0 : vector<8xf32> ...
    ```
  }];
  let options = [
    Option<"teamMultiplyAdds", "team-multiply-adds", "int64_t",
           "llama4c::kTeamMultiplyAdds",
           "Fewest multiply-adds of a split loop for which the threads share "
           "it">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::omp::OpenMPDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect",
    "::mlir::x86vector::X86VectorDialect",
  ];
}

def Llama4DistributeLoopsPass : Pass<"llama4-distribute-loops"> {
  let summary = "Splits the configured loop ops between OpenMP threads.";
  let description = [{
    Runs on buffers, after --llama4-select-lowering-config. Each linalg op
    configured `cpu_loops` with `distribute` (its parallel dims first)
    becomes loops whose outer parallel dims (all but the innermost, or the
    one there is) are an `omp.wsloop` in an `omp.parallel` region, the
    innermost parallel dim and the reductions scf.for loops inside: the
    innermost loop walks consecutive elements, which LLVM vectorises, where
    a loop collapsed with it would recover each index by division. The
    region runs on the OpenMP team only when the op's iterations,
    reductions included, reach `min-iterations` and its shared dims span
    at least two: decided here where the sizes are
    static (an op that never reaches it is left to the loop lowering), at
    run time by the region's `if` clause where they are not (the token
    count). A decode step's ops on one row then stay on the calling thread.

    ```mlir
    linalg.generic {iterator_types = ["parallel", "reduction"]}
        ins(%x : memref<?x640xf32>) outs(%sum : memref<?xf32>)
        {llama4.lowering_config = #llama4.lowering_config<pipeline = cpu_loops, distribute = true>}
    // becomes
    %iterations = arith.muli %rows, %c640 : index
    %big = arith.cmpi uge, %iterations, %c16384 : index
    %several = arith.cmpi uge, %rows, %c2 : index
    %team = arith.andi %big, %several : i1
    omp.parallel if(%team) {
      omp.wsloop {
        omp.loop_nest (%row) : index = (%c0) to (%rows) step (%c1) {
          scf.for %k = %c0 to %c640 step %c1 { ... }
    ```
  }];
  let options = [
    Option<"minIterations", "min-iterations", "int64_t", "16384",
           "Fewest iterations of an op that its threads share: below, "
           "waking them costs more than they save.">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::omp::OpenMPDialect",
    "::mlir::scf::SCFDialect",
  ];
}

def Llama4InlineStaticSchedulePass
    : Pass<"llama4-inline-static-schedule", "::mlir::ModuleOp"> {
  let summary = "Computes each thread's share of a parallel region's loop "
                "in the region.";
  let description = [{
    Runs after the loops on threads are OpenMP ops (--convert-scf-to-openmp
    and the CPU passes that build them). Each `omp.wsloop` alone in an
    `omp.parallel`, with the plain static schedule (no chunk, order,
    reduction, privatisation or linear clause) and constant positive
    steps, becomes an scf.for over the calling thread's contiguous share
    of the nest's collapsed iterations, from libomp's
    `omp_get_thread_num` and `omp_get_num_threads` (declared in the
    module), each index split back into the nest's. The loop's own barrier
    goes with it: the region's end joins the threads. libomp's entry to a
    worksharing loop formats debug strings on every call in Debian's LLVM
    22 build, four times the cost of the rest of a region; a decode step
    runs hundreds of regions. Other worksharing loops are left as they are.

    ```mlir
    omp.parallel if(%team) {
      omp.wsloop {
        omp.loop_nest (%row) : index = (%c0) to (%rows) step (%c1) { ... }
      }
      omp.terminator
    }
    // becomes
    omp.parallel if(%team) {
      %t = func.call @omp_get_thread_num() : () -> i32
      %n = func.call @omp_get_num_threads() : () -> i32
      // begin = rows * t / n, end = rows * (t + 1) / n
      scf.for %row = %begin to %end step %c1 { ... }
      omp.terminator
    }
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::func::FuncDialect",
    "::mlir::scf::SCFDialect",
  ];
}

#endif // LLAMA4C_PASSES_CPU_PASSES_TD
