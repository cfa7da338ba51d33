//===- JinjaLexer.h - Chat template text into tokens ------------*- C++ -*-===//
//
// Splits a template into text and the tokens of its `{{ ... }}` and
// `{% ... %}` tags, dropping `{# ... #}` comments, with the whitespace
// control transformers compiles chat templates with: trim_blocks (a block
// or comment tag eats the newline right after it), lstrip_blocks (spaces
// and tabs before a block or comment tag on its own line are dropped), and
// the `-` and `+` markers inside a tag's delimiters.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_RUNTIME_CHAT_TEMPLATE_JINJALEXER_H
#define LLAMA4C_RUNTIME_CHAT_TEMPLATE_JINJALEXER_H

#include "llama4c/Status.h"

#include <string>
#include <string_view>
#include <vector>

namespace llama4c::runtime::jinja {

struct Token {
  enum class Kind {
    Text,          // literal output
    VariableBegin, // {{
    VariableEnd,   // }}
    BlockBegin,    // {%
    BlockEnd,      // %}
    Name,          // identifiers and keywords: if, for, not, true ...
    String,        // text holds the value, escapes resolved
    Integer,
    Float,
    Operator, // + - * / // % ** ~ == != < <= > >= = . , : | ( ) [ ] { }
    End,
  };
  Kind kind;
  std::string text;
  int line;
};

/// The tokens of `source`, ending with an End token. Fails with
/// "LINE: message" on an unclosed tag, comment or string, or a character
/// that starts no token.
Expected<std::vector<Token>> lexTemplate(std::string_view source);

} // namespace llama4c::runtime::jinja

#endif // LLAMA4C_RUNTIME_CHAT_TEMPLATE_JINJALEXER_H
