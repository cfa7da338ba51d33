//===- LoadedModel.h - A compiled model with its weights bound --*- C++ -*-===//
//
// What a generation needs: the model.so (its code and manifest), the
// checkpoint directory in memory, and every manifest weight bound to a
// pointer the model can read. The bound weights point into the
// checkpoint's files, so the three live and move together.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_RUNTIME_LOADER_LOADEDMODEL_H
#define LLAMA4C_RUNTIME_LOADER_LOADEDMODEL_H

#include "llama4c/Status.h"
#include "runtime/loader/Model.h"
#include "runtime/loader/WeightBinding.h"
#include "runtime/safetensors/Checkpoint.h"

#include <memory>
#include <string>

namespace llama4c::runtime {

struct LoadedModel {
  Model model;
  Checkpoint checkpoint;
  BoundWeights weights;

  /// Opens `modelPath`, reads in the checkpoint in `weightsDir` (with
  /// `options`: size limits, progress, copied or mapped; a GPU model's is
  /// always mapped) and binds it; errors name the file and tensor at fault.
  static Expected<std::unique_ptr<LoadedModel>>
  open(const std::string &modelPath, const std::string &weightsDir,
       const SafetensorsOptions &options = {});
};

} // namespace llama4c::runtime

#endif // LLAMA4C_RUNTIME_LOADER_LOADEDMODEL_H
