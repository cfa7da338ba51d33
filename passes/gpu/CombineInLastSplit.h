//===- CombineInLastSplit.h - A split's last arriver ------------*- C++ -*-===//
//
// --llama4-gpu-combine-in-last-split puts a split kernel's combine under a
// branch that only the warp arriving last at its group takes. The launch
// trace, which cannot know which warp that is, reads the branch's mark.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_PASSES_GPU_COMBINEINLASTSPLIT_H
#define LLAMA4C_PASSES_GPU_COMBINEINLASTSPLIT_H

#include "llvm/ADT/StringRef.h"

namespace llama4c {

/// On the scf.if of a combine's last arriver: the warps of its group (an
/// integer), one of which takes the branch.
constexpr llvm::StringLiteral kArrivalsAttr = "llama4.arrivals";

} // namespace llama4c

#endif // LLAMA4C_PASSES_GPU_COMBINEINLASTSPLIT_H
