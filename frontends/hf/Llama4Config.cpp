//===- Llama4Config.cpp - Parse a Hugging Face Llama 4 config.json --------===//
//
// Reads config.json into the structs of Llama4Config.h: checks the type of
// every field it reads, fills in transformers' class defaults, resolves the
// per-layer MoE / RoPE / chunking flags, and rejects configs that later stages
// could not compile. Each error is one line, "FILE: JSON.PATH: message",
// naming the first offending field; docs/config.md lists every check.
//
// The project builds with -fno-exceptions, where nlohmann-json's throw paths
// abort. So JSON is only touched through calls that cannot throw: sax_parse
// with a handler that records syntax errors, an is_*() check before every
// get<>(), find() instead of at(), and dump() with invalid UTF-8 replaced.
//
//===----------------------------------------------------------------------===//

#include "frontends/hf/Llama4Config.h"

#include "runtime/support/InputFile.h"
#include "runtime/support/JsonNesting.h"

#include "llvm/ADT/STLExtras.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>

using namespace llama4c;
using json = nlohmann::json;

namespace {

/// Largest value any size, count or token id may take. These become tensor
/// dimensions and products of them; past 2^31 it is a typo, not a model.
constexpr int64_t kMaxSize = int64_t(1) << 31;
/// Layer counts are also bounded by what one compile can build: every layer
/// is code of its own, about 3.5 MB of compiler memory each (2,000 layers
/// ran out of 8 GB). The released models have 48 text and 34 vision layers.
constexpr int64_t kMaxLayers = 256;
/// RoPE's inverse frequencies are a constant table of head_dim / 2 floats
/// inside the model, which the compiler holds several times over (head_dim
/// 2^28 ran out of 8 GB). Llama 4's heads are 128 wide (vision 88).
constexpr int64_t kMaxHeadDim = 65536;

/// Builds the DOM like json::parse, but records the first syntax error
/// instead of throwing. Hides the base class's parse_error, which sax_parse
/// calls statically on this type.
class NoThrowDomBuilder : public nlohmann::detail::json_sax_dom_parser<json> {
public:
  explicit NoThrowDomBuilder(json &root)
      : json_sax_dom_parser(root, /*allow_exceptions=*/false) {}

  template <class Exception>
  bool parse_error(std::size_t, const std::string &, const Exception &ex) {
    message = ex.what();
    return false;
  }

  std::string message;
};

/// `value` as JSON text; never throws, even on invalid UTF-8.
std::string dumpJson(const json &value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

/// A JSON value for "got ..." in a message: the value itself for scalars, the
/// kind for containers; long strings are cut on a character boundary.
std::string describe(const json &value) {
  if (value.is_array())
    return "an array";
  if (value.is_object())
    return "an object";
  if (!value.is_string())
    return dumpJson(value); // null, true/false, or the number as written
  std::string text = value.get_ref<const std::string &>();
  if (text.size() > 40) {
    size_t cut = 37;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
      --cut;
    text = text.substr(0, cut) + "...";
  }
  return "string " + dumpJson(text);
}

std::string quote(llvm::StringRef text) { return dumpJson(text.str()); }

std::string formatNumber(double value) { return dumpJson(value); }

/// An error whose message is guaranteed to be a single line.
llvm::Error makeError(std::string message) {
  for (char &c : message)
    if (c == '\n' || c == '\r')
      c = ' ';
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// A JSON integer as int64_t (huge unsigned values clamp to INT64_MAX), or
/// std::nullopt for anything else, 5120.0 included.
std::optional<int64_t> integerValue(const json &value) {
  if (value.is_number_unsigned())
    return int64_t(std::min<uint64_t>(value.get<uint64_t>(), INT64_MAX));
  if (value.is_number_integer())
    return value.get<int64_t>();
  return std::nullopt;
}

/// Whether `value` is within 1e-9 (relative) of an integer.
bool isNearInteger(double value) {
  return std::fabs(value - std::round(value)) <=
         1e-9 * std::max(1.0, std::fabs(value));
}

/// The first error found in one config file. Later errors are dropped so the
/// report names the root cause, not its consequences.
struct Diagnostic {
  std::string file;
  std::optional<std::string> message;
};

/// Reads typed fields of one JSON object, knowing its JSON path prefix
/// ("text_config." or "") so that errors name the full path. An absent field
/// takes the given default or, without one, is reported missing; an explicit
/// null is a value of the wrong type unless the caller checks isNull() first.
/// After an error every accessor still returns a usable value (the default or
/// 0), so callers check failed() before doing arithmetic on what they read.
class FieldReader {
public:
  FieldReader(Diagnostic &diag, const json &object, std::string prefix)
      : diag(diag), object(object), prefix(std::move(prefix)) {}

  FieldReader nested(const json &child, llvm::StringRef key) const {
    return FieldReader(diag, child, prefix + key.str() + ".");
  }

  bool failed() const { return diag.message.has_value(); }

  /// Records "FILE: PREFIX.KEY: message" unless an error came first.
  void fail(llvm::StringRef key, const std::string &message) {
    if (!failed())
      diag.message = diag.file + ": " + prefix + key.str() + ": " + message;
  }

  /// The field, or nullptr when absent.
  const json *find(llvm::StringRef key) const {
    auto it = object.find(key.str());
    return it == object.end() ? nullptr : &*it;
  }
  bool isNull(llvm::StringRef key) const {
    const json *value = find(key);
    return value && value->is_null();
  }
  /// Present and not null.
  bool has(llvm::StringRef key) const { return find(key) && !isNull(key); }

  /// A positive integer, at most kMaxSize. `acceptIntegral` also admits a
  /// JSON number such as 8192.0.
  int64_t size(llvm::StringRef key, std::optional<int64_t> defaultValue = {},
               bool acceptIntegral = false) {
    return integer(key, defaultValue, 1, acceptIntegral);
  }
  /// A non-negative integer (token ids), at most kMaxSize.
  int64_t index(llvm::StringRef key, int64_t defaultValue) {
    return integer(key, defaultValue, 0, false);
  }

  /// Any finite number, or a positive one.
  double number(llvm::StringRef key, std::optional<double> defaultValue,
                bool positive = false) {
    return read<double>(key, defaultValue,
                        positive ? "a positive number" : "a number",
                        [&](const json &v) -> std::optional<double> {
                          double real = v.is_number() ? v.get<double>() : NAN;
                          if (!std::isfinite(real) || (positive && real <= 0))
                            return std::nullopt;
                          return real;
                        });
  }
  double positiveNumber(llvm::StringRef key,
                        std::optional<double> defaultValue = {}) {
    return number(key, defaultValue, /*positive=*/true);
  }

  bool boolean(llvm::StringRef key, bool defaultValue) {
    return read<bool>(key, defaultValue, "true or false", [](const json &v) {
      return v.is_boolean() ? std::optional<bool>(v.get<bool>()) : std::nullopt;
    });
  }
  /// A boolean or an integer, taken for its truthiness as Python would.
  bool truthy(llvm::StringRef key, bool defaultValue) {
    return read<bool>(key, defaultValue, "a boolean or an integer",
                      [](const json &v) -> std::optional<bool> {
                        if (v.is_boolean())
                          return v.get<bool>();
                        if (std::optional<int64_t> n = integerValue(v))
                          return *n != 0;
                        return std::nullopt;
                      });
  }

  std::string string(llvm::StringRef key,
                     std::optional<std::string> defaultValue = {}) {
    return read<std::string>(key, defaultValue, "a string", [](const json &v) {
      using Result = std::optional<std::string>;
      return v.is_string() ? Result(v.get<std::string>()) : std::nullopt;
    });
  }

  /// The object at `key`; nullptr when it is absent or null (reported when
  /// `required`) or not an object (reported).
  const json *objectField(llvm::StringRef key, bool required = false) {
    return container(key, required, /*wantObject=*/true);
  }
  /// The array at `key`; nullptr when absent, null, or not an array.
  const json *arrayField(llvm::StringRef key) {
    return container(key, /*required=*/false, /*wantObject=*/false);
  }

private:
  /// The field converted by `convert`, which yields std::nullopt for a value
  /// of the wrong type or range; `expected` then says what was wanted.
  template <class T, class Convert>
  T read(llvm::StringRef key, std::optional<T> defaultValue,
         llvm::StringRef expected, Convert convert) {
    const json *value = find(key);
    if (!value && !defaultValue)
      fail(key, "required field is missing");
    if (!value)
      return defaultValue.value_or(T());
    if (std::optional<T> result = convert(*value))
      return *result;
    fail(key, "expected " + expected.str() + ", got " + describe(*value));
    return defaultValue.value_or(T());
  }

  int64_t integer(llvm::StringRef key, std::optional<int64_t> defaultValue,
                  int64_t minimum, bool acceptIntegral) {
    int64_t result = read<int64_t>(
        key, defaultValue,
        minimum > 0 ? "a positive integer" : "a non-negative integer",
        [&](const json &v) -> std::optional<int64_t> {
          std::optional<int64_t> n = integerValue(v);
          double real = v.is_number_float() ? v.get<double>() : NAN;
          if (acceptIntegral && std::isfinite(real) && real == std::floor(real))
            n = int64_t(std::max(-1e18, std::min(real, 1e18)));
          if (!n || *n < minimum)
            return std::nullopt;
          return n;
        });
    if (result <= kMaxSize)
      return result;
    fail(key, describe(*find(key)) + " is too large (at most " +
                  std::to_string(kMaxSize) + ")");
    return defaultValue.value_or(0);
  }

  const json *container(llvm::StringRef key, bool required, bool wantObject) {
    const json *value = find(key);
    if (!value || (value->is_null() && !required)) {
      if (required)
        fail(key, "required field is missing");
      return nullptr;
    }
    if (wantObject ? value->is_object() : value->is_array())
      return value;
    fail(key, std::string("expected ") +
                  (wantObject ? "an object" : "an array") + ", got " +
                  describe(*value));
    return nullptr;
  }

  Diagnostic &diag;
  const json &object;
  std::string prefix;
};

/// Reports "A (a) is not divisible by B (b)" at `key` unless it is.
void expectDivisible(FieldReader &r, llvm::StringRef key, llvm::StringRef aName,
                     int64_t a, llvm::StringRef bName, int64_t b) {
  if (a % b != 0)
    r.fail(key, aName.str() + " (" + std::to_string(a) +
                    ") is not divisible by " + bName.str() + " (" +
                    std::to_string(b) + ")");
}

/// Reports "a does not match B (b), why" at `key` unless a == b.
void expectMatch(FieldReader &r, llvm::StringRef key, int64_t a,
                 llvm::StringRef bName, int64_t b, llvm::StringRef why) {
  if (a != b)
    r.fail(key, std::to_string(a) + " does not match " + bName.str() + " (" +
                    std::to_string(b) + "), " + why.str());
}

/// Walks the per-layer list `list` found at `key`: it must hold one entry per
/// layer, and `apply(layer, entry)` returns false for an entry that is not
/// `expected`.
template <class Apply>
void readLayerList(FieldReader &r, llvm::StringRef key, const json &list,
                   int64_t numLayers, llvm::StringRef expected, Apply apply) {
  if (int64_t(list.size()) != numLayers)
    return r.fail(key, "has " + std::to_string(list.size()) +
                           " entries, expected num_hidden_layers (" +
                           std::to_string(numLayers) + ")");
  for (size_t i = 0; i < list.size() && !r.failed(); ++i)
    if (!apply(i, list[i]))
      r.fail(key.str() + "[" + std::to_string(i) + "]",
             "expected " + expected.str() + ", got " + describe(list[i]));
}

/// rope_scaling (4.x) or rope_parameters (5.x, which may also carry
/// rope_theta). Only llama3 scaling is implemented; "default" means none.
void parseRopeScaling(FieldReader &r, llvm::StringRef key,
                      Llama4TextConfig &text) {
  const json *dict = r.objectField(key);
  if (!dict)
    return;
  FieldReader d = r.nested(*dict, key);
  text.ropeTheta = d.positiveNumber("rope_theta", text.ropeTheta);
  // transformers reads "rope_type", falling back to the legacy "type".
  llvm::StringRef typeKey =
      d.find("rope_type") || !d.find("type") ? "rope_type" : "type";
  std::string ropeType = d.string(typeKey);
  if (d.failed() || ropeType == "default")
    return;
  if (ropeType != "llama3")
    return d.fail(typeKey, "unsupported rope_type " + quote(ropeType) +
                               " (llama4c implements llama3 and default)");
  // _validate_llama3_parameters requires all four keys; no defaults apply.
  Llama3RopeScaling &scaling = text.ropeScaling.emplace();
  scaling.factor = d.positiveNumber("factor");
  scaling.lowFreqFactor = d.positiveNumber("low_freq_factor");
  scaling.highFreqFactor = d.positiveNumber("high_freq_factor");
  scaling.originalMaxPositionEmbeddings =
      d.size("original_max_position_embeddings");
  // Equal factors are legal (Scout has 1 and 1): the smoothed band is empty.
  if (!d.failed() && scaling.highFreqFactor < scaling.lowFreqFactor)
    d.fail("high_freq_factor", formatNumber(scaling.highFreqFactor) +
                                   " is less than low_freq_factor (" +
                                   formatNumber(scaling.lowFreqFactor) + ")");
}

/// Resolves every layer's MoE / RoPE / chunking flag as
/// Llama4TextConfig.__init__ does, then checks attention_chunk_size against
/// the chunked layers.
void resolveLayerKinds(FieldReader &r, Llama4TextConfig &text) {
  int64_t numLayers = text.numHiddenLayers;
  std::vector<DecoderLayerKind> &layers = text.layers;
  layers.assign(numLayers, DecoderLayerKind());

  // An explicit moe_layers list wins, and interleave_moe_layer_step is then
  // not read (Llama Guard 4 is written with step 0 and moe_layers = []).
  if (const json *moeLayers = r.arrayField("moe_layers")) {
    for (size_t i = 0; i < moeLayers->size() && !r.failed(); ++i) {
      int64_t layer = integerValue((*moeLayers)[i]).value_or(-1);
      if (layer >= 0 && layer < numLayers)
        layers[layer].isMoe = true;
      else
        r.fail("moe_layers[" + std::to_string(i) + "]",
               "expected a layer index in [0, " + std::to_string(numLayers) +
                   "), got " + describe((*moeLayers)[i]));
    }
  } else if (int64_t step = r.size("interleave_moe_layer_step", 1);
             !r.failed()) {
    for (int64_t i = 0; i < numLayers; ++i) // range(step - 1, layers, step)
      layers[i].isMoe = (i + 1) % step == 0;
  }

  // no_rope_layers[i] == 1 means layer i USES RoPE; [] counts as not given.
  const json *ropeFlags = r.arrayField("no_rope_layers");
  if (ropeFlags && !ropeFlags->empty()) {
    readLayerList(r, "no_rope_layers", *ropeFlags, numLayers, "0 or 1",
                  [&](size_t i, const json &entry) {
                    layers[i].usesRope = entry == 1 || entry == true;
                    return entry.is_boolean() || (entry.is_number_integer() &&
                                                  (entry == 0 || entry == 1));
                  });
  } else if (int64_t interval = r.size("no_rope_layer_interval", 4);
             !r.failed()) {
    for (int64_t i = 0; i < numLayers; ++i)
      layers[i].usesRope = (i + 1) % interval != 0;
  }

  // layer_types (4.53+) picks each layer's mask; without it, exactly the
  // RoPE layers are chunked.
  for (DecoderLayerKind &layer : layers)
    layer.isChunked = layer.usesRope;
  if (const json *layerTypes = r.arrayField("layer_types"))
    readLayerList(r, "layer_types", *layerTypes, numLayers,
                  "\"chunked_attention\" or \"full_attention\"",
                  [&](size_t i, const json &entry) {
                    layers[i].isChunked = entry == "chunked_attention";
                    return layers[i].isChunked || entry == "full_attention";
                  });

  // transformers' chunked mask builder raises on a null chunk size.
  for (int64_t i = 0; i < numLayers && !text.attentionChunkSize; ++i)
    if (layers[i].isChunked)
      return r.fail("attention_chunk_size", "is null, but layer " +
                                                std::to_string(i) +
                                                " uses chunked attention");
}

void checkLayerCount(FieldReader &r, int64_t layers) {
  if (layers > kMaxLayers)
    r.fail("num_hidden_layers",
           std::to_string(layers) + " layers exceed llama4c's limit of " +
               std::to_string(kMaxLayers) +
               " (each layer is compiled code of its own)");
}

void checkHeadDim(FieldReader &r, const char *field, int64_t headDim) {
  if (headDim > kMaxHeadDim)
    r.fail(field, "head dim " + std::to_string(headDim) +
                      " exceeds llama4c's limit of " +
                      std::to_string(kMaxHeadDim) +
                      " (RoPE's frequency table is compiled into the model)");
}

void parseTextConfig(FieldReader &r, Llama4TextConfig &text) {
  text.vocabSize = r.size("vocab_size");
  text.hiddenSize = r.size("hidden_size");
  text.intermediateSize = r.size("intermediate_size");
  text.numHiddenLayers = r.size("num_hidden_layers");
  checkLayerCount(r, text.numHiddenLayers);
  text.numAttentionHeads = r.size("num_attention_heads");
  if (r.failed())
    return;
  int64_t hidden = text.hiddenSize, heads = text.numAttentionHeads;
  text.intermediateSizeMlp =
      r.size("intermediate_size_mlp", text.intermediateSizeMlp);
  // Explicit null: one KV head per query head. Absent: the class default 8.
  text.numKeyValueHeads =
      r.isNull("num_key_value_heads")
          ? heads
          : r.size("num_key_value_heads", text.numKeyValueHeads);
  // Absent: the class default 128, not hidden / heads. Explicit null: D / H.
  if (r.isNull("head_dim")) {
    expectDivisible(r, "hidden_size", "hidden_size", hidden,
                    "num_attention_heads", heads);
    text.headDim = hidden / heads;
  } else {
    text.headDim = r.size("head_dim", text.headDim);
  }
  checkHeadDim(r, "head_dim", text.headDim);

  std::string act = r.string("hidden_act", "silu");
  if (act == "gelu") // ACT2FN["gelu"] is the exact erf form
    text.hiddenAct = Activation::Gelu;
  else if (act != "silu")
    r.fail("hidden_act", "unsupported hidden_act " + quote(act) +
                             " (llama4c implements \"silu\" and \"gelu\")");

  text.maxPositionEmbeddings =
      r.size("max_position_embeddings", text.maxPositionEmbeddings);
  text.rmsNormEps = r.positiveNumber("rms_norm_eps", text.rmsNormEps);
  text.ropeTheta = r.positiveNumber("rope_theta", text.ropeTheta);
  parseRopeScaling(
      r, r.has("rope_parameters") ? "rope_parameters" : "rope_scaling", text);
  text.attentionBias = r.boolean("attention_bias", text.attentionBias);
  text.numExpertsPerTok = r.size("num_experts_per_tok", text.numExpertsPerTok);
  text.numLocalExperts = r.size("num_local_experts", text.numLocalExperts);
  text.useQkNorm = r.boolean("use_qk_norm", text.useQkNorm);
  if (r.isNull("attention_chunk_size"))
    text.attentionChunkSize.reset();
  else
    text.attentionChunkSize =
        r.size("attention_chunk_size", text.attentionChunkSize);
  // 4.51 writes 4 here; only truthiness matters.
  text.attnTemperatureTuning =
      r.truthy("attn_temperature_tuning", text.attnTemperatureTuning);
  text.floorScale =
      r.size("floor_scale", text.floorScale, /*acceptIntegral=*/true);
  text.attnScale = r.number("attn_scale", text.attnScale);
  text.tieWordEmbeddings =
      r.boolean("tie_word_embeddings", text.tieWordEmbeddings);
  if (r.failed())
    return;

  expectDivisible(r, "num_key_value_heads", "num_attention_heads", heads,
                  "num_key_value_heads", text.numKeyValueHeads);
  if (text.numExpertsPerTok > text.numLocalExperts)
    r.fail("num_experts_per_tok", std::to_string(text.numExpertsPerTok) +
                                      " exceeds num_local_experts (" +
                                      std::to_string(text.numLocalExperts) +
                                      ")");
  if (!r.failed())
    resolveLayerKinds(r, text);
}

void parseVisionConfig(FieldReader &r, Llama4VisionConfig &vision) {
  vision.hiddenSize = r.size("hidden_size");
  vision.numHiddenLayers = r.size("num_hidden_layers");
  checkLayerCount(r, vision.numHiddenLayers);
  vision.numAttentionHeads = r.size("num_attention_heads");
  vision.intermediateSize = r.size("intermediate_size");
  vision.imageSize = r.size("image_size");
  vision.patchSize = r.size("patch_size");
  vision.numChannels = r.size("num_channels", vision.numChannels);
  vision.visionOutputDim = r.size("vision_output_dim", vision.visionOutputDim);
  double &ratio = vision.pixelShuffleRatio;
  ratio = r.positiveNumber("pixel_shuffle_ratio", ratio);
  vision.projectorInputDim =
      r.size("projector_input_dim", vision.projectorInputDim);
  vision.projectorOutputDim =
      r.size("projector_output_dim", vision.projectorOutputDim);
  vision.ropeTheta = r.positiveNumber("rope_theta", vision.ropeTheta);
  if (const json *ropeParameters = r.objectField("rope_parameters"))
    vision.ropeTheta = r.nested(*ropeParameters, "rope_parameters")
                           .positiveNumber("rope_theta", vision.ropeTheta);
  if (r.failed())
    return;

  expectDivisible(r, "hidden_size", "hidden_size", vision.hiddenSize,
                  "num_attention_heads", vision.numAttentionHeads);
  if (!r.failed())
    checkHeadDim(r, "num_attention_heads", vision.headDim());
  // The 2-D RoPE splits each head into x and y halves of complex pairs.
  if (!r.failed() && vision.headDim() % 4 != 0)
    r.fail("num_attention_heads",
           "head dim " + std::to_string(vision.headDim()) +
               " (hidden_size / num_attention_heads) is not a multiple of 4, "
               "as the 2-D RoPE needs");
  expectDivisible(r, "image_size", "image_size", vision.imageSize, "patch_size",
                  vision.patchSize);
  if (r.failed())
    return;
  // pixel_shuffle reshapes the patch grid to side * ratio and the channels
  // to hidden / ratio^2; both must come out whole.
  double shuffledSide = double(vision.patchGridSide()) * ratio;
  double shuffledWidth = double(vision.hiddenSize) / (ratio * ratio);
  if (ratio > 1)
    return r.fail("pixel_shuffle_ratio",
                  "expected a value in (0, 1], got " + formatNumber(ratio));
  std::string side = std::to_string(vision.patchGridSide());
  if (!isNearInteger(shuffledSide) || !isNearInteger(shuffledWidth))
    return r.fail("pixel_shuffle_ratio",
                  formatNumber(ratio) + " does not evenly shuffle a " + side +
                      "x" + side + " patch grid of width " +
                      std::to_string(vision.hiddenSize) +
                      " (side * ratio and hidden_size / ratio^2 must be "
                      "whole numbers)");
  // The adapter's fc1 reads the shuffled features; transformers hard-wires
  // its in-features to intermediate_size.
  expectMatch(r, "intermediate_size", vision.intermediateSize,
              "hidden_size / pixel_shuffle_ratio^2",
              std::llround(shuffledWidth), "the adapter's fc1 input width");
  expectMatch(r, "projector_input_dim", vision.projectorInputDim,
              "projector_output_dim", vision.projectorOutputDim,
              "as the adapter's fc2 is square");
  expectMatch(r, "vision_output_dim", vision.visionOutputDim,
              "projector_output_dim", vision.projectorOutputDim,
              "which the multi-modal projector reads");
}

/// torch_dtype (4.x) or dtype (5.x) of one config object, if given.
std::optional<std::string> readDtype(FieldReader &r) {
  for (llvm::StringRef key : {"torch_dtype", "dtype"}) {
    if (!r.has(key))
      continue;
    std::string dtype = r.string(key);
    if (dtype != "bfloat16" && dtype != "float16" && dtype != "float32")
      r.fail(key, "unsupported dtype " + quote(dtype) +
                      " (expected \"bfloat16\", \"float16\" or \"float32\")");
    return dtype;
  }
  return std::nullopt;
}

/// A sub-config's own model_type is optional but must match when given.
void expectModelType(FieldReader &r, llvm::StringRef expected) {
  if (!r.has("model_type"))
    return;
  std::string modelType = r.string("model_type");
  if (modelType != expected)
    r.fail("model_type",
           "expected " + quote(expected) + ", got " + quote(modelType));
}

void parseConfig(FieldReader &top, Llama4Config &config) {
  config.modelType = top.string("model_type");
  if (config.modelType == "llama4_text") {
    parseTextConfig(top, config.text);
    config.torchDtype = readDtype(top).value_or(config.torchDtype);
    return;
  }
  if (config.modelType != "llama4")
    return top.fail("model_type",
                    "unknown model_type " + quote(config.modelType) +
                        " (expected \"llama4\" or \"llama4_text\")");

  const json *textObject = top.objectField("text_config", /*required=*/true);
  const json *visionObject =
      top.objectField("vision_config", /*required=*/true);
  if (!textObject || !visionObject)
    return;
  FieldReader text = top.nested(*textObject, "text_config");
  FieldReader vision = top.nested(*visionObject, "vision_config");
  expectModelType(text, "llama4_text");
  expectModelType(vision, "llama4_vision_model");
  parseTextConfig(text, config.text);
  parseVisionConfig(vision, config.vision.emplace());

  // image_token_id is the 5.x attribute_map alias.
  llvm::StringRef imageKey =
      top.find("image_token_index") || !top.find("image_token_id")
          ? "image_token_index"
          : "image_token_id";
  config.imageTokenIndex = top.index(imageKey, config.imageTokenIndex);
  config.boiTokenIndex = top.index("boi_token_index", config.boiTokenIndex);
  config.eoiTokenIndex = top.index("eoi_token_index", config.eoiTokenIndex);
  std::optional<std::string> dtype = readDtype(top);
  config.torchDtype = (dtype ? dtype : readDtype(text)).value_or("bfloat16");
  if (!top.failed() && config.imageTokenIndex >= config.text.vocabSize)
    top.fail(imageKey, std::to_string(config.imageTokenIndex) +
                           " is not below text_config.vocab_size (" +
                           std::to_string(config.text.vocabSize) + ")");
}

} // namespace

int64_t Llama4TextConfig::numMoeLayers() const {
  return llvm::count_if(layers, [](auto &layer) { return layer.isMoe; });
}

int64_t Llama4TextConfig::numNopeLayers() const {
  return llvm::count_if(layers, [](auto &layer) { return !layer.usesRope; });
}

int64_t Llama4VisionConfig::tokensPerTile() const {
  return std::llround(double(numPatches()) * pixelShuffleRatio *
                      pixelShuffleRatio);
}

llvm::Expected<Llama4Config>
llama4c::parseLlama4Config(llvm::StringRef jsonText, llvm::StringRef path) {
  if (runtime::jsonNestsTooDeeply(jsonText))
    return makeError(path.str() + ": invalid JSON: nested deeper than " +
                     std::to_string(runtime::kMaxJsonNesting) + " levels");
  json root;
  NoThrowDomBuilder builder(root);
  if (!json::sax_parse(jsonText.begin(), jsonText.end(), &builder)) {
    // Keep "parse error at line L, column C: reason", without nlohmann's
    // "[json.exception.parse_error.101] " prefix.
    llvm::StringRef reason = builder.message;
    if (reason.starts_with("[json.exception"))
      reason = reason.split("] ").second;
    return makeError(path.str() + ": invalid JSON: " +
                     (reason.empty() ? "malformed input" : reason.str()));
  }
  if (!root.is_object())
    return makeError(path.str() + ": expected a JSON object at the top level");

  Diagnostic diag{path.str(), std::nullopt};
  FieldReader top(diag, root, "");
  Llama4Config config;
  parseConfig(top, config);
  if (diag.message)
    return makeError(std::move(*diag.message));
  return config;
}

llvm::Expected<std::string> llama4c::readConfigFile(llvm::StringRef path) {
  runtime::Expected<std::string> text =
      runtime::readInputFile(path.str(), kMaxConfigBytes);
  if (!text)
    return makeError(text.error().message());
  return std::move(*text);
}

llvm::Expected<Llama4Config> llama4c::loadLlama4Config(llvm::StringRef path) {
  auto buffer = readConfigFile(path);
  if (!buffer)
    return buffer.takeError();
  return parseLlama4Config(*buffer, path);
}
