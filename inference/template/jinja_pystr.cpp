// Python str semantics for the Jinja builtins (see jinja_pystr.h).
#include "inference/template/jinja_pystr.h"

#include <algorithm>
#include <cctype>

namespace rayctl::inference::jinja {

namespace {

bool in_set(uint32_t cp, const std::vector<uint32_t>& chars) {
  return std::find(chars.begin(), chars.end(), cp) != chars.end();
}

}  // namespace

const std::string& need_str(const Value& v, const char* what) {
  if (!v.is_string()) err(std::string(what) + ": expected a string, got " + v.type_name());
  return v.str_ref();
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
      if (maxsplit >= 0 && int64_t(out.size()) == maxsplit)
        j = cps.size();
      else
        while (j < cps.size() && !py_isspace(cps[j])) ++j;
      std::string piece = from_code_points(cps, i, j);
      if (j == cps.size() && maxsplit >= 0 && int64_t(out.size()) == maxsplit)
        piece = py_strip(piece, Value(), false, true);
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

int64_t py_len(const Value& v) {
  if (v.is_string()) return int64_t(code_points(v.str_ref()).size());
  if (v.is_list()) return int64_t(v.list().size());
  if (v.is_dict()) return int64_t(v.dict().size());
  if (v.is_undefined()) return 0;
  err(std::string("object of type '") + v.type_name() + "' has no len()");
}

}  // namespace rayctl::inference::jinja
