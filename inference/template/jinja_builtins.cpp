// Builtin tests (`is defined`, `is string`, ...) and global functions (raise_exception,
// namespace, dict, range, strftime_now) for chat templates (see jinja_template.h). Filters are in
// jinja_filters.cpp, Python methods and attribute access in jinja_methods.cpp. Behaviour follows
// Jinja2 / Python 3 for the cases templates rely on.
#include "inference/template/jinja_pystr.h"
#include "inference/template/jinja_template.h"

#include <ctime>

namespace rayctl::inference::jinja {

bool apply_test(const std::string& name, const Value& v, CallArgs& a) {
  Value arg = a.get(0, "other");
  if (name == "defined") return !v.is_undefined();
  if (name == "undefined") return v.is_undefined();
  if (name == "none") return v.is_none();
  if (name == "boolean") return v.is_bool();
  if (name == "true") return v.is_bool() && v.truthy();
  if (name == "false") return v.is_bool() && !v.truthy();
  if (name == "string") return v.is_string();
  if (name == "number") return v.is_int() || v.is_float();
  if (name == "integer") return v.is_int();
  if (name == "float") return v.is_float();
  if (name == "mapping") return v.is_dict();
  if (name == "iterable") return v.is_list() || v.is_dict() || v.is_string();
  if (name == "sequence") return v.is_list() || v.is_dict() || v.is_string();
  if (name == "callable") return v.is_function();
  if (name == "equalto" || name == "eq" || name == "==" || name == "sameas") return v == arg;
  if (name == "ne" || name == "!=") return !(v == arg);
  if (name == "lt" || name == "lessthan" || name == "<") return v < arg;
  if (name == "le" || name == "<=") return !(arg < v);
  if (name == "gt" || name == "greaterthan" || name == ">") return arg < v;
  if (name == "ge" || name == ">=") return !(v < arg);
  if (name == "odd") return v.as_int() % 2 != 0;
  if (name == "even") return v.as_int() % 2 == 0;
  if (name == "divisibleby") return arg.as_int() != 0 && v.as_int() % arg.as_int() == 0;
  if (name == "lower")
    return v.is_string() && ascii_map(v.str_ref(), [](int c) { return std::tolower(c); }) == v.str_ref();
  if (name == "upper")
    return v.is_string() && ascii_map(v.str_ref(), [](int c) { return std::toupper(c); }) == v.str_ref();
  if (name == "in") {
    if (arg.is_string()) return v.is_string() && arg.str_ref().find(v.str_ref()) != std::string::npos;
    if (arg.is_dict()) return v.is_string() && !arg.get(v.str_ref()).is_undefined();
    for (const Value& x : iterate(arg, a.line))
      if (x == v) return true;
    return false;
  }
  err("unknown test '" + name + "'");
}

Value builtin_global(const std::string& name) {
  if (name == "raise_exception")
    return Value::function([](CallArgs& a) -> Value { throw TemplateError(a.get(0, "message").str(), a.line, true); });
  if (name == "namespace")
    return Value::function([](CallArgs& a) {
      Value ns(Dict{});
      if (!a.args.empty() && a.args[0].is_dict())
        for (const auto& [k, v] : a.args[0].dict()) ns.set(k, v);
      for (const auto& [k, v] : a.kwargs) ns.set(k, v);
      return ns;
    });
  if (name == "dict")
    return Value::function([](CallArgs& a) {
      Value d(Dict{});
      for (const auto& [k, v] : a.kwargs) d.set(k, v);
      return d;
    });
  if (name == "range")
    return Value::function([](CallArgs& a) {
      int64_t start = 0, stop, step = 1;
      if (a.args.size() == 1)
        stop = a.args[0].as_int();
      else if (a.args.size() >= 2)
        start = a.args[0].as_int(), stop = a.args[1].as_int();
      else
        err("range expected at least 1 argument");
      if (a.args.size() >= 3) step = a.args[2].as_int();
      if (step == 0) err("range() arg 3 must not be zero");
      List out;
      for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
        out.push_back(Value(i));
        if (out.size() > 1000000) err("range too large");
      }
      return Value(std::move(out));
    });
  if (name == "strftime_now")
    return Value::function([](CallArgs& a) {
      std::time_t t = std::time(nullptr);
      std::tm tm{};
      localtime_r(&t, &tm);
      char buf[256];
      size_t n = std::strftime(buf, sizeof buf, need_str(a.get(0, "format"), "strftime_now").c_str(), &tm);
      return Value(std::string(buf, n));
    });
  return Value();
}

}  // namespace rayctl::inference::jinja
