//===- Output.h - Writing what a compile produces ---------------*- C++ -*-===//
//
// The compiler's side of runtime/support/OutputFile.h: the same rules for
// -o (standard output, devices and pipes written through, files replaced
// whole), with LLVM's errors, and the staging files removed when a signal
// ends the compile.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_COMPILER_OUTPUT_H
#define LLAMA4C_COMPILER_OUTPUT_H

#include "runtime/support/OutputFile.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>

namespace llama4c {

/// Where output for `path` goes; "PATH: cannot write: ..." when nothing
/// could be written there. Checked before compiling, and again when
/// writing.
llvm::Expected<runtime::OutputFile> checkOutput(llvm::StringRef path);

/// Writes all of `bytes` to `path`.
llvm::Error writeOutput(llvm::StringRef path, llvm::StringRef bytes);

/// A file in $TMPDIR (an object for the linker, ptxas's log), removed when
/// destroyed or when a signal ends the compile.
class TemporaryFile {
public:
  /// An empty file PREFIX-XXXXXX.SUFFIX.
  static llvm::Expected<TemporaryFile> create(llvm::StringRef prefix,
                                              llvm::StringRef suffix);
  TemporaryFile(TemporaryFile &&other) noexcept;
  TemporaryFile(const TemporaryFile &) = delete;
  TemporaryFile &operator=(const TemporaryFile &) = delete;
  TemporaryFile &operator=(TemporaryFile &&) = delete;
  ~TemporaryFile();

  llvm::StringRef path() const { return name; }
  /// Replaces the contents with `bytes`; a full disk is an error naming
  /// the file.
  llvm::Error write(llvm::StringRef bytes) const;

private:
  explicit TemporaryFile(std::string name) : name(std::move(name)) {}
  std::string name;
};

} // namespace llama4c

#endif // LLAMA4C_COMPILER_OUTPUT_H
