// RUN: llama4-opt %s --split-input-file --llama4-gpu-fuse-cache-writes | FileCheck %s

// A decode step's keys: the kernel of one element per tile stores its
// element at the row's slot (position mod 8) too, the host loop goes, and
// the attention after it reads the stored cache.
// CHECK-LABEL: func.func @key_kernel_stores_into_cache
//  CHECK-SAME:   %[[POS:[a-z0-9]+]]: tensor<?x1xi32>, %[[CACHE:[a-z0-9]+]]: tensor<?x2x8x4xbf16>
//   CHECK-NOT:   scf.for %
//       CHECK:   %[[K:.*]]:2 = scf.forall (%[[B:.*]], %[[S:.*]], %[[H:.*]], %[[D:.*]]) in (%{{.*}}, 1, 2, 4) shared_outs(%[[KO:.*]] = %{{.*}}, %[[CO:.*]] = %[[CACHE]])
//       CHECK:     %[[V:.*]] = linalg.generic
//       CHECK:     %[[P:.*]] = tensor.extract %[[POS]][%[[B]], %{{.*}}]
//       CHECK:     %[[I:.*]] = arith.index_cast %[[P]]
//       CHECK:     %[[SLOT:.*]] = arith.remui %[[I]], %{{.*}}
//       CHECK:     scf.forall.in_parallel
//       CHECK:       tensor.parallel_insert_slice %[[V]] into %[[KO]][%[[B]], %[[S]], %[[H]], %[[D]]]
//       CHECK:       tensor.parallel_insert_slice %[[V]] into %[[CO]][%[[B]], %[[H]], %[[SLOT]], %[[D]]] [1, 1, 1, 1] [1, 1, 1, 1] : tensor<1x1x1x1xbf16> into tensor<?x2x8x4xbf16>
//       CHECK:   scf.forall
//       CHECK:     tensor.extract_slice %[[K]]#1
//       CHECK:     llama4.partial_attention
//   CHECK-NOT:   scf.for %
//       CHECK:   return %{{.*}}, %[[K]]#1
#t = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [256]>
#w = #llama4.lowering_config<pipeline = gpu_warp_per_element, workgroup_size = [32]>
#id = affine_map<(b, s, h, d) -> (b, s, h, d)>
func.func @key_kernel_stores_into_cache(%x: tensor<?x1x2x4xbf16>, %pos: tensor<?x1xi32>,
    %cache: tensor<?x2x8x4xbf16>, %q: tensor<?x2x1x1x4xbf16>,
    %m: tensor<2x?x2x1x1xf32>, %l: tensor<2x?x2x1x1xf32>, %acc: tensor<2x?x2x1x1x4xf32>)
    -> (tensor<2x?x2x1x1x4xf32>, tensor<?x2x8x4xbf16>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %rows = tensor.dim %x, %c0 : tensor<?x1x2x4xbf16>
  %e = tensor.empty(%rows) : tensor<?x1x2x4xbf16>
  %k = scf.forall (%b, %s, %h, %d) in (%rows, 1, 2, 4) shared_outs(%o = %e) -> (tensor<?x1x2x4xbf16>) {
    %in = tensor.extract_slice %x[%b, %s, %h, %d] [1, 1, 1, 1] [1, 1, 1, 1] : tensor<?x1x2x4xbf16> to tensor<1x1x1x1xbf16>
    %out = tensor.extract_slice %o[%b, %s, %h, %d] [1, 1, 1, 1] [1, 1, 1, 1] : tensor<?x1x2x4xbf16> to tensor<1x1x1x1xbf16>
    %v = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
        ins(%in : tensor<1x1x1x1xbf16>) outs(%out : tensor<1x1x1x1xbf16>) attrs = {llama4.lowering_config = #t} {
    ^bb0(%a: bf16, %z: bf16):
      %n = arith.negf %a : bf16
      linalg.yield %n : bf16
    } -> tensor<1x1x1x1xbf16>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %v into %o[%b, %s, %h, %d] [1, 1, 1, 1] [1, 1, 1, 1] : tensor<1x1x1x1xbf16> into tensor<?x1x2x4xbf16>
    }
  }
  %newk = tensor.collapse_shape %k [[0], [1, 2], [3]] : tensor<?x1x2x4xbf16> into tensor<?x2x4xbf16>
  %newk4 = tensor.expand_shape %newk [[0], [1], [2, 3]] output_shape [%rows, 2, 1, 4] : tensor<?x2x4xbf16> into tensor<?x2x1x4xbf16>
  %a:3 = scf.forall (%p, %b, %h, %g, %s) in (2, %rows, 2, 1, 1) shared_outs(%om = %m, %ol = %l, %oa = %acc)
      -> (tensor<2x?x2x1x1xf32>, tensor<2x?x2x1x1xf32>, tensor<2x?x2x1x1x4xf32>) {
    %qt = tensor.extract_slice %q[%b, %h, %g, %s, 0] [1, 1, 1, 1, 4] [1, 1, 1, 1, 1] : tensor<?x2x1x1x4xbf16> to tensor<1x1x1x1x4xbf16>
    %qp = tensor.extract_slice %pos[%b, %s] [1, 1] [1, 1] : tensor<?x1xi32> to tensor<1x1xi32>
    %ct = tensor.extract_slice %cache[%b, %h, 0, 0] [1, 1, 8, 4] [1, 1, 1, 1] : tensor<?x2x8x4xbf16> to tensor<1x1x8x4xbf16>
    %kt = tensor.extract_slice %newk4[%b, %h, 0, 0] [1, 1, 1, 4] [1, 1, 1, 1] : tensor<?x2x1x4xbf16> to tensor<1x1x1x4xbf16>
    %kp = tensor.extract_slice %pos[%b, 0] [1, 1] [1, 1] : tensor<?x1xi32> to tensor<1x1xi32>
    %mt = tensor.extract_slice %om[%p, %b, %h, %g, %s] [1, 1, 1, 1, 1] [1, 1, 1, 1, 1] : tensor<2x?x2x1x1xf32> to tensor<1x1x1x1x1xf32>
    %lt = tensor.extract_slice %ol[%p, %b, %h, %g, %s] [1, 1, 1, 1, 1] [1, 1, 1, 1, 1] : tensor<2x?x2x1x1xf32> to tensor<1x1x1x1x1xf32>
    %at = tensor.extract_slice %oa[%p, %b, %h, %g, %s, 0] [1, 1, 1, 1, 1, 4] [1, 1, 1, 1, 1, 1] : tensor<2x?x2x1x1x4xf32> to tensor<1x1x1x1x1x4xf32>
    %max, %sum, %r = llama4.partial_attention %qt at(%qp) cache(%ct, %ct)
        tokens(%kt, %kt at %kp) splits(%p) outs(%mt, %lt, %at)
        {chunk_size = 8 : i64, key_block = 128 : i64, scale = 0.5 : f64,
         splits = 2 : i64, split_keys = 4 : i64, llama4.lowering_config = #w}
        : (tensor<1x1x1x1x4xbf16>, tensor<1x1xi32>, tensor<1x1x8x4xbf16>,
           tensor<1x1x8x4xbf16>, tensor<1x1x1x4xbf16>, tensor<1x1x1x4xbf16>,
           tensor<1x1xi32>, index, tensor<1x1x1x1x1xf32>, tensor<1x1x1x1x1xf32>,
           tensor<1x1x1x1x1x4xf32>)
        -> (tensor<1x1x1x1x1xf32>, tensor<1x1x1x1x1xf32>, tensor<1x1x1x1x1x4xf32>)
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %max into %om[%p, %b, %h, %g, %s] [1, 1, 1, 1, 1] [1, 1, 1, 1, 1] : tensor<1x1x1x1x1xf32> into tensor<2x?x2x1x1xf32>
      tensor.parallel_insert_slice %sum into %ol[%p, %b, %h, %g, %s] [1, 1, 1, 1, 1] [1, 1, 1, 1, 1] : tensor<1x1x1x1x1xf32> into tensor<2x?x2x1x1xf32>
      tensor.parallel_insert_slice %r into %oa[%p, %b, %h, %g, %s, 0] [1, 1, 1, 1, 1, 4] [1, 1, 1, 1, 1, 1] : tensor<1x1x1x1x1x4xf32> into tensor<2x?x2x1x1x4xf32>
    }
  }
  %krows = tensor.dim %k, %c0 : tensor<?x1x2x4xbf16>
  %stored = scf.for %row = %c0 to %krows step %c1 iter_args(%c = %cache) -> (tensor<?x2x8x4xbf16>) {
    %p = tensor.extract %pos[%row, %c0] : tensor<?x1xi32>
    %i = arith.index_cast %p : i32 to index
    %slot = arith.remui %i, %c8 : index
    %slice = tensor.extract_slice %k[%row, 0, 0, 0] [1, 1, 2, 4] [1, 1, 1, 1] : tensor<?x1x2x4xbf16> to tensor<2x4xbf16>
    %into = tensor.insert_slice %slice into %c[%row, 0, %slot, 0] [1, 2, 1, 4] [1, 1, 1, 1] : tensor<2x4xbf16> into tensor<?x2x8x4xbf16>
    scf.yield %into : tensor<?x2x8x4xbf16>
  }
  return %a#2, %stored : tensor<2x?x2x1x1x4xf32>, tensor<?x2x8x4xbf16>
}

// -----

// A value projection: a warp per element of [rows, 1, 8], its heads split
// by a reshape; the tile's element (b, s, n) is key (b, s, n / 4, n mod
// 4) of the update, stored at the row's position (a global layer's
// cache: no window).
// CHECK-LABEL: func.func @reshaped_projection_stores_into_cache
//   CHECK-NOT:   scf.for %
//       CHECK:   scf.forall (%[[B:.*]], %[[S:.*]], %[[N:.*]]) in (%{{.*}}, 1, 8) shared_outs(%{{.*}} = %{{.*}}, %[[CO:.*]] = %{{.*}})
//       CHECK:     linalg.contract
//       CHECK:     %[[HD:.*]]:2 = affine.delinearize_index %[[N]] into (2, 4)
//       CHECK:     %[[P:.*]] = tensor.extract %{{.*}}[%[[B]], %{{.*}}]
//       CHECK:     %[[SLOT:.*]] = arith.index_cast %[[P]]
//       CHECK:     scf.forall.in_parallel
//       CHECK:       tensor.parallel_insert_slice %{{.*}} into %[[CO]][%[[B]], %[[HD]]#0, %[[SLOT]], %[[HD]]#1] [1, 1, 1, 1] [1, 1, 1, 1] : tensor<1x1x1xf32> into tensor<?x2x16x4xf32>
//   CHECK-NOT:   scf.for %
#w = #llama4.lowering_config<pipeline = gpu_warp_per_element, workgroup_size = [256]>
#x = affine_map<(b, s, n, k) -> (b, s, k)>
#wt = affine_map<(b, s, n, k) -> (n, k)>
#o = affine_map<(b, s, n, k) -> (b, s, n)>
func.func @reshaped_projection_stores_into_cache(%x: tensor<?x1x16xf32>, %wv: tensor<8x16xf32>,
    %pos: tensor<?x1xi32>, %cache: tensor<?x2x16x4xf32>) -> tensor<?x2x16x4xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %rows = tensor.dim %x, %c0 : tensor<?x1x16xf32>
  %e = tensor.empty(%rows) : tensor<?x1x8xf32>
  %v = scf.forall (%b, %s, %n) in (%rows, 1, 8) shared_outs(%o = %e) -> (tensor<?x1x8xf32>) {
    %xs = tensor.extract_slice %x[%b, %s, 0] [1, 1, 16] [1, 1, 1] : tensor<?x1x16xf32> to tensor<1x1x16xf32>
    %ws = tensor.extract_slice %wv[%n, 0] [1, 16] [1, 1] : tensor<8x16xf32> to tensor<1x16xf32>
    %out = tensor.extract_slice %o[%b, %s, %n] [1, 1, 1] [1, 1, 1] : tensor<?x1x8xf32> to tensor<1x1x1xf32>
    %p = linalg.contract indexing_maps = [#x, #wt, #o]
        ins(%xs, %ws : tensor<1x1x16xf32>, tensor<1x16xf32>) outs(%out : tensor<1x1x1xf32>)
        {llama4.lowering_config = #w} -> tensor<1x1x1xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %p into %o[%b, %s, %n] [1, 1, 1] [1, 1, 1] : tensor<1x1x1xf32> into tensor<?x1x8xf32>
    }
  }
  %update = tensor.expand_shape %v [[0], [1], [2, 3]] output_shape [%rows, 1, 2, 4] : tensor<?x1x8xf32> into tensor<?x1x2x4xf32>
  %urows = tensor.dim %update, %c0 : tensor<?x1x2x4xf32>
  %stored = scf.for %row = %c0 to %urows step %c1 iter_args(%c = %cache) -> (tensor<?x2x16x4xf32>) {
    %p = tensor.extract %pos[%row, %c0] : tensor<?x1xi32>
    %slot = arith.index_cast %p : i32 to index
    %slice = tensor.extract_slice %update[%row, 0, 0, 0] [1, 1, 2, 4] [1, 1, 1, 1] : tensor<?x1x2x4xf32> to tensor<2x4xf32>
    %into = tensor.insert_slice %slice into %c[%row, 0, %slot, 0] [1, 2, 1, 4] [1, 1, 1, 1] : tensor<2x4xf32> into tensor<?x2x16x4xf32>
    scf.yield %into : tensor<?x2x16x4xf32>
  }
  return %stored : tensor<?x2x16x4xf32>
}

// -----

// Left as they are: a cache that something other than attention reads
// after the kernel (storing first would change what it reads), and a
// loop over fewer rows than the update has.
// CHECK-LABEL: func.func @other_readers_and_other_rows_keep_the_loop
//       CHECK:   scf.forall {{.*}} -> (tensor<?x1x2xf32>) {
//       CHECK:   tensor.extract %arg2
//       CHECK:   scf.for %
//       CHECK:   scf.for %
func.func @other_readers_and_other_rows_keep_the_loop(%x: tensor<?x1x2xf32>, %pos: tensor<?x1xi32>,
    %cache: tensor<?x2x4xf32>, %few: index) -> (f32, tensor<?x2x4xf32>, tensor<?x2x4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %rows = tensor.dim %x, %c0 : tensor<?x1x2xf32>
  %e = tensor.empty(%rows) : tensor<?x1x2xf32>
  %k = scf.forall (%b, %s, %h) in (%rows, 1, 2) shared_outs(%o = %e) -> (tensor<?x1x2xf32>) {
    %in = tensor.extract_slice %x[%b, %s, %h] [1, 1, 1] [1, 1, 1] : tensor<?x1x2xf32> to tensor<1x1x1xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %in into %o[%b, %s, %h] [1, 1, 1] [1, 1, 1] : tensor<1x1x1xf32> into tensor<?x1x2xf32>
    }
  }
  %peek = tensor.extract %cache[%c0, %c0, %c0] : tensor<?x2x4xf32>
  %krows = tensor.dim %k, %c0 : tensor<?x1x2xf32>
  %stored = scf.for %row = %c0 to %krows step %c1 iter_args(%c = %cache) -> (tensor<?x2x4xf32>) {
    %p = tensor.extract %pos[%row, %c0] : tensor<?x1xi32>
    %slot = arith.index_cast %p : i32 to index
    %slice = tensor.extract_slice %k[%row, 0, 0] [1, 1, 2] [1, 1, 1] : tensor<?x1x2xf32> to tensor<2xf32>
    %into = tensor.insert_slice %slice into %c[%row, 0, %slot] [1, 2, 1] [1, 1, 1] : tensor<2xf32> into tensor<?x2x4xf32>
    scf.yield %into : tensor<?x2x4xf32>
  }
  %some = scf.for %row = %c0 to %few step %c1 iter_args(%c = %stored) -> (tensor<?x2x4xf32>) {
    %p = tensor.extract %pos[%row, %c0] : tensor<?x1xi32>
    %slot = arith.index_cast %p : i32 to index
    %slice = tensor.extract_slice %k[%row, 0, 0] [1, 1, 2] [1, 1, 1] : tensor<?x1x2xf32> to tensor<2xf32>
    %into = tensor.insert_slice %slice into %c[%row, 0, %slot] [1, 2, 1] [1, 1, 1] : tensor<2xf32> into tensor<?x2x4xf32>
    scf.yield %into : tensor<?x2x4xf32>
  }
  return %peek, %stored, %some : f32, tensor<?x2x4xf32>, tensor<?x2x4xf32>
}
