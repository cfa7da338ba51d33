// RUN: llama4-opt %s --split-input-file --verify-diagnostics --llama4-convert-to-linalg | FileCheck %s

// What the pass does as a whole; each op family's rewrite has its own file
// (convert-to-linalg-<family>.mlir).

// Weights are left for --llama4-outline-weights: the declaration and the
// weight_ref stay, and the ref feeds the lowered norm.
// CHECK: llama4.weight @model.norm.weight : tensor<64xf32>
// CHECK-LABEL: func.func @keeps_weights_for_outlining
//       CHECK:   %[[W:.*]] = llama4.weight_ref @model.norm.weight : tensor<64xf32>
//       CHECK:   linalg.generic {{.*}} ins(%{{.*}}, %{{.*}}, %[[W]] :
//   CHECK-NOT:   llama4.rms_norm
llama4.weight @"model.norm.weight" : tensor<64xf32>
func.func @keeps_weights_for_outlining(%x: tensor<?x?x64xf32>) -> tensor<?x?x64xf32> {
  %w = llama4.weight_ref @"model.norm.weight" : tensor<64xf32>
  %y = llama4.rms_norm %x, %w {eps = 1.000000e-05 : f64}
      : (tensor<?x?x64xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
  return %y : tensor<?x?x64xf32>
}

// -----

// Ops of one block lower together, each value flowing into the next rewrite:
// no llama4 op is left.
// CHECK-LABEL: func.func @lowers_a_chain_of_ops
//   CHECK-NOT:   llama4.
//       CHECK:   return
func.func @lowers_a_chain_of_ops(%ids: tensor<?x?xi32>, %table: tensor<128x64xf32>,
    %norm: tensor<64xf32>, %head: tensor<128x64xf32>) -> tensor<?x?x128xf32> {
  %h = llama4.embed_tokens %ids, %table
      : (tensor<?x?xi32>, tensor<128x64xf32>) -> tensor<?x?x64xf32>
  %n = llama4.rms_norm %h, %norm {eps = 1.000000e-05 : f64}
      : (tensor<?x?x64xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
  %logits = llama4.lm_head %n, %head
      : (tensor<?x?x64xf32>, tensor<128x64xf32>) -> tensor<?x?x128xf32>
  return %logits : tensor<?x?x128xf32>
}

// -----

// An op whose pattern declines (here: the head count, which the lowering
// loops over, is dynamic) is left in place; the pass fails and names it.
func.func @declined_op_is_reported(%q: tensor<?x17x?x8xf32>, %k: tensor<?x17x?x8xf32>,
    %v: tensor<?x17x?x8xf32>) -> tensor<?x17x?x8xf32> {
  // expected-error @+1 {{'llama4.vision_attention' op was not lowered to linalg: a dimension its lowering needs static is dynamic}}
  %o = llama4.vision_attention %q, %k, %v {scale = 3.500000e-01 : f64}
      : (tensor<?x17x?x8xf32>, tensor<?x17x?x8xf32>, tensor<?x17x?x8xf32>) -> tensor<?x17x?x8xf32>
  return %o : tensor<?x17x?x8xf32>
}

// -----

// Every op left over is reported, not only the first, also when it reads the
// result of an op that did lower.
func.func @reports_each_op_left_over(%x: tensor<?x17x?x8xf32>, %w: tensor<8xf32>)
    -> tensor<?x17x?x8xf32> {
  %n = llama4.rms_norm %x, %w {eps = 1.000000e-05 : f64}
      : (tensor<?x17x?x8xf32>, tensor<8xf32>) -> tensor<?x17x?x8xf32>
  // expected-error @+1 {{'llama4.vision_attention' op was not lowered to linalg}}
  %a = llama4.vision_attention %n, %n, %n {scale = 3.500000e-01 : f64}
      : (tensor<?x17x?x8xf32>, tensor<?x17x?x8xf32>, tensor<?x17x?x8xf32>) -> tensor<?x17x?x8xf32>
  // expected-error @+1 {{'llama4.vision_attention' op was not lowered to linalg}}
  %b = llama4.vision_attention %x, %x, %x {scale = 3.500000e-01 : f64}
      : (tensor<?x17x?x8xf32>, tensor<?x17x?x8xf32>, tensor<?x17x?x8xf32>) -> tensor<?x17x?x8xf32>
  %sum = arith.addf %a, %b : tensor<?x17x?x8xf32>
  return %sum : tensor<?x17x?x8xf32>
}
