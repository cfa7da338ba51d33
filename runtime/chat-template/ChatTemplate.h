//===- ChatTemplate.h - A checkpoint's prompt format ------------*- C++ -*-===//
//
// Messages in, prompt text out, the way transformers' apply_chat_template
// makes it: the checkpoint's own Jinja template (Jinja.h), rendered with
// messages, tools, documents, add_generation_prompt, the tokenizer's named
// special tokens (bos_token, eos_token, ...) and transformers' helpers
// raise_exception() and strftime_now(). The text is then tokenised without
// adding special tokens, since the template writes them itself.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_RUNTIME_CHAT_TEMPLATE_CHATTEMPLATE_H
#define LLAMA4C_RUNTIME_CHAT_TEMPLATE_CHATTEMPLATE_H

#include "llama4c/Status.h"
#include "runtime/chat-template/Jinja.h"

#include <nlohmann/json.hpp>

#include <string>

namespace llama4c::runtime {

class ChatTemplate {
public:
  /// The template of the checkpoint in `dir`: chat_template.jinja, else
  /// tokenizer_config.json's "chat_template" (a string, or a list of
  /// {"name", "template"} of which "default" is used). Special tokens come
  /// from tokenizer_config.json when there is one. Errors name the file
  /// and field, or the template line: "DIR/chat_template.jinja:12: ...".
  static Expected<ChatTemplate> open(const std::string &dir);

  /// A template given as text with the special tokens of a
  /// tokenizer_config.json object; `name` is used in error messages.
  static Expected<ChatTemplate> fromSource(const std::string &source,
                                           const std::string &name,
                                           const nlohmann::json &specialTokens);

  /// The prompt for `messages` (a JSON array of message objects, as
  /// apply_chat_template takes them). `options` is a JSON object whose
  /// entries become template variables too (tools, documents, or
  /// template-specific switches); tools and documents default to none.
  /// Fails on messages that are not an array of objects, and on template
  /// errors, raise_exception() included.
  Expected<std::string>
  render(const nlohmann::ordered_json &messages, bool addGenerationPrompt,
         const nlohmann::ordered_json &options = nullptr) const;

private:
  static Expected<ChatTemplate> compile(const std::string &source,
                                        const std::string &name,
                                        jinja::Value::Dict specialTokens);

  ChatTemplate(jinja::Template compiled, std::string name,
               jinja::Value::Dict specialTokens)
      : compiled(std::move(compiled)), name(std::move(name)),
        specialTokens(std::move(specialTokens)) {}

  jinja::Template compiled;
  std::string name;
  jinja::Value::Dict specialTokens;
};

} // namespace llama4c::runtime

#endif // LLAMA4C_RUNTIME_CHAT_TEMPLATE_CHATTEMPLATE_H
