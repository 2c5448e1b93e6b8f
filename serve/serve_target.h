// ServeTarget: where the `rayctl serve` verbs act, resolved once from their flags — the Ray
// dashboard of --address / $RAY_DASHBOARD_ADDRESS / the default, or of a --cluster (any
// provider: Cluster::dashboard() in cluster/cluster.h), or a RayService, whose
// spec.serveConfigV2 owns the Serve config (deploy replaces it there; status reads the
// object's status). The verbs below return what they did for cli/ to print.
#pragma once

#include "cluster/cluster.h"
#include "cluster/dashboard/dashboard_address.h"
#include "serve/deploy/serve_deploy.h"
#include "serve/deploy/serve_status.h"

#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace rayctl {

struct ServeTargetOptions {
  DashboardAddressOptions addr;  // --address, --token-file, --request-timeout; addr.cluster is --cluster
  ClusterRef kube;               // --kubeconfig, --context, -n (its target is --cluster)
};

class ServeTarget {
 public:
  // Throws Error(Usage) for contradictory flags (--address with --cluster, Kubernetes flags
  // without --cluster), Error(NotFound) for an unknown cluster.
  static std::unique_ptr<ServeTarget> open(const ServeTargetOptions& opt, const EnvLookup& env, IOStreams& io);

  // The Serve config's owner when it is not the dashboard (a RayService), else nullptr.
  ServeConfigOwner* owner() const { return owner_; }
  // The dashboard client; throws Error(Usage) naming `verb` for a RayService, whose Serve
  // config rayctl changes only through its object.
  DashboardClient& dashboard(const std::string& verb);
  // The dashboard client, whoever owns the config (reads only: `serve status --live`).
  DashboardClient& dashboard_for_reading();

 private:
  IOStreams io_;
  std::unique_ptr<Cluster> cluster_;
  ServeConfigOwner* owner_ = nullptr;
  DashboardEndpoint endpoint_;
  std::unique_ptr<DashboardTransport> transport_;
  std::unique_ptr<DashboardClient> client_;
  std::string cluster_arg_;
};

using ServeDeployReport = std::variant<ServeDeployResult, KubeUpResult>;
// Deploys `file` (a Serve config; for a RayService also a RayService manifest, whose
// serveConfigV2 is used) and, unless opt.wait is false, waits until it runs.
ServeDeployReport deploy_serve_file(ServeTarget& target, const std::string& file, const ServeDeployOptions& opt,
                                    IOStreams& io);

using ServeStatusReport = std::variant<ServeStatus, RayObjectHealth>;
// The applications from the dashboard, or a RayService's status (`live`: its head's dashboard
// through the API server's service proxy instead).
ServeStatusReport serve_status(ServeTarget& target, bool live);

}  // namespace rayctl
