//===- SafetensorsWriter.cpp - Write a safetensors file -------------------===//

#include "runtime/safetensors/SafetensorsWriter.h"

#include "runtime/support/OutputFile.h"

namespace llama4c::runtime {

SafetensorsImage
SafetensorsImage::of(const std::vector<TensorSpec> &tensors,
                     const std::map<std::string, std::string> &metadata) {
  SafetensorsImage image;
  image.header = nlohmann::json::object();
  for (const TensorSpec &tensor : tensors) {
    size_t begin = image.data.size();
    image.data += tensor.bytes;
    image.header[tensor.name] = {{"dtype", tensor.dtype},
                                 {"shape", tensor.shape},
                                 {"data_offsets", {begin, image.data.size()}}};
  }
  if (!metadata.empty())
    image.header["__metadata__"] = metadata;
  return image;
}

std::string SafetensorsImage::bytes() const {
  return encodeSafetensors(header.dump(), data);
}

std::string encodeSafetensors(const std::string &header,
                              const std::string &data, size_t alignment) {
  std::string padded = header;
  while (padded.size() % alignment != 0)
    padded += ' ';
  std::string bytes;
  uint64_t length = padded.size();
  for (int i = 0; i < 8; ++i)
    bytes += char((length >> (8 * i)) & 0xFF);
  return bytes + padded + data;
}

Expected<void> writeBinaryFile(const std::string &path,
                               const std::string &bytes) {
  Expected<OutputFile> output = OutputFile::check(path);
  if (!output)
    return output.error();
  return output->write(bytes);
}

} // namespace llama4c::runtime
