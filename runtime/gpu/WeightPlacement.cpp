//===- WeightPlacement.cpp - Which weights a GPU's memory holds -----------===//

#include "runtime/gpu/WeightPlacement.h"

#include "runtime/support/HostBuffer.h"

namespace llama4c::runtime {

Expected<WeightPlacement> placeWeights(const Manifest &manifest,
                                       uint64_t budget) {
  WeightPlacement placement;
  placement.onDevice.assign(manifest.weights.size(), false);
  auto isExpert = [](const ManifestWeight &weight) {
    return weight.role == WeightRole::RoutedExperts;
  };
  uint64_t needed = 0;
  for (const ManifestWeight &weight : manifest.weights)
    if (!isExpert(weight))
      needed += weight.bytes();
  if (needed > budget)
    return Error("the weights other than routed experts need " +
                 formatSize(needed) + ", " + formatSize(budget) + " is left");
  placement.deviceBytes = needed;
  for (size_t i = 0; i < manifest.weights.size(); ++i) {
    const ManifestWeight &weight = manifest.weights[i];
    uint64_t bytes = weight.bytes();
    if (!isExpert(weight)) {
      placement.onDevice[i] = true;
    } else if (placement.deviceBytes + bytes <= budget) {
      placement.onDevice[i] = true;
      placement.deviceBytes += bytes;
    } else {
      placement.hostBytes += bytes;
    }
  }
  return placement;
}

} // namespace llama4c::runtime
