//===- JinjaBuiltins.cpp - Filters, tests, methods and globals -----------===//

#include "runtime/chat-template/JinjaBuiltins.h"

#include "runtime/support/Utf8.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace llama4c::runtime::jinja {

using Kind = Value::Kind;

std::vector<std::string> codePoints(const std::string &text) {
  std::vector<std::string> out;
  for (size_t i = 0; i < text.size();) {
    size_t length = std::min(utf8Length(static_cast<unsigned char>(text[i])),
                             text.size() - i);
    out.push_back(text.substr(i, length));
    i += length;
  }
  return out;
}

namespace {

// --- Arguments ------------------------------------------------------------

/// Reads a call's arguments by position or keyword, Python-style, and
/// reports leftovers.
class Signature {
public:
  Signature(const char *what, const Arguments &arguments)
      : what(what), arguments(arguments) {}

  /// Argument `position` (0-based, after the input) or keyword `name`.
  const Value *get(size_t position, const char *name) {
    ++declared;
    if (position < arguments.positional.size())
      return &arguments.positional[position];
    for (const auto &[key, value] : arguments.keyword)
      if (key == name)
        return &value;
    return nullptr;
  }
  Value get(size_t position, const char *name, Value fallback) {
    const Value *value = get(position, name);
    return value ? *value : fallback;
  }

  /// Fails when more positional arguments were passed than declared, or a
  /// keyword matched none.
  Expected<void> check(const std::vector<const char *> &keywords) const {
    if (arguments.positional.size() > declared)
      return Error(std::string(what) + ": takes at most " +
                   std::to_string(declared) + " argument" +
                   (declared == 1 ? "" : "s") + ", got " +
                   std::to_string(arguments.positional.size()));
    for (const auto &keyword : arguments.keyword)
      if (std::find_if(keywords.begin(), keywords.end(), [&](const char *k) {
            return keyword.first == k;
          }) == keywords.end())
        return Error(std::string(what) + ": unexpected keyword argument '" +
                     keyword.first + "'");
    return {};
  }

private:
  const char *what;
  const Arguments &arguments;
  size_t declared = 0;
};

Error typeError(const std::string &what, const char *expected,
                const Value &got) {
  return Error(what + ": expected " + expected + ", got " + got.typeName());
}

// --- Strings --------------------------------------------------------------

/// Python's str.isspace() for one character.
bool isPythonSpace(const std::string &c) {
  static const char *const kSpaces[] = {
      " ",      "\t",     "\n",     "\v",     "\f",     "\r",
      "\x1c",   "\x1d",   "\x1e",   "\x1f",   "\u0085", "\u00a0",
      "\u1680", "\u2000", "\u2001", "\u2002", "\u2003", "\u2004",
      "\u2005", "\u2006", "\u2007", "\u2008", "\u2009", "\u200a",
      "\u2028", "\u2029", "\u202f", "\u205f", "\u3000"};
  for (const char *space : kSpaces)
    if (c == space)
      return true;
  return false;
}

/// str.strip / lstrip / rstrip: `chars` none for whitespace.
std::string strip(const std::string &text, const Value &chars, bool left,
                  bool right) {
  std::vector<std::string> characters = codePoints(text);
  std::vector<std::string> set;
  if (chars.is(Kind::String))
    set = codePoints(chars.asString());
  auto removable = [&](const std::string &c) {
    return chars.is(Kind::String)
               ? std::find(set.begin(), set.end(), c) != set.end()
               : isPythonSpace(c);
  };
  size_t begin = 0, end = characters.size();
  while (left && begin < end && removable(characters[begin]))
    ++begin;
  while (right && end > begin && removable(characters[end - 1]))
    --end;
  std::string out;
  for (size_t i = begin; i < end; ++i)
    out += characters[i];
  return out;
}

/// ASCII case mapping (non-ASCII letters are left alone).
std::string mapCase(std::string text, bool upper) {
  for (char &c : text)
    c = char(upper ? std::toupper(static_cast<unsigned char>(c))
                   : std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string capitalize(const std::string &text) {
  std::string out = mapCase(text, false);
  if (!out.empty())
    out[0] = char(std::toupper(static_cast<unsigned char>(out[0])));
  return out;
}

/// str.title(): a letter after a non-letter starts a word.
std::string title(std::string text) {
  bool previousLetter = false;
  for (char &c : text) {
    unsigned char u = static_cast<unsigned char>(c);
    bool letter = std::isalpha(u) || u >= 0x80;
    if (std::isalpha(u))
      c = char(previousLetter ? std::tolower(u) : std::toupper(u));
    previousLetter = letter;
  }
  return text;
}

Expected<std::string> replace(const std::string &text, const Value &from,
                              const Value &to, const Value &count) {
  if (!from.is(Kind::String) || !to.is(Kind::String))
    return Error("replace: expected two strings");
  int64_t limit = count.is(Kind::Int) ? count.asInt() : -1;
  const std::string &old = from.asString(), &replacement = to.asString();
  std::string out;
  size_t pos = 0;
  for (int64_t done = 0; limit < 0 || done < limit; ++done) {
    if (old.empty()) { // Python inserts between every character
      std::vector<std::string> characters = codePoints(text);
      out.clear();
      int64_t inserted = 0;
      for (size_t i = 0; i <= characters.size(); ++i) {
        if (limit < 0 || inserted < limit) {
          out += replacement;
          ++inserted;
        }
        if (out.size() > kMaxStringBytes)
          return Error("replace: the result exceeds " +
                       std::to_string(kMaxStringBytes >> 20) + " MiB");
        if (i < characters.size())
          out += characters[i];
      }
      return out;
    }
    size_t found = text.find(old, pos);
    if (found == std::string::npos)
      break;
    out += text.substr(pos, found - pos) + replacement;
    pos = found + old.size();
    if (out.size() > kMaxStringBytes)
      return Error("replace: the result exceeds " +
                   std::to_string(kMaxStringBytes >> 20) + " MiB");
  }
  return out + text.substr(pos);
}

Expected<Value> split(const std::string &text, const Value &separator,
                      const Value &maxSplit) {
  int64_t limit = maxSplit.is(Kind::Int) ? maxSplit.asInt() : -1;
  Value::List parts;
  if (separator.is(Kind::String)) {
    const std::string &sep = separator.asString();
    if (sep.empty())
      return Error("split: empty separator");
    size_t pos = 0;
    for (int64_t n = 0; limit < 0 || n < limit; ++n) {
      size_t found = text.find(sep, pos);
      if (found == std::string::npos)
        break;
      parts.push_back(Value::string(text.substr(pos, found - pos)));
      pos = found + sep.size();
    }
    parts.push_back(Value::string(text.substr(pos)));
    return Value::list(std::move(parts));
  }
  // Runs of whitespace; no empty strings.
  std::vector<std::string> characters = codePoints(text);
  size_t i = 0;
  while (true) {
    while (i < characters.size() && isPythonSpace(characters[i]))
      ++i;
    if (i == characters.size())
      break;
    std::string part;
    if (limit >= 0 && int64_t(parts.size()) == limit) {
      for (; i < characters.size(); ++i)
        part += characters[i];
      std::string trimmed = strip(part, Value::none(), false, true);
      parts.push_back(Value::string(trimmed));
      break;
    }
    for (; i < characters.size() && !isPythonSpace(characters[i]); ++i)
      part += characters[i];
    parts.push_back(Value::string(part));
  }
  return Value::list(std::move(parts));
}

/// str.startswith / endswith with a string or a tuple of strings.
Expected<Value> affix(const std::string &text, const Value &affixes,
                      bool prefix) {
  Value::List candidates =
      affixes.is(Kind::List) ? affixes.asList() : Value::List{affixes};
  for (const Value &candidate : candidates) {
    if (!candidate.is(Kind::String))
      return typeError(prefix ? "startswith" : "endswith", "a str", candidate);
    const std::string &a = candidate.asString();
    if (a.size() <= text.size() &&
        text.compare(prefix ? 0 : text.size() - a.size(), a.size(), a) == 0)
      return Value::boolean(true);
  }
  return Value::boolean(false);
}

// --- Collections ----------------------------------------------------------

/// The items a filter or loop walks: list items, dict keys, characters.
Expected<Value::List> iterate(const Value &value, const std::string &what) {
  switch (value.kind()) {
  case Kind::Undefined:
    return Value::List{};
  case Kind::List:
    return value.asList();
  case Kind::Dict: {
    Value::List keys;
    for (const auto &[key, item] : value.asDict())
      keys.push_back(Value::string(key));
    return keys;
  }
  case Kind::String: {
    Value::List characters;
    for (std::string &c : codePoints(value.asString()))
      characters.push_back(Value::string(std::move(c)));
    return characters;
  }
  default:
    return typeError(what, "an iterable", value);
  }
}

/// `item.attribute`, dotted paths included, as Jinja's attribute filters
/// read it.
Value attributeOf(const Value &item, const std::string &path) {
  Value current = item;
  size_t begin = 0;
  while (true) {
    size_t dot = path.find('.', begin);
    std::string part = path.substr(begin, dot - begin);
    const Value *next = current.find(part);
    if (!next)
      return Value();
    current = *next;
    if (dot == std::string::npos)
      return current;
    begin = dot + 1;
  }
}

/// `real` (finite) toward zero, as `int` makes it: an error where no
/// 64-bit integer holds it (Python's grow without bound).
Expected<Value> truncated(double real) {
  if (std::fabs(real) < 0x1p63)
    return Value::integer(int64_t(real));
  return Error("int: " + formatFloat(real) +
               " is outside the range of a 64-bit integer");
}

Expected<Value> integerOf(const Value &input, const Value &fallback) {
  if (input.is(Kind::Int) || input.is(Kind::Bool))
    return Value::integer(input.asInt());
  if (input.is(Kind::Float) && std::isfinite(input.asFloat()))
    return truncated(input.asFloat());
  if (input.is(Kind::String)) {
    std::string text = strip(input.asString(), Value::none(), true, true);
    // Parsed whole: a NUL inside the string ends what strtoll reads.
    const char *textEnd = text.c_str() + text.size();
    errno = 0;
    char *end = nullptr;
    long long parsed = std::strtoll(text.c_str(), &end, 10);
    if (!text.empty() && end == textEnd && errno == 0)
      return Value::integer(parsed);
    double real = std::strtod(text.c_str(), &end);
    if (!text.empty() && end == textEnd && std::isfinite(real))
      return truncated(real);
  }
  return fallback;
}

Expected<Value> floatOf(const Value &input, const Value &fallback) {
  if (input.isNumber())
    return Value::number(input.asFloat());
  if (input.is(Kind::String)) {
    std::string text = strip(input.asString(), Value::none(), true, true);
    char *end = nullptr;
    double parsed = std::strtod(text.c_str(), &end);
    if (!text.empty() && *end == '\0')
      return Value::number(parsed);
  }
  return fallback;
}

/// select / reject / selectattr / rejectattr.
Expected<Value> selectItems(const std::string &name, const Value &input,
                            const Arguments &arguments) {
  bool byAttribute = name == "selectattr" || name == "rejectattr";
  bool keep = name == "select" || name == "selectattr";
  size_t first = 0;
  std::string attribute;
  if (byAttribute) {
    if (arguments.positional.empty() ||
        !arguments.positional[0].is(Kind::String))
      return Error(name + ": expected an attribute name");
    attribute = arguments.positional[0].asString();
    first = 1;
  }
  std::string test;
  Arguments testArguments;
  if (arguments.positional.size() > first) {
    if (!arguments.positional[first].is(Kind::String))
      return Error(name + ": expected a test name");
    test = arguments.positional[first].asString();
    testArguments.positional.assign(arguments.positional.begin() +
                                        std::ptrdiff_t(first) + 1,
                                    arguments.positional.end());
  }
  Expected<Value::List> items = iterate(input, name);
  if (!items)
    return items.error();
  Value::List out;
  for (const Value &item : *items) {
    Value subject = byAttribute ? attributeOf(item, attribute) : item;
    bool pass = subject.truthy();
    if (!test.empty()) {
      Expected<bool> passed = applyTest(test, subject, testArguments);
      if (!passed)
        return passed.error();
      pass = *passed;
    }
    if (pass == keep)
      out.push_back(item);
  }
  return Value::list(std::move(out));
}

Expected<Value> mapItems(const Value &input, const Arguments &arguments) {
  Expected<Value::List> items = iterate(input, "map");
  if (!items)
    return items.error();
  Value::List out;
  for (const auto &[key, value] : arguments.keyword)
    if (key == "attribute") {
      if (!value.is(Kind::String))
        return Error("map: attribute must be a str");
      for (const Value &item : *items)
        out.push_back(attributeOf(item, value.asString()));
      return Value::list(std::move(out));
    }
  if (arguments.positional.empty() || !arguments.positional[0].is(Kind::String))
    return Error("map: expected a filter name or attribute=");
  Arguments rest;
  rest.positional.assign(arguments.positional.begin() + 1,
                         arguments.positional.end());
  rest.keyword = arguments.keyword;
  for (const Value &item : *items) {
    Expected<Value> mapped =
        applyFilter(arguments.positional[0].asString(), item, rest);
    if (!mapped)
      return mapped.error();
    out.push_back(*mapped);
  }
  return Value::list(std::move(out));
}

Expected<Value> lengthOf(const Value &input, const std::string &what) {
  switch (input.kind()) {
  case Kind::Undefined:
    return Value::integer(0);
  case Kind::String:
    return Value::integer(int64_t(codePoints(input.asString()).size()));
  case Kind::List:
    return Value::integer(int64_t(input.asList().size()));
  case Kind::Dict:
    return Value::integer(int64_t(input.asDict().size()));
  default:
    return typeError(what, "a str, list or dict", input);
  }
}

Expected<Value> edgeItem(const Value &input, bool first,
                         const std::string &what) {
  Expected<Value::List> items = iterate(input, what);
  if (!items)
    return items.error();
  if (items->empty())
    return Value();
  return first ? items->front() : items->back();
}

} // namespace

// --- Filters --------------------------------------------------------------

Expected<Value> applyFilter(const std::string &name, const Value &input,
                            const Arguments &arguments) {
  std::string what = "filter '" + name + "'";
  Signature signature(what.c_str(), arguments);
  auto done =
      [&](Expected<Value> result,
          const std::vector<const char *> &keywords = {}) -> Expected<Value> {
    if (Expected<void> checked = signature.check(keywords); !checked)
      return checked.error();
    return result;
  };

  if (name == "trim")
    return done(Value::string(strip(input.str(),
                                    signature.get(0, "chars", Value::none()),
                                    true, true)),
                {"chars"});
  if (name == "length" || name == "count")
    return done(lengthOf(input, what));
  if (name == "tojson") {
    // transformers' tojson: json.dumps(x, ensure_ascii=False, indent=None,
    // separators=None, sort_keys=False), in that order.
    JsonStyle style;
    style.ensureAscii =
        signature.get(0, "ensure_ascii", Value::boolean(false)).truthy();
    Value indent = signature.get(1, "indent", Value::none());
    Value separators = signature.get(2, "separators", Value::none());
    style.sortKeys =
        signature.get(3, "sort_keys", Value::boolean(false)).truthy();
    if (indent.is(Kind::Int) && indent.asInt() >= 0 && indent.asInt() <= 64)
      style.indent = int(indent.asInt());
    else if (!indent.is(Kind::None))
      return Error(what + ": indent must be none or an int from 0 to 64");
    if (separators.is(Kind::List) && separators.asList().size() == 2 &&
        separators.asList()[0].is(Kind::String) &&
        separators.asList()[1].is(Kind::String)) {
      style.itemSeparator = separators.asList()[0].asString();
      style.keySeparator = separators.asList()[1].asString();
    } else if (!separators.is(Kind::None)) {
      return Error(what + ": separators must be none or two strings");
    }
    Expected<std::string> json = toJson(input, style);
    if (!json)
      return json.error();
    return done(Value::string(*json),
                {"ensure_ascii", "indent", "separators", "sort_keys"});
  }
  if (name == "upper" || name == "lower")
    return done(Value::string(mapCase(input.str(), name == "upper")));
  if (name == "capitalize")
    return done(Value::string(capitalize(input.str())));
  if (name == "title")
    return done(Value::string(title(input.str())));
  if (name == "replace") {
    Value from = signature.get(0, "old", Value());
    Value to = signature.get(1, "new", Value());
    Expected<std::string> out =
        replace(input.str(), from, to, signature.get(2, "count", Value()));
    if (!out)
      return Error(what + ": " + out.error().message());
    return done(Value::string(*out), {"old", "new", "count"});
  }
  if (name == "join") {
    Value separator = signature.get(0, "d", Value::string(""));
    Value attribute = signature.get(1, "attribute", Value::none());
    Expected<Value::List> items = iterate(input, what);
    if (!items)
      return items.error();
    std::string out;
    for (size_t i = 0; i < items->size(); ++i) {
      const Value &item = (*items)[i];
      out += (i ? separator.str() : "") +
             (attribute.is(Kind::String)
                  ? attributeOf(item, attribute.asString()).str()
                  : item.str());
      if (out.size() > kMaxStringBytes)
        return Error(what + ": the result exceeds " +
                     std::to_string(kMaxStringBytes >> 20) + " MiB");
    }
    return done(Value::string(out), {"d", "attribute"});
  }
  if (name == "default" || name == "d") {
    Value fallback = signature.get(0, "default_value", Value::string(""));
    bool boolean = signature.get(1, "boolean", Value::boolean(false)).truthy();
    bool useFallback =
        input.is(Kind::Undefined) || (boolean && !input.truthy());
    return done(useFallback ? fallback : input, {"default_value", "boolean"});
  }
  if (name == "first" || name == "last")
    return done(edgeItem(input, name == "first", what));
  if (name == "list") {
    Expected<Value::List> items = iterate(input, what);
    if (!items)
      return items.error();
    return done(Value::list(std::move(*items)));
  }
  if (name == "string" || name == "safe")
    return done(input.is(Kind::String) ? input : Value::string(input.str()));
  if (name == "int")
    return done(
        integerOf(input, signature.get(0, "default", Value::integer(0))),
        {"default"});
  if (name == "float")
    return done(floatOf(input, signature.get(0, "default", Value::number(0))),
                {"default"});
  if (name == "abs") {
    if (input.is(Kind::Float))
      return done(Value::number(std::fabs(input.asFloat())));
    if (input.is(Kind::Int) || input.is(Kind::Bool)) {
      int64_t value = input.asInt();
      if (value == INT64_MIN)
        return Error(what + ": integer overflow");
      return done(Value::integer(value < 0 ? -value : value));
    }
    return typeError(what, "a number", input);
  }
  if (name == "items") {
    if (input.is(Kind::Undefined))
      return done(Value::list({}));
    if (!input.is(Kind::Dict))
      return typeError(what, "a dict", input);
    Value::List pairs;
    for (const auto &[key, value] : input.asDict())
      pairs.push_back(Value::list({Value::string(key), value}));
    return done(Value::list(std::move(pairs)));
  }
  if (name == "reverse") {
    if (input.is(Kind::String)) {
      std::vector<std::string> characters = codePoints(input.asString());
      std::string out;
      for (auto it = characters.rbegin(); it != characters.rend(); ++it)
        out += *it;
      return done(Value::string(out));
    }
    Expected<Value::List> items = iterate(input, what);
    if (!items)
      return items.error();
    std::reverse(items->begin(), items->end());
    return done(Value::list(std::move(*items)));
  }
  if (name == "select" || name == "reject" || name == "selectattr" ||
      name == "rejectattr")
    return selectItems(name, input, arguments);
  if (name == "map")
    return mapItems(input, arguments);
  return Error("unknown filter '" + name + "'");
}

// --- Tests ----------------------------------------------------------------

Expected<bool> applyTest(const std::string &name, const Value &input,
                         const Arguments &arguments) {
  std::string what = "test '" + name + "'";
  Signature signature(what.c_str(), arguments);
  auto result = [&](bool value) -> Expected<bool> {
    if (Expected<void> checked = signature.check({}); !checked)
      return checked.error();
    return value;
  };
  Kind kind = input.kind();
  if (name == "defined")
    return result(kind != Kind::Undefined);
  if (name == "undefined")
    return result(kind == Kind::Undefined);
  if (name == "none")
    return result(kind == Kind::None);
  if (name == "boolean")
    return result(kind == Kind::Bool);
  if (name == "true" || name == "false")
    return result(kind == Kind::Bool && input.asBool() == (name == "true"));
  if (name == "integer")
    return result(kind == Kind::Int);
  if (name == "float")
    return result(kind == Kind::Float);
  if (name == "number")
    return result(input.isNumber());
  if (name == "string")
    return result(kind == Kind::String);
  if (name == "mapping")
    return result(kind == Kind::Dict);
  // Jinja's Undefined iterates as empty, and Python iterates a str.
  if (name == "iterable")
    return result(kind == Kind::List || kind == Kind::Dict ||
                  kind == Kind::String || kind == Kind::Undefined);
  if (name == "sequence")
    return result(kind == Kind::List || kind == Kind::Dict ||
                  kind == Kind::String);
  if (name == "callable")
    return result(kind == Kind::Function);
  if (name == "odd" || name == "even" || name == "divisibleby") {
    if (kind != Kind::Int && kind != Kind::Bool)
      return typeError(what, "an int", input);
    int64_t divisor = 2;
    if (name == "divisibleby") {
      const Value *d = signature.get(0, "num");
      if (!d || !d->is(Kind::Int) || d->asInt() == 0)
        return Error(what + ": expected a non-zero int divisor");
      divisor = d->asInt();
    }
    bool divisible = input.asInt() % divisor == 0;
    return result(name == "odd" ? !divisible : divisible);
  }
  if (name == "eq" || name == "equalto" || name == "==" || name == "ne" ||
      name == "!=" || name == "sameas") {
    const Value *other = signature.get(0, "other");
    if (!other)
      return Error(what + ": expected a value to compare with");
    bool equal = *other == input;
    return result(name == "ne" || name == "!=" ? !equal : equal);
  }
  if (name == "in") {
    const Value *container = signature.get(0, "seq");
    if (!container)
      return Error(what + ": expected a container");
    if (container->is(Kind::String))
      return result(input.is(Kind::String) &&
                    container->asString().find(input.asString()) !=
                        std::string::npos);
    Expected<Value::List> items = iterate(*container, what);
    if (!items)
      return items.error();
    return result(std::find(items->begin(), items->end(), input) !=
                  items->end());
  }
  return Error("unknown test '" + name + "'");
}

// --- Methods --------------------------------------------------------------

Value boundMethod(const Value &object, const std::string &name) {
  auto bind = [&](auto body) {
    return Value::function(
        [object, name, body](const Arguments &arguments) -> Expected<Value> {
          std::string what = name + "()";
          Signature signature(what.c_str(), arguments);
          Expected<Value> result = body(signature);
          if (!result)
            return result;
          if (Expected<void> checked = signature.check({}); !checked)
            return checked.error();
          return result;
        });
  };
  if (object.is(Kind::String)) {
    const std::string text = object.asString();
    if (name == "strip" || name == "lstrip" || name == "rstrip")
      return bind([text, name](Signature &s) -> Expected<Value> {
        return Value::string(strip(text, s.get(0, "chars", Value::none()),
                                   name != "rstrip", name != "lstrip"));
      });
    if (name == "split")
      return bind([text](Signature &s) -> Expected<Value> {
        Value separator = s.get(0, "sep", Value::none());
        return split(text, separator, s.get(1, "maxsplit", Value()));
      });
    if (name == "startswith" || name == "endswith")
      return bind([text, name](Signature &s) -> Expected<Value> {
        const Value *a = s.get(0, "prefix");
        if (!a)
          return Error(name + "(): expected an argument");
        return affix(text, *a, name == "startswith");
      });
    if (name == "upper" || name == "lower")
      return bind([text, name](Signature &) -> Expected<Value> {
        return Value::string(mapCase(text, name == "upper"));
      });
    if (name == "title")
      return bind([text](Signature &) -> Expected<Value> {
        return Value::string(title(text));
      });
    if (name == "capitalize")
      return bind([text](Signature &) -> Expected<Value> {
        return Value::string(capitalize(text));
      });
    if (name == "replace")
      return bind([text](Signature &s) -> Expected<Value> {
        Value from = s.get(0, "old", Value()), to = s.get(1, "new", Value());
        Expected<std::string> out =
            replace(text, from, to, s.get(2, "count", Value()));
        if (!out)
          return out.error();
        return Value::string(*out);
      });
  }
  if (object.is(Kind::Dict)) {
    if (name == "items")
      return bind([object](Signature &) -> Expected<Value> {
        return applyFilter("items", object, {});
      });
    if (name == "keys" || name == "values")
      return bind([object, name](Signature &) -> Expected<Value> {
        Value::List out;
        for (const auto &[key, value] : object.asDict())
          out.push_back(name == "keys" ? Value::string(key) : value);
        return Value::list(std::move(out));
      });
    if (name == "get")
      return bind([object](Signature &s) -> Expected<Value> {
        const Value *key = s.get(0, "key");
        Value fallback = s.get(1, "default", Value::none());
        if (!key || !key->is(Kind::String))
          return Error("get(): expected a str key");
        const Value *found = object.find(key->asString());
        return found ? *found : fallback;
      });
  }
  return Value();
}

// --- Globals --------------------------------------------------------------

Value::Dict standardGlobals() {
  // Jinja's sandbox refuses ranges over 100,000 items; so do we.
  constexpr int64_t kMaxRange = 100000;
  Value range = Value::function([](const Arguments &a) -> Expected<Value> {
    if (!a.keyword.empty() || a.positional.empty() || a.positional.size() > 3)
      return Error("range(): expected 1 to 3 int arguments");
    for (const Value &v : a.positional)
      if (!v.is(Kind::Int))
        return typeError("range()", "int arguments", v);
    int64_t start = 0, stop, step = 1;
    if (a.positional.size() == 1) {
      stop = a.positional[0].asInt();
    } else {
      start = a.positional[0].asInt();
      stop = a.positional[1].asInt();
      if (a.positional.size() == 3)
        step = a.positional[2].asInt();
    }
    if (step == 0)
      return Error("range(): step must not be zero");
    Value::List items;
    for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
      if (int64_t(items.size()) == kMaxRange)
        return Error("range(): more than 100000 items");
      items.push_back(Value::integer(i));
    }
    return Value::list(std::move(items));
  });
  Value makeNamespace =
      Value::function([](const Arguments &a) -> Expected<Value> {
        Value::Dict attributes;
        for (const Value &v : a.positional) {
          if (!v.is(Kind::Dict))
            return typeError("namespace()", "a dict", v);
          attributes.insert(attributes.end(), v.asDict().begin(),
                            v.asDict().end());
        }
        attributes.insert(attributes.end(), a.keyword.begin(), a.keyword.end());
        return Value::dict(std::move(attributes));
      });
  Value makeDict = Value::function([](const Arguments &a) -> Expected<Value> {
    if (!a.positional.empty())
      return Error("dict(): expected keyword arguments only");
    return Value::dict(a.keyword);
  });
  return {{"range", range}, {"namespace", makeNamespace}, {"dict", makeDict}};
}

} // namespace llama4c::runtime::jinja
