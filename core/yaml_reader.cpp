// YamlMapReader: schema-in-code reading of YAML mappings with positioned diagnostics.
#include "core/yaml_reader.h"

#include "core/json_yaml.h"
#include "core/suggest.h"

#include <fmt/format.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace rayctl {

std::optional<int64_t> parse_int(const std::string& s) {
  if (s.empty()) return std::nullopt;
  size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
  if (i == s.size()) return std::nullopt;
  for (size_t k = i; k < s.size(); ++k)
    if (s[k] < '0' || s[k] > '9') return std::nullopt;
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (errno == ERANGE || *end != '\0') return std::nullopt;
  return static_cast<int64_t>(v);
}

std::optional<double> parse_double(const std::string& s) {
  if (s.empty()) return std::nullopt;
  for (char c : s)
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E' ||
          c == '_'))
      return std::nullopt;
  std::string t;
  for (char c : s)
    if (c != '_') t += c;
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(t.c_str(), &end);
  if (errno == ERANGE || end == t.c_str() || *end != '\0' || !std::isfinite(v)) return std::nullopt;
  return v;
}

// How the file's reader (doc.dialect: PyYAML for Ray's files) types a scalar: `no_restart: yes`
// is a boolean, `port: 8_000` an integer, `x: 1e3` a string for PyYAML.
static YamlScalar typed(const YamlDocument& doc, const YAML::Node& n) { return resolve_scalar(n, doc.dialect); }

YamlMapReader::YamlMapReader(const YamlDocument& doc, YAML::Node map, std::string path, Diagnostics& diags)
    : doc_(doc), map_(std::move(map)), path_(std::move(path)), diags_(diags) {
  ok_ = map_.IsDefined() && map_.IsMap();
  if (map_.IsDefined() && !map_.IsMap() && !map_.IsNull()) {
    diags_.error(diag_id::kWrongType, doc_.loc(map_),
                 fmt::format("{} must be a mapping, not {}", path_.empty() ? "the document" : "'" + path_ + "'",
                             yaml_kind_name(map_)),
                 "write it as 'key: value' lines indented under its parent");
  }
}

YAML::Node YamlMapReader::lookup(const std::string& key) const {
  if (!ok_) return YAML::Node(YAML::NodeType::Undefined);
  for (auto it = map_.begin(); it != map_.end(); ++it)
    if (it->first.IsScalar() && it->first.Scalar() == key) return it->second;
  return YAML::Node(YAML::NodeType::Undefined);
}

bool YamlMapReader::has(const std::string& key) const { return lookup(key).IsDefined(); }

YAML::Node YamlMapReader::node(const std::string& key) {
  known_.insert(key);
  return lookup(key);
}

SourceLoc YamlMapReader::key_loc(const std::string& key) const {
  if (ok_)
    for (auto it = map_.begin(); it != map_.end(); ++it)
      if (it->first.IsScalar() && it->first.Scalar() == key) return doc_.loc(it->first);
  return doc_.loc(map_);
}

SourceLoc YamlMapReader::value_loc(const std::string& key) const {
  YAML::Node n = lookup(key);
  return n.IsDefined() ? doc_.loc(n) : key_loc(key);
}

void YamlMapReader::wrong_type(const std::string& key, const YAML::Node& n, const char* expected) {
  std::string shown = n.IsScalar() ? fmt::format(" ('{}')", n.Scalar()) : std::string();
  diags_.error(
      diag_id::kWrongType, doc_.loc(n),
      fmt::format("'{}' must be {}, not {}{}", child_path(key), expected, yaml_kind_name(n, doc_.dialect), shown),
      fmt::format("write '{}' as {}", key, expected));
}

void YamlMapReader::missing(const std::string& key) {
  diags_.error(diag_id::kMissingKey, doc_.loc(map_),
               fmt::format("missing required key '{}'{}", key, path_.empty() ? "" : " in " + path_),
               fmt::format("add '{}:' here", key));
}

std::optional<std::string> YamlMapReader::str(const std::string& key, bool required) {
  YAML::Node n = node(key);
  if (!n.IsDefined() || n.IsNull()) {
    if (required) missing(key);
    return std::nullopt;
  }
  if (!n.IsScalar()) {
    wrong_type(key, n, "a string");
    return std::nullopt;
  }
  return n.Scalar();
}

std::optional<int64_t> YamlMapReader::integer(const std::string& key, int64_t min, int64_t max, bool required) {
  YAML::Node n = node(key);
  if (!n.IsDefined() || n.IsNull()) {
    if (required) missing(key);
    return std::nullopt;
  }
  YamlScalar t = typed(doc_, n);
  std::optional<int64_t> v = t.kind == YamlScalar::Kind::Int ? t.integer : std::nullopt;
  if (!v) {
    wrong_type(key, n, "an integer");
    return std::nullopt;
  }
  if (*v < min || *v > max) {
    std::string range = max == INT64_MAX ? fmt::format("≥ {}", min) : fmt::format("between {} and {}", min, max);
    diags_.error(diag_id::kOutOfRange, doc_.loc(n),
                 fmt::format("'{}' is {}, but it must be {}", child_path(key), *v, range),
                 fmt::format("use a value {}", range));
    return std::nullopt;
  }
  return v;
}

std::optional<double> YamlMapReader::number(const std::string& key, double min, double max, bool required) {
  YAML::Node n = node(key);
  if (!n.IsDefined() || n.IsNull()) {
    if (required) missing(key);
    return std::nullopt;
  }
  YamlScalar t = typed(doc_, n);
  std::optional<double> v;
  if ((t.kind == YamlScalar::Kind::Int || t.kind == YamlScalar::Kind::Float) && !std::isnan(t.number)) v = t.number;
  if (!v) {
    wrong_type(key, n, "a number");
    return std::nullopt;
  }
  if (*v < min || *v > max) {
    std::string range = max >= 1e300 ? fmt::format("≥ {}", min) : fmt::format("between {} and {}", min, max);
    diags_.error(diag_id::kOutOfRange, doc_.loc(n),
                 fmt::format("'{}' is {}, but it must be {}", child_path(key), n.Scalar(), range),
                 fmt::format("use a value {}", range));
    return std::nullopt;
  }
  return v;
}

std::optional<bool> YamlMapReader::boolean(const std::string& key, bool required) {
  YAML::Node n = node(key);
  if (!n.IsDefined() || n.IsNull()) {
    if (required) missing(key);
    return std::nullopt;
  }
  if (YamlScalar t = typed(doc_, n); t.kind == YamlScalar::Kind::Bool) return t.boolean;
  wrong_type(key, n, "a boolean (true or false)");
  return std::nullopt;
}

std::optional<std::vector<std::string>> YamlMapReader::str_list(const std::string& key, bool required) {
  YAML::Node n = node(key);
  if (!n.IsDefined() || n.IsNull()) {
    if (required) missing(key);
    return std::nullopt;
  }
  if (!n.IsSequence()) {
    wrong_type(key, n, "a list of strings");
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool ok = true;
  for (const auto& item : n) {
    if (!item.IsScalar()) {
      diags_.error(diag_id::kWrongType, doc_.loc(item),
                   fmt::format("items of '{}' must be strings, not {}", child_path(key), yaml_kind_name(item)),
                   "quote the item if it contains ': ' or starts with a special character");
      ok = false;
      continue;
    }
    out.push_back(item.Scalar());
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<std::string> YamlMapReader::one_of(const std::string& key, const std::vector<std::string>& allowed,
                                                 bool required) {
  auto v = str(key, required);
  if (!v) return v;
  for (const auto& a : allowed)
    if (a == *v) return v;
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  std::string near = closest_match(*v, allowed);
  diags_.error(diag_id::kBadValue, value_loc(key),
               fmt::format("'{}' is '{}', which is not one of: {}{}", child_path(key), *v, list,
                           near.empty() ? "" : fmt::format(" (did you mean '{}'?)", near)),
               fmt::format("use one of: {}", list));
  return std::nullopt;
}

YAML::Node YamlMapReader::deprecated(const std::string& old_key, const std::string& now) {
  YAML::Node n = node(old_key);
  if (n.IsDefined())
    diags_.warning(diag_id::kDeprecated, key_loc(old_key),
                   fmt::format("'{}' is deprecated; rayctl reads it as '{}'", child_path(old_key), now),
                   fmt::format("rename '{}' to '{}'", old_key, now));
  return n;
}

void YamlMapReader::allow(std::initializer_list<const char*> keys) {
  for (const char* k : keys) known_.insert(k);
}

void YamlMapReader::report_unknown(Severity severity, const std::string& extra_hint) {
  if (!ok_ || allow_all_) return;
  std::vector<std::string> known(known_.begin(), known_.end());
  for (auto it = map_.begin(); it != map_.end(); ++it) {
    if (!it->first.IsScalar()) continue;
    const std::string& k = it->first.Scalar();
    if (known_.count(k)) continue;
    std::string near = closest_match(k, known);
    std::string where = path_.empty() ? "at the top level" : "in " + path_;
    Diagnostic d;
    d.id = diag_id::kUnknownKey;
    d.severity = severity;
    d.loc = doc_.loc(it->first);
    d.message =
        fmt::format("unknown key '{}' {}{}", k, where, near.empty() ? "" : fmt::format(" (did you mean '{}'?)", near));
    d.hint = !near.empty()
                 ? fmt::format("rename '{}' to '{}'", k, near)
                 : (extra_hint.empty() ? "remove it; see man rayctl-config for the keys allowed here" : extra_hint);
    diags_.add(std::move(d));
  }
}

}  // namespace rayctl
