// KubeRayCluster: the Cluster (cluster/cluster.h) of a KubeRay RayCluster or RayService, driven
// through the Kubernetes API (kube_ray_ops.h): up is a server-side apply of the manifest and a
// watch until ready, down a delete and a watch until the pods are gone, status one snapshot,
// logs the pods' logs. Its dashboard is reached through the API server's service proxy; a
// RayService owns its Serve config (spec.serveConfigV2). exec and attach are refused with the
// `kubectl exec` line to use until rayctl speaks the pod exec protocol.
#pragma once

#include "cluster/cluster.h"
#include "cluster/spec/spec_files.h"

#include <memory>
#include <optional>
#include <string>

namespace rayctl {

class KubeRayCluster : public Cluster, private ServeConfigOwner {
 public:
  // `target`: KIND/NAME, NAME, or (with `spec`) the manifest file it was loaded from.
  KubeRayCluster(const ClusterRef& ref, std::optional<KubeRaySpec> spec, bool stdin_is_tty);
  ~KubeRayCluster() override;

  const std::string& name() const override { return name_; }
  std::string provider() const override { return "kubernetes"; }

  UpReport up(const UpOptions& opt, IOStreams& io, CancelFlag& cancel) override;
  DownReport down(const DownOptions& opt, IOStreams& io, CancelFlag& cancel) override;
  StatusReport status(const ConnectOptions& opt, IOStreams& io, CancelFlag& cancel) override;
  std::vector<std::string> logs(const LogsOptions& opt, IOStreams& io, CancelFlag& cancel) override;
  std::vector<ExecNodeResult> exec(const ExecOptions& opt, IOStreams& io, CancelFlag& cancel) override;
  int attach(const std::string& node, const ConnectOptions& opt,
             const std::vector<PortForward>& port_forwards) override;
  std::unique_ptr<DashboardTransport> dashboard(IOStreams& io, const CancelFlag* cancel) override;
  ServeConfigOwner* serve_config_owner() override;

  // For `rayctl doctor`, which reads the API itself: the client (kubeconfig loaded on first use;
  // throws its Error) and the object's kind (asked of the API server when the target did not
  // name it; throws the API's Error, e.g. Auth on a 403).
  KubeClient& kube_client(IOStreams* io = nullptr) { return client(io); }
  const KubeResource& kube_resource() { return resource(); }

 private:
  // ServeConfigOwner (a RayService only).
  KubeUpResult deploy(const std::string& serve_config_yaml, bool wait, std::chrono::milliseconds timeout,
                      IOStreams& io) override;
  RayObjectHealth status() override;
  std::string describe() const override;

  KubeClient& client(IOStreams* io = nullptr);
  const KubeResource& resource();  // asks the API server which kind NAME is when not given
  [[noreturn]] void refuse_shell(const std::string& what, const std::string& command) const;

  ClusterRef ref_;
  std::optional<KubeRaySpec> spec_;
  bool stdin_is_tty_ = false;
  std::string name_;
  std::optional<KubeResource> resource_;
  std::unique_ptr<KubeClient> client_;
};

// The dashboard of the head service `service` (port "dashboard") through the API server's
// service proxy: /api/v1/namespaces/NS/services/SERVICE:dashboard/proxy/...
std::unique_ptr<DashboardTransport> kube_proxy_dashboard(const KubeClient& client, const std::string& service);
// Any HTTP port of a service (by port name or number) the same way: the Serve proxy is
// kube_proxy_service(client, "NAME-serve-svc", "serve").
std::unique_ptr<DashboardTransport> kube_proxy_service(const KubeClient& client, const std::string& service,
                                                       const std::string& port);

}  // namespace rayctl
