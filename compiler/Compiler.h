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

/// Parses the config, builds and verifies the llama4 module, runs the
/// pipeline and writes the phase `options.emit` to `options.outputPath`
/// (atomically: a failed compile leaves no partial file). Errors are one
/// line, naming the file and the field or op at fault.
llvm::Error compile(const CompileOptions &options);

} // namespace llama4c

#endif // LLAMA4C_COMPILER_COMPILER_H
