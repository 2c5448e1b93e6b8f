// KubeRay's RayClusterSpec hash rules (see cluster_spec_rules.h).
#include "inspect/diff/cluster_spec_rules.h"

#include <algorithm>
#include <set>

namespace rayctl {

namespace {

std::vector<std::string> group_names(const nlohmann::json& spec) {
  std::vector<std::string> out;
  if (spec.is_object() && spec.contains("workerGroupSpecs") && spec["workerGroupSpecs"].is_array())
    for (const auto& g : spec["workerGroupSpecs"]) out.push_back(g.value("groupName", ""));
  return out;
}

bool starts_with(const std::vector<std::string>& s, std::initializer_list<const char*> prefix) {
  if (s.size() < prefix.size()) return false;
  size_t i = 0;
  for (const char* p : prefix)
    if (s[i++] != p) return false;
  return true;
}

}  // namespace

std::string worker_group_of(const JsonChange& c) {
  const auto& s = c.segments;
  if (s.size() >= 2 && s[0] == "workerGroupSpecs" && s[1].front() == '[') return s[1].substr(1, s[1].size() - 2);
  return "";
}

bool is_whole_group(const JsonChange& c) { return !worker_group_of(c).empty() && c.segments.size() == 2; }

std::string replica_field_group(const JsonChange& c) {
  const auto& s = c.segments;
  if (s.size() == 3 && !worker_group_of(c).empty() &&
      (s[2] == "replicas" || s[2] == "minReplicas" || s[2] == "maxReplicas"))
    return worker_group_of(c);
  return "";
}

bool muted_in_cluster_hash(const JsonChange& c) {
  const auto& s = c.segments;
  if (s.empty()) return false;
  if (s[0] == "upgradeStrategy") return true;
  static const std::set<std::string> pod_fields = {"tolerations", "schedulingGates"};
  if (s.size() >= 4 && s[0] == "headGroupSpec" && s[1] == "template" && s[2] == "spec" && pod_fields.count(s[3]))
    return true;
  if (worker_group_of(c).empty() || s.size() < 3) return false;
  if (!replica_field_group(c).empty()) return true;
  std::vector<std::string> rest(s.begin() + 2, s.end());
  if (starts_with(rest, {"scaleStrategy", "workersToDelete"})) return true;
  if (rest.size() == 1 && rest[0] == "scaleStrategy") {
    // The whole scaleStrategy appeared or went: muted only when it holds nothing but workersToDelete.
    for (const auto* v : {&c.before, &c.after})
      if (v->is_object())
        for (const auto& [k, x] : v->items())
          if (k != "workersToDelete") return false;
    return true;
  }
  return rest.size() >= 3 && rest[0] == "template" && rest[1] == "spec" && pod_fields.count(rest[2]);
}

std::vector<std::string> appended_worker_groups(const nlohmann::json& before_spec, const nlohmann::json& after_spec) {
  auto before = group_names(before_spec), after = group_names(after_spec);
  if (after.size() <= before.size() || !std::equal(before.begin(), before.end(), after.begin())) return {};
  return {after.begin() + static_cast<long>(before.size()), after.end()};
}

bool worker_groups_reordered(const nlohmann::json& before_spec, const nlohmann::json& after_spec) {
  auto before = group_names(before_spec), after = group_names(after_spec);
  std::vector<std::string> common_b, common_a;
  for (const auto& g : before)
    if (std::find(after.begin(), after.end(), g) != after.end()) common_b.push_back(g);
  for (const auto& g : after)
    if (std::find(before.begin(), before.end(), g) != before.end()) common_a.push_back(g);
  return common_a != common_b;
}

bool autoscaling_enabled(const nlohmann::json& spec) {
  return spec.is_object() && spec.value("enableInTreeAutoscaling", false);
}

}  // namespace rayctl
