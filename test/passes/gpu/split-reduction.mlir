// RUN: llama4-opt %s --split-input-file --llama4-gpu-split-reduction --verify-diagnostics | FileCheck %s
// RUN: llama4-opt %s --split-input-file --llama4-gpu-split-reduction=attention-split-keys=3 --verify-diagnostics | FileCheck %s --check-prefix=SPLIT_KEYS

// A routed expert's x * W split 4 ways: the partial op takes a new
// outermost loop s over the splits, reads x as [.., 4, 16] (k = 16 s + k'),
// sums into its own zeros (configured, so that each tile fills its own),
// and the second op adds the 4 partial sums into the original zeros.

#tok = affine_map<(b, n, k) -> (b, k)>
#tokex = affine_map<(b, n, k) -> (b)>
#tokout = affine_map<(b, n, k) -> (b, n)>
#config = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [256], split_k = 4>

// CHECK-DAG: #[[X:.+]] = affine_map<(d0, d1, d2, d3) -> (d1, d0, d3)>
// CHECK-DAG: #[[EX:.+]] = affine_map<(d0, d1, d2, d3) -> (d1)>
// CHECK-DAG: #[[PART:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-DAG: #[[SUMS:.+]] = affine_map<(d0, d1, d2) -> (d2, d0, d1)>
// CHECK-DAG: #[[OUT:.+]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @routed_expert
//  CHECK-SAME:   (%[[XIN:.+]]: tensor<?x64xbf16>, %[[EXPERTS:.+]]: tensor<?xindex>, %[[W:.+]]: tensor<4x64x48xbf16>
//       CHECK:   %[[ZEROS:.+]] = linalg.fill
//       CHECK:   %[[EMPTY:.+]] = tensor.empty(%{{.+}}) : tensor<4x?x48xf32>
//       CHECK:   %[[PZEROS:.+]] = linalg.fill {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [256]>} ins(%{{.+}} : f32) outs(%[[EMPTY]] : tensor<4x?x48xf32>)
//       CHECK:   %[[XS:.+]] = tensor.expand_shape %[[XIN]] {{\[}}[0], [1, 2]] output_shape [%{{.+}}, 4, 16] : tensor<?x64xbf16> into tensor<?x4x16xbf16>
//       CHECK:   %[[PARTIAL:.+]] = linalg.generic {indexing_maps = [#[[X]], #[[EX]], #[[PART]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
//  CHECK-SAME:       ins(%[[XS]], %[[EXPERTS]] : tensor<?x4x16xbf16>, tensor<?xindex>) outs(%[[PZEROS]] : tensor<4x?x48xf32>)
//  CHECK-SAME:       workgroup_size = [256]>}
//       CHECK:     %[[N:.+]] = linalg.index 2 : index
//       CHECK:     %[[KIN:.+]] = linalg.index 3 : index
//       CHECK:     %[[S:.+]] = linalg.index 0 : index
//       CHECK:     %[[START:.+]] = arith.muli %[[S]], %{{.+}} : index
//       CHECK:     %[[K:.+]] = arith.addi %[[START]], %[[KIN]] : index
//       CHECK:     tensor.extract %[[W]][%{{.+}}, %[[K]], %[[N]]]
//       CHECK:   linalg.generic {indexing_maps = [#[[SUMS]], #[[OUT]]], iterator_types = ["parallel", "parallel", "reduction"]}
//  CHECK-SAME:       ins(%[[PARTIAL]] : tensor<4x?x48xf32>) outs(%[[ZEROS]] : tensor<?x48xf32>)
//  CHECK-SAME:       workgroup_size = [256]>}
//       CHECK:     arith.addf
//   CHECK-NOT:   split_k
func.func @routed_expert(%x: tensor<?x64xbf16>, %experts: tensor<?xindex>,
    %w: tensor<4x64x48xbf16>, %b: index) -> tensor<?x48xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty(%b) : tensor<?x48xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<?x48xf32>) -> tensor<?x48xf32>
  %r = linalg.generic {indexing_maps = [#tok, #tokex, #tokout],
      iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %experts : tensor<?x64xbf16>, tensor<?xindex>) outs(%z : tensor<?x48xf32>)
      attrs = {llama4.lowering_config = #config} {
  ^bb0(%xv: bf16, %expert: index, %acc: f32):
    %n = linalg.index 1 : index
    %k = linalg.index 2 : index
    %wv = tensor.extract %w[%expert, %k, %n] : tensor<4x64x48xbf16>
    %xf = arith.extf %xv : bf16 to f32
    %wf = arith.extf %wv : bf16 to f32
    %p = arith.mulf %xf, %wf : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<?x48xf32>
  return %r : tensor<?x48xf32>
}

// -----

// The config is a contract: a split that does not divide the reduction is
// an error, not a silent change of the sum.
#x = affine_map<(n, k) -> (k)>
#out = affine_map<(n, k) -> (n)>
func.func @indivisible(%x: tensor<60xf32>, %y: tensor<60xf32>) -> tensor<8xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<8xf32>) -> tensor<8xf32>
  // expected-error @+1 {{has split_k = 8 but is not a sum into zeros over one loop whose static extent it divides}}
  %r = linalg.generic {indexing_maps = [#x, #x, #out],
      iterator_types = ["parallel", "reduction"]}
      ins(%x, %y : tensor<60xf32>, tensor<60xf32>) outs(%z : tensor<8xf32>)
      attrs = {llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [256], split_k = 8>} {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  return %r : tensor<8xf32>
}

// -----

// A decode step's attention split 4 ways, each split at least 3 keys (the
// pass option): a llama4.partial_attention from split 0 into split-major
// [4, B, Hkv, G, S] states and [4, B, Hkv, G, S, d] accumulators,
// configured as the attention was but for the split (a tile: one split of
// the attention's tile, a KV head's queries); then a thread per
// output element combines the splits: the largest maximum M over a first
// pass, then exp(max_p - M) weighting acc_p and sum_p, divided and rounded
// to bf16. The combining op is left for the next config selection.
// By default a split takes at least 256 keys.
// CHECK-LABEL: func.func @decode_attention
//       CHECK:   llama4.partial_attention {{.*}} split_keys = 256 : i64, splits = 4 : i64
// SPLIT_KEYS-LABEL: func.func @decode_attention
//  SPLIT_KEYS-SAME:   %[[INIT:[a-z0-9]+]]: tensor<?x2x2x1x16xbf16>) ->
//   SPLIT_KEYS-DAG:   %[[C0:.*]] = arith.constant 0 : index
//       SPLIT_KEYS:   %[[M0:.*]] = tensor.empty(%{{.*}}) : tensor<4x?x2x2x1xf32>
//       SPLIT_KEYS:   %[[L0:.*]] = tensor.empty(%{{.*}}) : tensor<4x?x2x2x1xf32>
//       SPLIT_KEYS:   %[[A0:.*]] = tensor.empty(%{{.*}}) : tensor<4x?x2x2x1x16xf32>
//       SPLIT_KEYS:   %[[MAX:.*]], %[[SUM:.*]], %[[ACC:.*]] = llama4.partial_attention {{.*}} splits(%{{.*}}) outs(%[[M0]], %[[L0]], %[[A0]])
//  SPLIT_KEYS-SAME:     chunk_size = 8 : i64, key_block = 128 : i64, llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_warp_per_element, workgroup_tile = [1, 1, 1, 0, 0], register_tile = [16], workgroup_size = [32]>, scale = 2.500000e-01 : f64, split_keys = 3 : i64, splits = 4 : i64
//       SPLIT_KEYS:   %[[OUT:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]} outs(%[[INIT]] : tensor<?x2x2x1x16xbf16>) {
//       SPLIT_KEYS:     %[[E:.*]] = linalg.index 4
//       SPLIT_KEYS:     %[[M:.*]] = scf.for %[[P:.*]] = %{{.*}} to %c4 {{.*}} -> (f32)
//       SPLIT_KEYS:       tensor.extract %[[MAX]][%[[P]],
//       SPLIT_KEYS:       arith.maximumf
//       SPLIT_KEYS:     %[[TOTALS:.*]]:2 = scf.for %[[P2:.*]] = %{{.*}} to %c4 {{.*}} -> (f32, f32)
//       SPLIT_KEYS:       %[[MAX_P:.*]] = tensor.extract %[[MAX]][%[[P2]],
//       SPLIT_KEYS:       arith.subf %[[MAX_P]], %{{.*}}
//       SPLIT_KEYS:       %[[SHARE:.*]] = math.exp
//       SPLIT_KEYS:       %[[ACC_P:.*]] = tensor.extract %[[ACC]][%[[P2]], {{.*}}, %[[E]]]
//       SPLIT_KEYS:       arith.mulf %[[SHARE]], %[[ACC_P]]
//       SPLIT_KEYS:       %[[SUM_P:.*]] = tensor.extract %[[SUM]][%[[P2]],
//       SPLIT_KEYS:       arith.mulf %[[SHARE]], %[[SUM_P]]
//       SPLIT_KEYS:     %[[MEAN:.*]] = arith.divf %[[TOTALS]]#0, %[[TOTALS]]#1
//       SPLIT_KEYS:     %[[ROUNDED:.*]] = arith.truncf %[[MEAN]] : f32 to bf16
//       SPLIT_KEYS:     linalg.yield %[[ROUNDED]]
//   SPLIT_KEYS-NOT:   lowering_config<pipeline = gpu_thread_per_element
//       SPLIT_KEYS:   return %[[OUT]]
func.func @decode_attention(%q: tensor<?x2x2x1x16xbf16>, %pos: tensor<?x1xi32>,
    %kc: tensor<?x2x8x16xbf16>, %k: tensor<?x2x1x16xbf16>,
    %init: tensor<?x2x2x1x16xbf16>) -> tensor<?x2x2x1x16xbf16> {
  %o = llama4.online_attention %q at(%pos) cache(%kc, %kc) tokens(%k, %k at %pos)
      outs(%init) {chunk_size = 8 : i64, key_block = 128 : i64, scale = 0.25 : f64,
                   llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_warp_per_element, workgroup_tile = [1, 1, 0, 0], register_tile = [16], workgroup_size = [32], split_k = 4>}
      : (tensor<?x2x2x1x16xbf16>, tensor<?x1xi32>, tensor<?x2x8x16xbf16>,
         tensor<?x2x8x16xbf16>, tensor<?x2x1x16xbf16>, tensor<?x2x1x16xbf16>,
         tensor<?x1xi32>, tensor<?x2x2x1x16xbf16>) -> tensor<?x2x2x1x16xbf16>
  return %o : tensor<?x2x2x1x16xbf16>
}

// -----

// Lanes that share each key take fewer keys a split: with register tile
// [4] of 16 head dims, 4 lanes share each key and a round of the warp's is
// 8 keys, so a split takes at least 256 * 8 / 32 = 64 keys (as many
// rounds as 256 keys are to 32 lanes each taking its own), or 1 where
// the option's 3 keys would round to none.
// CHECK-LABEL: func.func @decode_attention_lanes_sharing_keys
//       CHECK:   llama4.partial_attention {{.*}} split_keys = 64 : i64, splits = 4 : i64
// SPLIT_KEYS-LABEL: func.func @decode_attention_lanes_sharing_keys
//       SPLIT_KEYS:   llama4.partial_attention {{.*}} split_keys = 1 : i64, splits = 4 : i64
func.func @decode_attention_lanes_sharing_keys(%q: tensor<?x2x2x1x16xbf16>,
    %pos: tensor<?x1xi32>, %kc: tensor<?x2x8x16xbf16>,
    %k: tensor<?x2x1x16xbf16>, %init: tensor<?x2x2x1x16xbf16>)
    -> tensor<?x2x2x1x16xbf16> {
  %o = llama4.online_attention %q at(%pos) cache(%kc, %kc) tokens(%k, %k at %pos)
      outs(%init) {chunk_size = 8 : i64, key_block = 128 : i64, scale = 0.25 : f64,
                   llama4.lowering_config = #llama4.lowering_config<pipeline = gpu_warp_per_element, workgroup_tile = [1, 1, 0, 0], register_tile = [4], workgroup_size = [32], split_k = 4>}
      : (tensor<?x2x2x1x16xbf16>, tensor<?x1xi32>, tensor<?x2x8x16xbf16>,
         tensor<?x2x8x16xbf16>, tensor<?x2x1x16xbf16>, tensor<?x2x1x16xbf16>,
         tensor<?x1xi32>, tensor<?x2x2x1x16xbf16>) -> tensor<?x2x2x1x16xbf16>
  return %o : tensor<?x2x2x1x16xbf16>
}
