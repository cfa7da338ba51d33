//===- RopeFrequencies.cpp - Rotary frequencies as transformers computes them ===//

#include "passes/conversion/Llama4ToLinalg/RopeFrequencies.h"

#include <cmath>

using namespace llama4c;

std::vector<float>
llama4c::textRopeInverseFrequencies(int64_t headDim, double theta,
                                    const std::optional<Llama3Scaling> &scaling) {
  // torch: 1.0 / (base ** (arange(0, dim, 2).float() / dim)), all float32.
  std::vector<float> invFreq(headDim / 2);
  for (int64_t i = 0; i < headDim / 2; ++i) {
    float exponent = static_cast<float>(2 * i) / static_cast<float>(headDim);
    invFreq[i] = 1.0f / std::pow(static_cast<float>(theta), exponent);
  }
  if (!scaling)
    return invFreq;

  // Python floats meet float32 tensors here; PyTorch computes in float32.
  const float factor = static_cast<float>(scaling->factor);
  const float low = static_cast<float>(scaling->lowFreqFactor);
  const float high = static_cast<float>(scaling->highFreqFactor);
  const float original =
      static_cast<float>(scaling->originalMaxPositionEmbeddings);
  const float lowFreqWavelen = static_cast<float>(
      scaling->originalMaxPositionEmbeddings / scaling->lowFreqFactor);
  const float highFreqWavelen = static_cast<float>(
      scaling->originalMaxPositionEmbeddings / scaling->highFreqFactor);
  const float twoPi = static_cast<float>(2.0 * M_PI);
  for (float &frequency : invFreq) {
    float wavelen = twoPi / frequency;
    float base = wavelen > lowFreqWavelen ? frequency / factor : frequency;
    bool medium = !(wavelen < highFreqWavelen) && !(wavelen > lowFreqWavelen);
    // Select, don't blend: with low == high the smoothing divides by zero
    // everywhere, and transformers discards those lanes by torch.where.
    if (medium) {
      float smooth = (original / wavelen - low) / (high - low);
      frequency = (1.0f - smooth) * base / factor + smooth * base;
    } else {
      frequency = base;
    }
  }
  return invFreq;
}
