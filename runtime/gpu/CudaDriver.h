//===- CudaDriver.h - The CUDA driver API, loaded when a GPU model is -*- C++
//-*-===//
//
// The functions of libcuda.so.1 the runtime calls, found with dlopen and
// dlsym the first time a GPU model is opened: llama4-run, its tests and CPU
// models run on machines without the NVIDIA driver, and a GPU model on one
// gets a one-line error instead of a loader failure. The declarations are
// those of CUDA's driver API (cuda.h, CUDA 11.4 or later: the stream-ordered
// allocator, and graphs that allocate); handles are opaque pointers and
// device pointers 64-bit.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_RUNTIME_GPU_CUDADRIVER_H
#define LLAMA4C_RUNTIME_GPU_CUDADRIVER_H

#include "llama4c/Status.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace llama4c::runtime {

struct CudaDriver {
  using Result = int; // CUresult; 0 is CUDA_SUCCESS
  using DevicePointer = uint64_t;

  // cuDeviceGetAttribute attributes and cuModuleLoadDataEx options used.
  static constexpr int kComputeCapabilityMajor = 75;
  static constexpr int kComputeCapabilityMinor = 76;
  static constexpr int kJitErrorLogBuffer = 5;
  static constexpr int kJitErrorLogBufferBytes = 6;
  static constexpr int kJitOptimizationLevel = 7;
  static constexpr unsigned kStreamNonBlocking = 1;
  static constexpr int kCaptureModeThreadLocal = 1;
  static constexpr int kMemPoolReleaseThreshold = 4;
  static constexpr unsigned long long kGraphAutoFreeOnLaunch = 1;
  // cuMemHostAlloc flags: host memory the GPU reads in place, written once
  // by the CPU (write-combined: faster over the bus, slow for CPU reads).
  static constexpr unsigned kHostAllocDeviceMap = 0x02;
  static constexpr unsigned kHostAllocWriteCombined = 0x04;

  Result (*init)(unsigned flags);
  Result (*deviceGetCount)(int *count);
  Result (*deviceGet)(int *device, int ordinal);
  Result (*deviceGetAttribute)(int *value, int attribute, int device);
  Result (*deviceGetName)(char *name, int length, int device);
  Result (*deviceTotalMem)(size_t *bytes, int device);
  Result (*primaryCtxRetain)(void **context, int device);
  Result (*primaryCtxRelease)(int device);
  Result (*ctxSetCurrent)(void *context);
  Result (*moduleLoadDataEx)(void **module, const void *image,
                             unsigned optionCount, int *options,
                             void **values);
  Result (*moduleUnload)(void *module);
  Result (*moduleGetFunction)(void **function, void *module,
                              const char *name);
  Result (*launchKernel)(void *function, unsigned gridX, unsigned gridY,
                         unsigned gridZ, unsigned blockX, unsigned blockY,
                         unsigned blockZ, unsigned sharedBytes, void *stream,
                         void **params, void **extra);
  Result (*streamCreate)(void **stream, unsigned flags);
  Result (*streamSynchronize)(void *stream);
  Result (*streamDestroy)(void *stream);
  Result (*memAllocAsync)(DevicePointer *pointer, size_t bytes, void *stream);
  Result (*memFreeAsync)(DevicePointer pointer, void *stream);
  Result (*memcpyHtoDAsync)(DevicePointer to, const void *from, size_t bytes,
                            void *stream);
  Result (*memcpyDtoHAsync)(void *to, DevicePointer from, size_t bytes,
                            void *stream);
  Result (*memsetD8Async)(DevicePointer to, unsigned char value, size_t bytes,
                          void *stream);
  Result (*memHostAlloc)(void **host, size_t bytes, unsigned flags);
  Result (*memHostGetDevicePointer)(DevicePointer *pointer, void *host,
                                    unsigned flags);
  Result (*memFreeHost)(void *host);
  Result (*getErrorName)(Result result, const char **name);
  Result (*deviceGetDefaultMemPool)(void **pool, int device);
  Result (*memPoolSetAttribute)(void *pool, int attribute, void *value);
  Result (*streamBeginCapture)(void *stream, int mode);
  Result (*streamEndCapture)(void *stream, void **graph);
  Result (*graphInstantiate)(void **executable, void *graph,
                             unsigned long long flags);
  Result (*graphLaunch)(void *executable, void *stream);
  Result (*graphExecDestroy)(void *executable);
  Result (*graphDestroy)(void *graph);

  /// The driver, loaded and initialised once per process; the error says
  /// why it cannot be ("libcuda.so.1: cannot open shared object file...").
  static Expected<const CudaDriver *> load();

  /// "cuLaunchKernel: CUDA_ERROR_INVALID_VALUE" for a failed `call`.
  std::string describe(const char *call, Result result) const;
};

} // namespace llama4c::runtime

#endif // LLAMA4C_RUNTIME_GPU_CUDADRIVER_H
