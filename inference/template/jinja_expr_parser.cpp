// Recursive-descent parsing of Jinja expressions (see jinja_expr_parser.h).
#include "inference/template/jinja_expr_parser.h"

namespace rayctl::inference::jinja {

ExprPtr ExprParser::make(ExprKind k, int line) {
  auto e = std::make_unique<Expr>();
  e->kind = k;
  e->line = line;
  return e;
}

ExprPtr ExprParser::binary(const std::string& op, ExprPtr a, ExprPtr b) {
  auto e = make(ExprKind::Binary, a->line);
  e->name = op;
  e->args.push_back(std::move(a));
  e->args.push_back(std::move(b));
  return e;
}

ExprPtr ExprParser::expr() {
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

ExprPtr ExprParser::ternary_free_or() { return or_expr(); }

ExprPtr ExprParser::or_expr() {
  ExprPtr e = and_expr();
  while (is_name("or")) {
    ++i_;
    e = binary("or", std::move(e), and_expr());
  }
  return e;
}

ExprPtr ExprParser::and_expr() {
  ExprPtr e = not_expr();
  while (is_name("and")) {
    ++i_;
    e = binary("and", std::move(e), not_expr());
  }
  return e;
}

ExprPtr ExprParser::not_expr() {
  if (is_name("not")) {
    int line = next().line;
    auto e = make(ExprKind::Unary, line);
    e->name = "not";
    e->args.push_back(not_expr());
    return e;
  }
  return compare();
}

ExprPtr ExprParser::compare() {
  ExprPtr e = math1();
  while (true) {
    std::string op;
    if (peek().kind == TokKind::Op && (peek().text == "==" || peek().text == "!=" || peek().text == "<" ||
                                       peek().text == ">" || peek().text == "<=" || peek().text == ">=")) {
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

ExprPtr ExprParser::math1() {
  ExprPtr e = concat();
  while (is_op("+") || is_op("-")) {
    std::string op = next().text;
    e = binary(op, std::move(e), concat());
  }
  return e;
}

ExprPtr ExprParser::concat() {
  ExprPtr e = math2();
  while (is_op("~")) {
    ++i_;
    e = binary("~", std::move(e), math2());
  }
  return e;
}

ExprPtr ExprParser::math2() {
  ExprPtr e = power();
  while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
    std::string op = next().text;
    e = binary(op, std::move(e), power());
  }
  return e;
}

ExprPtr ExprParser::power() {
  ExprPtr e = unary();
  while (is_op("**")) {
    ++i_;
    e = binary("**", std::move(e), unary());
  }
  return e;
}

ExprPtr ExprParser::unary() {
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

void ExprParser::call_args(Expr& e) {
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

ExprPtr ExprParser::filters(ExprPtr e) {
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

ExprPtr ExprParser::postfix(ExprPtr e) {
  while (true) {
    if (is_op(".")) {
      ++i_;
      auto a = make(ExprKind::Attr, e->line);
      if (peek().kind == TokKind::Int)
        a->name = next().text;
      else
        a->name = name();
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

ExprPtr ExprParser::subscript(ExprPtr target) {
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

ExprPtr ExprParser::primary() {
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

}  // namespace rayctl::inference::jinja
