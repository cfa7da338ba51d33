//===- GenerationConfig.h - A checkpoint's generation defaults --*- C++ -*-===//
//
// generation_config.json says how the model is meant to be sampled and
// when it stops; transformers' generate() reads it, and so does llama4-run,
// with transformers' defaults for whatever the file leaves out: no
// sampling unless do_sample, then temperature 1, top_k 50, top_p 1.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_RUNTIME_GENERATE_GENERATIONCONFIG_H
#define LLAMA4C_RUNTIME_GENERATE_GENERATIONCONFIG_H

#include "llama4c/Status.h"
#include "runtime/sampler/Sampler.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace llama4c::runtime {

struct GenerationConfig {
  /// Greedy (temperature 0) unless do_sample.
  SamplerOptions sampling;
  /// eos_token_id, one or several; empty when the file names none.
  std::vector<int64_t> eosTokenIds;
  std::optional<int64_t> maxNewTokens;
};

/// Reads DIR/generation_config.json; without one, greedy decoding and no
/// eos ids. Errors name the file and the field: "DIR/generation_config.json:
/// top_p: expected a number, got \"high\"".
Expected<GenerationConfig> readGenerationConfig(const std::string &dir);

} // namespace llama4c::runtime

#endif // LLAMA4C_RUNTIME_GENERATE_GENERATIONCONFIG_H
