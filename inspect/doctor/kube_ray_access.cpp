// kube_ray_access: the dashboard and the Serve proxy of a KubeRay head through the API server's
// service proxy.
#include "inspect/doctor/kube_ray_access.h"

#include "cluster/kube/kuberay_cluster.h"
#include "core/error.h"
#include "inspect/doctor/kube_json.h"
#include "inspect/doctor/kube_layers.h"

#include <fmt/format.h>

namespace rayctl {

using kj::at;
using kj::str;
using nlohmann::json;

KubeRayRoutes kube_ray_routes(KubeProbe& probe, const json& object) {
  std::string name = kj::name_of(object);
  KubeRayRoutes r;
  if (str(object, "kind") != "RayService") {
    r.dashboard_service = str(at(at(object, "status"), "head"), "serviceName");
    if (r.dashboard_service.empty()) r.dashboard_service = name + "-head-svc";
    r.serve_service = r.dashboard_service;
    return r;
  }
  r.serve_service = name + "-serve-svc";
  // The operator repoints NAME-head-svc at the active cluster once there is one; before that,
  // the cluster being brought up has only its own head service.
  r.dashboard_service = name + "-head-svc";
  auto svc = probe.get(fmt::format("/api/v1/namespaces/{}/services/{}", url_encode(probe.ns()), r.dashboard_service));
  if (svc.not_found()) {
    const json& st = at(object, "status");
    std::string cluster = str(at(st, "activeServiceStatus"), "rayClusterName");
    if (cluster.empty()) cluster = str(at(st, "pendingServiceStatus"), "rayClusterName");
    if (!cluster.empty()) r.dashboard_service = cluster + "-head-svc";
  }
  return r;
}

std::string serve_port_of(const json& service, int port) {
  const json& ports = at(at(service, "spec"), "ports");
  std::string named, listed;
  if (ports.is_array())
    for (const auto& p : ports) {
      const json& target = at(p, "targetPort");
      bool same = (target.is_number() && target.get<int>() == port) || (target.is_null() && kj::num(p, "port") == port);
      if (same) return str(p, "name").empty() ? std::to_string(kj::num(p, "port")) : str(p, "name");
      if (str(p, "name") == "serve") named = "serve";
      listed += fmt::format("{}{} {}", listed.empty() ? "" : ", ", str(p, "name"), kj::num(p, "port"));
    }
  if (!named.empty()) return named;
  throw Error(ErrorKind::Network,
              fmt::format("service {} has no port to Serve (none named serve, none to port {}; its ports: {})",
                          kj::name_of(service), port, listed.empty() ? "none" : listed),
              "add a containerPort 8000 named serve to the head container (doctor check DR164)");
}

RayAccess kube_ray_access(KubeRayCluster& cluster, DoctorContext& ctx) {
  KubeClient& client = cluster.kube_client(&ctx.io);
  const KubeResource& res = cluster.kube_resource();
  KubeProbe probe(client, ctx.opt.check_timeout);
  KubeReply object = probe.get(res.object_path(client.ns(), cluster.name()));
  json obj = object.ok() ? object.body : json{{"kind", res.kind}, {"metadata", {{"name", cluster.name()}}}};
  KubeRayRoutes routes = kube_ray_routes(probe, obj);

  RayAccess a;
  auto dashboard = kube_proxy_dashboard(client, routes.dashboard_service);
  a.endpoint.url = dashboard->url();
  a.endpoint.source = "the API server's service proxy";
  a.endpoint.timeout = ctx.opt.check_timeout;
  a.route = dashboard->route();
  KubeClient* c = &client;  // the cluster outlives the walk that uses this access
  a.open_dashboard = [c, svc = routes.dashboard_service] { return kube_proxy_dashboard(*c, svc); };
  a.open_serve_proxy = [c, svc = routes.serve_service, timeout = ctx.opt.check_timeout](int port) {
    auto own = c->clone();  // the walk may open proxies from several threads
    KubeProbe p(*own, timeout);
    KubeReply s = p.get(fmt::format("/api/v1/namespaces/{}/services/{}", url_encode(own->ns()), svc));
    if (!s.ok())
      throw Error(s.not_found() ? ErrorKind::Network : ErrorKind::Remote,
                  fmt::format("the Serve service {}/{}: {}", own->ns(), svc, s.describe()),
                  "KubeRay creates it from the head's port named serve (doctor check DR164)");
    return kube_proxy_service(*c, svc, serve_port_of(s.body, port));
  };
  return a;
}

}  // namespace rayctl
