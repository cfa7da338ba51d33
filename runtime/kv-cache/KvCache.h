//===- KvCache.h - The key and value caches of one generation ---*- C++ -*-===//
//
// One zero-filled buffer per manifest "kv_cache" entry, in manifest order,
// of its dtype (the compute type, or f8_e4m3 codes and f32 scales; zeros
// are a valid empty cache in each): a chunked layer's window
// [B, kv_heads, window, head_dim], and a global layer's pool of pages
// [pages, kv_heads, page_size, head_dim] with enough pages for every row's
// context. A block table [B, T] says which pages hold a row's positions:
// reserve() allots the pages a call will write, from a list of free ones,
// as the row grows, so rows of any length share one pool. The model
// writes the buffers in place; the runtime only allocates them, allots
// pages and hands out pointers.
//
// For a GPU model the buffers are device memory of its GPU, within its
// budget (GpuDevice::cacheRoom): the windows must fit, and the pools that
// do not stay in pinned host memory the kernels read and write across the
// bus. The block table stays on the host, and the GPU runtime copies it
// in with each call's other inputs.
//
// B is the outermost dimension of the windows and of the block table, so
// consecutive rows are one contiguous slice of each: rowsFrom(first) is
// what a call on some rows alone passes, as a per-row prefill does.
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

/// What a call on some rows passes of the caches: llama4c_call's
/// kv_cache, block_table, block_table_width and kv_pages.
struct KvCacheView {
  std::vector<void *> buffers;
  const int32_t *blockTable = nullptr; // null without global layers
  int64_t tableWidth = 0;
  int64_t pages = 0;
};

class KvCache {
public:
  /// 75% of physical memory: the default for allocate's `limitBytes`.
  static uint64_t defaultLimitBytes();

  /// The caches of `manifest` for `batch` rows of up to `context`
  /// positions. Fails, naming the batch, context and total size, when the
  /// sizes overflow, exceed `limitBytes`, or cannot be allocated:
  /// "kv cache: batch 4, context 1000: needs 12.5 MiB, over the limit of
  /// 10.0 MiB, which holds 800 positions".
  static Expected<KvCache> allocate(const Manifest &manifest, int64_t batch,
                                    int64_t context, uint64_t limitBytes,
                                    GpuDevice *gpu = nullptr);

  /// Allots rows [first, first + count) the pages that hold their
  /// positions below `end` (at most the context), those they lack taken
  /// from the free pages.
  Expected<void> reserve(int64_t first, int64_t count, int64_t end);
  /// The rows from `first` on, for a call on some of them alone (its
  /// batch says how many).
  KvCacheView rowsFrom(int64_t first) const;

  int64_t batch() const { return rowCount; }
  /// The positions a row may hold.
  int64_t context() const { return positions; }
  /// Bytes allocated: every window, and every page of the pools.
  uint64_t totalBytes() const { return total; }
  /// Bytes that hold positions: every window, and the pages allotted.
  uint64_t usedBytes() const;
  /// Bytes of a GPU model's pools left in host memory.
  uint64_t hostBytes() const { return inHost; }

private:
  std::vector<HostBuffer> storage;
  std::vector<DeviceBuffer> deviceStorage;
  std::vector<MappedHostBuffer> mappedStorage;
  std::vector<void *> pointers;
  std::vector<uint64_t> rowBytes;  // per buffer: a window row's; 0 for a pool
  uint64_t windowBytes = 0;        // every window, all rows
  uint64_t pageBytes = 0;          // one page of every pool
  int64_t pageSize = 0;            // positions a page; 0 without pools
  std::vector<int32_t> blockTable; // [B, tableWidth]
  int64_t tableWidth = 0;
  std::vector<int64_t> pagesHeld; // per row
  std::vector<int32_t> freePages; // the next one last
  int64_t pages = 0;
  int64_t rowCount = 0;
  int64_t positions = 0;
  uint64_t total = 0;
  uint64_t inHost = 0;
};

} // namespace llama4c::runtime

#endif // LLAMA4C_RUNTIME_KV_CACHE_KVCACHE_H
