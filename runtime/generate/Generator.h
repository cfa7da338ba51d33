//===- Generator.h - Prefill, then decode, a batch of prompts ---*- C++ -*-===//
//
// The runtime's top level: a loaded Model, its BoundWeights and a batch of
// prompts in; new tokens per row out. generate() validates the prompts,
// allocates a KvCache for context = longest prompt + max_new_tokens, runs
// the prefill, samples each row's first new token from the logits of its
// last prompt position, then runs batched decode calls (seq 1, row b at
// position = its current length) for the remaining tokens.
//
// Prompts of equal length share one prefill call. Otherwise each row is
// prefilled alone (batch 1, kv_cache pointing at that row's slice of each
// buffer), since a batched call has one sequence length; decode batches
// them again, each row at its own position.
//
// Stop ids: a row ends with the first stop id it samples (reported, as
// transformers does with eos). Until every row has stopped, a stopped row
// keeps decoding its stop id in the batch, but nothing it produces after
// the stop is sampled or reported; so rows may come back shorter than
// max_new_tokens, and decode steps stop once all rows have stopped.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_RUNTIME_GENERATE_GENERATOR_H
#define LLAMA4C_RUNTIME_GENERATE_GENERATOR_H

#include "llama4c/Status.h"
#include "runtime/loader/Model.h"
#include "runtime/loader/WeightBinding.h"
#include "runtime/sampler/Sampler.h"

#include <cstdint>
#include <functional>
#include <vector>

namespace llama4c::runtime {

/// The image tiles of one prompt row: pixel values [tiles, C, I, I] in the
/// model's compute type (Manifest::dtype), as the image processor makes
/// them. Tile t fills the row's t-th run of tokens_per_tile `<|patch|>`
/// tokens.
struct RowImages {
  std::vector<uint8_t> pixels;
  int64_t tiles = 0;
};

/// Called with each token as soon as it is sampled, stop ids included; an
/// error it returns ends the generation with that error.
using TokenCallback = std::function<Expected<void>(size_t row, int64_t token)>;

struct GenerateOptions {
  GenerateOptions();

  int64_t maxNewTokens = 16;
  /// Longest prompt accepted; 0 for no limit but max_position_embeddings.
  int64_t maxPromptTokens = 0;
  /// Greedy by default.
  SamplerOptions sampling;
  uint64_t seed = 0;
  /// Token ids that end a row, such as Manifest::eosTokenIds.
  std::vector<int64_t> stopTokenIds;
  /// Keep every call's logits in the Generation (for tests and dumps).
  bool keepLogits = false;
  /// The most prompt tokens of a row one prefill call takes: a longer
  /// prompt goes in calls of this many, each continuing the KV cache, so
  /// that the activations' memory is that of this many tokens however long
  /// the prompt. The logits are the same either way. 0 takes the model's
  /// attention chunk (a chunked layer's call then sees the keys of about
  /// one chunk; Scout's is 8192), or kGlobalPrefillChunk without one.
  int64_t prefillChunk = 0;
  static constexpr int64_t kGlobalPrefillChunk = 8192;
  /// prefillChunk, or for 0 the default for `manifest`'s model.
  int64_t prefillChunkFor(const Manifest &manifest) const;
  /// Largest KV cache allocated, in bytes; KvCache::defaultLimitBytes().
  uint64_t kvCacheLimitBytes;
  /// For streaming; may be empty.
  TokenCallback onToken;
};

/// Seconds spent inside the model's entry points, and the tokens they
/// processed: prompt tokens for the prefill, batch x decode steps for
/// decode (stopped rows included: the model computes them all the same).
struct GenerationTiming {
  int64_t prefillTokens = 0;
  /// Prefill calls: a prompt longer than prefillChunk takes several.
  int64_t prefillCalls = 0;
  double prefillSeconds = 0;
  int64_t decodeTokens = 0;
  double decodeSeconds = 0;
};

struct Generation {
  /// [B][<= max_new_tokens]: the new tokens of each row.
  std::vector<std::vector<int64_t>> tokens;
  /// Number of decode calls made (max_new_tokens - 1, or fewer when every
  /// row stopped early).
  int64_t decodeSteps = 0;
  /// keepLogits only, f32, V = vocab_size: per row [S_row, V], the
  /// prefill's logits for every prompt position.
  std::vector<std::vector<float>> prefillLogits;
  /// keepLogits only: per row [decodeSteps, V]; step t is the decode call
  /// that fed new token t of the row, so it scored new token t + 1. (New
  /// token 0 comes from the prefill's last position.)
  std::vector<std::vector<float>> decodeLogits;
  GenerationTiming timing;
  /// The KV cache that holds positions: every row's windows and the pages
  /// allotted to it; and what a GPU model's holds in host memory.
  uint64_t kvCacheBytes = 0;
  uint64_t kvCacheInHostBytes = 0;
};

/// Runs `prompts` (token ids, one vector per row, lengths may differ)
/// through `model`. Fails before any model call, naming the row and
/// position, on an empty batch or prompt, a token id outside [0,
/// vocab_size), a prompt over maxPromptTokens, or prompt length +
/// max_new_tokens over max_position_embeddings; later on KV cache or logits
/// allocation, a model call's non-zero status, or a sampler error.
/// `images` is empty, or holds each row's image tiles (see validateImages).
Expected<Generation> generate(const Model &model, const BoundWeights &weights,
                              const std::vector<std::vector<int64_t>> &prompts,
                              const GenerateOptions &options,
                              const std::vector<RowImages> &images = {});

} // namespace llama4c::runtime

#endif // LLAMA4C_RUNTIME_GENERATE_GENERATOR_H
