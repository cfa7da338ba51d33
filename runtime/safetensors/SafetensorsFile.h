//===- SafetensorsFile.h - One .safetensors file, mapped --------*- C++ -*-===//
//
// Opens one safetensors file read-only and validates its header, so that
// every TensorView handed out afterwards is known to lie inside the file,
// to be exactly dtype size * product(shape) bytes long, and not to overlap
// another tensor. Tensor bytes are never read here; they stay in the mapping
// until a caller touches them.
//
// The format (https://github.com/huggingface/safetensors):
//   bytes [0, 8)        N, the header length, unsigned little-endian
//   bytes [8, 8 + N)    JSON: {NAME: {"dtype": "BF16", "shape": [d0, ...],
//                              "data_offsets": [begin, end]}, ...,
//                        "__metadata__": {KEY: "VALUE", ...}}
//   bytes [8 + N, EOF)  the data section; offsets are relative to its start
//
// Data pointers carry no alignment guarantee: N is whatever the writer
// chose (Python's writer pads to 8, others do not), so read elements with
// memcpy, or check alignment before casting.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_RUNTIME_SAFETENSORS_SAFETENSORSFILE_H
#define LLAMA4C_RUNTIME_SAFETENSORS_SAFETENSORSFILE_H

#include "llama4c/Status.h"
#include "runtime/safetensors/DType.h"
#include "runtime/safetensors/MappedFile.h"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace llama4c::runtime {

struct SafetensorsOptions {
  /// Largest JSON header (and checkpoint index) accepted, in bytes. The
  /// header is parsed into memory, so this bounds what a corrupt length
  /// field can make us allocate. The reference reader's limit is 100 MB;
  /// real headers, about 150 bytes per tensor, are tens of kilobytes.
  uint64_t maxHeaderBytes = uint64_t(100) << 20;
  /// When set, files are read in step by step and this is told how far
  /// along they are (MappedFile::open); Checkpoint::open reports over all
  /// its shards together.
  LoadProgress progress;
  /// Where the files' bytes are held: mapped, or copied into huge pages.
  FileMemory memory = FileMemory::Mapped;
};

/// One tensor of a safetensors file. `data` points into the file mapping and
/// lives as long as the SafetensorsFile that handed it out.
struct TensorView {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape; // [] for a 0-d scalar
  const void *data;           // `bytes` bytes, possibly unaligned
  size_t bytes;
};

/// "bf16 [16, 64, 128]"; "f32 []" for a scalar.
std::string describeTensorType(DType dtype, const std::vector<int64_t> &shape);

class SafetensorsFile {
public:
  /// Maps and validates the file at `path`. Errors are one line naming the
  /// file and, where one is at fault, the tensor.
  static Expected<SafetensorsFile> open(const std::string &path,
                                        const SafetensorsOptions &options = {});

  const std::string &path() const { return filePath; }
  /// The size of the file in bytes.
  uint64_t fileBytes() const { return mapping.size(); }
  /// Whether its bytes are a private copy (FileMemory), not the page cache.
  bool isCopy() const { return mapping.isCopy(); }

  /// The tensor called `name`, or nullptr.
  const TensorView *find(std::string_view name) const;

  /// Every tensor, sorted by name.
  const std::vector<TensorView> &tensors() const { return views; }

  /// The header's "__metadata__" (empty when absent).
  const std::map<std::string, std::string> &metadata() const {
    return metadataMap;
  }

private:
  SafetensorsFile(std::string path, MappedFile mapping)
      : filePath(std::move(path)), mapping(std::move(mapping)) {}

  std::string filePath;
  MappedFile mapping;
  std::vector<TensorView> views;
  std::map<std::string, std::string> metadataMap;
};

} // namespace llama4c::runtime

#endif // LLAMA4C_RUNTIME_SAFETENSORS_SAFETENSORSFILE_H
