// RUN: llama4-opt %s --split-input-file --llama4-outline-weights | FileCheck %s

// Each weight a function reads becomes a trailing argument tagged with the
// weight's index in declaration order (arguments in that order too, whatever
// the order of the reads); two reads of one weight share one argument; the
// declarations become the module's `llama4.weights` list of names and types,
// in declaration order; a function that reads no weight gets no argument.
// CHECK:       module attributes {llama4.weights = [
//  CHECK-SAME:   {name = "model.embed_tokens.weight", type = tensor<128x64xf32>},
//  CHECK-SAME:   {name = "model.norm.weight", type = tensor<64xf32>},
//  CHECK-SAME:   {name = "lm_head.weight", type = tensor<128x64xbf16>}]}
//   CHECK-NOT:   llama4.weight
// CHECK-LABEL: func.func @prefill
//  CHECK-SAME:   %{{[a-z0-9]+}}: tensor<2x64xf32> {llama4.name = "tokens"},
//  CHECK-SAME:   %[[NORM:[a-z0-9]+]]: tensor<64xf32> {llama4.weight = 1 : i64},
//  CHECK-SAME:   %[[HEAD:[a-z0-9]+]]: tensor<128x64xbf16> {llama4.weight = 2 : i64})
//  CHECK-SAME:   -> (
//   CHECK-NOT:   llama4.weight_ref
//       CHECK:   return %[[NORM]], %[[NORM]], %[[HEAD]]
// CHECK-LABEL: func.func @decode
//  CHECK-SAME:   (%{{[a-z0-9]+}}: tensor<2x64xf32>) -> tensor<2x64xf32>
//   CHECK-NOT:   llama4.weight
module {
  llama4.weight @"model.embed_tokens.weight" : tensor<128x64xf32>
  llama4.weight @"model.norm.weight" : tensor<64xf32>
  llama4.weight @"lm_head.weight" : tensor<128x64xbf16>
  func.func @prefill(%tokens: tensor<2x64xf32> {llama4.name = "tokens"})
      -> (tensor<64xf32>, tensor<64xf32>, tensor<128x64xbf16>) {
    %head = llama4.weight_ref @"lm_head.weight" : tensor<128x64xbf16>
    %a = llama4.weight_ref @"model.norm.weight" : tensor<64xf32>
    %b = llama4.weight_ref @"model.norm.weight" : tensor<64xf32>
    return %a, %b, %head : tensor<64xf32>, tensor<64xf32>, tensor<128x64xbf16>
  }
  func.func @decode(%x: tensor<2x64xf32>) -> tensor<2x64xf32> {
    return %x : tensor<2x64xf32>
  }
}

// -----

// Each function gets its own arguments: the same weight read in two functions
// is an argument of each, with the same index. A read inside a loop becomes
// an argument of the enclosing function.
// CHECK:       module attributes {llama4.weights = [{name = "model.norm.weight", type = tensor<8xf32>}]}
// CHECK-LABEL: func.func @prefill
//  CHECK-SAME:   %[[W:[a-z0-9]+]]: tensor<8xf32> {llama4.weight = 0 : i64}
//       CHECK:   return %[[W]]
// CHECK-LABEL: func.func @decode
//  CHECK-SAME:   %{{[a-z0-9]+}}: index, %[[W:[a-z0-9]+]]: tensor<8xf32> {llama4.weight = 0 : i64}
//       CHECK:   scf.for
//       CHECK:     scf.yield %[[W]]
//   CHECK-NOT:   llama4.weight_ref
module {
  llama4.weight @"model.norm.weight" : tensor<8xf32>
  func.func @prefill() -> tensor<8xf32> {
    %w = llama4.weight_ref @"model.norm.weight" : tensor<8xf32>
    return %w : tensor<8xf32>
  }
  func.func @decode(%n: index) -> tensor<8xf32> {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %init = tensor.empty() : tensor<8xf32>
    %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %init) -> (tensor<8xf32>) {
      %w = llama4.weight_ref @"model.norm.weight" : tensor<8xf32>
      scf.yield %w : tensor<8xf32>
    }
    return %r : tensor<8xf32>
  }
}

// -----

// A module without weights gets an empty list, so that the manifest always
// has one.
// CHECK: module attributes {llama4.weights = []}
module {
  func.func @prefill() {
    return
  }
}
