//===- KvCacheTest.cpp - Tests for KvCache --------------------------------===//
//
// Buffer sizes of windows and pools of pages in both compute types, zero
// fill, views from a row, pages allotted as rows grow, and the size checks
// (limit, overflow, bad batch or context) with their messages.
//
//===----------------------------------------------------------------------===//

#include "runtime/kv-cache/KvCache.h"

#include "test/runtime/TestSupport.h"

#include <algorithm>
#include <string>
#include <tuple>

using namespace llama4c::runtime;
using namespace llama4c::runtime::testing;
using json = nlohmann::json;

namespace {

/// Layer 0 chunked (a window of 8 slots), layer 1 global (pages of 4
/// positions); 2 KV heads of 24, in `dtype`. An "f8_e4m3" cache of an f32
/// model has the keys' and values' scales after each layer's.
Manifest manifestOf(const char *dtype, int64_t kvHeads = 2) {
  bool scaled = std::string(dtype) == "f8_e4m3";
  json caches = json::array();
  for (auto [layer, window, pageSize] :
       {std::tuple{0, 8, 0}, std::tuple{1, 0, 4}}) {
    auto add = [&, layer = layer, window = window, pageSize = pageSize](
                   const char *kind, const char *type, int64_t width) {
      caches.push_back({{"layer", layer},
                        {"kind", kind},
                        {"dtype", type},
                        {"kv_heads", kvHeads},
                        {"window", window},
                        {"page_size", pageSize},
                        {"head_dim", width}});
    };
    add("key", dtype, 24);
    add("value", dtype, 24);
    if (scaled) {
      add("key_scales", "f32", 1);
      add("value_scales", "f32", 1);
    }
  }
  return llama4c::runtime::testing::manifestOf(scaled ? "f32" : dtype,
                                               json::array(), caches);
}

constexpr uint64_t kNoLimit = UINT64_MAX;
/// f32 bytes of a window row [2, 8, 24] and of a page [2, 4, 24].
constexpr uint64_t kWindowRow = 2 * 8 * 24 * 4, kPage = 2 * 4 * 24 * 4;

TEST(KvCacheTest, SizesWindowsAndPools) {
  Expected<KvCache> cache =
      KvCache::allocate(manifestOf("f32"), 3, 10, kNoLimit);
  ASSERT_TRUE(cache) << cache.error().message();
  EXPECT_EQ(cache->batch(), 3);
  EXPECT_EQ(cache->context(), 10);
  // Two windows of 3 rows; two pools of 3 rows x ceil(10 / 4) pages.
  EXPECT_EQ(cache->totalBytes(), 2 * 3 * kWindowRow + 2 * 9 * kPage);
  // Before any page is allotted, only the windows hold positions.
  EXPECT_EQ(cache->usedBytes(), 2 * 3 * kWindowRow);

  Expected<KvCache> half =
      KvCache::allocate(manifestOf("bf16"), 3, 10, kNoLimit);
  ASSERT_TRUE(half) << half.error().message();
  EXPECT_EQ(half->totalBytes(), cache->totalBytes() / 2);

  // Float8 codes, a byte for each f32 element's 4, and a 4-byte scale per
  // vector of 24 elements (96 f32 bytes).
  Expected<KvCache> fp8 =
      KvCache::allocate(manifestOf("f8_e4m3"), 3, 10, kNoLimit);
  ASSERT_TRUE(fp8) << fp8.error().message();
  EXPECT_EQ(fp8->totalBytes(),
            cache->totalBytes() / 4 + cache->totalBytes() / 24);
  EXPECT_EQ(fp8->rowsFrom(0).buffers.size(), 8u);
}

TEST(KvCacheTest, ZeroFillsAndGivesViewsFromARow) {
  Expected<KvCache> cache =
      KvCache::allocate(manifestOf("f32"), 3, 10, kNoLimit);
  ASSERT_TRUE(cache) << cache.error().message();
  KvCacheView all = cache->rowsFrom(0);
  ASSERT_EQ(all.buffers.size(), 4u);
  EXPECT_EQ(all.tableWidth, 3);
  EXPECT_EQ(all.pages, 9);
  // A window's rows from b start b rows in; a pool is shared, whole; the
  // block table's rows from b start b rows in.
  for (int64_t b = 0; b < 3; ++b) {
    KvCacheView view = cache->rowsFrom(b);
    for (size_t i = 0; i < 4; ++i)
      EXPECT_EQ(view.buffers[i], static_cast<unsigned char *>(all.buffers[i]) +
                                     (i < 2 ? b * kWindowRow : 0));
    EXPECT_EQ(view.blockTable, all.blockTable + b * 3);
    EXPECT_EQ(view.pages, 9);
  }
  auto *pool = static_cast<unsigned char *>(all.buffers[3]);
  EXPECT_TRUE(std::all_of(pool, pool + 9 * kPage,
                          [](unsigned char byte) { return byte == 0; }));
}

// Pages go to rows as they grow, each from the free ones, so rows that
// grow in turn take interleaved pages of the one pool.
TEST(KvCacheTest, AllotsPagesAsRowsGrow) {
  Expected<KvCache> cache =
      KvCache::allocate(manifestOf("f32"), 2, 10, kNoLimit);
  ASSERT_TRUE(cache) << cache.error().message();
  const int32_t *table = cache->rowsFrom(0).blockTable;
  ASSERT_TRUE(cache->reserve(0, 2, 3)); // positions 0-2: a page each
  ASSERT_TRUE(cache->reserve(1, 1, 6)); // row 1 to position 5: one more
  ASSERT_TRUE(cache->reserve(0, 1, 9)); // row 0 to position 8: two more
  ASSERT_TRUE(cache->reserve(0, 2, 4)); // held already: nothing new
  EXPECT_EQ(std::vector<int32_t>(table, table + 3),
            (std::vector<int32_t>{0, 3, 4}));
  EXPECT_EQ(std::vector<int32_t>(table + 3, table + 5),
            (std::vector<int32_t>{1, 2}));
  EXPECT_EQ(cache->usedBytes(), 2 * 2 * kWindowRow + 2 * 5 * kPage);
  EXPECT_EQ(errorOf(cache->reserve(1, 1, 11)),
            "kv cache: position 10 is past the context of 10");
}

TEST(KvCacheTest, RefusesATotalOverTheLimit) {
  // 2 windows x 2 rows x 1536 bytes + 2 pools x 1024 pages x 768 bytes.
  EXPECT_EQ(errorOf(KvCache::allocate(manifestOf("f32"), 2, 2048, 1 << 20)),
            "kv cache: batch 2, context 2048: needs 1.5 MiB, over the limit of "
            "1.0 MiB, which holds 1356 positions");
  EXPECT_EQ(errorOf(KvCache::allocate(manifestOf("f32"), 64, 4096, 64 << 20)),
            "kv cache: batch 64, context 4096: needs 96.2 MiB, over the "
            "limit of 64.0 MiB, which holds 2720 positions");
  // 2 rows * 4 bytes * 2 * 2*8*24: the windows take 6144 bytes.
  EXPECT_EQ(errorOf(KvCache::allocate(manifestOf("f32"), 2, 16, 4096)),
            "kv cache: batch 2, context 16: needs 18432 bytes, over the limit "
            "of 4096 bytes, which the chunked layers' windows alone (6144 "
            "bytes) exceed");
  EXPECT_TRUE(KvCache::allocate(manifestOf("f32"), 2, 2048, 2 << 20));
  EXPECT_GT(KvCache::defaultLimitBytes(), 0u);
}

TEST(KvCacheTest, RefusesSizesThatOverflow) {
  EXPECT_EQ(errorOf(KvCache::allocate(manifestOf("f32", 2147483647), 1, 1 << 30,
                                      kNoLimit)),
            "kv cache: batch 1, context 1073741824: size overflows 64 bits");
  // Block table entries are int32.
  EXPECT_EQ(errorOf(KvCache::allocate(manifestOf("f32"), 1LL << 40, 1 << 30,
                                      kNoLimit)),
            "kv cache: batch 1099511627776, context 1073741824: needs more "
            "than 2^31 pages of 4 positions");
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
