//===- CompileOptions.h - What one compile is asked to do -------*- C++ -*-===//

#ifndef LLAMA4C_COMPILER_COMPILEOPTIONS_H
#define LLAMA4C_COMPILER_COMPILEOPTIONS_H

#include "compiler/Phases.h"
#include "frontends/hf/BuildLlama4Module.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/ErrorHandling.h"

#include <optional>
#include <string>

namespace llama4c {

enum class Target { Cpu, Sm80, Sm90 };

/// A target's name on the command line and in the manifest, which is also
/// the NVPTX chip of a GPU target.
inline llvm::StringRef targetName(Target target) {
  switch (target) {
  case Target::Cpu:
    return "cpu";
  case Target::Sm80:
    return "sm_80";
  case Target::Sm90:
    return "sm_90";
  }
  llvm_unreachable("a target of CompileOptions");
}

struct CompileOptions {
  std::string configPath;
  /// Where the emitted phase goes; "-" is standard output.
  std::string outputPath = "-";
  Target target = Target::Cpu;
  /// A GPU target's kernels compiled for the host CPU (blocks on OpenMP
  /// threads, threads as loops), so that they run, and are tested, without
  /// a GPU.
  bool emulate = false;
  /// The CPU the host code is compiled for: "native" (this machine's) or
  /// an LLVM CPU name (compiler/HostCpu.h).
  std::string cpu = "native";
  Phase emit = Phase::So;
  /// Unset: config.json's torch_dtype decides (float32 gives f32, bfloat16
  /// and float16 give bf16).
  std::optional<ComputeType> computeType;
  /// A YAML tile schedule overriding the target's defaults; empty for none.
  std::string pipelinePath;
  /// Positions per page of a global layer's KV cache (BuildOptions).
  int64_t kvPageSize = BuildOptions().kvPageSize;
  /// What the KV caches hold (BuildOptions).
  KvCacheType kvCacheType = KvCacheType::Compute;
  /// --emit report: the prompt length S of its prefill (and the context of
  /// its decode steps) and the batch of its second decode step.
  int64_t reportTokens = 2048;
  int64_t reportBatch = 8;
};

} // namespace llama4c

#endif // LLAMA4C_COMPILER_COMPILEOPTIONS_H
