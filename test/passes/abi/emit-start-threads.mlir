// RUN: llama4-opt %s --split-input-file --verify-diagnostics --llama4-emit-start-threads | FileCheck %s

// A host model exports llama4c_start_threads: one empty parallel region,
// which starts libomp and its threads, then 0.
// CHECK-LABEL: func.func @llama4c_start_threads() -> i32 {
//  CHECK-NEXT:   omp.parallel {
//  CHECK-NEXT:     omp.terminator
//  CHECK-NEXT:   }
//  CHECK-NEXT:   %[[OK:.*]] = arith.constant 0 : i32
//  CHECK-NEXT:   return %[[OK]] : i32
module {
  func.func @llama4c_prefill(%call: !llvm.ptr) -> i32 {
    %c0 = arith.constant 0 : i32
    return %c0 : i32
  }
}

// -----

// expected-error @+1 {{llama4c_start_threads is already defined}}
module {
  func.func @llama4c_start_threads() -> i32 {
    %c0 = arith.constant 0 : i32
    return %c0 : i32
  }
}
