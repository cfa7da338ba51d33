//===- CpuFeatures.cpp - Instruction sets of this machine's CPU -----------===//

#include "runtime/support/CpuFeatures.h"

namespace llama4c::runtime {

bool cpuHasFeature(std::string_view feature) {
#if defined(__x86_64__) || defined(__i386__)
  // __builtin_cpu_supports takes string literals only.
#define LLAMA4C_CPU_FEATURE(name)                                              \
  if (feature == name)                                                         \
    return __builtin_cpu_supports(name);
  LLAMA4C_CPU_FEATURES(LLAMA4C_CPU_FEATURE)
#undef LLAMA4C_CPU_FEATURE
#endif
  (void)feature;
  return false;
}

} // namespace llama4c::runtime
