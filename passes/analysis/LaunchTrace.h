//===- LaunchTrace.h - The launches of one call and their cost --*- C++ -*-===//
//
// Runs an entry function of a GPU module (after kernel outlining) on
// sizes alone: the host code is interpreted with concrete batch, token and
// cache lengths to find every kernel launch and its grid, and each kernel
// is interpreted for one warp at a time to count, from its real indexing,
// the 32-byte sectors each global load and store touches, and its floating
// point operations. Nothing is computed on data: values loaded from memory
// are unknown (0 where an index needs one, taken branches where a condition
// does), but for the arguments whose contents the call fixes (the
// positions, which bound attention's key loops). A model of the kernels,
// not a measurement.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_PASSES_ANALYSIS_LAUNCHTRACE_H
#define LLAMA4C_PASSES_ANALYSIS_LAUNCHTRACE_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace llama4c::report {

/// Bytes an SM's L1 returns a clock.
inline constexpr int64_t kL1BytesPerClock = 128;
/// Buffers up to this size stay in L2 while a kernel reads them: half the
/// smallest L2 of the targets' GPUs (A100, 40 MB; H100 and H200 have 50).
inline constexpr int64_t kL2ResidentBytes = 20'000'000;

/// What the launches of one kernel cost, summed.
struct KernelCost {
  int64_t launches = 0;
  /// Times a later phase of a chained launch (--llama4-gpu-chain-launches)
  /// waited for the phases before it: a phase is costed as a kernel of
  /// its own, its first one carrying the launch.
  int64_t waits = 0;
  int64_t threads = 0;
  /// Thread blocks, over all launches.
  int64_t blocks = 0;
  /// Global memory traffic: the 32-byte sectors each warp's loads and
  /// stores touch, a sector counted once within a run of its innermost
  /// loop (a warp's L1 keeps what its last iterations fetched), not across
  /// warps or loops: what L2 serves.
  double bytesRead = 0, bytesWritten = 0;
  /// What of bytesRead comes from HBM: a buffer no larger than
  /// kL2ResidentBytes at most once a launch (the vector every warp of a
  /// GEMV reads, the KV cache the query heads of a KV head share), a
  /// larger one as often as the warps read it.
  double hbmBytesRead = 0;
  /// What of bytesWritten reaches HBM: a buffer no larger than
  /// kL2ResidentBytes at most once a launch, its sectors' parts merged in
  /// L2 (a warp's lanes each storing a float of their own columns).
  double hbmBytesWritten = 0;
  /// The same accesses as sectors per warp instruction, at least 128
  /// bytes' worth each: what the load/store units and L1 move, 128 bytes
  /// a clock, an instruction a clock at least (an uncoalesced warp load is
  /// 32 sectors; a warp's 2-byte loads along a row take a clock for 64
  /// bytes, its 16-byte vector loads four for 512).
  double l1Bytes = 0;
  /// Floating-point operations (an FMA is two), over all threads.
  double flops = 0;
  /// Rounds of global loads that one warp waits for in turn, the most any
  /// warp of a launch takes, summed over launches: an iteration of a loop
  /// that loads from global memory is a round (a warp issues in order and
  /// the iteration uses what it loaded), as are the loads between loops.
  double loadRounds = 0;

  KernelCost &operator+=(const KernelCost &other) {
    launches += other.launches;
    waits += other.waits;
    threads += other.threads;
    blocks += other.blocks;
    bytesRead += other.bytesRead;
    bytesWritten += other.bytesWritten;
    hbmBytesRead += other.hbmBytesRead;
    hbmBytesWritten += other.hbmBytesWritten;
    l1Bytes += other.l1Bytes;
    flops += other.flops;
    loadRounds += other.loadRounds;
    return *this;
  }
};

/// Every kernel launched by one call, by kernel name, in first-launch order;
/// the later phases of a chained launch by the kernel's name, a slash and
/// the phase's index (`decode_kernel_3/2`).
class LaunchTrace {
public:
  KernelCost &operator[](llvm::StringRef kernel) {
    auto [it, inserted] = index.try_emplace(kernel, kernels.size());
    if (inserted)
      kernels.emplace_back(kernel.str(), KernelCost());
    return kernels[it->second].second;
  }
  auto begin() const { return kernels.begin(); }
  auto end() const { return kernels.end(); }

private:
  std::vector<std::pair<std::string, KernelCost>> kernels;
  llvm::StringMap<size_t> index;
};

/// The sizes of one call: `dims` gives each dynamic dimension of each
/// argument of `entry` (its index in the memref type) a value.
struct CallSizes {
  /// [argument][dimension] -> size, for the dynamic dimensions.
  std::function<int64_t(unsigned argument, unsigned dimension)> dim;
  /// Element `element` (row-major) of argument `argument`, where the call
  /// fixes it (the positions); nullopt elsewhere. May be empty.
  std::function<std::optional<int64_t>(unsigned argument, int64_t element)>
      element;
};

/// Interprets `entry` (a host function of `module`) with `sizes`.
llvm::Expected<LaunchTrace> traceLaunches(mlir::ModuleOp module,
                                          mlir::func::FuncOp entry,
                                          const CallSizes &sizes);

} // namespace llama4c::report

#endif // LLAMA4C_PASSES_ANALYSIS_LAUNCHTRACE_H
