//===- Model.h - A model.so made by llama4c, loaded -------------*- C++ -*-===//
//
// Opens the shared object that `llama4c compile` wrote, finds the
// symbols of abi.h, checks llama4c_abi_version() and the manifest's
// versions against this runtime, and parses the manifest. After open()
// succeeds, prefill() and decode() call straight into the model.
//
// A host model (CPU, or emulated GPU) starts its OpenMP threads in open()
// (llama4c_start_threads), not in its first call.
//
// A GPU model (manifest "target" sm_80/sm_90) gets the first CUDA GPU:
// open() binds it (llama4c_bind_gpu loads the kernels) and fails with one
// line when there is no driver or GPU, or the GPU is too old; prefill() and
// decode() then take host pointers and run on the device.
//
// The library is opened RTLD_NOW (a missing symbol fails here, not in the
// middle of a decode) and RTLD_LOCAL (two models never see each other's
// symbols), and closed when the Model is destroyed: pointers the model
// handed out, such as the manifest text, die with it.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_RUNTIME_LOADER_MODEL_H
#define LLAMA4C_RUNTIME_LOADER_MODEL_H

#include "llama4c/Status.h"
#include "llama4c/abi.h"
#include "runtime/gpu/GpuDevice.h"
#include "runtime/loader/Manifest.h"

#include <memory>
#include <string>

namespace llama4c::runtime {

class Model {
public:
  /// Loads the model at `path`. Errors are one line naming the file: it is
  /// missing or not a shared object (with dlerror's reason), lacks a
  /// symbol, was built for another ABI or llama4c version, or carries a
  /// malformed manifest.
  static Expected<Model> open(const std::string &path);

  Model(Model &&other) noexcept;
  Model &operator=(Model &&other) noexcept;
  Model(const Model &) = delete;
  Model &operator=(const Model &) = delete;
  ~Model();

  const std::string &path() const { return filePath; }
  const Manifest &manifest() const { return info; }
  /// The GPU of a GPU model; null for a CPU model.
  GpuDevice *gpu() const { return device.get(); }

  /// Run one call; a non-zero status from the model becomes
  /// "PATH: llama4c_prefill failed with status N". prefill() first checks
  /// logits_at against the call's tokens; decode() returns one token's
  /// logits a row whatever logits_per_row says.
  Expected<void> prefill(const llama4c_call &call) const;
  Expected<void> decode(const llama4c_call &call) const;

private:
  using EntryPoint = int32_t (*)(const llama4c_call *);

  Model() = default;
  Expected<void> run(EntryPoint entry, const char *name,
                     const llama4c_call &call, GpuDevice::Launch launch) const;
  void close();

  std::string filePath;
  void *handle = nullptr;
  EntryPoint prefillEntry = nullptr;
  EntryPoint decodeEntry = nullptr;
  Manifest info;
  std::unique_ptr<GpuDevice> device;
};

} // namespace llama4c::runtime

#endif // LLAMA4C_RUNTIME_LOADER_MODEL_H
