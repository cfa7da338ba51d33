//===- StrictJson.cpp - JSON parsing that rejects repeated keys -----------===//
//
// A SAX handler that builds the DOM exactly like json::parse (it derives
// from nlohmann's own DOM builder) while keeping, per open object, the set
// of keys seen so far. sax_parse dispatches statically on the handler type,
// so the methods below hide, rather than override, the base class's.
//
//===----------------------------------------------------------------------===//

#include "runtime/safetensors/StrictJson.h"

#include "runtime/support/InputFile.h"
#include "runtime/support/JsonNesting.h"

#include <unordered_set>
#include <utility>
#include <vector>

namespace llama4c::runtime {

namespace {

using DomBuilder = nlohmann::detail::json_sax_dom_parser<Json>;

std::string joinPath(const std::string &parent, const std::string &key) {
  return parent.empty() ? key : parent + "." + key;
}

class StrictDomBuilder : public DomBuilder {
public:
  explicit StrictDomBuilder(Json &root)
      : DomBuilder(root, /*allow_exceptions=*/false) {}

  bool start_object(std::size_t len) {
    enter(/*isObject=*/true);
    return DomBuilder::start_object(len);
  }
  bool end_object() {
    frames.pop_back();
    return DomBuilder::end_object();
  }
  bool start_array(std::size_t len) {
    enter(/*isObject=*/false);
    return DomBuilder::start_array(len);
  }
  bool end_array() {
    frames.pop_back();
    return DomBuilder::end_array();
  }
  bool key(Json::string_t &name) {
    Frame &frame = frames.back();
    if (!frame.keys.insert(name).second) {
      repeatedKey = joinPath(frame.path, name);
      return false;
    }
    frame.lastKey = name;
    return DomBuilder::key(name);
  }

  template <class Exception>
  bool parse_error(std::size_t, const std::string &, const Exception &ex) {
    syntaxError = ex.what();
    return false;
  }

  /// The JSON path of the first repeated key, if parsing stopped on one.
  std::optional<std::string> repeatedKey;
  /// nlohmann's message, if parsing stopped on a syntax error.
  std::string syntaxError;

private:
  /// One open object or array. Arrays need a frame only so that the
  /// end_* calls pop the right one; their elements share the path "a[]".
  struct Frame {
    std::string path;
    bool isObject;
    std::string lastKey;
    std::unordered_set<std::string> keys;
  };

  void enter(bool isObject) {
    std::string path;
    if (!frames.empty()) {
      const Frame &parent = frames.back();
      path = parent.isObject ? joinPath(parent.path, parent.lastKey)
                             : parent.path + "[]";
    }
    frames.push_back(Frame{std::move(path), isObject, {}, {}});
  }

  std::vector<Frame> frames;
};

std::string dumpJson(const Json &value) {
  // `replace` keeps dump() from throwing on invalid UTF-8.
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

} // namespace

Expected<Json> parseStrictJson(std::string_view text, const std::string &file) {
  if (jsonNestsTooDeeply(text))
    return Error(file + ": invalid JSON: nested deeper than " +
                 std::to_string(kMaxJsonNesting) + " levels");
  Json root;
  StrictDomBuilder builder(root);
  if (Json::sax_parse(text.begin(), text.end(), &builder))
    return root;
  if (builder.repeatedKey)
    return Error(file + ": " + *builder.repeatedKey + ": key appears twice");
  // Keep "parse error at line L, column C: ..." without nlohmann's
  // "[json.exception.parse_error.101] " prefix.
  std::string reason = builder.syntaxError;
  size_t prefixEnd = reason.find("] ");
  if (reason.rfind("[json.exception", 0) == 0 && prefixEnd != std::string::npos)
    reason = reason.substr(prefixEnd + 2);
  return Error(file + ": invalid JSON: " +
               (reason.empty() ? "malformed input" : reason));
}

Expected<Json> readJsonFile(const std::string &path, uint64_t maxBytes) {
  Expected<std::string> text = readInputFile(path, maxBytes);
  if (!text)
    return text.error();
  return parseStrictJson(*text, path);
}

Expected<Json> readJsonObjectFile(const std::string &path, uint64_t maxBytes) {
  Expected<Json> parsed = readJsonFile(path, maxBytes);
  if (parsed && !parsed->is_object())
    return Error(path + ": expected a JSON object, got " +
                 describeJson(*parsed));
  return parsed;
}

std::string quoteJson(const std::string &text) { return dumpJson(text); }

std::string describeJson(const Json &value) {
  if (value.is_object())
    return "an object";
  if (value.is_array())
    return "an array";
  if (!value.is_string())
    return dumpJson(value); // null, true/false, or the number as written
  std::string text = value.get_ref<const std::string &>();
  if (text.size() > 40) {
    // Cut on a UTF-8 character boundary.
    size_t cut = 37;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
      --cut;
    text = text.substr(0, cut) + "...";
  }
  return "string " + quoteJson(text);
}

std::optional<uint64_t> jsonUnsigned(const Json &value) {
  if (value.is_number_unsigned())
    return value.get<uint64_t>();
  // A non-negative value that nlohmann stored as signed.
  if (value.is_number_integer() && value.get<int64_t>() >= 0)
    return uint64_t(value.get<int64_t>());
  return std::nullopt;
}

} // namespace llama4c::runtime
