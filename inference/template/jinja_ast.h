// The syntax tree of a Jinja template (the subset chat templates use) and the parser entry
// point. The lexer applies whitespace control (`-`), trim_blocks and lstrip_blocks exactly as
// transformers' apply_chat_template configures Jinja2. Evaluation is in jinja_template.cpp.
#pragma once

#include "inference/template/jinja_value.h"

#include <memory>
#include <string>
#include <vector>

namespace rayctl::inference::jinja {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

enum class ExprKind {
  Literal,  // literal
  Name,     // name
  Attr,     // args[0].name
  Item,     // args[0][args[1]]
  Slice,    // args[0][args[1]:args[2]:args[3]] (null children = omitted)
  Call,     // args[0](args[1..], kwargs)
  Filter,   // args[0] | name(args[1..], kwargs)
  Test,     // args[0] is [not] name(args[1..])
  Unary,    // name in {"-", "+", "not"} applied to args[0]
  Binary,   // args[0] name args[1]; name in + - * / // % ** ~ == != < > <= >= in "not in" and or
  Cond,     // args[1] if args[0] else args[2] (args[2] may be null)
  ListLit,  // [args...]  (also tuples)
  DictLit,  // {args[0]: args[1], args[2]: args[3], ...}
};

struct Expr {
  ExprKind kind = ExprKind::Literal;
  int line = 0;
  Value literal;
  std::string name;
  std::vector<ExprPtr> args;
  std::vector<std::pair<std::string, ExprPtr>> kwargs;
  bool negated = false;  // Test: "is not"
};

struct Node;
using NodePtr = std::unique_ptr<Node>;
using Body = std::vector<NodePtr>;

enum class NodeKind { Text, Output, If, For, Set, SetBlock, Macro, Break, Continue, CallStatement };

struct Node {
  NodeKind kind = NodeKind::Text;
  int line = 0;
  std::string text;                                // Text; Macro name
  ExprPtr expr;                                    // Output, Set value, For iterable, CallStatement
  std::vector<std::pair<ExprPtr, Body>> branches;  // If: (condition, body)...
  Body body;                                       // For, SetBlock, Macro; If: else body
  Body else_body;                                  // For: else
  std::vector<std::string> targets;                // For / Set names; Set attr target: {"ns", "attr"} with attr_target
  bool attr_target = false;
  ExprPtr loop_filter;                                  // For ... if cond
  std::vector<std::pair<std::string, ExprPtr>> params;  // Macro (default may be null)
};

// Parses template source. Throws TemplateError with the line number.
Body parse_template(const std::string& source);

}  // namespace rayctl::inference::jinja
