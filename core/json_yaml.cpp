// YAML ↔ JSON, and the typing of plain scalars per YamlDialect: PyYAML's implicit resolvers and
// constructors (resolver.py, constructor.py: SafeLoader) and goyaml v2's resolve.go, as
// sigs.k8s.io/yaml uses it.
#include "core/json_yaml.h"

#include "core/error.h"
#include "core/yaml_reader.h"
#include "core/yaml_source.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <regex>
#include <vector>

namespace rayctl {

namespace {

using Kind = YamlScalar::Kind;

YamlScalar of_kind(Kind k) {
  YamlScalar v;
  v.kind = k;
  return v;
}

std::string strip_underscores(const std::string& s) {
  std::string t;
  for (char c : s)
    if (c != '_') t += c;
  return t;
}

int digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return 99;
}

// An integer from `digits` in `base`; Invalid for no digits or a bad one (Python's int() raises).
YamlScalar integer_of(bool negative, const std::string& digits, int base) {
  if (digits.empty()) return of_kind(Kind::Invalid);
  YamlScalar v = of_kind(Kind::Int);
  unsigned long long acc = 0;
  bool overflow = false;
  for (char c : digits) {
    int d = digit_value(c);
    if (d >= base) return of_kind(Kind::Invalid);
    v.number = v.number * base + d;
    overflow = overflow || __builtin_mul_overflow(acc, static_cast<unsigned long long>(base), &acc) ||
               __builtin_add_overflow(acc, static_cast<unsigned long long>(d), &acc);
  }
  if (negative) v.number = -v.number;
  const unsigned long long limit = negative ? 9223372036854775808ULL : 9223372036854775807ULL;
  if (!overflow && acc <= limit) v.integer = negative ? static_cast<int64_t>(0 - acc) : static_cast<int64_t>(acc);
  return v;
}

// Base-60 parts "1:30:05" (PyYAML's sexagesimal ints and floats), summed as PyYAML sums them:
// last part first, so the rounding of a float is the same.
double sexagesimal(const std::string& s) {
  std::vector<double> parts;
  for (size_t start = 0;;) {
    size_t colon = s.find(':', start);
    parts.push_back(std::strtod(s.substr(start, colon - start).c_str(), nullptr));
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  double value = 0, base = 1;
  for (auto it = parts.rbegin(); it != parts.rend(); ++it, base *= 60) value += *it * base;
  return value;
}

// What construct_yaml_timestamp accepts (Python's date/datetime raise on a day past the month's
// end, month 13, hour 24 ...): the regex already matched, so fields are where it put them.
bool valid_timestamp(const std::string& s) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
  int n = std::sscanf(s.c_str(), "%d-%d-%d%*[Tt \t]%d:%d:%d", &y, &mo, &d, &h, &mi, &se);
  if (n < 3 || mo < 1 || mo > 12 || d < 1 || y < 1) return false;
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (d > days[mo - 1] + (mo == 2 && leap ? 1 : 0)) return false;
  return n < 6 || (h < 24 && mi < 60 && se < 60);
}

// PyYAML's construct_yaml_int on a scalar its int resolver matched.
YamlScalar pyyaml_int(const std::string& text) {
  std::string s = strip_underscores(text);
  bool negative = s[0] == '-';
  if (s[0] == '-' || s[0] == '+') s = s.substr(1);
  if (s == "0") return integer_of(false, "0", 10);
  if (s.rfind("0b", 0) == 0) return integer_of(negative, s.substr(2), 2);
  if (s.rfind("0x", 0) == 0) return integer_of(negative, s.substr(2), 16);
  if (s[0] == '0') return integer_of(negative, s, 8);
  if (s.find(':') != std::string::npos) {
    YamlScalar v = of_kind(Kind::Int);
    v.number = (negative ? -1 : 1) * sexagesimal(s);
    if (std::fabs(v.number) < 9e18) v.integer = static_cast<int64_t>(v.number);
    return v;
  }
  return integer_of(negative, s, 10);
}

// PyYAML's construct_yaml_float on a scalar its float resolver matched.
YamlScalar pyyaml_float(const std::string& text) {
  std::string s = strip_underscores(text);
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  double sign = s[0] == '-' ? -1 : 1;
  if (s[0] == '-' || s[0] == '+') s = s.substr(1);
  YamlScalar v = of_kind(Kind::Float);
  if (s == ".inf")
    v.number = sign * INFINITY;
  else if (s == ".nan")
    v.number = NAN;
  else if (s.find(':') != std::string::npos)
    v.number = sign * sexagesimal(s);
  else
    v.number = sign * std::strtod(s.c_str(), nullptr);
  return v;
}

struct PyYamlResolvers {
  std::regex boolean{"^(yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$"};
  std::regex floating{R"(^([-+]?[0-9][0-9_]*\.[0-9_]*([eE][-+][0-9]+)?|\.[0-9][0-9_]*([eE][-+][0-9]+)?)"
                      R"(|[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$)"};
  std::regex integer{
      R"(^([-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(:[0-5]?[0-9])+)$)"};
  std::regex timestamp{
      R"(^([0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2})"
      R"((\.[0-9]*)?([ \t]*(Z|[-+][0-9]{1,2}(:[0-9]{2})?))?)$)"};
};

// SafeLoader's implicit resolvers, in their order (bool, float, int, merge, null, timestamp,
// value). "<<" and "=" have no SafeConstructor: PyYAML fails on them as values.
YamlScalar resolve_pyyaml(const std::string& s) {
  static const PyYamlResolvers r;
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return of_kind(Kind::Null);
  if (std::regex_match(s, r.boolean)) {
    YamlScalar v = of_kind(Kind::Bool);
    v.boolean = s[0] == 'y' || s[0] == 'Y' || s[0] == 't' || s[0] == 'T' || s == "on" || s == "On" || s == "ON";
    return v;
  }
  if (std::regex_match(s, r.floating)) return pyyaml_float(s);
  if (std::regex_match(s, r.integer)) return pyyaml_int(s);
  if (s == "<<" || s == "=") return of_kind(Kind::Invalid);
  if (std::regex_match(s, r.timestamp)) return of_kind(valid_timestamp(s) ? Kind::Timestamp : Kind::Invalid);
  return of_kind(Kind::String);
}

// Go's strconv.ParseInt/ParseUint with base 0 (0x, 0o, 0b, a leading 0 for octal).
YamlScalar go_parse_int(const std::string& plain) {
  std::string s = plain;
  bool negative = !s.empty() && s[0] == '-';
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s = s.substr(1);
  if (s.empty()) return of_kind(Kind::Invalid);
  int base = 10;
  if (s.size() > 1 && s[0] == '0') {
    char p = static_cast<char>(std::tolower(static_cast<unsigned char>(s[1])));
    base = p == 'x' ? 16 : p == 'o' ? 8 : p == 'b' ? 2 : 8;
    s = s.substr(p == 'x' || p == 'o' || p == 'b' ? 2 : 1);
  }
  YamlScalar v = integer_of(negative, s, base);
  // Past int64 only ParseUint is left, which takes no sign and stops at 2^64: not an integer.
  if (v.kind == Kind::Int && !v.integer && (plain[0] == '-' || plain[0] == '+' || v.number >= 1.8446744073709552e19))
    return of_kind(Kind::Invalid);
  return v;
}

// goyaml v2's resolve(): the map of words, then (for a digit or sign) timestamp, int, uint,
// YAML-style float.
YamlScalar resolve_goyaml(const std::string& s) {
  static const std::regex go_float{R"(^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$)"};
  static const std::regex go_time{
      R"(^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt ][0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(\.[0-9]+)?(Z|[-+][0-9]{2}:[0-9]{2})?)?$)"};
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return of_kind(Kind::Null);
  static const char* yes[] = {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"};
  static const char* no[] = {"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"};
  for (int truth = 0; truth < 2; ++truth)
    for (const char* w : truth ? yes : no)
      if (s == w) {
        YamlScalar v = of_kind(Kind::Bool);
        v.boolean = truth;
        return v;
      }
  YamlScalar f = of_kind(Kind::Float);
  if (s == ".nan" || s == ".NaN" || s == ".NAN") return f.number = NAN, f;
  for (const char* inf : {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF"})
    if (s == inf) return f.number = s[0] == '-' ? -INFINITY : INFINITY, f;
  const char c = s[0];
  if (c == '.') {
    if (std::regex_match(s, go_float)) return f.number = std::strtod(s.c_str(), nullptr), f;
    return of_kind(Kind::String);
  }
  if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '+')) return of_kind(Kind::String);
  if (std::regex_match(s, go_time)) return of_kind(Kind::Timestamp);
  const std::string plain = strip_underscores(s);
  if (YamlScalar v = go_parse_int(plain); v.kind == Kind::Int) return v;
  if (std::regex_match(plain, go_float)) return f.number = std::strtod(plain.c_str(), nullptr), f;
  return of_kind(Kind::String);
}

}  // namespace

YamlScalar resolve_plain_scalar(const std::string& s, YamlDialect dialect) {
  return dialect == YamlDialect::PyYaml ? resolve_pyyaml(s) : resolve_goyaml(s);
}

YamlScalar resolve_scalar(const YAML::Node& n, YamlDialect dialect) {
  if (!n.IsDefined() || n.IsNull()) return of_kind(Kind::Null);
  if (!n.IsScalar()) return of_kind(Kind::Invalid);
  const std::string& tag = n.Tag();
  const std::string& s = n.Scalar();
  if (tag == "?" || tag.empty()) return resolve_plain_scalar(s, dialect);
  const std::string core = "tag:yaml.org,2002:";
  if (tag.rfind(core, 0) == 0 && tag != core + "str") {
    YamlScalar v = resolve_plain_scalar(s, dialect);
    const std::string want = tag.substr(core.size());
    if (yaml_scalar_kind_name(v.kind) == want) return v;
    if (want == "float" && v.kind == Kind::Int) return v.kind = Kind::Float, v;
    return of_kind(Kind::Invalid);  // !!int abc: the reader fails
  }
  return of_kind(Kind::String);  // quoted ("!"), !!str, or an application tag
}

const char* yaml_scalar_kind_name(YamlScalar::Kind k) {
  switch (k) {
    case Kind::Null: return "null";
    case Kind::Bool: return "bool";
    case Kind::Int: return "int";
    case Kind::Float: return "float";
    case Kind::Timestamp: return "timestamp";
    case Kind::String: return "str";
    case Kind::Invalid: break;
  }
  return "invalid";
}

static nlohmann::json scalar_to_json(const YAML::Node& n, YamlDialect dialect) {
  YamlScalar v = resolve_scalar(n, dialect);
  switch (v.kind) {
    case YamlScalar::Kind::Null: return nullptr;
    case YamlScalar::Kind::Bool: return v.boolean;
    case YamlScalar::Kind::Int:
      if (v.integer) return *v.integer;
      return v.number;
    case YamlScalar::Kind::Float: return v.number;  // nlohmann dumps inf / nan as null
    default: return n.Scalar();                     // String, Timestamp (as its text), Invalid
  }
}

// An error at node `at`: located in doc's file when there is one; otherwise the message carries
// yaml-cpp's line and column.
static Error conversion_error(const YamlDocument* doc, const YAML::Node& at, const std::string& what,
                              const std::string& why, std::string hint) {
  if (doc) return Error(ErrorKind::Invalid, fmt::format("{}{}", what, why), std::move(hint), doc->loc(at));
  const YAML::Mark m = at.Mark();
  return Error(ErrorKind::Invalid, fmt::format("{} (line {}, column {}){}", what, m.line + 1, m.column + 1, why),
               std::move(hint));
}

// The conversion expands aliases, so it stops at kMaxYamlValues values or kMaxYamlDepth levels
// (core/yaml_source.h).
static nlohmann::json to_json_counted(const YAML::Node& n, size_t& budget, size_t depth, const YamlDocument* doc,
                                      YamlDialect dialect) {
  if (budget == 0)
    throw conversion_error(doc, n, fmt::format("YAML expands to more than {} values", kMaxYamlValues),
                           ": aliases (*name) that repeat other aliases grow exponentially",
                           "write the values out, or use fewer nested aliases");
  if (depth > kMaxYamlDepth)
    throw conversion_error(doc, n, fmt::format("YAML nests deeper than {} levels", kMaxYamlDepth),
                           " with its aliases expanded (an alias inside the node it names never ends)",
                           "flatten the structure, or move the alias out of the node it names");
  --budget;
  if (!n.IsDefined() || n.IsNull()) return nullptr;
  if (n.IsScalar()) return scalar_to_json(n, dialect);
  if (n.IsSequence()) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& item : n) arr.push_back(to_json_counted(item, budget, depth + 1, doc, dialect));
    return arr;
  }
  nlohmann::json obj = nlohmann::json::object();
  for (auto it = n.begin(); it != n.end(); ++it) {
    if (!it->first.IsScalar())
      throw conversion_error(doc, it->first, "a mapping key",
                             fmt::format(" is {}; keys must be plain strings", yaml_kind_name(it->first)),
                             "write the key as a string (quote it if it has special characters)");
    obj[it->first.Scalar()] = to_json_counted(it->second, budget, depth + 1, doc, dialect);
  }
  return obj;
}

nlohmann::json yaml_to_json(const YAML::Node& n, YamlDialect dialect) {
  size_t budget = kMaxYamlValues;
  return to_json_counted(n, budget, 0, nullptr, dialect);
}

nlohmann::json yaml_to_json(const YamlDocument& doc, const YAML::Node& n) {
  size_t budget = kMaxYamlValues;
  return to_json_counted(n, budget, 0, &doc, doc.dialect);
}

// Strings that a YAML reader would type as something else must be quoted: PyYAML, goyaml v2, or
// a YAML 1.2 reader (1e3, 0o17).
static bool needs_quotes(const std::string& s) {
  if (s.empty()) return true;
  YAML::Node probe;
  try {
    probe = YAML::Load(s);
  } catch (...) {
    return true;
  }
  if (!probe.IsScalar() || probe.Scalar() != s) return true;
  for (YamlDialect d : {YamlDialect::PyYaml, YamlDialect::GoYamlV2})
    if (resolve_plain_scalar(s, d).kind != YamlScalar::Kind::String) return true;
  return parse_double(s).has_value() || s.rfind("0o", 0) == 0 || s == ".inf" || s == ".nan";
}

static void emit(YAML::Emitter& out, const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::object:
      out << YAML::BeginMap;
      for (auto it = j.begin(); it != j.end(); ++it) {
        out << YAML::Key << it.key() << YAML::Value;
        emit(out, it.value());
      }
      out << YAML::EndMap;
      break;
    case nlohmann::json::value_t::array:
      out << YAML::BeginSeq;
      for (const auto& v : j) emit(out, v);
      out << YAML::EndSeq;
      break;
    case nlohmann::json::value_t::string: {
      const auto& s = j.get_ref<const std::string&>();
      if (s.find('\n') != std::string::npos)
        out << YAML::Literal << s;
      else if (needs_quotes(s))
        out << YAML::DoubleQuoted << s;
      else
        out << s;
      break;
    }
    case nlohmann::json::value_t::boolean: out << (j.get<bool>() ? "true" : "false"); break;
    case nlohmann::json::value_t::number_integer: out << j.get<int64_t>(); break;
    case nlohmann::json::value_t::number_unsigned: out << j.get<uint64_t>(); break;
    case nlohmann::json::value_t::number_float: {
      out << j.dump();  // JSON's shortest round-trip form; keeps "1.0" a float
      break;
    }
    default: out << YAML::Null; break;
  }
}

std::string to_yaml_text(const nlohmann::json& j) {
  YAML::Emitter out;
  out.SetIndent(2);
  out.SetSeqFormat(YAML::Block);
  out.SetMapFormat(YAML::Block);
  emit(out, j);
  std::string s = out.c_str();
  if (!s.empty() && s.back() != '\n') s += '\n';
  return s;
}

}  // namespace rayctl
