// up / down / status / logs / serve deploy for KubeRay objects.
#include "cluster/kube/kube_ray_ops.h"

#include "core/error.h"

#include <fmt/format.h>

#include <atomic>
#include <thread>

namespace rayctl {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

KubeResource resource_of(const json& object) {
  auto api = object.value("apiVersion", "");
  auto kind = object.value("kind", "");
  auto res = KubeResource::for_kind(api, kind);
  if (!res || kind == "RayJob")
    throw Error(ErrorKind::Invalid,
                fmt::format("rayctl brings up RayCluster and RayService objects, not {} {}", api, kind),
                "give a KubeRay manifest with apiVersion ray.io/v1 and kind RayCluster or RayService");
  return *res;
}

std::vector<json> items_of(const json& list) {
  std::vector<json> out;
  if (list.contains("items") && list["items"].is_array())
    for (const auto& i : list["items"]) out.push_back(i);
  return out;
}

}  // namespace

KubeUpResult kube_up(KubeClient& client, const KubeUpRequest& req, const HealthCallback& on_change) {
  auto res = resource_of(req.object);
  KubeUpResult r;
  r.kind = res.kind;
  r.name = req.object.value("metadata", json::object()).value("name", "");
  r.namespace_ = req.object.value("metadata", json::object()).value("namespace", client.ns());
  if (r.name.empty()) throw Error(ErrorKind::Invalid, "the manifest has no metadata.name");
  r.dry_run = req.apply.dry_run;
  auto deadline = Clock::now() + req.timeout;
  std::unique_ptr<KubeClient> scoped;
  KubeClient* c = &client;
  if (r.namespace_ != client.ns()) {
    KubeTarget t = client.target();
    t.namespace_ = r.namespace_;
    scoped = std::make_unique<KubeClient>(t);
    c = scoped.get();
  }
  // Start watching before applying so that no event between apply and watch is missed.
  std::optional<RayObjectMonitor> monitor;
  if (req.wait && !req.apply.dry_run) {
    monitor.emplace(*c, res, r.namespace_, r.name);
    monitor->start(deadline);
  }
  auto t0 = Clock::now();
  json obj = req.object;
  obj["metadata"]["namespace"] = r.namespace_;
  r.applied = c->apply(res, obj, req.apply);
  r.apply_ms = ms_since(t0);
  if (!monitor) return r;
  r.waited = true;
  long gen = r.applied["metadata"].value("generation", 0L);
  auto t1 = Clock::now();
  r.outcome = monitor->wait(
      deadline,
      [&](const RayObjectHealth& h) {
        return h.found && h.ready() && (h.observed_generation < 0 || h.observed_generation >= gen);
      },
      on_change, r.health);
  r.wait_ms = ms_since(t1);
  return r;
}

KubeDownResult kube_down(KubeClient& client, const KubeResource& res, const std::string& name, bool wait,
                         std::chrono::milliseconds timeout, const HealthCallback& on_change) {
  KubeDownResult r;
  r.kind = res.kind;
  r.name = name;
  r.namespace_ = client.ns();
  auto deadline = Clock::now() + timeout;
  std::optional<RayObjectMonitor> monitor;
  if (wait) {
    monitor.emplace(client, res, client.ns(), name);
    monitor->start(deadline);
    auto before = monitor->snapshot();
    r.pods_at_start = before.live_pods;
    // Remember which clusters' pods belong to us: after the delete the owners are gone.
    std::vector<std::string> clusters{name};
    if (before.service) {
      if (!before.service->active_cluster.empty()) clusters.push_back(before.service->active_cluster);
      if (!before.service->pending_cluster.empty()) clusters.push_back(before.service->pending_cluster);
      if (before.service->cluster) clusters.push_back(before.service->cluster->name);
    }
    monitor->track_clusters(clusters);
  }
  r.existed = client.remove(res.object_path(client.ns(), name), "Background",
                            {"delete", fmt::format("{} {}/{}", res.kind, client.ns(), name), res.ray_io()});
  if (!monitor) return r;
  r.waited = true;
  auto t0 = Clock::now();
  r.outcome = monitor->wait(
      deadline, [](const RayObjectHealth& h) { return !h.found && h.live_pods == 0; }, on_change, r.health);
  r.wait_ms = ms_since(t0);
  return r;
}

KubeResource kube_resolve_kind(KubeClient& client, const std::string& name) {
  const auto& rs = KubeResource::rayservice();
  if (client.get_optional(rs.object_path(client.ns(), name), {"get", "RayService " + name, true})) return rs;
  return KubeResource::raycluster();
}

RayObjectHealth kube_status(KubeClient& client, const KubeResource& res, const std::string& name) {
  std::string what = fmt::format("{} {}/{}", res.kind, client.ns(), name);
  auto obj = client.get_optional(res.object_path(client.ns(), name), {"get", what, res.ray_io()});
  if (!obj)
    throw Error(ErrorKind::NotFound, fmt::format("{} not found", what),
                fmt::format("list them with: rayctl status -n {} (or check --context / -n)", client.ns()));
  auto pods = items_of(client.get(
      KubeResource::pod().collection_path(client.ns()) + "?labelSelector=" + url_encode("ray.io/is-ray-node=yes"),
      {"list", "pods", false}));
  std::vector<json> events;
  try {
    events = items_of(
        client.get(KubeResource::event().collection_path(client.ns()) + "?fieldSelector=" + url_encode("type=Warning"),
                   {"list", "events", false}));
  } catch (const Error&) {
    // events are optional detail
  }
  RayObjectHealth h;
  h.kind = res.kind;
  h.name = name;
  h.namespace_ = client.ns();
  h.found = true;
  h.generation = (*obj)["metadata"].value("generation", 0L);
  h.observed_generation = obj->value("status", json::object()).value("observedGeneration", -1L);
  if (res.kind == "RayService") {
    auto clusters =
        items_of(client.get(KubeResource::raycluster().collection_path(client.ns()), {"list", "RayClusters", true}));
    h.service = evaluate_rayservice(*obj, clusters, pods, events);
  } else {
    h.cluster = evaluate_raycluster(*obj, pods, events);
  }
  std::string cluster = h.cluster ? h.cluster->name : (h.service && h.service->cluster ? h.service->cluster->name : "");
  for (const auto& p : pods)
    if (p["metadata"].value("labels", json::object()).value("ray.io/cluster", "") == cluster) ++h.live_pods;
  return h;
}

std::vector<LogSource> select_log_sources(const std::vector<json>& pods, const std::string& cluster,
                                          const KubeLogRequest& req) {
  std::vector<LogSource> out;
  for (const auto& p : pods) {
    auto v = view_ray_pod(p);
    if (v.cluster != cluster) continue;
    if (!req.pod.empty() && v.name != req.pod) continue;
    if (!req.group.empty() && v.group != req.group && !(req.group == "head" && v.node_type == "head")) continue;
    std::string container = req.container;
    if (container.empty()) {
      const auto& cs = p.value("spec", json::object()).value("containers", json::array());
      if (!cs.empty()) container = cs[0].value("name", "");
    }
    out.push_back({v.name, container});
  }
  return out;
}

std::string pod_log_path(const std::string& ns, const LogSource& src, const KubeLogRequest& req) {
  std::string q = "container=" + url_encode(src.container);
  if (req.follow) q += "&follow=true";
  if (req.tail >= 0) q += fmt::format("&tailLines={}", req.tail);
  if (req.timestamps) q += "&timestamps=true";
  return fmt::format("{}/{}/log?{}", KubeResource::pod().collection_path(ns), url_encode(src.pod), q);
}

void kube_logs(KubeClient& client, const KubeResource& res, const std::string& name, const KubeLogRequest& req,
               const std::function<void(const std::string&, const std::string&)>& on_line) {
  auto health = kube_status(client, res, name);
  std::string cluster = health.cluster
                            ? health.cluster->name
                            : (health.service && health.service->cluster ? health.service->cluster->name : "");
  auto pods = items_of(client.get(
      KubeResource::pod().collection_path(client.ns()) + "?labelSelector=" + url_encode("ray.io/cluster=" + cluster),
      {"list", "pods", false}));
  auto sources = select_log_sources(pods, cluster, req);
  if (sources.empty())
    throw Error(ErrorKind::NotFound, fmt::format("no pods of {} {} match", res.kind, name),
                "check --group / --pod; rayctl status shows the pods");
  std::mutex out_mu;
  std::vector<std::thread> threads;
  std::vector<std::optional<Error>> failures(sources.size());
  for (size_t i = 0; i < sources.size(); ++i) {
    threads.emplace_back([&, i] {
      auto c = client.clone();
      std::string prefix = sources[i].pod + "/" + sources[i].container;
      std::string partial;
      try {
        auto resp = c->stream(
            pod_log_path(client.ns(), sources[i], req),
            [&](std::string_view chunk) {
              partial.append(chunk);
              size_t nl;
              while ((nl = partial.find('\n')) != std::string::npos) {
                std::lock_guard<std::mutex> g(out_mu);
                on_line(prefix, partial.substr(0, nl));
                partial.erase(0, nl + 1);
              }
              return true;
            },
            std::chrono::milliseconds(req.follow ? 0 : 60000));
        if (resp.status / 100 != 2) c->fail(resp, {"read logs of", "pod " + sources[i].pod, false});
        if (!partial.empty()) {
          std::lock_guard<std::mutex> g(out_mu);
          on_line(prefix, partial);
        }
      } catch (const Error& e) {
        failures[i] = e;
      }
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& f : failures)
    if (f) throw *f;
}

KubeUpResult kube_serve_deploy(KubeClient& client, const std::string& rayservice, const std::string& serve_config_yaml,
                               bool wait, std::chrono::milliseconds timeout, const HealthCallback& on_change) {
  const auto& res = KubeResource::rayservice();
  std::string what = fmt::format("RayService {}/{}", client.ns(), rayservice);
  if (!client.get_optional(res.object_path(client.ns(), rayservice), {"get", what, true}))
    throw Error(ErrorKind::NotFound, fmt::format("{} not found", what),
                "serve deploy updates an existing RayService; create it first with rayctl up FILE");
  KubeUpRequest req;
  req.object = {{"apiVersion", "ray.io/v1"},
                {"kind", "RayService"},
                {"metadata", {{"name", rayservice}, {"namespace", client.ns()}}},
                {"spec", {{"serveConfigV2", serve_config_yaml}}}};
  req.apply.field_manager = "rayctl-serve";
  req.apply.force = true;  // the user asked for this serve config explicitly
  req.wait = wait;
  req.timeout = timeout;
  return kube_up(client, req, on_change);
}

}  // namespace rayctl
