//===- JinjaParser.cpp - Tokens into a template tree ---------------------===//
//
// Recursive descent with Jinja's precedence, loosest first:
//   a if b else c;  or;  and;  not;  == != < <= > >= in, not in;  + -;
//   ~;  * / // %;  **;  unary - +;  then a primary with its postfixes
//   (.name, [index], [a:b:c], (call)) and its filters and tests (| f, is t).
// Errors carry the line of the token at fault.
//
//===----------------------------------------------------------------------===//

#include "runtime/chat-template/Jinja.h"

#include "runtime/chat-template/JinjaAst.h"
#include "runtime/chat-template/JinjaLexer.h"

#include <cerrno>
#include <cstdlib>
#include <optional>

namespace llama4c::runtime::jinja {

namespace {

/// Deeper nesting than this, in statements or expressions, is refused so
/// that a hostile template cannot exhaust the stack.
constexpr int kMaxDepth = 200;

class Parser {
public:
  explicit Parser(std::vector<Token> tokens) : tokens(std::move(tokens)) {}

  Expected<std::vector<Node>> parseTemplate() {
    std::vector<Node> body = parseBody({});
    if (failure)
      return *failure;
    return body;
  }

private:
  using Kind = Token::Kind;

  // --- Token access -------------------------------------------------------

  const Token &peek(size_t ahead = 0) const {
    return tokens[std::min(index + ahead, tokens.size() - 1)];
  }
  const Token &next() {
    const Token &token = peek();
    if (index + 1 < tokens.size())
      ++index;
    return token;
  }
  bool isOperator(const char *op, size_t ahead = 0) const {
    return peek(ahead).kind == Kind::Operator && peek(ahead).text == op;
  }
  bool isName(const char *name, size_t ahead = 0) const {
    return peek(ahead).kind == Kind::Name && peek(ahead).text == name;
  }
  bool acceptOperator(const char *op) {
    if (!isOperator(op))
      return false;
    next();
    return true;
  }
  bool acceptName(const char *name) {
    if (!isName(name))
      return false;
    next();
    return true;
  }

  /// Records the first error; parsing then unwinds with placeholders.
  void fail(const std::string &message, int line) {
    if (!failure)
      failure = Error(std::to_string(line) + ": " + message);
  }
  void fail(const std::string &message) { fail(message, peek().line); }

  static std::string describe(const Token &token) {
    switch (token.kind) {
    case Kind::End:
      return "the end of the template";
    case Kind::BlockEnd:
      return "'%}'";
    case Kind::VariableEnd:
      return "'}}'";
    case Kind::String:
      return "a string";
    case Kind::Text:
      return "text";
    default:
      return "'" + token.text + "'";
    }
  }

  void expectOperator(const char *op) {
    if (!acceptOperator(op))
      fail(std::string("expected '") + op + "', got " + describe(peek()));
  }
  void expect(Kind kind, const char *what) {
    if (peek().kind == kind)
      next();
    else
      fail(std::string("expected ") + what + ", got " + describe(peek()));
  }
  std::string expectName() {
    if (peek().kind == Kind::Name)
      return next().text;
    fail("expected a name, got " + describe(peek()));
    return "";
  }

  // --- Statements ---------------------------------------------------------

  /// Nodes up to a `{% TAG %}` with TAG in `ends` (left unread, its
  /// BlockBegin included) or the end of the template.
  std::vector<Node> parseBody(std::initializer_list<const char *> ends) {
    std::vector<Node> body;
    if (++statementDepth > kMaxDepth)
      fail("statements nested too deeply");
    while (!failure && peek().kind != Kind::End) {
      const Token &token = peek();
      if (token.kind == Kind::Text) {
        body.push_back(makeNode(Node::Kind::Text, token.line));
        body.back().text = next().text;
      } else if (token.kind == Kind::VariableBegin) {
        next();
        Node output = makeNode(Node::Kind::Output, token.line);
        output.expr = parseExpression();
        expect(Kind::VariableEnd, "'}}'");
        body.push_back(std::move(output));
      } else if (token.kind == Kind::BlockBegin) {
        for (const char *end : ends)
          if (isName(end, 1)) {
            --statementDepth;
            return body;
          }
        next();
        if (std::optional<Node> statement = parseStatement())
          body.push_back(std::move(*statement));
      } else {
        fail("unexpected " + describe(token));
      }
    }
    --statementDepth;
    return body;
  }

  /// Reads `{% TAG %}`, TAG one of `ends`; returns it.
  std::string closeBody(std::initializer_list<const char *> ends,
                        const char *opener, int line) {
    if (peek().kind != Kind::BlockBegin) {
      std::string expected;
      for (const char *end : ends)
        expected +=
            std::string(expected.empty() ? "" : " or ") + "'" + end + "'";
      fail(std::string("'") + opener + "' is never closed: expected " +
               expected,
           line);
      return "";
    }
    next();
    std::string tag = next().text;
    return tag;
  }

  static Node makeNode(Node::Kind kind, int line) {
    Node node{};
    node.kind = kind;
    node.line = line;
    return node;
  }

  std::optional<Node> parseStatement() {
    int line = peek().line;
    std::string tag = expectName();
    if (failure)
      return std::nullopt;
    if (tag == "if")
      return parseIf(line);
    if (tag == "for")
      return parseFor(line);
    if (tag == "set")
      return parseSet(line);
    if (tag == "break" || tag == "continue") {
      expect(Kind::BlockEnd, "'%}'");
      return makeNode(tag == "break" ? Node::Kind::Break : Node::Kind::Continue,
                      line);
    }
    if (tag == "generation") {
      // transformers' assistant-mask marker renders its body unchanged: an
      // `if` with only an `else`.
      expect(Kind::BlockEnd, "'%}'");
      Node group = makeNode(Node::Kind::If, line);
      group.bodies.push_back(parseBody({"endgeneration"}));
      closeBody({"endgeneration"}, "generation", line);
      expect(Kind::BlockEnd, "'%}'");
      return group;
    }
    if (tag.rfind("end", 0) == 0 || tag == "else" || tag == "elif")
      fail("unexpected '" + tag + "'", line);
    else
      fail("unsupported tag '" + tag + "'", line);
    return std::nullopt;
  }

  Node parseIf(int line) {
    Node node = makeNode(Node::Kind::If, line);
    node.conditions.push_back(parseExpression());
    expect(Kind::BlockEnd, "'%}'");
    while (!failure) {
      node.bodies.push_back(parseBody({"elif", "else", "endif"}));
      std::string tag = closeBody({"elif", "else", "endif"}, "if", line);
      if (tag == "elif") {
        node.conditions.push_back(parseExpression());
      } else if (tag == "else") {
        expect(Kind::BlockEnd, "'%}'");
        node.bodies.push_back(parseBody({"endif"}));
        closeBody({"endif"}, "if", line);
        expect(Kind::BlockEnd, "'%}'");
        break;
      }
      expect(Kind::BlockEnd, "'%}'");
      if (tag != "elif")
        break;
    }
    return node;
  }

  Node parseFor(int line) {
    Node node = makeNode(Node::Kind::For, line);
    bool parenthesised = acceptOperator("(");
    do
      node.targets.push_back(expectName());
    while (!failure && acceptOperator(","));
    if (parenthesised)
      expectOperator(")");
    if (!acceptName("in"))
      fail("expected 'in' after the loop variables");
    node.expr = parseOr();
    if (acceptName("if"))
      node.filter = parseOr();
    if (isName("recursive"))
      fail("recursive loops are not supported");
    expect(Kind::BlockEnd, "'%}'");
    node.bodies.push_back(parseBody({"else", "endfor"}));
    if (closeBody({"else", "endfor"}, "for", line) == "else") {
      expect(Kind::BlockEnd, "'%}'");
      node.bodies.push_back(parseBody({"endfor"}));
      closeBody({"endfor"}, "for", line);
    }
    expect(Kind::BlockEnd, "'%}'");
    return node;
  }

  Node parseSet(int line) {
    Node node = makeNode(Node::Kind::Set, line);
    node.targets.push_back(expectName());
    if (acceptOperator("."))
      node.attribute = expectName();
    if (acceptOperator("=")) {
      node.expr = parseExpression();
      expect(Kind::BlockEnd, "'%}'");
      return node;
    }
    if (isOperator(","))
      fail("unpacking in 'set' is not supported");
    if (!node.attribute.empty())
      fail("expected '=' after the namespace attribute");
    node.kind = Node::Kind::SetBlock;
    expect(Kind::BlockEnd, "'%}'");
    node.bodies.push_back(parseBody({"endset"}));
    closeBody({"endset"}, "set", line);
    expect(Kind::BlockEnd, "'%}'");
    return node;
  }

  // --- Expressions --------------------------------------------------------

  /// Makes `child` (possibly null: an absent part) one of `parent`'s, and
  /// fails once a chain of nodes grows deeper than kMaxDepth: `1+1+...`,
  /// `x|f|f...` or `a.b.c...` parse in loops, not recursion, but rendering
  /// and freeing the tree recurse over its height.
  void noteChild(Expr &parent, const Expr *child) {
    if (!child)
      return;
    parent.height = std::max(parent.height, child->height + 1);
    if (parent.height > kMaxDepth)
      fail("expression nested too deeply", parent.line);
  }
  void adopt(Expr &parent, ExprPtr child) {
    noteChild(parent, child.get());
    parent.children.push_back(std::move(child));
  }

  ExprPtr make(Expr::Kind kind, int line, std::string name = "") {
    auto expr = std::make_unique<Expr>();
    expr->kind = kind;
    expr->line = line;
    expr->name = std::move(name);
    return expr;
  }
  ExprPtr literal(const Value &value, int line) {
    ExprPtr expr = make(Expr::Kind::Literal, line);
    expr->literal = value;
    return expr;
  }
  ExprPtr binary(std::string op, ExprPtr lhs, ExprPtr rhs, int line) {
    ExprPtr expr = make(Expr::Kind::Binary, line, std::move(op));
    adopt(*expr, std::move(lhs));
    adopt(*expr, std::move(rhs));
    return expr;
  }

  /// Guards one level of expression recursion.
  struct DepthGuard {
    Parser &parser;
    explicit DepthGuard(Parser &parser) : parser(parser) {
      if (++parser.expressionDepth > kMaxDepth)
        parser.fail("expression nested too deeply");
    }
    ~DepthGuard() { --parser.expressionDepth; }
  };

  ExprPtr parseExpression() {
    DepthGuard guard(*this);
    int line = peek().line;
    ExprPtr value = parseOr();
    if (failure || !acceptName("if"))
      return value;
    ExprPtr conditional = make(Expr::Kind::Conditional, line);
    adopt(*conditional, std::move(value));
    adopt(*conditional, parseOr());
    adopt(*conditional, acceptName("else") ? parseExpression() : nullptr);
    return conditional;
  }

  ExprPtr parseOr() {
    ExprPtr lhs = parseAnd();
    while (!failure && isName("or")) {
      int line = next().line;
      lhs = binary("or", std::move(lhs), parseAnd(), line);
    }
    return lhs;
  }

  ExprPtr parseAnd() {
    ExprPtr lhs = parseNot();
    while (!failure && isName("and")) {
      int line = next().line;
      lhs = binary("and", std::move(lhs), parseNot(), line);
    }
    return lhs;
  }

  ExprPtr parseNot() {
    if (!isName("not"))
      return parseCompare();
    DepthGuard guard(*this);
    if (failure) // too deep: stop here, not one level per remaining "not"
      return literal(Value(), peek().line);
    ExprPtr expr = make(Expr::Kind::Unary, next().line, "not");
    adopt(*expr, parseNot());
    return expr;
  }

  ExprPtr parseCompare() {
    ExprPtr lhs = parseMath1();
    while (!failure) {
      int line = peek().line;
      std::string op;
      if (peek().kind == Kind::Operator &&
          (peek().text == "==" || peek().text == "!=" || peek().text == "<" ||
           peek().text == "<=" || peek().text == ">" || peek().text == ">="))
        op = next().text;
      else if (acceptName("in"))
        op = "in";
      else if (isName("not") && isName("in", 1)) {
        next();
        next();
        op = "not in";
      } else
        break;
      lhs = binary(op, std::move(lhs), parseMath1(), line);
    }
    return lhs;
  }

  ExprPtr parseMath1() {
    ExprPtr lhs = parseConcat();
    while (!failure && (isOperator("+") || isOperator("-"))) {
      const Token &op = next();
      lhs = binary(op.text, std::move(lhs), parseConcat(), op.line);
    }
    return lhs;
  }

  ExprPtr parseConcat() {
    ExprPtr lhs = parseMath2();
    while (!failure && isOperator("~")) {
      int line = next().line;
      lhs = binary("~", std::move(lhs), parseMath2(), line);
    }
    return lhs;
  }

  ExprPtr parseMath2() {
    ExprPtr lhs = parsePow();
    while (!failure && (isOperator("*") || isOperator("/") ||
                        isOperator("//") || isOperator("%"))) {
      const Token &op = next();
      lhs = binary(op.text, std::move(lhs), parsePow(), op.line);
    }
    return lhs;
  }

  ExprPtr parsePow() {
    ExprPtr lhs = parseUnary(true);
    while (!failure && isOperator("**")) {
      int line = next().line;
      lhs = binary("**", std::move(lhs), parseUnary(true), line);
    }
    return lhs;
  }

  ExprPtr parseUnary(bool withFilters) {
    DepthGuard guard(*this);
    if (failure)
      return literal(Value(), peek().line);
    ExprPtr expr;
    if (isOperator("-") || isOperator("+")) {
      const Token &op = next();
      expr = make(Expr::Kind::Unary, op.line, op.text);
      adopt(*expr, parseUnary(false));
    } else {
      expr = parsePostfix(parsePrimary());
    }
    if (!withFilters)
      return expr;
    return parseFiltersAndTests(std::move(expr));
  }

  ExprPtr parsePrimary() {
    const Token &token = peek();
    int line = token.line;
    if (failure)
      return literal(Value(), line);
    switch (token.kind) {
    case Kind::Name: {
      next();
      const std::string &name = token.text;
      if (name == "true" || name == "True")
        return literal(Value::boolean(true), line);
      if (name == "false" || name == "False")
        return literal(Value::boolean(false), line);
      if (name == "none" || name == "None")
        return literal(Value::none(), line);
      return make(Expr::Kind::Name, line, name);
    }
    case Kind::String: {
      std::string text = next().text;
      while (peek().kind == Kind::String) // adjacent literals concatenate
        text += next().text;
      return literal(Value::string(std::move(text)), line);
    }
    case Kind::Integer: {
      next();
      errno = 0;
      long long value = std::strtoll(token.text.c_str(), nullptr, 10);
      if (errno == ERANGE)
        fail("integer literal out of range", line);
      return literal(Value::integer(value), line);
    }
    case Kind::Float:
      next();
      return literal(Value::number(std::strtod(token.text.c_str(), nullptr)),
                     line);
    case Kind::Operator:
      if (acceptOperator("("))
        return parseParenthesised(line);
      if (acceptOperator("["))
        return parseList(line);
      if (acceptOperator("{"))
        return parseDict(line);
      break;
    default:
      break;
    }
    fail("expected an expression, got " + describe(token), line);
    return literal(Value(), line);
  }

  /// After "(": a parenthesised expression, or a tuple (a list here).
  ExprPtr parseParenthesised(int line) {
    if (acceptOperator(")"))
      return make(Expr::Kind::List, line);
    ExprPtr first = parseExpression();
    if (!isOperator(",")) {
      expectOperator(")");
      return first;
    }
    ExprPtr tuple = make(Expr::Kind::List, line);
    adopt(*tuple, std::move(first));
    while (!failure && acceptOperator(",") && !isOperator(")"))
      adopt(*tuple, parseExpression());
    expectOperator(")");
    return tuple;
  }

  ExprPtr parseList(int line) {
    ExprPtr list = make(Expr::Kind::List, line);
    while (!failure && !isOperator("]")) {
      adopt(*list, parseExpression());
      if (!acceptOperator(","))
        break;
    }
    expectOperator("]");
    return list;
  }

  ExprPtr parseDict(int line) {
    ExprPtr dict = make(Expr::Kind::Dict, line);
    while (!failure && !isOperator("}")) {
      adopt(*dict, parseExpression());
      expectOperator(":");
      adopt(*dict, parseExpression());
      if (!acceptOperator(","))
        break;
    }
    expectOperator("}");
    return dict;
  }

  ExprPtr parsePostfix(ExprPtr expr) {
    while (!failure) {
      int line = peek().line;
      if (acceptOperator(".")) {
        if (peek().kind == Kind::Integer) { // x.0 is x[0]
          ExprPtr item = make(Expr::Kind::Item, line);
          adopt(*item, std::move(expr));
          adopt(*item, parsePrimary());
          expr = std::move(item);
          continue;
        }
        ExprPtr attribute = make(Expr::Kind::Attribute, line, expectName());
        adopt(*attribute, std::move(expr));
        expr = std::move(attribute);
      } else if (acceptOperator("[")) {
        expr = parseSubscript(std::move(expr), line);
      } else if (acceptOperator("(")) {
        ExprPtr call = make(Expr::Kind::Call, line);
        adopt(*call, std::move(expr));
        parseArguments(*call);
        expr = std::move(call);
      } else {
        break;
      }
    }
    return expr;
  }

  /// After "[": an index or a slice a:b:c with any part left out.
  ExprPtr parseSubscript(ExprPtr object, int line) {
    ExprPtr parts[3];
    int part = 0;
    bool slice = false;
    while (!failure) {
      if (!isOperator(":") && !isOperator("]"))
        parts[part] = parseExpression();
      if (!isOperator(":") || part == 2)
        break;
      next();
      slice = true;
      ++part;
    }
    expectOperator("]");
    if (!slice) {
      if (!parts[0])
        fail("empty subscript", line);
      ExprPtr item = make(Expr::Kind::Item, line);
      adopt(*item, std::move(object));
      adopt(*item, std::move(parts[0]));
      return item;
    }
    ExprPtr result = make(Expr::Kind::Slice, line);
    adopt(*result, std::move(object));
    for (ExprPtr &p : parts)
      adopt(*result, std::move(p));
    return result;
  }

  /// After "(": arguments up to ")", positional then name=value.
  void parseArguments(Expr &call) {
    while (!failure && !isOperator(")")) {
      if (peek().kind == Kind::Name && isOperator("=", 1)) {
        std::string name = next().text;
        next();
        ExprPtr value = parseExpression();
        noteChild(call, value.get());
        call.keywords.emplace_back(name, std::move(value));
      } else {
        if (!call.keywords.empty())
          fail("positional argument after a keyword argument");
        adopt(call, parseExpression());
      }
      if (!acceptOperator(","))
        break;
    }
    expectOperator(")");
  }

  ExprPtr parseFiltersAndTests(ExprPtr expr) {
    while (!failure) {
      int line = peek().line;
      if (acceptOperator("|")) {
        ExprPtr filter = make(Expr::Kind::Filter, line, expectName());
        adopt(*filter, std::move(expr));
        if (acceptOperator("("))
          parseArguments(*filter);
        expr = std::move(filter);
      } else if (acceptName("is")) {
        bool negated = acceptName("not");
        ExprPtr test = make(Expr::Kind::Test, line, expectName());
        test->negated = negated;
        adopt(*test, std::move(expr));
        if (acceptOperator("(")) {
          parseArguments(*test);
        } else if (startsBareTestArgument()) {
          adopt(*test, parsePostfix(parsePrimary()));
        }
        expr = std::move(test);
      } else {
        break;
      }
    }
    return expr;
  }

  /// Whether a test is followed by one argument without parentheses, as
  /// in `x is divisibleby 3` or `x is sameas none`.
  bool startsBareTestArgument() const {
    const Token &token = peek();
    if (token.kind == Kind::Name)
      return token.text != "else" && token.text != "or" &&
             token.text != "and" && token.text != "if" && token.text != "in" &&
             token.text != "not" && token.text != "is";
    return token.kind == Kind::String || token.kind == Kind::Integer ||
           token.kind == Kind::Float || isOperator("[") || isOperator("{");
  }

  std::vector<Token> tokens;
  size_t index = 0;
  int statementDepth = 0;
  int expressionDepth = 0;
  std::optional<Error> failure;
};

} // namespace

Expected<Template> Template::parse(std::string_view source) {
  Expected<std::vector<Token>> tokens = lexTemplate(source);
  if (!tokens)
    return tokens.error();
  Expected<std::vector<Node>> body = Parser(std::move(*tokens)).parseTemplate();
  if (!body)
    return body.error();
  return Template(std::make_shared<const std::vector<Node>>(std::move(*body)));
}

} // namespace llama4c::runtime::jinja
