//===- WeightBytes.cpp - A compiled model's weights, by how steps read them
//===//

#include "compiler/WeightBytes.h"

#include "frontends/hf/Llama4Config.h"
#include "frontends/hf/WeightNames.h"

#include "mlir/IR/BuiltinAttributes.h"

#include <cmath>

using namespace mlir;
using namespace llama4c;

WeightBytes llama4c::weightBytes(ModuleOp module, const Llama4Config &config) {
  WeightBytes bytes;
  bytes.numExperts = config.text.numLocalExperts;
  bytes.chosen = config.text.numExpertsPerTok;
  WeightNames names(config);
  std::string embedding = names.embedTokens();
  bool tied = names.lmHead() == embedding;
  std::string vision = WeightNames::visionModel("");
  std::string projector = WeightNames::multiModalProjector();
  auto weights = module->getAttrOfType<ArrayAttr>("llama4.weights");
  for (auto entry : weights.getAsRange<DictionaryAttr>()) {
    llvm::StringRef name = entry.getAs<StringAttr>("name").getValue();
    auto type =
        cast<RankedTensorType>(entry.getAs<TypeAttr>("type").getValue());
    double params = double(type.getNumElements());
    double size = params * type.getElementTypeBitWidth() / 8;
    if (name.starts_with(vision) || name == projector) {
      bytes.vision += size;
    } else if (name == embedding && !tied) {
      bytes.embedding += size;
      bytes.embeddingRow = size / double(type.getDimSize(0));
    } else if (type.getRank() == 3 && type.getDimSize(0) == bytes.numExperts) {
      // The routed experts are the text model's only [E, in, out] tensors.
      bytes.experts += size;
      bytes.expertParams += params;
    } else {
      bytes.everyStep += size;
      bytes.everyStepParams += params;
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
