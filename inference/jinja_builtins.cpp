// Builtin filters, tests, Python methods and global functions for chat templates (see
// jinja_template.h). Behaviour follows Jinja2 / Python 3 for the cases templates rely on.
#include "inference/jinja_template.h"
#include "inference/tokenizer_utf8.h"

#include <algorithm>
#include <cmath>
#include <ctime>

namespace rayctl::inference::jinja {

namespace {

[[noreturn]] void err(const std::string& m) { throw TemplateError(m, 0); }

const std::string& need_str(const Value& v, const char* what) {
  if (!v.is_string()) err(std::string(what) + ": expected a string, got " + v.type_name());
  return v.str_ref();
}

bool in_set(uint32_t cp, const std::vector<uint32_t>& chars) {
  return std::find(chars.begin(), chars.end(), cp) != chars.end();
}

// Python str.strip / lstrip / rstrip.
std::string py_strip(const std::string& s, const Value& chars, bool left, bool right) {
  std::vector<uint32_t> cps = code_points(s), set;
  bool ws = chars.is_undefined() || chars.is_none();
  if (!ws) set = code_points(need_str(chars, "strip"));
  auto strip_me = [&](uint32_t c) { return ws ? py_isspace(c) : in_set(c, set); };
  size_t b = 0, e = cps.size();
  if (left)
    while (b < e && strip_me(cps[b])) ++b;
  if (right)
    while (e > b && strip_me(cps[e - 1])) --e;
  return from_code_points(cps, b, e);
}

std::string ascii_map(std::string s, int (*f)(int)) {
  for (char& c : s)
    if (uint8_t(c) < 0x80) c = char(f(c));
  return s;
}

std::string py_title(const std::string& s) {
  std::string out = s;
  bool prev_cased = false;
  for (char& c : out) {
    bool alpha = std::isalpha(uint8_t(c)) != 0;
    if (alpha) c = char(prev_cased ? std::tolower(c) : std::toupper(c));
    prev_cased = alpha;
  }
  return out;
}

std::string py_capitalize(const std::string& s) {
  std::string out = ascii_map(s, [](int c) { return std::tolower(c); });
  if (!out.empty()) out[0] = char(std::toupper(out[0]));
  return out;
}

Value py_split(const std::string& s, const Value& sep, int64_t maxsplit) {
  List out;
  if (sep.is_undefined() || sep.is_none()) {
    std::vector<uint32_t> cps = code_points(s);
    size_t i = 0;
    while (i < cps.size()) {
      while (i < cps.size() && py_isspace(cps[i])) ++i;
      if (i >= cps.size()) break;
      size_t j = i;
      if (maxsplit >= 0 && int64_t(out.size()) == maxsplit) j = cps.size();
      else
        while (j < cps.size() && !py_isspace(cps[j])) ++j;
      std::string piece = from_code_points(cps, i, j);
      if (j == cps.size() && maxsplit >= 0 && int64_t(out.size()) == maxsplit) piece = py_strip(piece, Value(), false, true);
      out.push_back(Value(piece));
      i = j;
    }
    return Value(std::move(out));
  }
  const std::string& d = need_str(sep, "split");
  if (d.empty()) err("split: empty separator");
  size_t pos = 0;
  while (true) {
    size_t f = s.find(d, pos);
    if (f == std::string::npos || (maxsplit >= 0 && int64_t(out.size()) == maxsplit)) break;
    out.push_back(Value(s.substr(pos, f - pos)));
    pos = f + d.size();
  }
  out.push_back(Value(s.substr(pos)));
  return Value(std::move(out));
}

std::string py_replace(const std::string& s, const std::string& a, const std::string& b, int64_t count) {
  std::string out;
  size_t pos = 0;
  int64_t n = 0;
  if (a.empty()) return s;  // Python inserts between characters; no template relies on it
  while (count < 0 || n < count) {
    size_t f = s.find(a, pos);
    if (f == std::string::npos) break;
    out += s.substr(pos, f - pos) + b;
    pos = f + a.size();
    ++n;
  }
  return out + s.substr(pos);
}

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

int64_t py_len(const Value& v) {
  if (v.is_string()) return int64_t(code_points(v.str_ref()).size());
  if (v.is_list()) return int64_t(v.list().size());
  if (v.is_dict()) return int64_t(v.dict().size());
  if (v.is_undefined()) return 0;
  err(std::string("object of type '") + v.type_name() + "' has no len()");
}

std::string html_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&#34;"; break;
      case '\'': o += "&#39;"; break;
      default: o += c;
    }
  }
  return o;
}

std::string do_indent(std::string s, const Value& width, bool first, bool blank) {
  std::string ind = width.is_string() ? width.str_ref() : std::string(size_t(width.is_undefined() ? 4 : width.as_int()), ' ');
  s += "\n";
  std::vector<std::string> lines;
  size_t pos = 0;
  while (pos < s.size()) {  // str.splitlines() on "\n"-terminated text
    size_t f = s.find('\n', pos);
    lines.push_back(s.substr(pos, f - pos));
    pos = f + 1;
  }
  std::string rv;
  if (blank) {
    for (size_t i = 0; i < lines.size(); ++i) rv += (i ? "\n" + ind : "") + lines[i];
  } else {
    rv = lines.empty() ? "" : lines[0];
    for (size_t i = 1; i < lines.size(); ++i) rv += "\n" + (lines[i].empty() ? "" : ind + lines[i]);
  }
  return first ? ind + rv : rv;
}

Value attr_path(const Value& v, const std::string& path) {
  Value cur = v;
  size_t pos = 0;
  while (true) {
    size_t dot = path.find('.', pos);
    cur = get_item(cur, Value(path.substr(pos, dot - pos)));
    if (dot == std::string::npos) return cur;
    pos = dot + 1;
  }
}

// select / reject / selectattr / rejectattr.
Value select_items(const Value& seq, CallArgs& a, bool attr, bool keep_match) {
  List out;
  size_t i = 0;
  std::string attribute = attr ? need_str(a.get(0, "attribute"), "selectattr") : "";
  if (attr) ++i;
  Value test = i < a.args.size() ? a.args[i] : Value();
  CallArgs targs;
  for (size_t k = i + 1; k < a.args.size(); ++k) targs.args.push_back(a.args[k]);
  for (const Value& item : iterate(seq, a.line)) {
    Value v = attr ? attr_path(item, attribute) : item;
    bool ok = test.is_undefined() ? v.truthy() : apply_test(need_str(test, "select"), v, targs);
    if (ok == keep_match) out.push_back(item);
  }
  return Value(std::move(out));
}

Value bound_method(const Value& obj, const std::string& name);

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

namespace {

Value bound_method(const Value& obj, const std::string& name) {
  auto fn = [obj, name](CallArgs& a) -> Value {
    if (obj.is_string()) {
      const std::string& s = obj.str_ref();
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
      if (name == "find" || name == "rfind" || name == "count" || name == "index") {
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
      if (name == "join") {
        std::string out;
        List items = iterate(a.get(0, "iterable"), a.line);
        for (size_t i = 0; i < items.size(); ++i) out += (i ? s : "") + need_str(items[i], "join");
        return Value(out);
      }
      if (name == "splitlines") {
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
      if (name == "isdigit" || name == "isalpha" || name == "isspace" || name == "isalnum") {
        if (s.empty()) return Value(false);
        for (char c : s) {
          bool ok = name == "isdigit" ? std::isdigit(uint8_t(c)) : name == "isalpha" ? std::isalpha(uint8_t(c))
                    : name == "isspace" ? std::isspace(uint8_t(c)) : std::isalnum(uint8_t(c));
          if (!ok) return Value(false);
        }
        return Value(true);
      }
    } else if (obj.is_dict()) {
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
    } else if (obj.is_list()) {
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
    }
    err(std::string("'") + obj.type_name() + "' object has no attribute '" + name + "'");
  };
  static const char* str_methods[] = {"strip", "lstrip", "rstrip", "startswith", "endswith", "split", "upper", "lower",
                                      "title", "capitalize", "replace", "find", "rfind", "count", "index", "join",
                                      "splitlines", "isdigit", "isalpha", "isspace", "isalnum"};
  static const char* dict_methods[] = {"items", "keys", "values", "get"};
  bool known = false;
  if (obj.is_string()) known = std::any_of(std::begin(str_methods), std::end(str_methods), [&](const char* m) { return name == m; });
  if (obj.is_dict()) known = std::any_of(std::begin(dict_methods), std::end(dict_methods), [&](const char* m) { return name == m; });
  if (obj.is_list()) known = name == "index" || name == "count";
  return known ? Value::function(fn) : Value();
}

}  // namespace

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
  if (name == "lower") return v.is_string() && ascii_map(v.str_ref(), [](int c) { return std::tolower(c); }) == v.str_ref();
  if (name == "upper") return v.is_string() && ascii_map(v.str_ref(), [](int c) { return std::toupper(c); }) == v.str_ref();
  if (name == "in") {
    if (arg.is_string()) return v.is_string() && arg.str_ref().find(v.str_ref()) != std::string::npos;
    if (arg.is_dict()) return v.is_string() && !arg.get(v.str_ref()).is_undefined();
    for (const Value& x : iterate(arg, a.line))
      if (x == v) return true;
    return false;
  }
  err("unknown test '" + name + "'");
}

Value apply_filter(const std::string& name, const Value& v, CallArgs& a) {
  if (name == "trim") return Value(py_strip(v.str(), a.get(0, "chars"), true, true));
  if (name == "length" || name == "count") return Value(py_len(v));
  if (name == "tojson") {
    // transformers' tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False)
    Value ind = a.get(1, "indent");
    return Value(v.to_json(ind.is_undefined() || ind.is_none() ? -1 : int(ind.as_int()), a.get(3, "sort_keys").truthy()));
  }
  if (name == "upper") return Value(ascii_map(v.str(), [](int c) { return std::toupper(c); }));
  if (name == "lower") return Value(ascii_map(v.str(), [](int c) { return std::tolower(c); }));
  if (name == "title") return Value(py_title(v.str()));
  if (name == "capitalize") return Value(py_capitalize(v.str()));
  if (name == "string") return Value(v.str());
  if (name == "safe" || name == "forceescape") return v;
  if (name == "e" || name == "escape") return Value(html_escape(v.str()));
  if (name == "default" || name == "d") {
    bool boolean = a.get(1, "boolean").truthy();
    if (v.is_undefined() || (boolean && !v.truthy())) return a.get(0, "default_value", Value(""));
    return v;
  }
  if (name == "first" || name == "last") {
    List items = iterate(v, a.line);
    if (items.empty()) return Value();
    return name == "first" ? items.front() : items.back();
  }
  if (name == "join") {
    std::string sep = a.get(0, "d", Value("")).str(), out;
    Value attr = a.get(1, "attribute");
    List items = iterate(v, a.line);
    for (size_t i = 0; i < items.size(); ++i)
      out += (i ? sep : "") + (attr.is_undefined() ? items[i] : attr_path(items[i], attr.str())).str();
    return Value(out);
  }
  if (name == "replace")
    return Value(py_replace(v.str(), a.get(0, "old").str(), a.get(1, "new").str(), a.get(2, "count", Value(int64_t(-1))).as_int()));
  if (name == "int") {
    if (v.is_string()) {
      try {
        return Value(int64_t(std::stoll(v.str_ref())));
      } catch (...) {
        return a.get(0, "default", Value(int64_t(0)));
      }
    }
    return v.is_number() ? Value(v.as_int()) : a.get(0, "default", Value(int64_t(0)));
  }
  if (name == "float") {
    if (v.is_string()) {
      try {
        return Value(std::stod(v.str_ref()));
      } catch (...) {
        return a.get(0, "default", Value(0.0));
      }
    }
    return v.is_number() ? Value(v.as_double()) : a.get(0, "default", Value(0.0));
  }
  if (name == "abs") return v.is_float() ? Value(std::fabs(v.as_double())) : Value(int64_t(std::llabs(v.as_int())));
  if (name == "round") {
    int64_t p = a.get(0, "precision", Value(int64_t(0))).as_int();
    double m = std::pow(10.0, double(p));
    return Value(std::round(v.as_double() * m) / m);
  }
  if (name == "list") return Value(iterate(v, a.line));
  if (name == "items") return get_attribute(v, "items").fn()(a);
  if (name == "reverse") {
    if (v.is_string()) {
      std::vector<uint32_t> cps = code_points(v.str_ref());
      std::reverse(cps.begin(), cps.end());
      return Value(from_code_points(cps, 0, cps.size()));
    }
    List l = iterate(v, a.line);
    std::reverse(l.begin(), l.end());
    return Value(std::move(l));
  }
  if (name == "unique") {
    List out;
    for (const Value& x : iterate(v, a.line))
      if (std::find(out.begin(), out.end(), x) == out.end()) out.push_back(x);
    return Value(std::move(out));
  }
  if (name == "sort" || name == "dictsort") {
    List l = name == "dictsort" ? get_attribute(v, "items").fn()(a).list() : iterate(v, a.line);
    Value attr = a.get(2, "attribute");
    bool rev = a.get(0, "reverse").truthy();
    std::stable_sort(l.begin(), l.end(), [&](const Value& x, const Value& y) {
      Value kx = attr.is_undefined() ? x : attr_path(x, attr.str()), ky = attr.is_undefined() ? y : attr_path(y, attr.str());
      return rev ? ky < kx : kx < ky;
    });
    return Value(std::move(l));
  }
  if (name == "sum" || name == "min" || name == "max") {
    List l = iterate(v, a.line);
    if (name == "sum") {
      Value acc = a.get(1, "start", Value(int64_t(0)));
      Value attr = a.get(0, "attribute");
      for (const Value& x : l) {
        Value y = attr.is_undefined() ? x : attr_path(x, attr.str());
        acc = acc.is_float() || y.is_float() ? Value(acc.as_double() + y.as_double()) : Value(acc.as_int() + y.as_int());
      }
      return acc;
    }
    if (l.empty()) return Value();
    return *std::min_element(l.begin(), l.end(), [&](const Value& x, const Value& y) { return name == "min" ? x < y : y < x; });
  }
  if (name == "map") {
    List out;
    Value attr = a.get(99, "attribute");
    for (const Value& x : iterate(v, a.line)) {
      if (!attr.is_undefined()) {
        Value y = attr_path(x, attr.str());
        out.push_back(y.is_undefined() ? a.get(99, "default") : y);
      } else {
        CallArgs fa;
        for (size_t k = 1; k < a.args.size(); ++k) fa.args.push_back(a.args[k]);
        out.push_back(apply_filter(need_str(a.get(0, "filter"), "map"), x, fa));
      }
    }
    return Value(std::move(out));
  }
  if (name == "select") return select_items(v, a, false, true);
  if (name == "reject") return select_items(v, a, false, false);
  if (name == "selectattr") return select_items(v, a, true, true);
  if (name == "rejectattr") return select_items(v, a, true, false);
  if (name == "indent")
    return Value(do_indent(v.str(), a.get(0, "width"), a.get(1, "first").truthy(), a.get(2, "blank").truthy()));
  if (name == "wordcount") return Value(int64_t(py_split(v.str(), Value(), -1).list().size()));
  if (name == "attr") return get_attribute(v, a.get(0, "name").str());
  if (name == "batch") {
    int64_t n = a.get(0, "linecount").as_int();
    if (n <= 0) err("batch: size must be positive");
    List out, cur;
    for (const Value& x : iterate(v, a.line)) {
      cur.push_back(x);
      if (int64_t(cur.size()) == n) out.push_back(Value(std::move(cur))), cur.clear();
    }
    if (!cur.empty()) out.push_back(Value(std::move(cur)));
    return Value(std::move(out));
  }
  err("unknown filter '" + name + "'");
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
      if (a.args.size() == 1) stop = a.args[0].as_int();
      else if (a.args.size() >= 2) start = a.args[0].as_int(), stop = a.args[1].as_int();
      else err("range expected at least 1 argument");
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
