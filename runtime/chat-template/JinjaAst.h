//===- JinjaAst.h - Parsed chat templates -----------------------*- C++ -*-===//
//
// The tree the parser builds and the renderer walks: statements (Node) and
// expressions (Expr). One struct per level, tagged by kind, with children
// in fixed slots documented per kind; templates are small and this keeps
// the parser and the renderer in step without a visitor.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_RUNTIME_CHAT_TEMPLATE_JINJAAST_H
#define LLAMA4C_RUNTIME_CHAT_TEMPLATE_JINJAAST_H

#include "runtime/chat-template/JinjaValue.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace llama4c::runtime::jinja {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
  enum class Kind {
    Literal,   // literal
    Name,      // name
    Attribute, // children[0].name
    Item,      // children[0][children[1]]
    Slice,  // children[0][children[1]:children[2]:children[3]], null = absent
    Call,   // children[0](children[1..], keywords)
    Filter, // children[0] | name(children[1..], keywords)
    Test,   // children[0] is [not] name(children[1..], keywords)
    Unary,  // name ("-", "+", "not") applied to children[0]
    Binary, // children[0] name children[1]; name is the operator,
            // "and", "or", "in" or "not in"
    Conditional, // children[0] if children[1] else children[2] (may be null)
    List,        // [children...]
    Dict,        // {children[0]: children[1], children[2]: children[3], ...}
  };
  Kind kind;
  int line;
  std::string name;
  Value literal;
  std::vector<ExprPtr> children;
  std::vector<std::pair<std::string, ExprPtr>> keywords;
  bool negated = false; // Test: "is not"
  /// Nodes on the longest path down from here, this one included.
  int height = 1;
};

struct Node {
  enum class Kind {
    Text,     // text
    Output,   // {{ expr }}
    If,       // conditions[i] guards bodies[i]; a last extra body is `else`
    For,      // for targets in expr [if filter]: bodies[0] [else: bodies[1]]
    Set,      // set targets[0][.attribute] = expr
    SetBlock, // set targets[0] %}bodies[0]{% endset
    Break,
    Continue,
  };
  Kind kind;
  int line;
  std::string text;
  ExprPtr expr;
  ExprPtr filter;
  std::vector<ExprPtr> conditions;
  std::vector<std::vector<Node>> bodies;
  std::vector<std::string> targets;
  std::string attribute;
};

} // namespace llama4c::runtime::jinja

#endif // LLAMA4C_RUNTIME_CHAT_TEMPLATE_JINJAAST_H
