//===- JinjaValue.cpp - Python's str, ==, bool and json.dumps ------------===//

#include "runtime/chat-template/JinjaValue.h"

#include "runtime/support/Utf8.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace llama4c::runtime::jinja {

Value Value::none() {
  Value v;
  v.storage = nullptr;
  return v;
}
Value Value::boolean(bool value) {
  Value v;
  v.storage = value;
  return v;
}
Value Value::integer(int64_t value) {
  Value v;
  v.storage = value;
  return v;
}
Value Value::number(double value) {
  Value v;
  v.storage = value;
  return v;
}
namespace {
thread_local BuiltBytes *currentRender = nullptr;
} // namespace

BuiltBytes::BuiltBytes() : outer(currentRender) { currentRender = this; }
BuiltBytes::~BuiltBytes() { currentRender = outer; }
BuiltBytes::Paused::Paused() : render(currentRender) {
  currentRender = nullptr;
}
BuiltBytes::Paused::~Paused() { currentRender = render; }

void BuiltBytes::count(uint64_t bytes) {
  if (currentRender)
    currentRender->total += bytes;
}

Value Value::string(std::string value) {
  BuiltBytes::count(value.size());
  Value v;
  v.storage = std::move(value);
  return v;
}
/// What a list or dict entry holding `item` costs: the entry, and a string's
/// bytes, since a Value copies its string (lists and dicts it shares).
static uint64_t entryBytes(const Value &item) {
  return sizeof(Value) +
         (item.is(Value::Kind::String) ? item.asString().size() : 0);
}

Value Value::list(List items) {
  uint64_t bytes = 0;
  for (const Value &item : items)
    bytes += entryBytes(item);
  BuiltBytes::count(bytes);
  Value v;
  for (const Value &item : items)
    v.depth = std::max(v.depth, item.depth);
  ++v.depth;
  v.storage = std::make_shared<List>(std::move(items));
  return v;
}
Value Value::dict(Dict entries) {
  uint64_t bytes = 0;
  for (const auto &[key, value] : entries)
    bytes += key.size() + entryBytes(value);
  BuiltBytes::count(bytes);
  Value v;
  for (const auto &entry : entries)
    v.depth = std::max(v.depth, entry.second.depth);
  ++v.depth;
  v.storage = std::make_shared<Dict>(std::move(entries));
  return v;
}
Value Value::function(Function function) {
  Value v;
  v.storage = std::make_shared<Function>(std::move(function));
  return v;
}

Value Value::fromJson(const nlohmann::ordered_json &json) {
  switch (json.type()) {
  case nlohmann::ordered_json::value_t::null:
    return none();
  case nlohmann::ordered_json::value_t::boolean:
    return boolean(json.get<bool>());
  case nlohmann::ordered_json::value_t::number_integer:
    return integer(json.get<int64_t>());
  case nlohmann::ordered_json::value_t::number_unsigned:
    if (json.get<uint64_t>() <= uint64_t(INT64_MAX))
      return integer(int64_t(json.get<uint64_t>()));
    return number(json.get<double>());
  case nlohmann::ordered_json::value_t::number_float:
    return number(json.get<double>());
  case nlohmann::ordered_json::value_t::string:
    return string(json.get<std::string>());
  case nlohmann::ordered_json::value_t::array: {
    List items;
    for (const nlohmann::ordered_json &item : json)
      items.push_back(fromJson(item));
    return list(std::move(items));
  }
  case nlohmann::ordered_json::value_t::object: {
    Dict entries;
    for (auto it = json.begin(); it != json.end(); ++it)
      entries.emplace_back(it.key(), fromJson(it.value()));
    return dict(std::move(entries));
  }
  default:
    return Value();
  }
}

int64_t Value::asInt() const {
  return is(Kind::Bool) ? int64_t(asBool()) : std::get<int64_t>(storage);
}

double Value::asFloat() const {
  return is(Kind::Float) ? std::get<double>(storage) : double(asInt());
}

const Value *Value::find(const std::string &key) const {
  if (!is(Kind::Dict))
    return nullptr;
  for (const auto &[name, value] : asDict())
    if (name == key)
      return &value;
  return nullptr;
}

bool Value::truthy() const {
  switch (kind()) {
  case Kind::Undefined:
  case Kind::None:
    return false;
  case Kind::Bool:
  case Kind::Int:
    return asInt() != 0;
  case Kind::Float:
    return asFloat() != 0;
  case Kind::String:
    return !asString().empty();
  case Kind::List:
    return !asList().empty();
  case Kind::Dict:
    return !asDict().empty();
  case Kind::Function:
    return true;
  }
  return false;
}

std::string formatFloat(double value) {
  if (std::isnan(value))
    return "nan";
  if (std::isinf(value))
    return value < 0 ? "-inf" : "inf";
  // Shortest round-tripping digits, then Python's layout: positional for
  // decimal exponents in [-4, 16), scientific otherwise.
  char buffer[40];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof buffer, "%.*e", precision - 1, value);
    if (std::strtod(buffer, nullptr) == value)
      break;
  }
  std::string text = buffer;
  bool negative = text[0] == '-';
  if (negative)
    text.erase(0, 1);
  size_t e = text.find('e');
  int exponent = std::atoi(text.c_str() + e + 1);
  std::string digits = text.substr(0, e);
  if (digits.size() > 1)
    digits.erase(1, 1); // the '.'
  while (digits.size() > 1 && digits.back() == '0')
    digits.pop_back();

  std::string out = negative ? "-" : "";
  if (exponent >= -4 && exponent < 16) {
    if (exponent < 0) {
      out += "0." + std::string(size_t(-exponent - 1), '0') + digits;
    } else {
      size_t whole = size_t(exponent) + 1;
      if (digits.size() < whole)
        digits.append(whole - digits.size(), '0');
      std::string fraction = digits.substr(whole);
      out +=
          digits.substr(0, whole) + "." + (fraction.empty() ? "0" : fraction);
    }
    return out;
  }
  out += digits.substr(0, 1);
  if (digits.size() > 1)
    out += "." + digits.substr(1);
  char exponentText[8];
  std::snprintf(exponentText, sizeof exponentText, "e%c%02d",
                exponent < 0 ? '-' : '+', std::abs(exponent));
  return out + exponentText;
}

namespace {

std::string reprString(const std::string &text) {
  char quote = text.find('\'') != std::string::npos &&
                       text.find('"') == std::string::npos
                   ? '"'
                   : '\'';
  std::string out(1, quote);
  for (unsigned char c : text) {
    if (c == '\\' || c == quote) {
      out += '\\';
      out += char(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      char escape[5];
      std::snprintf(escape, sizeof escape, "\\x%02x", c);
      out += escape;
    } else {
      out += char(c);
    }
  }
  return out + quote;
}

void appendJsonString(std::string &out, const std::string &text,
                      bool ensureAscii) {
  auto escape = [&](uint32_t unit) {
    char buffer[7];
    std::snprintf(buffer, sizeof buffer, "\\u%04x", unit);
    out += buffer;
  };
  out += '"';
  for (size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      size_t start = i;
      uint32_t code = decodeUtf8(text, i);
      if (!ensureAscii) {
        out.append(text, start, i - start);
      } else if (code >= 0x10000) { // a UTF-16 surrogate pair
        escape(0xD800 + ((code - 0x10000) >> 10));
        escape(0xDC00 + ((code - 0x10000) & 0x3FF));
      } else {
        escape(code);
      }
      continue;
    }
    ++i;
    switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\r':
      out += "\\r";
      break;
    case '\t':
      out += "\\t";
      break;
    case '\b':
      out += "\\b";
      break;
    case '\f':
      out += "\\f";
      break;
    default:
      if (c < 0x20)
        escape(c);
      else
        out += char(c);
    }
  }
  out += '"';
}

class JsonWriter {
public:
  explicit JsonWriter(const JsonStyle &style) : style(style) {
    itemSeparator = !style.itemSeparator.empty() ? style.itemSeparator
                    : style.indent >= 0          ? ","
                                                 : ", ";
    keySeparator = style.keySeparator.empty() ? ": " : style.keySeparator;
  }

  Expected<void> write(const Value &value, int depth) {
    using Kind = Value::Kind;
    switch (value.kind()) {
    case Kind::Undefined:
    case Kind::Function:
      return Error(std::string("tojson: a value of type ") + value.typeName() +
                   " is not JSON serializable");
    case Kind::None:
      out += "null";
      return {};
    case Kind::Bool:
      out += value.asBool() ? "true" : "false";
      return {};
    case Kind::Int:
      out += std::to_string(value.asInt());
      return {};
    case Kind::Float: {
      double number = value.asFloat();
      if (std::isnan(number))
        out += "NaN";
      else if (std::isinf(number))
        out += number < 0 ? "-Infinity" : "Infinity";
      else
        out += formatFloat(number);
      return {};
    }
    case Kind::String:
      appendJsonString(out, value.asString(), style.ensureAscii);
      return {};
    case Kind::List: {
      const Value::List &items = value.asList();
      if (items.empty()) {
        out += "[]";
        return {};
      }
      out += '[';
      for (size_t i = 0; i < items.size(); ++i) {
        if (i)
          out += itemSeparator;
        newline(depth + 1);
        if (Expected<void> done = write(items[i], depth + 1); !done)
          return done;
      }
      newline(depth);
      out += ']';
      return {};
    }
    case Kind::Dict: {
      std::vector<const std::pair<std::string, Value> *> entries;
      for (const auto &entry : value.asDict())
        entries.push_back(&entry);
      if (entries.empty()) {
        out += "{}";
        return {};
      }
      if (style.sortKeys)
        std::sort(entries.begin(), entries.end(),
                  [](auto *a, auto *b) { return a->first < b->first; });
      out += '{';
      for (size_t i = 0; i < entries.size(); ++i) {
        if (i)
          out += itemSeparator;
        newline(depth + 1);
        appendJsonString(out, entries[i]->first, style.ensureAscii);
        out += keySeparator;
        if (Expected<void> done = write(entries[i]->second, depth + 1); !done)
          return done;
      }
      newline(depth);
      out += '}';
      return {};
    }
    }
    return {};
  }

  std::string out;

private:
  /// Python's layout: items on their own lines when indented.
  void newline(int level) {
    if (style.indent >= 0)
      out += "\n" + std::string(size_t(style.indent) * size_t(level), ' ');
  }

  const JsonStyle &style;
  std::string itemSeparator, keySeparator;
};

} // namespace

std::string Value::str() const {
  switch (kind()) {
  case Kind::Undefined:
    return "";
  case Kind::String:
    return asString();
  default:
    return repr();
  }
}

std::string Value::repr() const {
  switch (kind()) {
  case Kind::Undefined:
    return "Undefined";
  case Kind::None:
    return "None";
  case Kind::Bool:
    return asBool() ? "True" : "False";
  case Kind::Int:
    return std::to_string(asInt());
  case Kind::Float:
    return formatFloat(asFloat());
  case Kind::String:
    return reprString(asString());
  case Kind::List: {
    std::string out = "[";
    for (size_t i = 0; i < asList().size(); ++i)
      out += (i ? ", " : "") + asList()[i].repr();
    return out + "]";
  }
  case Kind::Dict: {
    std::string out = "{";
    for (size_t i = 0; i < asDict().size(); ++i)
      out += (i ? ", " : "") + reprString(asDict()[i].first) + ": " +
             asDict()[i].second.repr();
    return out + "}";
  }
  case Kind::Function:
    return "<function>";
  }
  return "";
}

const char *Value::typeName() const {
  static const char *const kNames[] = {"Undefined", "NoneType", "bool",
                                       "int",       "float",    "str",
                                       "list",      "dict",     "function"};
  return kNames[storage.index()];
}

bool operator==(const Value &a, const Value &b) {
  using Kind = Value::Kind;
  if (a.isNumber() && b.isNumber())
    return a.is(Kind::Float) || b.is(Kind::Float) ? a.asFloat() == b.asFloat()
                                                  : a.asInt() == b.asInt();
  if (a.kind() != b.kind())
    return false;
  switch (a.kind()) {
  case Kind::Undefined:
  case Kind::None:
    return true;
  case Kind::String:
    return a.asString() == b.asString();
  case Kind::List:
    return a.asList() == b.asList();
  case Kind::Dict: {
    if (a.asDict().size() != b.asDict().size())
      return false;
    for (const auto &[key, value] : a.asDict()) {
      const Value *other = b.find(key);
      if (!other || *other != value)
        return false;
    }
    return true;
  }
  case Kind::Function:
    return &a.asFunction() == &b.asFunction();
  default:
    return false;
  }
}

Expected<std::string> toJson(const Value &value, const JsonStyle &style) {
  JsonWriter writer(style);
  if (Expected<void> done = writer.write(value, 0); !done)
    return done.error();
  return std::move(writer.out);
}

} // namespace llama4c::runtime::jinja
