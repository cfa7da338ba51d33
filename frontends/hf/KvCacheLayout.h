//===- KvCacheLayout.h - The KV cache a model's entry points take -*- C++
//-*-===//
//
// One entry per cache buffer, in the order the entry functions take them
// (and the manifest lists them): for each decoder layer its keys, then its
// values. A chunked layer keeps a window of one chunk, [batch, kvHeads,
// attention_chunk_size, headDim]; a global layer keeps every position, in
// pages of `pageSize` positions from a pool, [pages, kvHeads, pageSize,
// headDim], that a block table allots to the rows. The entry functions'
// cache arguments, and their llama4.kv_cache attributes, are built from
// it; everything after (the C ABI, the manifest, the runtime) reads them
// from there.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_FRONTENDS_HF_KVCACHELAYOUT_H
#define LLAMA4C_FRONTENDS_HF_KVCACHELAYOUT_H

#include <cstdint>
#include <vector>

namespace llama4c {

struct Llama4Config;

struct KvCacheEntry {
  int64_t layer;
  bool isKey;
  int64_t kvHeads;
  int64_t window;   ///< a chunked layer's; 0 for a global layer
  int64_t pageSize; ///< a global layer's; 0 for a chunked layer
  int64_t headDim;
};

/// The caches of `config`, a global layer's in pages of `pageSize`
/// positions.
std::vector<KvCacheEntry> kvCacheLayout(const Llama4Config &config,
                                        int64_t pageSize);

} // namespace llama4c

#endif // LLAMA4C_FRONTENDS_HF_KVCACHELAYOUT_H
