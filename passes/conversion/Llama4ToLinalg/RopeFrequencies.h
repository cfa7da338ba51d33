//===- RopeFrequencies.h - Rotary frequencies as transformers computes them -*- C++ -*-===//
//
// The inverse frequencies of the text RoPE, in float32 and in the order of
// operations of transformers' `_compute_default_rope_parameters` and
// `_compute_llama3_parameters`, so that compiled angles match Hugging Face's
// to the last bit wherever the float32 operations agree.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_PASSES_CONVERSION_LLAMA4TOLINALG_ROPEFREQUENCIES_H
#define LLAMA4C_PASSES_CONVERSION_LLAMA4TOLINALG_ROPEFREQUENCIES_H

#include <cstdint>
#include <optional>
#include <vector>

namespace llama4c {

struct Llama3Scaling {
  double factor;
  double lowFreqFactor;
  double highFreqFactor;
  int64_t originalMaxPositionEmbeddings;
};

/// `inv_freq[i] = 1 / theta^(2i / headDim)` for i < headDim / 2, then
/// llama3-scaled when `scaling` is given: frequencies with wavelength above
/// `original / low` divided by `factor`, below `original / high` kept, the
/// band between blended. low == high selects no blend (and divides by zero
/// nowhere).
std::vector<float>
textRopeInverseFrequencies(int64_t headDim, double theta,
                           const std::optional<Llama3Scaling> &scaling);

} // namespace llama4c

#endif // LLAMA4C_PASSES_CONVERSION_LLAMA4TOLINALG_ROPEFREQUENCIES_H
