//===- KvCache.cpp - The key and value caches of one generation -----------===//
//
// Every size is computed with overflow checks before anything is
// allocated, and the total is compared with the limit first, so a context
// that cannot fit fails at once with its size instead of after allocating
// (and lazily committing) most of it.
//
//===----------------------------------------------------------------------===//

#include "runtime/kv-cache/KvCache.h"

#include "runtime/safetensors/DType.h"
#include "runtime/support/SystemMemory.h"

namespace llama4c::runtime {

uint64_t KvCache::defaultLimitBytes() {
  std::optional<uint64_t> physical = physicalMemoryBytes();
  if (!physical)
    return UINT64_MAX; // unknown: let the allocation decide
  return *physical / 4 * 3;
}

namespace {

/// How many positions a cache of `limitBytes` holds for `batch` rows: the
/// chunked layers' windows take the same whatever the context, the global
/// layers a slot a position. Called once the total for some context fit
/// in 64 bits, so these parts of it do too.
std::string describeFit(const Manifest &manifest, int64_t batch,
                        uint64_t limitBytes) {
  uint64_t windows = 0, perPosition = 0;
  for (const ManifestKvCache &entry : manifest.kvCache) {
    uint64_t slot = uint64_t(batch) * uint64_t(entry.kvHeads) *
                    uint64_t(entry.headDim) * dtypeSize(manifest.dtype);
    if (entry.slots)
      windows += slot * uint64_t(entry.slots);
    else
      perPosition += slot;
  }
  // Without global layers the total is the windows', over the limit.
  if (windows > limitBytes || perPosition == 0)
    return "which the chunked layers' windows alone (" + formatSize(windows) +
           ") exceed";
  return "which holds " + std::to_string((limitBytes - windows) / perPosition) +
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
  cache.rows = batch;
  cache.context = context;
  uint64_t elementSize = dtypeSize(manifest.dtype);
  for (const ManifestKvCache &entry : manifest.kvCache) {
    uint64_t slots = entry.slots == 0 ? uint64_t(context) : entry.slots;
    uint64_t row, bytes;
    bool overflow =
        __builtin_mul_overflow(uint64_t(entry.kvHeads), slots, &row) ||
        __builtin_mul_overflow(row, uint64_t(entry.headDim), &row) ||
        __builtin_mul_overflow(row, elementSize, &row) ||
        __builtin_mul_overflow(row, uint64_t(batch), &bytes) ||
        __builtin_add_overflow(cache.total, bytes, &cache.total);
    if (overflow)
      return Error(where + "size overflows 64 bits");
    cache.rowBytes.push_back(row);
  }
  if (cache.total > limitBytes)
    return Error(where + "needs " + formatSize(cache.total) +
                 ", over the limit of " + formatSize(limitBytes) + ", " +
                 describeFit(manifest, batch, limitBytes));

  for (uint64_t row : cache.rowBytes) {
    if (gpu) {
      Expected<DeviceBuffer> buffer =
          gpu->allocateZeroed(row * uint64_t(batch), where.substr(0, where.size() - 2));
      if (!buffer)
        return buffer.error();
      cache.pointers.push_back(buffer->data());
      cache.deviceStorage.push_back(std::move(*buffer));
      continue;
    }
    HostBuffer buffer = HostBuffer::zeroed(row * uint64_t(batch));
    if (!buffer)
      return Error(where + "cannot allocate " + formatSize(cache.total));
    cache.pointers.push_back(buffer.data());
    cache.storage.push_back(std::move(buffer));
  }
  return cache;
}

std::vector<void *> KvCache::row(int64_t b) const {
  std::vector<void *> views;
  for (size_t i = 0; i < pointers.size(); ++i)
    views.push_back(static_cast<unsigned char *>(pointers[i]) +
                    uint64_t(b) * rowBytes[i]);
  return views;
}

} // namespace llama4c::runtime
