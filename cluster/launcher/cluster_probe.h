// The running cluster as its head reports it: which nodes are ALIVE with what resources, from
// the dashboard (GET /api/v0/nodes through DashboardClient: directly for a local head, through
// an SSH tunnel to the head otherwise, where it is bound to 127.0.0.1 by default) or from Ray's
// GCS (a small query run on the head), and how a configured node is found in that list.
#pragma once

#include "cluster/dashboard/dashboard_client.h"
#include "cluster/launcher/cluster_target.h"
#include "core/error.h"

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace rayctl {

// The head's dashboard as `up` and `status` reach it (a local head directly, else an SSH tunnel).
class DashboardAccess {
 public:
  DashboardAccess(const LauncherNode& head, const SshSettings& ssh, const ConnectOptions& opt, int dashboard_port,
                  const CancelFlag* cancel);
  // One GET of /api/v0/nodes; throws Error(Network) when the dashboard does not answer.
  std::vector<LiveNode> nodes(int timeout_ms = 5000);
  // True once the SSH connection under the tunnel is lost (a new DashboardAccess is needed).
  bool broken() const { return transport_->broken(); }

 private:
  std::unique_ptr<DashboardTransport> transport_;
  std::unique_ptr<DashboardClient> client_;
};

// True for the errors that end a retry loop at once: bad credentials, an unknown or changed
// host key, Ctrl-C. Anything else (a dashboard still starting, a refused port) is worth a retry.
bool ends_retries(const Error& e);

// Shell text for the head that lists the nodes straight from Ray's GCS at `gcs_address`
// ("host:port"), with the Python of the `ray` program its start command runs (its shebang):
// prints one line "rayctl-gcs-nodes: " + JSON in the shape of /api/v0/nodes. Ready as soon as
// the GCS is, while the dashboard may take seconds more to serve HTTP.
std::string gcs_nodes_command(const std::string& ray_program, const std::string& gcs_address);
// The nodes from gcs_nodes_command's output line; nullopt when the line is not there.
std::optional<std::vector<LiveNode>> parse_gcs_nodes_line(const std::string& line);

// True for an IPv4 or IPv6 address literal (not a host name).
bool is_ip_address(const std::string& host);
// The addresses a configured node can show up under in the dashboard, which lists nodes by the
// IP their Ray chose: the host itself when it is an IP address; for a host name, what it
// resolves to on this machine plus `reported`, the addresses the node itself gave over SSH
// (NodeRecord::addresses — so a name only the bastion can resolve still matches).
std::set<std::string> node_addresses(const std::string& host, const std::vector<std::string>& reported = {});
// Shell text that prints the node's own addresses as one line "rayctl-addresses: IP..." (the
// address sshd was reached on, then `hostname -I`); parse_reported_addresses reads that line.
std::string report_addresses_command();
std::vector<std::string> parse_reported_addresses(const std::string& line);

// The live node for a configured node: ALIVE under one of `addresses`, or for a local head the
// head node. The two-argument form uses node_addresses(node.host).
const LiveNode* match_live_node(const std::vector<LiveNode>& live, const LauncherNode& node,
                                const std::set<std::string>& addresses);
const LiveNode* match_live_node(const std::vector<LiveNode>& live, const LauncherNode& node);

}  // namespace rayctl
