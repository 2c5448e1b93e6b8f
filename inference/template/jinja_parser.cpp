// Recursive-descent parser for the Jinja subset (see jinja_ast.h): the statements (`if`, `for`,
// `set`, `macro`, ...) here, the expressions in jinja_expr_parser.cpp.
#include "inference/template/jinja_ast.h"
#include "inference/template/jinja_expr_parser.h"
#include "inference/template/jinja_lexer.h"

#include <set>

namespace rayctl::inference::jinja {

namespace {

class Parser : public ExprParser {
 public:
  explicit Parser(std::vector<Token> toks) : ExprParser(std::move(toks)) {}

  Body parse_all() {
    Body b = parse_body({});
    if (peek().kind != TokKind::Eof) fail("unexpected '" + peek().text + "'");
    return b;
  }

 private:
  // Parses nodes until a block tag whose keyword is in `stops` (left unconsumed, positioned at
  // the keyword) or EOF.
  Body parse_body(const std::set<std::string>& stops) {
    Body body;
    while (true) {
      const Token& tk = peek();
      if (tk.kind == TokKind::Eof) {
        if (!stops.empty()) fail("unexpected end of template; missing {% " + *stops.begin() + " %}");
        return body;
      }
      if (tk.kind == TokKind::Text) {
        auto n = std::make_unique<Node>();
        n->kind = NodeKind::Text;
        n->text = tk.text;
        n->line = tk.line;
        body.push_back(std::move(n));
        ++i_;
      } else if (tk.kind == TokKind::VarBegin) {
        ++i_;
        auto n = std::make_unique<Node>();
        n->kind = NodeKind::Output;
        n->line = tk.line;
        n->expr = expr();
        if (peek().kind != TokKind::VarEnd) fail("expected '}}', found '" + peek().text + "'");
        ++i_;
        body.push_back(std::move(n));
      } else if (tk.kind == TokKind::BlockBegin) {
        if (peek(1).kind == TokKind::Name && stops.count(peek(1).text)) {
          ++i_;
          return body;
        }
        ++i_;
        body.push_back(statement());
      } else {
        fail("unexpected token '" + tk.text + "'");
      }
    }
  }

  NodePtr statement() {
    int line = peek().line;
    std::string kw = name();
    auto n = std::make_unique<Node>();
    n->line = line;
    if (kw == "if") return parse_if(std::move(n));
    if (kw == "for") return parse_for(std::move(n));
    if (kw == "set") return parse_set(std::move(n));
    if (kw == "macro") return parse_macro(std::move(n));
    if (kw == "break" || kw == "continue") {
      n->kind = kw == "break" ? NodeKind::Break : NodeKind::Continue;
      expect_block_end();
      return n;
    }
    if (kw == "generation") {  // transformers' AssistantTracker: renders its body unchanged
      expect_block_end();
      n->kind = NodeKind::If;
      auto t = std::make_unique<Expr>();
      t->literal = Value(true);
      n->branches.emplace_back(std::move(t), parse_body({"endgeneration"}));
      expect_name("endgeneration");
      expect_block_end();
      return n;
    }
    if (kw == "do") {
      n->kind = NodeKind::CallStatement;
      n->expr = expr();
      expect_block_end();
      return n;
    }
    fail("unsupported template tag '" + kw + "'");
  }

  NodePtr parse_if(NodePtr n) {
    n->kind = NodeKind::If;
    ExprPtr cond = expr();
    expect_block_end();
    while (true) {
      Body b = parse_body({"elif", "else", "endif"});
      n->branches.emplace_back(std::move(cond), std::move(b));
      std::string kw = name();
      if (kw == "elif") {
        cond = expr();
        expect_block_end();
        continue;
      }
      if (kw == "else") {
        expect_block_end();
        n->body = parse_body({"endif"});
        expect_name("endif");
      }
      expect_block_end();
      return n;
    }
  }

  NodePtr parse_for(NodePtr n) {
    n->kind = NodeKind::For;
    n->targets.push_back(name());
    while (is_op(",")) {
      ++i_;
      n->targets.push_back(name());
    }
    expect_name("in");
    n->expr = ternary_free_or();
    if (is_name("if")) {
      ++i_;
      n->loop_filter = expr();
    }
    if (is_name("recursive")) fail("recursive loops are not supported");
    expect_block_end();
    n->body = parse_body({"else", "endfor"});
    if (name() == "else") {
      expect_block_end();
      n->else_body = parse_body({"endfor"});
      expect_name("endfor");
    }
    expect_block_end();
    return n;
  }

  NodePtr parse_set(NodePtr n) {
    n->kind = NodeKind::Set;
    n->targets.push_back(name());
    if (is_op(".")) {
      ++i_;
      n->targets.push_back(name());
      n->attr_target = true;
    }
    while (is_op(",")) {
      ++i_;
      n->targets.push_back(name());
    }
    if (peek().kind == TokKind::BlockEnd && !n->attr_target && n->targets.size() == 1) {
      ++i_;
      n->kind = NodeKind::SetBlock;
      n->body = parse_body({"endset"});
      expect_name("endset");
      expect_block_end();
      return n;
    }
    expect_op("=");
    n->expr = expr();
    expect_block_end();
    return n;
  }

  NodePtr parse_macro(NodePtr n) {
    n->kind = NodeKind::Macro;
    n->text = name();
    expect_op("(");
    while (!is_op(")")) {
      std::string p = name();
      ExprPtr def;
      if (is_op("=")) {
        ++i_;
        def = expr();
      }
      n->params.emplace_back(p, std::move(def));
      if (!is_op(")")) expect_op(",");
    }
    expect_op(")");
    expect_block_end();
    n->body = parse_body({"endmacro"});
    expect_name("endmacro");
    expect_block_end();
    return n;
  }
};

}  // namespace

Body parse_template(const std::string& source) { return Parser(lex_template(source)).parse_all(); }

}  // namespace rayctl::inference::jinja
