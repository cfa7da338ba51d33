// RUN: llama4-opt %s --llama4-frontend-pipeline | FileCheck %s

// The frontend pipeline verifies the model contract, then leaves one
// weight_ref per weight in each function (the builder emits one per use).
// CHECK-LABEL: func.func @prefill
// CHECK-COUNT-1: llama4.weight_ref @model.norm.weight
// CHECK-NOT:     llama4.weight_ref
// CHECK:         return
module {
  llama4.weight @"model.norm.weight" : tensor<8xf32>
  func.func @prefill(%x: tensor<2x8xf32>) -> (tensor<2x8xf32>, tensor<2xi32>) {
    %w0 = llama4.weight_ref @"model.norm.weight" : tensor<8xf32>
    %y = llama4.rms_norm %x, %w0 {eps = 1.0e-05 : f64} : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
    %w1 = llama4.weight_ref @"model.norm.weight" : tensor<8xf32>
    %z = llama4.rms_norm %y, %w1 {eps = 1.0e-05 : f64} : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
    %next = llama4.greedy_token %z : (tensor<2x8xf32>) -> tensor<2xi32>
    return %z, %next : tensor<2x8xf32>, tensor<2xi32>
  }
  func.func @decode(%x: tensor<2x8xf32>) -> (tensor<2x8xf32>, tensor<2xi32>) {
    %next = llama4.greedy_token %x : (tensor<2x8xf32>) -> tensor<2xi32>
    return %x, %next : tensor<2x8xf32>, tensor<2xi32>
  }
}
