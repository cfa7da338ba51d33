//===- GenerationRun.h - One generation in progress -------------*- C++ -*-===//
//
// The machinery behind generate() and ChatSession: the buffers that outlive
// single model calls, the sampler, and what has been produced so far.
// prefill() runs prompt tokens from any position (a chat turn continues
// where the cache ends); decode() then feeds each row its newest token
// until every row has max_new_tokens or has stopped.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_RUNTIME_GENERATE_GENERATIONRUN_H
#define LLAMA4C_RUNTIME_GENERATE_GENERATIONRUN_H

#include "runtime/generate/Generator.h"
#include "runtime/kv-cache/KvCache.h"
#include "runtime/support/HostBuffer.h"

#include <chrono>

namespace llama4c::runtime {

/// Checks `prompts` against the model and options, naming the row and
/// position at fault; see generate().
Expected<void> validatePrompts(const Manifest &manifest,
                               const std::vector<std::vector<int64_t>> &prompts,
                               const GenerateOptions &options);

/// Checks `images` (empty, or one entry per prompt row) against the model
/// and the prompts: a row with tiles needs a multimodal model, pixel values
/// of exactly [tiles, C, I, I] in the compute type, and one run of
/// tokens_per_tile `<|patch|>` tokens per tile.
Expected<void> validateImages(const Manifest &manifest,
                              const std::vector<std::vector<int64_t>> &prompts,
                              const std::vector<RowImages> &images);

class GenerationRun {
public:
  GenerationRun(const Model &model, const BoundWeights &weights, KvCache cache,
                Sampler sampler, const GenerateOptions &options, size_t batch);

  /// Prefills rows [first, first + count), all of one length S, as calls
  /// on those rows alone, at positions start .. start + S - 1, and samples
  /// their first new tokens. The tokens go in calls of at most a prefill
  /// chunk a row (GenerateOptions::prefillChunk), each continuing the
  /// cache where the one before ended; a call ends only where every row
  /// has had whole image tiles, so it may take the rest of a tile more.
  /// `images`, when not empty, holds the tiles of every row (validated),
  /// and those of these rows go along with the calls that hold their
  /// patches.
  Expected<void> prefill(const std::vector<std::vector<int64_t>> &prompts,
                         size_t first, size_t count, int64_t start = 0,
                         const std::vector<RowImages> &images = {});

  /// Decode calls until every row has max_new_tokens tokens or stopped.
  /// `lengths` are the positions of each row's first new token.
  Expected<void> decode(const std::vector<int64_t> &lengths);

  /// Forgets the tokens of the last generation (timing adds up).
  void startTurn();

  const KvCache &kvCache() const { return cache; }
  Generation &generation() { return result; }

private:
  using Clock = std::chrono::steady_clock;

  /// The tokens [from, to) of each row of a prefill, as one call.
  struct PrefillPiece {
    int64_t from, to;
    /// Whether it holds the rows' last tokens (then it samples).
    bool last;
  };

  /// Where the call starting at token `from` of rows [first, first +
  /// count) ends: a prefill chunk of tokens on, or later at the end of a
  /// tile's patches.
  int64_t pieceEnd(const std::vector<std::vector<int64_t>> &prompts,
                   size_t first, size_t count, int64_t from) const;
  Expected<void> prefillPiece(const std::vector<std::vector<int64_t>> &prompts,
                              size_t first, size_t count, int64_t start,
                              const PrefillPiece &piece,
                              const std::vector<RowImages> &images);

  llama4c_call makeCall(const std::vector<int32_t> &tokens,
                        const std::vector<int32_t> &positions, int64_t batch,
                        int64_t seq, const KvCacheView &kvCache,
                        const HostBuffer &logits,
                        const std::vector<uint8_t> *pixels = nullptr,
                        int64_t tiles = 0) const;
  /// Whether the model picks each row's next token itself (greedy, the
  /// logits not kept): a call then returns token ids, not logits.
  bool greedyOnModel() const;
  /// Samples row `row`'s next token from `logits` ([V]) and appends it.
  Expected<void> sampleNext(size_t row, const float *logits);
  /// Appends `token`, the model's greedy pick for row `row` (-1: none).
  Expected<void> takeGreedy(size_t row, int32_t token);
  /// Appends row `row`'s next token.
  Expected<void> append(size_t row, int64_t token);
  bool allStopped() const;
  static double secondsSince(Clock::time_point start);

  const Model &model;
  const BoundWeights &weights;
  KvCache cache;
  Sampler sampler;
  const GenerateOptions &options;
  std::vector<bool> stopped; // [B]
  Generation result;
};

} // namespace llama4c::runtime

#endif // LLAMA4C_RUNTIME_GENERATE_GENERATIONRUN_H
