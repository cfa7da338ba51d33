//===- ManifestKeys.h - The keys of a model's manifest ----------*- C++ -*-===//
//
// `llama4c_manifest()` (abi.h) returns JSON that the compiler writes
// (compiler/Packaging.cpp) and the runtime reads (runtime/loader/
// Manifest.cpp); its layout is documented in Manifest.h. Both spell its
// keys from here, so that one cannot rename a field the other still reads.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_MANIFESTKEYS_H
#define LLAMA4C_MANIFESTKEYS_H

namespace llama4c::manifest {

// The top level.
inline constexpr char kLlama4cVersion[] = "llama4c_version";
inline constexpr char kAbiVersion[] = "abi_version";
inline constexpr char kTarget[] = "target";
inline constexpr char kEmulated[] = "emulated";
inline constexpr char kCpu[] = "cpu";
inline constexpr char kDtype[] = "dtype";
inline constexpr char kVocabSize[] = "vocab_size";
inline constexpr char kMaxPositionEmbeddings[] = "max_position_embeddings";
inline constexpr char kMultimodal[] = "multimodal";
inline constexpr char kImageTokenIndex[] = "image_token_index";
inline constexpr char kVision[] = "vision";
inline constexpr char kConfig[] = "config";
inline constexpr char kWeights[] = "weights";
inline constexpr char kKvCache[] = "kv_cache";

// "cpu": the CPU the host code is for.
inline constexpr char kCpuName[] = "name";
inline constexpr char kCpuFeatures[] = "features";

// "vision": a tile of pixel values and the tokens its features fill.
inline constexpr char kImageSize[] = "image_size";
inline constexpr char kNumChannels[] = "num_channels";
inline constexpr char kTokensPerTile[] = "tokens_per_tile";

// Each of "weights", in the order of llama4c_call.weights.
inline constexpr char kWeightName[] = "name";
inline constexpr char kWeightDtype[] = "dtype";
inline constexpr char kWeightShape[] = "shape";
inline constexpr char kWeightRole[] = "role";

// A weight's "role": how decode steps read it. Whole every step; the
// chosen experts' slices of a routed-expert tensor [E, in, out]; a row a
// token of an embedding table (not tied to the LM head); for images only.
inline constexpr char kRoleEveryStep[] = "every_step";
inline constexpr char kRoleRoutedExperts[] = "routed_experts";
inline constexpr char kRoleEmbedding[] = "embedding";
inline constexpr char kRoleVision[] = "vision";

// Each of "kv_cache", in the order of llama4c_call.kv_cache: a chunked
// layer's [batch, kv_heads, window, head_dim] buffer, or a global layer's
// pool of pages [kv_pages, kv_heads, page_size, head_dim] (abi.h), of
// "dtype"; a "key_scales" or "value_scales" buffer is the f32 scales of
// the layer's f8_e4m3 keys or values, with a head_dim of 1.
inline constexpr char kCacheLayer[] = "layer";
inline constexpr char kCacheKind[] = "kind";
inline constexpr char kCacheDtype[] = "dtype";
inline constexpr char kCacheKvHeads[] = "kv_heads";
inline constexpr char kCacheWindow[] = "window";
inline constexpr char kCachePageSize[] = "page_size";
inline constexpr char kCacheHeadDim[] = "head_dim";

} // namespace llama4c::manifest

#endif // LLAMA4C_MANIFESTKEYS_H
