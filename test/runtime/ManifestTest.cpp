//===- ManifestTest.cpp - Tests for parseManifest -------------------------===//
//
// A complete manifest parses into the typed fields; then each check, from
// the version gate to the last kv_cache field, fails with its one-line
// message naming the model file and the field.
//
//===----------------------------------------------------------------------===//

#include "llama4c/abi.h"
#include "runtime/loader/Manifest.h"

#include "test/runtime/TestSupport.h"

using namespace llama4c::runtime;
using namespace llama4c::runtime::testing;
using json = nlohmann::json;

namespace {

constexpr const char *kSource = "m.so";

json validManifest() {
  return {{"llama4c_version", LLAMA4C_VERSION},
          {"abi_version", LLAMA4C_ABI_VERSION},
          {"target", "cpu"},
          {"emulated", false},
          {"cpu", {{"name", "x86-64-v3"}, {"features", {"avx2", "fma"}}}},
          {"dtype", "bf16"},
          {"vocab_size", 112},
          {"max_position_embeddings", 512},
          {"multimodal", false},
          {"image_token_index", 200092},
          {"config", {{"model_type", "llama4_text"}, {"eos_token_id", 7}}},
          {"weights",
           {{{"name", "model.embed_tokens.weight"},
             {"dtype", "bf16"},
             {"shape", {112, 64}},
             {"role", "embedding"}},
            {{"name", "model.norm.weight"},
             {"dtype", "bf16"},
             {"shape", {64}},
             {"role", "every_step"}}}},
          {"kv_cache",
           {{{"layer", 0},
             {"kind", "key"},
             {"dtype", "bf16"},
             {"kv_heads", 2},
             {"window", 8},
             {"page_size", 0},
             {"head_dim", 24}},
            {{"layer", 1},
             {"kind", "value"},
             {"dtype", "bf16"},
             {"kv_heads", 2},
             {"window", 0},
             {"page_size", 256},
             {"head_dim", 24}}}}};
}

/// The error of parsing the valid manifest after `patch` edits it.
template <class Patch> std::string errorAfter(Patch patch) {
  json manifest = validManifest();
  patch(manifest);
  return errorOf(parseManifest(manifest.dump(), kSource));
}

TEST(ManifestTest, ParsesEveryField) {
  Expected<Manifest> manifest = parseManifest(validManifest().dump(), kSource);
  ASSERT_TRUE(manifest) << manifest.error().message();
  EXPECT_EQ(manifest->llama4cVersion, LLAMA4C_VERSION);
  EXPECT_EQ(manifest->abiVersion, uint32_t(LLAMA4C_ABI_VERSION));
  EXPECT_EQ(manifest->target, "cpu");
  EXPECT_EQ(manifest->dtype, DType::BF16);
  EXPECT_EQ(manifest->vocabSize, 112);
  EXPECT_EQ(manifest->maxPositionEmbeddings, 512);
  EXPECT_FALSE(manifest->multimodal);
  EXPECT_EQ(manifest->imageTokenIndex, 200092);
  EXPECT_EQ(manifest->config["model_type"], "llama4_text");
  EXPECT_EQ(manifest->eosTokenIds, (std::vector<int64_t>{7}));
  ASSERT_EQ(manifest->weights.size(), 2u);
  EXPECT_EQ(manifest->weights[0].name, "model.embed_tokens.weight");
  EXPECT_EQ(manifest->weights[0].dtype, DType::BF16);
  EXPECT_EQ(manifest->weights[0].shape, (std::vector<int64_t>{112, 64}));
  EXPECT_EQ(manifest->weights[0].role, WeightRole::Embedding);
  EXPECT_EQ(manifest->weights[1].shape, (std::vector<int64_t>{64}));
  EXPECT_EQ(manifest->weights[1].role, WeightRole::EveryStep);
  ASSERT_EQ(manifest->kvCache.size(), 2u);
  EXPECT_EQ(manifest->kvCache[0].layer, 0);
  EXPECT_EQ(manifest->kvCache[0].kind, KvKind::Key);
  EXPECT_EQ(manifest->kvCache[0].dtype, DType::BF16);
  EXPECT_EQ(manifest->kvCache[0].kvHeads, 2);
  EXPECT_EQ(manifest->kvCache[0].window, 8);
  EXPECT_EQ(manifest->kvCache[0].pageSize, 0);
  EXPECT_EQ(manifest->kvCache[0].headDim, 24);
  EXPECT_EQ(manifest->kvCache[1].kind, KvKind::Value);
  EXPECT_EQ(manifest->kvCache[1].window, 0);
  EXPECT_EQ(manifest->kvCache[1].pageSize, 256);
}

// The attention chunk is the window of the chunked layers, the smallest
// were they to differ; 0 when every layer is global.
TEST(ManifestTest, TheAttentionChunkIsTheChunkedLayersWindow) {
  Expected<Manifest> manifest = parseManifest(validManifest().dump(), kSource);
  ASSERT_TRUE(manifest) << manifest.error().message();
  EXPECT_EQ(manifest->attentionChunk(), 8);
  manifest->kvCache[1].window = 4;
  EXPECT_EQ(manifest->attentionChunk(), 4);
  manifest->kvCache[0].window = manifest->kvCache[1].window = 0;
  EXPECT_EQ(manifest->attentionChunk(), 0);
}

// transformers allows one id, a list, or null; a multimodal config keeps
// it under text_config.
TEST(ManifestTest, ReadsEosTokenIdInEveryForm) {
  auto eosOf = [](const json &config) {
    json manifest = validManifest();
    manifest["config"] = config;
    Expected<Manifest> parsed = parseManifest(manifest.dump(), kSource);
    EXPECT_TRUE(parsed) << parsed.error().message();
    return parsed ? parsed->eosTokenIds : std::vector<int64_t>{-1};
  };
  EXPECT_EQ(eosOf({{"eos_token_id", {1, 200001}}}),
            (std::vector<int64_t>{1, 200001}));
  EXPECT_EQ(eosOf({{"eos_token_id", nullptr}}), std::vector<int64_t>{});
  EXPECT_EQ(eosOf(json::object()), std::vector<int64_t>{});
  EXPECT_EQ(eosOf({{"text_config", {{"eos_token_id", {3, 4}}}}}),
            (std::vector<int64_t>{3, 4}));
}

TEST(ManifestTest, AcceptsNullImageTokenIndex) {
  json manifest = validManifest();
  manifest["image_token_index"] = nullptr;
  Expected<Manifest> parsed = parseManifest(manifest.dump(), kSource);
  ASSERT_TRUE(parsed) << parsed.error().message();
  EXPECT_FALSE(parsed->imageTokenIndex.has_value());
}

TEST(ManifestTest, RejectsAnotherLlama4cVersion) {
  EXPECT_EQ(
      errorAfter([](json &m) { m["llama4c_version"] = "0.0.9"; }),
      std::string("m.so: built by llama4c 0.0.9 (ABI ") +
          std::to_string(LLAMA4C_ABI_VERSION) + "), this runtime is " +
          LLAMA4C_VERSION + " (ABI " + std::to_string(LLAMA4C_ABI_VERSION) +
          "); recompile the model");
  // Checked before anything else: the rest may have another shape.
  EXPECT_EQ(errorAfter([](json &m) {
              m["abi_version"] = LLAMA4C_ABI_VERSION + 1;
              m.erase("weights");
            }),
            std::string("m.so: built by llama4c ") + LLAMA4C_VERSION +
                " (ABI " + std::to_string(LLAMA4C_ABI_VERSION + 1) +
                "), this runtime is " + LLAMA4C_VERSION + " (ABI " +
                std::to_string(LLAMA4C_ABI_VERSION) + "); recompile the model");
}

TEST(ManifestTest, ReadsTheTarget) {
  json manifest = validManifest();
  manifest["target"] = "sm_90";
  Expected<Manifest> parsed = parseManifest(manifest.dump(), kSource);
  ASSERT_TRUE(parsed) << parsed.error().message();
  EXPECT_EQ(parsed->target, "sm_90");
  EXPECT_EQ(errorAfter([](json &m) { m["target"] = "sm_75"; }),
            "m.so: manifest: target: expected \"cpu\", \"sm_80\" or "
            "\"sm_90\", got \"sm_75\"");
  EXPECT_EQ(errorAfter([](json &m) { m.erase("target"); }),
            "m.so: manifest: target: missing");
}

TEST(ManifestTest, ReadsWhetherTheKernelsAreEmulated) {
  json manifest = validManifest();
  manifest["target"] = "sm_90";
  manifest["emulated"] = true;
  Expected<Manifest> parsed = parseManifest(manifest.dump(), kSource);
  ASSERT_TRUE(parsed) << parsed.error().message();
  EXPECT_TRUE(parsed->emulated);
  EXPECT_TRUE(parsed->runsOnHost());
  manifest["emulated"] = false;
  parsed = parseManifest(manifest.dump(), kSource);
  ASSERT_TRUE(parsed) << parsed.error().message();
  EXPECT_FALSE(parsed->runsOnHost());
  EXPECT_EQ(errorAfter([](json &m) { m["emulated"] = true; }),
            "m.so: manifest: emulated: true needs a GPU target to emulate, "
            "got target \"cpu\"");
  EXPECT_EQ(errorAfter([](json &m) { m["emulated"] = 1; }),
            "m.so: manifest: emulated: expected true or false, got 1");
  EXPECT_EQ(errorAfter([](json &m) { m.erase("emulated"); }),
            "m.so: manifest: emulated: missing");
}

TEST(ManifestTest, ReadsTheCpuTheCodeIsFor) {
  Expected<Manifest> parsed = parseManifest(validManifest().dump(), kSource);
  ASSERT_TRUE(parsed) << parsed.error().message();
  EXPECT_EQ(parsed->cpu.name, "x86-64-v3");
  EXPECT_EQ(parsed->cpu.features, (std::vector<std::string>{"avx2", "fma"}));
  EXPECT_EQ(errorAfter([](json &m) { m["cpu"]["features"][1] = "sse9"; }),
            "m.so: manifest: cpu.features[1]: expected an instruction set "
            "this runtime checks, got string \"sse9\"");
  EXPECT_EQ(errorAfter([](json &m) { m["cpu"]["features"][0] = 2; }),
            "m.so: manifest: cpu.features[0]: expected an instruction set "
            "this runtime checks, got 2");
  EXPECT_EQ(errorAfter([](json &m) { m["cpu"].erase("name"); }),
            "m.so: manifest: cpu.name: missing");
  EXPECT_EQ(errorAfter([](json &m) { m.erase("cpu"); }),
            "m.so: manifest: cpu: missing");
}

TEST(ManifestTest, RejectsInvalidJson) {
  EXPECT_EQ(errorOf(parseManifest("[1, 2]", kSource)),
            "m.so: manifest: expected a JSON object, got an array");
  std::string message = errorOf(parseManifest("{\"a\": ", kSource));
  EXPECT_EQ(message.rfind("m.so: manifest: invalid JSON: ", 0), 0u) << message;
  EXPECT_EQ(errorOf(parseManifest("{\"a\": 1, \"a\": 2}", kSource)),
            "m.so: manifest: a: key appears twice");
}

TEST(ManifestTest, RejectsMissingOrMistypedTopLevelFields) {
  EXPECT_EQ(errorAfter([](json &m) { m.erase("llama4c_version"); }),
            "m.so: manifest: llama4c_version: missing");
  EXPECT_EQ(errorAfter([](json &m) { m["abi_version"] = "1"; }),
            "m.so: manifest: abi_version: expected an integer in [0, "
            "4294967295], got string \"1\"");
  EXPECT_EQ(errorAfter([](json &m) { m["dtype"] = "f16"; }),
            "m.so: manifest: dtype: expected \"f32\" or \"bf16\", got \"f16\"");
  EXPECT_EQ(errorAfter([](json &m) { m["vocab_size"] = 0; }),
            "m.so: manifest: vocab_size: expected an integer in [1, "
            "2147483647], got 0");
  EXPECT_EQ(errorAfter([](json &m) { m["vocab_size"] = 3000000000u; }),
            "m.so: manifest: vocab_size: expected an integer in [1, "
            "2147483647], got 3000000000");
  EXPECT_EQ(errorAfter([](json &m) { m["max_position_embeddings"] = 4.5; }),
            "m.so: manifest: max_position_embeddings: expected an integer in "
            "[1, 2147483647], got 4.5");
  EXPECT_EQ(errorAfter([](json &m) { m["multimodal"] = 0; }),
            "m.so: manifest: multimodal: expected true or false, got 0");
  EXPECT_EQ(errorAfter([](json &m) { m.erase("image_token_index"); }),
            "m.so: manifest: image_token_index: missing");
  EXPECT_EQ(errorAfter([](json &m) { m["config"] = "{}"; }),
            "m.so: manifest: config: expected an object, got string \"{}\"");
  EXPECT_EQ(errorAfter([](json &m) {
              m["config"]["eos_token_id"] = {1, -2};
            }),
            "m.so: manifest: config.eos_token_id: expected a token id, a list "
            "of token ids or null, got an array");
  EXPECT_EQ(errorAfter([](json &m) { m["weights"] = json::object(); }),
            "m.so: manifest: weights: expected an array, got an object");
}

TEST(ManifestTest, RejectsBadWeights) {
  EXPECT_EQ(errorAfter([](json &m) { m["weights"][1] = 3; }),
            "m.so: manifest: weights[1]: expected an object, got 3");
  EXPECT_EQ(errorAfter([](json &m) { m["weights"][0].erase("name"); }),
            "m.so: manifest: weights[0].name: missing");
  EXPECT_EQ(errorAfter([](json &m) { m["weights"][0]["name"] = ""; }),
            "m.so: manifest: weights[0].name: empty");
  EXPECT_EQ(errorAfter([](json &m) { m["weights"][1]["dtype"] = "i8"; }),
            "m.so: manifest: weights[1].dtype: expected \"f32\" or \"bf16\", "
            "got \"i8\"");
  EXPECT_EQ(errorAfter([](json &m) {
              m["weights"][1]["shape"] = {64, -1};
            }),
            "m.so: manifest: weights[1].shape: expected non-negative "
            "integers, got -1");
  EXPECT_EQ(errorAfter([](json &m) { m["weights"][0].erase("role"); }),
            "m.so: manifest: weights[0].role: missing");
  EXPECT_EQ(errorAfter([](json &m) { m["weights"][1]["role"] = "experts"; }),
            "m.so: manifest: weights[1].role: expected \"every_step\", "
            "\"routed_experts\", \"embedding\" or \"vision\", got "
            "\"experts\"");
  EXPECT_EQ(errorAfter([](json &m) {
              m["weights"][1]["name"] = "model.embed_tokens.weight";
            }),
            "m.so: manifest: weights[1].name: model.embed_tokens.weight "
            "appears twice");
}

TEST(ManifestTest, RejectsBadKvCacheEntries) {
  EXPECT_EQ(errorAfter([](json &m) { m["kv_cache"][0]["kind"] = "query"; }),
            "m.so: manifest: kv_cache[0].kind: expected \"key\", \"value\", "
            "\"key_scales\" or \"value_scales\", got \"query\"");
  EXPECT_EQ(errorAfter([](json &m) { m["kv_cache"][0]["dtype"] = "i8"; }),
            "m.so: manifest: kv_cache[0].dtype: expected \"f32\", \"bf16\" or "
            "\"f8_e4m3\", got \"i8\"");
  EXPECT_EQ(errorAfter([](json &m) { m["kv_cache"][1]["kv_heads"] = 0; }),
            "m.so: manifest: kv_cache[1].kv_heads: expected an integer in "
            "[1, 2147483647], got 0");
  EXPECT_EQ(errorAfter([](json &m) { m["kv_cache"][1]["window"] = -8; }),
            "m.so: manifest: kv_cache[1].window: expected an integer in [0, "
            "2147483647], got -8");
  // A cache is a chunked layer's window or a global layer's pages.
  EXPECT_EQ(errorAfter([](json &m) { m["kv_cache"][1]["window"] = 8; }),
            "m.so: manifest: kv_cache[1]: expected one of window and "
            "page_size to be 0, got 8 and 256");
  EXPECT_EQ(errorAfter([](json &m) { m["kv_cache"][0]["window"] = 0; }),
            "m.so: manifest: kv_cache[0]: expected one of window and "
            "page_size to be 0, got 0 and 0");
  EXPECT_EQ(errorAfter([](json &m) { m["kv_cache"][0].erase("head_dim"); }),
            "m.so: manifest: kv_cache[0].head_dim: missing");
  EXPECT_EQ(errorAfter([](json &m) { m["kv_cache"][0]["layer"] = nullptr; }),
            "m.so: manifest: kv_cache[0].layer: expected an integer in [0, "
            "9223372036854775807], got null");
}

} // namespace
