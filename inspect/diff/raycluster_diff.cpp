// RayCluster changes classified by what KubeRay v1.6.1 does with them (see raycluster_diff.h).
#include "inspect/diff/raycluster_diff.h"

#include "inspect/diff/cluster_spec_rules.h"
#include "inspect/diff/json_diff.h"

#include <fmt/format.h>

#include <climits>

namespace rayctl {

namespace {

using json = nlohmann::json;

const char* kRules = "raycluster_controller.go reconcilePods";

json find_group(const json& spec, const std::string& name) {
  for (const auto& g : spec.value("workerGroupSpecs", json::array()))
    if (g.value("groupName", "") == name) return g;
  return nullptr;
}

int desired(const json& group) {
  if (!group.is_object() || group.value("suspend", false)) return 0;
  auto num = [&](const char* k, int d) { return group.contains(k) && group[k].is_number() ? group[k].get<int>() : d; };
  int min = num("minReplicas", 0), max = num("maxReplicas", INT_MAX);
  int n = num("replicas", min);
  n = n < min ? min : std::min(n, max);
  return n * num("numOfHosts", 1);
}

DiffChange scale_change(const JsonChange& c, const json& before, const json& after) {
  std::string g = worker_group_of(c);
  json bg = find_group(before, g), ag = find_group(after, g);
  int from = desired(bg), to = desired(ag);
  DiffChange d{c.path(),      c.before, c.after,
               Effect::Scale, "",       std::string(kRules) + ", utils.GetWorkerGroupDesiredReplicas"};
  if (from == to)
    d.reason = fmt::format("group {}: desired pods stay {}", g, to);
  else
    d.reason = fmt::format("group {}: {} → {} pods", g, from, to);
  if (autoscaling_enabled(after)) {
    d.reason += "; the autoscaler owns replicas and may change it back";
    if (to < from) d.reason += ", and KubeRay deletes no pod itself to scale down (the autoscaler picks them)";
  }
  return d;
}

DiffChange group_change(const JsonChange& c) {
  std::string g = worker_group_of(c);
  if (c.before.is_null())
    return {
        c.path(), nullptr, "(new group)", Effect::Scale, fmt::format("group {}: creates {} pods", g, desired(c.after)),
        kRules};
  return {c.path(),
          "(group)",
          nullptr,
          Effect::Ignored,
          fmt::format("group {} removed: KubeRay reconciles only the groups in the spec, so its running pods stay "
                      "(delete them with kubectl)",
                      g),
          kRules};
}

DiffChange template_change(const JsonChange& c, bool recreate) {
  if (recreate && !muted_in_cluster_hash(c))
    return {c.path(),
            c.before,
            c.after,
            Effect::RecreatesPods,
            "upgradeStrategy Recreate: the spec hash changes, so KubeRay deletes every pod and creates them again",
            "raycluster_controller.go shouldRecreatePodsForUpgrade"};
  std::string why =
      "running pods keep what they were created with; only pods created later (scale-up, a failed "
      "pod replaced) get it";
  if (recreate)
    why += " (the field is left out of the hash that upgradeStrategy Recreate compares)";
  else
    why += "; set upgradeStrategy.type Recreate, or delete the pods, to roll it out";
  return {c.path(), c.before, c.after, Effect::NewPodsOnly, why, kRules};
}

DiffChange classify(const JsonChange& c, const json& before, const json& after, bool recreate) {
  const auto& s = c.segments;
  std::string group = worker_group_of(c);
  if (is_whole_group(c)) return group_change(c);
  if (!replica_field_group(c).empty()) return scale_change(c, before, after);
  if (!group.empty() && s.size() >= 3 && s[2] == "scaleStrategy")
    return {c.path(), c.before, c.after, Effect::Scale, "group " + group + ": the named pods are deleted", kRules};
  if (!group.empty() && s.size() == 3 && s[2] == "suspend")
    return {c.path(),
            c.before,
            c.after,
            c.after == true ? Effect::DeletesPods : Effect::Scale,
            c.after == true ? "group " + group + " suspended: its pods are deleted"
                            : "group " + group + " resumed: its pods are created",
            kRules};
  if (s.size() == 1 && s[0] == "suspend")
    return {c.path(),
            c.before,
            c.after,
            c.after == true ? Effect::DeletesPods : Effect::Scale,
            c.after == true ? "suspended: every pod is deleted" : "resumed: the pods are created",
            kRules};
  if (s.size() >= 1 && s[0] == "upgradeStrategy")
    return {c.path(),
            c.before,
            c.after,
            Effect::InPlace,
            "decides how later spec changes reach the pods",
            "raycluster_controller.go shouldRecreatePodsForUpgrade"};
  return template_change(c, recreate);
}

}  // namespace

DiffReport diff_raycluster(const json& live, const json& desired_obj) {
  DiffReport r;
  r.kind = "RayCluster";
  json after = desired_obj.value("spec", json::object());
  if (live.is_null()) {
    r.exists = false;
    r.capacity = check_capacity(cluster_requests(after), std::nullopt, "");
    return r;
  }
  json before = live.value("spec", json::object());
  bool recreate = after.value("upgradeStrategy", json::object()).value("type", "") == "Recreate";
  for (const auto& c : diff_json(before, after)) {
    DiffChange d = classify(c, before, after, recreate);
    d.path = "spec." + d.path;
    r.changes.push_back(std::move(d));
  }
  if (worker_groups_reordered(before, after))
    r.changes.push_back(template_change({{"spec", "workerGroupSpecs (order)"}, nullptr, nullptr}, recreate));
  return r;
}

}  // namespace rayctl
