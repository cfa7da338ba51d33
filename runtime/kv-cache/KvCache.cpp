//===- KvCache.cpp - The key and value caches of one generation -----------===//
//
// Every size is computed with overflow checks before anything is
// allocated, and the total is compared with the limit first, so a context
// that cannot fit fails at once with its size instead of after allocating
// (and lazily committing) most of it. A host pool's pages are committed
// as they are first written, so memory follows the pages allotted.
//
//===----------------------------------------------------------------------===//

#include "runtime/kv-cache/KvCache.h"

#include "runtime/safetensors/DType.h"
#include "runtime/support/SystemMemory.h"

#include <limits>

namespace llama4c::runtime {

uint64_t KvCache::defaultLimitBytes() {
  std::optional<uint64_t> physical = physicalMemoryBytes();
  if (!physical)
    return UINT64_MAX; // unknown: let the allocation decide
  return *physical / 4 * 3;
}

namespace {

/// Bytes of one slot (a position of one row) of `entry`'s cache.
uint64_t slotBytes(const ManifestKvCache &entry) {
  return uint64_t(entry.kvHeads) * uint64_t(entry.headDim) *
         dtypeSize(entry.dtype);
}

/// How many positions a cache of `limitBytes` holds for `batch` rows: the
/// chunked layers' windows take the same whatever the context, the global
/// layers a slot a position, in whole pages. Called once the total for
/// some context fit in 64 bits, so these parts of it do too.
std::string describeFit(const Manifest &manifest, int64_t batch,
                        int64_t pageSize, uint64_t limitBytes) {
  uint64_t windows = 0, perPage = 0;
  for (const ManifestKvCache &entry : manifest.kvCache) {
    uint64_t slot = uint64_t(batch) * slotBytes(entry);
    if (entry.window)
      windows += slot * uint64_t(entry.window);
    else
      perPage += slot * uint64_t(pageSize);
  }
  // Without global layers the total is the windows', over the limit.
  if (windows > limitBytes || perPage == 0)
    return "which the chunked layers' windows alone (" + formatSize(windows) +
           ") exceed";
  return "which holds " +
         std::to_string((limitBytes - windows) / perPage * uint64_t(pageSize)) +
         " positions";
}

} // namespace

Expected<KvCache> KvCache::allocate(const Manifest &manifest, int64_t batch,
                                    int64_t context, uint64_t limitBytes,
                                    GpuDevice *gpu) {
  std::string where = "kv cache: batch " + std::to_string(batch) +
                      ", context " + std::to_string(context) + ": ";
  if (batch < 1 || context < 1)
    return Error(where + "batch and context must be at least 1");

  KvCache cache;
  cache.rowCount = batch;
  cache.positions = context;
  for (const ManifestKvCache &entry : manifest.kvCache) {
    if (!entry.pageSize)
      continue;
    if (cache.pageSize && entry.pageSize != cache.pageSize)
      return Error(where + "the global layers' pages differ in size (" +
                   std::to_string(cache.pageSize) + " and " +
                   std::to_string(entry.pageSize) + " positions)");
    cache.pageSize = entry.pageSize;
  }
  if (cache.pageSize) {
    cache.tableWidth = (context - 1) / cache.pageSize + 1;
    if (__builtin_mul_overflow(batch, cache.tableWidth, &cache.pages) ||
        cache.pages > std::numeric_limits<int32_t>::max())
      return Error(where + "needs more than 2^31 pages of " +
                   std::to_string(cache.pageSize) + " positions");
  }

  std::vector<uint64_t> bufferBytes;
  for (const ManifestKvCache &entry : manifest.kvCache) {
    // A window row [kv_heads, window, head_dim], or a page [kv_heads,
    // page_size, head_dim]; the buffer holds B rows or `pages` pages.
    uint64_t unit, bytes;
    bool overflow =
        __builtin_mul_overflow(
            slotBytes(entry),
            uint64_t(entry.window ? entry.window : entry.pageSize), &unit) ||
        __builtin_mul_overflow(
            unit, uint64_t(entry.window ? batch : cache.pages), &bytes) ||
        __builtin_add_overflow(cache.total, bytes, &cache.total);
    if (overflow)
      return Error(where + "size overflows 64 bits");
    cache.rowBytes.push_back(entry.window ? unit : 0);
    (entry.window ? cache.windowBytes : cache.pageBytes) +=
        entry.window ? bytes : unit;
    bufferBytes.push_back(bytes);
  }
  if (cache.total > limitBytes)
    return Error(where + "needs " + formatSize(cache.total) +
                 ", over the limit of " + formatSize(limitBytes) + ", " +
                 describeFit(manifest, batch, cache.pageSize, limitBytes));
  // On a GPU the windows must fit its budget; then each pool of the
  // global layers that still fits, in manifest order, and the others stay
  // in pinned host memory the kernels read and write across the bus.
  uint64_t room = gpu ? gpu->cacheRoom(manifest) : 0;
  if (gpu && cache.windowBytes > room)
    return Error(where + "the chunked layers' windows need " +
                 formatSize(cache.windowBytes) + ", over the " +
                 formatSize(room) + " left of " + gpu->description() +
                 "'s memory budget (--device-memory) after the weights every "
                 "step reads");
  uint64_t poolRoom = gpu ? room - cache.windowBytes : 0;
  std::vector<bool> inHost(bufferBytes.size(), false);
  for (size_t i = 0; i < bufferBytes.size(); ++i)
    if (gpu && !cache.rowBytes[i]) {
      inHost[i] = bufferBytes[i] > poolRoom;
      poolRoom -= inHost[i] ? 0 : bufferBytes[i];
    }

  for (size_t i = 0; i < bufferBytes.size(); ++i) {
    uint64_t bytes = bufferBytes[i];
    std::string what = where.substr(0, where.size() - 2);
    if (gpu && inHost[i]) {
      Expected<MappedHostBuffer> buffer = gpu->allocateMapped(bytes, what);
      if (!buffer)
        return buffer.error();
      cache.pointers.push_back(buffer->deviceData());
      cache.mappedStorage.push_back(std::move(*buffer));
      cache.inHost += bytes;
      continue;
    }
    if (gpu) {
      Expected<DeviceBuffer> buffer = gpu->allocateZeroed(bytes, what);
      if (!buffer)
        return buffer.error();
      cache.pointers.push_back(buffer->data());
      cache.deviceStorage.push_back(std::move(*buffer));
      continue;
    }
    HostBuffer buffer = HostBuffer::zeroed(bytes);
    if (!buffer)
      return Error(where + "cannot allocate " + formatSize(cache.total));
    cache.pointers.push_back(buffer.data());
    cache.storage.push_back(std::move(buffer));
  }
  cache.blockTable.assign(size_t(batch * cache.tableWidth), 0);
  cache.pagesHeld.assign(size_t(batch), 0);
  for (int64_t page = cache.pages - 1; page >= 0; --page)
    cache.freePages.push_back(int32_t(page));
  return cache;
}

Expected<void> KvCache::reserve(int64_t first, int64_t count, int64_t end) {
  if (end > positions)
    return Error("kv cache: position " + std::to_string(end - 1) +
                 " is past the context of " + std::to_string(positions));
  if (!pageSize)
    return {};
  int64_t needed = (end + pageSize - 1) / pageSize;
  for (int64_t row = first; row < first + count; ++row)
    for (int64_t &held = pagesHeld[size_t(row)]; held < needed; ++held) {
      // The pool has a full table's pages for every row.
      blockTable[size_t(row * tableWidth + held)] = freePages.back();
      freePages.pop_back();
    }
  return {};
}

KvCacheView KvCache::rowsFrom(int64_t first) const {
  KvCacheView view;
  for (size_t i = 0; i < pointers.size(); ++i)
    view.buffers.push_back(static_cast<unsigned char *>(pointers[i]) +
                           uint64_t(first) * rowBytes[i]);
  if (pageSize)
    view.blockTable = blockTable.data() + first * tableWidth;
  view.tableWidth = tableWidth;
  view.pages = pages;
  return view;
}

uint64_t KvCache::usedBytes() const {
  return windowBytes + uint64_t(pages - int64_t(freePages.size())) * pageBytes;
}

} // namespace llama4c::runtime
