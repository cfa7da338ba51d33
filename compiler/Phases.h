//===- Phases.h - The phases a compile can stop after -----------*- C++ -*-===//
//
// Each phase has its --emit name and a one-line description.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_COMPILER_PHASES_H
#define LLAMA4C_COMPILER_PHASES_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

namespace llama4c {

enum class Phase {
  Llama4, ///< the verified llama4 dialect module
  Llvm,   ///< host LLVM IR
  Ptx,    ///< PTX of the GPU kernels
  Obj,    ///< host object file
  So,     ///< the model shared object
  Report, ///< predicted launches, traffic, FLOPs and time per GPU kernel
};

struct PhaseInfo {
  Phase phase;
  llvm::StringLiteral emitName;
  llvm::StringLiteral description;
};

inline llvm::ArrayRef<PhaseInfo> allPhases() {
  static const PhaseInfo phases[] = {
      {Phase::Llama4, "mlir", "the verified llama4 dialect module"},
      {Phase::Llvm, "llvm", "host LLVM IR"},
      {Phase::Ptx, "ptx", "PTX of the GPU kernels"},
      {Phase::Obj, "obj", "host object file"},
      {Phase::So, "so", "the model shared object: host code, PTX, weight manifest"},
      {Phase::Report, "report",
       "predicted launches, global traffic, FLOPs and time per GPU kernel "
       "(JSON)"},
  };
  return phases;
}

inline const PhaseInfo &phaseInfo(Phase phase) {
  return allPhases()[static_cast<int>(phase)];
}

} // namespace llama4c

#endif // LLAMA4C_COMPILER_PHASES_H
