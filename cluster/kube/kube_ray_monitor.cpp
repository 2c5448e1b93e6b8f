// Live health of one RayCluster / RayService from watches.
#include "cluster/kube/kube_ray_monitor.h"

#include "core/error.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace rayctl {

using nlohmann::json;

namespace {
constexpr auto kEventRefresh = std::chrono::seconds(2);
const std::vector<LayerReason> kNoReasons;

std::string meta_str(const json& obj, const char* key) {
  auto m = obj.find("metadata");
  if (m == obj.end() || !m->is_object()) return {};
  auto v = m->find(key);
  return v != m->end() && v->is_string() ? v->get<std::string>() : std::string();
}
}  // namespace

bool RayObjectHealth::ready() const {
  if (cluster) return cluster->ready;
  if (service) return service->ready && !service->upgrade_in_progress;
  return false;
}

const std::vector<LayerReason>& RayObjectHealth::reasons() const {
  if (service) return service->reasons;
  if (cluster) return cluster->reasons;
  return kNoReasons;
}

json RayObjectHealth::to_json() const {
  json j = {{"kind", kind},
            {"name", name},
            {"namespace", namespace_},
            {"found", found},
            {"ready", ready()},
            {"generation", generation},
            {"observed_generation", observed_generation},
            {"live_pods", live_pods}};
  if (cluster) j["raycluster"] = rayctl::to_json(*cluster);
  if (service) j["rayservice"] = rayctl::to_json(*service);
  return j;
}

RayObjectMonitor::RayObjectMonitor(const KubeClient& client, const KubeResource& res, std::string ns, std::string name)
    : client_(client),
      events_client_(client.clone()),
      res_(res),
      ns_(std::move(ns)),
      name_(std::move(name)),
      signal_(std::make_shared<Signal>()) {}

void RayObjectMonitor::start(std::chrono::steady_clock::time_point deadline) {
  std::string what = fmt::format("{} {}/{}", res_.kind, ns_, name_);
  object_ = std::make_unique<CollectionWatch>(client_, res_.collection_path(ns_),
                                              "fieldSelector=" + url_encode("metadata.name=" + name_), what, signal_);
  pods_ = std::make_unique<CollectionWatch>(client_, KubeResource::pod().collection_path(ns_),
                                            "labelSelector=" + url_encode("ray.io/is-ray-node=yes"),
                                            fmt::format("Ray pods in namespace {}", ns_), signal_);
  object_->start();
  pods_->start();
  if (res_.kind == "RayService") {
    clusters_ = std::make_unique<CollectionWatch>(client_, KubeResource::raycluster().collection_path(ns_), "",
                                                  fmt::format("RayClusters in namespace {}", ns_), signal_);
    clusters_->start();
  }
  for (;;) {
    for (auto* w : {object_.get(), pods_.get(), clusters_.get()})
      if (w)
        if (auto f = w->failure()) throw *f;
    bool synced = object_->synced() && pods_->synced() && (!clusters_ || clusters_->synced());
    if (synced) return;
    if (!signal_->wait_until(deadline) && std::chrono::steady_clock::now() >= deadline)
      throw Error(ErrorKind::Timeout, fmt::format("the API server did not list {} in time", what));
  }
}

void RayObjectMonitor::refresh_events(bool force) {
  auto now = std::chrono::steady_clock::now();
  if (!force && now - events_at_ < kEventRefresh) return;
  events_at_ = now;
  try {
    auto list =
        events_client_->get(KubeResource::event().collection_path(ns_) + "?fieldSelector=" + url_encode("type=Warning"),
                            {"list", "events in namespace " + ns_, false});
    events_.clear();
    if (list.contains("items") && list["items"].is_array())
      for (auto& e : list["items"]) events_.push_back(std::move(e));
  } catch (const Error&) {
    // Events only add detail to the reasons; lacking RBAC on events must not fail the command.
  }
}

RayObjectHealth RayObjectMonitor::snapshot() {
  RayObjectHealth h;
  h.kind = res_.kind;
  h.name = name_;
  h.namespace_ = ns_;
  auto objs = object_->items();
  auto pods = pods_->items();
  std::vector<json> clusters = clusters_ ? clusters_->items() : std::vector<json>{};
  std::set<std::string> mine(extra_clusters_.begin(), extra_clusters_.end());
  if (res_.kind == "RayCluster") mine.insert(name_);
  for (const auto& c : clusters)
    if (auto owners = c["metadata"].value("ownerReferences", json::array()); owners.is_array())
      for (const auto& o : owners)
        if (o.value("kind", "") == "RayService" && o.value("name", "") == name_) mine.insert(meta_str(c, "name"));
  if (!objs.empty()) {
    const auto& obj = objs.front();
    h.found = true;
    h.generation = obj["metadata"].value("generation", 0L);
    h.observed_generation = obj.value("status", json::object()).value("observedGeneration", -1L);
    if (res_.kind == "RayCluster") {
      h.cluster = evaluate_raycluster(obj, pods, events_);
    } else {
      h.service = evaluate_rayservice(obj, clusters, pods, events_);
      if (!h.service->active_cluster.empty()) mine.insert(h.service->active_cluster);
      if (!h.service->pending_cluster.empty()) mine.insert(h.service->pending_cluster);
    }
  }
  for (const auto& p : pods) {
    auto labels = p["metadata"].value("labels", json::object());
    if (mine.count(labels.value("ray.io/cluster", ""))) ++h.live_pods;
  }
  return h;
}

WaitOutcome RayObjectMonitor::wait(std::chrono::steady_clock::time_point deadline,
                                   const std::function<bool(const RayObjectHealth&)>& done,
                                   const std::function<void(const RayObjectHealth&)>& on_change,
                                   RayObjectHealth& health) {
  std::string last;
  for (;;) {
    for (auto* w : {object_.get(), pods_.get(), clusters_.get()})
      if (w)
        if (auto f = w->failure()) throw *f;
    health = snapshot();
    bool finished = done(health);
    if (!finished && health.found && !health.ready()) {
      refresh_events(false);
      health = snapshot();
    }
    auto dump = health.to_json().dump();
    if (dump != last) {
      last = dump;
      if (on_change) on_change(health);
    }
    if (finished) return WaitOutcome::Done;
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      refresh_events(true);
      health = snapshot();
      return WaitOutcome::TimedOut;
    }
    signal_->wait_until(std::min(deadline, now + kEventRefresh));
  }
}

}  // namespace rayctl
