// Null-safe reads of Kubernetes objects for the doctor's checks: a missing key, a null or a
// value of another type reads as empty / the default, never throws (API objects omit empty
// fields, and a check must not die on an object shaped a little differently).
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace rayctl::kj {

inline const nlohmann::json& at(const nlohmann::json& j, const char* key) {
  static const nlohmann::json null_json;
  if (!j.is_object()) return null_json;
  auto it = j.find(key);
  return it == j.end() ? null_json : *it;
}

inline std::string str(const nlohmann::json& j, const char* key) {
  const auto& v = at(j, key);
  return v.is_string() ? v.get<std::string>() : std::string();
}

inline long num(const nlohmann::json& j, const char* key, long def = 0) {
  const auto& v = at(j, key);
  return v.is_number() ? v.get<long>() : def;
}

inline std::string label(const nlohmann::json& obj, const char* key) {
  return str(at(at(obj, "metadata"), "labels"), key);
}

inline std::string name_of(const nlohmann::json& obj) { return str(at(obj, "metadata"), "name"); }

}  // namespace rayctl::kj
