//===- WeightPlacement.h - Which weights a GPU's memory holds ---*- C++ -*-===//
//
// A GPU model whose weights do not fit the device memory it may use keeps
// some of them in host memory, pinned and mapped into the GPU's address
// space: its kernels read them across the bus (PCIe, NVLink-C2C) where
// they are, each byte a decode step needs once, nothing staged.
//
// The device holds what decode reads most per byte held. First every
// weight but the routed experts: a step reads them whole (the embedding
// table and the vision tower, which steps read little of, are small next
// to the experts and go with them, as `--emit report` assumes). Then the
// KV cache, allocated before the first call within what the first group
// leaves (GpuDevice::cacheRoom): a step reads every position of a global
// layer's pages too. Then the routed-expert tensors, in manifest order
// (layer by layer), each that still fits: a token reads k of E experts'
// slices of those left in host memory. Whole tensors, so the kernels see
// one pointer per weight.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_RUNTIME_GPU_WEIGHTPLACEMENT_H
#define LLAMA4C_RUNTIME_GPU_WEIGHTPLACEMENT_H

#include "llama4c/Status.h"
#include "runtime/loader/Manifest.h"

#include <cstdint>
#include <vector>

namespace llama4c::runtime {

struct WeightPlacement {
  std::vector<bool> onDevice; // per manifest weight
  uint64_t deviceBytes = 0;
  uint64_t hostBytes = 0;
};

/// `manifest`'s weights placed in `budget` bytes of device memory. Fails
/// when the weights other than the routed experts do not fit: "the
/// weights other than routed experts need 2.50 GiB, 1.00 GiB is left".
Expected<WeightPlacement> placeWeights(const Manifest &manifest,
                                       uint64_t budget);

} // namespace llama4c::runtime

#endif // LLAMA4C_RUNTIME_GPU_WEIGHTPLACEMENT_H
