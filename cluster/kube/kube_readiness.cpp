// Readiness rules for RayCluster and RayService, and the reasons by layer when not ready.
#include "cluster/kube/kube_readiness.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace rayctl {

using nlohmann::json;

namespace {

const json& field(const json& j, const char* key) {
  static const json null_json;
  if (!j.is_object()) return null_json;
  auto it = j.find(key);
  return it == j.end() ? null_json : *it;
}

std::string str(const json& j, const char* key) {
  const auto& v = field(j, key);
  return v.is_string() ? v.get<std::string>() : std::string();
}

long num(const json& j, const char* key, long def) {
  const auto& v = field(j, key);
  return v.is_number() ? v.get<long>() : def;
}

// Conditions as type → object.
std::map<std::string, json> conditions_of(const json& obj) {
  std::map<std::string, json> out;
  const auto& cs = field(field(obj, "status"), "conditions");
  if (cs.is_array())
    for (const auto& c : cs) out[str(c, "type")] = c;
  return out;
}

std::string label(const json& obj, const char* key) { return str(field(field(obj, "metadata"), "labels"), key); }

// The newest event about an object, of a given reason when `reason` is set.
const json* latest_event(const std::vector<json>& events, const std::string& kind, const std::string& name,
                         const std::string& reason = {}, bool warnings_only = false) {
  const json* best = nullptr;
  std::string best_time;
  for (const auto& e : events) {
    const auto& io = field(e, "involvedObject");
    if (str(io, "name") != name || (!kind.empty() && str(io, "kind") != kind)) continue;
    if (!reason.empty() && str(e, "reason") != reason) continue;
    if (warnings_only && str(e, "type") != "Warning") continue;
    std::string t = str(e, "lastTimestamp");
    if (t.empty()) t = str(e, "eventTime");
    if (!best || t >= best_time) {
      best = &e;
      best_time = t;
    }
  }
  return best;
}

}  // namespace

RayPodView view_ray_pod(const json& pod) {
  RayPodView v;
  const auto& meta = field(pod, "metadata");
  const auto& st = field(pod, "status");
  v.name = str(meta, "name");
  v.cluster = label(pod, "ray.io/cluster");
  v.group = label(pod, "ray.io/group");
  v.node_type = label(pod, "ray.io/node-type");
  v.phase = str(st, "phase");
  if (v.phase.empty()) v.phase = "Pending";
  v.node = str(field(pod, "spec"), "nodeName");
  v.deleting = !field(meta, "deletionTimestamp").is_null();
  auto conds = conditions_of(pod);
  v.ready = conds.count("Ready") && str(conds["Ready"], "status") == "True";
  const auto& cstat = field(st, "containerStatuses");
  std::string container_reason;
  if (cstat.is_array()) {
    for (const auto& c : cstat) {
      v.restarts += static_cast<int>(num(c, "restartCount", 0));
      const auto& w = field(field(c, "state"), "waiting");
      const auto& t = field(field(c, "state"), "terminated");
      if (container_reason.empty() && !w.is_null() && !str(w, "reason").empty() &&
          str(w, "reason") != "ContainerCreating")
        container_reason = fmt::format("{}: {}", str(w, "reason"), str(w, "message"));
      else if (container_reason.empty() && !t.is_null() && !str(t, "reason").empty())
        container_reason = fmt::format("container {} terminated: {} (exit {})", str(c, "name"), str(t, "reason"),
                                       num(t, "exitCode", 0));
    }
  }
  if (conds.count("PodScheduled") && str(conds["PodScheduled"], "status") == "False") {
    v.waiting = fmt::format("{}: {}", str(conds["PodScheduled"], "reason"), str(conds["PodScheduled"], "message"));
  } else if (!container_reason.empty()) {
    v.waiting = container_reason;
  } else if (v.phase == "Running" && !v.ready) {
    auto msg = conds.count("Ready") ? str(conds["Ready"], "message") : "";
    v.waiting = msg.empty() ? "Running but not Ready" : msg;
  } else if (v.phase == "Pending") {
    v.waiting = v.node.empty() ? "waiting for the scheduler" : fmt::format("starting on node {}", v.node);
  }
  while (!v.waiting.empty() && (v.waiting.back() == ' ' || v.waiting.back() == ':')) v.waiting.pop_back();
  return v;
}

static std::vector<RayGroupHealth> desired_groups(const json& spec) {
  std::vector<RayGroupHealth> groups;
  bool suspended = field(spec, "suspend").is_boolean() && field(spec, "suspend").get<bool>();
  groups.push_back({"headgroup", true, suspended ? 0 : 1});
  const auto& wgs = field(spec, "workerGroupSpecs");
  if (wgs.is_array()) {
    for (const auto& g : wgs) {
      long replicas = num(g, "replicas", 0);
      long mn = num(g, "minReplicas", 0), mx = num(g, "maxReplicas", 2147483647);
      replicas = std::clamp(replicas, mn, std::max(mn, mx));
      bool gsusp = field(g, "suspend").is_boolean() && field(g, "suspend").get<bool>();
      long hosts = num(g, "numOfHosts", 1);
      groups.push_back({str(g, "groupName"), false, (suspended || gsusp) ? 0 : static_cast<int>(replicas * hosts)});
    }
  }
  return groups;
}

static void pod_reasons(RayClusterHealth& h, const std::vector<json>& events) {
  for (const auto& p : h.pods) {
    if (p.deleting || p.ready) continue;
    std::string subject = fmt::format("pod {} ({})", p.name, p.group);
    if (p.phase == "Pending" && p.node.empty()) {
      std::string why = p.waiting;
      if (why.rfind("waiting for the scheduler", 0) == 0)
        if (const json* e = latest_event(events, "Pod", p.name, "FailedScheduling"))
          why = fmt::format("FailedScheduling: {}", str(*e, "message"));
      h.reasons.push_back({"kubernetes", subject, fmt::format("Pending, not scheduled: {}", why)});
    } else if (p.phase == "Pending") {
      h.reasons.push_back({"kubernetes", subject, fmt::format("Pending on node {}: {}", p.node, p.waiting)});
    } else if (p.phase == "Failed" || p.phase == "Unknown") {
      h.reasons.push_back({"kubernetes", subject, fmt::format("pod phase {}: {}", p.phase, p.waiting)});
    } else if (p.phase == "Running") {
      std::string what =
          p.node_type == "head"
              ? "the Ray head is Running but not Ready (GCS / dashboard health checks failing)"
              : "the worker is Running but not Ready: it has not joined the Ray cluster (raylet health check failing)";
      h.reasons.push_back({"ray", subject, p.waiting == "Running but not Ready" ? what : what + ": " + p.waiting});
    }
  }
}

RayClusterHealth evaluate_raycluster(const json& rc, const std::vector<json>& pods, const std::vector<json>& events) {
  RayClusterHealth h;
  const auto& meta = field(rc, "metadata");
  const auto& st = field(rc, "status");
  h.name = str(meta, "name");
  for (const auto& [type, c] : conditions_of(rc)) h.conditions[type] = str(c, "status");
  h.groups = desired_groups(field(rc, "spec"));
  for (const auto& pj : pods) {
    auto p = view_ray_pod(pj);
    if (p.cluster != h.name) continue;
    h.pods.push_back(p);
    for (auto& g : h.groups) {
      if (g.head ? p.node_type == "head" : (p.node_type != "head" && g.name == p.group)) {
        if (p.deleting) break;
        ++g.pods;
        g.running += p.phase == "Running";
        g.ready += p.ready;
        break;
      }
    }
  }
  std::sort(h.pods.begin(), h.pods.end(), [](const RayPodView& a, const RayPodView& b) {
    return std::tie(a.node_type, a.group, a.name) < std::tie(b.node_type, b.group, b.name);  // "head" < "worker"
  });
  long gen = num(meta, "generation", 0), observed = num(st, "observedGeneration", -1);
  h.stale = st.is_null() || (observed >= 0 && observed < gen);
  bool pods_ready =
      std::all_of(h.groups.begin(), h.groups.end(), [](const RayGroupHealth& g) { return g.ready >= g.desired; });
  bool operator_ready = h.conditions["RayClusterProvisioned"] == "True" || str(st, "state") == "ready";
  bool head_ok = h.conditions.count("HeadPodReady") == 0 || h.conditions["HeadPodReady"] == "True";
  h.ready = pods_ready && operator_ready && head_ok && !h.stale;

  if (!field(meta, "deletionTimestamp").is_null())
    h.state = "deleting";
  else if (str(st, "state") == "suspended" || h.conditions["RayClusterSuspended"] == "True")
    h.state = "suspended";
  else if (h.ready)
    h.state = "ready";
  else if (h.conditions["ReplicaFailure"] == "True")
    h.state = "failed";
  else
    h.state = "provisioning";
  if (h.ready) return h;

  pod_reasons(h, events);
  for (const auto& c : conditions_of(rc))
    if (c.first == "ReplicaFailure" && str(c.second, "status") == "True")
      h.reasons.push_back({"kuberay", "RayCluster " + h.name,
                           fmt::format("{}: {}", str(c.second, "reason"), str(c.second, "message"))});
  for (const auto& g : h.groups)
    if (g.pods < g.desired)
      h.reasons.push_back({"kuberay", fmt::format("group {}", g.name),
                           fmt::format("the operator has created {} of {} pods", g.pods, g.desired)});
  if (st.is_null())
    h.reasons.push_back({"kuberay", "RayCluster " + h.name,
                         "no status yet: is the KubeRay operator running and watching this namespace?"});
  else if (h.stale)
    h.reasons.push_back({"kuberay", "RayCluster " + h.name,
                         fmt::format("the operator has not observed generation {} yet (observed {})", gen, observed)});
  if (const json* e = latest_event(events, "RayCluster", h.name, "", true))
    h.reasons.push_back(
        {"kuberay", "RayCluster " + h.name, fmt::format("{}: {}", str(*e, "reason"), str(*e, "message"))});
  return h;
}

static std::vector<ServeAppHealth> apps_of(const json& service_status) {
  std::vector<ServeAppHealth> out;
  const auto& apps = field(service_status, "applicationStatuses");
  if (!apps.is_object()) return out;
  for (auto it = apps.begin(); it != apps.end(); ++it) {
    ServeAppHealth a{it.key(), str(it.value(), "status"), str(it.value(), "message"), {}};
    const auto& deps = field(it.value(), "serveDeploymentStatuses");
    if (deps.is_object())
      for (auto d = deps.begin(); d != deps.end(); ++d)
        a.deployments.push_back({d.key(), str(d.value(), "status"), str(d.value(), "message")});
    out.push_back(std::move(a));
  }
  return out;
}

static const json* find_cluster(const std::vector<json>& clusters, const std::string& rs, const std::string& name) {
  const json* newest = nullptr;
  for (const auto& c : clusters) {
    const auto& meta = field(c, "metadata");
    if (!name.empty()) {
      if (str(meta, "name") == name) return &c;
      continue;
    }
    const auto& owners = field(meta, "ownerReferences");
    bool owned = false;
    if (owners.is_array())
      for (const auto& o : owners) owned |= str(o, "kind") == "RayService" && str(o, "name") == rs;
    if (owned && (!newest || str(meta, "creationTimestamp") >= str(field(*newest, "metadata"), "creationTimestamp")))
      newest = &c;
  }
  return newest;
}

static void serve_reasons(RayServiceHealth& h, const std::vector<json>& events) {
  const auto& apps = h.pending_apps.empty() ? h.active_apps : h.pending_apps;
  for (const auto& a : apps) {
    if (a.status == "RUNNING") continue;
    std::string msg = a.status;
    if (!a.message.empty()) msg += ": " + a.message;
    for (const auto& d : a.deployments)
      if (d.status != "HEALTHY")
        msg += fmt::format("; deployment {} {}{}{}", d.name, d.status, d.message.empty() ? "" : ": ", d.message);
    h.reasons.push_back({"serve", "app " + a.name, msg});
  }
  bool cluster_ready = h.cluster && h.cluster->ready;
  if (cluster_ready && apps.empty())
    h.reasons.push_back(
        {"serve", "RayService " + h.name,
         "no Serve applications reported yet: the operator has not deployed serveConfigV2 to the dashboard"});
  bool apps_running = !apps.empty() && std::all_of(apps.begin(), apps.end(),
                                                   [](const ServeAppHealth& a) { return a.status == "RUNNING"; });
  if (apps_running && h.serve_endpoints == 0)
    h.reasons.push_back(
        {"serve", h.name + "-serve-svc",
         "no Ready endpoints yet: no pod has passed the operator's Serve proxy check (:8000/-/healthz)"});
  if (h.ready_reason == "ValidationFailed" || h.ready_reason == "InitializingTimeout")
    h.reasons.push_back({"kuberay", "RayService " + h.name, fmt::format("{}: {}", h.ready_reason, h.ready_message)});
  if (const json* e = latest_event(events, "RayService", h.name, "", true))
    h.reasons.push_back(
        {"kuberay", "RayService " + h.name, fmt::format("{}: {}", str(*e, "reason"), str(*e, "message"))});
}

RayServiceHealth evaluate_rayservice(const json& rs, const std::vector<json>& clusters, const std::vector<json>& pods,
                                     const std::vector<json>& events) {
  RayServiceHealth h;
  const auto& meta = field(rs, "metadata");
  const auto& st = field(rs, "status");
  h.name = str(meta, "name");
  auto conds = conditions_of(rs);
  if (conds.count("Ready")) {
    h.ready = str(conds["Ready"], "status") == "True";
    h.ready_reason = str(conds["Ready"], "reason");
    h.ready_message = str(conds["Ready"], "message");
  } else {
    h.ready = str(st, "serviceStatus") == "Running";
  }
  h.upgrade_in_progress = conds.count("UpgradeInProgress") && str(conds["UpgradeInProgress"], "status") == "True";
  h.active_cluster = str(field(st, "activeServiceStatus"), "rayClusterName");
  h.pending_cluster = str(field(st, "pendingServiceStatus"), "rayClusterName");
  h.active_apps = apps_of(field(st, "activeServiceStatus"));
  h.pending_apps = apps_of(field(st, "pendingServiceStatus"));
  h.serve_endpoints = static_cast<int>(num(st, "numServeEndpoints", 0));
  std::string target = !h.pending_cluster.empty() ? h.pending_cluster : h.active_cluster;
  if (const json* c = find_cluster(clusters, h.name, target)) h.cluster = evaluate_raycluster(*c, pods, events);

  if (!field(meta, "deletionTimestamp").is_null())
    h.state = "deleting";
  else if (h.ready && !h.upgrade_in_progress)
    h.state = "ready";
  else if (h.upgrade_in_progress)
    h.state = "upgrading";
  else if (h.ready_reason == "ValidationFailed" || h.ready_reason == "InitializingTimeout")
    h.state = "failed";
  else
    h.state = "deploying";
  if (h.ready && !h.upgrade_in_progress) return h;

  if (h.cluster && !h.cluster->ready)
    for (const auto& r : h.cluster->reasons) h.reasons.push_back(r);
  if (!h.cluster)
    h.reasons.push_back({"kuberay", "RayService " + h.name,
                         st.is_null() ? "no status yet: is the KubeRay operator running and watching this namespace?"
                                      : "the operator has not created a RayCluster for this service yet"});
  serve_reasons(h, events);
  return h;
}

json to_json(const RayClusterHealth& h) {
  json groups = json::array(), pods = json::array(), reasons = json::array();
  for (const auto& g : h.groups)
    groups.push_back({{"name", g.name},
                      {"head", g.head},
                      {"desired", g.desired},
                      {"pods", g.pods},
                      {"running", g.running},
                      {"ready", g.ready}});
  for (const auto& p : h.pods)
    pods.push_back({{"name", p.name},
                    {"group", p.group},
                    {"type", p.node_type},
                    {"phase", p.phase},
                    {"ready", p.ready},
                    {"node", p.node},
                    {"restarts", p.restarts},
                    {"deleting", p.deleting},
                    {"waiting", p.waiting}});
  for (const auto& r : h.reasons)
    reasons.push_back({{"layer", r.layer}, {"subject", r.subject}, {"message", r.message}});
  return {{"kind", "RayCluster"},       {"name", h.name},   {"ready", h.ready}, {"state", h.state},
          {"conditions", h.conditions}, {"groups", groups}, {"pods", pods},     {"reasons", reasons}};
}

static json apps_json(const std::vector<ServeAppHealth>& apps) {
  json out = json::array();
  for (const auto& a : apps) {
    json deps = json::array();
    for (const auto& d : a.deployments)
      deps.push_back({{"name", d.name}, {"status", d.status}, {"message", d.message}});
    out.push_back({{"name", a.name}, {"status", a.status}, {"message", a.message}, {"deployments", deps}});
  }
  return out;
}

json to_json(const RayServiceHealth& h) {
  json reasons = json::array();
  for (const auto& r : h.reasons)
    reasons.push_back({{"layer", r.layer}, {"subject", r.subject}, {"message", r.message}});
  return {{"kind", "RayService"},
          {"name", h.name},
          {"ready", h.ready},
          {"state", h.state},
          {"ready_condition", {{"reason", h.ready_reason}, {"message", h.ready_message}}},
          {"upgrade_in_progress", h.upgrade_in_progress},
          {"active_cluster", h.active_cluster},
          {"pending_cluster", h.pending_cluster},
          {"active_apps", apps_json(h.active_apps)},
          {"pending_apps", apps_json(h.pending_apps)},
          {"serve_endpoints", h.serve_endpoints},
          {"cluster", h.cluster ? to_json(*h.cluster) : json(nullptr)},
          {"reasons", reasons}};
}

}  // namespace rayctl
