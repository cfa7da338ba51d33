//===- JinjaLexer.cpp - Chat template text into tokens -------------------===//
//
// One pass over the source. Outside tags, text runs up to the next "{{",
// "{%" or "{#". Inside a tag, expression tokens are read until the closing
// delimiter appears outside brackets (so a dict literal's "}}" does not end
// a tag), as Jinja's lexer does.
//
//===----------------------------------------------------------------------===//

#include "runtime/chat-template/JinjaLexer.h"

#include "runtime/support/Utf8.h"

#include <cstdint>
#include <cstring>

namespace llama4c::runtime::jinja {

namespace {

bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
         c == '\v';
}
bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isNameStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

class Lexer {
public:
  explicit Lexer(std::string_view source) : src(source) {}

  Expected<std::vector<Token>> run() {
    // Whether the text that follows starts a line, for lstrip_blocks.
    bool lineStarting = true;
    while (pos < src.size()) {
      size_t tag = findTag(pos);
      std::string text(src.substr(pos, tag - pos));
      if (tag == src.size()) {
        emitText(text);
        break;
      }
      char type = src[tag + 1];
      char marker = tag + 2 < src.size() ? src[tag + 2] : '\0';
      if (marker == '-') {
        while (!text.empty() && isSpace(text.back()))
          text.pop_back();
      } else if (marker != '+' && type != '{') {
        size_t lineStart = text.rfind('\n');
        lineStart = lineStart == std::string::npos ? 0 : lineStart + 1;
        if ((lineStart > 0 || lineStarting) &&
            text.find_first_not_of(" \t", lineStart) == std::string::npos)
          text.resize(lineStart);
      }
      emitText(text);
      countLines(pos, tag);
      pos = tag + 2 + (marker == '-' || marker == '+');

      size_t tagEnd;
      if (type == '#') {
        size_t close = src.find("#}", pos);
        if (close == std::string_view::npos)
          return fail("unclosed comment");
        tagEnd = finishTag(close + 2, close > pos ? src[close - 1] : '\0',
                           /*trimNewline=*/true);
      } else {
        bool block = type == '%';
        tokens.push_back(
            {block ? Token::Kind::BlockBegin : Token::Kind::VariableBegin, "",
             line});
        Expected<size_t> end = lexExpression(block);
        if (!end)
          return end.error();
        tagEnd = *end;
      }
      lineStarting = tagEnd > 0 && src[tagEnd - 1] == '\n';
      countLines(pos, tagEnd);
      pos = tagEnd;
    }
    tokens.push_back({Token::Kind::End, "", line});
    return std::move(tokens);
  }

private:
  /// The offset of the next "{{", "{%" or "{#" at or after `from`, or the
  /// end of the source.
  size_t findTag(size_t from) const {
    for (size_t i = src.find('{', from); i != std::string_view::npos;
         i = src.find('{', i + 1))
      if (i + 1 < src.size() &&
          (src[i + 1] == '{' || src[i + 1] == '%' || src[i + 1] == '#'))
        return i;
    return src.size();
  }

  /// Where the text after a closing delimiter that ends at `after` begins:
  /// past all whitespace for a "-" marker, past one newline for
  /// trim_blocks unless the marker is "+".
  size_t finishTag(size_t after, char marker, bool trimNewline) {
    if (marker == '-') {
      while (after < src.size() && isSpace(src[after]))
        ++after;
    } else if (marker != '+' && trimNewline && after < src.size() &&
               src[after] == '\n') {
      ++after;
    }
    return after;
  }

  /// Reads the tokens of a tag up to its closing delimiter; returns the
  /// offset after it (and after any whitespace it trims).
  Expected<size_t> lexExpression(bool block) {
    const char *close = block ? "%}" : "}}";
    std::string closers; // of the open ( [ {, innermost last
    while (true) {
      while (pos < src.size() && isSpace(src[pos])) {
        line += src[pos] == '\n';
        ++pos;
      }
      if (pos >= src.size())
        return fail(block ? "unclosed block tag" : "unclosed variable tag");
      if (closers.empty()) {
        for (size_t marker : {1, 0}) {
          if (src.compare(pos + marker, 2, close) != 0 ||
              (marker && src[pos] != '-' && src[pos] != '+'))
            continue;
          tokens.push_back(
              {block ? Token::Kind::BlockEnd : Token::Kind::VariableEnd, "",
               line});
          pos += marker;
          return finishTag(pos + 2, marker ? src[pos - 1] : '\0',
                           /*trimNewline=*/block);
        }
      }
      char c = src[pos];
      if (isNameStart(c)) {
        size_t start = pos;
        while (pos < src.size() && (isNameStart(src[pos]) || isDigit(src[pos])))
          ++pos;
        push(Token::Kind::Name, std::string(src.substr(start, pos - start)));
      } else if (isDigit(c)) {
        lexNumber();
      } else if (c == '\'' || c == '"') {
        if (Expected<void> done = lexString(); !done)
          return done.error();
      } else if (Expected<void> done = lexOperator(closers); !done) {
        return done.error();
      }
    }
  }

  void lexNumber() {
    size_t start = pos;
    bool isFloat = false;
    while (pos < src.size() && (isDigit(src[pos]) || src[pos] == '_'))
      ++pos;
    if (pos + 1 < src.size() && src[pos] == '.' && isDigit(src[pos + 1])) {
      isFloat = true;
      for (++pos; pos < src.size() && (isDigit(src[pos]) || src[pos] == '_');)
        ++pos;
    }
    if (pos < src.size() && (src[pos] == 'e' || src[pos] == 'E')) {
      size_t exponent = pos + 1;
      if (exponent < src.size() &&
          (src[exponent] == '+' || src[exponent] == '-'))
        ++exponent;
      if (exponent < src.size() && isDigit(src[exponent])) {
        isFloat = true;
        for (pos = exponent; pos < src.size() && isDigit(src[pos]);)
          ++pos;
      }
    }
    std::string text;
    for (char c : src.substr(start, pos - start))
      if (c != '_')
        text += c;
    push(isFloat ? Token::Kind::Float : Token::Kind::Integer, text);
  }

  /// A quoted string with Python's backslash escapes resolved.
  Expected<void> lexString() {
    char quote = src[pos++];
    std::string value;
    while (true) {
      if (pos >= src.size())
        return fail("unclosed string literal");
      char c = src[pos++];
      if (c == quote)
        break;
      if (c == '\n')
        ++line;
      if (c != '\\' || pos >= src.size()) {
        value += c;
        continue;
      }
      char escape = src[pos++];
      static const char kSimple[] = "n\nt\tr\r\\\\''\"\"a\ab\bf\fv\v0\0";
      const char *simple = std::strchr(kSimple, escape);
      if (escape != '\0' && simple && (simple - kSimple) % 2 == 0) {
        value += simple[1];
      } else if (escape == '\n') {
        ++line; // a continued line
      } else if (escape == 'x' || escape == 'u' || escape == 'U') {
        size_t digits = escape == 'x' ? 2 : escape == 'u' ? 4 : 8;
        uint32_t code = 0;
        for (size_t i = 0; i < digits; ++i, ++pos) {
          char h = pos < src.size() ? src[pos] : '\0';
          int v = isDigit(h)               ? h - '0'
                  : (h >= 'a' && h <= 'f') ? h - 'a' + 10
                  : (h >= 'A' && h <= 'F') ? h - 'A' + 10
                                           : -1;
          if (v < 0)
            return fail(std::string("truncated \\") + escape +
                        " escape in a string literal");
          code = code * 16 + uint32_t(v);
        }
        if (code > 0x10FFFF || (code >= 0xD800 && code < 0xE000))
          return fail("escape for an invalid code point in a string literal");
        appendUtf8(value, code);
      } else {
        value += '\\'; // Python keeps unknown escapes as written
        value += escape;
      }
    }
    push(Token::Kind::String, std::move(value));
    return {};
  }

  Expected<void> lexOperator(std::string &closers) {
    static const char *const kTwo[] = {"//", "**", "==", "!=", "<=", ">="};
    for (const char *op : kTwo)
      if (src.compare(pos, 2, op) == 0) {
        pos += 2;
        push(Token::Kind::Operator, op);
        return {};
      }
    char c = src[pos];
    if (!std::strchr("+-*/%~<>=.,:|()[]{}", c))
      return fail(std::string("unexpected character '") + c + "' in a tag");
    if (c == '(' || c == '[' || c == '{') {
      closers += c == '(' ? ')' : c == '[' ? ']' : '}';
    } else if (c == ')' || c == ']' || c == '}') {
      if (closers.empty() || closers.back() != c)
        return fail(std::string("unexpected '") + c + "'" +
                    (closers.empty() ? std::string()
                                     : std::string(" (expected '") +
                                           closers.back() + "')"));
      closers.pop_back();
    }
    ++pos;
    push(Token::Kind::Operator, std::string(1, c));
    return {};
  }

  void push(Token::Kind kind, std::string text) {
    tokens.push_back({kind, std::move(text), line});
  }

  void emitText(std::string &text) {
    if (!text.empty())
      tokens.push_back({Token::Kind::Text, std::move(text), line});
  }

  void countLines(size_t from, size_t to) {
    for (size_t i = from; i < to && i < src.size(); ++i)
      line += src[i] == '\n';
  }

  Error fail(const std::string &message) const {
    return Error(std::to_string(line) + ": " + message);
  }

  std::string_view src;
  size_t pos = 0;
  int line = 1;
  std::vector<Token> tokens;
};

} // namespace

Expected<std::vector<Token>> lexTemplate(std::string_view source) {
  return Lexer(source).run();
}

} // namespace llama4c::runtime::jinja
