//===- OutputFile.h - Where a tool's output goes, and writing it -*- C++
//-*-===//
//
// llama4c's -o and llama4-run's --dump-logits name a path the user chose,
// which may be a file, a name in some directory, "-", a device, a pipe or
// a symlink. What happens to each is decided once, here, before any work:
//
//   "-"                          standard output
//   a character device or FIFO   written through (/dev/null, /dev/stdout, a
//                                pipe someone reads); never replaced
//   a regular file or a new name the output is written to NAME.partial
//                                beside it and renamed over NAME when
//                                complete, so a failure or a kill leaves
//                                NAME as it was
//   a symlink                    followed: the file it names is replaced,
//                                the link stays
//   anything else                refused: a directory, a block device, a
//                                socket, a dangling symlink, a symlink
//                                loop, a name in a missing directory
//
// Shared by the compiler and the runtime: POSIX and the standard library
// only.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_RUNTIME_SUPPORT_OUTPUTFILE_H
#define LLAMA4C_RUNTIME_SUPPORT_OUTPUTFILE_H

#include "llama4c/Status.h"

#include <string>
#include <string_view>

namespace llama4c::runtime {

class OutputFile {
public:
  /// Decides where output for `path` goes, or fails with "PATH: cannot
  /// write: REASON" naming what is wrong with it.
  static Expected<OutputFile> check(const std::string &path);

  /// Whether the output replaces a file (through stagingPath()) rather
  /// than being written through to standard output, a device or a pipe.
  bool replacesFile() const { return kind == Kind::Replace; }
  /// NAME.partial beside the file replaced; empty when written through.
  const std::string &stagingPath() const { return staging; }

  /// Writes all of `bytes`: to the staging file then renamed, or through.
  /// A failure (a full disk, a file size limit) removes the staging file
  /// and names the path and the reason.
  Expected<void> write(std::string_view bytes) const;
  /// Renames a staging file another program wrote (the linker) over the
  /// target. Only when replacesFile().
  Expected<void> commitStaged() const;

private:
  enum class Kind { StandardOutput, WriteThrough, Replace };
  OutputFile(Kind kind, std::string path, std::string target)
      : kind(kind), path(std::move(path)), target(std::move(target)) {
    if (this->kind == Kind::Replace)
      staging = this->target + ".partial";
  }
  Error failure(const std::string &reason) const;

  Kind kind;
  /// As the user gave it, for messages.
  std::string path;
  /// What is written: `path` with symlinks resolved when replaced.
  std::string target;
  std::string staging;
};

/// For a tool's main: ignores SIGXFSZ, so that a write past the file size
/// limit (ulimit -f) fails with EFBIG and is reported, instead of killing
/// the process and leaving its staging files behind. Inherited by the
/// programs it runs (the linker), which then report EFBIG too.
void reportFileSizeLimitAsAnError();

/// Flushes the C stdout stream, failing with "standard output: cannot
/// write: REASON" if that or any earlier write to it failed (> /dev/full):
/// a tool's last step before exiting 0.
Expected<void> flushStandardOutput();

/// Writes all of `bytes` to descriptor `fd`, retrying short writes; errno
/// of the failure, or 0.
int writeAll(int fd, std::string_view bytes);

} // namespace llama4c::runtime

#endif // LLAMA4C_RUNTIME_SUPPORT_OUTPUTFILE_H
