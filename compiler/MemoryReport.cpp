//===- MemoryReport.cpp - Predicted device memory of a compiled model -----===//

#include "compiler/MemoryReport.h"

#include "dialects/llama4/IR/Llama4Dialect.h"
#include "runtime/include/llama4c/DeviceMemory.h"

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/Support/Format.h"

#include <algorithm>

using namespace mlir;
using namespace llama4c;
using namespace llama4c::report;

namespace {

/// A link from host memory to the GPU, one direction, as specified.
struct HostLink {
  const char *name;
  double bytesPerSecond;
};
/// PCIe 5.0 x16 (32 GT/s a lane) and NVLink-C2C (GH200: 900 GB/s both
/// ways).
constexpr HostLink kHostLinks[] = {{"PCIe 5.0 x16", 64e9},
                                   {"NVLink-C2C", 450e9}};

/// Device memory left for the CUDA context and one call's activations.
constexpr double kReservedBytes = double(kDeviceReserveBytes);

/// The contexts the report lists, up to max_position_embeddings.
constexpr int64_t kContexts[] = {1 << 10, 1 << 13, 1 << 15,
                                 1 << 17, 1 << 20, 10 * (1 << 20)};

/// Where llama4-run keeps a batch-1 model at one context (GpuDevice,
/// WeightPlacement): the weights every step reads, the embedding table and
/// the vision tower on the device, then the KV cache (the chunked layers'
/// windows must fit; the global layers' pages that do not stay in host
/// memory), then as many routed experts as fit (routing taken as uniform,
/// a token finds a chosen expert there as often as that share); the rest
/// in host memory, read across the link when chosen.
struct Placement {
  bool fits = false;     ///< everything on the device
  bool possible = false; ///< the weights every step reads and the windows
  double residentExperts = 0;
  double cacheInHost = 0;
  double streamedPerStep = 0;
  double streamedPerPrefill = 0;
  /// What a decode step reads from the device's own memory.
  double readPerStep = 0;

  /// A decode step's rate: its device reads at `device`'s bandwidth, then
  /// its streamed bytes at `link`'s.
  double decodeRate(const Device &device, const HostLink &link) const {
    return 1 / (readPerStep / device.hbmBytesPerSecond +
                streamedPerStep / link.bytesPerSecond);
  }
};

Placement place(const WeightBytes &weights, const KvCaches &caches,
                int64_t context, const Device &device, int64_t prefillTokens) {
  Placement placement;
  double budget = device.memoryBytes - kReservedBytes;
  double first = weights.everyStep + weights.embedding + weights.vision;
  double cache = caches.allocated(context);
  placement.fits = budget >= first + cache + weights.experts;
  placement.possible = budget >= first + caches.windows();
  if (!placement.possible)
    return placement;
  placement.cacheInHost = std::max(0.0, first + cache - budget);
  double left = std::max(0.0, budget - first - cache);
  placement.residentExperts =
      weights.experts > 0 ? std::min(1.0, left / weights.experts) : 1.0;
  double missing = 1 - placement.residentExperts;
  // A step reads every position of a global layer's pages.
  double cacheStreamed = placement.cacheInHost > 0
                             ? caches.globalLive(context) *
                                   placement.cacheInHost /
                                   (cache - caches.windows())
                             : 0;
  placement.streamedPerStep =
      missing * weights.expertsPerToken() + cacheStreamed;
  placement.streamedPerPrefill =
      missing * weights.experts * weights.touchedExperts(prefillTokens);
  placement.readPerStep = weights.decodeBytes(1) -
                          missing * weights.expertsPerToken() +
                          caches.live(context) - cacheStreamed;
  return placement;
}

std::string gigabytes(double bytes) {
  return llvm::formatv("{0:f2} GB", bytes / 1e9).str();
}

} // namespace

KvCaches KvCaches::of(func::FuncOp entry) {
  KvCaches caches;
  for (unsigned argument = 0; argument < entry.getNumArguments(); ++argument) {
    auto cache = entry.getArgAttrOfType<DictionaryAttr>(
        argument, mlir::llama4::kKvCacheAttrName);
    if (!cache)
      continue;
    // A chunked layer's [B, kv_heads, window, head_dim] or a global layer's
    // pages [pages, kv_heads, page_size, head_dim].
    auto type = cast<MemRefType>(entry.getArgument(argument).getType());
    auto window = cache.getAs<IntegerAttr>(mlir::llama4::kKvCacheWindow);
    caches.caches.push_back(
        {window ? window.getInt() : 0, window ? 0 : type.getDimSize(2),
         double(type.getDimSize(1)) * double(type.getDimSize(3)) *
             type.getElementTypeBitWidth() / 8});
  }
  return caches;
}

double KvCaches::bytes(int64_t context,
                       llvm::function_ref<int64_t(int64_t)> windowSlots) const {
  double total = 0;
  for (const Cache &cache : caches)
    total += cache.slotBytes *
             double(cache.window ? windowSlots(cache.window) : context);
  return total;
}

double KvCaches::allocated(int64_t context) const {
  double total = 0;
  for (const Cache &cache : caches)
    total += cache.slotBytes *
             double(cache.window ? cache.window
                                 : llvm::divideCeil(context, cache.pageSize) *
                                       cache.pageSize);
  return total;
}

double KvCaches::windows() const {
  double total = 0;
  for (const Cache &cache : caches)
    total += cache.slotBytes * double(cache.window);
  return total;
}

double KvCaches::globalLive(int64_t context) const {
  double total = 0;
  for (const Cache &cache : caches)
    total += cache.window ? 0 : cache.slotBytes * double(context);
  return total;
}

double KvCaches::live(int64_t context) const {
  return bytes(context,
               [&](int64_t window) { return (context - 1) % window + 1; });
}

double KvCaches::transformers(int64_t context) const {
  return bytes(context,
               [&](int64_t window) { return std::min(context, window - 1); });
}

llvm::json::Object report::memoryReport(func::FuncOp decode,
                                        const WeightBytes &weights,
                                        int64_t maxContext, int64_t context,
                                        int64_t prefillTokens,
                                        llvm::ArrayRef<Device> devices,
                                        llvm::raw_ostream &summary) {
  KvCaches caches = KvCaches::of(decode);
  std::vector<int64_t> contexts;
  for (int64_t listed : kContexts)
    if (listed <= maxContext)
      contexts.push_back(listed);
  if (contexts.empty())
    contexts.push_back(maxContext);

  auto placementJson = [&](const Device &device, int64_t at) {
    Placement placement = place(weights, caches, at, device, prefillTokens);
    llvm::json::Object row{{"context", at},
                           {"fits", placement.fits},
                           {"offloadable", placement.possible}};
    if (!placement.possible || placement.fits)
      return row;
    row["resident_expert_share"] = placement.residentExperts;
    row["kv_cache_in_host_bytes"] = placement.cacheInHost;
    row["streamed_bytes_per_decode_step"] = placement.streamedPerStep;
    row["streamed_bytes_per_prefill_call"] = placement.streamedPerPrefill;
    llvm::json::Object rates;
    for (const HostLink &link : kHostLinks)
      rates[link.name] = placement.decodeRate(device, link);
    row["predicted_decode_tokens_per_second"] = std::move(rates);
    return row;
  };

  llvm::json::Array cacheRows;
  for (int64_t at : contexts)
    cacheRows.push_back(llvm::json::Object{
        {"context", at},
        {"bytes", caches.allocated(at)},
        {"transformers_dynamic_cache_bytes", caches.transformers(at)},
        {"read_per_decode_step_bytes", caches.live(at)}});
  llvm::json::Object perDevice;
  for (const Device &device : devices) {
    llvm::json::Array rows;
    for (int64_t at : contexts)
      rows.push_back(placementJson(device, at));
    perDevice[device.name] = llvm::json::Object{
        {"memory_bytes", device.memoryBytes}, {"contexts", std::move(rows)}};
  }

  int64_t longest = contexts.back();
  summary << llvm::formatv(
      "memory: {0} of weights ({1} routed experts, {2} of them a token); KV "
      "cache {3} at {4} positions (transformers' DynamicCache: {5})\n",
      gigabytes(weights.total()), gigabytes(weights.experts),
      gigabytes(weights.expertsPerToken()),
      gigabytes(caches.allocated(longest)), longest,
      gigabytes(caches.transformers(longest)));
  for (const Device &device : devices) {
    Placement placement =
        place(weights, caches, context, device, prefillTokens);
    summary << llvm::formatv("memory on {0} ({1}), context {2}: ", device.name,
                             gigabytes(device.memoryBytes), context);
    if (placement.fits) {
      summary << "fits\n";
      continue;
    }
    if (!placement.possible) {
      summary << "the weights every step reads and the chunked layers' "
                 "windows exceed it\n";
      continue;
    }
    summary << llvm::formatv(
        "offloaded, {0:f0}% of the routed experts resident{8}, {1} streamed "
        "a decode step, {2} a prefill call of {3} tokens; predicted {4:f1} "
        "tok/s over {5}, {6:f1} over {7}\n",
        100 * placement.residentExperts, gigabytes(placement.streamedPerStep),
        gigabytes(placement.streamedPerPrefill), prefillTokens,
        placement.decodeRate(device, kHostLinks[0]), kHostLinks[0].name,
        placement.decodeRate(device, kHostLinks[1]), kHostLinks[1].name,
        placement.cacheInHost > 0 ? ", " + gigabytes(placement.cacheInHost) +
                                        " of KV pages in host memory"
                                  : std::string());
  }

  return llvm::json::Object{
      {"what",
       "predicted, not measured: weights and caches from the compiled "
       "module's types; on each GPU, less 2 GiB for the CUDA context and "
       "activations, the placement of llama4-run --device-memory: the "
       "weights every step reads, the embedding and the vision tower, then "
       "the KV cache (the global layers' pages that do not fit in host "
       "memory), then as many routed experts as fit (routing taken as "
       "uniform; the runtime places whole tensors, layer by layer, the same "
       "bytes a step); what is in host memory the kernels read across the "
       "link where it is; a decode step's time its HBM reads at the HBM "
       "bandwidth plus its bytes across the link at the link's, not "
       "overlapped (a token's experts are known once its router has run). "
       "A prefill's kernels read a host-resident expert as often as their "
       "tiles do: a prefill call's figure here, each touched expert once, "
       "is a lower bound"},
      {"reserved_bytes", kReservedBytes},
      {"weights", llvm::json::Object{{"total_bytes", weights.total()},
                                     {"every_step_bytes", weights.everyStep},
                                     {"routed_expert_bytes", weights.experts},
                                     {"routed_expert_bytes_per_token",
                                      weights.expertsPerToken()},
                                     {"embedding_bytes", weights.embedding},
                                     {"vision_bytes", weights.vision}}},
      {"kv_cache", std::move(cacheRows)},
      {"host_links",
       [] {
         llvm::json::Array links;
         for (const HostLink &link : kHostLinks)
           links.push_back(llvm::json::Object{
               {"name", link.name}, {"bytes_per_second", link.bytesPerSecond}});
         return links;
       }()},
      {"devices", std::move(perDevice)}};
}
