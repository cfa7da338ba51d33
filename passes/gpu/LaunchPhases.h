//===- LaunchPhases.h - Launches that run kernels in turn -------*- C++ -*-===//
//
// --llama4-gpu-chain-launches makes one launch of several kernels: each
// block takes a ticket, the tickets' ranges are the kernels' blocks in
// order, and a block waits for every earlier kernel's blocks to finish
// before it starts. The launch trace cannot run the wait or know the
// tickets, so the pass marks them, and the trace costs each kernel (a
// phase of the launch) on its own.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_PASSES_GPU_LAUNCHPHASES_H
#define LLAMA4C_PASSES_GPU_LAUNCHPHASES_H

#include "llvm/ADT/StringRef.h"

namespace llama4c {

/// On the memref.load that hands a block its ticket: the trace takes the
/// block's index for it (blocks take tickets in about the order they
/// start).
constexpr llvm::StringLiteral kBlockTicketAttr = "llama4.block_ticket";

/// On the scf.if running a kernel's blocks in a chained launch: the
/// kernel's place in the launch (an i64, from 0).
constexpr llvm::StringLiteral kPhaseAttr = "llama4.phase";

/// On the scf.while in which a block waits for the phases before its own:
/// the trace charges the wait per phase, not by running it.
constexpr llvm::StringLiteral kPhaseWaitAttr = "llama4.phase_wait";

} // namespace llama4c

#endif // LLAMA4C_PASSES_GPU_LAUNCHPHASES_H
