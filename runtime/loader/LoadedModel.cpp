//===- LoadedModel.cpp - A compiled model with its weights bound ----------===//

#include "runtime/loader/LoadedModel.h"

namespace llama4c::runtime {

Expected<std::unique_ptr<LoadedModel>>
LoadedModel::open(const std::string &modelPath, const std::string &weightsDir,
                  const SafetensorsOptions &options) {
  Expected<Model> model = Model::open(modelPath);
  if (!model)
    return model.error();
  SafetensorsOptions reading = options;
  // A GPU model copies its weights to the device once: a host copy in huge
  // pages would only cost memory and time.
  if (model->gpu())
    reading.memory = FileMemory::Mapped;
  Expected<Checkpoint> checkpoint = Checkpoint::open(weightsDir, reading);
  if (!checkpoint)
    return checkpoint.error();
  Expected<BoundWeights> weights =
      BoundWeights::bind(model->manifest(), *checkpoint);
  if (!weights)
    return weights.error();
  return std::unique_ptr<LoadedModel>(new LoadedModel{
      std::move(*model), std::move(*checkpoint), std::move(*weights)});
}

} // namespace llama4c::runtime
