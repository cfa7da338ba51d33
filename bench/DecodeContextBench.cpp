//===- DecodeContextBench.cpp - Decode speed against context length ------===//
//
// Google Benchmark of one decode step of a compiled model at contexts of
// 1K, 32K, 128K and 1M tokens (those within its max_position_embeddings),
// batch 1, on the CPU. A chunked layer reads at most one chunk of keys, a
// global layer every earlier one, so the time should grow with the
// context only through the global layers. The cache is allocated for the
// context and filled with a constant (about 0.0115 in f32 or bf16): a
// step reads every key its layers may see whatever their values, so no
// prefill of a million tokens is needed, but it must read memory, not the
// zero page that untouched pages share. The counters give the KV cache's
// bytes and tokens per second.
//
//   ninja -C build llama4c-decode-context-bench
//   build/bench/llama4c-decode-context-bench MODEL.so WEIGHTS_DIR
//       --benchmark_out_format=json --benchmark_out=bench/decode_context.json
//
// bench/long_context.py builds the demo-sized model it is meant for.
//
//===----------------------------------------------------------------------===//

#include "runtime/kv-cache/KvCache.h"
#include "runtime/loader/LoadedModel.h"

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstring>
#include <memory>

using namespace llama4c::runtime;

namespace {

std::unique_ptr<LoadedModel> model;

void decodeAtContext(benchmark::State &state) {
  int64_t context = state.range(0);
  const Manifest &manifest = model->model.manifest();
  Expected<KvCache> cache = KvCache::allocate(
      manifest, 1, context, KvCache::defaultLimitBytes(), model->model.gpu());
  if (!cache) {
    state.SkipWithError(cache.error().message().c_str());
    return;
  }
  if (Expected<void> reserved = cache->reserve(0, 1, context); !reserved) {
    state.SkipWithError(reserved.error().message().c_str());
    return;
  }
  KvCacheView kvCache = cache->rowsFrom(0);
  for (size_t i = 0; i < manifest.kvCache.size(); ++i) {
    // The window, or the pool's pages: the row's whole context.
    const ManifestKvCache &entry = manifest.kvCache[i];
    int64_t slots =
        entry.window ? entry.window : kvCache.pages * entry.pageSize;
    std::memset(kvCache.buffers[i], 0x3c,
                size_t(entry.kvHeads * slots * entry.headDim) *
                    dtypeSize(entry.dtype));
  }
  std::vector<float> logits(size_t(manifest.vocabSize));
  int32_t token = 1, position = int32_t(context - 1);
  llama4c_call call{};
  call.weights = model->weights.pointers();
  call.tokens = &token;
  call.positions = &position;
  call.batch = 1;
  call.seq = 1;
  call.kv_cache = kvCache.buffers.data();
  call.block_table = kvCache.blockTable;
  call.block_table_width = kvCache.tableWidth;
  call.kv_pages = kvCache.pages;
  call.logits = logits.data();
  for (auto _ : state) {
    Expected<void> ran = model->model.decode(call);
    if (!ran) {
      state.SkipWithError(ran.error().message().c_str());
      return;
    }
  }
  state.counters["kv_cache_bytes"] = double(cache->usedBytes());
  state.counters["tokens_per_second"] =
      benchmark::Counter(double(state.iterations()), benchmark::Counter::kIsRate);
}

} // namespace

int main(int argc, char **argv) {
  benchmark::Initialize(&argc, argv);
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s MODEL.so WEIGHTS_DIR [benchmark flags]\n",
                 argv[0]);
    return 1;
  }
  Expected<std::unique_ptr<LoadedModel>> loaded =
      LoadedModel::open(argv[1], argv[2]);
  if (!loaded) {
    std::fprintf(stderr, "%s\n", loaded.error().message().c_str());
    return 1;
  }
  model = std::move(*loaded);
  for (int64_t context : {int64_t(1) << 10, int64_t(32) << 10,
                          int64_t(128) << 10, int64_t(1) << 20})
    if (context <= model->model.manifest().maxPositionEmbeddings)
      benchmark::RegisterBenchmark("decode_at_context", decodeAtContext)
          ->Arg(context)
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
