//===- InputFile.h - Opening a file that must be a regular file -*- C++ -*-===//
//
// Every file llama4c and llama4-run read comes from the user: config.json,
// schedules, checkpoints, tokenizer and template files, images. Opening
// one must never wait: open(2) of a FIFO blocks until a writer appears, and
// a device such as /dev/zero never ends. So the path is stat'ed first and
// refused unless it names a regular file (symlinks followed), then opened
// non-blocking so that a swap between the two calls cannot block either,
// and checked again on the descriptor.
//
// Shared by the compiler and the runtime: POSIX and the standard library
// only.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_RUNTIME_SUPPORT_INPUTFILE_H
#define LLAMA4C_RUNTIME_SUPPORT_INPUTFILE_H

#include "llama4c/Status.h"

#include <cstdint>
#include <string>

namespace llama4c::runtime {

/// errno as text. std::generic_category is thread-safe, unlike strerror.
std::string errnoText(int error);

/// Whether anything is at `path`, as lstat sees it: a dangling or looping
/// symlink counts, so that opening it names what is wrong instead of the
/// file being taken for absent.
bool pathExists(const std::string &path);

/// What a non-regular file is, for messages: "a directory", "a FIFO", ...
std::string fileKindName(unsigned mode);

/// An open regular file, closed when destroyed.
class InputFile {
public:
  /// Opens `path` for reading. Fails with "PATH: cannot open: REASON",
  /// "PATH: symlink loop" or "PATH: not a regular file: a FIFO" (or
  /// another kind), and with "PATH: file of N bytes is over the limit of M
  /// bytes" when it is larger than `maxBytes`.
  static Expected<InputFile> open(const std::string &path,
                                  uint64_t maxBytes = UINT64_MAX);

  InputFile(InputFile &&other) noexcept;
  InputFile &operator=(InputFile &&other) noexcept;
  InputFile(const InputFile &) = delete;
  InputFile &operator=(const InputFile &) = delete;
  ~InputFile();

  int descriptor() const { return fd; }
  /// The size when it was opened.
  uint64_t size() const { return bytes; }
  /// Reads `count` bytes from the current offset into `into`, retrying
  /// short reads; returns how many were read, fewer only at the end of the
  /// file. Fails with the reason (errnoText) alone.
  Expected<size_t> read(void *into, size_t count) const;

private:
  InputFile(int fd, uint64_t bytes) : fd(fd), bytes(bytes) {}

  int fd = -1;
  uint64_t bytes = 0;
};

/// The whole regular file at `path`, of at most `maxBytes`, with
/// InputFile::open's errors and "PATH: cannot read: REASON".
Expected<std::string> readInputFile(const std::string &path, uint64_t maxBytes);

} // namespace llama4c::runtime

#endif // LLAMA4C_RUNTIME_SUPPORT_INPUTFILE_H
