//===- KvCacheLayout.cpp - The KV cache a model's entry points take -------===//

#include "frontends/hf/KvCacheLayout.h"

#include "frontends/hf/Llama4Config.h"

using namespace llama4c;

std::vector<KvCacheEntry> llama4c::kvCacheLayout(const Llama4Config &config,
                                                 int64_t pageSize) {
  const Llama4TextConfig &text = config.text;
  std::vector<KvCacheEntry> layout;
  for (int64_t layer = 0; layer < text.numHiddenLayers; ++layer) {
    bool chunked = text.layers[layer].isChunked;
    int64_t window = chunked ? *text.attentionChunkSize : 0;
    for (bool isKey : {true, false})
      layout.push_back({layer, isKey, text.numKeyValueHeads, window,
                        chunked ? 0 : pageSize, text.headDim});
  }
  return layout;
}
