//===- Report.cpp - Predicted GPU cost of a compiled model ----------------===//

#include "compiler/Report.h"

#include "compiler/MemoryReport.h"
#include "compiler/Output.h"
#include "compiler/ReportDevices.h"
#include "compiler/WeightBytes.h"

#include "dialects/llama4/IR/Llama4Dialect.h"
#include "frontends/hf/Llama4Config.h"
#include "passes/analysis/LaunchTrace.h"
#include "passes/gpu/Warp.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/Regex.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>

using namespace mlir;
using namespace llama4c;
using namespace llama4c::report;

namespace {

/// Seconds one launch costs at least, without CUDA graphs: the rate at
/// which a stream accepts back-to-back launches.
constexpr double kLaunchSeconds = 3e-6;

/// Seconds a later phase of a chained launch takes at least: its blocks'
/// thread 0 sees the last block of the phase before count itself (an L2
/// atomic after a release fence, a poll, an acquire fence), about an L2
/// round trip or two. An estimate, not yet measured.
constexpr double kPhaseWaitSeconds = 1e-6;

/// Seconds a warp waits for a round of loads (KernelCost::loadRounds):
/// about an L2 hit's latency. Measured on an H200: a final RMSNorm of one
/// warp, 160 rounds of 2-byte loads along a row that the kernel before had
/// written, took 18 us (2.5 of them a launch's).
constexpr double kLoadRoundSeconds = 100e-9;

/// Warps an SM holds at once of a kernel whose blocks have `blockThreads`
/// threads of `registers` registers each (0: not known, as without
/// ptxas): whole blocks, as many as its registers, the SM's threads and
/// its blocks allow.
int64_t residentWarpsPerSm(int64_t registers, int64_t blockThreads) {
  int64_t blocks = kBlocksPerSm;
  blocks = std::min(blocks, kThreadsPerSm / std::max<int64_t>(blockThreads, 1));
  if (registers > 0) {
    int64_t perThread = llvm::divideCeil(registers, kRegistersPerThreadUnit) *
                        kRegistersPerThreadUnit;
    blocks =
        std::min(blocks, kRegistersPerSm /
                             (perThread * std::max<int64_t>(blockThreads, 1)));
  }
  return std::max<int64_t>(blocks, 1) *
         llvm::divideCeil(std::max<int64_t>(blockThreads, 1), kWarpSize);
}

/// One call the report predicts.
struct Scenario {
  std::string name; // "prefill", "decode"
  int64_t batch;
  int64_t tokens;   // new tokens per row
  int64_t context;  // tokens in the cache after the call
};

/// ptxas -v's resources of one kernel. Its stack frame holds a thread's
/// private arrays (a tile's buffers, an online softmax's block of scores)
/// in local memory, which the traffic model does not count.
struct Resources {
  int64_t registers = 0, sharedBytes = 0, spillBytes = 0, stackBytes = 0;
};

/// Runs ptxas -v on `ptx` for `chip`; kernel name -> resources. Empty when
/// the toolkit has no ptxas.
llvm::Expected<llvm::StringMap<Resources>> ptxasResources(llvm::StringRef ptx,
                                                         llvm::StringRef chip) {
  llvm::StringMap<Resources> resources;
  std::string ptxas = std::string(LLAMA4C_CUDA_TOOLKIT) + "/bin/ptxas";
  if (!llvm::sys::fs::can_execute(ptxas))
    return resources;
  llvm::Expected<TemporaryFile> input =
      TemporaryFile::create("llama4c-report", "ptx");
  if (!input)
    return input.takeError();
  if (llvm::Error error = input->write(ptx.rtrim('\0')))
    return error;
  llvm::Expected<TemporaryFile> log =
      TemporaryFile::create("llama4c-report", "log");
  if (!log)
    return log.takeError();
  std::string arch = ("-arch=" + chip).str();
  llvm::StringRef args[] = {ptxas,         arch, "-v",
                            input->path(), "-o", "/dev/null"};
  std::optional<llvm::StringRef> redirects[] = {std::nullopt, log->path(),
                                                log->path()};
  std::string error;
  if (llvm::sys::ExecuteAndWait(ptxas, args, std::nullopt, redirects, 0, 0,
                                &error) != 0)
    return llvm::createStringError("ptxas failed on the kernels" +
                                   (error.empty() ? "" : ": " + error));
  auto text = llvm::MemoryBuffer::getFile(log->path());
  if (!text)
    return llvm::errorCodeToError(text.getError());
  llvm::Regex entry("Compiling entry function '([^']+)'");
  llvm::Regex used("Used ([0-9]+) registers");
  llvm::Regex smem("([0-9]+) bytes smem");
  llvm::Regex spills("([0-9]+) bytes stack frame, ([0-9]+) bytes spill "
                     "stores, ([0-9]+) bytes spill loads");
  std::string kernel;
  llvm::SmallVector<llvm::StringRef> lines;
  (*text)->getBuffer().split(lines, '\n');
  for (llvm::StringRef line : lines) {
    llvm::SmallVector<llvm::StringRef> match;
    if (entry.match(line, &match))
      kernel = match[1].str();
    else if (kernel.empty())
      continue;
    else if (spills.match(line, &match)) {
      resources[kernel].stackBytes = std::stoll(match[1].str());
      resources[kernel].spillBytes =
          std::stoll(match[2].str()) + std::stoll(match[3].str());
    }
    else if (used.match(line, &match)) {
      resources[kernel].registers = std::stoll(match[1].str());
      if (smem.match(line, &match))
        resources[kernel].sharedBytes = std::stoll(match[1].str());
    }
  }
  return resources;
}

/// Attention's multiply-adds for a prefill of S tokens: each query of a
/// chunked layer meets the keys of its chunk so far, of a global layer
/// every earlier key; q.k and p.v, per query head.
double attentionFlops(const Llama4TextConfig &text, int64_t tokens) {
  double perPair = 4.0 * text.headDim * text.numAttentionHeads;
  double total = 0;
  int64_t chunk = text.attentionChunkSize.value_or(0);
  for (int64_t layer = 0; layer < text.numHiddenLayers; ++layer) {
    bool chunked = text.layers[layer].isChunked && chunk > 0;
    for (int64_t p = 0; p < tokens; ++p)
      total += perPair * double(chunked ? p % chunk + 1 : p + 1);
  }
  return total;
}

/// Pages of `pageSize` positions a row's `context` takes.
int64_t pagesOf(int64_t context, int64_t pageSize) {
  return llvm::divideCeil(context, pageSize);
}

/// The sizes of scenario `s` for `entry`'s arguments: tokens and
/// positions [B, S], the tokens that get logits [B, 1] (each row's last, as
/// when generating), a chunked layer's cache [B, heads, window, d], a
/// global layer's pool of pages enough for every row's context, each row
/// its own, and the block table [B, T] allotting them; pixel values no
/// tiles. The positions' contents: each row's S tokens ending the context;
/// the block table's: row b's pages b * T, b * T + 1, ...
CallSizes sizesOf(func::FuncOp entry, const Scenario &s) {
  auto roleOf = [entry](unsigned argument) mutable {
    auto name = entry.getArgAttrOfType<StringAttr>(argument, "llama4.name");
    return name ? name.getValue() : StringRef();
  };
  int64_t pageSize = 0;
  for (unsigned argument = 0; argument < entry.getNumArguments(); ++argument)
    if (auto cache = entry.getArgAttrOfType<DictionaryAttr>(
            argument, mlir::llama4::kKvCacheAttrName))
      if (auto size = cache.getAs<IntegerAttr>(mlir::llama4::kKvCachePageSize))
        pageSize = size.getInt();
  CallSizes sizes;
  sizes.dim = [entry, s, roleOf, pageSize](
                  unsigned argument, unsigned dimension) mutable -> int64_t {
    if (auto cache = entry.getArgAttrOfType<DictionaryAttr>(
            argument, mlir::llama4::kKvCacheAttrName)) {
      // Only the leading dimension is dynamic: rows, or pages.
      if (cache.get(mlir::llama4::kKvCacheWindow))
        return s.batch;
      return s.batch * pagesOf(s.context, pageSize);
    }
    if (roleOf(argument) == "pixel_values")
      return 0;
    if (roleOf(argument) == "logits_at")
      return dimension == 0 ? s.batch : 1;
    if (roleOf(argument) == "block_table")
      return dimension == 0 ? s.batch : pagesOf(s.context, pageSize);
    return dimension == 0 ? s.batch : s.tokens;
  };
  sizes.element = [s,
                   roleOf](unsigned argument,
                           int64_t element) mutable -> std::optional<int64_t> {
    if (roleOf(argument) == "positions")
      return s.context - s.tokens + element % s.tokens;
    if (roleOf(argument) == "logits_at")
      return s.tokens - 1;
    if (roleOf(argument) == "block_table")
      return element;
    return std::nullopt;
  };
  return sizes;
}

llvm::json::Object costJson(const KernelCost &cost) {
  return llvm::json::Object{{"launches", cost.launches},
                            {"waits", cost.waits},
                            {"threads", cost.threads},
                            {"blocks", cost.blocks},
                            {"bytes_read", cost.bytesRead},
                            {"hbm_bytes_read", cost.hbmBytesRead},
                            {"bytes_written", cost.bytesWritten},
                            {"hbm_bytes_written", cost.hbmBytesWritten},
                            {"l1_bytes", cost.l1Bytes},
                            {"flops", cost.flops},
                            {"load_rounds", cost.loadRounds}};
}

bool usesTensorCores(gpu::GPUFuncOp kernel) {
  bool found = false;
  kernel.walk([&](Operation *op) {
    found |= op->getName().getStringRef().contains("mma");
  });
  return found;
}

} // namespace

llvm::Error llama4c::writeReport(ModuleOp kernels, llvm::StringRef ptx,
                                 const Llama4Config &config,
                                 const CompileOptions &options,
                                 llvm::raw_ostream &summary) {
  llvm::StringRef chip = targetName(options.target);
  llvm::Expected<llvm::StringMap<Resources>> resources =
      ptxasResources(ptx, chip);
  if (!resources)
    return resources.takeError();
  llvm::StringMap<bool> tensorCores;
  kernels.walk([&](gpu::GPUFuncOp kernel) {
    tensorCores[kernel.getName()] = usesTensorCores(kernel);
  });

  int64_t tokens = options.reportTokens, batch = options.reportBatch;
  std::vector<Scenario> scenarios = {{"prefill", 1, tokens, tokens},
                                     {"decode", 1, 1, tokens + 1}};
  if (batch > 1)
    scenarios.push_back({"decode", batch, 1, tokens + 1});
  std::vector<Device> devices = devicesOf(options.target);
  WeightBytes weights = weightBytes(kernels, config);

  llvm::json::Array scenarioReports;
  std::string summaryText;
  llvm::raw_string_ostream lines(summaryText);
  for (const Scenario &s : scenarios) {
    auto entry = kernels.lookupSymbol<func::FuncOp>(s.name);
    if (!entry)
      return llvm::createStringError("internal error: no @" + s.name +
                                     " function to trace");
    llvm::Expected<LaunchTrace> trace =
        traceLaunches(kernels, entry, sizesOf(entry, s));
    if (!trace)
      return llvm::createStringError(options.configPath + ": " + s.name +
                                     ": " + llvm::toString(trace.takeError()));
    double newTokens = double(s.batch * s.tokens);
    double weightsRead = weights.decodeBytes(s.batch);
    double liveCache =
        s.name == "decode"
            ? double(s.batch) * KvCaches::of(entry).live(s.context)
            : 0;
    double minimalFlops =
        2 * weights.paramsPerToken() * newTokens +
        (s.name == "prefill" ? s.batch * attentionFlops(config.text, s.tokens)
                             : 0);

    llvm::json::Array kernelReports;
    KernelCost total;
    std::vector<double> totalSeconds(devices.size(), 0);
    for (const auto &[name, cost] : *trace) {
      total += cost;
      // A chained launch's later phases are its kernel's, and so is each
      // phase's every run, a launch or a wait.
      std::string kernelName = name.substr(0, name.find('/'));
      int64_t runs = std::max<int64_t>(cost.launches + cost.waits, 1);
      bool tensor = tensorCores.lookup(kernelName);
      auto found = resources->find(kernelName);
      int64_t registers =
          found != resources->end() ? found->second.registers : 0;
      int64_t blockThreads = cost.blocks > 0
                                 ? llvm::divideCeil(cost.threads, cost.blocks)
                                 : kThreadsPerSm;
      int64_t residentWarps = residentWarpsPerSm(registers, blockThreads);
      llvm::json::Object predicted;
      for (auto [d, device] : llvm::enumerate(devices)) {
        // A launch of fewer blocks than SMs has only that share of the
        // per-SM resources: L1 bandwidth and arithmetic.
        double share = cost.blocks == 0
                           ? 1.0
                           : std::min(1.0, double(cost.blocks) /
                                               double(runs * device.sms));
        double memory = (cost.hbmBytesRead + cost.hbmBytesWritten) /
                        device.hbmBytesPerSecond;
        double l1 = cost.l1Bytes / (device.l1BytesPerSecond * share);
        double compute =
            cost.flops / ((tensor ? device.tensorBf16FlopsPerSecond
                                  : device.fmaF32FlopsPerSecond) *
                          share);
        // Warps wait for their loads side by side, a wave of resident
        // warps after another: as many as the SMs hold of the kernel's
        // blocks, which its registers may bound.
        double warpsPerLaunch =
            double(cost.threads) / double(runs) / double(kWarpSize);
        double waves =
            std::max(1.0, std::ceil(warpsPerLaunch /
                                    double(device.sms * residentWarps)));
        double latency = cost.loadRounds * kLoadRoundSeconds * waves;
        double seconds = std::max(
            {memory, l1, compute, latency,
             cost.launches * kLaunchSeconds + cost.waits * kPhaseWaitSeconds});
        totalSeconds[d] += seconds;
        predicted[device.name] = seconds;
      }
      llvm::json::Object kernel = costJson(cost);
      kernel["name"] = name;
      kernel["tensor_cores"] = tensor;
      kernel["predicted_seconds"] = std::move(predicted);
      kernel["resident_warps_per_sm"] = residentWarps;
      if (found != resources->end())
        kernel["ptxas"] = llvm::json::Object{
            {"registers", found->second.registers},
            {"shared_bytes", found->second.sharedBytes},
            {"spill_bytes", found->second.spillBytes},
            {"stack_bytes", found->second.stackBytes}};
      kernelReports.push_back(std::move(kernel));
    }

    llvm::json::Object perDevice;
    for (auto [d, device] : llvm::enumerate(devices)) {
      double predicted = totalSeconds[d];
      // Decode is bound by reading the weights, prefill by the tensor
      // cores' bf16 peak on its minimal FLOPs.
      double roofline = s.name == "decode"
                            ? weightsRead / device.hbmBytesPerSecond
                            : minimalFlops / device.tensorBf16FlopsPerSecond;
      perDevice[device.name] = llvm::json::Object{
          {"predicted_seconds", predicted},
          {"predicted_tokens_per_second", newTokens / predicted},
          {"roofline_seconds", roofline},
          {"roofline_tokens_per_second", newTokens / roofline},
          {"fraction_of_roofline", roofline / predicted}};
      if (d == 0) {
        if (s.name == "decode")
          lines << llvm::format(
              "decode (batch %lld, context %lld, %s): %lld launches/step, "
              "predicted %.3g tok/s, roofline %.4g tok/s (%.2g%%), "
              "%.3g GB of HBM traffic for %.3g GB of weights and %.2g GB "
              "of live keys and values\n",
              (long long)s.batch, (long long)s.context, device.name,
              (long long)total.launches, newTokens / predicted,
              newTokens / roofline, 100 * roofline / predicted,
              (total.hbmBytesRead + total.hbmBytesWritten) / 1e9,
              weightsRead / 1e9, liveCache / 1e9);
        else
          lines << llvm::format(
              "prefill (%lld tokens, %s): %lld launches, predicted %.3g "
              "tok/s, %.2g%% of the bf16 tensor-core peak\n",
              (long long)s.tokens, device.name, (long long)total.launches,
              newTokens / predicted, 100 * roofline / predicted);
      }
    }
    llvm::json::Object call = costJson(total);
    call["call"] = s.name;
    call["batch"] = s.batch;
    call["new_tokens_per_row"] = s.tokens;
    call["context"] = s.context;
    call["weight_bytes_read_at_least"] = weightsRead;
    if (s.name == "decode")
      call["live_kv_bytes"] = liveCache;
    call["minimal_flops"] = minimalFlops;
    call["devices"] = std::move(perDevice);
    call["kernels"] = std::move(kernelReports);
    scenarioReports.push_back(std::move(call));
  }

  auto decode = kernels.lookupSymbol<func::FuncOp>("decode");
  llvm::json::Object memory =
      memoryReport(decode, weights, config.text.maxPositionEmbeddings, tokens,
                   tokens, devices, lines);

  llvm::json::Array deviceList;
  for (const Device &device : devices)
    deviceList.push_back(llvm::json::Object{
        {"name", device.name},
        {"memory_bytes", device.memoryBytes},
        {"hbm_bytes_per_second", device.hbmBytesPerSecond},
        {"l1_bytes_per_second", device.l1BytesPerSecond},
        {"tensor_bf16_flops_per_second", device.tensorBf16FlopsPerSecond},
        {"fma_f32_flops_per_second", device.fmaF32FlopsPerSecond}});
  llvm::json::Object report{
      {"config", options.configPath},
      {"target", chip},
      {"what",
       "predicted, not measured: from each kernel's indexing, its global "
       "traffic (32-byte sectors a warp touches, once per run of its "
       "innermost loop) and L1 traffic (sectors per warp instruction); its "
       "time the largest of traffic / HBM bandwidth, L1 traffic / L1 "
       "bandwidth, FLOPs / peak (FMA, or tensor cores where it uses them), "
       "its busiest warp's rounds of loads at 100 ns each (a wave of "
       "resident warps after another) and its launches at 3 us each (a "
       "chained launch's later phases each a kernel of its own, at 1 us "
       "each for its wait). Occupancy, L2 bandwidth and caches across "
       "warps are not modelled"},
      {"load_round_seconds", kLoadRoundSeconds},
      {"launch_seconds", kLaunchSeconds},
      {"phase_wait_seconds", kPhaseWaitSeconds},
      {"devices", std::move(deviceList)},
      {"calls", std::move(scenarioReports)},
      {"memory", std::move(memory)}};
  std::string json;
  llvm::raw_string_ostream os(json);
  os << llvm::formatv("{0:2}", llvm::json::Value(std::move(report))) << '\n';
  if (llvm::Error error = writeOutput(options.outputPath, json))
    return error;
  summary << summaryText;
  return llvm::Error::success();
}
