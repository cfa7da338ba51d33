//===- KvCacheTest.cpp - Tests for KvCache --------------------------------===//
//
// Buffer sizes for windowed and global layers in both compute types, zero
// fill, per-row views, and the size checks (limit, overflow, bad batch or
// context) with their messages.
//
//===----------------------------------------------------------------------===//

#include "runtime/kv-cache/KvCache.h"

#include "test/runtime/TestSupport.h"

#include <algorithm>

using namespace llama4c::runtime;
using namespace llama4c::runtime::testing;
using json = nlohmann::json;

namespace {

/// Layer 0 chunked (a window of 8 slots), layer 1 global; 2 KV heads of 24.
Manifest manifestOf(const char *dtype, int64_t kvHeads = 2) {
  auto entry = [&](int64_t layer, const char *kind, int64_t slots) {
    return json{{"layer", layer},
                {"kind", kind},
                {"kv_heads", kvHeads},
                {"slots", slots},
                {"head_dim", 24}};
  };
  return llama4c::runtime::testing::manifestOf(dtype, json::array(),
                             {entry(0, "key", 8), entry(0, "value", 8),
                              entry(1, "key", 0), entry(1, "value", 0)});
}

constexpr uint64_t kNoLimit = UINT64_MAX;

TEST(KvCacheTest, SizesWindowedAndGlobalLayers) {
  Expected<KvCache> cache =
      KvCache::allocate(manifestOf("f32"), 3, 100, kNoLimit);
  ASSERT_TRUE(cache) << cache.error().message();
  EXPECT_EQ(cache->batch(), 3);
  EXPECT_EQ(cache->cacheSlots(), 100);
  // Per row: 2 * (2*8*24) + 2 * (2*100*24) f32 values.
  uint64_t rowBytes = 4 * (2 * 2 * 8 * 24 + 2 * 2 * 100 * 24);
  EXPECT_EQ(cache->totalBytes(), 3 * rowBytes);

  Expected<KvCache> half =
      KvCache::allocate(manifestOf("bf16"), 3, 100, kNoLimit);
  ASSERT_TRUE(half) << half.error().message();
  EXPECT_EQ(half->totalBytes(), 3 * rowBytes / 2);
}

TEST(KvCacheTest, ZeroFillsAndGivesRowViews) {
  Expected<KvCache> cache =
      KvCache::allocate(manifestOf("f32"), 3, 10, kNoLimit);
  ASSERT_TRUE(cache) << cache.error().message();
  // Row b of a [B, kv_heads, slots, head_dim] buffer starts b rows in.
  const uint64_t windowRow = 2 * 8 * 24 * 4, globalRow = 2 * 10 * 24 * 4;
  for (int64_t b = 0; b < 3; ++b) {
    std::vector<void *> row = cache->row(b);
    ASSERT_EQ(row.size(), 4u);
    for (size_t i = 0; i < 4; ++i) {
      uint64_t rowBytes = i < 2 ? windowRow : globalRow;
      auto *base = static_cast<unsigned char *>(cache->buffers()[i]);
      EXPECT_EQ(row[i], base + b * rowBytes);
    }
  }
  auto *last = static_cast<unsigned char *>(cache->buffers()[3]);
  EXPECT_TRUE(std::all_of(last, last + 3 * globalRow,
                          [](unsigned char byte) { return byte == 0; }));
}

TEST(KvCacheTest, RefusesATotalOverTheLimit) {
  // 2 rows * 4 bytes * 2 * (2*8*24 + 2*2048*24) = 1.5 MiB.
  EXPECT_EQ(errorOf(KvCache::allocate(manifestOf("f32"), 2, 2048, 1 << 20)),
            "kv cache: batch 2, context 2048: needs 1.5 MiB, over the limit of "
            "1.0 MiB, which holds 1357 positions");
  EXPECT_EQ(errorOf(KvCache::allocate(manifestOf("f32"), 64, 4096, 64 << 20)),
            "kv cache: batch 64, context 4096: needs 96.2 MiB, over the "
            "limit of 64.0 MiB, which holds 2722 positions");
  // 2 rows * 4 bytes * 2 * 2*8*24: the windows take 6144 bytes.
  EXPECT_EQ(errorOf(KvCache::allocate(manifestOf("f32"), 2, 16, 4096)),
            "kv cache: batch 2, context 16: needs 18432 bytes, over the limit "
            "of 4096 bytes, which the chunked layers' windows alone (6144 "
            "bytes) exceed");
  EXPECT_TRUE(KvCache::allocate(manifestOf("f32"), 2, 2048, 2 << 20));
  EXPECT_GT(KvCache::defaultLimitBytes(), 0u);
}

TEST(KvCacheTest, RefusesSizesThatOverflow) {
  EXPECT_EQ(errorOf(KvCache::allocate(manifestOf("f32", 2147483647), 1LL << 40,
                                      1 << 30, kNoLimit)),
            "kv cache: batch 1099511627776, context 1073741824: size overflows "
            "64 bits");
}

TEST(KvCacheTest, RefusesAnEmptyBatchOrContext) {
  EXPECT_EQ(errorOf(KvCache::allocate(manifestOf("f32"), 0, 10, kNoLimit)),
            "kv cache: batch 0, context 10: batch and context must be at "
            "least 1");
  EXPECT_EQ(errorOf(KvCache::allocate(manifestOf("f32"), 1, 0, kNoLimit)),
            "kv cache: batch 1, context 0: batch and context must be at "
            "least 1");
}

} // namespace
