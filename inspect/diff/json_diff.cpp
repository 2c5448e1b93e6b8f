// Structural differences between two JSON documents, with lists of named objects matched by name.
#include "inspect/diff/json_diff.h"

#include <algorithm>
#include <map>
#include <optional>

namespace rayctl {

namespace {

bool is_empty_value(const nlohmann::json& j) { return j.is_null() || ((j.is_object() || j.is_array()) && j.empty()); }

// The key that names the elements of a list, when every element is an object carrying it:
// groupName for worker groups, name for containers, env, ports, volumes, mounts.
std::optional<std::string> element_key(const nlohmann::json& a, const nlohmann::json& b) {
  for (const char* key : {"groupName", "name"}) {
    bool all = true, any = false;
    for (const auto* list : {&a, &b})
      for (const auto& e : *list) {
        any = true;
        all = all && e.is_object() && e.contains(key) && e[key].is_string();
      }
    if (all && any) return std::string(key);
  }
  return std::nullopt;
}

void diff_into(const nlohmann::json& a, const nlohmann::json& b, std::vector<std::string>& at,
               std::vector<JsonChange>& out);

void diff_objects(const nlohmann::json& a, const nlohmann::json& b, std::vector<std::string>& at,
                  std::vector<JsonChange>& out) {
  std::vector<std::string> keys;
  for (const auto& [k, v] : a.items()) keys.push_back(k);
  for (const auto& [k, v] : b.items())
    if (!a.contains(k)) keys.push_back(k);
  for (const auto& k : keys) {
    at.push_back(k);
    diff_into(a.contains(k) ? a[k] : nlohmann::json(), b.contains(k) ? b[k] : nlohmann::json(), at, out);
    at.pop_back();
  }
}

void diff_named_lists(const nlohmann::json& a, const nlohmann::json& b, const std::string& key,
                      std::vector<std::string>& at, std::vector<JsonChange>& out) {
  std::vector<std::string> order;
  std::map<std::string, nlohmann::json> before, after;
  for (const auto& e : a) {
    order.push_back(e[key]);
    before[e[key]] = e;
  }
  for (const auto& e : b) {
    if (!before.count(e[key])) order.push_back(e[key]);
    after[e[key]] = e;
  }
  for (const auto& name : order) {
    at.push_back("[" + name + "]");
    diff_into(before.count(name) ? before[name] : nlohmann::json(), after.count(name) ? after[name] : nlohmann::json(),
              at, out);
    at.pop_back();
  }
}

void diff_into(const nlohmann::json& a, const nlohmann::json& b, std::vector<std::string>& at,
               std::vector<JsonChange>& out) {
  if (a == b) return;
  if (a.is_object() && b.is_object()) return diff_objects(a, b, at, out);
  if (a.is_array() && b.is_array())
    if (auto key = element_key(a, b)) return diff_named_lists(a, b, *key, at, out);
  out.push_back({at, a, b});
}

}  // namespace

std::string JsonChange::path() const {
  std::string p;
  for (const auto& s : segments) {
    if (!p.empty() && s.front() != '[') p += ".";
    p += s;
  }
  return p;
}

nlohmann::json drop_empty(const nlohmann::json& j) {
  if (j.is_object()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [k, v] : j.items()) {
      nlohmann::json c = drop_empty(v);
      if (!is_empty_value(c)) out[k] = std::move(c);
    }
    return out;
  }
  if (j.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& v : j) out.push_back(drop_empty(v));  // positions matter: keep empty elements
    return out;
  }
  return j;
}

std::vector<JsonChange> diff_json(const nlohmann::json& before, const nlohmann::json& after) {
  std::vector<JsonChange> out;
  std::vector<std::string> at;
  diff_into(drop_empty(before), drop_empty(after), at, out);
  return out;
}

}  // namespace rayctl
