// RUN: llama4-opt %s --llama4-hide-internal-functions | FileCheck %s

// Private definitions (an entry body, a helper added by deallocation) become
// internal; the exported wrapper and external declarations are untouched.
// CHECK-LABEL: func.func private @prefill()
//  CHECK-SAME:   attributes {llvm.linkage = #llvm.linkage<internal>}
// CHECK-LABEL: func.func private @dealloc_helper()
//  CHECK-SAME:   attributes {llvm.linkage = #llvm.linkage<internal>}
// CHECK-LABEL: func.func @llama4c_prefill()
//   CHECK-NOT:   llvm.linkage
//       CHECK: func.func private @expf(f32) -> f32{{$}}
func.func private @prefill() {
  return
}
func.func private @dealloc_helper() {
  return
}
func.func @llama4c_prefill() -> i32 {
  call @prefill() : () -> ()
  %zero = arith.constant 0 : i32
  return %zero : i32
}
func.func private @expf(f32) -> f32
