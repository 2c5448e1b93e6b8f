// RayService changes classified by what KubeRay v1.6.1 does with them (see rayservice_diff.h).
#include "inspect/diff/rayservice_diff.h"

#include "core/error.h"
#include "core/json_yaml.h"
#include "inspect/diff/cluster_spec_rules.h"
#include "inspect/diff/json_diff.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <optional>

namespace rayctl {

namespace {

using json = nlohmann::json;

const char* kRules = "rayservice_controller.go";

json spec_of(const json& obj) { return obj.is_object() ? obj.value("spec", json::object()) : json::object(); }

std::optional<json> parse_serve_text(const std::string& text) {
  try {
    return yaml_to_json(YAML::Load(text));
  } catch (const std::exception&) {
    return std::nullopt;  // not YAML: the text is compared as text
  }
}

// How the new spec's upgradeStrategy lets KubeRay act on a hash change (isZeroDowntimeUpgradeEnabled).
struct UpgradeMode {
  bool zero_downtime = true;
  bool incremental = false;
  std::string type;  // as written, "" = unset
};

UpgradeMode upgrade_mode(const json& spec) {
  UpgradeMode m;
  m.type = spec.value("upgradeStrategy", json::object()).value("type", "");
  m.zero_downtime = m.type != "None";
  m.incremental = m.type == "NewClusterWithIncrementalUpgrade";
  return m;
}

// What happens to a rayClusterConfig change, decided once for the whole edit.
struct ClusterVerdict {
  bool hash_changed = false;  // a field in the hash changed (other than appended groups)
  bool suspend_toggled = false;
  std::vector<std::string> appended;
  Effect effect = Effect::Ignored;  // of the hash changes
  std::string reason, rule;
};

ClusterVerdict cluster_verdict(const std::vector<JsonChange>& changes, const json& before, const json& after,
                               const UpgradeMode& mode) {
  ClusterVerdict v;
  v.appended = appended_worker_groups(before, after);
  auto appended = [&](const JsonChange& c) {
    return is_whole_group(c) && c.before.is_null() &&
           std::find(v.appended.begin(), v.appended.end(), worker_group_of(c)) != v.appended.end();
  };
  for (const auto& c : changes) {
    if (c.segments.size() == 1 && c.segments[0] == "suspend")
      v.suspend_toggled = true;
    else if (!muted_in_cluster_hash(c) && !appended(c))
      v.hash_changed = true;
  }
  if (worker_groups_reordered(before, after)) v.hash_changed = true;
  if (v.hash_changed && mode.zero_downtime) {
    v.effect = Effect::NewCluster;
    v.reason = "changes the RayClusterSpec hash: KubeRay builds a new RayCluster and switches traffic when it serves";
    v.rule = std::string(kRules) + " shouldPrepareNewCluster";
  } else if (v.hash_changed) {
    v.effect = Effect::Ignored;
    v.reason = "upgradeStrategy.type None: KubeRay neither updates the RayCluster nor builds a new one";
    v.rule = std::string(kRules) + " isZeroDowntimeUpgradeEnabled";
  } else if (v.suspend_toggled || !v.appended.empty()) {
    v.effect = Effect::InPlace;
    v.reason = v.suspend_toggled ? "suspend toggled: KubeRay updates the active RayCluster with the whole spec"
                                 : "worker groups appended at the end: KubeRay updates the active RayCluster";
    v.rule = std::string(kRules) + " shouldUpdateCluster, modifyRayCluster";
  }
  return v;
}

DiffChange muted_change(const JsonChange& c, const ClusterVerdict& v, const json& after) {
  DiffChange d{"spec.rayClusterConfig." + c.path(), c.before, c.after, Effect::Ignored, "", ""};
  if (v.effect != Effect::Ignored) {
    d.effect = v.effect;
    d.reason = v.effect == Effect::NewCluster ? "left out of the hash, but carried into the new RayCluster"
                                              : "left out of the hash, but copied by the same RayCluster update";
    d.rule = v.rule;
    return d;
  }
  d.rule =
      "utils/util.go GenerateHashWithoutReplicasAndWorkersToDelete; " + std::string(kRules) + " shouldUpdateCluster";
  d.reason =
      "left out of the RayClusterSpec hash: the running RayCluster keeps its value until another "
      "rayClusterConfig change updates or replaces it";
  if (!replica_field_group(c).empty() && autoscaling_enabled(after))
    d.reason += "; with enableInTreeAutoscaling the autoscaler owns the replica count anyway";
  return d;
}

void classify_cluster_config(const json& before, const json& after, const UpgradeMode& mode, DiffReport& r) {
  auto changes = diff_json(before, after);
  ClusterVerdict v = cluster_verdict(changes, before, after, mode);
  for (const auto& c : changes) {
    if (muted_in_cluster_hash(c)) {
      r.changes.push_back(muted_change(c, v, after));
      continue;
    }
    DiffChange d{"spec.rayClusterConfig." + c.path(), c.before, c.after, v.effect, v.reason, v.rule};
    bool is_suspend = c.segments.size() == 1 && c.segments[0] == "suspend";
    if (is_suspend) {
      d.effect = Effect::InPlace;
      d.reason = "suspend toggles are applied to the active RayCluster (kuberay#4686)";
      d.rule = std::string(kRules) + " shouldUpdateCluster";
    }
    r.changes.push_back(std::move(d));
  }
  if (worker_groups_reordered(before, after))
    r.changes.push_back({"spec.rayClusterConfig.workerGroupSpecs (order)", nullptr, nullptr, v.effect,
                         "the worker groups are in another order: " + v.reason, v.rule});
  if (v.effect == Effect::NewCluster) {
    if (mode.type.empty())
      r.notes.push_back(
          "upgradeStrategy is unset: zero-downtime upgrade is on unless the operator runs with "
          "ENABLE_ZERO_DOWNTIME=false");
    if (mode.incremental)
      r.notes.push_back(
          "NewClusterWithIncrementalUpgrade needs the operator's RayServiceIncrementalUpgrade feature "
          "gate; without it KubeRay does nothing with this change. The new cluster starts at "
          "minReplicas.");
    r.capacity = check_capacity(cluster_requests(after, mode.incremental), std::nullopt, "");
  }
}

// RayService fields outside rayClusterConfig and serveConfigV2.
DiffChange classify_service_field(const JsonChange& c, bool new_cluster) {
  std::string top = c.segments.empty() ? "" : c.segments[0];
  DiffChange d{"spec." + c.path(), c.before, c.after, Effect::InPlace, "", kRules};
  if (top == "serviceUnhealthySecondThreshold" || top == "deploymentUnhealthySecondThreshold") {
    d.effect = Effect::Ignored;
    d.reason = "deprecated and not read by KubeRay (kuberay#1685)";
    d.rule = "apis/ray/v1/rayservice_types.go";
  } else if (top == "serveService") {
    d.effect = new_cluster ? Effect::NewCluster : Effect::Ignored;
    d.reason = new_cluster ? "applied when the Serve Service switches to the new RayCluster"
                           : "KubeRay updates an existing Serve Service only when it switches RayClusters";
    d.rule += " reconcileServices";
  } else if (top == "upgradeStrategy") {
    d.reason = "decides how KubeRay applies this and later rayClusterConfig changes";
    d.rule += " isZeroDowntimeUpgradeEnabled";
  } else if (top == "excludeHeadPodFromServeSvc") {
    d.reason = "the head pod's ray.io/serve label is updated";
    d.rule += " updateHeadPodServeLabel";
  } else if (top == "rayClusterDeletionDelaySeconds") {
    d.reason = "used when an old RayCluster is deleted after the next switch";
    d.rule += " cleanUpRayClusterInstance";
  } else {
    d.reason = "a RayService field; no RayCluster change";
  }
  return d;
}

// http_options, grpc_options and proxy_location: a running Serve keeps the ones it started with
// (ray#38740, serve/deploy/serve_diff.h), so only a new RayCluster's Serve gets them.
void classify_serve_options(const json& before, const json& after, Effect cluster_effect, DiffReport& r) {
  json b = json::object(), a = json::object();
  for (const char* k : {"http_options", "grpc_options", "proxy_location"}) {
    if (before.contains(k)) b[k] = before[k];
    if (after.contains(k)) a[k] = after[k];
  }
  bool fresh = cluster_effect == Effect::NewCluster;
  for (const auto& c : diff_json(b, a))
    r.changes.push_back({"spec.serveConfigV2." + c.path(), c.before, c.after,
                         fresh ? Effect::NewCluster : Effect::Ignored,
                         fresh ? "the new RayCluster's Serve starts with it"
                               : "a running Serve keeps the options it started with (ray#38740); they apply when "
                                 "KubeRay builds a new RayCluster",
                         "serve/deploy/serve_diff.h"});
}

void classify_serve_config(const json& before_spec, const json& after_spec, Effect cluster_effect, DiffReport& r) {
  std::string before = before_spec.value("serveConfigV2", ""), after = after_spec.value("serveConfigV2", "");
  if (before == after) return;
  auto b = parse_serve_text(before), a = parse_serve_text(after);
  r.serve_effect = cluster_effect == Effect::NewCluster ? Effect::NewCluster : Effect::InPlace;
  if (!b || !a || !a->is_object()) {
    r.changes.push_back({"spec.serveConfigV2", before, after, r.serve_effect,
                         "not a YAML mapping on one side: compared as text", kRules});
    return;
  }
  ServeDiff sd = diff_serve_config(serve_config_as_details(*b), *a, false);
  sd.serve_running = !before.empty();
  r.serve = std::move(sd);
  classify_serve_options(*b, *a, cluster_effect, r);
  if (!r.serve->has_changes())
    r.notes.push_back("serveConfigV2 text changed but not its content: KubeRay re-sends it, Serve changes nothing");
  if (r.serve_effect == Effect::NewCluster)
    r.notes.push_back(
        "serveConfigV2 is deployed on the new RayCluster; the active one keeps the old config until "
        "the switch");
}

void classify_metadata(const json& live, const json& desired, Effect cluster_effect, DiffReport& r) {
  for (const char* field : {"labels", "annotations"}) {
    json b = live.value("metadata", json::object()).value(field, json::object());
    json a = desired.value("metadata", json::object()).value(field, json::object());
    b.erase("kubectl.kubernetes.io/last-applied-configuration");
    a.erase("kubectl.kubernetes.io/last-applied-configuration");
    for (const auto& c : diff_json(b, a)) {
      bool carried = cluster_effect == Effect::NewCluster || cluster_effect == Effect::InPlace;
      r.changes.push_back({std::string("metadata.") + field + "." + c.path(), c.before, c.after,
                           carried ? cluster_effect : Effect::Ignored,
                           carried ? "copied into the RayCluster KubeRay creates or updates"
                                   : "copied into a RayCluster only when KubeRay creates or updates one",
                           std::string(kRules) + " constructRayClusterForRayService"});
    }
  }
}

}  // namespace

json serve_config_as_details(const json& config) {
  json details{{"applications", json::object()}};
  if (config.is_object()) {
    for (const auto& app : config.value("applications", json::array()))
      if (app.is_object()) details["applications"][app.value("name", "default")] = {{"deployed_app_config", app}};
    for (const char* k : {"http_options", "grpc_options", "proxy_location"})
      if (config.contains(k)) details[k] = config[k];
  }
  return details;
}

void note_cluster_drift(const json& active_cluster, const json& live_rayservice, DiffReport& r) {
  if (!active_cluster.is_object() || !live_rayservice.is_object()) return;
  std::string name = active_cluster.value("metadata", json::object()).value("name", "");
  json built = active_cluster.value("spec", json::object());
  json declared = spec_of(live_rayservice).value("rayClusterConfig", json::object());
  for (const auto& c : diff_json(built, declared))
    r.notes.push_back(fmt::format("the active RayCluster {} has {} {}, the live RayService {}: {}", name, c.path(),
                                  show_value(c.before), show_value(c.after),
                                  muted_in_cluster_hash(c) ? "the autoscaler's or an earlier edit KubeRay left alone"
                                                           : "an earlier edit KubeRay has not applied"));
}

DiffReport diff_rayservice(const json& live, const json& desired) {
  DiffReport r;
  r.kind = "RayService";
  json want = spec_of(desired);
  json want_cluster = want.value("rayClusterConfig", json::object());
  if (live.is_null()) {
    r.exists = false;
    r.capacity = check_capacity(cluster_requests(want_cluster), std::nullopt, "");
    return r;
  }
  json have = spec_of(live);
  UpgradeMode mode = upgrade_mode(want);
  classify_cluster_config(have.value("rayClusterConfig", json::object()), want_cluster, mode, r);
  Effect cluster_effect = r.has(Effect::NewCluster) ? Effect::NewCluster : Effect::Ignored;
  for (const auto& c : r.changes)
    if (c.effect == Effect::InPlace && c.path.rfind("spec.rayClusterConfig", 0) == 0) cluster_effect = Effect::InPlace;
  classify_serve_config(have, want, cluster_effect, r);
  json rest_have = have, rest_want = want;
  for (auto* j : {&rest_have, &rest_want}) {
    j->erase("rayClusterConfig");
    j->erase("serveConfigV2");
  }
  for (const auto& c : diff_json(rest_have, rest_want))
    r.changes.push_back(classify_service_field(c, cluster_effect == Effect::NewCluster));
  classify_metadata(live, desired, cluster_effect, r);
  std::string pending =
      live.value("status", json::object()).value("pendingServiceStatus", json::object()).value("rayClusterName", "");
  if (!pending.empty())
    r.notes.push_back("an upgrade is already in progress (pending RayCluster " + pending +
                      "): KubeRay compares the new spec with the pending cluster, and may roll back to the active "
                      "one (reconcileRollbackState)");
  return r;
}

}  // namespace rayctl
