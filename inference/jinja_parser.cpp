// Recursive-descent parser for the Jinja subset (see jinja_ast.h). Operator precedence follows
// Jinja2: or < and < not < comparison < + - < ~ < * / // % < ** < unary < postfix/filter/test.
#include "inference/jinja_ast.h"
#include "inference/jinja_lexer.h"

#include <set>

namespace rayctl::inference::jinja {

namespace {

class Parser {
 public:
  explicit Parser(std::vector<Token> toks) : t_(std::move(toks)) {}

  Body parse_all() {
    Body b = parse_body({});
    if (peek().kind != TokKind::Eof) fail("unexpected '" + peek().text + "'");
    return b;
  }

 private:
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

  // ------------------------------------------------------------------ expressions
  ExprPtr make(ExprKind k, int line) {
    auto e = std::make_unique<Expr>();
    e->kind = k;
    e->line = line;
    return e;
  }

  ExprPtr binary(const std::string& op, ExprPtr a, ExprPtr b) {
    auto e = make(ExprKind::Binary, a->line);
    e->name = op;
    e->args.push_back(std::move(a));
    e->args.push_back(std::move(b));
    return e;
  }

  ExprPtr expr() {
    ExprPtr e = or_expr();
    while (is_name("if")) {
      ++i_;
      auto c = make(ExprKind::Cond, e->line);
      c->args.push_back(or_expr());
      c->args.push_back(std::move(e));
      if (is_name("else")) {
        ++i_;
        c->args.push_back(expr());
      } else {
        c->args.push_back(nullptr);
      }
      e = std::move(c);
    }
    return e;
  }

  ExprPtr ternary_free_or() { return or_expr(); }

  ExprPtr or_expr() {
    ExprPtr e = and_expr();
    while (is_name("or")) {
      ++i_;
      e = binary("or", std::move(e), and_expr());
    }
    return e;
  }

  ExprPtr and_expr() {
    ExprPtr e = not_expr();
    while (is_name("and")) {
      ++i_;
      e = binary("and", std::move(e), not_expr());
    }
    return e;
  }

  ExprPtr not_expr() {
    if (is_name("not")) {
      int line = next().line;
      auto e = make(ExprKind::Unary, line);
      e->name = "not";
      e->args.push_back(not_expr());
      return e;
    }
    return compare();
  }

  ExprPtr compare() {
    ExprPtr e = math1();
    while (true) {
      std::string op;
      if (peek().kind == TokKind::Op &&
          (peek().text == "==" || peek().text == "!=" || peek().text == "<" || peek().text == ">" ||
           peek().text == "<=" || peek().text == ">=")) {
        op = next().text;
      } else if (is_name("in")) {
        ++i_;
        op = "in";
      } else if (is_name("not") && is_name("in", 1)) {
        i_ += 2;
        op = "not in";
      } else {
        return e;
      }
      e = binary(op, std::move(e), math1());
    }
  }

  ExprPtr math1() {
    ExprPtr e = concat();
    while (is_op("+") || is_op("-")) {
      std::string op = next().text;
      e = binary(op, std::move(e), concat());
    }
    return e;
  }

  ExprPtr concat() {
    ExprPtr e = math2();
    while (is_op("~")) {
      ++i_;
      e = binary("~", std::move(e), math2());
    }
    return e;
  }

  ExprPtr math2() {
    ExprPtr e = power();
    while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
      std::string op = next().text;
      e = binary(op, std::move(e), power());
    }
    return e;
  }

  ExprPtr power() {
    ExprPtr e = unary();
    while (is_op("**")) {
      ++i_;
      e = binary("**", std::move(e), unary());
    }
    return e;
  }

  ExprPtr unary() {
    if (is_op("-") || is_op("+")) {
      int line = peek().line;
      std::string op = next().text;
      auto e = make(ExprKind::Unary, line);
      e->name = op;
      e->args.push_back(unary());
      return filters(std::move(e));
    }
    return filters(postfix(primary()));
  }

  void call_args(Expr& e) {
    expect_op("(");
    while (!is_op(")")) {
      if (peek().kind == TokKind::Name && is_op("=", 1)) {
        std::string k = next().text;
        ++i_;
        e.kwargs.emplace_back(k, expr());
      } else {
        e.args.push_back(expr());
      }
      if (!is_op(")")) expect_op(",");
    }
    expect_op(")");
  }

  ExprPtr filters(ExprPtr e) {
    while (true) {
      if (is_op("|")) {
        ++i_;
        auto f = make(ExprKind::Filter, peek().line);
        f->name = name();
        f->args.push_back(std::move(e));
        if (is_op("(")) call_args(*f);
        e = postfix(std::move(f));
      } else if (is_name("is")) {
        ++i_;
        auto t = make(ExprKind::Test, peek().line);
        if (is_name("not")) {
          ++i_;
          t->negated = true;
        }
        t->name = name();
        t->args.push_back(std::move(e));
        if (is_op("(")) {
          call_args(*t);
        } else if (peek().kind == TokKind::String || peek().kind == TokKind::Int || peek().kind == TokKind::Float ||
                   (peek().kind == TokKind::Name && !is_name("and") && !is_name("or") && !is_name("else") &&
                    !is_name("if") && !is_name("in") && !is_name("not") && !is_name("is"))) {
          t->args.push_back(primary());  // "is divisibleby 3", "is sameas none"
        }
        e = std::move(t);
      } else {
        return e;
      }
    }
  }

  ExprPtr postfix(ExprPtr e) {
    while (true) {
      if (is_op(".")) {
        ++i_;
        auto a = make(ExprKind::Attr, e->line);
        if (peek().kind == TokKind::Int) a->name = next().text;
        else a->name = name();
        a->args.push_back(std::move(e));
        e = std::move(a);
      } else if (is_op("[")) {
        ++i_;
        e = subscript(std::move(e));
      } else if (is_op("(")) {
        auto c = make(ExprKind::Call, e->line);
        c->args.push_back(std::move(e));
        call_args(*c);
        e = std::move(c);
      } else {
        return e;
      }
    }
  }

  ExprPtr subscript(ExprPtr target) {
    ExprPtr parts[3];
    int idx = 0;
    bool is_slice = false;
    while (!is_op("]")) {
      if (is_op(":")) {
        ++i_;
        is_slice = true;
        if (++idx > 2) fail("too many ':' in slice");
        continue;
      }
      parts[idx] = expr();
    }
    expect_op("]");
    auto e = make(is_slice ? ExprKind::Slice : ExprKind::Item, target->line);
    e->args.push_back(std::move(target));
    if (!is_slice) {
      if (!parts[0]) fail("empty subscript");
      e->args.push_back(std::move(parts[0]));
    } else {
      for (auto& p : parts) e->args.push_back(std::move(p));
    }
    return e;
  }

  ExprPtr primary() {
    const Token& tk = peek();
    int line = tk.line;
    auto lit = [&](Value v) {
      ++i_;
      auto e = make(ExprKind::Literal, line);
      e->literal = std::move(v);
      return e;
    };
    switch (tk.kind) {
      case TokKind::String: {
        std::string s = tk.text;
        ++i_;
        while (peek().kind == TokKind::String) s += next().text;  // adjacent literals concatenate
        auto e = make(ExprKind::Literal, line);
        e->literal = Value(s);
        return e;
      }
      case TokKind::Int: return lit(Value(int64_t(std::stoll(tk.text))));
      case TokKind::Float: return lit(Value(std::stod(tk.text)));
      case TokKind::Name: {
        const std::string& n = tk.text;
        if (n == "true" || n == "True") return lit(Value(true));
        if (n == "false" || n == "False") return lit(Value(false));
        if (n == "none" || n == "None") return lit(Value::none());
        ++i_;
        auto e = make(ExprKind::Name, line);
        e->name = n;
        return e;
      }
      case TokKind::Op:
        if (tk.text == "(") {
          ++i_;
          ExprPtr first = expr();
          if (is_op(",")) {  // tuple
            auto l = make(ExprKind::ListLit, line);
            l->args.push_back(std::move(first));
            while (is_op(",")) {
              ++i_;
              if (is_op(")")) break;
              l->args.push_back(expr());
            }
            expect_op(")");
            return l;
          }
          expect_op(")");
          return first;
        }
        if (tk.text == "[") {
          ++i_;
          auto l = make(ExprKind::ListLit, line);
          while (!is_op("]")) {
            l->args.push_back(expr());
            if (!is_op("]")) expect_op(",");
          }
          expect_op("]");
          return l;
        }
        if (tk.text == "{") {
          ++i_;
          auto d = make(ExprKind::DictLit, line);
          while (!is_op("}")) {
            d->args.push_back(expr());
            expect_op(":");
            d->args.push_back(expr());
            if (!is_op("}")) expect_op(",");
          }
          expect_op("}");
          return d;
        }
        break;
      default: break;
    }
    fail("unexpected '" + (tk.text.empty() ? std::string("end of tag") : tk.text) + "' in expression");
  }

  std::vector<Token> t_;
  size_t i_ = 0;
};

}  // namespace

Body parse_template(const std::string& source) { return Parser(lex_template(source)).parse_all(); }

}  // namespace rayctl::inference::jinja
