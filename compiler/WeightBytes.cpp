//===- WeightBytes.cpp - A compiled model's weights, by how steps read them
//===//

#include "compiler/WeightBytes.h"

#include "frontends/hf/Llama4Config.h"
#include "frontends/hf/WeightNames.h"
#include "runtime/include/llama4c/ManifestKeys.h"

#include "mlir/IR/BuiltinAttributes.h"

#include <cmath>

using namespace mlir;
using namespace llama4c;

WeightRoles::WeightRoles(const Llama4Config &config)
    : vision(WeightNames::visionModel("")),
      projector(WeightNames::multiModalProjector()),
      numExperts(config.text.numLocalExperts) {
  WeightNames names(config);
  embedding = names.embedTokens();
  tied = names.lmHead() == embedding;
}

WeightRole WeightRoles::of(llvm::StringRef name, RankedTensorType type) const {
  if (name.starts_with(vision) || name == projector)
    return WeightRole::Vision;
  if (name == embedding && !tied)
    return WeightRole::Embedding;
  // The routed experts are the text model's only [E, in, out] tensors.
  if (type.getRank() == 3 && type.getDimSize(0) == numExperts)
    return WeightRole::RoutedExperts;
  return WeightRole::EveryStep;
}

const char *llama4c::weightRoleName(WeightRole role) {
  namespace k = llama4c::manifest;
  switch (role) {
  case WeightRole::EveryStep:
    return k::kRoleEveryStep;
  case WeightRole::RoutedExperts:
    return k::kRoleRoutedExperts;
  case WeightRole::Embedding:
    return k::kRoleEmbedding;
  case WeightRole::Vision:
    return k::kRoleVision;
  }
  llvm_unreachable("a weight role");
}

WeightBytes llama4c::weightBytes(ModuleOp module, const Llama4Config &config) {
  WeightBytes bytes;
  bytes.numExperts = config.text.numLocalExperts;
  bytes.chosen = config.text.numExpertsPerTok;
  WeightRoles roles(config);
  auto weights = module->getAttrOfType<ArrayAttr>("llama4.weights");
  for (auto entry : weights.getAsRange<DictionaryAttr>()) {
    auto type =
        cast<RankedTensorType>(entry.getAs<TypeAttr>("type").getValue());
    double params = double(type.getNumElements());
    double size = params * type.getElementTypeBitWidth() / 8;
    switch (roles.of(entry.getAs<StringAttr>("name").getValue(), type)) {
    case WeightRole::Vision:
      bytes.vision += size;
      break;
    case WeightRole::Embedding:
      bytes.embedding += size;
      bytes.embeddingRow = size / double(type.getDimSize(0));
      break;
    case WeightRole::RoutedExperts:
      bytes.experts += size;
      bytes.expertParams += params;
      break;
    case WeightRole::EveryStep:
      bytes.everyStep += size;
      bytes.everyStepParams += params;
      break;
    }
  }
  return bytes;
}

double WeightBytes::touchedExperts(int64_t tokens) const {
  if (numExperts == 0)
    return 0;
  return 1 - std::pow(1 - double(chosen) / double(numExperts), double(tokens));
}

double WeightBytes::decodeBytes(int64_t batch) const {
  return everyStep + embeddingRow * double(batch) +
         experts * touchedExperts(batch);
}

double WeightBytes::paramsPerToken() const {
  return everyStepParams +
         (numExperts ? expertParams * double(chosen) / double(numExperts) : 0);
}
