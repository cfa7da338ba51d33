// RUN: llama4-opt %s --split-input-file --llama4-verify-model --verify-diagnostics | FileCheck %s

// A well-formed model: every weight read, both entry points, each cache
// argument returned updated in order after the logits and their greedy
// tokens. The pass changes nothing.
// CHECK-LABEL: func.func @prefill
// CHECK-LABEL: func.func @decode
module {
  llama4.weight @"model.norm.weight" : tensor<8xf32>
  func.func @prefill(%tokens: tensor<1x2xi32>,
      %kc: tensor<1x2x4x8xf32> {llama4.kv_cache = {layer = 0 : i64, kind = "key"}},
      %vc: tensor<1x2x4x8xf32> {llama4.kv_cache = {layer = 0 : i64, kind = "value"}})
      -> (tensor<1x2x16xf32>, tensor<1x2xi32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) {
    %w = llama4.weight_ref @"model.norm.weight" : tensor<8xf32>
    %logits = arith.constant dense<0.0> : tensor<1x2x16xf32>
    %next = arith.constant dense<0> : tensor<1x2xi32>
    return %logits, %next, %kc, %vc : tensor<1x2x16xf32>, tensor<1x2xi32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>
  }
  func.func @decode(%tokens: tensor<1x1xi32>) -> (tensor<1x1x16xf32>, tensor<1x1xi32>) {
    %logits = arith.constant dense<0.0> : tensor<1x1x16xf32>
    %next = arith.constant dense<0> : tensor<1x1xi32>
    return %logits, %next : tensor<1x1x16xf32>, tensor<1x1xi32>
  }
}

// -----

// A weight the model never reads would make the runtime demand it anyway.
module {
  // expected-error @+1 {{'model.unused.weight' is declared but never read}}
  llama4.weight @"model.unused.weight" : tensor<8xf32>
  func.func @prefill() -> (tensor<1xf32>, tensor<1xi32>) {
    %l = arith.constant dense<0.0> : tensor<1xf32>
    %t = arith.constant dense<0> : tensor<1xi32>
    return %l, %t : tensor<1xf32>, tensor<1xi32>
  }
  func.func @decode() -> (tensor<1xf32>, tensor<1xi32>) {
    %l = arith.constant dense<0.0> : tensor<1xf32>
    %t = arith.constant dense<0> : tensor<1xi32>
    return %l, %t : tensor<1xf32>, tensor<1xi32>
  }
}

// -----

// expected-error @+1 {{model has no public 'decode' entry function}}
module {
  func.func @prefill() -> (tensor<1xf32>, tensor<1xi32>) {
    %l = arith.constant dense<0.0> : tensor<1xf32>
    %t = arith.constant dense<0> : tensor<1xi32>
    return %l, %t : tensor<1xf32>, tensor<1xi32>
  }
}

// -----

// A private entry point cannot be called by the runtime.
// expected-error @+1 {{model has no public 'prefill' entry function}}
module {
  func.func private @prefill() -> (tensor<1xf32>, tensor<1xi32>) {
    %l = arith.constant dense<0.0> : tensor<1xf32>
    %t = arith.constant dense<0> : tensor<1xi32>
    return %l, %t : tensor<1xf32>, tensor<1xi32>
  }
  func.func @decode() -> (tensor<1xf32>, tensor<1xi32>) {
    %l = arith.constant dense<0.0> : tensor<1xf32>
    %t = arith.constant dense<0> : tensor<1xi32>
    return %l, %t : tensor<1xf32>, tensor<1xi32>
  }
}

// -----

module {
  // expected-error @+1 {{entry function must return the logits and their greedy tokens first}}
  func.func @prefill() -> tensor<1xf32> {
    %l = arith.constant dense<0.0> : tensor<1xf32>
    return %l : tensor<1xf32>
  }
  func.func @decode() -> (tensor<1xf32>, tensor<1xi32>) {
    %l = arith.constant dense<0.0> : tensor<1xf32>
    %t = arith.constant dense<0> : tensor<1xi32>
    return %l, %t : tensor<1xf32>, tensor<1xi32>
  }
}

// -----

// A cache tag must say which layer and which of its buffers.
module {
  // expected-error @+1 {{argument 0: llama4.kv_cache must name an integer 'layer' and a 'kind' of "key", "value", "key_scales" or "value_scales"}}
  func.func @prefill(%kc: tensor<1x2x4x8xf32> {llama4.kv_cache = {layer = 0 : i64, kind = "query"}})
      -> (tensor<1xf32>, tensor<1xi32>, tensor<1x2x4x8xf32>) {
    %l = arith.constant dense<0.0> : tensor<1xf32>
    %t = arith.constant dense<0> : tensor<1xi32>
    return %l, %t, %kc : tensor<1xf32>, tensor<1xi32>, tensor<1x2x4x8xf32>
  }
  func.func @decode() -> (tensor<1xf32>, tensor<1xi32>) {
    %l = arith.constant dense<0.0> : tensor<1xf32>
    %t = arith.constant dense<0> : tensor<1xi32>
    return %l, %t : tensor<1xf32>, tensor<1xi32>
  }
}

// -----

module {
  // expected-error @+1 {{argument 1 repeats the key cache of layer 0}}
  func.func @prefill(%a: tensor<1x2x4x8xf32> {llama4.kv_cache = {layer = 0 : i64, kind = "key"}},
      %b: tensor<1x2x4x8xf32> {llama4.kv_cache = {layer = 0 : i64, kind = "key"}})
      -> (tensor<1xf32>, tensor<1xi32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) {
    %l = arith.constant dense<0.0> : tensor<1xf32>
    %t = arith.constant dense<0> : tensor<1xi32>
    return %l, %t, %a, %b : tensor<1xf32>, tensor<1xi32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>
  }
  func.func @decode() -> (tensor<1xf32>, tensor<1xi32>) {
    %l = arith.constant dense<0.0> : tensor<1xf32>
    %t = arith.constant dense<0> : tensor<1xi32>
    return %l, %t : tensor<1xf32>, tensor<1xi32>
  }
}

// -----

// Every cache argument comes back as a result.
module {
  // expected-error @+1 {{returns 2 results, expected the logits, their greedy tokens and one updated cache per cache argument (3)}}
  func.func @prefill(%kc: tensor<1x2x4x8xf32> {llama4.kv_cache = {layer = 0 : i64, kind = "key"}})
      -> (tensor<1xf32>, tensor<1xi32>) {
    %l = arith.constant dense<0.0> : tensor<1xf32>
    %t = arith.constant dense<0> : tensor<1xi32>
    return %l, %t : tensor<1xf32>, tensor<1xi32>
  }
  func.func @decode() -> (tensor<1xf32>, tensor<1xi32>) {
    %l = arith.constant dense<0.0> : tensor<1xf32>
    %t = arith.constant dense<0> : tensor<1xi32>
    return %l, %t : tensor<1xf32>, tensor<1xi32>
  }
}

// -----

// Results follow the order and types of the cache arguments.
module {
  func.func @prefill() -> (tensor<1xf32>, tensor<1xi32>) {
    %l = arith.constant dense<0.0> : tensor<1xf32>
    %t = arith.constant dense<0> : tensor<1xi32>
    return %l, %t : tensor<1xf32>, tensor<1xi32>
  }
  // expected-error @+1 {{result 2 has type 'tensor<1x2x8x8xf32>' but returns cache argument 1 of type 'tensor<1x2x4x8xf32>'}}
  func.func @decode(%tokens: tensor<1x1xi32>,
      %kc: tensor<1x2x4x8xf32> {llama4.kv_cache = {layer = 0 : i64, kind = "key"}})
      -> (tensor<1xf32>, tensor<1xi32>, tensor<1x2x8x8xf32>) {
    %l = arith.constant dense<0.0> : tensor<1xf32>
    %t = arith.constant dense<0> : tensor<1xi32>
    %c = arith.constant dense<0.0> : tensor<1x2x8x8xf32>
    return %l, %t, %c : tensor<1xf32>, tensor<1xi32>, tensor<1x2x8x8xf32>
  }
}
