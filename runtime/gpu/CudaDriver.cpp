//===- CudaDriver.cpp - The CUDA driver API, loaded when a GPU model is ---===//

#include "runtime/gpu/CudaDriver.h"

#include <dlfcn.h>

namespace llama4c::runtime {

namespace {

template <class Function>
bool resolve(void *library, const char *name, Function &function,
             std::string &missing) {
  function = reinterpret_cast<Function>(::dlsym(library, name));
  if (!function && missing.empty())
    missing = name;
  return function != nullptr;
}

Expected<const CudaDriver *> loadOnce() {
  static CudaDriver driver;
  void *library = ::dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    const char *reason = ::dlerror();
    return Error(std::string("the CUDA driver cannot be loaded: ") +
                 (reason ? reason : "libcuda.so.1 not found"));
  }
  std::string missing;
  // The versioned names are those cuda.h maps the plain names to.
  resolve(library, "cuInit", driver.init, missing);
  resolve(library, "cuDeviceGetCount", driver.deviceGetCount, missing);
  resolve(library, "cuDeviceGet", driver.deviceGet, missing);
  resolve(library, "cuDeviceGetAttribute", driver.deviceGetAttribute, missing);
  resolve(library, "cuDeviceGetName", driver.deviceGetName, missing);
  resolve(library, "cuDeviceTotalMem_v2", driver.deviceTotalMem, missing);
  resolve(library, "cuDevicePrimaryCtxRetain", driver.primaryCtxRetain,
          missing);
  resolve(library, "cuDevicePrimaryCtxRelease_v2", driver.primaryCtxRelease,
          missing);
  resolve(library, "cuCtxSetCurrent", driver.ctxSetCurrent, missing);
  resolve(library, "cuModuleLoadDataEx", driver.moduleLoadDataEx, missing);
  resolve(library, "cuModuleUnload", driver.moduleUnload, missing);
  resolve(library, "cuModuleGetFunction", driver.moduleGetFunction, missing);
  resolve(library, "cuLaunchKernel", driver.launchKernel, missing);
  resolve(library, "cuStreamCreate", driver.streamCreate, missing);
  resolve(library, "cuStreamSynchronize", driver.streamSynchronize, missing);
  resolve(library, "cuStreamDestroy_v2", driver.streamDestroy, missing);
  resolve(library, "cuMemAllocAsync", driver.memAllocAsync, missing);
  resolve(library, "cuMemFreeAsync", driver.memFreeAsync, missing);
  resolve(library, "cuMemcpyHtoDAsync_v2", driver.memcpyHtoDAsync, missing);
  resolve(library, "cuMemcpyDtoHAsync_v2", driver.memcpyDtoHAsync, missing);
  resolve(library, "cuMemsetD8Async", driver.memsetD8Async, missing);
  resolve(library, "cuMemHostAlloc", driver.memHostAlloc, missing);
  resolve(library, "cuMemHostGetDevicePointer_v2",
          driver.memHostGetDevicePointer, missing);
  resolve(library, "cuMemFreeHost", driver.memFreeHost, missing);
  resolve(library, "cuGetErrorName", driver.getErrorName, missing);
  resolve(library, "cuDeviceGetDefaultMemPool", driver.deviceGetDefaultMemPool,
          missing);
  resolve(library, "cuMemPoolSetAttribute", driver.memPoolSetAttribute,
          missing);
  resolve(library, "cuStreamBeginCapture_v2", driver.streamBeginCapture,
          missing);
  resolve(library, "cuStreamEndCapture", driver.streamEndCapture, missing);
  resolve(library, "cuGraphInstantiateWithFlags", driver.graphInstantiate,
          missing);
  resolve(library, "cuGraphLaunch", driver.graphLaunch, missing);
  resolve(library, "cuGraphExecDestroy", driver.graphExecDestroy, missing);
  resolve(library, "cuGraphDestroy", driver.graphDestroy, missing);
  if (!missing.empty())
    return Error("the CUDA driver (libcuda.so.1) lacks " + missing +
                 "; it is older than CUDA 11.4");
  if (CudaDriver::Result result = driver.init(0))
    return Error("the CUDA driver cannot start: " +
                 driver.describe("cuInit", result));
  return &driver;
}

} // namespace

Expected<const CudaDriver *> CudaDriver::load() {
  static Expected<const CudaDriver *> loaded = loadOnce();
  return loaded;
}

std::string CudaDriver::describe(const char *call, Result result) const {
  const char *name = nullptr;
  if (getErrorName(result, &name) != 0 || !name)
    name = "an unknown CUDA error";
  return std::string(call) + ": " + name + " (" + std::to_string(result) + ")";
}

} // namespace llama4c::runtime
