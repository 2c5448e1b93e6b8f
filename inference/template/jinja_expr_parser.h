// ExprParser: the expression half of the Jinja parser (jinja_parser.cpp holds the statement
// half and derives from it), over a cursor on the lexer's tokens. Operator precedence follows
// Jinja2: or < and < not < comparison < + - < ~ < * / // % < ** < unary < postfix/filter/test.
// Internal to the template folder; jinja_ast.h's parse_template() is the entry point.
#pragma once

#include "inference/template/jinja_ast.h"
#include "inference/template/jinja_lexer.h"

#include <algorithm>
#include <string>
#include <vector>

namespace rayctl::inference::jinja {

class ExprParser {
 public:
  explicit ExprParser(std::vector<Token> toks) : t_(std::move(toks)) {}

  // A full expression, with `a if cond else b`.
  ExprPtr expr();
  // The iterable of a `for`: no inline `if`, which there filters the loop instead.
  ExprPtr ternary_free_or();

 protected:
  const Token& peek(size_t k = 0) const { return t_[std::min(i_ + k, t_.size() - 1)]; }
  const Token& next() { return t_[std::min(i_++, t_.size() - 1)]; }
  [[noreturn]] void fail(const std::string& msg) const { throw TemplateError(msg, peek().line); }
  bool is_op(const char* op, size_t k = 0) const { return peek(k).kind == TokKind::Op && peek(k).text == op; }
  bool is_name(const char* n, size_t k = 0) const { return peek(k).kind == TokKind::Name && peek(k).text == n; }
  void expect_op(const char* op) {
    if (!is_op(op)) fail(std::string("expected '") + op + "', found '" + peek().text + "'");
    ++i_;
  }
  void expect_name(const char* n) {
    if (!is_name(n)) fail(std::string("expected '") + n + "', found '" + peek().text + "'");
    ++i_;
  }
  std::string name() {
    if (peek().kind != TokKind::Name) fail("expected a name, found '" + peek().text + "'");
    return next().text;
  }
  void expect_block_end() {
    if (peek().kind != TokKind::BlockEnd) fail("expected end of tag '%}', found '" + peek().text + "'");
    ++i_;
  }

  std::vector<Token> t_;
  size_t i_ = 0;

 private:
  ExprPtr make(ExprKind k, int line);
  ExprPtr binary(const std::string& op, ExprPtr a, ExprPtr b);
  ExprPtr or_expr();
  ExprPtr and_expr();
  ExprPtr not_expr();
  ExprPtr compare();
  ExprPtr math1();
  ExprPtr concat();
  ExprPtr math2();
  ExprPtr power();
  ExprPtr unary();
  void call_args(Expr& e);
  ExprPtr filters(ExprPtr e);
  ExprPtr postfix(ExprPtr e);
  ExprPtr subscript(ExprPtr target);
  ExprPtr primary();
};

}  // namespace rayctl::inference::jinja
