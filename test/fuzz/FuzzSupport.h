//===- FuzzSupport.h - Helpers shared by the fuzz targets -------*- C++ -*-===//
//
// Readers that take a path (they mmap their file) are fed through a file
// in a per-process scratch directory; each target checks the invariant
// every reader promises: success, or one error line that is not empty.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_TEST_FUZZ_FUZZSUPPORT_H
#define LLAMA4C_TEST_FUZZ_FUZZSUPPORT_H

#include "llama4c/Status.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <unistd.h>

namespace llama4c::fuzz {

/// A directory of its own for this process, created once.
inline const std::string &scratchDir() {
  static const std::string dir = [] {
    std::string path = std::filesystem::temp_directory_path().string() +
                       "/llama4c-fuzz-" + std::to_string(::getpid());
    std::filesystem::create_directories(path);
    return path;
  }();
  return dir;
}

/// Writes `size` bytes to `name` in the scratch directory; returns its path.
inline std::string writeScratch(const std::string &name, const uint8_t *data,
                                size_t size) {
  std::string path = scratchDir() + "/" + name;
  FILE *file = std::fopen(path.c_str(), "wb");
  if (!file)
    std::abort();
  if (size)
    std::fwrite(data, 1, size, file);
  std::fclose(file);
  return path;
}

/// Aborts (a finding) unless `result` succeeded or failed with one
/// non-empty line.
template <class T>
void checkResult(const runtime::Expected<T> &result) {
  if (result)
    return;
  const std::string &message = result.error().message();
  if (message.empty() || message.find('\n') != std::string::npos)
    std::abort();
}

} // namespace llama4c::fuzz

#endif // LLAMA4C_TEST_FUZZ_FUZZSUPPORT_H
