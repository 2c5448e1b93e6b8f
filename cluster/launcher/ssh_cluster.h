// SshCluster: the Cluster (cluster/cluster.h) of a Ray launcher file — head and workers reached
// over SSH (or this machine, provider "local"), brought up by cluster_up.h, stopped by
// cluster_down.h, inspected by node_command.h. Also how such a cluster's dashboard is reached:
// directly when it listens where this machine can connect, else through an SSH tunnel.
#pragma once

#include "cluster/cluster.h"
#include "cluster/launcher/cluster_target.h"

#include <string>

namespace rayctl {

class SshCluster : public Cluster {
 public:
  SshCluster(ClusterTarget target, ClusterStateStore store) : t_(std::move(target)), store_(std::move(store)) {}

  const std::string& name() const override { return t_.name; }
  std::string provider() const override { return t_.provider; }
  const ClusterTarget& target() const { return t_; }

  UpReport up(const UpOptions& opt, IOStreams& io, CancelFlag& cancel) override;
  DownReport down(const DownOptions& opt, IOStreams& io, CancelFlag& cancel) override;
  StatusReport status(const ConnectOptions& opt, IOStreams& io, CancelFlag& cancel) override;
  std::vector<std::string> logs(const LogsOptions& opt, IOStreams& io, CancelFlag& cancel) override;
  std::vector<ExecNodeResult> exec(const ExecOptions& opt, IOStreams& io, CancelFlag& cancel) override;
  int attach(const std::string& node, const ConnectOptions& opt,
             const std::vector<PortForward>& port_forwards) override;
  std::unique_ptr<DashboardTransport> dashboard(IOStreams& io, const CancelFlag* cancel) override;
  ServeConfigOwner* serve_config_owner() override { return nullptr; }
  std::vector<NodeFilesResult> put_files(const std::vector<NodeFile>& files, const std::vector<std::string>& nodes,
                                         const ConnectOptions& opt, IOStreams& io, CancelFlag& cancel) override {
    return put_node_files(t_, files, nodes, opt, io, cancel);
  }

 private:
  ClusterTarget t_;
  ClusterStateStore store_;  // a copy: the caller's may be a temporary
};

// How a launcher cluster's dashboard is reached, decided from its record or its head's start
// commands (pure, tested): a local head directly; a head whose dashboard binds a routable
// address directly first, then through SSH; one bound to the head's loopback (Ray's default)
// only through SSH.
struct ClusterDashboardRoute {
  std::string cluster;
  std::string head;           // node name, for messages
  std::string direct_url;     // "" when the dashboard cannot be reached without SSH
  bool ssh_fallback = false;  // open an SshTunnel to the head when direct_url is empty or refuses
  int dashboard_port = 8265;  // on the head
};
ClusterDashboardRoute cluster_dashboard_route(const ClusterTarget& target);

}  // namespace rayctl
