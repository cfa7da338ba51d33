//===- ConfigParserTest.cpp - Tests for the config.json reader ------------===//
//
// Checks parseLlama4Config / loadLlama4Config against the real Scout and
// Maverick configs in examples/configs, a hand-written text-only config that
// exercises every defaulting rule, and a table of broken configs, each of
// which must fail with one line naming the file and the offending field.
//
// Broken configs are built from a small valid config by patching one field
// through nlohmann-json's non-throwing API, so each case states only what it
// breaks.
//
//===----------------------------------------------------------------------===//

#include "frontends/hf/Llama4Config.h"

#include "gtest/gtest.h"
#include <nlohmann/json.hpp>

#include <ostream>
#include <string>
#include <vector>

using namespace llama4c;
using json = nlohmann::json;

namespace {

/// The JSON value of a test fixture; a fixture that is not valid JSON fails
/// the test instead of silently testing something else.
json jsonOf(const char *text) {
  json value = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) {
    ADD_FAILURE() << "fixture is not valid JSON: " << text;
    return json::object();
  }
  return value;
}

/// A small valid text-only config: 4 layers, 8 heads, 2 KV heads.
json minimalTextConfig() {
  return jsonOf(R"({
    "model_type": "llama4_text",
    "vocab_size": 1000,
    "hidden_size": 64,
    "intermediate_size": 128,
    "num_hidden_layers": 4,
    "num_attention_heads": 8,
    "num_key_value_heads": 2,
    "head_dim": 8,
    "num_local_experts": 4,
    "num_experts_per_tok": 1
  })");
}

/// A small valid multimodal config: the text config above plus a vision
/// tower with 4x4 patch grids, shuffled to 2x2 = 4 tokens per tile.
json minimalMultimodalConfig() {
  json text = minimalTextConfig();
  json config = jsonOf(R"({
    "model_type": "llama4",
    "image_token_index": 999,
    "boi_token_index": 997,
    "eoi_token_index": 998,
    "vision_config": {
      "model_type": "llama4_vision_model",
      "hidden_size": 64,
      "num_hidden_layers": 2,
      "num_attention_heads": 4,
      "intermediate_size": 256,
      "image_size": 56,
      "patch_size": 14,
      "vision_output_dim": 32,
      "projector_input_dim": 32,
      "projector_output_dim": 32
    }
  })");
  config["text_config"] = text;
  return config;
}

/// The parsed config, or a test failure carrying the parser's message.
Llama4Config valueOrFail(llvm::Expected<Llama4Config> result) {
  if (!result) {
    ADD_FAILURE() << llvm::toString(result.takeError());
    return Llama4Config();
  }
  return std::move(*result);
}

Llama4Config parseOk(const json &config) {
  return valueOrFail(parseLlama4Config(config.dump(), "ok.json"));
}

Llama4Config loadOk(llvm::StringRef path) {
  return valueOrFail(loadLlama4Config(path));
}

std::vector<int64_t> layersWhere(const Llama4TextConfig &text,
                                 bool DecoderLayerKind::*flag, bool value) {
  std::vector<int64_t> result;
  for (size_t i = 0; i < text.layers.size(); ++i)
    if (text.layers[i].*flag == value)
      result.push_back(int64_t(i));
  return result;
}

std::vector<int64_t> everyFourthFromThree(int64_t numLayers) {
  std::vector<int64_t> result;
  for (int64_t i = 3; i < numLayers; i += 4)
    result.push_back(i);
  return result;
}

//===----------------------------------------------------------------------===//
// Real checkpoints
//===----------------------------------------------------------------------===//

TEST(ConfigParserTest, Scout) {
  Llama4Config config = loadOk(LLAMA4C_SHARED_CONFIGS_DIR "/scout/config.json");
  const Llama4TextConfig &text = config.text;
  EXPECT_EQ(config.modelType, "llama4");
  EXPECT_TRUE(config.isMultimodal());
  EXPECT_EQ(config.textWeightPrefix(), "language_model.");
  EXPECT_EQ(config.torchDtype, "bfloat16");
  EXPECT_EQ(config.imageTokenIndex, 200092);
  EXPECT_EQ(config.boiTokenIndex, 200080);
  EXPECT_EQ(config.eoiTokenIndex, 200081);

  EXPECT_EQ(text.vocabSize, 202048);
  EXPECT_EQ(text.hiddenSize, 5120);
  EXPECT_EQ(text.intermediateSize, 8192);
  EXPECT_EQ(text.intermediateSizeMlp, 16384);
  EXPECT_EQ(text.numHiddenLayers, 48);
  EXPECT_EQ(text.numAttentionHeads, 40);
  EXPECT_EQ(text.numKeyValueHeads, 8);
  EXPECT_EQ(text.headDim, 128);
  EXPECT_EQ(text.hiddenAct, Activation::Silu);
  EXPECT_EQ(text.maxPositionEmbeddings, 10485760);
  EXPECT_DOUBLE_EQ(text.rmsNormEps, 1e-5);
  EXPECT_DOUBLE_EQ(text.ropeTheta, 500000.0);
  EXPECT_FALSE(text.attentionBias);
  EXPECT_TRUE(text.useQkNorm);
  EXPECT_EQ(text.numLocalExperts, 16);
  EXPECT_EQ(text.numExpertsPerTok, 1);
  EXPECT_EQ(text.attentionChunkSize, std::optional<int64_t>(8192));
  EXPECT_TRUE(text.attnTemperatureTuning);
  EXPECT_EQ(text.floorScale, 8192);
  EXPECT_DOUBLE_EQ(text.attnScale, 0.1);
  EXPECT_FALSE(text.tieWordEmbeddings);

  ASSERT_TRUE(text.ropeScaling.has_value());
  EXPECT_DOUBLE_EQ(text.ropeScaling->factor, 16.0);
  EXPECT_DOUBLE_EQ(text.ropeScaling->lowFreqFactor, 1.0);
  EXPECT_DOUBLE_EQ(text.ropeScaling->highFreqFactor, 1.0);
  EXPECT_EQ(text.ropeScaling->originalMaxPositionEmbeddings, 8192);

  ASSERT_EQ(text.layers.size(), 48u);
  EXPECT_EQ(text.numMoeLayers(), 48);
  EXPECT_EQ(text.numNopeLayers(), 12);
  EXPECT_EQ(layersWhere(text, &DecoderLayerKind::usesRope, false),
            everyFourthFromThree(48));
  for (const DecoderLayerKind &layer : text.layers)
    EXPECT_EQ(layer.isChunked, layer.usesRope);

  ASSERT_TRUE(config.vision.has_value());
  const Llama4VisionConfig &vision = *config.vision;
  EXPECT_EQ(vision.numHiddenLayers, 34);
  EXPECT_EQ(vision.hiddenSize, 1408);
  EXPECT_EQ(vision.numAttentionHeads, 16);
  EXPECT_EQ(vision.headDim(), 88);
  EXPECT_EQ(vision.intermediateSize, 5632);
  EXPECT_EQ(vision.numChannels, 3);
  EXPECT_EQ(vision.imageSize, 336);
  EXPECT_EQ(vision.patchSize, 14);
  EXPECT_EQ(vision.patchGridSide(), 24);
  EXPECT_EQ(vision.numPatches(), 576);
  EXPECT_EQ(vision.tokensPerTile(), 144);
  EXPECT_DOUBLE_EQ(vision.pixelShuffleRatio, 0.5);
  EXPECT_EQ(vision.visionOutputDim, 4096);
  EXPECT_EQ(vision.projectorInputDim, 4096);
  EXPECT_EQ(vision.projectorOutputDim, 4096);
  EXPECT_DOUBLE_EQ(vision.ropeTheta, 10000.0);
}

TEST(ConfigParserTest, Maverick) {
  Llama4Config config =
      loadOk(LLAMA4C_SHARED_CONFIGS_DIR "/maverick/config.json");
  const Llama4TextConfig &text = config.text;
  EXPECT_EQ(text.numLocalExperts, 128);
  EXPECT_EQ(text.numExpertsPerTok, 1);
  EXPECT_FALSE(text.useQkNorm);
  EXPECT_FALSE(text.ropeScaling.has_value());
  ASSERT_EQ(text.layers.size(), 48u);
  EXPECT_EQ(text.numMoeLayers(), 24);
  for (size_t i = 0; i < text.layers.size(); ++i)
    EXPECT_EQ(text.layers[i].isMoe, i % 2 == 1) << "layer " << i;
  EXPECT_EQ(layersWhere(text, &DecoderLayerKind::usesRope, false),
            everyFourthFromThree(48));
  EXPECT_EQ(text.numNopeLayers(), 12);
  ASSERT_TRUE(config.vision.has_value());
  EXPECT_EQ(config.vision->tokensPerTile(), 144);
}

//===----------------------------------------------------------------------===//
// Defaulting and derived fields
//===----------------------------------------------------------------------===//

TEST(ConfigParserTest, MinimalTextConfigTakesClassDefaults) {
  json input = minimalTextConfig();
  input.erase("head_dim");
  input.erase("num_key_value_heads");
  Llama4Config config = parseOk(input);
  const Llama4TextConfig &text = config.text;
  EXPECT_FALSE(config.isMultimodal());
  EXPECT_EQ(config.textWeightPrefix(), "");
  EXPECT_EQ(config.torchDtype, "bfloat16");
  // The class defaults, not values derived from hidden_size / heads.
  EXPECT_EQ(text.headDim, 128);
  EXPECT_EQ(text.numKeyValueHeads, 8);
  EXPECT_EQ(text.intermediateSizeMlp, 16384);
  EXPECT_EQ(text.maxPositionEmbeddings, 131072);
  EXPECT_EQ(text.hiddenAct, Activation::Silu);
  EXPECT_DOUBLE_EQ(text.ropeTheta, 500000.0);
  EXPECT_FALSE(text.ropeScaling.has_value());
  EXPECT_EQ(text.attentionChunkSize, std::optional<int64_t>(8192));
  EXPECT_TRUE(text.useQkNorm);
  EXPECT_TRUE(text.attnTemperatureTuning);
  // interleave_moe_layer_step 1: every layer MoE; interval 4: layer 3 NoPE.
  EXPECT_EQ(text.numMoeLayers(), 4);
  EXPECT_EQ(layersWhere(text, &DecoderLayerKind::usesRope, false),
            std::vector<int64_t>{3});
  EXPECT_EQ(layersWhere(text, &DecoderLayerKind::isChunked, false),
            std::vector<int64_t>{3});
}

TEST(ConfigParserTest, ExplicitNullsDeriveFromHeads) {
  json input = minimalTextConfig();
  input["head_dim"] = nullptr;
  input["num_key_value_heads"] = nullptr;
  Llama4Config config = parseOk(input);
  EXPECT_EQ(config.text.headDim, 8); // 64 / 8
  EXPECT_EQ(config.text.numKeyValueHeads, 8);
}

TEST(ConfigParserTest, ExplicitPerLayerListsAnd5xFields) {
  json input = minimalTextConfig();
  input["moe_layers"] = {0, 2};
  input["interleave_moe_layer_step"] = 0; // ignored when moe_layers is given
  input["no_rope_layers"] = {1, 0, true, false};
  input["layer_types"] = {"chunked_attention", "full_attention",
                          "full_attention", "full_attention"};
  input["rope_parameters"] = {
      {"rope_type", "llama3"},   {"rope_theta", 250000.0},
      {"factor", 8.0},           {"low_freq_factor", 1.0},
      {"high_freq_factor", 4.0}, {"original_max_position_embeddings", 8192}};
  input["attn_temperature_tuning"] = 4;
  input["floor_scale"] = 4096.0;
  input["hidden_act"] = "gelu";
  input["attention_bias"] = true;
  input["dtype"] = "float32";
  input["some_future_field"] = {{"nested", true}};
  Llama4Config config = parseOk(input);
  const Llama4TextConfig &text = config.text;
  EXPECT_EQ(layersWhere(text, &DecoderLayerKind::isMoe, true),
            (std::vector<int64_t>{0, 2}));
  EXPECT_EQ(layersWhere(text, &DecoderLayerKind::usesRope, true),
            (std::vector<int64_t>{0, 2}));
  EXPECT_EQ(layersWhere(text, &DecoderLayerKind::isChunked, true),
            std::vector<int64_t>{0});
  EXPECT_DOUBLE_EQ(text.ropeTheta, 250000.0);
  ASSERT_TRUE(text.ropeScaling.has_value());
  EXPECT_DOUBLE_EQ(text.ropeScaling->factor, 8.0);
  EXPECT_DOUBLE_EQ(text.ropeScaling->highFreqFactor, 4.0);
  EXPECT_TRUE(text.attnTemperatureTuning);
  EXPECT_EQ(text.floorScale, 4096);
  EXPECT_EQ(text.hiddenAct, Activation::Gelu);
  EXPECT_TRUE(text.attentionBias);
  EXPECT_EQ(config.torchDtype, "float32");
}

TEST(ConfigParserTest, DenseModelAndGlobalAttentionOnly) {
  // Llama Guard 4 style: step 0 with an empty moe_layers list is all dense;
  // a null chunk size is fine when no layer is chunked.
  json input = minimalTextConfig();
  input["moe_layers"] = json::array();
  input["interleave_moe_layer_step"] = 0;
  input["no_rope_layers"] = json::array(); // [] falls back to the interval
  input["no_rope_layer_interval"] = 2;
  input["attention_chunk_size"] = nullptr;
  input["layer_types"] = std::vector<std::string>(4, "full_attention");
  input["attn_temperature_tuning"] = 0;
  input["rope_scaling"] = {{"type", "default"}};
  Llama4Config config = parseOk(input);
  const Llama4TextConfig &text = config.text;
  EXPECT_EQ(text.numMoeLayers(), 0);
  EXPECT_EQ(layersWhere(text, &DecoderLayerKind::usesRope, false),
            (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(text.attentionChunkSize, std::nullopt);
  EXPECT_FALSE(text.attnTemperatureTuning);
  EXPECT_FALSE(text.ropeScaling.has_value());
}

TEST(ConfigParserTest, MinimalMultimodalConfig) {
  json input = minimalMultimodalConfig();
  input.erase("image_token_index");
  input["image_token_id"] = 990; // 5.x alias
  input["text_config"]["torch_dtype"] = "float16";
  Llama4Config config = parseOk(input);
  EXPECT_TRUE(config.isMultimodal());
  EXPECT_EQ(config.imageTokenIndex, 990);
  EXPECT_EQ(config.torchDtype, "float16"); // falls back to text_config's
  ASSERT_TRUE(config.vision.has_value());
  EXPECT_EQ(config.vision->headDim(), 16);
  EXPECT_EQ(config.vision->patchGridSide(), 4);
  EXPECT_EQ(config.vision->numPatches(), 16);
  EXPECT_EQ(config.vision->tokensPerTile(), 4);
}

//===----------------------------------------------------------------------===//
// Rejected configs
//===----------------------------------------------------------------------===//

struct BadConfig {
  const char *name;
  std::string text;     ///< the whole config.json
  const char *expected; ///< substring of the error message
};

std::ostream &operator<<(std::ostream &os, const BadConfig &bad) {
  return os << bad.name;
}

/// `config` with the value at JSON pointer `pointer` set to `value`.
json set(json config, const char *pointer, json value) {
  config[json::json_pointer(pointer)] = std::move(value);
  return config;
}

/// `config` with the key `key` of the object at `parent` removed.
std::string without(json config, const char *parent, const char *key) {
  config[json::json_pointer(parent)].erase(key);
  return config.dump();
}

std::string textWith(const char *pointer, json value) {
  return set(minimalTextConfig(), pointer, std::move(value)).dump();
}
std::string multimodalWith(const char *pointer, json value) {
  return set(minimalMultimodalConfig(), pointer, std::move(value)).dump();
}

const json llama3Rope = {{"rope_type", "llama3"},
                         {"factor", 8.0},
                         {"low_freq_factor", 1.0},
                         {"high_freq_factor", 4.0},
                         {"original_max_position_embeddings", 8192}};

std::vector<BadConfig> badConfigs() {
  json missingFactor = llama3Rope;
  missingFactor.erase("factor");
  return {
      // Not JSON, or not an object.
      {"TrailingComma", R"({"model_type": "llama4_text",})",
       "bad.json: invalid JSON: parse error at line 1, column 30"},
      {"Truncated", R"({"model_type": "llama4_text", "vocab_size": 12)",
       "bad.json: invalid JSON: parse error at line 1"},
      {"Empty", "", "bad.json: invalid JSON: parse error at line 1, column 1"},
      {"TopLevelArray", "[1, 2]",
       "bad.json: expected a JSON object at the top level"},
      // model_type and the sub-configs.
      {"MissingModelType", without(minimalTextConfig(), "", "model_type"),
       "bad.json: model_type: required field is missing"},
      {"UnknownModelType", textWith("/model_type", "llama3"),
       "bad.json: model_type: unknown model_type \"llama3\" (expected "
       "\"llama4\" or \"llama4_text\")"},
      {"MissingVisionConfig",
       without(minimalMultimodalConfig(), "", "vision_config"),
       "bad.json: vision_config: required field is missing"},
      {"TextConfigNotObject", multimodalWith("/text_config", "abc"),
       "bad.json: text_config: expected an object, got string \"abc\""},
      {"WrongTextModelType", multimodalWith("/text_config/model_type", "llama"),
       "text_config.model_type: expected \"llama4_text\", got \"llama\""},
      // Types and ranges of single text fields.
      {"MissingHiddenSize", without(minimalTextConfig(), "", "hidden_size"),
       "bad.json: hidden_size: required field is missing"},
      {"MissingNestedHiddenSize",
       without(minimalMultimodalConfig(), "/text_config", "hidden_size"),
       "bad.json: text_config.hidden_size: required field is missing"},
      {"HiddenSizeString", textWith("/hidden_size", "abc"),
       "bad.json: hidden_size: expected a positive integer, got string "
       "\"abc\""},
      {"HiddenSizeFraction", textWith("/hidden_size", 5120.5),
       "hidden_size: expected a positive integer, got 5120.5"},
      {"HiddenSizeNull", textWith("/hidden_size", nullptr),
       "hidden_size: expected a positive integer, got null"},
      {"NegativeHeads", textWith("/num_attention_heads", -4),
       "num_attention_heads: expected a positive integer, got -4"},
      {"ZeroLayers", textWith("/num_hidden_layers", 0),
       "num_hidden_layers: expected a positive integer, got 0"},
      {"HugeVocab", textWith("/vocab_size", 1000000000000LL),
       "vocab_size: 1000000000000 is too large"},
      {"TooManyLayers", textWith("/num_hidden_layers", 1000000000),
       "num_hidden_layers: 1000000000 layers exceed llama4c's limit of 256 "
       "(each layer is compiled code of its own)"},
      {"TwoThousandLayers", textWith("/num_hidden_layers", 2000),
       "num_hidden_layers: 2000 layers exceed llama4c's limit of 256 (each "
       "layer is compiled code of its own)"},
      {"HugeHeadDim", textWith("/head_dim", 2147483648LL),
       "head_dim: head dim 2147483648 exceeds llama4c's limit of 65536 "
       "(RoPE's frequency table is compiled into the model)"},
      {"ZeroEps", textWith("/rms_norm_eps", 0),
       "rms_norm_eps: expected a positive number, got 0"},
      {"BiasNotBool", textWith("/attention_bias", "no"),
       "attention_bias: expected true or false, got string \"no\""},
      {"UnknownActivation", textWith("/hidden_act", "relu"),
       "hidden_act: unsupported hidden_act \"relu\""},
      {"UnknownDtype", textWith("/torch_dtype", "int8"),
       "torch_dtype: unsupported dtype \"int8\""},
      // Consistency of the text fields.
      {"HeadsNotDivisibleByKvHeads", textWith("/num_key_value_heads", 3),
       "num_key_value_heads: num_attention_heads (8) is not divisible by "
       "num_key_value_heads (3)"},
      {"DerivedHeadDimNotWhole",
       set(set(minimalTextConfig(), "/head_dim", nullptr),
           "/num_attention_heads", 6)
           .dump(),
       "bad.json: hidden_size: hidden_size (64) is not divisible by "
       "num_attention_heads (6)"},
      {"TopKExceedsExperts",
       multimodalWith("/text_config/num_experts_per_tok", 5),
       "bad.json: text_config.num_experts_per_tok: 5 exceeds "
       "num_local_experts (4)"},
      {"TopKZero", textWith("/num_experts_per_tok", 0),
       "num_experts_per_tok: expected a positive integer, got 0"},
      {"ChunkSizeZero", textWith("/attention_chunk_size", 0),
       "attention_chunk_size: expected a positive integer, got 0"},
      {"ChunkSizeNegative", textWith("/attention_chunk_size", -5),
       "attention_chunk_size: expected a positive integer, got -5"},
      {"ChunkSizeNullWithChunkedLayers",
       textWith("/attention_chunk_size", nullptr),
       "attention_chunk_size: is null, but layer 0 uses chunked attention"},
      // Per-layer lists.
      {"NoRopeLayersWrongLength", textWith("/no_rope_layers", {1, 1, 0}),
       "no_rope_layers: has 3 entries, expected num_hidden_layers (4)"},
      {"NoRopeLayersEntryTwo", textWith("/no_rope_layers", {1, 1, 1, 2}),
       "no_rope_layers[3]: expected 0 or 1, got 2"},
      {"MoeLayerOutOfRange", textWith("/moe_layers", {1, 4}),
       "moe_layers[1]: expected a layer index in [0, 4), got 4"},
      {"MoeLayersNotList", textWith("/moe_layers", 3),
       "moe_layers: expected an array, got 3"},
      {"NoRopeIntervalZero", textWith("/no_rope_layer_interval", 0),
       "no_rope_layer_interval: expected a positive integer, got 0"},
      {"InterleaveStepZero", textWith("/interleave_moe_layer_step", 0),
       "interleave_moe_layer_step: expected a positive integer, got 0"},
      {"LayerTypeUnknown",
       textWith("/layer_types", {"chunked_attention", "full_attention",
                                 "sliding_attention", "full_attention"}),
       "layer_types[2]: expected \"chunked_attention\" or \"full_attention\", "
       "got string \"sliding_attention\""},
      // RoPE scaling.
      {"RopeTypeUnsupported",
       textWith("/rope_scaling", {{"rope_type", "yarn"}}),
       "rope_scaling.rope_type: unsupported rope_type \"yarn\" (llama4c "
       "implements llama3 and default)"},
      {"RopeTypeMissing", textWith("/rope_scaling", {{"factor", 8.0}}),
       "rope_scaling.rope_type: required field is missing"},
      {"Llama3MissingFactor",
       multimodalWith("/text_config/rope_scaling", missingFactor),
       "bad.json: text_config.rope_scaling.factor: required field is missing"},
      {"Llama3HighBelowLow",
       textWith("/rope_parameters", set(llama3Rope, "/high_freq_factor", 0.5)),
       "rope_parameters.high_freq_factor: 0.5 is less than low_freq_factor "
       "(1.0)"},
      // Vision tower.
      {"VisionHiddenNotDivisibleByHeads",
       multimodalWith("/vision_config/num_attention_heads", 5),
       "bad.json: vision_config.hidden_size: hidden_size (64) is not "
       "divisible by num_attention_heads (5)"},
      {"VisionHeadDimNotMultipleOf4",
       multimodalWith("/vision_config/num_attention_heads", 32),
       "vision_config.num_attention_heads: head dim 2 (hidden_size / "
       "num_attention_heads) is not a multiple of 4"},
      {"ImageNotMultipleOfPatch",
       multimodalWith("/vision_config/image_size", 50),
       "vision_config.image_size: image_size (50) is not divisible by "
       "patch_size (14)"},
      {"PixelShuffleRatioAboveOne",
       multimodalWith("/vision_config/pixel_shuffle_ratio", 2.0),
       "vision_config.pixel_shuffle_ratio: expected a value in (0, 1], got "
       "2.0"},
      {"PixelShuffleRatioNotWhole",
       multimodalWith("/vision_config/pixel_shuffle_ratio", 0.3),
       "vision_config.pixel_shuffle_ratio: 0.3 does not evenly shuffle a 4x4 "
       "patch grid of width 64"},
      {"AdapterWidthMismatch",
       multimodalWith("/vision_config/intermediate_size", 128),
       "vision_config.intermediate_size: 128 does not match hidden_size / "
       "pixel_shuffle_ratio^2 (256)"},
      {"ProjectorNotSquare",
       multimodalWith("/vision_config/projector_input_dim", 48),
       "vision_config.projector_input_dim: 48 does not match "
       "projector_output_dim (32)"},
      {"VisionOutputDimMismatch",
       multimodalWith("/vision_config/vision_output_dim", 7680),
       "vision_config.vision_output_dim: 7680 does not match "
       "projector_output_dim (32)"},
      // Top-level token ids.
      {"ImageTokenOutsideVocab", multimodalWith("/image_token_index", 1000),
       "bad.json: image_token_index: 1000 is not below "
       "text_config.vocab_size (1000)"},
  };
}

class BadConfigTest : public testing::TestWithParam<BadConfig> {};

TEST_P(BadConfigTest, FailsWithOneLineNamingTheField) {
  const BadConfig &bad = GetParam();
  llvm::Expected<Llama4Config> result = parseLlama4Config(bad.text, "bad.json");
  ASSERT_FALSE(static_cast<bool>(result)) << "accepted: " << bad.text;
  std::string message = llvm::toString(result.takeError());
  EXPECT_NE(message.find(bad.expected), std::string::npos)
      << "message: " << message << "\nexpected: " << bad.expected;
  EXPECT_EQ(message.rfind("bad.json: ", 0), 0u) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

INSTANTIATE_TEST_SUITE_P(ConfigParserTest, BadConfigTest,
                         testing::ValuesIn(badConfigs()),
                         [](const testing::TestParamInfo<BadConfig> &info) {
                           return std::string(info.param.name);
                         });

TEST(ConfigParserTest, UnreadableFile) {
  const char *path = LLAMA4C_TEST_INPUTS_DIR "/does-not-exist.json";
  llvm::Expected<Llama4Config> result = loadLlama4Config(path);
  ASSERT_FALSE(static_cast<bool>(result));
  std::string message = llvm::toString(result.takeError());
  EXPECT_EQ(message.rfind(std::string(path) + ": cannot open: ", 0), 0u)
      << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

} // namespace
