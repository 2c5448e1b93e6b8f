// YAML ↔ JSON with YAML 1.2 core-schema typing of plain scalars.
#include "core/json_yaml.h"

#include "core/error.h"
#include "core/yaml_reader.h"
#include "core/yaml_source.h"

#include <fmt/format.h>

#include <cmath>

namespace rayctl {

static nlohmann::json scalar_to_json(const YAML::Node& n) {
  const std::string& s = n.Scalar();
  if (n.Tag() == "!") return s;  // quoted: always a string
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  if (auto i = parse_int(s)) return *i;
  if (s.find_first_of(".eE") != std::string::npos && s.find('_') == std::string::npos)
    if (auto d = parse_double(s)) return *d;
  if (s == ".inf" || s == ".Inf") return INFINITY;
  return s;
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
static nlohmann::json to_json_counted(const YAML::Node& n, size_t& budget, size_t depth, const YamlDocument* doc) {
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
  if (n.IsScalar()) return scalar_to_json(n);
  if (n.IsSequence()) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& item : n) arr.push_back(to_json_counted(item, budget, depth + 1, doc));
    return arr;
  }
  nlohmann::json obj = nlohmann::json::object();
  for (auto it = n.begin(); it != n.end(); ++it) {
    if (!it->first.IsScalar())
      throw conversion_error(doc, it->first, "a mapping key",
                             fmt::format(" is {}; keys must be plain strings", yaml_kind_name(it->first)),
                             "write the key as a string (quote it if it has special characters)");
    obj[it->first.Scalar()] = to_json_counted(it->second, budget, depth + 1, doc);
  }
  return obj;
}

nlohmann::json yaml_to_json(const YAML::Node& n) {
  size_t budget = kMaxYamlValues;
  return to_json_counted(n, budget, 0, nullptr);
}

nlohmann::json yaml_to_json(const YamlDocument& doc, const YAML::Node& n) {
  size_t budget = kMaxYamlValues;
  return to_json_counted(n, budget, 0, &doc);
}

// Strings that a YAML reader would type as something else must be quoted.
static bool needs_quotes(const std::string& s) {
  if (s.empty()) return true;
  YAML::Node probe;
  try {
    probe = YAML::Load(s);
  } catch (...) {
    return true;
  }
  if (!probe.IsScalar() || probe.Scalar() != s) return true;
  nlohmann::json typed = scalar_to_json(probe);
  return !typed.is_string();
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
