//===- Llama4Config.h - Typed view of a Hugging Face config.json -*- C++ -*-===//
//
// The first stage of llama4c: a Hugging Face `config.json` (a multimodal
// `Llama4Config` with text_config + vision_config, or a text-only
// `Llama4TextConfig`) parsed into plain structs, with Hugging Face's class
// defaults filled in and every derived per-layer field resolved, so that no
// later stage has to know JSON or transformers' defaulting rules.
//
// Field names follow transformers' configuration_llama4.py in camelCase.
// docs/config.md lists which fields are required, the defaults, and the
// checks; ../shared/llama4-spec.md §1 is the reference for the semantics.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_FRONTENDS_HF_LLAMA4CONFIG_H
#define LLAMA4C_FRONTENDS_HF_LLAMA4CONFIG_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace llama4c {

/// llama3-style RoPE frequency scaling (rope_scaling / rope_parameters with
/// rope_type "llama3").
struct Llama3RopeScaling {
  double factor = 8.0;
  double lowFreqFactor = 1.0;
  double highFreqFactor = 4.0;
  int64_t originalMaxPositionEmbeddings = 8192;
};

/// The activation of the dense MLP, the experts and the shared expert.
enum class Activation { Silu, Gelu };

/// What one decoder layer does, resolved from moe_layers /
/// interleave_moe_layer_step, no_rope_layers / no_rope_layer_interval and
/// layer_types.
struct DecoderLayerKind {
  bool isMoe = false;    ///< MoE block (router + experts + shared expert) or dense MLP.
  bool usesRope = true;  ///< RoPE + qk-norm layer; false for a NoPE layer.
  bool isChunked = true; ///< chunked local attention; false for global attention.
};

struct Llama4TextConfig {
  int64_t vocabSize = 0;
  int64_t hiddenSize = 0;
  int64_t intermediateSize = 0;    ///< width of each expert and of the shared expert
  int64_t intermediateSizeMlp = 16384; ///< width of the dense MLP layers
  int64_t numHiddenLayers = 0;
  int64_t numAttentionHeads = 0;
  int64_t numKeyValueHeads = 8;
  int64_t headDim = 128;
  Activation hiddenAct = Activation::Silu;
  int64_t maxPositionEmbeddings = 4096 * 32;
  double rmsNormEps = 1e-5;
  double ropeTheta = 500000.0;
  std::optional<Llama3RopeScaling> ropeScaling;
  bool attentionBias = false;
  int64_t numExpertsPerTok = 1;
  int64_t numLocalExperts = 16;
  bool useQkNorm = true;
  /// Absent when the config has no chunked layer (null attention_chunk_size).
  std::optional<int64_t> attentionChunkSize = 8192;
  bool attnTemperatureTuning = true;
  int64_t floorScale = 8192;
  double attnScale = 0.1;
  bool tieWordEmbeddings = false;
  /// One entry per layer, numHiddenLayers long.
  std::vector<DecoderLayerKind> layers;

  int64_t numMoeLayers() const;
  int64_t numNopeLayers() const;
};

struct Llama4VisionConfig {
  int64_t hiddenSize = 0;
  int64_t numHiddenLayers = 0;
  int64_t numAttentionHeads = 0;
  int64_t numChannels = 3;
  int64_t intermediateSize = 0; ///< encoder MLP width; also adapter fc1 in-features
  int64_t visionOutputDim = 7680;
  int64_t imageSize = 0;        ///< side of one square tile, in pixels
  int64_t patchSize = 0;
  double pixelShuffleRatio = 0.5;
  int64_t projectorInputDim = 4096;
  int64_t projectorOutputDim = 4096;
  double ropeTheta = 10000.0;

  int64_t headDim() const { return hiddenSize / numAttentionHeads; }
  /// Patches along one side of a tile (24 for Scout: 336 / 14).
  int64_t patchGridSide() const { return imageSize / patchSize; }
  /// Patch tokens of one tile before the CLS token is appended (576).
  int64_t numPatches() const { return patchGridSide() * patchGridSide(); }
  /// Image feature rows one tile contributes after pixel shuffle (144).
  int64_t tokensPerTile() const;
};

struct Llama4Config {
  /// "llama4" (multimodal) or "llama4_text".
  std::string modelType;
  Llama4TextConfig text;
  std::optional<Llama4VisionConfig> vision;
  int64_t imageTokenIndex = 200092; ///< <|patch|>: rows that receive image features
  int64_t boiTokenIndex = 200080;
  int64_t eoiTokenIndex = 200081;
  /// Checkpoint dtype from torch_dtype / dtype ("bfloat16", "float32", ...).
  std::string torchDtype = "bfloat16";

  bool isMultimodal() const { return vision.has_value(); }
  /// Prefix of every text tensor name: "language_model." in a multimodal
  /// checkpoint, "" in a text-only one.
  llvm::StringRef textWeightPrefix() const {
    return isMultimodal() ? "language_model." : "";
  }
};

/// Parses `jsonText` as the config.json at `path`. On failure the error is a
/// single line "PATH: JSON.PATH: what is wrong", for example
/// "config.json: text_config.num_experts_per_tok: 4 exceeds num_local_experts (3)".
llvm::Expected<Llama4Config> parseLlama4Config(llvm::StringRef jsonText,
                                               llvm::StringRef path);

/// A config.json is a few kilobytes (Scout's is 3 KB); anything past this
/// is not one, and is refused before it is read.
constexpr uint64_t kMaxConfigBytes = uint64_t(1) << 20;

/// The bytes of the config file at `path`, or "PATH: cannot open: ..."
/// (runtime/support/InputFile.h: regular files only, at most
/// kMaxConfigBytes).
llvm::Expected<std::string> readConfigFile(llvm::StringRef path);

/// Reads and parses the file at `path`; unreadable files are reported the
/// same way.
llvm::Expected<Llama4Config> loadLlama4Config(llvm::StringRef path);

} // namespace llama4c

#endif // LLAMA4C_FRONTENDS_HF_LLAMA4CONFIG_H
