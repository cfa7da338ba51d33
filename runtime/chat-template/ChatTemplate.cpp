//===- ChatTemplate.cpp - A checkpoint's prompt format -------------------===//

#include "runtime/chat-template/ChatTemplate.h"

#include "runtime/safetensors/StrictJson.h"
#include "runtime/support/InputFile.h"
#include "runtime/support/Utf8.h"

#include <ctime>

namespace llama4c::runtime {

using jinja::Value;

namespace {

/// Templates are kilobytes; configs that are not are not ours to read.
constexpr uint64_t kMaxConfigBytes = uint64_t(64) << 20;

/// transformers' strftime_now(format): the local time, formatted.
Expected<Value> strftimeNow(const jinja::Arguments &arguments) {
  if (arguments.positional.size() != 1 ||
      !arguments.positional[0].is(Value::Kind::String))
    return Error("strftime_now(): expected one format string");
  std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char buffer[256];
  size_t length =
      std::strftime(buffer, sizeof buffer,
                    arguments.positional[0].asString().c_str(), &local);
  return Value::string(std::string(buffer, length));
}

/// transformers' raise_exception(message): the template refuses the input.
Expected<Value> raiseException(const jinja::Arguments &arguments) {
  std::string message = arguments.positional.empty()
                            ? std::string("(no message)")
                            : arguments.positional[0].str();
  return Error("the template raised an error: " + message);
}

/// The named special tokens of tokenizer_config.json, as strings; a token
/// may be written as {"content": "..."} (an AddedToken).
Expected<Value::Dict> readSpecialTokens(const nlohmann::json &config,
                                        const std::string &file) {
  static const char *const kNames[] = {"bos_token", "eos_token", "unk_token",
                                       "sep_token", "pad_token", "cls_token",
                                       "mask_token"};
  Value::Dict tokens;
  for (const char *name : kNames) {
    auto entry = config.find(name);
    if (entry == config.end() || entry->is_null())
      continue;
    const nlohmann::json *content = &*entry;
    if (entry->is_object()) {
      auto inner = entry->find("content");
      content = inner == entry->end() ? nullptr : &*inner;
    }
    if (!content || !content->is_string())
      return Error(file + ": " + name +
                   ": expected a string or {\"content\": string}, got " +
                   describeJson(*entry));
    tokens.emplace_back(name, Value::string(content->get<std::string>()));
  }
  return tokens;
}

/// tokenizer_config.json's chat_template: a string, or named templates of
/// which "default" is the one apply_chat_template uses.
Expected<std::string> templateFromConfig(const nlohmann::json &config,
                                         const std::string &file) {
  auto entry = config.find("chat_template");
  if (entry == config.end() || entry->is_null())
    return Error(file + ": chat_template: missing, and there is no "
                        "chat_template.jinja beside it");
  if (entry->is_string())
    return entry->get<std::string>();
  if (entry->is_array())
    for (const nlohmann::json &named : *entry)
      if (named.is_object() && named.value("name", "") == "default" &&
          named.contains("template") && named["template"].is_string())
        return named["template"].get<std::string>();
  return Error(file +
               ": chat_template: expected a string or a list of "
               "{\"name\", \"template\"} with a \"default\", got " +
               describeJson(*entry));
}

} // namespace

Expected<ChatTemplate> ChatTemplate::open(const std::string &dir) {
  std::string configPath = dir + "/tokenizer_config.json";
  std::string jinjaPath = dir + "/chat_template.jinja";
  nlohmann::json config = nlohmann::json::object();
  if (pathExists(configPath)) {
    Expected<nlohmann::json> parsed =
        readJsonObjectFile(configPath, kMaxConfigBytes);
    if (!parsed)
      return parsed.error();
    config = std::move(*parsed);
  }

  Expected<Value::Dict> tokens = readSpecialTokens(config, configPath);
  if (!tokens)
    return tokens.error();

  if (pathExists(jinjaPath)) {
    Expected<std::string> source = readInputFile(jinjaPath, kMaxConfigBytes);
    if (!source)
      return source.error();
    return compile(*source, jinjaPath, std::move(*tokens));
  }
  if (!pathExists(configPath))
    return Error(dir + ": no chat template: neither chat_template.jinja nor "
                       "tokenizer_config.json is there");
  Expected<std::string> source = templateFromConfig(config, configPath);
  if (!source)
    return source.error();
  return compile(*source, configPath + ": chat_template", std::move(*tokens));
}

Expected<ChatTemplate>
ChatTemplate::fromSource(const std::string &source, const std::string &name,
                         const nlohmann::json &specialTokens) {
  Expected<Value::Dict> tokens = readSpecialTokens(specialTokens, name);
  if (!tokens)
    return tokens.error();
  return compile(source, name, std::move(*tokens));
}

Expected<ChatTemplate> ChatTemplate::compile(const std::string &source,
                                             const std::string &name,
                                             Value::Dict specialTokens) {
  if (size_t bad = firstInvalidUtf8(source); bad != std::string::npos)
    return Error(name + ": not valid UTF-8 at byte " + std::to_string(bad));
  Expected<jinja::Template> compiled = jinja::Template::parse(source);
  if (!compiled)
    return Error(name + ":" + compiled.error().message());
  return ChatTemplate(std::move(*compiled), name, std::move(specialTokens));
}

Expected<std::string>
ChatTemplate::render(const nlohmann::ordered_json &messages,
                     bool addGenerationPrompt,
                     const nlohmann::ordered_json &options) const {
  if (!messages.is_array())
    return Error("messages: expected an array, got " + describeJson(messages));
  for (size_t i = 0; i < messages.size(); ++i)
    if (!messages[i].is_object())
      return Error("messages[" + std::to_string(i) +
                   "]: expected an object, got " + describeJson(messages[i]));
  if (!options.is_null() && !options.is_object())
    return Error("template options: expected an object, got " +
                 describeJson(options));

  // As transformers' render: special tokens, then the call's keywords.
  Value::Dict globals = specialTokens;
  globals.emplace_back("raise_exception", Value::function(raiseException));
  globals.emplace_back("strftime_now", Value::function(strftimeNow));
  globals.emplace_back("messages", Value::fromJson(messages));
  globals.emplace_back("tools", Value::none());
  globals.emplace_back("documents", Value::none());
  globals.emplace_back("add_generation_prompt",
                       Value::boolean(addGenerationPrompt));
  if (options.is_object())
    for (auto it = options.begin(); it != options.end(); ++it)
      globals.emplace_back(it.key(), Value::fromJson(it.value()));

  Expected<std::string> text = compiled.render(globals);
  if (!text)
    return Error(name + ":" + text.error().message());
  return text;
}

} // namespace llama4c::runtime
