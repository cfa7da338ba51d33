//===- WeightBinding.h - Checkpoint tensors as the model reads --*- C++ -*-===//
//
// Resolves every weight of a manifest against a Checkpoint and produces the
// pointer array of llama4c_call.weights, in manifest order. A tensor whose
// dtype matches is used in place, straight from the file mapping; the
// Checkpoint must therefore outlive the BoundWeights. Two cases get an
// owned copy instead:
//   - an f32 model reading a bf16 checkpoint tensor: widened (exact);
//   - a mapped tensor not aligned to its element size (safetensors gives no
//     alignment guarantee; compiled code may assume natural alignment).
// Any other dtype, a missing tensor or another shape is an error. Tensors
// the manifest does not name (a vision tower, say) are ignored.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_RUNTIME_LOADER_WEIGHTBINDING_H
#define LLAMA4C_RUNTIME_LOADER_WEIGHTBINDING_H

#include "llama4c/Status.h"
#include "runtime/loader/Manifest.h"
#include "runtime/safetensors/Checkpoint.h"
#include "runtime/support/HostBuffer.h"

#include <vector>

namespace llama4c::runtime {

class BoundWeights {
public:
  /// Binds every weight of `manifest`. Fails with "SHARD: NAME: expected f32
  /// [64, 64], got f32 [64, 32]", "DIR: NAME: tensor not found in the
  /// checkpoint", or, when a copy cannot be allocated, "DIR: NAME: cannot
  /// allocate N MiB for a converted copy".
  static Expected<BoundWeights> bind(const Manifest &manifest,
                                     const Checkpoint &checkpoint);

  /// For llama4c_call.weights: one pointer per manifest weight.
  const void *const *pointers() const { return tensors.data(); }
  size_t size() const { return tensors.size(); }

  /// Bytes held in owned copies (0 when everything is used in place).
  size_t copiedBytes() const;

private:
  std::vector<const void *> tensors;
  std::vector<HostBuffer> copies;
};

} // namespace llama4c::runtime

#endif // LLAMA4C_RUNTIME_LOADER_WEIGHTBINDING_H
