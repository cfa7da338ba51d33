//===- GpuDeviceTest.cpp - Tests for GpuDevice over a fake CUDA driver ----===//
//
// CI has no GPU, so GpuDevice runs here over a CUDA driver made of host
// functions: device memory is host memory (and so is pinned host memory,
// marked as such), a kernel is a host function, and stream capture
// records launches that a graph launch replays. A fake
// model's decode launches two kernels (tokens and positions into a
// temporary, the temporary into the logits), so every call's logits show
// whether the kernels read that call's inputs and the runtime read back
// what they wrote, eager or replayed.
//
//===----------------------------------------------------------------------===//

#include "runtime/gpu/GpuDevice.h"
#include "runtime/kv-cache/KvCache.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

using namespace llama4c::runtime;

namespace {

using DevicePointer = CudaDriver::DevicePointer;

/// A kernel of the fake driver: its arguments are 8-byte values.
using FakeKernel = std::function<void(const std::vector<uint64_t> &)>;

struct Launch {
  const FakeKernel *kernel;
  std::vector<uint64_t> arguments;
};

/// What a graph holds: its launches and the memory its allocations took.
struct FakeGraph {
  std::vector<Launch> launches;
  std::vector<void *> memory;
};

/// The fake driver's state; one test at a time.
struct FakeGpu {
  std::map<std::string, FakeKernel> kernels;
  bool refusesCapture = false;
  bool capturing = false;
  std::unique_ptr<FakeGraph> recording;
  int eagerLaunches = 0, captureAttempts = 0, captures = 0, graphLaunches = 0;
  int allocations = 0; // outside capture
  int liveGraphs = 0;
  size_t memory = size_t(64) << 20;
  std::set<const void *> pinned; // host memory mapped for the device
} * gpu;

CudaDriver::Result ok() { return 0; }

void run(const Launch &launch) { (*launch.kernel)(launch.arguments); }

const CudaDriver &fakeDriver() {
  static CudaDriver driver = [] {
    CudaDriver d{};
    d.init = [](unsigned) { return ok(); };
    d.deviceGetCount = [](int *count) { return *count = 1, ok(); };
    d.deviceGet = [](int *device, int) { return *device = 0, ok(); };
    d.deviceGetAttribute = [](int *value, int attribute, int) {
      *value = attribute == CudaDriver::kComputeCapabilityMajor ? 9 : 0;
      return ok();
    };
    d.deviceGetName = [](char *name, int length, int) {
      std::strncpy(name, "Fake H100", size_t(length));
      return ok();
    };
    d.deviceTotalMem = [](size_t *bytes, int) {
      return *bytes = gpu->memory, ok();
    };
    d.primaryCtxRetain = [](void **context, int) {
      return *context = gpu, ok();
    };
    d.primaryCtxRelease = [](int) { return ok(); };
    d.ctxSetCurrent = [](void *) { return ok(); };
    d.moduleLoadDataEx = [](void **module, const void *, unsigned, int *,
                            void **) { return *module = gpu, ok(); };
    d.moduleUnload = [](void *) { return ok(); };
    d.moduleGetFunction = [](void **function, void *, const char *name) {
      *function = &gpu->kernels.at(name);
      return ok();
    };
    d.launchKernel = [](void *function, unsigned, unsigned, unsigned, unsigned,
                        unsigned, unsigned, unsigned, void *, void **params,
                        void **) {
      auto *kernel = static_cast<const FakeKernel *>(function);
      Launch launch{kernel, {}};
      for (int i = 0; params[i]; ++i)
        launch.arguments.push_back(*static_cast<uint64_t *>(params[i]));
      if (gpu->capturing) {
        gpu->recording->launches.push_back(launch);
      } else {
        ++gpu->eagerLaunches;
        run(launch);
      }
      return ok();
    };
    d.streamCreate = [](void **stream, unsigned) {
      return *stream = gpu, ok();
    };
    d.streamSynchronize = [](void *) { return ok(); };
    d.streamDestroy = [](void *) { return ok(); };
    d.memAllocAsync = [](DevicePointer *pointer, size_t bytes, void *) {
      void *memory = std::calloc(bytes, 1);
      if (gpu->capturing)
        gpu->recording->memory.push_back(memory); // the graph's, for good
      else
        ++gpu->allocations;
      *pointer = DevicePointer(uintptr_t(memory));
      return ok();
    };
    d.memFreeAsync = [](DevicePointer pointer, void *) {
      if (!gpu->capturing)
        std::free(reinterpret_cast<void *>(uintptr_t(pointer)));
      return ok();
    };
    d.memcpyHtoDAsync = [](DevicePointer to, const void *from, size_t bytes,
                           void *) {
      std::memcpy(reinterpret_cast<void *>(uintptr_t(to)), from, bytes);
      return ok();
    };
    d.memcpyDtoHAsync = [](void *to, DevicePointer from, size_t bytes, void *) {
      std::memcpy(to, reinterpret_cast<void *>(uintptr_t(from)), bytes);
      return ok();
    };
    d.memsetD8Async = [](DevicePointer to, unsigned char value, size_t bytes,
                         void *) {
      std::memset(reinterpret_cast<void *>(uintptr_t(to)), value, bytes);
      return ok();
    };
    d.memHostAlloc = [](void **host, size_t bytes, unsigned flags) {
      if (!(flags & CudaDriver::kHostAllocDeviceMap))
        return CudaDriver::Result(1); // the device could not read it
      *host = std::calloc(bytes, 1);
      gpu->pinned.insert(*host);
      return ok();
    };
    d.memHostGetDevicePointer = [](DevicePointer *pointer, void *host,
                                   unsigned) {
      if (!gpu->pinned.count(host))
        return CudaDriver::Result(1);
      *pointer = DevicePointer(uintptr_t(host)); // one address space
      return ok();
    };
    d.memFreeHost = [](void *host) {
      gpu->pinned.erase(host);
      std::free(host);
      return ok();
    };
    d.getErrorName = [](CudaDriver::Result, const char **name) {
      return *name = "FAKE_ERROR", ok();
    };
    d.deviceGetDefaultMemPool = [](void **pool, int) {
      return *pool = gpu, ok();
    };
    d.memPoolSetAttribute = [](void *, int, void *) { return ok(); };
    d.streamBeginCapture = [](void *, int) {
      ++gpu->captureAttempts;
      if (gpu->refusesCapture)
        return CudaDriver::Result(900); // STREAM_CAPTURE_UNSUPPORTED
      gpu->capturing = true;
      gpu->recording = std::make_unique<FakeGraph>();
      return ok();
    };
    d.streamEndCapture = [](void *, void **graph) {
      gpu->capturing = false;
      ++gpu->captures;
      ++gpu->liveGraphs;
      *graph = gpu->recording.release();
      return ok();
    };
    d.graphInstantiate = [](void **executable, void *graph,
                            unsigned long long) {
      return *executable = graph, ok();
    };
    d.graphLaunch = [](void *executable, void *) {
      ++gpu->graphLaunches;
      for (const Launch &launch :
           static_cast<FakeGraph *>(executable)->launches)
        run(launch);
      return ok();
    };
    d.graphExecDestroy = [](void *) { return ok(); };
    d.graphDestroy = [](void *graph) {
      auto *fake = static_cast<FakeGraph *>(graph);
      for (void *memory : fake->memory)
        std::free(memory);
      delete fake;
      --gpu->liveGraphs;
      return ok();
    };
    return d;
  }();
  return driver;
}

// The fake model: llama4c_bind_gpu and llama4c_decode over the driver
// table, as a compiled model's host code calls it.
constexpr int64_t kVocab = 3;
const llama4c_gpu_driver *table = nullptr;
void *mixKernel = nullptr, *storeKernel = nullptr, *pickKernel = nullptr,
     *greedyKernel = nullptr, *sumKernel = nullptr;

int32_t bindGpu(const llama4c_gpu_driver *driver) {
  table = driver;
  void *module = driver->module_load("fake ptx", 2);
  mixKernel = driver->module_get_function(module, "mix");
  storeKernel = driver->module_get_function(module, "store");
  pickKernel = driver->module_get_function(module, "pick");
  greedyKernel = driver->module_get_function(module, "greedy");
  sumKernel = driver->module_get_function(module, "sum");
  return 0;
}

void launch(void *kernel, std::vector<uint64_t> arguments) {
  std::vector<void *> params;
  for (uint64_t &argument : arguments)
    params.push_back(&argument);
  params.push_back(nullptr);
  table->launch_kernel(kernel, 1, 1, 1, 32, 1, 1, 0, table->stream_create(),
                       params.data(), nullptr, int64_t(arguments.size()));
}

uint64_t address(const void *pointer) { return uint64_t(uintptr_t(pointer)); }

int32_t decode(const llama4c_call *call) {
  int64_t tokens = call->batch * call->seq;
  void *mixed = table->alloc(tokens * int64_t(sizeof(float)));
  launch(mixKernel, {address(call->tokens), address(call->positions),
                     address(mixed), uint64_t(tokens)});
  if (call->logits)
    launch(storeKernel,
           {address(mixed), address(call->logits), uint64_t(tokens)});
  if (call->next_tokens)
    launch(greedyKernel,
           {address(mixed), address(call->next_tokens), uint64_t(tokens)});
  table->free(mixed);
  return 0;
}

// A prefill whose logits row r is logits_at[r] * 10 + v: the chosen
// tokens must reach the device, and R rows come back.
int32_t prefill(const llama4c_call *call) {
  launch(pickKernel, {address(call->logits_at), address(call->logits),
                      uint64_t(call->batch * call->logits_per_row)});
  return 0;
}

// A prefill whose logits are, for each v, the sum over weights w of
// weights[w][v]: every weight must be where the pointer it was given says,
// on the device or in host memory.
constexpr int64_t kSummedWeights = 4;
int32_t sumWeights(const llama4c_call *call) {
  std::vector<uint64_t> arguments = {address(call->logits)};
  for (int64_t w = 0; w < kSummedWeights; ++w)
    arguments.push_back(address(call->weights[w]));
  launch(sumKernel, arguments);
  return 0;
}

template <class T> T *at(uint64_t address) {
  return reinterpret_cast<T *>(uintptr_t(address));
}

class GpuDeviceTest : public ::testing::Test {
protected:
  void SetUp() override {
    state = std::make_unique<FakeGpu>();
    gpu = state.get();
    // mix: mixed[i] = 1000 token + position.
    gpu->kernels["mix"] = [](const std::vector<uint64_t> &a) {
      for (uint64_t i = 0; i < a[3]; ++i)
        at<float>(a[2])[i] =
            float(1000 * at<int32_t>(a[0])[i] + at<int32_t>(a[1])[i]);
    };
    // store: logits[i][v] = mixed[i] + v.
    gpu->kernels["store"] = [](const std::vector<uint64_t> &a) {
      for (uint64_t i = 0; i < a[2]; ++i)
        for (int64_t v = 0; v < kVocab; ++v)
          at<float>(a[1])[i * kVocab + v] = at<float>(a[0])[i] + float(v);
    };
    // greedy: next_tokens[i] = mixed[i].
    gpu->kernels["greedy"] = [](const std::vector<uint64_t> &a) {
      for (uint64_t i = 0; i < a[2]; ++i)
        at<int32_t>(a[1])[i] = int32_t(at<float>(a[0])[i]);
    };
    gpu->kernels["pick"] = [](const std::vector<uint64_t> &a) {
      for (uint64_t i = 0; i < a[2]; ++i)
        for (int64_t v = 0; v < kVocab; ++v)
          at<float>(a[1])[i * kVocab + v] =
              float(10 * at<int32_t>(a[0])[i] + v);
    };
    gpu->kernels["sum"] = [](const std::vector<uint64_t> &a) {
      for (int64_t v = 0; v < kVocab; ++v) {
        float sum = 0;
        for (int64_t w = 0; w < kSummedWeights; ++w)
          sum += at<float>(a[size_t(1 + w)])[v];
        at<float>(a[0])[v] = sum;
      }
    };
    manifest.vocabSize = kVocab;
    manifest.dtype = DType::F32;
  }
  void TearDown() override {
    device.reset();
    unsetenv("LLAMA4C_CUDA_GRAPHS");
  }

  void open() {
    Expected<std::unique_ptr<GpuDevice>> opened =
        GpuDevice::open("fake.so", "sm_90", fakeDriver());
    ASSERT_TRUE(opened) << opened.error().message();
    device = std::move(*opened);
    ASSERT_TRUE(device->bind(bindGpu));
  }

  /// A decode of `batch` rows, token t + row at position p + row, whose
  /// call returns logits (checked to be those of this call's inputs) or,
  /// with `greedy`, next tokens only.
  void step(int64_t batch, int32_t token, int32_t position,
            GpuDevice::Launch how = GpuDevice::Launch::Replayable,
            bool greedy = false) {
    std::vector<int32_t> tokens, positions;
    for (int32_t b = 0; b < batch; ++b) {
      tokens.push_back(token + b);
      positions.push_back(position + b);
    }
    std::vector<float> logits(size_t(batch * kVocab), -1.0f);
    std::vector<int32_t> next(size_t(batch), -2);
    llama4c_call call{};
    call.weights = weights;
    call.tokens = tokens.data();
    call.positions = positions.data();
    call.batch = batch;
    call.seq = 1;
    call.logits_per_row = 1;
    if (greedy)
      call.next_tokens = next.data();
    else
      call.logits = logits.data();
    Expected<void> ran =
        device->run(decode, "llama4c_decode", call, manifest, how);
    ASSERT_TRUE(ran) << ran.error().message();
    for (int64_t b = 0; b < batch; ++b) {
      int32_t mixed = 1000 * tokens[size_t(b)] + positions[size_t(b)];
      if (greedy)
        EXPECT_EQ(next[size_t(b)], mixed) << "row " << b;
      for (int64_t v = 0; v < kVocab && !greedy; ++v)
        EXPECT_EQ(logits[size_t(b * kVocab + v)], float(mixed + v))
            << "row " << b << ", logit " << v;
    }
  }

  /// The same decode asking for greedy tokens only: no logits come back.
  void greedyStep(int64_t batch, int32_t token, int32_t position) {
    step(batch, token, position, GpuDevice::Launch::Replayable,
         /*greedy=*/true);
  }

  std::unique_ptr<FakeGpu> state;
  Manifest manifest{};
  const void *const *weights = &weightArray;
  const void *weightArray = nullptr;
  std::unique_ptr<GpuDevice> device;
};

TEST_F(GpuDeviceTest, ADecodeShapeSeenTwiceIsOneGraphLaunchAStep) {
  open();
  step(1, 7, 10);
  EXPECT_EQ(gpu->eagerLaunches, 2);
  EXPECT_EQ(gpu->captures, 0);
  step(1, 8, 11); // captured, then launched
  EXPECT_EQ(gpu->captures, 1);
  EXPECT_EQ(gpu->graphLaunches, 1);
  int allocations = gpu->allocations;
  for (int32_t t = 9; t < 14; ++t)
    step(1, t, t + 3);
  EXPECT_EQ(gpu->eagerLaunches, 2);
  EXPECT_EQ(gpu->captures, 1);
  EXPECT_EQ(gpu->graphLaunches, 6);
  // The step keeps its buffers and the graph its temporary.
  EXPECT_EQ(gpu->allocations, allocations);
}

// A step that returns greedy tokens launches other copies than one that
// returns logits: each has its own graph.
TEST_F(GpuDeviceTest, GreedyStepsAndLogitStepsHaveTheirOwnGraphs) {
  open();
  for (int32_t t = 0; t < 3; ++t) {
    greedyStep(2, 40 + t, t);
    step(2, 50 + t, t);
  }
  EXPECT_EQ(gpu->captures, 2);
  EXPECT_EQ(gpu->graphLaunches, 4);
}

TEST_F(GpuDeviceTest, EachShapeHasItsOwnGraph) {
  open();
  for (int repeat = 0; repeat < 3; ++repeat) {
    step(1, 20 + repeat, repeat);
    step(4, 30 + repeat, repeat);
  }
  EXPECT_EQ(gpu->captures, 2);
  EXPECT_EQ(gpu->graphLaunches, 4);
  EXPECT_EQ(gpu->eagerLaunches, 4);
}

TEST_F(GpuDeviceTest, TheLeastRecentlyUsedShapeMakesRoom) {
  open();
  for (int64_t batch = 1; batch <= 6; ++batch) {
    step(batch, 5, 1);
    step(batch, 6, 2);
  }
  EXPECT_EQ(gpu->captures, 6);
  EXPECT_EQ(gpu->liveGraphs, 4);
  step(1, 9, 3); // evicted: eager again
  EXPECT_EQ(gpu->eagerLaunches, 14);
  step(6, 9, 3); // kept
  EXPECT_EQ(gpu->graphLaunches, 7);
}

TEST_F(GpuDeviceTest, PrefillRunsEagerly) {
  open();
  for (int32_t t = 0; t < 3; ++t)
    step(2, t, 0, GpuDevice::Launch::Eager);
  EXPECT_EQ(gpu->captures, 0);
  EXPECT_EQ(gpu->eagerLaunches, 6);
}

TEST_F(GpuDeviceTest, APrefillReturnsTheLogitsOfTheTokensItIsGiven) {
  open();
  std::vector<int32_t> tokens(2 * 5), positions(2 * 5),
      logitsAt = {4, 0, 2, 1, 1, 3};
  std::vector<float> logits(size_t(2 * 3 * kVocab), -1.0f);
  llama4c_call call{};
  call.weights = weights;
  call.tokens = tokens.data();
  call.positions = positions.data();
  call.batch = 2;
  call.seq = 5;
  call.logits_at = logitsAt.data();
  call.logits_per_row = 3;
  call.logits = logits.data();
  Expected<void> ran = device->run(prefill, "llama4c_prefill", call, manifest,
                                   GpuDevice::Launch::Eager);
  ASSERT_TRUE(ran) << ran.error().message();
  for (size_t i = 0; i < logitsAt.size(); ++i)
    for (int64_t v = 0; v < kVocab; ++v)
      EXPECT_EQ(logits[i * kVocab + size_t(v)], float(10 * logitsAt[i] + v))
          << "logits row " << i << ", logit " << v;
}

TEST_F(GpuDeviceTest, ADriverThatCannotCaptureRunsEveryStepEagerly) {
  open();
  gpu->refusesCapture = true;
  for (int32_t t = 0; t < 4; ++t)
    step(1, t, t);
  EXPECT_EQ(gpu->captureAttempts, 1); // then graphs are off
  EXPECT_EQ(gpu->graphLaunches, 0);
  EXPECT_EQ(gpu->eagerLaunches, 8);
}

TEST_F(GpuDeviceTest, NewWeightsDropTheGraphs) {
  open();
  step(1, 1, 0);
  step(1, 2, 1);
  EXPECT_EQ(gpu->liveGraphs, 1);
  const void *otherArray = nullptr;
  weights = &otherArray;
  step(1, 3, 2);
  EXPECT_EQ(gpu->liveGraphs, 0);
  EXPECT_EQ(gpu->eagerLaunches, 4);
}

TEST_F(GpuDeviceTest, TheEnvironmentTurnsGraphsOff) {
  setenv("LLAMA4C_CUDA_GRAPHS", "0", 1);
  open();
  for (int32_t t = 0; t < 3; ++t)
    step(1, t, t);
  EXPECT_EQ(gpu->captures, 0);
  EXPECT_EQ(gpu->eagerLaunches, 6);
}

TEST_F(GpuDeviceTest, ClosingDestroysTheGraphs) {
  open();
  step(1, 1, 0);
  step(1, 2, 1);
  device.reset();
  EXPECT_EQ(gpu->liveGraphs, 0);
}

// Four f32 weights of `floats` elements each, weight w's elements all w +
// 1: an every-step one, then routed experts.
struct FourWeights {
  std::vector<std::vector<float>> values;
  std::vector<const void *> pointers;

  FourWeights(Manifest &manifest, const std::vector<int64_t> &floats) {
    for (size_t w = 0; w < floats.size(); ++w) {
      manifest.weights.push_back(
          {"w" + std::to_string(w),
           DType::F32,
           {floats[w]},
           w == 0 ? WeightRole::EveryStep : WeightRole::RoutedExperts});
      values.emplace_back(size_t(floats[w]), float(w + 1));
    }
    for (const std::vector<float> &weight : values)
      pointers.push_back(weight.data());
  }
};

/// A sumWeights prefill on `weights`: its logits, or its error.
Expected<std::vector<float>> sum(GpuDevice &device, const Manifest &manifest,
                                 const FourWeights &weights) {
  int32_t token = 0, position = 0;
  std::vector<float> logits(size_t(kVocab), -1.0f);
  llama4c_call call{};
  call.weights = weights.pointers.data();
  call.tokens = &token;
  call.positions = &position;
  call.batch = call.seq = call.logits_per_row = 1;
  call.logits = logits.data();
  if (Expected<void> ran = device.run(sumWeights, "llama4c_prefill", call,
                                      manifest, GpuDevice::Launch::Eager);
      !ran)
    return ran.error();
  return logits;
}

/// Checks that a sumWeights prefill on `weights` runs and finds every
/// weight where its pointer says: each logit 1 + 2 + 3 + 4.
void expectSum(GpuDevice &device, const Manifest &manifest,
               const FourWeights &weights) {
  Expected<std::vector<float>> logits = sum(device, manifest, weights);
  ASSERT_TRUE(logits) << logits.error().message();
  for (int64_t v = 0; v < kVocab; ++v)
    EXPECT_EQ((*logits)[size_t(v)], 1.0f + 2.0f + 3.0f + 4.0f);
}

TEST_F(GpuDeviceTest, TheBudgetIsAllButTheReserveOrHalfASmallGpu) {
  open();
  EXPECT_EQ(device->totalMemory(), gpu->memory);
  EXPECT_EQ(device->memoryBudget(), gpu->memory / 2);
  EXPECT_TRUE(device->setMemoryBudget(1000));
  EXPECT_EQ(device->memoryBudget(), 1000u);
  Expected<void> over = device->setMemoryBudget(gpu->memory + 1);
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().message(),
            "a device memory budget of 64.0 MiB is more than Fake H100 (sm_90) "
            "has (64.0 MiB)");
}

TEST_F(GpuDeviceTest, WeightsBeyondTheBudgetStayInHostMemoryTheKernelsRead) {
  open();
  // 16 + 32 bytes on the device, the 64 of w2 do not fit what is left
  // of 100, the 16 of w3 do.
  FourWeights weights(manifest, {4, 8, 16, 4});
  ASSERT_TRUE(device->setMemoryBudget(100));
  expectSum(*device, manifest, weights);
  const WeightPlacement &placement = device->weightPlacement();
  EXPECT_EQ(placement.onDevice, (std::vector<bool>{true, true, false, true}));
  EXPECT_EQ(placement.deviceBytes, 16u + 32u + 16u);
  EXPECT_EQ(placement.hostBytes, 64u);
  EXPECT_EQ(gpu->pinned.size(), 1u);
  EXPECT_EQ(device->budgetLeft(), 100u - 64u);
  device.reset();
  EXPECT_TRUE(gpu->pinned.empty());
}

TEST_F(GpuDeviceTest, TheKvCacheTakesItsShareOfTheBudgetFirst) {
  open();
  FourWeights weights(manifest, {4, 8, 8, 8});
  ASSERT_TRUE(device->setMemoryBudget(128));
  Expected<DeviceBuffer> cache = device->allocateZeroed(64, "kv cache");
  ASSERT_TRUE(cache) << cache.error().message();
  Expected<DeviceBuffer> more = device->allocateZeroed(65, "kv cache");
  ASSERT_FALSE(more);
  EXPECT_EQ(more.error().message(),
            "kv cache: 65 bytes more of Fake H100 (sm_90)'s memory is over "
            "its budget of 128 bytes (--device-memory), of which 64 bytes is "
            "taken");
  // 64 bytes left: w0 and one expert; the others are read in host memory.
  expectSum(*device, manifest, weights);
  EXPECT_EQ(device->weightPlacement().onDevice,
            (std::vector<bool>{true, true, false, false}));
  *cache = DeviceBuffer(); // freed: the budget has it back
  EXPECT_EQ(device->budgetLeft(), 128u - 48u);
}

TEST_F(GpuDeviceTest, ABudgetShortOfTheWeightsEveryStepReadsFailsTheCall) {
  open();
  FourWeights weights(manifest, {1 << 20, 4, 4, 4});
  ASSERT_TRUE(device->setMemoryBudget(1 << 20));
  Expected<std::vector<float>> logits = sum(*device, manifest, weights);
  ASSERT_FALSE(logits);
  EXPECT_EQ(logits.error().message(),
            "Fake H100 (sm_90): its memory budget of 1.0 MiB "
            "(--device-memory), of which the KV cache takes 0 bytes, is too "
            "small: the weights other than routed experts need 4.0 MiB, "
            "1.0 MiB is left");
}

// A global layer's keys and values: pages of 4 positions of 2 floats, 32
// bytes each; or a chunked layer's window of 4 slots, 32 bytes a row.
void addCache(Manifest &manifest, bool window) {
  for (KvKind kind : {KvKind::Key, KvKind::Value})
    manifest.kvCache.push_back(
        {0, kind, DType::F32, 1, window ? 4 : 0, window ? 0 : 4, 2});
}

TEST_F(GpuDeviceTest, KvPoolsBeyondTheBudgetStayInHostMemory) {
  open();
  addCache(manifest, /*window=*/false);
  ASSERT_TRUE(device->setMemoryBudget(200));
  // 16 positions: 4 pages, 128 bytes a pool; the keys' fit.
  Expected<KvCache> cache =
      KvCache::allocate(manifest, 1, 16, UINT64_MAX, device.get());
  ASSERT_TRUE(cache) << cache.error().message();
  EXPECT_EQ(cache->hostBytes(), 128u);
  EXPECT_EQ(device->budgetLeft(), 200u - 128u);
  EXPECT_EQ(gpu->pinned.size(), 1u);
  KvCacheView view = cache->rowsFrom(0);
  EXPECT_EQ(gpu->pinned.count(view.buffers[0]), 0u);
  EXPECT_EQ(gpu->pinned.count(view.buffers[1]), 1u);
  // Zeroed: an empty cache.
  EXPECT_EQ(static_cast<const float *>(view.buffers[1])[31], 0.0f);
}

TEST_F(GpuDeviceTest, TheWeightsEveryStepReadsComeBeforeTheKvPools) {
  open();
  addCache(manifest, /*window=*/false);
  FourWeights weights(manifest, {24, 4, 4, 4}); // 96 bytes every step
  ASSERT_TRUE(device->setMemoryBudget(240));
  EXPECT_EQ(device->cacheRoom(manifest), 240u - 96u);
  Expected<KvCache> cache =
      KvCache::allocate(manifest, 1, 16, UINT64_MAX, device.get());
  ASSERT_TRUE(cache) << cache.error().message();
  EXPECT_EQ(cache->hostBytes(), 128u); // 144 bytes' room: one pool
  // 112 left: w0 and one 16-byte expert.
  expectSum(*device, manifest, weights);
  EXPECT_EQ(device->weightPlacement().onDevice,
            (std::vector<bool>{true, true, false, false}));
  EXPECT_EQ(device->cacheRoom(manifest), 0u);
}

TEST_F(GpuDeviceTest, WindowsOverTheBudgetFail) {
  open();
  addCache(manifest, /*window=*/true);
  ASSERT_TRUE(device->setMemoryBudget(100));
  // Two rows: 64 bytes a window.
  Expected<KvCache> cache =
      KvCache::allocate(manifest, 2, 16, UINT64_MAX, device.get());
  ASSERT_FALSE(cache);
  EXPECT_EQ(cache.error().message(),
            "kv cache: batch 2, context 16: the chunked layers' windows need "
            "128 bytes, over the 100 bytes left of Fake H100 (sm_90)'s "
            "memory budget (--device-memory) after the weights every step "
            "reads");
  ASSERT_TRUE(KvCache::allocate(manifest, 1, 16, UINT64_MAX, device.get()));
}

} // namespace
