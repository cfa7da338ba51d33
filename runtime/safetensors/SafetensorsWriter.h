//===- SafetensorsWriter.h - Write a safetensors file -----------*- C++ -*-===//
//
// The one writer of safetensors files in llama4c: llama4-run's
// --dump-logits uses it, and so do the tests that build checkpoints (valid
// ones, and broken ones made by patching `header` before encoding). The
// layout is the one SafetensorsFile.h describes; tensors go back to back in
// the order given, as Python's writer puts them.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_RUNTIME_SAFETENSORS_SAFETENSORSWRITER_H
#define LLAMA4C_RUNTIME_SAFETENSORS_SAFETENSORSWRITER_H

#include "llama4c/Status.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <vector>

namespace llama4c::runtime {

/// One tensor to write; `dtype` is the header tag ("BF16", "F32", "I64").
struct TensorSpec {
  std::string name;
  std::string dtype;
  std::vector<int64_t> shape;
  std::string bytes;
};

/// The raw bytes of `count` values at `values`, as a safetensors data
/// section stores them on a little-endian host.
template <class T> std::string bytesOf(const T *values, size_t count) {
  std::string bytes(count * sizeof(T), '\0');
  if (count != 0)
    std::memcpy(bytes.data(), values, bytes.size());
  return bytes;
}
template <class T> std::string bytesOf(const std::vector<T> &values) {
  return bytesOf(values.data(), values.size());
}

/// A safetensors file before encoding: its header as JSON, open to
/// patching, and its data section.
struct SafetensorsImage {
  static SafetensorsImage
  of(const std::vector<TensorSpec> &tensors,
     const std::map<std::string, std::string> &metadata = {});

  /// The encoded file (header padded with spaces to a multiple of 8).
  std::string bytes() const;

  nlohmann::json header;
  std::string data;
};

/// 8-byte little-endian length, `header` verbatim padded with spaces to a
/// multiple of `alignment`, then `data`.
std::string encodeSafetensors(const std::string &header,
                              const std::string &data, size_t alignment = 8);

/// Writes `bytes` to `path` as runtime/support/OutputFile.h says: a file
/// is replaced whole or not at all. Fails with "PATH: cannot write: REASON".
Expected<void> writeBinaryFile(const std::string &path,
                               const std::string &bytes);

} // namespace llama4c::runtime

#endif // LLAMA4C_RUNTIME_SAFETENSORS_SAFETENSORSWRITER_H
