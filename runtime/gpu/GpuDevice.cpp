//===- GpuDevice.cpp - The GPU a GPU model runs on ------------------------===//

#include "runtime/gpu/GpuDevice.h"

#include "llama4c/DeviceMemory.h"
#include "runtime/safetensors/DType.h"
#include "runtime/support/HostBuffer.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace llama4c::runtime {

namespace {
/// The device whose model is running: the driver callbacks of abi.h carry
/// no context argument. One GPU model runs at a time in a process.
GpuDevice *current = nullptr;
} // namespace

/// The llama4c_gpu_driver functions, over the current device. Failures are
/// recorded, never thrown at the model: the call reports them after.
struct DriverCallbacks {
  static void *moduleLoad(const void *ptx, int32_t optLevel) {
    GpuDevice &gpu = *current;
    char log[8192] = {};
    int options[] = {CudaDriver::kJitErrorLogBuffer,
                     CudaDriver::kJitErrorLogBufferBytes,
                     CudaDriver::kJitOptimizationLevel};
    void *values[] = {log, reinterpret_cast<void *>(uintptr_t(sizeof(log))),
                      reinterpret_cast<void *>(uintptr_t(optLevel))};
    void *module = nullptr;
    CudaDriver::Result result =
        gpu.cuda->moduleLoadDataEx(&module, ptx, 3, options, values);
    if (result != 0 && gpu.failure.empty())
      gpu.failure = gpu.cuda->describe("cuModuleLoadDataEx", result) +
                    (log[0] ? std::string(": ") + log : "");
    if (module)
      gpu.modules.push_back(module);
    return module;
  }
  static void moduleUnload(void *) {} // with the context
  static void *moduleGetFunction(void *module, const char *name) {
    GpuDevice &gpu = *current;
    void *&function = gpu.functions[{module, name}];
    if (!function && module)
      gpu.check("cuModuleGetFunction",
                gpu.cuda->moduleGetFunction(&function, module, name));
    return function;
  }
  // Every launch, copy and allocation is ordered on the one stream; the
  // runtime synchronises once, before reading the logits.
  static void *streamCreate() { return current->stream; }
  static void streamSynchronize(void *) {}
  static void streamDestroy(void *) {}
  static void launchKernel(void *function, int64_t gridX, int64_t gridY,
                           int64_t gridZ, int64_t blockX, int64_t blockY,
                           int64_t blockZ, int32_t sharedBytes, void *,
                           void **params, void **extra, int64_t) {
    GpuDevice &gpu = *current;
    if (!function || !gpu.failure.empty())
      return;
    if (gridX == 0 || gridY == 0 || gridZ == 0)
      return; // an empty loop: nothing to launch
    gpu.check("cuLaunchKernel",
              gpu.cuda->launchKernel(function, unsigned(gridX), unsigned(gridY),
                                     unsigned(gridZ), unsigned(blockX),
                                     unsigned(blockY), unsigned(blockZ),
                                     unsigned(sharedBytes), gpu.stream, params,
                                     extra));
  }
  static void *alloc(int64_t bytes) {
    GpuDevice &gpu = *current;
    CudaDriver::DevicePointer pointer = 0;
    if (!gpu.check("cuMemAllocAsync",
                   gpu.cuda->memAllocAsync(&pointer, size_t(bytes ? bytes : 1),
                                           gpu.stream)))
      return nullptr;
    return reinterpret_cast<void *>(pointer);
  }
  static void free(void *pointer) {
    GpuDevice &gpu = *current;
    if (pointer)
      gpu.check("cuMemFreeAsync",
                gpu.cuda->memFreeAsync(
                    CudaDriver::DevicePointer(uintptr_t(pointer)), gpu.stream));
  }

  static const llama4c_gpu_driver table;
};

const llama4c_gpu_driver DriverCallbacks::table = {
    DriverCallbacks::moduleLoad,        DriverCallbacks::moduleUnload,
    DriverCallbacks::moduleGetFunction, DriverCallbacks::streamCreate,
    DriverCallbacks::streamSynchronize, DriverCallbacks::streamDestroy,
    DriverCallbacks::launchKernel,      DriverCallbacks::alloc,
    DriverCallbacks::free,
};

DeviceBuffer &DeviceBuffer::operator=(DeviceBuffer &&other) noexcept {
  if (this != &other) {
    this->~DeviceBuffer();
    device = std::exchange(other.device, nullptr);
    pointer = std::exchange(other.pointer, 0);
    length = std::exchange(other.length, 0);
    budgeted = std::exchange(other.budgeted, false);
  }
  return *this;
}

DeviceBuffer::~DeviceBuffer() {
  if (device && pointer) {
    device->check("cuMemFreeAsync",
                  device->cuda->memFreeAsync(pointer, device->stream));
    if (budgeted)
      device->budgetedBytes -= length;
  }
  device = nullptr;
  pointer = 0;
}

MappedHostBuffer &
MappedHostBuffer::operator=(MappedHostBuffer &&other) noexcept {
  if (this != &other) {
    this->~MappedHostBuffer();
    cuda = std::exchange(other.cuda, nullptr);
    host = std::exchange(other.host, nullptr);
    device = std::exchange(other.device, nullptr);
  }
  return *this;
}

MappedHostBuffer::~MappedHostBuffer() {
  if (cuda && host)
    cuda->memFreeHost(host);
  host = nullptr;
}

Expected<std::unique_ptr<GpuDevice>>
GpuDevice::open(const std::string &modelPath, const std::string &target) {
  Expected<const CudaDriver *> cuda = CudaDriver::load();
  if (!cuda)
    return Error(modelPath + ": targets " + target + ", but " +
                 cuda.error().message());
  return open(modelPath, target, **cuda);
}

Expected<std::unique_ptr<GpuDevice>>
GpuDevice::open(const std::string &modelPath, const std::string &target,
                const CudaDriver &cuda) {
  std::unique_ptr<GpuDevice> gpu(new GpuDevice);
  gpu->cuda = &cuda;
  auto fail = [&](const char *call, CudaDriver::Result result) {
    return Error(modelPath + ": targets " + target + ": " +
                 gpu->cuda->describe(call, result));
  };
  int count = 0;
  if (CudaDriver::Result r = gpu->cuda->deviceGetCount(&count))
    return fail("cuDeviceGetCount", r);
  if (count == 0)
    return Error(modelPath + ": targets " + target + ", but no CUDA GPU is "
                                                     "visible");
  if (CudaDriver::Result r = gpu->cuda->deviceGet(&gpu->device, 0))
    return fail("cuDeviceGet", r);
  int major = 0, minor = 0;
  char deviceName[256] = {};
  if (CudaDriver::Result r = gpu->cuda->deviceGetAttribute(
          &major, CudaDriver::kComputeCapabilityMajor, gpu->device))
    return fail("cuDeviceGetAttribute", r);
  if (CudaDriver::Result r = gpu->cuda->deviceGetAttribute(
          &minor, CudaDriver::kComputeCapabilityMinor, gpu->device))
    return fail("cuDeviceGetAttribute", r);
  gpu->cuda->deviceGetName(deviceName, sizeof(deviceName) - 1, gpu->device);
  size_t memory = 0;
  if (CudaDriver::Result r = gpu->cuda->deviceTotalMem(&memory, gpu->device))
    return fail("cuDeviceTotalMem", r);
  gpu->total = memory;
  // A GPU of less than twice the reserve (none that runs Llama 4) keeps
  // half.
  gpu->budget = memory > 2 * kDeviceReserveBytes ? memory - kDeviceReserveBytes
                                                 : memory / 2;
  std::string arch = "sm_" + std::to_string(major * 10 + minor);
  gpu->name = std::string(deviceName) + " (" + arch + ")";
  int wanted = std::atoi(target.c_str() + 3);
  if (major * 10 + minor < wanted)
    return Error(modelPath + ": built for " + target + ", but GPU 0 is " +
                 gpu->name + "; recompile with --target " + arch);
  if (CudaDriver::Result r =
          gpu->cuda->primaryCtxRetain(&gpu->context, gpu->device))
    return fail("cuDevicePrimaryCtxRetain", r);
  if (CudaDriver::Result r = gpu->cuda->ctxSetCurrent(gpu->context))
    return fail("cuCtxSetCurrent", r);
  if (CudaDriver::Result r = gpu->cuda->streamCreate(
          &gpu->stream, CudaDriver::kStreamNonBlocking))
    return fail("cuStreamCreate", r);
  // Eager calls take their temporaries from the device's default pool;
  // keeping what it grew to spares later calls the operating system.
  void *pool = nullptr;
  uint64_t keepEverything = UINT64_MAX;
  if (CudaDriver::Result r =
          gpu->cuda->deviceGetDefaultMemPool(&pool, gpu->device))
    return fail("cuDeviceGetDefaultMemPool", r);
  if (CudaDriver::Result r = gpu->cuda->memPoolSetAttribute(
          pool, CudaDriver::kMemPoolReleaseThreshold, &keepEverything))
    return fail("cuMemPoolSetAttribute", r);
  const char *graphs = std::getenv("LLAMA4C_CUDA_GRAPHS");
  gpu->graphs = !graphs || std::string(graphs) != "0";
  return gpu;
}

GpuDevice::~GpuDevice() {
  if (!context)
    return;
  dropSteps();
  weights.clear();
  cuda->streamSynchronize(stream);
  hostWeights.clear(); // the kernels that read them are done
  for (void *module : modules)
    cuda->moduleUnload(module);
  cuda->streamDestroy(stream);
  cuda->primaryCtxRelease(device);
  if (current == this)
    current = nullptr;
}

bool GpuDevice::check(const char *call, CudaDriver::Result result) {
  if (result != 0 && failure.empty())
    failure = cuda->describe(call, result);
  return result == 0;
}

Expected<void> GpuDevice::takeFailure(const std::string &context) {
  if (failure.empty())
    return {};
  Error error(context + ": " + failure);
  failure.clear();
  return error;
}

Expected<void>
GpuDevice::bind(int32_t (*bindGpu)(const llama4c_gpu_driver *)) {
  current = this;
  bindGpu(&DriverCallbacks::table);
  check("cuStreamSynchronize", cuda->streamSynchronize(stream));
  return takeFailure("loading the kernels on " + name);
}

Expected<void> GpuDevice::setMemoryBudget(uint64_t bytes) {
  if (bytes > total)
    return Error("a device memory budget of " + formatSize(bytes) +
                 " is more than " + name + " has (" + formatSize(total) + ")");
  if (bytes < budgetedBytes)
    return Error("a device memory budget of " + formatSize(bytes) +
                 " is less than " + name + " already holds (" +
                 formatSize(budgetedBytes) + ")");
  budget = bytes;
  return {};
}

Expected<DeviceBuffer> GpuDevice::allocateZeroed(size_t bytes,
                                                 const std::string &what) {
  return allocate(bytes, what, /*budgeted=*/true);
}

Expected<DeviceBuffer>
GpuDevice::allocate(size_t bytes, const std::string &what, bool budgeted) {
  if (budgeted && bytes > budgetLeft())
    return Error(what + ": " + formatSize(bytes) + " more of " + name +
                 "'s memory is over its budget of " + formatSize(budget) +
                 " (--device-memory), of which " + formatSize(budgetedBytes) +
                 " is taken");
  CudaDriver::DevicePointer pointer = 0;
  if (CudaDriver::Result r =
          cuda->memAllocAsync(&pointer, bytes ? bytes : 1, stream))
    return Error(what + ": cannot allocate " + std::to_string(bytes) +
                 " bytes on " + name + ": " +
                 cuda->describe("cuMemAllocAsync", r));
  DeviceBuffer buffer(this, pointer, bytes, budgeted);
  if (budgeted)
    budgetedBytes += bytes;
  if (CudaDriver::Result r = cuda->memsetD8Async(pointer, 0, bytes, stream))
    return Error(what + ": " + cuda->describe("cuMemsetD8Async", r));
  return buffer;
}

Expected<DeviceBuffer> GpuDevice::upload(const void *host, size_t bytes,
                                         const std::string &what) {
  Expected<DeviceBuffer> buffer = allocateZeroed(bytes, what);
  if (!buffer)
    return buffer;
  if (bytes && host)
    if (CudaDriver::Result r = cuda->memcpyHtoDAsync(
            CudaDriver::DevicePointer(uintptr_t(buffer->data())), host, bytes,
            stream))
      return Error(what + ": " + cuda->describe("cuMemcpyHtoDAsync", r));
  return buffer;
}

Expected<MappedHostBuffer> GpuDevice::allocateMapped(size_t bytes,
                                                     const std::string &what,
                                                     const void *contents) {
  void *pinned = nullptr;
  if (CudaDriver::Result r =
          cuda->memHostAlloc(&pinned, bytes ? bytes : 1,
                             CudaDriver::kHostAllocDeviceMap |
                                 CudaDriver::kHostAllocWriteCombined))
    return Error(what + ": cannot pin " + formatSize(bytes) +
                 " of host memory: " + cuda->describe("cuMemHostAlloc", r));
  MappedHostBuffer buffer(cuda, pinned);
  if (contents)
    std::memcpy(pinned, contents, bytes);
  else
    std::memset(pinned, 0, bytes);
  CudaDriver::DevicePointer address = 0;
  if (CudaDriver::Result r = cuda->memHostGetDevicePointer(&address, pinned, 0))
    return Error(what + ": " + cuda->describe("cuMemHostGetDevicePointer", r));
  buffer.device = reinterpret_cast<void *>(uintptr_t(address));
  return buffer;
}

uint64_t GpuDevice::cacheRoom(const Manifest &manifest) const {
  uint64_t weightsToCome = 0;
  if (placement.onDevice.empty())
    for (const ManifestWeight &weight : manifest.weights)
      if (weight.role != WeightRole::RoutedExperts)
        weightsToCome += weight.bytes();
  return budgetLeft() > weightsToCome ? budgetLeft() - weightsToCome : 0;
}

Expected<void> GpuDevice::uploadWeights(const llama4c_call &call,
                                        const Manifest &manifest) {
  if (weightsSource == call.weights)
    return {};
  dropSteps(); // their graphs read the weights where they were
  weights.clear();
  hostWeights.clear();
  weightPointers.clear();
  // The KV cache is allocated first: the weights take what it leaves.
  Expected<WeightPlacement> placed = placeWeights(manifest, budgetLeft());
  if (!placed)
    return Error(name + ": its memory budget of " + formatSize(budget) +
                 " (--device-memory), of which the KV cache takes " +
                 formatSize(budgetedBytes) +
                 ", is too small: " + placed.error().message());
  placement = std::move(*placed);
  for (size_t i = 0; i < manifest.weights.size(); ++i) {
    const ManifestWeight &weight = manifest.weights[i];
    std::string what = "weight " + weight.name;
    if (!placement.onDevice[i]) {
      Expected<MappedHostBuffer> mapped =
          allocateMapped(weight.bytes(), what, call.weights[i]);
      if (!mapped)
        return mapped.error();
      weightPointers.push_back(mapped->deviceData());
      hostWeights.push_back(std::move(*mapped));
      continue;
    }
    Expected<DeviceBuffer> buffer =
        upload(call.weights[i], weight.bytes(), what);
    if (!buffer)
      return buffer.error();
    weightPointers.push_back(buffer->data());
    weights.push_back(std::move(*buffer));
  }
  weightsSource = call.weights;
  return {};
}

Expected<GpuDevice::CallBuffers>
GpuDevice::allocateCallBuffers(const llama4c_call &call,
                               const Manifest &manifest) {
  size_t tokens = size_t(call.batch) * size_t(call.seq);
  size_t logitRows = size_t(call.batch) * size_t(call.logits_per_row);
  size_t pixelBytes = 0;
  if (call.tiles && manifest.vision)
    pixelBytes = size_t(call.tiles) * size_t(manifest.vision->numChannels) *
                 size_t(manifest.vision->imageSize) *
                 size_t(manifest.vision->imageSize) * dtypeSize(manifest.dtype);
  // Outside the budget, with the call's activations.
  auto uncounted = [&](size_t bytes, const char *what) {
    return allocate(bytes, what, /*budgeted=*/false);
  };
  CallBuffers buffers;
  std::pair<DeviceBuffer *, Expected<DeviceBuffer>> made[] = {
      {&buffers.tokens, uncounted(tokens * sizeof(int32_t), "tokens")},
      {&buffers.positions, uncounted(tokens * sizeof(int32_t), "positions")},
      {&buffers.logitsAt,
       uncounted(call.logits_at ? logitRows * sizeof(int32_t) : 0,
                 "logits_at")},
      {&buffers.blockTable,
       uncounted(call.block_table
                     ? size_t(call.batch) * size_t(call.block_table_width) *
                           sizeof(int32_t)
                     : 0,
                 "block table")},
      {&buffers.pixels, uncounted(pixelBytes, "pixel values")},
      {&buffers.logits,
       uncounted(call.logits
                     ? logitRows * size_t(manifest.vocabSize) * sizeof(float)
                     : 0,
                 "logits")},
      {&buffers.nextTokens,
       uncounted(call.next_tokens ? logitRows * sizeof(int32_t) : 0,
                 "next tokens")}};
  for (auto &[buffer, allocated] : made) {
    if (!allocated)
      return allocated.error();
    *buffer = std::move(*allocated);
  }
  return buffers;
}

Expected<GpuDevice::Step *> GpuDevice::stepOf(Entry entry,
                                              const llama4c_call &call,
                                              const Manifest &manifest) {
  if (!graphs)
    return nullptr;
  std::vector<void *> kvCache(call.kv_cache,
                              call.kv_cache + manifest.kvCache.size());
  for (std::unique_ptr<Step> &step : steps)
    if (step->entry == entry && step->batch == call.batch &&
        step->seq == call.seq && step->logitsPerRow == call.logits_per_row &&
        step->tableWidth == call.block_table_width &&
        step->kvPages == call.kv_pages &&
        step->logits == (call.logits != nullptr) &&
        step->nextTokens == (call.next_tokens != nullptr) &&
        step->tiles == call.tiles && step->kvCache == kvCache)
      return step.get();
  if (steps.size() == kMaxSteps) {
    auto oldest = std::min_element(
        steps.begin(), steps.end(),
        [](const auto &a, const auto &b) { return a->lastUse < b->lastUse; });
    dropGraph(**oldest);
    steps.erase(oldest);
  }
  Expected<CallBuffers> buffers = allocateCallBuffers(call, manifest);
  if (!buffers)
    return buffers.error();
  steps.push_back(std::make_unique<Step>(Step{
      entry, call.batch, call.seq, call.logits_per_row, call.block_table_width,
      call.kv_pages, call.tiles, call.logits != nullptr,
      call.next_tokens != nullptr, std::move(kvCache), std::move(*buffers)}));
  return steps.back().get();
}

bool GpuDevice::capture(Entry entry, const llama4c_call &onDevice, Step &step,
                        int32_t &status) {
  void *graph = nullptr, *executable = nullptr;
  bool modelFailed = false;
  if (cuda->streamBeginCapture(stream, CudaDriver::kCaptureModeThreadLocal) ==
      0) {
    status = entry(&onDevice);
    bool ended =
        cuda->streamEndCapture(stream, &graph) == 0 && graph && failure.empty();
    modelFailed = ended && status != 0;
    // A temporary the model does not free before returning would make the
    // graph's next launch fail; freed on relaunch instead.
    if (ended && status == 0 &&
        cuda->graphInstantiate(&executable, graph,
                               CudaDriver::kGraphAutoFreeOnLaunch) == 0) {
      step.graph = graph;
      step.executable = executable;
      check("cuGraphLaunch", cuda->graphLaunch(executable, stream));
      return true;
    }
  }
  // Capturing runs nothing: the call runs again eagerly, where a real
  // failure fails again. A driver that cannot capture or instantiate the
  // step turns graphs off.
  if (graph)
    cuda->graphDestroy(graph);
  failure.clear();
  if (!modelFailed)
    graphs = false;
  return false;
}

void GpuDevice::dropGraph(Step &step) {
  if (step.executable)
    cuda->graphExecDestroy(step.executable);
  if (step.graph)
    cuda->graphDestroy(step.graph);
  step.executable = step.graph = nullptr;
}

void GpuDevice::dropSteps() {
  for (std::unique_ptr<Step> &step : steps)
    dropGraph(*step);
  steps.clear();
}

Expected<void> GpuDevice::run(Entry entry, const char *entryName,
                              const llama4c_call &call,
                              const Manifest &manifest, Launch launch) {
  current = this;
  if (Expected<void> uploaded = uploadWeights(call, manifest); !uploaded)
    return uploaded;
  Step *step = nullptr;
  if (launch == Launch::Replayable) {
    Expected<Step *> kept = stepOf(entry, call, manifest);
    if (!kept)
      return kept.error();
    step = *kept;
  }
  CallBuffers fresh;
  if (!step) {
    Expected<CallBuffers> allocated = allocateCallBuffers(call, manifest);
    if (!allocated)
      return allocated.error();
    fresh = std::move(*allocated);
  }
  CallBuffers &buffers = step ? step->buffers : fresh;
  auto copyIn = [&](const DeviceBuffer &to, const void *from) {
    if (to.size() && from)
      check(
          "cuMemcpyHtoDAsync",
          cuda->memcpyHtoDAsync(CudaDriver::DevicePointer(uintptr_t(to.data())),
                                from, to.size(), stream));
  };
  copyIn(buffers.tokens, call.tokens);
  copyIn(buffers.positions, call.positions);
  copyIn(buffers.logitsAt, call.logits_at);
  copyIn(buffers.blockTable, call.block_table);
  copyIn(buffers.pixels, call.pixel_values);

  llama4c_call onDevice = call;
  onDevice.weights = weightPointers.data();
  onDevice.tokens = static_cast<const int32_t *>(buffers.tokens.data());
  onDevice.positions = static_cast<const int32_t *>(buffers.positions.data());
  onDevice.logits_at =
      call.logits_at ? static_cast<const int32_t *>(buffers.logitsAt.data())
                     : nullptr;
  onDevice.block_table =
      call.block_table ? static_cast<const int32_t *>(buffers.blockTable.data())
                       : nullptr;
  onDevice.pixel_values = call.tiles ? buffers.pixels.data() : nullptr;
  onDevice.logits =
      call.logits ? static_cast<float *>(buffers.logits.data()) : nullptr;
  onDevice.next_tokens = call.next_tokens
                             ? static_cast<int32_t *>(buffers.nextTokens.data())
                             : nullptr;
  int32_t status = 0;
  if (step && step->executable)
    check("cuGraphLaunch", cuda->graphLaunch(step->executable, stream));
  else if (!step || step->runs == 0 || !capture(entry, onDevice, *step, status))
    status = entry(&onDevice);
  if (step) {
    ++step->runs;
    step->lastUse = ++calls;
  }
  auto copyOut = [&](void *to, const DeviceBuffer &from) {
    if (to && from.size())
      check("cuMemcpyDtoHAsync",
            cuda->memcpyDtoHAsync(
                to, CudaDriver::DevicePointer(uintptr_t(from.data())),
                from.size(), stream));
  };
  copyOut(call.logits, buffers.logits);
  copyOut(call.next_tokens, buffers.nextTokens);
  check("cuStreamSynchronize", cuda->streamSynchronize(stream));
  if (Expected<void> ok = takeFailure(std::string(entryName) + " on " + name);
      !ok)
    return ok;
  if (status != 0)
    return Error(std::string(entryName) + " failed with status " +
                 std::to_string(status));
  return {};
}

} // namespace llama4c::runtime
