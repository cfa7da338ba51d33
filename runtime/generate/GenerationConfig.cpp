//===- GenerationConfig.cpp - A checkpoint's generation defaults ---------===//

#include "runtime/generate/GenerationConfig.h"

#include "runtime/safetensors/StrictJson.h"
#include "runtime/support/InputFile.h"

namespace llama4c::runtime {

Expected<GenerationConfig> readGenerationConfig(const std::string &dir) {
  GenerationConfig config;
  config.sampling.temperature = 0;
  std::string path = dir + "/generation_config.json";
  if (!pathExists(path))
    return config;
  constexpr uint64_t kMaxBytes = uint64_t(1) << 20;
  Expected<Json> parsed = readJsonObjectFile(path, kMaxBytes);
  if (!parsed)
    return parsed.error();
  const Json &root = *parsed;

  auto bad = [&](const char *field, const char *expected, const Json &got) {
    return Error(path + ": " + field + ": expected " + expected + ", got " +
                 describeJson(got));
  };
  // A field that is absent or null keeps transformers' default.
  auto field = [&](const char *name) -> const Json * {
    auto it = root.find(name);
    return it == root.end() || it->is_null() ? nullptr : &*it;
  };

  bool doSample = false;
  if (const Json *value = field("do_sample")) {
    if (!value->is_boolean())
      return bad("do_sample", "true or false", *value);
    doSample = value->get<bool>();
  }
  if (doSample) {
    config.sampling.temperature = 1.0;
    config.sampling.topK = 50;
    if (const Json *value = field("temperature")) {
      if (!value->is_number())
        return bad("temperature", "a number", *value);
      config.sampling.temperature = value->get<double>();
    }
    if (const Json *value = field("top_k")) {
      std::optional<uint64_t> topK = jsonUnsigned(*value);
      if (!topK)
        return bad("top_k", "a non-negative integer", *value);
      config.sampling.topK = int64_t(*topK);
    }
    if (const Json *value = field("top_p")) {
      if (!value->is_number())
        return bad("top_p", "a number", *value);
      config.sampling.topP = value->get<double>();
    }
    if (Expected<void> valid = validateSamplerOptions(config.sampling); !valid)
      return Error(path + ": " + valid.error().message());
  }

  if (const Json *value = field("eos_token_id")) {
    std::vector<Json> ids = value->is_array() ? value->get<std::vector<Json>>()
                                              : std::vector{*value};
    for (const Json &id : ids) {
      std::optional<uint64_t> token = jsonUnsigned(id);
      if (!token || *token > uint64_t(INT64_MAX))
        return bad("eos_token_id", "a token id or a list of them", *value);
      config.eosTokenIds.push_back(int64_t(*token));
    }
  }
  if (const Json *value = field("max_new_tokens")) {
    std::optional<uint64_t> count = jsonUnsigned(*value);
    if (!count || *count > uint64_t(INT64_MAX))
      return bad("max_new_tokens", "a non-negative integer", *value);
    config.maxNewTokens = int64_t(*count);
  }
  return config;
}

} // namespace llama4c::runtime
