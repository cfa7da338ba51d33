//===- Checkpoint.h - A Hugging Face safetensors checkpoint -----*- C++ -*-===//
//
// A checkpoint directory as transformers writes it: either one
// `model.safetensors`, or `model.safetensors.index.json`,
//   {"metadata": {...},
//    "weight_map": {TENSOR: "model-00001-of-00050.safetensors", ...}}
// plus the shards it names. open() maps every shard once and checks that
// each tensor of the index is in the shard the index names, so a lookup
// afterwards can only fail for a name the checkpoint does not have.
//
// As in transformers' from_pretrained, model.safetensors wins when both
// forms are present. With an index, the index is the list of tensors: a
// tensor stored in a shard but absent from weight_map is not found.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_RUNTIME_SAFETENSORS_CHECKPOINT_H
#define LLAMA4C_RUNTIME_SAFETENSORS_CHECKPOINT_H

#include "llama4c/Status.h"
#include "runtime/safetensors/SafetensorsFile.h"

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace llama4c::runtime {

class Checkpoint {
public:
  /// Opens the checkpoint in `directory`. Errors name the directory, the
  /// index or the shard at fault, and a tensor where one is involved.
  static Expected<Checkpoint> open(const std::string &directory,
                                   const SafetensorsOptions &options = {});

  const std::string &directory() const { return dir; }

  /// The opened files: one for a single-file checkpoint, else one per
  /// distinct shard of the index, in file name order.
  const std::vector<SafetensorsFile> &shards() const { return files; }

  size_t numTensors() const { return locations.size(); }

  /// The tensor called `name`, in whichever shard holds it, or nullptr.
  const TensorView *find(std::string_view name) const;

  /// The tensor called `name` if it has exactly this dtype and shape. Fails
  /// with "SHARD: NAME: expected bf16 [16, 64, 128], got f32 [16, 64, 128]"
  /// or "DIR: NAME: tensor not found in the checkpoint".
  Expected<const TensorView *> expect(std::string_view name, DType dtype,
                                      const std::vector<int64_t> &shape) const;

private:
  explicit Checkpoint(std::string directory) : dir(std::move(directory)) {}

  /// Where a tensor lives: files[file], and the view inside it (stable:
  /// moving a SafetensorsFile keeps its views' heap storage).
  struct Location {
    size_t file;
    const TensorView *tensor;
  };

  std::string dir;
  std::vector<SafetensorsFile> files;
  std::map<std::string, Location, std::less<>> locations;
};

} // namespace llama4c::runtime

#endif // LLAMA4C_RUNTIME_SAFETENSORS_CHECKPOINT_H
