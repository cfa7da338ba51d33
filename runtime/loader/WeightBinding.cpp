//===- WeightBinding.cpp - Checkpoint tensors as the model reads them -----===//

#include "runtime/loader/WeightBinding.h"

#include "runtime/safetensors/Bf16.h"

#include <cstring>

namespace llama4c::runtime {

Expected<BoundWeights> BoundWeights::bind(const Manifest &manifest,
                                          const Checkpoint &checkpoint) {
  BoundWeights bound;
  for (const ManifestWeight &weight : manifest.weights) {
    // A bf16 tensor of the right shape can serve an f32 model (widened) and
    // an f32 tensor a bf16 model (rounded to nearest even, as
    // from_pretrained(dtype=bfloat16) does); every other mismatch is
    // reported against the dtype the model wants.
    const TensorView *found = checkpoint.find(weight.name);
    bool sameShape = found && found->shape == weight.shape;
    bool widen = sameShape && weight.dtype == DType::F32 &&
                 found->dtype == DType::BF16;
    bool narrow = sameShape && weight.dtype == DType::BF16 &&
                  found->dtype == DType::F32;
    Expected<const TensorView *> view =
        widen || narrow
            ? found
            : checkpoint.expect(weight.name, weight.dtype, weight.shape);
    if (!view)
      return view.error();

    size_t elementSize = dtypeSize(weight.dtype);
    bool aligned =
        reinterpret_cast<uintptr_t>((*view)->data) % elementSize == 0;
    if (!widen && !narrow && aligned) {
      bound.tensors.push_back((*view)->data);
      continue;
    }
    size_t count = (*view)->bytes / dtypeSize((*view)->dtype);
    HostBuffer copy = HostBuffer::zeroed(count * elementSize);
    if (!copy)
      return Error(checkpoint.directory() + ": " + weight.name +
                   ": cannot allocate " + formatSize(count * elementSize) +
                   " for a converted copy");
    if (widen)
      bf16ToF32(static_cast<float *>(copy.data()), (*view)->data, count);
    else if (narrow)
      f32ToBf16(static_cast<uint16_t *>(copy.data()), (*view)->data, count);
    else
      std::memcpy(copy.data(), (*view)->data, (*view)->bytes);
    bound.tensors.push_back(copy.data());
    bound.copies.push_back(std::move(copy));
  }
  return bound;
}

size_t BoundWeights::copiedBytes() const {
  size_t total = 0;
  for (const HostBuffer &copy : copies)
    total += copy.size();
  return total;
}

} // namespace llama4c::runtime
