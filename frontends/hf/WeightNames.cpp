//===- WeightNames.cpp - Checkpoint tensor names of Llama 4 ---------------===//

#include "frontends/hf/WeightNames.h"

#include "frontends/hf/Llama4Config.h"

using namespace llama4c;

WeightNames::WeightNames(const Llama4Config &config)
    : textPrefix(config.textWeightPrefix().str()),
      tiedEmbeddings(config.text.tieWordEmbeddings) {}

std::string WeightNames::embedTokens() const {
  return textPrefix + "model.embed_tokens.weight";
}

std::string WeightNames::finalNorm() const {
  return textPrefix + "model.norm.weight";
}

std::string WeightNames::lmHead() const {
  // A tied checkpoint stores no lm_head; the head reads the embedding table.
  return tiedEmbeddings ? embedTokens() : textPrefix + "lm_head.weight";
}

std::string WeightNames::textLayer(int64_t layer, llvm::StringRef tensor) const {
  return textPrefix + "model.layers." + std::to_string(layer) + "." +
         tensor.str();
}

std::string WeightNames::visionModel(llvm::StringRef tensor) {
  return "vision_model." + tensor.str();
}

std::string WeightNames::visionLayer(int64_t layer, llvm::StringRef tensor) {
  return "vision_model.model.layers." + std::to_string(layer) + "." +
         tensor.str();
}

std::string WeightNames::multiModalProjector() {
  return "multi_modal_projector.linear_1.weight";
}
