//===- KvCacheLayout.h - The KV cache a model's entry points take -*- C++ -*-===//
//
// One entry per cache buffer, in the order the entry functions take them
// (and the manifest lists them): for each decoder layer its keys, then its
// values, each [batch, kvHeads, slots, headDim]. A chunked layer keeps one
// chunk (slots = attention_chunk_size); a global layer keeps every position
// (slots = 0: the caller's context length). The entry functions' cache
// arguments are built from it; everything after (the C ABI, the manifest,
// the runtime) reads them from there.
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
  int64_t slots; ///< 0 for a global layer
  int64_t headDim;
};

std::vector<KvCacheEntry> kvCacheLayout(const Llama4Config &config);

} // namespace llama4c

#endif // LLAMA4C_FRONTENDS_HF_KVCACHELAYOUT_H
