//===- Warp.h - The warp and the SMs of NVIDIA GPUs -------------*- C++ -*-===//

#ifndef LLAMA4C_PASSES_GPU_WARP_H
#define LLAMA4C_PASSES_GPU_WARP_H

#include <cstdint>

namespace llama4c {

/// Threads of a warp on every NVIDIA GPU: the lanes a shuffle reaches, the
/// lanes a warp-per-element kernel splits its reduction across, the lanes
/// the launch trace interprets together.
constexpr int64_t kWarpSize = 32;

/// The groups of lanes of a decode step's attention warp that each take a
/// key of every round of keys, when each lane holds `columns` of a head's
/// `headDim` dims (the attention's register tile) and the lanes of a
/// group share the key's dims between them.
constexpr int64_t keyLanesOf(int64_t headDim, int64_t columns) {
  return kWarpSize / (headDim / columns);
}

/// SMs of each target's GPUs (sm_90: H100 and H200 SXM; sm_80: A100 SXM),
/// and the threads an SM of either holds at once: how many threads a
/// kernel needs to fill the GPU.
constexpr int64_t kSm90Sms = 132;
constexpr int64_t kSm80Sms = 108;
constexpr int64_t kThreadsPerSm = 2048;
/// Blocks an SM of either holds at once: what bounds kernels of one-warp
/// blocks.
constexpr int64_t kBlocksPerSm = 32;
/// Registers an SM of either holds, given out a warp at a time in units of
/// 256 (8 a thread): what bounds kernels of many registers.
constexpr int64_t kRegistersPerSm = 65536;
constexpr int64_t kRegistersPerThreadUnit = 8;

} // namespace llama4c

#endif // LLAMA4C_PASSES_GPU_WARP_H
