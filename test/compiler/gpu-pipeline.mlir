// RUN: llama4c compile %S/../frontends/hf/Inputs/tiny-text.json --emit mlir --dtype f32 \
// RUN:   | llama4-opt --llama4-gpu-pipeline \
// RUN:   | FileCheck %s --implicit-check-not=linalg. --implicit-check-not=memref. \
// RUN:       --implicit-check-not=tensor. --implicit-check-not=llama4. \
// RUN:       --implicit-check-not=scf. --implicit-check-not=gpu.module \
// RUN:       --implicit-check-not='llvm.func {{[^{]*}}{{$}}'

// The GPU pipeline takes the tiny model (chunked and global attention, MoE
// and dense MLPs, f32) down to host LLVM that launches kernels: no linalg,
// memref, tensor, scf or llama4 op is left, every kernel is in one
// gpu.binary holding sm_90 PTX (PTX 8.0) from LLVM's NVPTX backend, and the
// only external functions of the host are the memref allocator, which the
// runtime binds to device memory (the launches become driver calls when
// the module is translated).
// CHECK:     module attributes {gpu.container_module, llama4.kv_caches = [{kind = "key", layer = 0 : i64, type = memref<?x2x8x16x{{.*}}>}, {{.*}}], llama4.weights = [{name = "model.embed_tokens.weight", {{.*}}}]} {
// CHECK:       llvm.func @_mlir_memref_to_llvm_free(!llvm.ptr){{$}}
// CHECK:       llvm.func @_mlir_memref_to_llvm_alloc(i64) -> !llvm.ptr{{$}}
// CHECK:       gpu.launch_func @llama4c_kernels::@decoder_layer_{{[a-z_0-9]+}} blocks in
// CHECK:       gpu.binary @llama4c_kernels [#gpu.object<#nvvm.target<O = 3, chip = "sm_90", features = "+ptx80">, {{.*}}assembly = "{{.*}}.version 8.0\0A.target sm_90
// CHECK:       llvm.func @llama4c_prefill(%{{[a-z0-9]+}}: !llvm.ptr) -> i32 {
// CHECK:       llvm.func @llama4c_decode(%{{[a-z0-9]+}}: !llvm.ptr) -> i32 {
