//===- Sampler.cpp - Pick the next token from a row of logits -------------===//
//
// Sizes: V = vocabulary size, K = tokens kept by top-k. Sampling costs O(V)
// without truncation or with top-k alone, O(V + K log K) with top-k and
// top-p, and O(V log V) with top-p alone (it sorts the whole vocabulary, as
// TopPLogitsWarper does). Probabilities are computed in double; transformers
// uses f32, so the two can disagree only on a token whose cumulative
// probability lands within f32 rounding of 1 - top_p.
//
//===----------------------------------------------------------------------===//

#include "runtime/sampler/Sampler.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <string>
#include <vector>

namespace llama4c::runtime {

namespace {

/// A token still in the running and its temperature-scaled logit, shifted
/// so the largest is 0: (logit - max) / T never overflows, even for tiny T.
struct Candidate {
  int64_t token;
  double logit;
};

std::string formatNumber(double value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%g", value);
  return text;
}

/// Larger logit first; equal logits in token id order, so every ordering
/// below is fully determined (std::sort alone is not stable).
bool moreLikely(const Candidate &a, const Candidate &b) {
  return a.logit != b.logit ? a.logit > b.logit : a.token < b.token;
}

bool byToken(const Candidate &a, const Candidate &b) {
  return a.token < b.token;
}

/// TopKLogitsWarper: keep every token whose logit is >= the k-th largest,
/// so ties at the boundary all survive. Keeps token id order.
void keepTopK(std::vector<Candidate> &candidates, int64_t topK) {
  std::vector<double> logits(candidates.size());
  for (size_t i = 0; i < candidates.size(); ++i)
    logits[i] = candidates[i].logit;
  std::nth_element(logits.begin(), logits.begin() + (topK - 1), logits.end(),
                   std::greater<double>());
  double kthLogit = logits[topK - 1];
  candidates.erase(
      std::remove_if(candidates.begin(), candidates.end(),
                     [&](const Candidate &c) { return c.logit < kthLogit; }),
      candidates.end());
}

/// TopPLogitsWarper: in ascending order of probability, drop tokens while
/// the cumulative probability (this token included) stays <= 1 - top_p;
/// the most likely token always stays. Returns the rest in token id order.
void keepTopP(std::vector<Candidate> &candidates, double topP) {
  std::sort(candidates.begin(), candidates.end(), moreLikely);
  double total = 0;
  for (const Candidate &c : candidates)
    total += std::exp(c.logit);
  double dropped = 0;
  size_t keep = candidates.size();
  while (keep > 1) {
    double withNext = dropped + std::exp(candidates[keep - 1].logit) / total;
    if (withNext > 1 - topP)
      break;
    dropped = withNext;
    --keep;
  }
  candidates.resize(keep);
  std::sort(candidates.begin(), candidates.end(), byToken);
}

/// The candidate under `coin` when each covers a share of [0, 1) equal to
/// its probability, in order. Rounding can leave coin * total past the last
/// cumulative weight; the last token with any weight takes that sliver.
int64_t pickUnderCoin(const std::vector<Candidate> &candidates, double coin) {
  double total = 0;
  for (const Candidate &c : candidates)
    total += std::exp(c.logit);
  double target = coin * total, cumulative = 0;
  int64_t lastWithWeight = candidates.front().token;
  for (const Candidate &c : candidates) {
    double weight = std::exp(c.logit);
    if (weight == 0)
      continue;
    cumulative += weight;
    lastWithWeight = c.token;
    if (target < cumulative)
      return c.token;
  }
  return lastWithWeight;
}

} // namespace

Expected<void> validateSamplerOptions(const SamplerOptions &options) {
  if (!std::isfinite(options.temperature) || options.temperature < 0)
    return Error("sampler: temperature: must be a finite number >= 0, got " +
                 formatNumber(options.temperature));
  if (options.topK < 0)
    return Error("sampler: top_k: must be >= 0 (0 keeps all tokens), got " +
                 std::to_string(options.topK));
  if (!(options.topP > 0 && options.topP <= 1))
    return Error("sampler: top_p: must be in (0, 1], got " +
                 formatNumber(options.topP));
  return {};
}

Expected<int64_t> sampleToken(const float *logits, int64_t vocabSize,
                              const SamplerOptions &options, double coin) {
  if (Expected<void> valid = validateSamplerOptions(options); !valid)
    return valid.error();
  if (vocabSize <= 0)
    return Error("sampler: vocab_size: must be positive, got " +
                 std::to_string(vocabSize));
  if (!(coin >= 0 && coin < 1))
    return Error("sampler: coin: must be in [0, 1), got " + formatNumber(coin));

  // Pass 1: reject what no softmax can use and find the argmax (the first
  // of equal maxima, as torch.argmax returns).
  int64_t argmax = -1;
  for (int64_t v = 0; v < vocabSize; ++v) {
    float logit = logits[v];
    if (std::isnan(logit) || logit == std::numeric_limits<float>::infinity())
      return Error("sampler: logits[" + std::to_string(v) +
                   "]: must not be NaN or +inf, got " + formatNumber(logit));
    if (logit != -std::numeric_limits<float>::infinity() &&
        (argmax < 0 || logit > logits[argmax]))
      argmax = v;
  }
  if (argmax < 0)
    return Error("sampler: logits: every one of the " +
                 std::to_string(vocabSize) + " logits is -inf");
  if (options.temperature == 0)
    return argmax;

  // Pass 2: temperature. Masked (-inf) tokens have probability 0 and are
  // left out from the start.
  double maxLogit = logits[argmax];
  std::vector<Candidate> candidates;
  candidates.reserve(size_t(vocabSize));
  for (int64_t v = 0; v < vocabSize; ++v)
    if (logits[v] != -std::numeric_limits<float>::infinity())
      candidates.push_back(
          Candidate{v, (double(logits[v]) - maxLogit) / options.temperature});

  // Pass 3: truncation, then the draw.
  if (options.topK > 0 && size_t(options.topK) < candidates.size())
    keepTopK(candidates, options.topK);
  if (options.topP < 1)
    keepTopP(candidates, options.topP);
  return pickUnderCoin(candidates, coin);
}

Expected<Sampler> Sampler::create(const SamplerOptions &options,
                                  uint64_t seed) {
  if (Expected<void> valid = validateSamplerOptions(options); !valid)
    return valid.error();
  return Sampler(options, seed);
}

Expected<int64_t> Sampler::sample(const float *logits, int64_t vocabSize) {
  return sampleToken(logits, vocabSize, options, random.nextDouble());
}

} // namespace llama4c::runtime
