//===- MappedFile.h - A whole file mapped read-only -------------*- C++ -*-===//
//
// Owns a read-only mmap of one file, so checkpoint bytes are paged in by the
// kernel on first touch and never copied. Pointers into the mapping stay
// valid while the MappedFile (or whatever it was moved into) lives.
//
// If another process truncates the file while it is mapped, touching the
// lost pages raises SIGBUS; no reader that avoids copying can prevent that.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_RUNTIME_SAFETENSORS_MAPPEDFILE_H
#define LLAMA4C_RUNTIME_SAFETENSORS_MAPPEDFILE_H

#include "llama4c/Status.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace llama4c::runtime {

/// Reports how much of a file has been read in: (done, total) bytes.
using LoadProgress = std::function<void(uint64_t done, uint64_t total)>;

class MappedFile {
public:
  /// Maps the regular file at `path` and reads it in (MAP_POPULATE), or,
  /// when `progress` is given, reads it in `stepBytes` at a time and
  /// reports after each step. Fails with "PATH: cannot open: ..." or "PATH:
  /// not a regular file".
  static Expected<MappedFile> open(const std::string &path,
                                   const LoadProgress &progress = {},
                                   uint64_t stepBytes = uint64_t(64) << 20);

  MappedFile(MappedFile &&other) noexcept;
  MappedFile &operator=(MappedFile &&other) noexcept;
  MappedFile(const MappedFile &) = delete;
  MappedFile &operator=(const MappedFile &) = delete;
  ~MappedFile();

  /// The file's bytes; nullptr for an empty file (mmap cannot map 0 bytes).
  const unsigned char *data() const { return bytes; }
  size_t size() const { return length; }

private:
  MappedFile(const unsigned char *bytes, size_t length)
      : bytes(bytes), length(length) {}
  void unmap();

  const unsigned char *bytes = nullptr;
  size_t length = 0;
};

} // namespace llama4c::runtime

#endif // LLAMA4C_RUNTIME_SAFETENSORS_MAPPEDFILE_H
