//===- KvCacheLayout.h - The KV cache a model's entry points take -*- C++
//-*-===//
//
// One entry per cache buffer, in the order the entry functions take them
// (and the manifest lists them): for each decoder layer its keys, then its
// values, then, where they are float8 codes, the keys' and the values'
// scales (one f32 per cached vector: a width of 1). A chunked layer keeps a
// window of one chunk, [batch, kvHeads, attention_chunk_size, headDim]; a
// global layer keeps every position, in pages of `pageSize` positions from a
// pool, [pages, kvHeads, pageSize, headDim], that a block table allots to the
// rows. The entry functions' cache arguments, and their llama4.kv_cache
// attributes, are built from it; everything after (the C ABI, the manifest, the
// runtime) reads them from there.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_FRONTENDS_HF_KVCACHELAYOUT_H
#define LLAMA4C_FRONTENDS_HF_KVCACHELAYOUT_H

#include <cstdint>
#include <vector>

namespace llama4c {

struct Llama4Config;

enum class KvCacheKind { Key, Value, KeyScales, ValueScales };

/// The kind as the IR and the manifest name it: "key", "value",
/// "key_scales", "value_scales".
const char *kvCacheKindName(KvCacheKind kind);

struct KvCacheEntry {
  int64_t layer;
  KvCacheKind kind;
  int64_t kvHeads;
  int64_t window;   ///< a chunked layer's; 0 for a global layer
  int64_t pageSize; ///< a global layer's; 0 for a chunked layer
  int64_t width;    ///< the head dim; 1 for scales
};

/// The caches of `config`, a global layer's in pages of `pageSize`
/// positions, with scales beside each if `scaled`.
std::vector<KvCacheEntry> kvCacheLayout(const Llama4Config &config,
                                        int64_t pageSize, bool scaled);

} // namespace llama4c

#endif // LLAMA4C_FRONTENDS_HF_KVCACHELAYOUT_H
