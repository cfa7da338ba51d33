//===- Passes.td - Code generation for the host CPU -----------------------===//

#ifndef LLAMA4C_PASSES_CPU_PASSES_TD
#define LLAMA4C_PASSES_CPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def Llama4TileContractionsPass : Pass<"llama4-tile-contractions"> {
  let options = [
    Option<"weightBlockBytes", "weight-block-bytes", "int64_t",
           /*default=*/"131072",
           "Bytes of W rows that every row of x passes over before the next "
           "block: well inside an L2, and small enough that a layer's "
           "weights make blocks for every thread">,
    Option<"parallelWeightBytes", "parallel-weight-bytes", "int64_t",
           /*default=*/"65536",
           "Weights at least this large (and static) are split between "
           "threads; smaller products, and attention's dynamic ones, are not "
           "worth a fork">,
  ];
  let summary = "Register-tiles the products x * W into vector loops.";
  let description = [{
    Runs on buffers. Each linalg.generic computing
    `out[..., m, n] += widen(x[..., m, k]) * widen(W(n, k))` becomes loops
    over register tiles of 8 f32 accumulators, so that each loaded vector
    feeds several FMAs. Two layouts of W:

    - [out, in], nn.Linear's (projections, dense and shared MLPs, router,
      LM head): 4 rows of x by 2 rows of W, 8 lanes of k at a time,
      reduced at the end. Rows of W are walked in blocks that stay in L2
      while every row of x passes over them. A k that is not a multiple of
      8 ends in a scalar loop.
    - [in, out], the MoE experts': 4 rows of x (broadcast) by 16 columns of
      W (two vectors of a W row), one k at a time. Column strips of W stay
      in cache while every row of x passes over them; 8-wide and 1-wide
      strips take the leftover columns.

    The outer loop (W blocks, or wide column strips) is an scf.parallel
    when W is static and large enough, for the OpenMP lowering to split
    between threads: each thread writes its own columns of the output.
    Leftover rows use 1-row tiles, so any shape is computed. The [out, in]
    form reassociates the sum over k (8 partial sums per output): the same
    freedom transformers' BLAS kernels take, about 1e-7 relative in f32.
    Other contractions, and operands whose rows are not contiguous, are
    left to the generic lowering.

    ```mlir
    linalg.generic {indexing_maps = [(n, m, k) -> (m, k), (n, m, k) -> (n, k),
                                     (n, m, k) -> (m, n)], ...}
        ins(%x, %w : memref<?x64xf32>, memref<1024x64xf32>) outs(%out : memref<?x1024xf32>)
    // becomes
    scf.parallel (%n0) = (%c0) to (%c1024) step (%c512) {  // blocks of W
      scf.for %m = %c0 to %rows4 step %c4 {        // 4 rows of x
        scf.for %n = %n0 to %pairs step %c2 {      // 2 rows of W
          %acc:8 = scf.for %k = %c0 to %c64 step %c8 iter_args(...) {
            %xv = vector.load %x[%m, %k] : memref<?x64xf32>, vector<8xf32>
            %f = vector.fma %xv, %wv, %acc#0 : vector<8xf32> ...
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect",
  ];
}

#endif // LLAMA4C_PASSES_CPU_PASSES_TD
