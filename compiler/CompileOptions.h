//===- CompileOptions.h - What one compile is asked to do -------*- C++ -*-===//

#ifndef LLAMA4C_COMPILER_COMPILEOPTIONS_H
#define LLAMA4C_COMPILER_COMPILEOPTIONS_H

#include "compiler/Phases.h"
#include "frontends/hf/BuildLlama4Module.h"

#include <optional>
#include <string>

namespace llama4c {

enum class Target { Cpu, Sm80, Sm90 };

struct CompileOptions {
  std::string configPath;
  /// Where the emitted phase goes; "-" is standard output.
  std::string outputPath = "-";
  Target target = Target::Cpu;
  Phase emit = Phase::So;
  /// Unset: config.json's torch_dtype decides (float32 gives f32, bfloat16
  /// and float16 give bf16).
  std::optional<ComputeType> computeType;
  /// A YAML tile schedule overriding the target's defaults; empty for none.
  std::string pipelinePath;
};

} // namespace llama4c

#endif // LLAMA4C_COMPILER_COMPILEOPTIONS_H
