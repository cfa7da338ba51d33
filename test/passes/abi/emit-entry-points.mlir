// RUN: llama4-opt %s --split-input-file --verify-diagnostics --llama4-emit-entry-points | FileCheck %s

// Each entry function F gets an exported `llama4c_F(!llvm.ptr) -> i32` that
// reads the fields of llama4c_call (abi.h: weights, tokens, positions, batch,
// seq, kv_cache, block_table, block_table_width, kv_pages, logits_at,
// logits_per_row, logits, ...) through getelementptr + load, wraps each
// pointer in a row-major descriptor cast to the memref F expects (sizes from
// batch, seq, logits_per_row, block_table_width and, for a global layer's
// pool of pages, kv_pages), calls F, copies its logits to
// call->logits and their greedy tokens to call->next_tokens, each unless
// NULL, and returns 0. Weights are read at their
// `llama4.weight` index, caches in argument order, which the module
// records for the manifest with each cache's attribute and buffer type. F
// becomes private.
//       CHECK: module attributes {llama4.kv_caches = [
//  CHECK-SAME:   {kind = "key", layer = 0 : i64, type = memref<?x2x8x16xf32>, window = 8 : i64},
//  CHECK-SAME:   {kind = "value", layer = 1 : i64, page_size = 4 : i64, type = memref<?x2x4x16xf32>}]}
// CHECK-LABEL: func.func private @prefill(
// CHECK-LABEL: func.func private @decode(
// CHECK-LABEL: func.func @llama4c_prefill(
//  CHECK-SAME:   %[[CALL:[a-z0-9]+]]: !llvm.ptr) -> i32
//       CHECK:   %[[BATCH_P:.*]] = llvm.getelementptr %[[CALL]][0, 3] : (!llvm.ptr) -> !llvm.ptr, !llvm.struct<(ptr, ptr, ptr, i64, i64, ptr, ptr, i64, i64, ptr, i64, ptr, ptr, ptr, i64)>
//       CHECK:   %[[BATCH:.*]] = llvm.load %[[BATCH_P]] : !llvm.ptr -> i64
//       CHECK:   %[[SEQ_P:.*]] = llvm.getelementptr %[[CALL]][0, 4]
//       CHECK:   %[[SEQ:.*]] = llvm.load %[[SEQ_P]] : !llvm.ptr -> i64
//       CHECK:   %[[WEIGHTS_P:.*]] = llvm.getelementptr %[[CALL]][0, 0]
//       CHECK:   %[[WEIGHTS:.*]] = llvm.load %[[WEIGHTS_P]] : !llvm.ptr -> !llvm.ptr
//       CHECK:   %[[CACHES_P:.*]] = llvm.getelementptr %[[CALL]][0, 5]
//       CHECK:   %[[CACHES:.*]] = llvm.load %[[CACHES_P]] : !llvm.ptr -> !llvm.ptr
// Tokens and positions: [batch, seq].
//       CHECK:   %[[TOKENS_P:.*]] = llvm.getelementptr %[[CALL]][0, 1]
//       CHECK:   %[[TOKENS_DATA:.*]] = llvm.load %[[TOKENS_P]] : !llvm.ptr -> !llvm.ptr
//       CHECK:   llvm.insertvalue %[[TOKENS_DATA]], %{{.*}}[1]
//       CHECK:   llvm.insertvalue %[[SEQ]], %{{.*}}[3, 1]
//       CHECK:   %[[TOKENS_D:.*]] = llvm.insertvalue %[[BATCH]], %{{.*}}[3, 0]
//       CHECK:   %[[TOKENS:.*]] = builtin.unrealized_conversion_cast %{{.*}} : !llvm.struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)> to memref<?x?xi32>
//       CHECK:   llvm.getelementptr %[[CALL]][0, 2]
//       CHECK:   %[[POSITIONS:.*]] = builtin.unrealized_conversion_cast %{{.*}} to memref<?x?xi32>
// The tokens that get logits: [batch, logits_per_row].
//       CHECK:   %[[AT_P:.*]] = llvm.getelementptr %[[CALL]][0, 9]
//       CHECK:   %[[AT_DATA:.*]] = llvm.load %[[AT_P]] : !llvm.ptr -> !llvm.ptr
//       CHECK:   %[[ROWS_P:.*]] = llvm.getelementptr %[[CALL]][0, 10]
//       CHECK:   %[[ROWS:.*]] = llvm.load %[[ROWS_P]] : !llvm.ptr -> i64
//       CHECK:   llvm.insertvalue %[[AT_DATA]], %{{.*}}[1]
//       CHECK:   llvm.insertvalue %[[ROWS]], %{{.*}}[3, 1]
//       CHECK:   %[[LOGITS_AT:.*]] = builtin.unrealized_conversion_cast %{{.*}} to memref<?x?xi32>
// The block table: [batch, block_table_width].
//       CHECK:   %[[BT_P:.*]] = llvm.getelementptr %[[CALL]][0, 6]
//       CHECK:   %[[BT_DATA:.*]] = llvm.load %[[BT_P]] : !llvm.ptr -> !llvm.ptr
//       CHECK:   %[[WIDTH_P:.*]] = llvm.getelementptr %[[CALL]][0, 7]
//       CHECK:   %[[WIDTH:.*]] = llvm.load %[[WIDTH_P]] : !llvm.ptr -> i64
//       CHECK:   llvm.insertvalue %[[BT_DATA]], %{{.*}}[1]
//       CHECK:   llvm.insertvalue %[[WIDTH]], %{{.*}}[3, 1]
//       CHECK:   %[[BLOCKS:.*]] = builtin.unrealized_conversion_cast %{{.*}} to memref<?x?xi32>
// The caches: kv_cache[0], a chunked layer's [batch, ...], and kv_cache[1],
// a global layer's pool of kv_pages pages.
//       CHECK:   %[[KC_P:.*]] = llvm.getelementptr %[[CACHES]][0] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
//       CHECK:   llvm.load %[[KC_P]] : !llvm.ptr -> !llvm.ptr
//       CHECK:   llvm.insertvalue %[[BATCH]], %{{.*}}[3, 0]
//       CHECK:   %[[KC:.*]] = builtin.unrealized_conversion_cast %{{.*}} to memref<?x2x8x16xf32>
//       CHECK:   %[[VC_P:.*]] = llvm.getelementptr %[[CACHES]][1] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
//       CHECK:   %[[PAGES_P:.*]] = llvm.getelementptr %[[CALL]][0, 8]
//       CHECK:   %[[PAGES:.*]] = llvm.load %[[PAGES_P]] : !llvm.ptr -> i64
//       CHECK:   llvm.insertvalue %[[PAGES]], %{{.*}}[3, 0]
//       CHECK:   %[[VC:.*]] = builtin.unrealized_conversion_cast %{{.*}} to memref<?x2x4x16xf32>
// The weights: weights[0] and weights[1], with static shapes.
//       CHECK:   llvm.getelementptr %[[WEIGHTS]][0] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
//       CHECK:   %[[TABLE:.*]] = builtin.unrealized_conversion_cast %{{.*}} to memref<128x64xf32>
//       CHECK:   llvm.getelementptr %[[WEIGHTS]][1] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
//       CHECK:   %[[NORM:.*]] = builtin.unrealized_conversion_cast %{{.*}} to memref<64xf32>
//       CHECK:   %[[RESULTS:.*]]:4 = call @prefill(%[[TOKENS]], %[[POSITIONS]], %[[LOGITS_AT]], %[[BLOCKS]], %[[KC]], %[[VC]], %[[TABLE]], %[[NORM]])
// The logits: call->logits as [batch, logits_per_row, vocab], unless NULL;
// then the greedy tokens: call->next_tokens as [batch, logits_per_row].
//       CHECK:   %[[LOGITS_P:.*]] = llvm.getelementptr %[[CALL]][0, 11]
//       CHECK:   %[[LOGITS_DATA:.*]] = llvm.load %[[LOGITS_P]] : !llvm.ptr -> !llvm.ptr
//       CHECK:   %[[NULL:.*]] = llvm.mlir.zero : !llvm.ptr
//       CHECK:   %[[GIVEN:.*]] = llvm.icmp "ne" %[[LOGITS_DATA]], %[[NULL]] : !llvm.ptr
//       CHECK:   scf.if %[[GIVEN]] {
//       CHECK:     %[[ROWS_P:.*]] = llvm.getelementptr %[[CALL]][0, 10]
//       CHECK:     %[[ROWS:.*]] = llvm.load %[[ROWS_P]] : !llvm.ptr -> i64
//       CHECK:     llvm.insertvalue %[[LOGITS_DATA]], %{{.*}}[1]
//       CHECK:     llvm.insertvalue %[[ROWS]], %{{.*}}[3, 1]
//       CHECK:     %[[LOGITS:.*]] = builtin.unrealized_conversion_cast %{{.*}} to memref<?x?x128xf32>
//       CHECK:     memref.copy %[[RESULTS]]#0, %[[LOGITS]] : memref<?x?x128xf32> to memref<?x?x128xf32>
//       CHECK:   }
//       CHECK:   %[[NEXT_P:.*]] = llvm.getelementptr %[[CALL]][0, 12]
//       CHECK:   %[[NEXT_DATA:.*]] = llvm.load %[[NEXT_P]] : !llvm.ptr -> !llvm.ptr
//       CHECK:   llvm.icmp "ne" %[[NEXT_DATA]]
//       CHECK:   scf.if
//       CHECK:     %[[NEXT:.*]] = builtin.unrealized_conversion_cast %{{.*}} to memref<?x?xi32>
//       CHECK:     memref.copy %[[RESULTS]]#1, %[[NEXT]] : memref<?x?xi32> to memref<?x?xi32>
//       CHECK:   }
//       CHECK:   %[[OK:.*]] = arith.constant 0 : i32
//       CHECK:   return %[[OK]] : i32
// Decode reads only the weight it takes, at its index 1; its token count is
// the static 1, so seq is never used.
// CHECK-LABEL: func.func @llama4c_decode(
//  CHECK-SAME:   %[[CALL:[a-z0-9]+]]: !llvm.ptr) -> i32
//       CHECK:   %[[SEQ_P:.*]] = llvm.getelementptr %[[CALL]][0, 4]
//       CHECK:   %[[SEQ:.*]] = llvm.load %[[SEQ_P]]
//       CHECK:   %[[WEIGHTS_P:.*]] = llvm.getelementptr %[[CALL]][0, 0]
//       CHECK:   %[[WEIGHTS:.*]] = llvm.load %[[WEIGHTS_P]]
//   CHECK-NOT:   llvm.insertvalue %[[SEQ]],
//       CHECK:   builtin.unrealized_conversion_cast %{{.*}} to memref<?x1xi32>
//   CHECK-NOT:   llvm.insertvalue %[[SEQ]],
//   CHECK-NOT:   llvm.getelementptr %[[WEIGHTS]][0]
//       CHECK:   llvm.getelementptr %[[WEIGHTS]][1]
//   CHECK-NOT:   llvm.getelementptr %[[WEIGHTS]]
//   CHECK-NOT:   llvm.insertvalue %[[SEQ]],
//       CHECK:   %[[RESULTS:.*]]:4 = call @decode(
//   CHECK-NOT:   llvm.insertvalue %[[SEQ]],
//       CHECK:   %[[LOGITS:.*]] = builtin.unrealized_conversion_cast %{{.*}} to memref<?x1x128xf32>
//       CHECK:   memref.copy %[[RESULTS]]#0, %[[LOGITS]]
//       CHECK:   %[[NEXT:.*]] = builtin.unrealized_conversion_cast %{{.*}} to memref<?x1xi32>
//       CHECK:   memref.copy %[[RESULTS]]#1, %[[NEXT]]
//       CHECK:   return
module {
  func.func @prefill(%tokens: memref<?x?xi32> {llama4.name = "tokens"},
      %positions: memref<?x?xi32> {llama4.name = "positions"},
      %logits_at: memref<?x?xi32> {llama4.name = "logits_at"},
      %blocks: memref<?x?xi32> {llama4.name = "block_table"},
      %kc: memref<?x2x8x16xf32> {llama4.kv_cache = {kind = "key", layer = 0 : i64, window = 8 : i64}},
      %vc: memref<?x2x4x16xf32> {llama4.kv_cache = {kind = "value", layer = 1 : i64, page_size = 4 : i64}},
      %table: memref<128x64xf32> {llama4.weight = 0 : i64},
      %norm: memref<64xf32> {llama4.weight = 1 : i64})
      -> (memref<?x?x128xf32>, memref<?x?xi32>, memref<?x2x8x16xf32>, memref<?x2x4x16xf32>) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %b = memref.dim %tokens, %c0 : memref<?x?xi32>
    %r = memref.dim %logits_at, %c1 : memref<?x?xi32>
    %logits = memref.alloc(%b, %r) : memref<?x?x128xf32>
    %next = memref.alloc(%b, %r) : memref<?x?xi32>
    return %logits, %next, %kc, %vc : memref<?x?x128xf32>, memref<?x?xi32>, memref<?x2x8x16xf32>, memref<?x2x4x16xf32>
  }
  func.func @decode(%tokens: memref<?x1xi32> {llama4.name = "tokens"},
      %positions: memref<?x1xi32> {llama4.name = "positions"},
      %blocks: memref<?x?xi32> {llama4.name = "block_table"},
      %kc: memref<?x2x8x16xf32> {llama4.kv_cache = {kind = "key", layer = 0 : i64, window = 8 : i64}},
      %vc: memref<?x2x4x16xf32> {llama4.kv_cache = {kind = "value", layer = 1 : i64, page_size = 4 : i64}},
      %norm: memref<64xf32> {llama4.weight = 1 : i64})
      -> (memref<?x1x128xf32>, memref<?x1xi32>, memref<?x2x8x16xf32>, memref<?x2x4x16xf32>) {
    %c0 = arith.constant 0 : index
    %b = memref.dim %tokens, %c0 : memref<?x1xi32>
    %logits = memref.alloc(%b) : memref<?x1x128xf32>
    %next = memref.alloc(%b) : memref<?x1xi32>
    return %logits, %next, %kc, %vc : memref<?x1x128xf32>, memref<?x1xi32>, memref<?x2x8x16xf32>, memref<?x2x4x16xf32>
  }
}

// -----

// Both entry points are part of the ABI: a module without decode is refused.
// expected-error @+1 {{no 'decode' function to export}}
module {
  func.func @prefill(%tokens: memref<?x?xi32> {llama4.name = "tokens"}) -> (memref<?x?x128xf32>, memref<1x1xi32>) {
    %c0 = arith.constant 0 : index
    %b = memref.dim %tokens, %c0 : memref<?x?xi32>
    %logits = memref.alloc(%b, %b) : memref<?x?x128xf32>
    %next = memref.alloc() : memref<1x1xi32>
    return %logits, %next : memref<?x?x128xf32>, memref<1x1xi32>
  }
}

// -----

// An argument without llama4.name, llama4.kv_cache or llama4.weight cannot be
// filled from the call struct.
module {
  // expected-error @+1 {{'func.func' op argument 1 has no llama4 role to fill it from}}
  func.func @prefill(%tokens: memref<?x?xi32> {llama4.name = "tokens"}, %scratch: memref<4xf32>)
      -> (memref<?x?x128xf32>, memref<1x1xi32>) {
    %c0 = arith.constant 0 : index
    %b = memref.dim %tokens, %c0 : memref<?x?xi32>
    %logits = memref.alloc(%b, %b) : memref<?x?x128xf32>
    %next = memref.alloc() : memref<1x1xi32>
    return %logits, %next : memref<?x?x128xf32>, memref<1x1xi32>
  }
  func.func @decode(%tokens: memref<?x1xi32> {llama4.name = "tokens"}) -> (memref<?x1x128xf32>, memref<1x1xi32>) {
    %c0 = arith.constant 0 : index
    %b = memref.dim %tokens, %c0 : memref<?x1xi32>
    %logits = memref.alloc(%b) : memref<?x1x128xf32>
    %next = memref.alloc() : memref<1x1xi32>
    return %logits, %next : memref<?x1x128xf32>, memref<1x1xi32>
  }
}

// -----

// The pass runs after bufferization: a tensor argument is an error.
module {
  // expected-error @+1 {{'func.func' op argument 0 is not a buffer; run after bufferization}}
  func.func @prefill(%tokens: tensor<?x?xi32> {llama4.name = "tokens"}) -> (memref<1x1x128xf32>, memref<1x1xi32>) {
    %logits = memref.alloc() : memref<1x1x128xf32>
    %next = memref.alloc() : memref<1x1xi32>
    return %logits, %next : memref<1x1x128xf32>, memref<1x1xi32>
  }
  func.func @decode(%tokens: memref<?x1xi32> {llama4.name = "tokens"}) -> (memref<?x1x128xf32>, memref<1x1xi32>) {
    %c0 = arith.constant 0 : index
    %b = memref.dim %tokens, %c0 : memref<?x1xi32>
    %logits = memref.alloc(%b) : memref<?x1x128xf32>
    %next = memref.alloc() : memref<1x1xi32>
    return %logits, %next : memref<?x1x128xf32>, memref<1x1xi32>
  }
}

// -----

// A llama4.name the ABI has no field for is reported with the name.
module {
  // expected-error @+1 {{'func.func' op argument 0 has unknown role "token_ids"}}
  func.func @prefill(%tokens: memref<?x?xi32> {llama4.name = "token_ids"}) -> (memref<1x1x128xf32>, memref<1x1xi32>) {
    %logits = memref.alloc() : memref<1x1x128xf32>
    %next = memref.alloc() : memref<1x1xi32>
    return %logits, %next : memref<1x1x128xf32>, memref<1x1xi32>
  }
  func.func @decode(%tokens: memref<?x1xi32> {llama4.name = "tokens"}) -> (memref<?x1x128xf32>, memref<1x1xi32>) {
    %c0 = arith.constant 0 : index
    %b = memref.dim %tokens, %c0 : memref<?x1xi32>
    %logits = memref.alloc(%b) : memref<?x1x128xf32>
    %next = memref.alloc() : memref<1x1xi32>
    return %logits, %next : memref<?x1x128xf32>, memref<1x1xi32>
  }
}

// -----

// The manifest lists one set of caches: decode must take prefill's.
module {
  func.func @prefill(%tokens: memref<?x?xi32> {llama4.name = "tokens"},
      %kc: memref<?x2x8x16xf32> {llama4.kv_cache = {kind = "key", layer = 0 : i64, window = 8 : i64}})
      -> (memref<1x1x128xf32>, memref<1x1xi32>) {
    %logits = memref.alloc() : memref<1x1x128xf32>
    %next = memref.alloc() : memref<1x1xi32>
    return %logits, %next : memref<1x1x128xf32>, memref<1x1xi32>
  }
  // expected-error @+1 {{'func.func' op takes other KV cache buffers than the entry point before it}}
  func.func @decode(%tokens: memref<?x1xi32> {llama4.name = "tokens"},
      %kc: memref<?x2x4x16xf32> {llama4.kv_cache = {kind = "key", layer = 0 : i64, window = 4 : i64}})
      -> (memref<?x1x128xf32>, memref<1x1xi32>) {
    %c0 = arith.constant 0 : index
    %b = memref.dim %tokens, %c0 : memref<?x1xi32>
    %logits = memref.alloc(%b) : memref<?x1x128xf32>
    %next = memref.alloc() : memref<1x1xi32>
    return %logits, %next : memref<?x1x128xf32>, memref<1x1xi32>
  }
}

// -----

// The logits are [B, R, V] and their greedy tokens [B, R]: a rank-1 token
// buffer is refused, not read past its shape.
module {
  // expected-error @+1 {{'func.func' op must return the logits [B, R, V] and their greedy tokens [B, R] as its first buffers}}
  func.func @prefill(%tokens: memref<?x?xi32> {llama4.name = "tokens"}) -> (memref<1x1x128xf32>, memref<1xi32>) {
    %logits = memref.alloc() : memref<1x1x128xf32>
    %next = memref.alloc() : memref<1xi32>
    return %logits, %next : memref<1x1x128xf32>, memref<1xi32>
  }
}

// -----

// A KV cache buffer is [B, Hkv, window, d] or [pages, Hkv, page_size, d],
// as its attribute says.
module {
  // expected-error @+1 {{'func.func' op argument 1 is not a KV cache [B, Hkv, window, d] or [pages, Hkv, page_size, d] as its window or page_size says}}
  func.func @prefill(%tokens: memref<?x?xi32> {llama4.name = "tokens"},
      %kc: memref<?x2x8x16xf32> {llama4.kv_cache = {kind = "key", layer = 0 : i64, page_size = 4 : i64}})
      -> (memref<1x1x128xf32>, memref<1x1xi32>) {
    %logits = memref.alloc() : memref<1x1x128xf32>
    %next = memref.alloc() : memref<1x1xi32>
    return %logits, %next : memref<1x1x128xf32>, memref<1x1xi32>
  }
}
