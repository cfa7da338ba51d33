//===- KvCacheLayout.cpp - The KV cache a model's entry points take -------===//

#include "frontends/hf/KvCacheLayout.h"

#include "frontends/hf/Llama4Config.h"

using namespace llama4c;

const char *llama4c::kvCacheKindName(KvCacheKind kind) {
  switch (kind) {
  case KvCacheKind::Key:
    return "key";
  case KvCacheKind::Value:
    return "value";
  case KvCacheKind::KeyScales:
    return "key_scales";
  case KvCacheKind::ValueScales:
    return "value_scales";
  }
  return "";
}

std::vector<KvCacheEntry> llama4c::kvCacheLayout(const Llama4Config &config,
                                                 int64_t pageSize,
                                                 bool scaled) {
  const Llama4TextConfig &text = config.text;
  std::vector<KvCacheEntry> layout;
  for (int64_t layer = 0; layer < text.numHiddenLayers; ++layer) {
    bool chunked = text.layers[layer].isChunked;
    int64_t window = chunked ? *text.attentionChunkSize : 0;
    auto add = [&](KvCacheKind kind, int64_t width) {
      layout.push_back({layer, kind, text.numKeyValueHeads, window,
                        chunked ? 0 : pageSize, width});
    };
    add(KvCacheKind::Key, text.headDim);
    add(KvCacheKind::Value, text.headDim);
    if (scaled) {
      add(KvCacheKind::KeyScales, 1);
      add(KvCacheKind::ValueScales, 1);
    }
  }
  return layout;
}
