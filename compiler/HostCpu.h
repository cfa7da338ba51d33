//===- HostCpu.h - The CPU a model's host code is compiled for --*- C++ -*-===//
//
// `llama4c compile --cpu NAME` (default `native`, the CPU compiling) names
// the x86 CPU a model's host code runs on. Resolved once here into what
// each later step reads: the target machine of the code generator, the
// vector width the CPU's register tiles are sized for and the bf16
// instructions they may use, and the instruction sets the manifest records
// for the runtime to check.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_COMPILER_HOSTCPU_H
#define LLAMA4C_COMPILER_HOSTCPU_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Target/TargetMachine.h"

#include <memory>
#include <string>
#include <vector>

namespace llama4c {

struct HostCpu {
  /// LLVM's name of the CPU: "icelake-server", "znver4", "x86-64-v3".
  std::string name;
  /// LLVM subtarget features beyond the CPU's own ("+avx2,-avx512f"): what
  /// `native` finds enabled on this machine, empty for a named CPU.
  std::string features;
  /// The extensions of runtime/support/CpuFeatures.h the code may use.
  std::vector<std::string> requiredFeatures;
  /// f32 lanes of the vectors the CPU's register tiles use: 16 where the
  /// CPU has AVX-512, else 8 (AVX2).
  int64_t vectorLanes = 8;
  /// Whether the CPU multiplies pairs of bf16 into f32 lanes in one
  /// instruction (AVX512_BF16's vdpbf16ps).
  bool bf16Pairs = false;
};

/// `requested` ("native" or an LLVM CPU name) resolved for the default
/// target triple, or an error naming --cpu.
llvm::Expected<HostCpu> resolveHostCpu(llvm::StringRef requested);

/// A code generator for `cpu`.
llvm::Expected<std::unique_ptr<llvm::TargetMachine>>
createHostMachine(const HostCpu &cpu);

} // namespace llama4c

#endif // LLAMA4C_COMPILER_HOSTCPU_H
