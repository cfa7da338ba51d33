// RUN: llama4c compile %S/../frontends/hf/Inputs/tiny-text.json --emit mlir --dtype f32 \
// RUN:   | llama4-opt --llama4-cpu-pipeline \
// RUN:   | FileCheck %s --implicit-check-not=linalg. --implicit-check-not=memref. \
// RUN:       --implicit-check-not=tensor. --implicit-check-not=llama4. \
// RUN:       --implicit-check-not=memrefCopy --implicit-check-not='llvm.func {{[^{]*}}{{$}}'

// The CPU pipeline takes a whole tiny model (4 layers: chunked and global
// attention, MoE and dense MLPs, f32) down to the LLVM dialect: no linalg,
// memref, tensor or llama4 op is left (the implicit CHECK-NOTs), and the only
// external functions (bodiless llvm.func) are malloc and free, so that the
// model needs neither MLIR's runner library (memrefCopy) nor any allocator
// but libc's. The manifest's weight and KV cache lists survive as module
// attributes. The entry functions are internal; the exported ABI is
// llama4c_prefill and llama4c_decode, each calling its entry function. (Plain CHECKs rather than
// a DAG group: FileCheck applies no implicit NOTs right after a DAG group.)

// CHECK:     module attributes {llama4.kv_caches = [{kind = "key", layer = 0 : i64, type = memref<?x2x8x16x{{.*}}>}, {{.*}}], llama4.weights = [{name = "model.embed_tokens.weight", {{.*}}}]} {
// CHECK:       llvm.func @free(!llvm.ptr){{$}}
// CHECK:       llvm.func @malloc(i64) -> !llvm.ptr{{$}}
// CHECK:       llvm.func internal @prefill(
// CHECK:       llvm.func internal @decode(
// CHECK:       llvm.func @llama4c_prefill(%{{[a-z0-9]+}}: !llvm.ptr) -> i32 {
// CHECK:         llvm.call @prefill(
// CHECK:       llvm.func @llama4c_decode(%{{[a-z0-9]+}}: !llvm.ptr) -> i32 {
// CHECK:         llvm.call @decode(
