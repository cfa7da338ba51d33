//===- Jinja.h - The Jinja subset chat templates are written in -*- C++ -*-===//
//
// Hugging Face checkpoints describe their prompt format as a Jinja template
// (tokenizer_config.json's chat_template, or chat_template.jinja), and
// transformers renders it with jinja2. Template runs such templates here,
// with transformers' settings (trim_blocks, lstrip_blocks, loop controls,
// no autoescape) and Python's value semantics (JinjaValue.h).
//
// Supported: {{ }}, {% if/elif/else %}, {% for %} with unpacking, an `if`
// filter, `else`, `loop.*`, break and continue; {% set %} (names,
// namespace attributes, blocks); {% generation %}; the operators, literals,
// filters, tests, and str/dict methods templates use in practice, plus
// range(), namespace() and dict(). Anything else is a parse error naming the
// line, not a silent difference.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_RUNTIME_CHAT_TEMPLATE_JINJA_H
#define LLAMA4C_RUNTIME_CHAT_TEMPLATE_JINJA_H

#include "runtime/chat-template/JinjaValue.h"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace llama4c::runtime::jinja {

struct Node;

class Template {
public:
  /// Parses `source`. Errors read "LINE: message".
  static Expected<Template> parse(std::string_view source);

  /// Renders with `globals` as the top-level names (range, namespace and
  /// dict are always there). Errors read "LINE: message"; output over 64 MiB
  /// and more than a million loop iterations are errors too, so that a
  /// hostile template cannot run away.
  Expected<std::string> render(const Value::Dict &globals) const;

private:
  explicit Template(std::shared_ptr<const std::vector<Node>> body)
      : body(std::move(body)) {}

  std::shared_ptr<const std::vector<Node>> body;
};

} // namespace llama4c::runtime::jinja

#endif // LLAMA4C_RUNTIME_CHAT_TEMPLATE_JINJA_H
