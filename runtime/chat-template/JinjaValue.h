//===- JinjaValue.h - The values a chat template computes with --*- C++ -*-===//
//
// Chat templates are Jinja run by Python: what they print and compare is
// Python's str(), ==, truthiness and json.dumps. A Value holds the kinds a
// template meets (undefined, None, bool, int, float, str, list, dict and
// the functions the caller provides) and reproduces those Python behaviours
// for them, so that a rendered prompt is byte-identical to transformers'
// apply_chat_template.
//
// Lists and dicts are shared, as Python objects are: copying a Value copies
// a reference. Only namespace() objects are ever changed after creation.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_RUNTIME_CHAT_TEMPLATE_JINJAVALUE_H
#define LLAMA4C_RUNTIME_CHAT_TEMPLATE_JINJAVALUE_H

#include "llama4c/Status.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace llama4c::runtime::jinja {

class Value;

/// Positional and keyword arguments of a call, filter or test.
struct Arguments {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keyword;
};

using Function = std::function<Expected<Value>(const Arguments &)>;

class Value {
public:
  enum class Kind {
    Undefined,
    None,
    Bool,
    Int,
    Float,
    String,
    List,
    Dict,
    Function
  };
  using List = std::vector<Value>;
  /// Keys in insertion order, as Python dicts keep them.
  using Dict = std::vector<std::pair<std::string, Value>>;

  /// Undefined: a name or key that does not exist.
  Value() = default;
  static Value none();
  static Value boolean(bool value);
  static Value integer(int64_t value);
  static Value number(double value);
  static Value string(std::string value);
  static Value list(List items);
  static Value dict(Dict entries);
  static Value function(Function function);
  /// JSON as Python's json.loads gives it: objects become dicts (keys in
  /// document order, hence ordered_json), integers ints, other numbers
  /// floats.
  static Value fromJson(const nlohmann::ordered_json &json);

  Kind kind() const { return Kind(storage.index()); }
  bool is(Kind k) const { return kind() == k; }
  bool isNumber() const {
    return is(Kind::Int) || is(Kind::Float) || is(Kind::Bool);
  }

  bool asBool() const { return std::get<bool>(storage); }
  int64_t asInt() const;  // bool and int
  double asFloat() const; // bool, int and float
  const std::string &asString() const { return std::get<std::string>(storage); }
  const List &asList() const {
    return *std::get<std::shared_ptr<List>>(storage);
  }
  const Dict &asDict() const {
    return *std::get<std::shared_ptr<Dict>>(storage);
  }
  /// For namespace() attribute assignment.
  Dict &mutableDict() { return *std::get<std::shared_ptr<Dict>>(storage); }
  const Function &asFunction() const {
    return *std::get<std::shared_ptr<Function>>(storage);
  }

  /// How deeply lists and dicts nest inside this value: 0 for a scalar, 1
  /// for a list of scalars. (A namespace's is its depth when created.)
  uint32_t nesting() const { return depth; }

  /// The entry for `key` of a dict, or nullptr.
  const Value *find(const std::string &key) const;

  /// Python's bool(value); undefined is false.
  bool truthy() const;
  /// Python's str(value); undefined prints as "".
  std::string str() const;
  /// Python's repr(value), used for the items of str(list) and str(dict).
  std::string repr() const;
  /// The Python type name, for error messages ("str", "list", "dict").
  const char *typeName() const;

  /// Python's ==: 1 == 1.0 == True, lists and dicts element by element.
  friend bool operator==(const Value &a, const Value &b);
  friend bool operator!=(const Value &a, const Value &b) { return !(a == b); }

private:
  struct Undefined {};
  std::variant<Undefined, std::nullptr_t, bool, int64_t, double, std::string,
               std::shared_ptr<List>, std::shared_ptr<Dict>,
               std::shared_ptr<Function>>
      storage;
  uint32_t depth = 0;
};

/// The longest string a template may build: the rendered text's own cap.
constexpr uint64_t kMaxStringBytes = uint64_t(64) << 20;
/// What one render may build in all: the bytes of every string, list and
/// dict it makes (a list's strings included, which its Values copy),
/// counted when made; freed values are not given back. Bounds a template's
/// memory and time whatever it computes, however many values it keeps.
constexpr uint64_t kMaxBuiltBytes = uint64_t(512) << 20;

/// Counts what the render on this thread builds (Value's factories report
/// to it), from construction to destruction.
class BuiltBytes {
public:
  BuiltBytes();
  ~BuiltBytes();
  BuiltBytes(const BuiltBytes &) = delete;
  BuiltBytes &operator=(const BuiltBytes &) = delete;

  bool exceeded() const { return total > kMaxBuiltBytes; }
  /// Counts `bytes` into the render running on this thread, if any.
  static void count(uint64_t bytes);

  /// Stops the counting on this thread while it lives: for the renderer's
  /// own values (each iteration's `loop` object), which the iteration
  /// limit bounds.
  class Paused {
  public:
    Paused();
    ~Paused();
    Paused(const Paused &) = delete;
    Paused &operator=(const Paused &) = delete;

  private:
    BuiltBytes *render;
  };

private:
  uint64_t total = 0;
  BuiltBytes *outer;
};

/// The arguments of Python's json.dumps that templates pass.
struct JsonStyle {
  /// Spaces per level; negative for None (everything on one line).
  int indent = -1;
  /// Separators; json.dumps's defaults when empty: ", " (or "," when
  /// indented) and ": ".
  std::string itemSeparator, keySeparator;
  /// \uXXXX for every non-ASCII character.
  bool ensureAscii = false;
  bool sortKeys = false;
};

/// Python's json.dumps(value, ...) as `style` says. Fails on undefined and
/// functions, which Python cannot serialise either.
Expected<std::string> toJson(const Value &value, const JsonStyle &style);

/// Python's repr(float): the shortest digits that read back the same.
std::string formatFloat(double value);

} // namespace llama4c::runtime::jinja

#endif // LLAMA4C_RUNTIME_CHAT_TEMPLATE_JINJAVALUE_H
