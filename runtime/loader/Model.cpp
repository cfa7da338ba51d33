//===- Model.cpp - A model.so made by llama4c, loaded ---------------------===//

#include "runtime/loader/Model.h"

#include "runtime/loader/ElfCheck.h"
#include "runtime/support/CpuFeatures.h"

#include <utility>

#include <dlfcn.h>

namespace llama4c::runtime {

namespace {

/// dlerror()'s text without a leading "PATH: ", which our message already
/// starts with.
std::string dlerrorReason(const std::string &path) {
  const char *text = ::dlerror();
  std::string reason = text ? text : "unknown dynamic loader error";
  if (reason.rfind(path + ": ", 0) == 0)
    reason.erase(0, path.size() + 2);
  return reason;
}

} // namespace

Expected<Model> Model::open(const std::string &path) {
  // Missing files, directories and truncated or foreign files are caught
  // here, with clearer words than dlerror's and before dlopen could crash.
  if (Expected<void> checked = checkSharedObjectFile(path); !checked)
    return checked.error();

  Model model;
  model.filePath = path;
  // Without a slash dlopen searches the library path, not the current
  // directory.
  std::string loadPath =
      path.find('/') == std::string::npos ? "./" + path : path;
  model.handle = ::dlopen(loadPath.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!model.handle)
    return Error(path +
                 ": not a loadable shared object: " + dlerrorReason(loadPath));

  auto symbol = [&](const char *name) -> void * {
    ::dlerror();
    return ::dlsym(model.handle, name);
  };
  void *abiVersion = symbol("llama4c_abi_version");
  void *manifest = symbol("llama4c_manifest");
  model.prefillEntry = reinterpret_cast<EntryPoint>(symbol("llama4c_prefill"));
  model.decodeEntry = reinterpret_cast<EntryPoint>(symbol("llama4c_decode"));
  const char *missing = !abiVersion           ? "llama4c_abi_version"
                        : !manifest           ? "llama4c_manifest"
                        : !model.prefillEntry ? "llama4c_prefill"
                        : !model.decodeEntry  ? "llama4c_decode"
                                              : nullptr;
  if (missing)
    return Error(path + ": missing symbol " + missing +
                 "; not a model made by llama4c compile");

  uint32_t abi = reinterpret_cast<uint32_t (*)()>(abiVersion)();
  if (abi != LLAMA4C_ABI_VERSION)
    return Error(path + ": built for ABI " + std::to_string(abi) +
                 ", this runtime is " + LLAMA4C_VERSION + " (ABI " +
                 std::to_string(LLAMA4C_ABI_VERSION) +
                 "); recompile the model");

  const char *text = reinterpret_cast<const char *(*)()>(manifest)();
  if (!text)
    return Error(path + ": manifest: llama4c_manifest returned NULL");
  Expected<Manifest> parsed = parseManifest(text, path);
  if (!parsed)
    return parsed.error();
  model.info = std::move(*parsed);
  // Code for a CPU with instructions this one lacks would die on SIGILL.
  for (const std::string &feature : model.info.cpu.features)
    if (!cpuHasFeature(feature))
      return Error(path + ": compiled for CPU " + model.info.cpu.name +
                   ", whose " + feature +
                   " instructions this machine lacks; recompile it here "
                   "(llama4c compile --cpu native) or for an older CPU "
                   "(--cpu x86-64-v3)");
  if (model.info.runsOnHost()) {
    auto startThreads =
        reinterpret_cast<int32_t (*)()>(symbol("llama4c_start_threads"));
    if (!startThreads)
      return Error(path + ": missing symbol llama4c_start_threads, which a "
                          "model for the host exports");
    if (int32_t status = startThreads(); status != 0)
      return Error(path + ": llama4c_start_threads failed with status " +
                   std::to_string(status));
    return model;
  }

  auto bindGpu = reinterpret_cast<int32_t (*)(const llama4c_gpu_driver *)>(
      symbol("llama4c_bind_gpu"));
  if (!bindGpu)
    return Error(path + ": missing symbol llama4c_bind_gpu, which a model "
                        "for " + model.info.target + " exports");
  Expected<std::unique_ptr<GpuDevice>> gpu =
      GpuDevice::open(path, model.info.target);
  if (!gpu)
    return gpu.error();
  model.device = std::move(*gpu);
  if (Expected<void> bound = model.device->bind(bindGpu); !bound)
    return Error(path + ": " + bound.error().message());
  return model;
}

Model::Model(Model &&other) noexcept { *this = std::move(other); }

Model &Model::operator=(Model &&other) noexcept {
  if (this != &other) {
    close();
    filePath = std::move(other.filePath);
    handle = std::exchange(other.handle, nullptr);
    prefillEntry = std::exchange(other.prefillEntry, nullptr);
    decodeEntry = std::exchange(other.decodeEntry, nullptr);
    info = std::move(other.info);
    device = std::move(other.device);
  }
  return *this;
}

Model::~Model() { close(); }

void Model::close() {
  device.reset(); // before the code its kernels came from
  if (handle)
    ::dlclose(handle);
  handle = nullptr;
}

Expected<void> Model::prefill(const llama4c_call &call) const {
  // The model reads h at these indices unchecked.
  if (call.logits_per_row < 1 || !call.logits_at)
    return Error(filePath +
                 ": llama4c_prefill: logits_per_row must be at "
                 "least 1 with logits_at given, got " +
                 std::to_string(call.logits_per_row));
  for (int64_t i = 0; i < call.batch * call.logits_per_row; ++i)
    if (call.logits_at[i] < 0 || call.logits_at[i] >= call.seq)
      return Error(filePath + ": llama4c_prefill: logits_at[" +
                   std::to_string(i / call.logits_per_row) + "][" +
                   std::to_string(i % call.logits_per_row) + "] = " +
                   std::to_string(call.logits_at[i]) + " is not one of the " +
                   std::to_string(call.seq) + " tokens of the call");
  return run(prefillEntry, "llama4c_prefill", call, GpuDevice::Launch::Eager);
}

Expected<void> Model::decode(const llama4c_call &call) const {
  // Decode's logits are its one token's, whatever the call says.
  llama4c_call step = call;
  step.logits_at = nullptr;
  step.logits_per_row = 1;
  return run(decodeEntry, "llama4c_decode", step,
             GpuDevice::Launch::Replayable);
}

Expected<void> Model::run(EntryPoint entry, const char *name,
                          const llama4c_call &call,
                          GpuDevice::Launch launch) const {
  if (device) {
    if (Expected<void> ran = device->run(entry, name, call, info, launch); !ran)
      return Error(filePath + ": " + ran.error().message());
    return {};
  }
  int32_t status = entry(&call);
  if (status != 0)
    return Error(filePath + ": " + name + " failed with status " +
                 std::to_string(status));
  return {};
}

} // namespace llama4c::runtime
