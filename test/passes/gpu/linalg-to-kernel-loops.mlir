// RUN: llama4-opt %s --split-input-file --verify-diagnostics --llama4-gpu-linalg-to-kernel-loops | FileCheck %s

// A row reduction: the parallel rows become the scf.parallel that will be
// a kernel, carrying the op's config; the reduction runs as an scf.for in
// each thread.
#in = affine_map<(r, k) -> (r, k)>
#row = affine_map<(r, k) -> (r)>
// CHECK-LABEL: func.func @row_sums
//   CHECK-NOT:   linalg.generic
//       CHECK:   scf.parallel (%[[R:.*]]) =
//       CHECK:     scf.for %[[K:.*]] =
//       CHECK:       memref.load %{{.*}}[%[[R]], %[[K]]]
//       CHECK:       arith.addf
//       CHECK:   } {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [64]>}
func.func @row_sums(%x: memref<?x16xf32>, %out: memref<?xf32>) {
  linalg.generic {indexing_maps = [#in, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<?x16xf32>) outs(%out : memref<?xf32>)
      attrs = {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [64]>} {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %acc, %a : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A GPU kernel needs a GPU config.
func.func @cpu_config(%x: memref<?xf32>, %y: memref<?xf32>) {
  // expected-error @+1 {{has no GPU lowering config: run --llama4-select-lowering-config for a GPU target first}}
  linalg.copy {llama4.lowering_config = #llama4.lowering_config<pipeline = cpu_loops>}
      ins(%x : memref<?xf32>) outs(%y : memref<?xf32>)
  return
}

// -----

// The conversion to linalg puts every op's parallel loops first; an op
// that does not cannot be one thread per output element.
#x = affine_map<(m, k, n) -> (m, k)>
#w = affine_map<(m, k, n) -> (k, n)>
#o = affine_map<(m, k, n) -> (m, n)>
func.func @reduction_before_a_parallel_loop(%x: memref<?x8xf32>, %w: memref<8x4xf32>, %out: memref<?x4xf32>) {
  // expected-error @+1 {{has a parallel loop after a reduction: a thread per output element needs its parallel loops first}}
  linalg.generic {indexing_maps = [#x, #w, #o], iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%x, %w : memref<?x8xf32>, memref<8x4xf32>) outs(%out : memref<?x4xf32>)
      attrs = {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [64]>} {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A tile loop becomes the kernel loop, with its ops' config; the ops of
// the tile become sequential loops inside the thread.
#id = affine_map<(i, j) -> (i, j)>
// CHECK-LABEL: func.func @tile_loop
//       CHECK:   scf.parallel (%[[M:.*]], %[[N:.*]]) =
//       CHECK:     %[[ACC:.*]] = memref.alloca() : memref<1x1xf32>
//       CHECK:     scf.for
//       CHECK:       scf.for
//       CHECK:         memref.store %{{.*}}, %[[ACC]]
//   CHECK-NOT:     scf.parallel
//       CHECK:   } {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [128]>}
func.func @tile_loop(%out: memref<?x32xf32>, %rows: index) {
  %zero = arith.constant 0.0 : f32
  scf.forall (%m, %n) in (%rows, 32) {
    %acc = memref.alloca() : memref<1x1xf32>
    linalg.fill {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [128]>}
        ins(%zero : f32) outs(%acc : memref<1x1xf32>)
    %o = memref.subview %out[%m, %n] [1, 1] [1, 1] : memref<?x32xf32> to memref<1x1xf32, strided<[32, 1], offset: ?>>
    linalg.copy {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [128]>}
        ins(%acc : memref<1x1xf32>) outs(%o : memref<1x1xf32, strided<[32, 1], offset: ?>>)
  }
  return
}
