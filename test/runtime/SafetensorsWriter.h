//===- SafetensorsWriter.h - Test fixtures for safetensors files -*- C++
//-*-===//
//
// The one place the runtime tests produce checkpoint files. A test builds a
// valid SafetensorsImage, patches the header JSON to break exactly one
// thing, and writes it into its own temporary directory; headers no JSON
// library would produce (repeated keys, bad UTF-8) go through
// encodeSafetensors as text.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_TEST_RUNTIME_SAFETENSORSWRITER_H
#define LLAMA4C_TEST_RUNTIME_SAFETENSORSWRITER_H

#include "llama4c/Status.h"

#include "gtest/gtest.h"
#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <vector>

namespace llama4c::runtime::testing {

/// One tensor as the writer lays it out; `dtype` is the header tag ("BF16").
struct TensorSpec {
  std::string name;
  std::string dtype;
  std::vector<int64_t> shape;
  std::string bytes;
};

/// The raw bytes of `values`, as a safetensors data section stores them on a
/// little-endian host.
template <class T> std::string bytesOf(const std::vector<T> &values) {
  std::string bytes(values.size() * sizeof(T), '\0');
  if (!values.empty())
    std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

/// A safetensors file before encoding: its header as JSON, open to patching,
/// and its data section.
struct SafetensorsImage {
  /// Tensors back to back in the given order, as Python's writer does.
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

/// Writes `bytes` to `path`, failing the test if it cannot.
void writeFile(const std::string &path, const std::string &bytes);

/// A fixture giving each test a fresh, empty directory under
/// testing::TempDir(), removed afterwards.
class TempDirTest : public ::testing::Test {
protected:
  void SetUp() override;
  void TearDown() override;

  /// `name` inside the test's directory.
  std::string path(const std::string &name) const { return dir + "/" + name; }

  std::string dir;
};

/// The message of a failed `result`. Fails the test if `result` succeeded
/// or the message is not a single line.
template <class T> std::string errorOf(const Expected<T> &result) {
  if (result) {
    ADD_FAILURE() << "expected an error, got success";
    return "";
  }
  const std::string &message = result.error().message();
  EXPECT_EQ(message.find_first_of("\r\n"), std::string::npos)
      << "message is not one line: " << message;
  return message;
}

} // namespace llama4c::runtime::testing

#endif // LLAMA4C_TEST_RUNTIME_SAFETENSORSWRITER_H
