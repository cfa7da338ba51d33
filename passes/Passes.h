//===- Passes.h - Registration of every llama4c pass ------------*- C++ -*-===//

#ifndef LLAMA4C_PASSES_PASSES_H
#define LLAMA4C_PASSES_PASSES_H

namespace llama4c {

/// Registers every llama4c pass with the global registry, for llama4-opt and
/// textual pipelines.
void registerLlama4Passes();

} // namespace llama4c

#endif // LLAMA4C_PASSES_PASSES_H
