// Builtin filters for chat templates (`x | tojson`, `| trim`, `| selectattr(...)`, ...; see
// jinja_template.h). Behaviour follows Jinja2 / Python 3 for the cases templates rely on.
#include "inference/template/jinja_pystr.h"
#include "inference/template/jinja_template.h"

#include <algorithm>
#include <cmath>
#include <optional>

namespace rayctl::inference::jinja {

namespace {

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
  std::string ind =
      width.is_string() ? width.str_ref() : std::string(size_t(width.is_undefined() ? 4 : width.as_int()), ' ');
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

Value default_filter(const Value& v, CallArgs& a) {
  bool boolean = a.get(1, "boolean").truthy();
  if (v.is_undefined() || (boolean && !v.truthy())) return a.get(0, "default_value", Value(""));
  return v;
}

// Filters on text; nullopt when `name` is not one.
std::optional<Value> text_filter(const std::string& name, const Value& v, CallArgs& a) {
  if (name == "trim") return Value(py_strip(v.str(), a.get(0, "chars"), true, true));
  if (name == "tojson") {
    // transformers' tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False)
    Value ind = a.get(1, "indent");
    return Value(
        v.to_json(ind.is_undefined() || ind.is_none() ? -1 : int(ind.as_int()), a.get(3, "sort_keys").truthy()));
  }
  if (name == "upper") return Value(ascii_map(v.str(), [](int c) { return std::toupper(c); }));
  if (name == "lower") return Value(ascii_map(v.str(), [](int c) { return std::tolower(c); }));
  if (name == "title") return Value(py_title(v.str()));
  if (name == "capitalize") return Value(py_capitalize(v.str()));
  if (name == "string") return Value(v.str());
  if (name == "safe" || name == "forceescape") return v;
  if (name == "e" || name == "escape") return Value(html_escape(v.str()));
  if (name == "replace")
    return Value(py_replace(v.str(), a.get(0, "old").str(), a.get(1, "new").str(),
                            a.get(2, "count", Value(int64_t(-1))).as_int()));
  if (name == "indent")
    return Value(do_indent(v.str(), a.get(0, "width"), a.get(1, "first").truthy(), a.get(2, "blank").truthy()));
  if (name == "wordcount") return Value(int64_t(py_split(v.str(), Value(), -1).list().size()));
  return std::nullopt;
}

// Filters to numbers (int, float, abs, round); nullopt when `name` is not one.
std::optional<Value> number_filter(const std::string& name, const Value& v, CallArgs& a) {
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
  return std::nullopt;
}

Value reverse_filter(const Value& v, CallArgs& a) {
  if (v.is_string()) {
    std::vector<uint32_t> cps = code_points(v.str_ref());
    std::reverse(cps.begin(), cps.end());
    return Value(from_code_points(cps, 0, cps.size()));
  }
  List l = iterate(v, a.line);
  std::reverse(l.begin(), l.end());
  return Value(std::move(l));
}

// sort / dictsort (stable, optionally by attribute, optionally reversed).
Value sort_filter(const std::string& name, const Value& v, CallArgs& a) {
  List l = name == "dictsort" ? get_attribute(v, "items").fn()(a).list() : iterate(v, a.line);
  Value attr = a.get(2, "attribute");
  bool rev = a.get(0, "reverse").truthy();
  std::stable_sort(l.begin(), l.end(), [&](const Value& x, const Value& y) {
    Value kx = attr.is_undefined() ? x : attr_path(x, attr.str()),
          ky = attr.is_undefined() ? y : attr_path(y, attr.str());
    return rev ? ky < kx : kx < ky;
  });
  return Value(std::move(l));
}

// sum / min / max.
Value reduce_filter(const std::string& name, const Value& v, CallArgs& a) {
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
  return *std::min_element(l.begin(), l.end(),
                           [&](const Value& x, const Value& y) { return name == "min" ? x < y : y < x; });
}

// map(attribute=...) or map("filter", args...).
Value map_filter(const Value& v, CallArgs& a) {
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

Value batch_filter(const Value& v, CallArgs& a) {
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

// Filters on sequences and mappings; nullopt when `name` is not one.
std::optional<Value> sequence_filter(const std::string& name, const Value& v, CallArgs& a) {
  if (name == "length" || name == "count") return Value(py_len(v));
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
  if (name == "list") return Value(iterate(v, a.line));
  if (name == "items") return get_attribute(v, "items").fn()(a);
  if (name == "reverse") return reverse_filter(v, a);
  if (name == "unique") {
    List out;
    for (const Value& x : iterate(v, a.line))
      if (std::find(out.begin(), out.end(), x) == out.end()) out.push_back(x);
    return Value(std::move(out));
  }
  if (name == "sort" || name == "dictsort") return sort_filter(name, v, a);
  if (name == "sum" || name == "min" || name == "max") return reduce_filter(name, v, a);
  if (name == "map") return map_filter(v, a);
  if (name == "select") return select_items(v, a, false, true);
  if (name == "reject") return select_items(v, a, false, false);
  if (name == "selectattr") return select_items(v, a, true, true);
  if (name == "rejectattr") return select_items(v, a, true, false);
  if (name == "attr") return get_attribute(v, a.get(0, "name").str());
  if (name == "batch") return batch_filter(v, a);
  return std::nullopt;
}

}  // namespace

Value apply_filter(const std::string& name, const Value& v, CallArgs& a) {
  if (name == "default" || name == "d") return default_filter(v, a);
  if (std::optional<Value> r = text_filter(name, v, a)) return *r;
  if (std::optional<Value> r = number_filter(name, v, a)) return *r;
  if (std::optional<Value> r = sequence_filter(name, v, a)) return *r;
  err("unknown filter '" + name + "'");
}

}  // namespace rayctl::inference::jinja
