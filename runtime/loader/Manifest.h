//===- Manifest.h - What a compiled model says about itself -----*- C++ -*-===//
//
// `llama4c_manifest()` returns JSON that the compiler writes and the runtime
// trusts for every size it allocates (keys spelled in llama4c/ManifestKeys.h):
//   {"llama4c_version": "0.1.0", "abi_version": 2, "target": "cpu",
//    "emulated": false, "dtype": "f32",
//    "vocab_size": 112, "max_position_embeddings": 512,
//    "multimodal": false, "image_token_index": 200092, "vision": null,
//    "config": {... config.json verbatim ...},
//    "weights": [{"name": N, "dtype": "f32", "shape": [112, 64],
//                 "role": "every_step"}, ...],
//    "kv_cache": [{"layer": 0, "kind": "key", "kv_heads": 2, "window": 8,
//                  "page_size": 0, "head_dim": 24}, ...]}
// A multimodal model's "vision" is {"image_size": 336, "num_channels": 3,
// "tokens_per_tile": 144}: the shape of a tile of pixel values and the
// `<|patch|>` tokens its features fill.
// "weights" is the order of llama4c_call.weights and "kv_cache" the order of
// llama4c_call.kv_cache: a chunked layer's window of "window" slots, or a
// global layer's pool of pages of "page_size" positions (abi.h); exactly
// one of the two is not 0.
//
// parseManifest checks the versions first (a manifest from another llama4c
// may not even have this shape), then every field's presence and type.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_RUNTIME_LOADER_MANIFEST_H
#define LLAMA4C_RUNTIME_LOADER_MANIFEST_H

#include "llama4c/Status.h"
#include "runtime/safetensors/DType.h"
#include "runtime/safetensors/StrictJson.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace llama4c::runtime {

/// How decode steps read a weight (llama4c/ManifestKeys.h): whole every
/// step; the chosen experts' slices of [E, in, out]; a row a token; for
/// images only.
enum class WeightRole { EveryStep, RoutedExperts, Embedding, Vision };

/// One entry of "weights": a checkpoint tensor name and what the model
/// reads it as.
struct ManifestWeight {
  std::string name;
  DType dtype; // F32 or BF16
  std::vector<int64_t> shape;
  WeightRole role;

  /// Its size as the model reads it.
  uint64_t bytes() const;
};

/// What a cache buffer holds: keys or values, or the scales of a layer's
/// f8_e4m3 keys or values (headDim 1).
enum class KvKind { Key, Value, KeyScales, ValueScales };

/// One entry of "kv_cache": a chunked layer's [B, kvHeads, window,
/// headDim] buffer or a global layer's pool [pages, kvHeads, pageSize,
/// headDim], of `dtype`.
struct ManifestKvCache {
  int64_t layer;
  KvKind kind;
  DType dtype; // F32, BF16, F8E4M3 (keys and values) or F32 (scales)
  int64_t kvHeads;
  int64_t window;   // 0 for a global layer
  int64_t pageSize; // 0 for a chunked layer
  int64_t headDim;
};

/// "vision" of a multimodal model.
struct ManifestVision {
  int64_t imageSize;     // the side of a square tile, in pixels
  int64_t numChannels;   // 3: RGB
  int64_t tokensPerTile; // <|patch|> tokens per tile
};

/// "cpu": what the host code was compiled for (llama4c compile --cpu).
struct ManifestCpu {
  std::string name; // LLVM's name: "icelake-server", "x86-64-v3"
  /// The extensions of support/CpuFeatures.h the code may use.
  std::vector<std::string> features;
};

struct Manifest {
  std::string llama4cVersion;
  uint32_t abiVersion;
  /// What the code runs on: "cpu", or a GPU ("sm_80", "sm_90").
  std::string target;
  /// A GPU target's kernels compiled for the host (llama4c --emulate): the
  /// model runs on the CPU like a "cpu" one.
  bool emulated;
  bool runsOnHost() const { return target == "cpu" || emulated; }
  ManifestCpu cpu;
  /// Compute type of weights, caches and pixel values: F32 or BF16.
  DType dtype;
  int64_t vocabSize;             // < 2^31: tokens are int32
  int64_t maxPositionEmbeddings; // < 2^31: positions are int32
  bool multimodal;
  std::optional<int64_t> imageTokenIndex; // null in the JSON: none
  std::optional<ManifestVision> vision;   // present iff multimodal
  Json config;
  /// config's eos_token_id (or text_config's), as a list; empty for null.
  std::vector<int64_t> eosTokenIds;
  std::vector<ManifestWeight> weights;
  std::vector<ManifestKvCache> kvCache;

  /// The window of the chunked-attention layers (attention_chunk_size; the
  /// smallest, were they to differ), 0 if every layer attends globally.
  int64_t attentionChunk() const;
  /// The bytes of every weight as the model reads it.
  uint64_t weightBytes() const;
};

/// Parses the manifest `text` of the model at `source`. Errors read
/// "SOURCE: manifest: FIELD: what is wrong", or, for a model built by
/// another llama4c, "SOURCE: built by llama4c 0.0.9 (ABI 1), this runtime
/// is 0.1.0 (ABI 1); recompile the model".
Expected<Manifest> parseManifest(std::string_view text,
                                 const std::string &source);

} // namespace llama4c::runtime

#endif // LLAMA4C_RUNTIME_LOADER_MANIFEST_H
