//===- Generator.cpp - Prefill, then decode, for a batch of prompts -------===//

#include "runtime/generate/Generator.h"

#include "runtime/generate/GenerationRun.h"

#include <algorithm>

namespace llama4c::runtime {

GenerateOptions::GenerateOptions()
    : kvCacheLimitBytes(KvCache::defaultLimitBytes()) {
  sampling.temperature = 0;
}

int64_t GenerateOptions::prefillChunkFor(const Manifest &manifest) const {
  if (prefillChunk)
    return prefillChunk;
  int64_t chunk = manifest.attentionChunk();
  return chunk ? chunk : kGlobalPrefillChunk;
}

Expected<Generation> generate(const Model &model, const BoundWeights &weights,
                              const std::vector<std::vector<int64_t>> &prompts,
                              const GenerateOptions &options,
                              const std::vector<RowImages> &images) {
  const Manifest &manifest = model.manifest();
  if (Expected<void> valid = validatePrompts(manifest, prompts, options);
      !valid)
    return valid.error();
  if (Expected<void> valid = validateImages(manifest, prompts, images); !valid)
    return valid.error();
  Expected<Sampler> sampler = Sampler::create(options.sampling, options.seed);
  if (!sampler)
    return sampler.error();

  std::vector<int64_t> lengths;
  for (const std::vector<int64_t> &prompt : prompts)
    lengths.push_back(int64_t(prompt.size()));
  int64_t longest = *std::max_element(lengths.begin(), lengths.end());
  Expected<KvCache> cache = KvCache::allocate(manifest, int64_t(prompts.size()),
                                              longest + options.maxNewTokens,
                                              options.kvCacheLimitBytes,
                                              model.gpu());
  if (!cache)
    return cache.error();

  GenerationRun run(model, weights, std::move(*cache), std::move(*sampler), options,
          prompts.size());
  bool sameLength = std::all_of(lengths.begin(), lengths.end(),
                                [&](int64_t n) { return n == longest; });
  if (sameLength) {
    if (Expected<void> done =
            run.prefill(prompts, 0, prompts.size(), /*start=*/0, images);
        !done)
      return done.error();
  } else {
    for (size_t row = 0; row < prompts.size(); ++row) {
      if (Expected<void> done =
              run.prefill(prompts, row, 1, /*start=*/0, images);
          !done)
        return done.error();
    }
  }
  if (Expected<void> done = run.decode(lengths); !done)
    return done.error();
  run.generation().kvCacheBytes = run.kvCache().usedBytes();
  run.generation().kvCacheInHostBytes = run.kvCache().hostBytes();
  return std::move(run.generation());
}

} // namespace llama4c::runtime
