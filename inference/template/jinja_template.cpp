// Tree-walking evaluation of a parsed Jinja template (see jinja_template.h). Scoping follows
// Jinja2: `for` bodies and macro calls get their own scope, `if` does not, and namespace()
// objects are shared by reference.
#include "inference/template/jinja_template.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <unordered_map>

namespace rayctl::inference::jinja {

namespace {

enum class Flow { Normal, Break, Continue };
using Scope = std::unordered_map<std::string, Value>;

[[noreturn]] void type_error(const std::string& op, const Value& a, const Value& b, int line) {
  throw TemplateError(
      "unsupported operand type(s) for " + op + ": '" + std::string(a.type_name()) + "' and '" + b.type_name() + "'",
      line);
}

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

class Evaluator {
 public:
  explicit Evaluator(std::vector<Scope> scopes) : scopes_(std::move(scopes)) {}

  Flow exec(const Body& body, std::string& out) {
    for (const NodePtr& n : body) {
      Flow f = exec_node(*n, out);
      if (f != Flow::Normal) return f;
    }
    return Flow::Normal;
  }

 private:
  Value lookup(const std::string& name) {
    for (auto it = scopes_.rbegin(); it != scopes_.rend(); ++it) {
      auto f = it->find(name);
      if (f != it->end()) return f->second;
    }
    return builtin_global(name);
  }

  Flow exec_node(const Node& n, std::string& out) {
    switch (n.kind) {
      case NodeKind::Text: out += n.text; return Flow::Normal;
      case NodeKind::Output: out += eval(*n.expr).str(); return Flow::Normal;
      case NodeKind::If:
        for (const auto& [cond, body] : n.branches)
          if (eval(*cond).truthy()) return exec(body, out);
        return exec(n.body, out);
      case NodeKind::For: return exec_for(n, out);
      case NodeKind::Set: exec_set(n); return Flow::Normal;
      case NodeKind::SetBlock: {
        std::string s;
        exec(n.body, s);
        scopes_.back()[n.targets[0]] = Value(s);
        return Flow::Normal;
      }
      case NodeKind::Macro: define_macro(n); return Flow::Normal;
      case NodeKind::Break: return Flow::Break;
      case NodeKind::Continue: return Flow::Continue;
      case NodeKind::CallStatement: eval(*n.expr); return Flow::Normal;
    }
    return Flow::Normal;
  }

  void assign(const std::vector<std::string>& targets, const Value& v, int line) {
    if (targets.size() == 1) {
      scopes_.back()[targets[0]] = v;
      return;
    }
    List items = iterate(v, line);
    if (items.size() != targets.size())
      throw TemplateError(
          "cannot unpack " + std::to_string(items.size()) + " values into " + std::to_string(targets.size()) + " names",
          line);
    for (size_t i = 0; i < targets.size(); ++i) scopes_.back()[targets[i]] = items[i];
  }

  void exec_set(const Node& n) {
    Value v = eval(*n.expr);
    if (n.attr_target) {
      Value ns = lookup(n.targets[0]);
      if (!ns.is_dict())
        throw TemplateError("cannot set attribute on '" + n.targets[0] + "' (not a namespace)", n.line);
      ns.set(n.targets[1], v);
      return;
    }
    assign(n.targets, v, n.line);
  }

  Flow exec_for(const Node& n, std::string& out) {
    List items = iterate(eval(*n.expr), n.line);
    if (n.loop_filter) {
      List kept;
      for (const Value& it : items) {
        scopes_.emplace_back();
        assign(n.targets, it, n.line);
        bool keep = eval(*n.loop_filter).truthy();
        scopes_.pop_back();
        if (keep) kept.push_back(it);
      }
      items.swap(kept);
    }
    if (items.empty()) return exec(n.else_body, out);
    size_t len = items.size();
    for (size_t i = 0; i < len; ++i) {
      scopes_.emplace_back();
      Value loop(Dict{});
      loop.set("index", Value(int64_t(i + 1)));
      loop.set("index0", Value(int64_t(i)));
      loop.set("revindex", Value(int64_t(len - i)));
      loop.set("revindex0", Value(int64_t(len - i - 1)));
      loop.set("first", Value(i == 0));
      loop.set("last", Value(i + 1 == len));
      loop.set("length", Value(int64_t(len)));
      loop.set("previtem", i > 0 ? items[i - 1] : Value());
      loop.set("nextitem", i + 1 < len ? items[i + 1] : Value());
      loop.set("cycle",
               Value::function([i](CallArgs& a) { return a.args.empty() ? Value() : a.args[i % a.args.size()]; }));
      scopes_.back()["loop"] = loop;
      assign(n.targets, items[i], n.line);
      Flow f = exec(n.body, out);
      scopes_.pop_back();
      if (f == Flow::Break) break;
    }
    return Flow::Normal;
  }

  void define_macro(const Node& n) {
    const Node* node = &n;
    scopes_.back()[n.text] = Value::function([this, node](CallArgs& a) {
      Scope s;
      for (size_t i = 0; i < node->params.size(); ++i) {
        const auto& [pname, def] = node->params[i];
        Value v = a.get(i, pname.c_str());
        if (v.is_undefined() && def) v = eval(*def);
        s[pname] = v;
      }
      scopes_.push_back(std::move(s));
      std::string out;
      exec(node->body, out);
      scopes_.pop_back();
      return Value(out);
    });
  }

  CallArgs eval_args(const Expr& e, size_t first) {
    CallArgs a;
    a.line = e.line;
    for (size_t i = first; i < e.args.size(); ++i) a.args.push_back(eval(*e.args[i]));
    for (const auto& [k, v] : e.kwargs) a.kwargs.emplace_back(k, eval(*v));
    return a;
  }

  Value eval(const Expr& e) {
    try {
      return eval_inner(e);
    } catch (TemplateError& err) {
      if (err.line == 0) throw TemplateError(err.what(), e.line, err.raised);
      throw;
    }
  }

  Value eval_inner(const Expr& e) {
    switch (e.kind) {
      case ExprKind::Literal: return e.literal;
      case ExprKind::Name: return lookup(e.name);
      case ExprKind::Attr: return get_attribute(eval(*e.args[0]), e.name);
      case ExprKind::Item: return get_item(eval(*e.args[0]), eval(*e.args[1]));
      case ExprKind::Slice: return slice(e);
      case ExprKind::Call: {
        Value f = eval(*e.args[0]);
        if (!f.is_function())
          throw TemplateError(std::string("'") + f.type_name() + "' object is not callable", e.line);
        CallArgs a = eval_args(e, 1);
        return f.fn()(a);
      }
      case ExprKind::Filter: {
        Value v = eval(*e.args[0]);
        CallArgs a = eval_args(e, 1);
        return apply_filter(e.name, v, a);
      }
      case ExprKind::Test: {
        Value v = eval(*e.args[0]);
        CallArgs a = eval_args(e, 1);
        return Value(apply_test(e.name, v, a) != e.negated);
      }
      case ExprKind::Unary: {
        Value v = eval(*e.args[0]);
        if (e.name == "not") return Value(!v.truthy());
        if (!v.is_number()) throw TemplateError("bad operand type for unary " + e.name, e.line);
        if (e.name == "+") return v;
        return v.is_float() ? Value(-v.as_double()) : Value(-v.as_int());
      }
      case ExprKind::Binary: return binary(e);
      case ExprKind::Cond:
        if (eval(*e.args[0]).truthy()) return eval(*e.args[1]);
        return e.args[2] ? eval(*e.args[2]) : Value();
      case ExprKind::ListLit: {
        List l;
        for (const auto& a : e.args) l.push_back(eval(*a));
        return Value(std::move(l));
      }
      case ExprKind::DictLit: {
        Value d(Dict{});
        for (size_t i = 0; i + 1 < e.args.size(); i += 2) d.set(eval(*e.args[i]).str(), eval(*e.args[i + 1]));
        return d;
      }
    }
    return Value();
  }

  Value slice(const Expr& e) {
    Value target = eval(*e.args[0]);
    auto opt = [&](size_t k) -> std::optional<int64_t> {
      if (!e.args[k]) return std::nullopt;
      Value v = eval(*e.args[k]);
      if (v.is_none()) return std::nullopt;
      return v.as_int();
    };
    std::optional<int64_t> start = opt(1), stop = opt(2), step_o = opt(3);
    int64_t step = step_o.value_or(1);
    if (step == 0) throw TemplateError("slice step cannot be zero", e.line);
    std::vector<uint32_t> cps;
    int64_t n;
    if (target.is_string()) {
      cps = code_points(target.str_ref());
      n = int64_t(cps.size());
    } else if (target.is_list()) {
      n = int64_t(target.list().size());
    } else {
      throw TemplateError(std::string("'") + target.type_name() + "' object is not subscriptable", e.line);
    }
    auto norm = [&](std::optional<int64_t> v, int64_t def, int64_t lo, int64_t hi) {
      if (!v) return def;
      int64_t x = *v < 0 ? *v + n : *v;
      return std::clamp(x, lo, hi);
    };
    int64_t b = step > 0 ? norm(start, 0, 0, n) : norm(start, n - 1, -1, n - 1);
    int64_t en = step > 0 ? norm(stop, n, 0, n) : norm(stop, -1, -1, n - 1);
    std::vector<int64_t> idx;
    for (int64_t i = b; step > 0 ? i < en : i > en; i += step) idx.push_back(i);
    if (target.is_string()) {
      std::string s;
      for (int64_t i : idx) s += from_code_points(cps, size_t(i), size_t(i) + 1);
      return Value(s);
    }
    List l;
    for (int64_t i : idx) l.push_back(target.list()[size_t(i)]);
    return Value(std::move(l));
  }

  Value binary(const Expr& e) {
    const std::string& op = e.name;
    if (op == "and") {
      Value a = eval(*e.args[0]);
      return a.truthy() ? eval(*e.args[1]) : a;
    }
    if (op == "or") {
      Value a = eval(*e.args[0]);
      return a.truthy() ? a : eval(*e.args[1]);
    }
    Value a = eval(*e.args[0]), b = eval(*e.args[1]);
    if (op == "~") return Value(a.str() + b.str());
    if (op == "==") return Value(a == b);
    if (op == "!=") return Value(!(a == b));
    if (op == "<") return Value(a < b);
    if (op == ">") return Value(b < a);
    if (op == "<=") return Value(!(b < a));
    if (op == ">=") return Value(!(a < b));
    if (op == "in" || op == "not in") {
      CallArgs ca;
      ca.args.push_back(b);
      ca.line = e.line;
      return Value(apply_test("in", a, ca) == (op == "in"));
    }
    if (op == "+") {
      if (a.is_string() && b.is_string()) return Value(a.str_ref() + b.str_ref());
      if (a.is_list() && b.is_list()) {
        List l = a.list();
        l.insert(l.end(), b.list().begin(), b.list().end());
        return Value(std::move(l));
      }
    }
    if (op == "*" && ((a.is_string() && b.is_int()) || (a.is_int() && b.is_string()))) {
      const Value& s = a.is_string() ? a : b;
      std::string r;
      for (int64_t i = 0; i < (a.is_int() ? a : b).as_int(); ++i) r += s.str_ref();
      return Value(r);
    }
    if (!a.is_number() || !b.is_number()) type_error(op, a, b, e.line);
    bool ints = !a.is_float() && !b.is_float();
    if (op == "+") return ints ? Value(a.as_int() + b.as_int()) : Value(a.as_double() + b.as_double());
    if (op == "-") return ints ? Value(a.as_int() - b.as_int()) : Value(a.as_double() - b.as_double());
    if (op == "*") return ints ? Value(a.as_int() * b.as_int()) : Value(a.as_double() * b.as_double());
    if (op == "**")
      return ints && b.as_int() >= 0 ? Value(int64_t(std::llround(std::pow(a.as_double(), b.as_double()))))
                                     : Value(std::pow(a.as_double(), b.as_double()));
    if ((op == "/" || op == "//" || op == "%") && b.as_double() == 0) throw TemplateError("division by zero", e.line);
    if (op == "/") return Value(a.as_double() / b.as_double());
    if (op == "//")
      return ints ? Value(floor_div(a.as_int(), b.as_int())) : Value(std::floor(a.as_double() / b.as_double()));
    if (op == "%") {
      if (ints) return Value(a.as_int() - floor_div(a.as_int(), b.as_int()) * b.as_int());
      double r = std::fmod(a.as_double(), b.as_double());
      if (r != 0 && ((r < 0) != (b.as_double() < 0))) r += b.as_double();
      return Value(r);
    }
    type_error(op, a, b, e.line);
  }

  std::vector<Scope> scopes_;
};

}  // namespace

Template::Template(const std::string& source) : body_(parse_template(source)) {}

std::string Template::render(const Dict& globals) const {
  Scope g;
  for (const auto& [k, v] : globals) g[k] = v;
  std::vector<Scope> scopes;
  scopes.push_back(std::move(g));
  scopes.emplace_back();  // template-level assignments
  Evaluator ev(std::move(scopes));
  std::string out;
  ev.exec(body_, out);
  return out;
}

}  // namespace rayctl::inference::jinja
