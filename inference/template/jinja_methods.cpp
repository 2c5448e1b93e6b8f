// Python methods of str / dict / list values (`s.strip()`, `d.items()`, `l.index(x)`), and how
// Jinja2 resolves attribute access, subscripts and iteration on them (see jinja_template.h).
#include "inference/template/jinja_pystr.h"
#include "inference/template/jinja_template.h"

#include <algorithm>
#include <cctype>
#include <optional>

namespace rayctl::inference::jinja {

namespace {

bool starts_or_ends(const std::string& s, const Value& arg, bool start) {
  auto one = [&](const std::string& p) {
    if (p.size() > s.size()) return false;
    return start ? s.compare(0, p.size(), p) == 0 : s.compare(s.size() - p.size(), p.size(), p) == 0;
  };
  if (arg.is_list()) {
    for (const Value& v : arg.list())
      if (one(need_str(v, "startswith"))) return true;
    return false;
  }
  return one(need_str(arg, "startswith"));
}

// str.find / rfind / index (in code points) and str.count.
Value str_find(const std::string& s, const std::string& name, CallArgs& a) {
  const std::string& sub = need_str(a.get(0, "sub"), name.c_str());
  if (name == "count") {
    int64_t n = 0;
    for (size_t p = s.find(sub); !sub.empty() && p != std::string::npos; p = s.find(sub, p + sub.size())) ++n;
    return Value(n);
  }
  size_t p = name == "rfind" ? s.rfind(sub) : s.find(sub);
  if (p == std::string::npos) {
    if (name == "index") err("substring not found");
    return Value(int64_t(-1));
  }
  return Value(int64_t(code_points(s.substr(0, p)).size()));
}

// str.splitlines() for "\n" and "\r\n" line ends.
Value str_splitlines(const std::string& s) {
  List out;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t f = s.find('\n', pos);
    std::string line = s.substr(pos, f == std::string::npos ? std::string::npos : f - pos);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    out.push_back(Value(line));
    if (f == std::string::npos) break;
    pos = f + 1;
  }
  return Value(std::move(out));
}

// str.isdigit / isalpha / isspace / isalnum (ASCII classes; false for "").
Value str_is_class(const std::string& s, const std::string& name) {
  if (s.empty()) return Value(false);
  for (char c : s) {
    bool ok = name == "isdigit"   ? std::isdigit(uint8_t(c))
              : name == "isalpha" ? std::isalpha(uint8_t(c))
              : name == "isspace" ? std::isspace(uint8_t(c))
                                  : std::isalnum(uint8_t(c));
    if (!ok) return Value(false);
  }
  return Value(true);
}

// A str method call; nullopt when `name` is not one.
std::optional<Value> call_str_method(const std::string& s, const std::string& name, CallArgs& a) {
  if (name == "strip") return Value(py_strip(s, a.get(0, "chars"), true, true));
  if (name == "lstrip") return Value(py_strip(s, a.get(0, "chars"), true, false));
  if (name == "rstrip") return Value(py_strip(s, a.get(0, "chars"), false, true));
  if (name == "startswith") return Value(starts_or_ends(s, a.get(0, "prefix"), true));
  if (name == "endswith") return Value(starts_or_ends(s, a.get(0, "suffix"), false));
  if (name == "split") return py_split(s, a.get(0, "sep"), a.get(1, "maxsplit", Value(int64_t(-1))).as_int());
  if (name == "upper") return Value(ascii_map(s, [](int c) { return std::toupper(c); }));
  if (name == "lower") return Value(ascii_map(s, [](int c) { return std::tolower(c); }));
  if (name == "title") return Value(py_title(s));
  if (name == "capitalize") return Value(py_capitalize(s));
  if (name == "replace")
    return Value(py_replace(s, need_str(a.get(0, "old"), "replace"), need_str(a.get(1, "new"), "replace"),
                            a.get(2, "count", Value(int64_t(-1))).as_int()));
  if (name == "find" || name == "rfind" || name == "count" || name == "index") return str_find(s, name, a);
  if (name == "join") {
    std::string out;
    List items = iterate(a.get(0, "iterable"), a.line);
    for (size_t i = 0; i < items.size(); ++i) out += (i ? s : "") + need_str(items[i], "join");
    return Value(out);
  }
  if (name == "splitlines") return str_splitlines(s);
  if (name == "isdigit" || name == "isalpha" || name == "isspace" || name == "isalnum") return str_is_class(s, name);
  return std::nullopt;
}

// A dict method call (items, keys, values, get); nullopt when `name` is not one.
std::optional<Value> call_dict_method(const Value& obj, const std::string& name, CallArgs& a) {
  if (name == "items") {
    List out;
    for (const auto& [k, v] : obj.dict()) out.push_back(Value(List{Value(k), v}));
    return Value(std::move(out));
  }
  if (name == "keys" || name == "values") {
    List out;
    for (const auto& [k, v] : obj.dict()) out.push_back(name == "keys" ? Value(k) : v);
    return Value(std::move(out));
  }
  if (name == "get") {
    Value v = obj.get(a.get(0, "key").str());
    return v.is_undefined() ? a.get(1, "default", Value::none()) : v;
  }
  return std::nullopt;
}

// A list method call (index, count); nullopt when `name` is not one.
std::optional<Value> call_list_method(const Value& obj, const std::string& name, CallArgs& a) {
  if (name == "index" || name == "count") {
    Value x = a.get(0, "value");
    int64_t n = 0;
    for (size_t i = 0; i < obj.list().size(); ++i)
      if (obj.list()[i] == x) {
        if (name == "index") return Value(int64_t(i));
        ++n;
      }
    if (name == "index") err("value is not in list");
    return Value(n);
  }
  return std::nullopt;
}

// obj.name as a callable bound method, or undefined when obj's type has no such method.
Value bound_method(const Value& obj, const std::string& name) {
  auto fn = [obj, name](CallArgs& a) -> Value {
    std::optional<Value> result;
    if (obj.is_string())
      result = call_str_method(obj.str_ref(), name, a);
    else if (obj.is_dict())
      result = call_dict_method(obj, name, a);
    else if (obj.is_list())
      result = call_list_method(obj, name, a);
    if (result) return *result;
    err(std::string("'") + obj.type_name() + "' object has no attribute '" + name + "'");
  };
  static const char* str_methods[] = {"strip", "lstrip", "rstrip",     "startswith", "endswith", "split",   "upper",
                                      "lower", "title",  "capitalize", "replace",    "find",     "rfind",   "count",
                                      "index", "join",   "splitlines", "isdigit",    "isalpha",  "isspace", "isalnum"};
  static const char* dict_methods[] = {"items", "keys", "values", "get"};
  bool known = false;
  if (obj.is_string())
    known = std::any_of(std::begin(str_methods), std::end(str_methods), [&](const char* m) { return name == m; });
  if (obj.is_dict())
    known = std::any_of(std::begin(dict_methods), std::end(dict_methods), [&](const char* m) { return name == m; });
  if (obj.is_list()) known = name == "index" || name == "count";
  return known ? Value::function(fn) : Value();
}

}  // namespace

List iterate(const Value& v, int line) {
  if (v.is_list()) return v.list();
  if (v.is_dict()) {
    List keys;
    for (const auto& [k, _] : v.dict()) keys.push_back(Value(k));
    return keys;
  }
  if (v.is_string()) {
    List chars;
    std::vector<uint32_t> cps = code_points(v.str_ref());
    for (size_t i = 0; i < cps.size(); ++i) chars.push_back(Value(from_code_points(cps, i, i + 1)));
    return chars;
  }
  if (v.is_undefined() || v.is_none()) return {};
  throw TemplateError(std::string("'") + v.type_name() + "' object is not iterable", line);
}

Value get_item(const Value& obj, const Value& key) {
  if (obj.is_dict()) {
    if (key.is_string()) {
      Value v = obj.get(key.str_ref());
      return v.is_undefined() ? bound_method(obj, key.str_ref()) : v;
    }
    return obj.get(key.str());
  }
  if ((obj.is_list() || obj.is_string()) && (key.is_int() || key.is_bool())) {
    int64_t n = py_len(obj), i = key.as_int();
    if (i < 0) i += n;
    if (i < 0 || i >= n) return Value();
    if (obj.is_list()) return obj.list()[size_t(i)];
    std::vector<uint32_t> cps = code_points(obj.str_ref());
    return Value(from_code_points(cps, size_t(i), size_t(i) + 1));
  }
  if (key.is_string()) return bound_method(obj, key.str_ref());
  return Value();
}

Value get_attribute(const Value& obj, const std::string& name) {
  if (obj.is_dict()) {  // Python getattr finds dict methods first, then Jinja2 falls back to the key
    if (name == "items" || name == "keys" || name == "values" || name == "get") return bound_method(obj, name);
    return obj.get(name);
  }
  if (!name.empty() && std::isdigit(uint8_t(name[0]))) return get_item(obj, Value(int64_t(std::stoll(name))));
  return bound_method(obj, name);
}

}  // namespace rayctl::inference::jinja
