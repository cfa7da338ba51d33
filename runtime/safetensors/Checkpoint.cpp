//===- Checkpoint.cpp - A Hugging Face safetensors checkpoint -------------===//
//
// Validation order for a sharded checkpoint: the index JSON, every
// weight_map entry (shard names must be plain file names: the index is
// input, and "../x" or "/etc/x" would read outside the checkpoint), then each
// shard once, in file name order, with the tensors the index puts in it.
//
//===----------------------------------------------------------------------===//

#include "runtime/safetensors/Checkpoint.h"

#include "runtime/safetensors/StrictJson.h"
#include "runtime/support/InputFile.h"

#include <cerrno>
#include <system_error>

#include <sys/stat.h>

namespace llama4c::runtime {

namespace {

constexpr const char *kSingleFileName = "model.safetensors";
constexpr const char *kIndexFileName = "model.safetensors.index.json";

std::string joinPath(const std::string &dir, const std::string &name) {
  return !dir.empty() && dir.back() == '/' ? dir + name : dir + "/" + name;
}

/// Whether `name` stays inside the checkpoint directory once joined to it.
bool isPlainFileName(const std::string &name) {
  return !name.empty() && name != "." && name != ".." &&
         name.find('/') == std::string::npos &&
         name.find('\0') == std::string::npos;
}

/// Reads the index: tensor name -> shard file name, checked for form only.
Expected<std::map<std::string, std::string>>
readWeightMap(const std::string &indexPath, const SafetensorsOptions &options) {
  Expected<Json> index = readJsonFile(indexPath, options.maxHeaderBytes);
  if (!index)
    return index.error();
  if (!index->is_object())
    return Error(indexPath + ": expected a JSON object, got " +
                 describeJson(*index));
  // "metadata" (transformers writes total_size) is not needed, but a
  // non-object there means the file is not what it claims to be.
  auto metadata = index->find("metadata");
  if (metadata != index->end() && !metadata->is_object())
    return Error(indexPath + ": metadata must be an object, got " +
                 describeJson(*metadata));
  auto weightMap = index->find("weight_map");
  if (weightMap == index->end())
    return Error(indexPath + ": weight_map: missing");
  if (!weightMap->is_object())
    return Error(indexPath + ": weight_map must be an object, got " +
                 describeJson(*weightMap));

  std::map<std::string, std::string> shardOf;
  for (auto it = weightMap->begin(); it != weightMap->end(); ++it) {
    std::string where = indexPath + ": weight_map." + it.key() + ": ";
    if (!it.value().is_string())
      return Error(where + "shard must be a file name string, got " +
                   describeJson(it.value()));
    const std::string &shard = it.value().get_ref<const std::string &>();
    if (!isPlainFileName(shard))
      return Error(where + "shard " + quoteJson(shard) +
                   " is not a file name inside the checkpoint directory");
    shardOf[it.key()] = shard;
  }
  return shardOf;
}

} // namespace

Expected<Checkpoint> Checkpoint::open(const std::string &directory,
                                      const SafetensorsOptions &options) {
  struct stat info;
  if (::stat(directory.c_str(), &info) != 0)
    return Error(directory + ": cannot open checkpoint directory: " +
                 std::error_code(errno, std::generic_category()).message());
  if (!S_ISDIR(info.st_mode))
    return Error(directory + ": not a directory");

  Checkpoint checkpoint(directory);
  std::string singlePath = joinPath(directory, kSingleFileName);
  std::string indexPath = joinPath(directory, kIndexFileName);

  if (pathExists(singlePath)) {
    Expected<SafetensorsFile> file = SafetensorsFile::open(singlePath, options);
    if (!file)
      return file.error();
    checkpoint.files.push_back(std::move(*file));
    for (const TensorView &view : checkpoint.files[0].tensors())
      checkpoint.locations[view.name] = Location{0, &view};
    return checkpoint;
  }
  if (!pathExists(indexPath))
    return Error(directory + ": no checkpoint found: neither " +
                 kSingleFileName + " nor " + kIndexFileName);

  Expected<std::map<std::string, std::string>> shardOf =
      readWeightMap(indexPath, options);
  if (!shardOf)
    return shardOf.error();

  // shard file name -> the tensors the index puts in it, both sorted.
  std::map<std::string, std::vector<std::string>> tensorsOf;
  for (const auto &[tensor, shard] : *shardOf)
    tensorsOf[shard].push_back(tensor);

  // Sizes first, so that progress can be reported over all the shards.
  uint64_t totalBytes = 0;
  for (const auto &[shard, tensors] : tensorsOf) {
    std::string shardPath = joinPath(directory, shard);
    if (!pathExists(shardPath))
      return Error(shardPath + ": shard named in " + kIndexFileName +
                   " does not exist (needed by " + tensors.front() + ")");
    // Only for the progress total: opening the shard names any problem.
    struct stat shardInfo;
    if (::stat(shardPath.c_str(), &shardInfo) == 0)
      totalBytes += uint64_t(shardInfo.st_size);
  }
  uint64_t loadedBytes = 0;
  SafetensorsOptions shardOptions = options;

  for (const auto &[shard, tensors] : tensorsOf) {
    std::string shardPath = joinPath(directory, shard);
    if (options.progress)
      shardOptions.progress = [&](uint64_t done, uint64_t) {
        options.progress(loadedBytes + done, totalBytes);
      };
    Expected<SafetensorsFile> file =
        SafetensorsFile::open(shardPath, shardOptions);
    if (!file)
      return file.error();
    loadedBytes += file->fileBytes();
    size_t fileIndex = checkpoint.files.size();
    checkpoint.files.push_back(std::move(*file));
    const SafetensorsFile &opened = checkpoint.files.back();
    for (const std::string &tensor : tensors) {
      const TensorView *view = opened.find(tensor);
      if (!view)
        return Error(shardPath + ": " + tensor + ": listed in " +
                     kIndexFileName + " but not in this shard");
      checkpoint.locations[tensor] = Location{fileIndex, view};
    }
  }
  return checkpoint;
}

const TensorView *Checkpoint::find(std::string_view name) const {
  auto it = locations.find(name);
  return it == locations.end() ? nullptr : it->second.tensor;
}

Expected<const TensorView *>
Checkpoint::expect(std::string_view name, DType dtype,
                   const std::vector<int64_t> &shape) const {
  auto it = locations.find(name);
  if (it == locations.end())
    return Error(dir + ": " + std::string(name) +
                 ": tensor not found in the checkpoint");
  const TensorView *view = it->second.tensor;
  if (view->dtype != dtype || view->shape != shape)
    return Error(files[it->second.file].path() + ": " + view->name +
                 ": expected " + describeTensorType(dtype, shape) + ", got " +
                 describeTensorType(view->dtype, view->shape));
  return view;
}

} // namespace llama4c::runtime
