// The walk over a KubeRay object's outer layers: it reads the API (bounded by the check
// timeout), hands what it read to the pure checks of kube_*_checks.h, and records their
// findings layer by layer, stopping after the first broken layer.
#include "inspect/doctor/kube_layers.h"

#include "cluster/kube/kube_api_error.h"
#include "cluster/kube/kube_readiness.h"
#include "core/error.h"
#include "inspect/doctor/kube_api_checks.h"
#include "inspect/doctor/kube_group_checks.h"
#include "inspect/doctor/kube_json.h"
#include "inspect/doctor/kube_object_checks.h"
#include "inspect/doctor/kube_operator_check.h"
#include "inspect/doctor/kube_pod_checks.h"
#include "inspect/doctor/kube_ray_access.h"

#include <fmt/format.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rayctl {

using nlohmann::json;

namespace {

std::string path_in(const std::string& ns, const std::string& rest) {
  return fmt::format("/api/v1/namespaces/{}/{}", url_encode(ns), rest);
}

// One walk over a KubeRay object's kubernetes, kuberay, pods and ray layers: what it read in
// one layer (the object, its pods, events) is what the next layer's checks look at.
class KubeWalk {
 public:
  KubeWalk(KubeRayCluster& cluster, DoctorContext& ctx) : cluster_(cluster), ctx_(ctx) {}

  void run() {
    ctx_.begin_layer(DoctorLayer::Kubernetes);
    if (!connect()) return;
    authorise();
    crds();
    if (ctx_.broken()) return;
    ctx_.begin_layer(DoctorLayer::KubeRay);
    kuberay();
    if (ctx_.broken()) return;
    ctx_.begin_layer(DoctorLayer::Pods);
    pods();
    if (ctx_.broken()) return;
    ctx_.begin_layer(DoctorLayer::Ray);
    joined();
    if (ctx_.broken()) return;
    // DR502 (resources) needs only the spec, read here; it is recorded when the walk reaches the
    // resources layer (walk_ray_layers), after the dashboard and Serve layers.
    ctx_.at_layer(DoctorLayer::Resources,
                  [f = gpu_params_finding(groups_)](DoctorContext& c) { record_finding(c, f); });
  }

 private:
  bool connect();
  void authorise();
  void crds();
  void kuberay();
  void object_conditions();
  void pods();
  void joined();
  std::map<std::string, std::vector<std::string>> crash_logs();

  KubeRayCluster& cluster_;
  DoctorContext& ctx_;
  KubeClient* client_ = nullptr;
  std::optional<KubeProbe> probe_;
  std::string ns_, name_;
  KubeResource res_ = KubeResource::raycluster();
  KubeReply version_, object_, ray_pods_, events_;
  json raycluster_;               // the RayCluster whose pods are checked (itself, or a service's)
  std::vector<json> pods_;        // its Ray pods
  std::vector<std::string> why_;  // the kuberay layer's reasons (evidence when there is no head pod)
  std::vector<GroupTemplate> groups_;
};

bool KubeWalk::connect() {
  try {
    client_ = &cluster_.kube_client(&ctx_.io);
  } catch (const Error& e) {
    ctx_.fail("DR151", "", "no API server to ask", {e.message()}, e.hint());
    return false;
  }
  probe_.emplace(*client_, ctx_.opt.check_timeout);
  ns_ = client_->ns();
  name_ = cluster_.name();
  version_ = probe_->get("/version", false);  // the first contact: its failure is the finding, not retried
  record_finding(ctx_, api_reachable_finding(client_->target().server, version_));
  return !ctx_.broken();
}

void KubeWalk::authorise() {
  std::vector<std::pair<std::string, KubeReply>> reads;
  try {
    res_ = cluster_.kube_resource();  // a plain NAME: is there a RayService of that name?
  } catch (const Error& e) {
    const HttpResponse& r = client_->last_failure();  // the API's answer when it refused
    reads.emplace_back("get RayService " + ns_ + "/" + name_,
                       e.kind() == ErrorKind::Auth && r.status
                           ? KubeReply::of(r.status, nullptr, parse_kube_status(r).message)
                           : KubeReply::failed(e.message()));
  }
  object_ = probe_->get(res_.object_path(ns_, name_));
  reads.emplace_back(fmt::format("get {} {}/{}", res_.kind, ns_, name_), object_);
  ray_pods_ = probe_->get(path_in(ns_, "pods?labelSelector=" + url_encode("ray.io/is-ray-node=yes")));
  reads.emplace_back("list pods in " + ns_, ray_pods_);
  record_finding(ctx_, api_authorised_finding(client_->target().identity(), version_, reads));
}

void KubeWalk::crds() {
  const std::string base = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/";
  std::vector<CrdReply> crds{
      {"rayclusters.ray.io", true, probe_->get(base + "rayclusters.ray.io")},
      {"rayservices.ray.io", res_.kind == "RayService", probe_->get(base + "rayservices.ray.io")}};
  KubeReply discovery;
  if (crds[0].reply.denied() || crds[1].reply.denied()) discovery = probe_->get("/apis/ray.io/v1");
  record_finding(ctx_, crd_finding(crds, discovery));
}

void KubeWalk::kuberay() {
  const std::string by_name = "?fieldSelector=" + url_encode(std::string("metadata.name=") + kKubeRayLeaseName);
  const std::string by_label = "?labelSelector=" + url_encode(kKubeRayOperatorLabel);
  OperatorEvidence op;
  // Cluster-wide first (the operator lives in its own namespace); a namespace-bound user still
  // sees an operator installed next to its objects.
  op.leases = probe_->get("/apis/coordination.k8s.io/v1/leases" + by_name);
  if (op.leases.denied())
    op.leases =
        probe_->get(fmt::format("/apis/coordination.k8s.io/v1/namespaces/{}/leases", url_encode(ns_)) + by_name);
  op.deployments = probe_->get("/apis/apps/v1/deployments" + by_label);
  if (op.deployments.denied())
    op.deployments = probe_->get(fmt::format("/apis/apps/v1/namespaces/{}/deployments", url_encode(ns_)) + by_label);
  op.object = object_.ok() ? &object_.body : nullptr;
  op.now = op.leases.server_time.value_or(std::chrono::system_clock::now());
  record_finding(ctx_, operator_finding(op));

  KubeReply siblings;
  if (object_.not_found()) siblings = probe_->get(res_.collection_path(ns_));
  record_finding(ctx_, object_exists_finding(res_.kind, ns_, name_, object_, siblings));
  if (!object_.ok()) return;
  // The head's Serve port before the conditions: a missing port is why a RayService never gets Ready.
  record_finding(ctx_, serve_port_finding(object_.body));
  object_conditions();
}

void KubeWalk::object_conditions() {
  events_ = probe_->get(path_in(ns_, "events?fieldSelector=" + url_encode("type=Warning")));
  std::vector<json> pods = ray_pods_.items(), events = events_.items();
  if (res_.kind == "RayService") {
    KubeReply clusters = probe_->get(KubeResource::raycluster().collection_path(ns_));
    RayServiceHealth h = evaluate_rayservice(object_.body, clusters.items(), pods, events);
    record_finding(ctx_, rayservice_conditions_finding(object_.body, h));
    std::string pick = !h.active_cluster.empty() ? h.active_cluster : h.pending_cluster;
    if (pick.empty() && h.cluster) pick = h.cluster->name;
    for (const auto& c : clusters.items())
      if (kj::name_of(c) == pick) raycluster_ = c;
    for (const auto& r : h.reasons) why_.push_back(fmt::format("[{}] {}: {}", r.layer, r.subject, r.message));
  } else {
    raycluster_ = object_.body;
    RayClusterHealth h = evaluate_raycluster(raycluster_, pods, events);
    record_finding(ctx_, raycluster_conditions_finding(raycluster_, h));
    for (const auto& r : h.reasons) why_.push_back(fmt::format("[{}] {}: {}", r.layer, r.subject, r.message));
  }
}

std::map<std::string, std::vector<std::string>> KubeWalk::crash_logs() {
  std::map<std::string, std::vector<std::string>> logs;
  for (const auto& [pod, container] : crash_looping(pods_)) {
    auto text = probe_->get_text(path_in(ns_, fmt::format("pods/{}/log?container={}&previous=true&tailLines=5",
                                                          url_encode(pod), url_encode(container))));
    if (!text) continue;
    auto& lines = logs[pod + "/" + container];
    for (size_t start = 0; start < text->size();) {
      size_t nl = text->find('\n', start);
      std::string line = text->substr(start, nl == std::string::npos ? std::string::npos : nl - start);
      if (!line.empty()) lines.push_back(line);
      start = nl == std::string::npos ? text->size() : nl + 1;
    }
  }
  return logs;
}

void KubeWalk::pods() {
  std::string cluster_name = kj::name_of(raycluster_);
  for (const auto& p : ray_pods_.items())
    if (!cluster_name.empty() && kj::label(p, "ray.io/cluster") == cluster_name) pods_.push_back(p);
  DoctorFinding scheduled = scheduling_finding(pods_, events_.items());
  if (!head_pod(pods_))
    for (const auto& w : why_) scheduled.evidence.push_back(w);
  record_finding(ctx_, scheduled);

  // No RayCluster yet (a RayService's first): what it will be made from.
  const json& spec = raycluster_.is_null() ? cluster_spec_of(object_.body) : cluster_spec_of(raycluster_);
  groups_ = ray_group_specs(spec);
  KubeReply nodes;
  for (const auto& g : groups_)
    if (g.pod_gpus > 0 && nodes.status == 0) nodes = probe_->get("/api/v1/nodes");
  record_finding(ctx_, gpu_fit_finding(groups_, nodes));
  record_finding(ctx_, containers_finding(pods_, crash_logs()));
  record_finding(ctx_, ray_version_finding(groups_, kj::str(spec, "rayVersion")));

  if (cluster_name.empty()) return;  // no RayCluster yet: no head service to look for
  std::string svc = kj::str(kj::at(kj::at(raycluster_, "status"), "head"), "serviceName");
  if (svc.empty()) svc = cluster_name + "-head-svc";
  KubeReply service = probe_->get(path_in(ns_, "services/" + url_encode(svc)));
  KubeReply slices = probe_->get(fmt::format("/apis/discovery.k8s.io/v1/namespaces/{}/endpointslices?labelSelector={}",
                                             url_encode(ns_), url_encode("kubernetes.io/service-name=" + svc)));
  record_finding(ctx_, head_service_finding(svc, service, slices, head_pod(pods_)));
}

void KubeWalk::joined() {
  std::vector<LiveNode> nodes;
  std::string error;
  try {
    KubeRayRoutes routes = kube_ray_routes(*probe_, object_.body);
    auto transport = kube_proxy_dashboard(*client_, routes.dashboard_service);
    DashboardEndpoint ep;
    ep.timeout = ctx_.opt.check_timeout;
    ep.source = "the API server's service proxy";
    DashboardClient dashboard(ep, *transport);
    nodes = dashboard.live_nodes(ctx_.opt.check_timeout);
  } catch (const Error& e) {
    error = e.message();
  }
  record_finding(ctx_, joined_finding(pods_, nodes, error));
}

}  // namespace

void walk_kube_layers(KubeRayCluster& cluster, DoctorContext& ctx) { KubeWalk(cluster, ctx).run(); }

}  // namespace rayctl
