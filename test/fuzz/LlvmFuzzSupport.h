//===- LlvmFuzzSupport.h - FuzzSupport's check for LLVM errors --*- C++ -*-===//
//
// The compiler's readers return llvm::Expected; the invariant is the
// runtime's: success, or one error line that is not empty.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_TEST_FUZZ_LLVMFUZZSUPPORT_H
#define LLAMA4C_TEST_FUZZ_LLVMFUZZSUPPORT_H

#include "llvm/Support/Error.h"

#include <cstdlib>
#include <string>

namespace llama4c::fuzz {

/// Aborts (a finding) unless `result` succeeded or failed with one
/// non-empty line.
template <class T> void checkLlvmResult(llvm::Expected<T> &result) {
  if (result)
    return;
  std::string message = llvm::toString(result.takeError());
  if (message.empty() || message.find('\n') != std::string::npos)
    std::abort();
}

} // namespace llama4c::fuzz

#endif // LLAMA4C_TEST_FUZZ_LLVMFUZZSUPPORT_H
