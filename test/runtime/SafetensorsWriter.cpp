//===- SafetensorsWriter.cpp - Test fixtures for safetensors files --------===//

#include "test/runtime/SafetensorsWriter.h"

#include <filesystem>
#include <fstream>

#include <unistd.h>

namespace llama4c::runtime::testing {

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

void writeFile(const std::string &path, const std::string &bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), std::streamsize(bytes.size()));
  out.close();
  ASSERT_TRUE(out.good()) << "cannot write " << path;
}

void TempDirTest::SetUp() {
  const ::testing::TestInfo *test =
      ::testing::UnitTest::GetInstance()->current_test_info();
  // The pid keeps parallel ctest runs of the same test apart.
  std::string name = std::string(test->test_suite_name()) + "." + test->name();
  for (char &c : name)
    if (c == '/') // parameterized tests are named "Prefix/Suite.Test/0"
      c = '_';
  dir = ::testing::TempDir() + "llama4c-runtime-" + name + "-" +
        std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(std::filesystem::create_directories(dir))
      << "cannot create " << dir;
}

void TempDirTest::TearDown() { std::filesystem::remove_all(dir); }

} // namespace llama4c::runtime::testing
