//===- TakenShare.h - Branches a known share of a launch takes --*- C++ -*-===//
//
// Some branches of a kernel depend on data the launch trace cannot know:
// which split's warp arrives last at its group, which rows of a group
// chose the same expert. The pass that builds such a branch marks it with
// the share of the launch's iterations expected to take it, and the trace
// reads the mark.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_PASSES_GPU_TAKENSHARE_H
#define LLAMA4C_PASSES_GPU_TAKENSHARE_H

#include "llvm/ADT/StringRef.h"

namespace llama4c {

/// On an scf.if in a kernel: the share of the launch's iterations that
/// take it (an f64 in (0, 1]). The trace charges the branch that share of
/// an iteration's traffic and FLOPs, and its rounds of loads whole: the
/// iterations that take it wait them out.
constexpr llvm::StringLiteral kTakenShareAttr = "llama4.taken_share";

} // namespace llama4c

#endif // LLAMA4C_PASSES_GPU_TAKENSHARE_H
