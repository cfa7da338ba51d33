//===- CpuFeatures.h - Instruction sets a compiled model may need -*- C++ -*-===//
//
// A model compiled for one CPU (llama4c compile --cpu) may use instructions
// another lacks, and running them dies on SIGILL. The compiler records in
// the manifest which of these extensions its code may use; the runtime
// refuses a model that needs one the machine lacks, before running it.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_RUNTIME_SUPPORT_CPUFEATURES_H
#define LLAMA4C_RUNTIME_SUPPORT_CPUFEATURES_H

#include <string_view>

namespace llama4c::runtime {

/// The x86 extensions checked, named as LLVM's subtarget features and
/// __builtin_cpu_supports both name them: X(name) for each.
#define LLAMA4C_CPU_FEATURES(X)                                                \
  X("avx") X("avx2") X("fma") X("f16c") X("bmi") X("bmi2") X("lzcnt")          \
  X("movbe") X("avxvnni") X("avx512f") X("avx512bw") X("avx512cd")             \
  X("avx512dq") X("avx512vl") X("avx512vnni") X("avx512bf16")                  \
  X("avx512fp16") X("avx512vbmi") X("avx512vbmi2")

#define LLAMA4C_CPU_FEATURE_NAME(name) name,
inline constexpr std::string_view kCpuFeatures[] = {
    LLAMA4C_CPU_FEATURES(LLAMA4C_CPU_FEATURE_NAME)};
#undef LLAMA4C_CPU_FEATURE_NAME

/// Whether the CPU running this process has `feature`, one of kCpuFeatures
/// (false for any other name, and on other architectures).
bool cpuHasFeature(std::string_view feature);

} // namespace llama4c::runtime

#endif // LLAMA4C_RUNTIME_SUPPORT_CPUFEATURES_H
