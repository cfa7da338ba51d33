//===- SafetensorsWriter.cpp - Write a safetensors file -------------------===//

#include "runtime/safetensors/SafetensorsWriter.h"

#include <cerrno>
#include <cstdio>
#include <system_error>

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
  auto failure = [&](int error) {
    return Error(path + ": cannot write: " +
                 std::error_code(error, std::generic_category()).message());
  };
  std::FILE *file = std::fopen(path.c_str(), "wb");
  if (!file)
    return failure(errno);
  size_t written = std::fwrite(bytes.data(), 1, bytes.size(), file);
  int writeError = written == bytes.size() ? 0 : errno;
  if (std::fclose(file) != 0 && writeError == 0)
    writeError = errno;
  if (writeError != 0 || written != bytes.size())
    return failure(writeError != 0 ? writeError : EIO);
  return {};
}

} // namespace llama4c::runtime
