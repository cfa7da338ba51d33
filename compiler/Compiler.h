//===- Compiler.h - config.json -> artifact, as a library call --*- C++ -*-===//
//
// The whole compile behind one function, with no command-line state, so
// that the drivers stay thin and tests can call it.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_COMPILER_COMPILER_H
#define LLAMA4C_COMPILER_COMPILER_H

#include "compiler/CompileOptions.h"

#include "llvm/Support/Error.h"

namespace llama4c {

/// The error of a phase or option this build does not implement yet; the
/// driver exits with 2 for it, and 1 for every other error.
class NotAvailableError : public llvm::ErrorInfo<NotAvailableError> {
public:
  static char ID;
  explicit NotAvailableError(std::string what) : what(std::move(what)) {}
  void log(llvm::raw_ostream &os) const override;
  std::error_code convertToErrorCode() const override;

private:
  std::string what;
};

/// Parses the config, builds and verifies the llama4 module, runs the
/// pipeline and writes the phase `options.emit` to `options.outputPath`
/// (atomically: a failed compile leaves no partial file). Errors are one
/// line, naming the file and the field or op at fault.
llvm::Error compile(const CompileOptions &options);

} // namespace llama4c

#endif // LLAMA4C_COMPILER_COMPILER_H
