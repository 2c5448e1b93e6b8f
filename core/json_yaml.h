// Conversions between YAML nodes and JSON values, and emitting YAML text for -o yaml.
// Plain scalars are typed the way the file's real reader types them (YamlDialect: PyYAML for
// Ray's files, goyaml v2 for Kubernetes manifests); quoted scalars stay strings.
#pragma once

#include <yaml-cpp/yaml.h>
#include <nlohmann/json.hpp>

#include "core/yaml_source.h"

#include <cstdint>
#include <optional>
#include <string>

namespace rayctl {

// A scalar as its reader types it. Invalid: the reader fails on it (PyYAML: "0b_", "="); the value
// is kept as a string by rayctl, and the loaders say so.
struct YamlScalar {
  enum class Kind { Null, Bool, Int, Float, Timestamp, String, Invalid };
  Kind kind = Kind::String;
  bool boolean = false;
  std::optional<int64_t> integer;  // Int that fits int64 (larger ones only set `number`)
  double number = 0;               // Float, or Int as a double
};
// Types a plain (unquoted, untagged) scalar.
YamlScalar resolve_plain_scalar(const std::string& s, YamlDialect dialect);
// Types a node's scalar: quoted or !!str → String; !!int / !!float / !!bool / !!null as tagged;
// plain per `dialect`.
YamlScalar resolve_scalar(const YAML::Node& n, YamlDialect dialect);
const char* yaml_scalar_kind_name(YamlScalar::Kind k);  // "null", "bool", "int", ...

// Throws Error(Invalid) for a key that is not a scalar, or past kMaxYamlValues values or
// kMaxYamlDepth levels (aliases expanded); the message gives yaml-cpp's line and column, as no
// file is known.
nlohmann::json yaml_to_json(const YAML::Node& n, YamlDialect dialect = YamlDialect::PyYaml);
// The same for a node of `doc` (typed per doc.dialect): the error's location is the
// file:line:column (offsets included).
nlohmann::json yaml_to_json(const YamlDocument& doc, const YAML::Node& n);
// Block-style YAML text with stable key order (the JSON object's order).
std::string to_yaml_text(const nlohmann::json& j);

}  // namespace rayctl
