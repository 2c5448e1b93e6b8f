// Conversions between YAML nodes and JSON values, and emitting YAML text for -o yaml.
// Scalars are typed the way YAML 1.2 core schema reads them (ints, floats, bools, null);
// quoted scalars stay strings.
#pragma once

#include <yaml-cpp/yaml.h>
#include <nlohmann/json.hpp>

#include <string>

namespace rayctl {

struct YamlDocument;

// Throws Error(Invalid) for a key that is not a scalar, or past kMaxYamlValues values or
// kMaxYamlDepth levels (aliases expanded); the message gives yaml-cpp's line and column, as no
// file is known.
nlohmann::json yaml_to_json(const YAML::Node& n);
// The same for a node of `doc`: the error's location is the file:line:column (offsets included).
nlohmann::json yaml_to_json(const YamlDocument& doc, const YAML::Node& n);
// Block-style YAML text with stable key order (the JSON object's order).
std::string to_yaml_text(const nlohmann::json& j);

}  // namespace rayctl
