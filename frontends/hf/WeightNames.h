//===- WeightNames.h - Checkpoint tensor names of Llama 4 -------*- C++ -*-===//
//
// The one table of Hugging Face checkpoint names: the module builder
// declares weights under these names and the runtime finds them in the
// safetensors files by the same strings (../shared/llama4-spec.md §7).
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_FRONTENDS_HF_WEIGHTNAMES_H
#define LLAMA4C_FRONTENDS_HF_WEIGHTNAMES_H

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <string>

namespace llama4c {

struct Llama4Config;

class WeightNames {
public:
  explicit WeightNames(const Llama4Config &config);

  std::string embedTokens() const;
  std::string finalNorm() const;
  std::string lmHead() const;
  /// A tensor of text decoder layer `layer`, e.g. `textLayer(3,
  /// "self_attn.q_proj.weight")`.
  std::string textLayer(int64_t layer, llvm::StringRef tensor) const;

  /// A tensor of the vision model outside its encoder layers, e.g.
  /// `visionModel("class_embedding")`.
  static std::string visionModel(llvm::StringRef tensor);
  /// A tensor of vision encoder layer `layer`.
  static std::string visionLayer(int64_t layer, llvm::StringRef tensor);
  static std::string multiModalProjector();

private:
  /// "language_model." in a multimodal checkpoint, "" in a text-only one.
  std::string textPrefix;
  bool tiedEmbeddings;
};

} // namespace llama4c

#endif // LLAMA4C_FRONTENDS_HF_WEIGHTNAMES_H
