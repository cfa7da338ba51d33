//===- JinjaRender.cpp - Walk a template tree, print its output ----------===//
//
// Scopes follow Jinja: the globals, then one scope per loop iteration, so
// that `set` inside a loop does not leak out of it (namespace() objects are
// how templates carry values out). Missing names, keys and attributes are
// undefined; reading an attribute of undefined is an error, as in Jinja.
//
//===----------------------------------------------------------------------===//

#include "runtime/chat-template/Jinja.h"

#include "runtime/chat-template/JinjaAst.h"
#include "runtime/chat-template/JinjaBuiltins.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace llama4c::runtime::jinja {

namespace {

using Kind = Value::Kind;

/// Printing, comparing and freeing values recurse through them.
constexpr uint32_t kMaxNesting = 256;
constexpr int64_t kMaxLoopIterations = 1'000'000;

Error at(int line, const std::string &message) {
  return Error(std::to_string(line) + ": " + message);
}

/// Whether `value` holds the dict `dict` anywhere inside it.
bool holds(const Value &value, const Value::Dict *dict) {
  if (value.is(Kind::List)) {
    for (const Value &item : value.asList())
      if (holds(item, dict))
        return true;
  } else if (value.is(Kind::Dict)) {
    if (&value.asDict() == dict)
      return true;
    for (const auto &entry : value.asDict())
      if (holds(entry.second, dict))
        return true;
  }
  return false;
}

/// Python's index normalisation for x[i]: negative counts from the end.
bool normaliseIndex(int64_t &index, size_t size) {
  if (index < 0)
    index += int64_t(size);
  return index >= 0 && index < int64_t(size);
}

/// Python's slice x[start:stop:step] over `size` items: the indices taken.
Expected<std::vector<size_t>> sliceIndices(const Value &start,
                                           const Value &stop, const Value &step,
                                           size_t size) {
  for (const Value *part : {&start, &stop, &step})
    if (!part->is(Kind::Undefined) && !part->is(Kind::None) &&
        !part->is(Kind::Int))
      return Error("slice indices must be ints or none");
  int64_t n = int64_t(size);
  int64_t stride = step.is(Kind::Int) ? step.asInt() : 1;
  if (stride == 0)
    return Error("slice step cannot be zero");
  auto clamp = [&](const Value &v, int64_t fallback) {
    if (!v.is(Kind::Int))
      return fallback;
    int64_t i = v.asInt();
    if (i < 0)
      i = std::max<int64_t>(i + n, stride > 0 ? 0 : -1);
    return std::min<int64_t>(i, stride > 0 ? n : n - 1);
  };
  int64_t from = clamp(start, stride > 0 ? 0 : n - 1);
  int64_t to = clamp(stop, stride > 0 ? n : -1);
  std::vector<size_t> indices;
  for (int64_t i = from; stride > 0 ? i < to : i > to; i += stride)
    indices.push_back(size_t(i));
  return indices;
}

class Renderer {
public:
  explicit Renderer(const Value::Dict &globals) {
    scopes.emplace_back();
    for (const auto &[name, value] : standardGlobals())
      scopes.back()[name] = value;
    for (const auto &[name, value] : globals)
      scopes.back()[name] = value;
  }

  Expected<std::string> run(const std::vector<Node> &body) {
    Expected<Flow> flow = render(body);
    if (!flow)
      return flow.error();
    return std::move(out);
  }

private:
  enum class Flow { Normal, Break, Continue };

  // --- Statements ---------------------------------------------------------

  Expected<Flow> render(const std::vector<Node> &body) {
    for (const Node &node : body) {
      Expected<Flow> flow = renderNode(node);
      if (!flow || *flow != Flow::Normal)
        return flow;
    }
    return Flow::Normal;
  }

  Expected<Flow> renderNode(const Node &node) {
    switch (node.kind) {
    case Node::Kind::Text:
      return emit(node.text, node.line);
    case Node::Kind::Output: {
      Expected<Value> value = eval(*node.expr);
      if (!value)
        return value.error();
      return emit(value->str(), node.line);
    }
    case Node::Kind::If:
      for (size_t i = 0; i < node.bodies.size(); ++i) {
        if (i < node.conditions.size()) {
          Expected<Value> condition = eval(*node.conditions[i]);
          if (!condition)
            return condition.error();
          if (!condition->truthy())
            continue;
        }
        return render(node.bodies[i]);
      }
      return Flow::Normal;
    case Node::Kind::For:
      return renderFor(node);
    case Node::Kind::Set: {
      Expected<Value> value = eval(*node.expr);
      if (!value)
        return value.error();
      if (node.attribute.empty()) {
        scopes.back()[node.targets[0]] = *value;
        return Flow::Normal;
      }
      Value target = lookup(node.targets[0]);
      if (!target.is(Kind::Dict))
        return at(node.line, "cannot set attribute '" + node.attribute +
                                 "' of '" + node.targets[0] +
                                 "', which is not a namespace");
      Value::Dict &attributes = target.mutableDict();
      // A namespace inside itself would make every walk over it endless.
      if (holds(*value, &attributes))
        return at(node.line, "cannot store namespace '" + node.targets[0] +
                                 "' inside itself");
      for (auto &[key, old] : attributes)
        if (key == node.attribute) {
          old = *value;
          return Flow::Normal;
        }
      attributes.emplace_back(node.attribute, *value);
      return Flow::Normal;
    }
    case Node::Kind::SetBlock: {
      std::string saved = std::move(out);
      out.clear();
      Expected<Flow> flow = render(node.bodies[0]);
      std::string captured = std::move(out);
      out = std::move(saved);
      if (!flow)
        return flow;
      scopes.back()[node.targets[0]] = Value::string(std::move(captured));
      return Flow::Normal;
    }
    case Node::Kind::Break:
      return Flow::Break;
    case Node::Kind::Continue:
      return Flow::Continue;
    }
    return Flow::Normal;
  }

  Expected<Flow> renderFor(const Node &node) {
    Expected<Value> iterable = eval(*node.expr);
    if (!iterable)
      return iterable.error();
    Value::List items;
    switch (iterable->kind()) {
    case Kind::Undefined:
      break;
    case Kind::List:
      items = iterable->asList();
      break;
    case Kind::Dict:
      for (const auto &[key, value] : iterable->asDict())
        items.push_back(Value::string(key));
      break;
    case Kind::String:
      for (std::string &c : codePoints(iterable->asString()))
        items.push_back(Value::string(std::move(c)));
      break;
    default:
      return at(node.line, std::string("'") + iterable->typeName() +
                               "' object is not iterable");
    }

    // The `if` clause filters before loop.* counts, as in Jinja.
    if (node.filter) {
      Value::List kept;
      for (const Value &item : items) {
        scopes.emplace_back();
        Expected<void> bound = bindTargets(node, item);
        Expected<Value> keep =
            bound ? eval(*node.filter) : Expected<Value>(bound.error());
        scopes.pop_back();
        if (!keep)
          return keep.error();
        if (keep->truthy())
          kept.push_back(item);
      }
      items = std::move(kept);
    }

    for (size_t i = 0; i < items.size(); ++i) {
      if (++iterations > kMaxLoopIterations)
        return at(node.line, "more than 1000000 loop iterations");
      scopes.emplace_back();
      int64_t n = int64_t(items.size()), index = int64_t(i);
      scopes.back()["loop"] = [&] {
        BuiltBytes::Paused renderersOwn;
        return Value::dict({
            {"index", Value::integer(index + 1)},
            {"index0", Value::integer(index)},
            {"revindex", Value::integer(n - index)},
            {"revindex0", Value::integer(n - index - 1)},
            {"first", Value::boolean(i == 0)},
            {"last", Value::boolean(i + 1 == items.size())},
            {"length", Value::integer(n)},
            {"previtem", i > 0 ? items[i - 1] : Value()},
            {"nextitem", i + 1 < items.size() ? items[i + 1] : Value()},
        });
      }();
      Expected<void> bound = bindTargets(node, items[i]);
      Expected<Flow> flow =
          bound ? render(node.bodies[0]) : Expected<Flow>(bound.error());
      scopes.pop_back();
      if (!flow)
        return flow;
      if (*flow == Flow::Break)
        break;
    }
    if (items.empty() && node.bodies.size() > 1)
      return render(node.bodies[1]);
    return Flow::Normal;
  }

  /// The loop variables for `item`, unpacking a list over several names.
  Expected<void> bindTargets(const Node &node, const Value &item) {
    if (node.targets.size() == 1) {
      scopes.back()[node.targets[0]] = item;
      return {};
    }
    if (!item.is(Kind::List) || item.asList().size() != node.targets.size())
      return at(node.line, "cannot unpack " + std::string(item.typeName()) +
                               " into " + std::to_string(node.targets.size()) +
                               " loop variables");
    for (size_t i = 0; i < node.targets.size(); ++i)
      scopes.back()[node.targets[i]] = item.asList()[i];
    return {};
  }

  Expected<Flow> emit(const std::string &text, int line) {
    if (out.size() + text.size() > kMaxStringBytes)
      return at(line, "rendered text exceeds 64 MiB");
    out += text;
    return Flow::Normal;
  }

  Value lookup(const std::string &name) const {
    for (auto scope = scopes.rbegin(); scope != scopes.rend(); ++scope)
      if (auto found = scope->find(name); found != scope->end())
        return found->second;
    return Value();
  }

  // --- Expressions --------------------------------------------------------

  Expected<Value> eval(const Expr &expr) {
    Expected<Value> value = evalUnchecked(expr);
    if (value && value->nesting() > kMaxNesting)
      return at(expr.line, "values nested deeper than " +
                               std::to_string(kMaxNesting) + " levels");
    if (value && built.exceeded())
      return at(expr.line, "the template built more than " +
                               std::to_string(kMaxBuiltBytes >> 20) +
                               " MiB of values");
    return value;
  }

  Expected<Value> evalUnchecked(const Expr &expr) {
    switch (expr.kind) {
    case Expr::Kind::Literal:
      return expr.literal;
    case Expr::Kind::Name:
      return lookup(expr.name);
    case Expr::Kind::Attribute:
    case Expr::Kind::Item:
      return evalAccess(expr);
    case Expr::Kind::Slice:
      return evalSlice(expr);
    case Expr::Kind::Call:
    case Expr::Kind::Filter:
    case Expr::Kind::Test:
      return evalCall(expr);
    case Expr::Kind::Unary:
      return evalUnary(expr);
    case Expr::Kind::Binary:
      return evalBinary(expr);
    case Expr::Kind::Conditional: {
      Expected<Value> condition = eval(*expr.children[1]);
      if (!condition)
        return condition;
      if (condition->truthy())
        return eval(*expr.children[0]);
      return expr.children[2] ? eval(*expr.children[2]) : Value();
    }
    case Expr::Kind::List: {
      Value::List items;
      for (const ExprPtr &child : expr.children) {
        Expected<Value> item = eval(*child);
        if (!item)
          return item;
        items.push_back(std::move(*item));
      }
      return Value::list(std::move(items));
    }
    case Expr::Kind::Dict: {
      Value::Dict entries;
      for (size_t i = 0; i < expr.children.size(); i += 2) {
        Expected<Value> key = eval(*expr.children[i]);
        if (!key)
          return key;
        if (!key->is(Kind::String))
          return at(expr.line, "dict keys must be strings");
        Expected<Value> value = eval(*expr.children[i + 1]);
        if (!value)
          return value;
        entries.emplace_back(key->asString(), std::move(*value));
      }
      return Value::dict(std::move(entries));
    }
    }
    return Value();
  }

  /// What an undefined operand was called, for messages.
  static std::string describe(const Expr &expr) {
    switch (expr.kind) {
    case Expr::Kind::Name:
      return "'" + expr.name + "'";
    case Expr::Kind::Attribute:
      return describe(*expr.children[0]) + "." + expr.name;
    case Expr::Kind::Item:
      return describe(*expr.children[0]) + "[...]";
    default:
      return "the value";
    }
  }

  /// `x.name` (a method, else a key) and `x[key]` (a key or index).
  Expected<Value> evalAccess(const Expr &expr) {
    Expected<Value> object = eval(*expr.children[0]);
    if (!object)
      return object;
    if (object->is(Kind::Undefined))
      return at(expr.line, describe(*expr.children[0]) + " is undefined");
    if (expr.kind == Expr::Kind::Attribute) {
      Value method = boundMethod(*object, expr.name);
      if (!method.is(Kind::Undefined))
        return method;
      const Value *found = object->find(expr.name);
      return found ? *found : Value();
    }
    Expected<Value> key = eval(*expr.children[1]);
    if (!key)
      return key;
    if (object->is(Kind::Dict)) {
      const Value *found =
          key->is(Kind::String) ? object->find(key->asString()) : nullptr;
      return found ? *found : Value();
    }
    if ((object->is(Kind::List) || object->is(Kind::String)) &&
        (key->is(Kind::Int) || key->is(Kind::Bool))) {
      int64_t index = key->asInt();
      if (object->is(Kind::List))
        return normaliseIndex(index, object->asList().size())
                   ? object->asList()[size_t(index)]
                   : Value();
      std::vector<std::string> characters = codePoints(object->asString());
      return normaliseIndex(index, characters.size())
                 ? Value::string(characters[size_t(index)])
                 : Value();
    }
    return Value();
  }

  Expected<Value> evalSlice(const Expr &expr) {
    Value parts[4];
    for (size_t i = 0; i < 4; ++i)
      if (expr.children[i]) {
        Expected<Value> part = eval(*expr.children[i]);
        if (!part)
          return part;
        parts[i] = *part;
      }
    const Value &object = parts[0];
    bool isString = object.is(Kind::String);
    if (!isString && !object.is(Kind::List))
      return at(expr.line, std::string("cannot slice a ") + object.typeName());
    std::vector<std::string> characters;
    if (isString)
      characters = codePoints(object.asString());
    size_t size = isString ? characters.size() : object.asList().size();
    Expected<std::vector<size_t>> indices =
        sliceIndices(parts[1], parts[2], parts[3], size);
    if (!indices)
      return at(expr.line, indices.error().message());
    if (isString) {
      std::string text;
      for (size_t i : *indices)
        text += characters[i];
      return Value::string(std::move(text));
    }
    Value::List items;
    for (size_t i : *indices)
      items.push_back(object.asList()[i]);
    return Value::list(std::move(items));
  }

  /// Calls, filters and tests: children[0] is the callee or the input.
  Expected<Value> evalCall(const Expr &expr) {
    Expected<Value> first = eval(*expr.children[0]);
    if (!first)
      return first;
    Arguments arguments;
    for (size_t i = 1; i < expr.children.size(); ++i) {
      Expected<Value> argument = eval(*expr.children[i]);
      if (!argument)
        return argument;
      arguments.positional.push_back(std::move(*argument));
    }
    for (const auto &[name, child] : expr.keywords) {
      Expected<Value> argument = eval(*child);
      if (!argument)
        return argument;
      arguments.keyword.emplace_back(name, std::move(*argument));
    }
    if (expr.kind == Expr::Kind::Filter) {
      Expected<Value> result = applyFilter(expr.name, *first, arguments);
      return result ? result : at(expr.line, result.error().message());
    }
    if (expr.kind == Expr::Kind::Test) {
      Expected<bool> result = applyTest(expr.name, *first, arguments);
      if (!result)
        return at(expr.line, result.error().message());
      return Value::boolean(*result != expr.negated);
    }
    if (first->is(Kind::Undefined))
      return at(expr.line, describe(*expr.children[0]) + " is undefined");
    if (!first->is(Kind::Function))
      return at(expr.line, describe(*expr.children[0]) + " (a " +
                               first->typeName() + ") is not callable");
    Expected<Value> result = first->asFunction()(arguments);
    return result ? result : at(expr.line, result.error().message());
  }

  Expected<Value> evalUnary(const Expr &expr) {
    Expected<Value> operand = eval(*expr.children[0]);
    if (!operand)
      return operand;
    if (expr.name == "not")
      return Value::boolean(!operand->truthy());
    if (operand->is(Kind::Float))
      return Value::number(expr.name == "-" ? -operand->asFloat()
                                            : operand->asFloat());
    if (operand->is(Kind::Int) || operand->is(Kind::Bool)) {
      int64_t value = operand->asInt();
      if (expr.name == "-" && value == INT64_MIN)
        return at(expr.line, "integer overflow");
      return Value::integer(expr.name == "-" ? -value : value);
    }
    return at(expr.line, "bad operand type for unary " + expr.name + ": " +
                             operand->typeName());
  }

  Expected<Value> evalBinary(const Expr &expr) {
    Expected<Value> lhs = eval(*expr.children[0]);
    if (!lhs)
      return lhs;
    const std::string &op = expr.name;
    // Python's `and` and `or` return an operand, short-circuiting.
    if (op == "and" && !lhs->truthy())
      return lhs;
    if (op == "or" && lhs->truthy())
      return lhs;
    Expected<Value> rhs = eval(*expr.children[1]);
    if (!rhs || op == "and" || op == "or")
      return rhs;
    Expected<Value> result = binaryOperator(op, *lhs, *rhs);
    return result ? result : at(expr.line, result.error().message());
  }

  static Expected<Value> binaryOperator(const std::string &op, const Value &a,
                                        const Value &b) {
    auto unsupported = [&]() {
      return Error("unsupported operand types for " + op + ": " + a.typeName() +
                   " and " + b.typeName());
    };
    if (op == "==" || op == "!=")
      return Value::boolean((a == b) == (op == "=="));
    if (op == "in" || op == "not in") {
      bool found = false;
      if (b.is(Kind::String)) {
        if (!a.is(Kind::String))
          return unsupported();
        found = b.asString().find(a.asString()) != std::string::npos;
      } else if (b.is(Kind::List)) {
        found = std::find(b.asList().begin(), b.asList().end(), a) !=
                b.asList().end();
      } else if (b.is(Kind::Dict)) {
        found = a.is(Kind::String) && b.find(a.asString()) != nullptr;
      } else if (!b.is(Kind::Undefined)) {
        return unsupported();
      }
      return Value::boolean(found == (op == "in"));
    }
    if (op == "~" || (op == "+" && a.is(Kind::String) && b.is(Kind::String))) {
      std::string left = a.str(), right = b.str();
      if (left.size() + right.size() > kMaxStringBytes)
        return Error("string concatenation exceeds " +
                     std::to_string(kMaxStringBytes >> 20) + " MiB");
      return Value::string(left + right);
    }
    if (op == "<" || op == "<=" || op == ">" || op == ">=") {
      int order;
      if (a.isNumber() && b.isNumber())
        order = a.asFloat() < b.asFloat() ? -1 : a.asFloat() > b.asFloat();
      else if (a.is(Kind::String) && b.is(Kind::String))
        order = a.asString().compare(b.asString());
      else
        return unsupported();
      bool holds = op == "<"    ? order < 0
                   : op == "<=" ? order <= 0
                   : op == ">"  ? order > 0
                                : order >= 0;
      return Value::boolean(holds);
    }
    if (op == "+") {
      if (a.is(Kind::List) && b.is(Kind::List)) {
        Value::List items = a.asList();
        items.insert(items.end(), b.asList().begin(), b.asList().end());
        return Value::list(std::move(items));
      }
    }
    if (op == "*" && a.is(Kind::String) && b.is(Kind::Int)) {
      const std::string &text = a.asString();
      // "" * 10**12 is "" at once, not after 10**12 appends.
      if (text.empty() || b.asInt() <= 0)
        return Value::string("");
      // Divided, not multiplied: "abcd" * 2**62 must not wrap around.
      if (uint64_t(b.asInt()) > kMaxStringBytes / text.size())
        return Error("string repetition exceeds " +
                     std::to_string(kMaxStringBytes >> 20) + " MiB");
      std::string out;
      out.reserve(text.size() * size_t(b.asInt()));
      for (int64_t i = 0; i < b.asInt(); ++i)
        out += text;
      return Value::string(std::move(out));
    }
    if (!a.isNumber() || !b.isNumber())
      return unsupported();
    return arithmetic(op, a, b);
  }

  /// + - * / // % ** on numbers, ints staying ints where Python's do.
  static Expected<Value> arithmetic(const std::string &op, const Value &a,
                                    const Value &b) {
    bool real = a.is(Kind::Float) || b.is(Kind::Float) || op == "/";
    if (op == "/" || op == "//" || op == "%")
      if (b.asFloat() == 0)
        return Error(op == "%" ? "modulo by zero" : "division by zero");
    if (real || op == "**") {
      double x = a.asFloat(), y = b.asFloat();
      if (op == "**" && !real && b.asInt() >= 0) {
        // By squaring: 1 ** (2 ** 62) takes 62 steps, not 2 ** 62.
        int64_t result = 1, base = a.asInt();
        for (int64_t exponent = b.asInt(); exponent > 0; exponent >>= 1) {
          if ((exponent & 1) && __builtin_mul_overflow(result, base, &result))
            return Error("integer overflow");
          if (exponent > 1 && __builtin_mul_overflow(base, base, &base))
            return Error("integer overflow");
        }
        return Value::integer(result);
      }
      double r = op == "+"    ? x + y
                 : op == "-"  ? x - y
                 : op == "*"  ? x * y
                 : op == "/"  ? x / y
                 : op == "//" ? std::floor(x / y)
                 : op == "%"  ? x - y * std::floor(x / y)
                              : std::pow(x, y);
      return Value::number(r);
    }
    int64_t x = a.asInt(), y = b.asInt(), r = 0;
    bool overflow = false;
    if (op == "+")
      overflow = __builtin_add_overflow(x, y, &r);
    else if (op == "-")
      overflow = __builtin_sub_overflow(x, y, &r);
    else if (op == "*")
      overflow = __builtin_mul_overflow(x, y, &r);
    else if (x == INT64_MIN && y == -1)
      overflow = true;
    else if (op == "//") // floor, as Python
      r = x / y - ((x % y != 0) && ((x < 0) != (y < 0)));
    else if ((r = x % y) != 0 && (r < 0) != (y < 0))
      r += y; // % takes the divisor's sign, as in Python
    if (overflow)
      return Error("integer overflow");
    return Value::integer(r);
  }

  std::vector<std::unordered_map<std::string, Value>> scopes;
  BuiltBytes built;
  std::string out;
  int64_t iterations = 0;
};

} // namespace

Expected<std::string> Template::render(const Value::Dict &globals) const {
  return Renderer(globals).run(*body);
}

} // namespace llama4c::runtime::jinja
