//===- GpuDevice.h - The GPU a GPU model runs on ----------------*- C++ -*-===//
//
// One CUDA device (the first), its primary context and one stream, for a
// model compiled with --target sm_80/sm_90. It hands the model the
// llama4c_gpu_driver of abi.h (module loading, launches, the allocator of
// its temporaries, all stream-ordered on that stream), keeps the first
// driver error of a call so that the call fails with it, owns device
// buffers (the KV cache), and runs a prefill or decode: the weights go to
// the device on the first call, the call's tokens, positions and pixels on
// each, and the logits come back.
//
// The KV cache and the weights share a budget of device memory (by
// default all but kDeviceReserveBytes, which the CUDA context and a call's
// activations use). Weights beyond what the budget leaves after the cache
// stay in pinned host memory the kernels read across the bus
// (WeightPlacement.h).
//
// A decode step is one CUDA graph launch once its shape repeats: the
// model's host code launches kernels whose grids and arguments depend only
// on the call's shape and buffers (its data-dependent work, the live
// context and the routed experts, is read on the device), so the second
// call of a shape is captured and every later one replays the graph. The
// step then keeps its input and logits buffers, the graph its temporaries;
// nothing is allocated, freed or launched one kernel at a time.
// LLAMA4C_CUDA_GRAPHS=0 in the environment runs every call eagerly.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_RUNTIME_GPU_GPUDEVICE_H
#define LLAMA4C_RUNTIME_GPU_GPUDEVICE_H

#include "llama4c/Status.h"
#include "llama4c/abi.h"
#include "runtime/gpu/CudaDriver.h"
#include "runtime/gpu/WeightPlacement.h"
#include "runtime/loader/Manifest.h"

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace llama4c::runtime {

class GpuDevice;

/// Device memory owned until destruction (freed on the device's stream).
class DeviceBuffer {
public:
  DeviceBuffer() = default;
  DeviceBuffer(GpuDevice *device, CudaDriver::DevicePointer pointer,
               size_t bytes, bool budgeted)
      : device(device), pointer(pointer), length(bytes), budgeted(budgeted) {}
  DeviceBuffer(DeviceBuffer &&other) noexcept { *this = std::move(other); }
  DeviceBuffer &operator=(DeviceBuffer &&other) noexcept;
  ~DeviceBuffer();

  void *data() const { return reinterpret_cast<void *>(pointer); }
  size_t size() const { return length; }

private:
  GpuDevice *device = nullptr;
  CudaDriver::DevicePointer pointer = 0;
  size_t length = 0;
  bool budgeted = false; // counted against the device's memory budget
};

/// Pinned host memory mapped into the GPU's address space, owned until
/// destruction: the kernels read and write it in place, across the bus.
class MappedHostBuffer {
public:
  MappedHostBuffer() = default;
  MappedHostBuffer(const CudaDriver *cuda, void *host)
      : cuda(cuda), host(host) {}
  MappedHostBuffer(MappedHostBuffer &&other) noexcept {
    *this = std::move(other);
  }
  MappedHostBuffer &operator=(MappedHostBuffer &&other) noexcept;
  ~MappedHostBuffer();

  /// Where the host and the kernels see it.
  void *data() const { return host; }
  void *deviceData() const { return device; }

private:
  friend class GpuDevice;
  const CudaDriver *cuda = nullptr;
  void *host = nullptr;
  void *device = nullptr;
};

class GpuDevice {
public:
  /// The first GPU, checked against the model's `target` ("sm_90" needs
  /// compute capability 9.0 or later). Errors name `modelPath`.
  static Expected<std::unique_ptr<GpuDevice>>
  open(const std::string &modelPath, const std::string &target);
  /// The same through `cuda`, which outlives the device (tests pass a fake).
  static Expected<std::unique_ptr<GpuDevice>> open(const std::string &modelPath,
                                                   const std::string &target,
                                                   const CudaDriver &cuda);
  ~GpuDevice();

  /// Calls the model's llama4c_bind_gpu, which loads its kernels.
  Expected<void> bind(int32_t (*bindGpu)(const llama4c_gpu_driver *));

  /// The GPU's memory, and the part of it the KV cache and the weights
  /// may take.
  uint64_t totalMemory() const { return total; }
  uint64_t memoryBudget() const { return budget; }
  /// The budget less what the KV cache and the weights hold.
  uint64_t budgetLeft() const { return budget - budgetedBytes; }
  /// Sets the budget (before the first call); fails above totalMemory().
  Expected<void> setMemoryBudget(uint64_t bytes);

  /// `bytes` of zeroed device memory, counted against the budget (the KV
  /// cache); `what` names it in errors.
  Expected<DeviceBuffer> allocateZeroed(size_t bytes, const std::string &what);
  /// `bytes` of pinned host memory the kernels read and write in place,
  /// outside the budget (what of the KV cache and the weights does not
  /// fit it): a copy of `contents`, or zeroed.
  Expected<MappedHostBuffer> allocateMapped(size_t bytes,
                                            const std::string &what,
                                            const void *contents = nullptr);
  /// What the KV cache may take of the budget: what is left of it, less
  /// the weights other than routed experts while they are not on the
  /// device (a step reads them whole, as it reads the cache, and they
  /// must be on the device).
  uint64_t cacheRoom(const Manifest &manifest) const;

  /// Where the first call put the weights; empty before it.
  const WeightPlacement &weightPlacement() const { return placement; }

  /// How a call's kernels reach the GPU.
  enum class Launch {
    Eager,     // launched one by one (prefill: its shape rarely repeats)
    Replayable // a decode step: captured as a graph once its shape repeats
  };

  /// Runs `entry` on `call` (host pointers): weights uploaded once, inputs
  /// each call, logits downloaded. call.kv_cache must be device buffers
  /// (KvCache allocated on this device).
  Expected<void> run(int32_t (*entry)(const llama4c_call *), const char *name,
                     const llama4c_call &call, const Manifest &manifest,
                     Launch launch);

  /// "NVIDIA H100 80GB HBM3 (sm_90)".
  const std::string &description() const { return name; }

private:
  friend class DeviceBuffer;
  friend struct DriverCallbacks;
  GpuDevice() = default;

  using Entry = int32_t (*)(const llama4c_call *);
  /// A call's inputs and logits on the device.
  struct CallBuffers {
    DeviceBuffer tokens, positions, logitsAt, blockTable, pixels, logits,
        nextTokens;
  };
  /// A decode shape: what the model's host code reads of a call besides
  /// the buffers (its launches depend on nothing else), the buffers the
  /// step keeps, and its graph once captured.
  struct Step {
    Entry entry;
    int64_t batch, seq, logitsPerRow, tableWidth, kvPages, tiles;
    bool logits, nextTokens; // which the call returns
    std::vector<void *> kvCache;
    CallBuffers buffers;
    void *graph = nullptr, *executable = nullptr;
    uint64_t runs = 0, lastUse = 0;
  };
  /// Shapes kept at most: a generation has one (two with a batch's last
  /// short step); each holds its graph's temporaries.
  static constexpr size_t kMaxSteps = 4;

  /// Records the first failure of a driver call; true if `result` is 0.
  bool check(const char *call, CudaDriver::Result result);
  /// The recorded failure, if any, as "MODEL: NAME: ...", and clears it.
  Expected<void> takeFailure(const std::string &context);
  /// Zeroed device memory, counted against the budget or not (a call's
  /// inputs and logits, with its activations, are not).
  Expected<DeviceBuffer> allocate(size_t bytes, const std::string &what,
                                  bool budgeted);
  Expected<DeviceBuffer> upload(const void *host, size_t bytes,
                                const std::string &what);
  Expected<void> uploadWeights(const llama4c_call &call,
                               const Manifest &manifest);
  /// Device buffers for `call`'s inputs and logits.
  Expected<CallBuffers> allocateCallBuffers(const llama4c_call &call,
                                            const Manifest &manifest);
  /// The kept step of `call`'s shape, made (evicting the least recently
  /// used) on its first call; null when graphs are off.
  Expected<Step *> stepOf(Entry entry, const llama4c_call &call,
                          const Manifest &manifest);
  /// Runs `entry` under stream capture and instantiates the graph; false
  /// (nothing ran, graphs now off) if the driver cannot capture the step.
  bool capture(Entry entry, const llama4c_call &onDevice, Step &step,
               int32_t &status);
  void dropGraph(Step &step);
  void dropSteps();

  const CudaDriver *cuda = nullptr;
  int device = 0;
  void *context = nullptr;
  void *stream = nullptr;
  std::string name;
  uint64_t total = 0, budget = 0;
  uint64_t budgetedBytes = 0; // held by budgeted buffers
  std::string failure;
  std::vector<void *> modules;
  std::map<std::pair<void *, std::string>, void *> functions;
  // The weights the device holds, and the host array they came from.
  const void *const *weightsSource = nullptr;
  WeightPlacement placement;
  std::vector<DeviceBuffer> weights;
  std::vector<MappedHostBuffer> hostWeights;
  std::vector<const void *> weightPointers;
  bool graphs = true;
  uint64_t calls = 0;
  std::vector<std::unique_ptr<Step>> steps;
};

} // namespace llama4c::runtime

#endif // LLAMA4C_RUNTIME_GPU_GPUDEVICE_H
