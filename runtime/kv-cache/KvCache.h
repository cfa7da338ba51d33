//===- KvCache.h - The key and value caches of one generation ---*- C++ -*-===//
//
// One zero-filled buffer per manifest "kv_cache" entry, in manifest order,
// each [B, kv_heads, slots, head_dim] in the model's compute type (f32 or
// bf16), where slots is the entry's window for a chunked layer or, for a
// global layer (slots 0), the context the caller asked for. The model
// writes them in place; the runtime only allocates them and hands out
// pointers.
//
// For a GPU model the buffers are device memory of its GPU.
//
// B is the outermost dimension, so row b of every buffer is one contiguous
// [1, kv_heads, slots, head_dim] slice: row(b) gives the pointer array of a
// batch-1 call that sees only that row, as a per-row prefill needs.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_RUNTIME_KV_CACHE_KVCACHE_H
#define LLAMA4C_RUNTIME_KV_CACHE_KVCACHE_H

#include "llama4c/Status.h"
#include "runtime/gpu/GpuDevice.h"
#include "runtime/loader/Manifest.h"
#include "runtime/support/HostBuffer.h"

#include <cstdint>
#include <vector>

namespace llama4c::runtime {

class KvCache {
public:
  /// 75% of physical memory: the default for allocate's `limitBytes`.
  static uint64_t defaultLimitBytes();

  /// The caches of `manifest` for `batch` rows and `context` positions.
  /// Fails, naming the batch, context and total size, when the sizes
  /// overflow, exceed `limitBytes`, or cannot be allocated:
  /// "kv cache: batch 4, context 1000: needs 12.5 MiB, over the limit of
  /// 10.0 MiB".
  static Expected<KvCache> allocate(const Manifest &manifest, int64_t batch,
                                    int64_t context, uint64_t limitBytes,
                                    GpuDevice *gpu = nullptr);

  /// For llama4c_call.kv_cache: every buffer, all rows.
  void *const *buffers() const { return pointers.data(); }
  /// For llama4c_call.cache_slots.
  int64_t cacheSlots() const { return context; }
  int64_t batch() const { return rows; }
  /// The same buffers, each advanced to row `b` ([1, kv_heads, slots,
  /// head_dim]), for a batch-1 call on that row.
  std::vector<void *> row(int64_t b) const;
  uint64_t totalBytes() const { return total; }

private:
  std::vector<HostBuffer> storage;
  std::vector<DeviceBuffer> deviceStorage;
  std::vector<void *> pointers;
  std::vector<uint64_t> rowBytes; // per buffer
  int64_t rows = 0;
  int64_t context = 0;
  uint64_t total = 0;
};

} // namespace llama4c::runtime

#endif // LLAMA4C_RUNTIME_KV_CACHE_KVCACHE_H
