//===- Warp.h - The warp of NVIDIA GPUs -------------------------*- C++ -*-===//

#ifndef LLAMA4C_PASSES_GPU_WARP_H
#define LLAMA4C_PASSES_GPU_WARP_H

#include <cstdint>

namespace llama4c {

/// Threads of a warp on every NVIDIA GPU: the lanes a shuffle reaches, the
/// lanes a warp-per-element kernel splits its reduction across, the lanes
/// the launch trace interprets together.
constexpr int64_t kWarpSize = 32;

} // namespace llama4c

#endif // LLAMA4C_PASSES_GPU_WARP_H
