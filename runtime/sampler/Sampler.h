//===- Sampler.h - Pick the next token from a row of logits -----*- C++ -*-===//
//
// The last step of a decode step: one row of f32 logits, [V], becomes a
// token id. Greedy decoding takes the argmax; sampling applies, in
// transformers' order, temperature, top-k and top-p (TemperatureLogitsWarper,
// TopKLogitsWarper, TopPLogitsWarper), then draws from the softmax.
//
// sampleToken is a pure function with the random number passed in, like
// llm.c's sampler, so tests can aim at any point of the distribution;
// Sampler owns a seeded generator for the runner.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_RUNTIME_SAMPLER_SAMPLER_H
#define LLAMA4C_RUNTIME_SAMPLER_SAMPLER_H

#include "llama4c/Status.h"
#include "runtime/sampler/Random.h"

#include <cstdint>

namespace llama4c::runtime {

/// Named after transformers' GenerationConfig fields; error messages use
/// those names (temperature, top_k, top_p).
struct SamplerOptions {
  /// Logits are divided by this before the softmax. 0 means greedy (the
  /// argmax, lowest token id among ties); top_k and top_p are then unused.
  double temperature = 1.0;
  /// Keep the topK most likely tokens, plus any tied with the k-th, as
  /// TopKLogitsWarper does. 0 keeps all.
  int64_t topK = 0;
  /// Then keep the smallest set of most likely tokens whose probability
  /// (renormalized after top-k) reaches topP; always at least one. 1 keeps
  /// all.
  double topP = 1.0;
};

/// Fails with "sampler: OPTION: ..." unless temperature >= 0, top_k >= 0
/// and 0 < top_p <= 1 (all finite).
Expected<void> validateSamplerOptions(const SamplerOptions &options);

/// The next token for `logits` ([vocabSize] f32), using `coin`, uniform in
/// [0, 1), as the only randomness: the kept tokens are laid out in token id
/// order on [0, 1), each over a length equal to its probability, and the
/// one under `coin` wins. Fails on invalid options, on a coin outside
/// [0, 1), on a NaN or +inf logit, or when every logit is -inf.
Expected<int64_t> sampleToken(const float *logits, int64_t vocabSize,
                              const SamplerOptions &options, double coin);

/// sampleToken driven by a seeded xoshiro256**: the same seed and logits
/// give the same tokens on every platform.
class Sampler {
public:
  /// Fails like validateSamplerOptions.
  static Expected<Sampler> create(const SamplerOptions &options, uint64_t seed);

  /// Draws one coin per call, whatever the options, so a seed names one
  /// coin sequence.
  Expected<int64_t> sample(const float *logits, int64_t vocabSize);

private:
  Sampler(const SamplerOptions &options, uint64_t seed)
      : options(options), random(seed) {}

  SamplerOptions options;
  Xoshiro256StarStar random;
};

} // namespace llama4c::runtime

#endif // LLAMA4C_RUNTIME_SAMPLER_SAMPLER_H
