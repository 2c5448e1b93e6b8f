// The running cluster as its head's dashboard reports it (GET /api/v0/nodes): which nodes are
// ALIVE with what resources. DashboardAccess reaches the dashboard — directly for a local head,
// through an SshTunnel to the head otherwise (it is bound to 127.0.0.1 there by default).
#pragma once

#include "cluster/cluster_target.h"
#include "cluster/ssh_tunnel.h"

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

namespace rayctl {

struct LiveNode {
  std::string node_id;
  std::string ip;
  bool is_head = false;
  bool alive = false;
  double cpus = 0;
  double gpus = 0;
};

// Parses the body of /api/v0/nodes; throws Error(Remote) on an unexpected shape.
std::vector<LiveNode> parse_live_nodes(const std::string& body);

class DashboardAccess {
 public:
  DashboardAccess(const LauncherNode& head, const SshSettings& ssh, const ConnectOptions& opt, int dashboard_port,
                  const CancelFlag* cancel);
  const std::string& base_url() const { return base_url_; }
  // One GET of /api/v0/nodes; throws Error(Network) when the dashboard does not answer.
  std::vector<LiveNode> nodes(int timeout_ms = 5000) const;

 private:
  std::unique_ptr<SshTunnel> tunnel_;
  std::string base_url_;
};

// The live node for a configured host: same IP, or for a local head the head node.
const LiveNode* match_live_node(const std::vector<LiveNode>& live, const LauncherNode& node);

}  // namespace rayctl
