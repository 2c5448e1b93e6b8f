// How `rayctl doctor` reaches a KubeRay head's HTTP endpoints: through the API server's service
// proxy (/api/v1/namespaces/NS/services/SVC:PORT/proxy/...), never a pod address. The dashboard
// through the head service (a RayService's stable NAME-head-svc, repointed to its active
// cluster, else the cluster's own); the Serve proxy through a RayService's NAME-serve-svc (the
// service its users call) or a RayCluster's head service, on its `serve` port.
// kube_ray_access() itself is declared in kube_layers.h.
#pragma once

#include "inspect/doctor/kube_api_probe.h"

#include <string>

namespace rayctl {

struct KubeRayRoutes {
  std::string dashboard_service;  // serves port "dashboard"
  std::string serve_service;      // serves port "serve"
};

// Decides the services from the object (a RayService or a RayCluster as the API returned it);
// asks the API server whether a RayService's NAME-head-svc exists yet.
KubeRayRoutes kube_ray_routes(KubeProbe& probe, const nlohmann::json& object);

// Which port of `service` (a Service object) reaches Serve listening on `port` in the pod:
// the port whose targetPort (or port) is that number, else the one named serve. Throws
// Error(Network) naming the service's ports when it has neither.
std::string serve_port_of(const nlohmann::json& service, int port);

}  // namespace rayctl
