//===- DeviceMemory.h - What a GPU model leaves free ------------*- C++ -*-===//
//
// The device memory a GPU model's weights and KV cache may not take by
// default: the CUDA context, the kernels and one call's activations (a
// prefill's temporaries, from the stream-ordered pool) live there. The
// runtime's default budget (llama4-run --device-memory) and the placements
// `--emit report` predicts both leave it.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_DEVICEMEMORY_H
#define LLAMA4C_DEVICEMEMORY_H

#include <cstdint>

namespace llama4c {

inline constexpr uint64_t kDeviceReserveBytes = uint64_t(2) << 30;

} // namespace llama4c

#endif // LLAMA4C_DEVICEMEMORY_H
