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
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_RUNTIME_GPU_GPUDEVICE_H
#define LLAMA4C_RUNTIME_GPU_GPUDEVICE_H

#include "llama4c/Status.h"
#include "llama4c/abi.h"
#include "runtime/gpu/CudaDriver.h"
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
               size_t bytes)
      : device(device), pointer(pointer), length(bytes) {}
  DeviceBuffer(DeviceBuffer &&other) noexcept { *this = std::move(other); }
  DeviceBuffer &operator=(DeviceBuffer &&other) noexcept;
  ~DeviceBuffer();

  void *data() const { return reinterpret_cast<void *>(pointer); }
  size_t size() const { return length; }

private:
  GpuDevice *device = nullptr;
  CudaDriver::DevicePointer pointer = 0;
  size_t length = 0;
};

class GpuDevice {
public:
  /// The first GPU, checked against the model's `target` ("sm_90" needs
  /// compute capability 9.0 or later). Errors name `modelPath`.
  static Expected<std::unique_ptr<GpuDevice>>
  open(const std::string &modelPath, const std::string &target);
  ~GpuDevice();

  /// Calls the model's llama4c_bind_gpu, which loads its kernels.
  Expected<void> bind(int32_t (*bindGpu)(const llama4c_gpu_driver *));

  /// `bytes` of zeroed device memory; `what` names it in errors.
  Expected<DeviceBuffer> allocateZeroed(size_t bytes, const std::string &what);

  /// Runs `entry` on `call` (host pointers): weights uploaded once, inputs
  /// each call, logits downloaded. call.kv_cache must be device buffers
  /// (KvCache allocated on this device).
  Expected<void> run(int32_t (*entry)(const llama4c_call *), const char *name,
                     const llama4c_call &call, const Manifest &manifest);

  /// "NVIDIA H100 80GB HBM3 (sm_90)".
  const std::string &description() const { return name; }

private:
  friend class DeviceBuffer;
  friend struct DriverCallbacks;
  GpuDevice() = default;

  /// Records the first failure of a driver call; true if `result` is 0.
  bool check(const char *call, CudaDriver::Result result);
  /// The recorded failure, if any, as "MODEL: NAME: ...", and clears it.
  Expected<void> takeFailure(const std::string &context);
  Expected<DeviceBuffer> upload(const void *host, size_t bytes,
                                const std::string &what);
  Expected<void> uploadWeights(const llama4c_call &call,
                               const Manifest &manifest);

  const CudaDriver *cuda = nullptr;
  int device = 0;
  void *context = nullptr;
  void *stream = nullptr;
  std::string name;
  std::string failure;
  std::vector<void *> modules;
  std::map<std::pair<void *, std::string>, void *> functions;
  // The weights the device holds, and the host array they came from.
  const void *const *weightsSource = nullptr;
  std::vector<DeviceBuffer> weights;
  std::vector<const void *> weightPointers;
};

} // namespace llama4c::runtime

#endif // LLAMA4C_RUNTIME_GPU_GPUDEVICE_H
