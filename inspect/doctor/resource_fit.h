// The resources layer (DR501): do Serve's asks fit what Ray has? A deployment whose replicas are
// not all running is compared, per replica (required_resources: num_cpus, num_gpus, memory and
// custom resources of its ray_actor_options), with every ALIVE node's totals (GET /api/v0/nodes)
// — "asks num_gpus: 1 and no node has a GPU" — and with what is free in `ray status`'s usage
// (GET /api/cluster_status?format=1) — "GPU exists but the actor is pending". Pure: fed the
// parsed replies, so the unit tests use Ray's real shapes.
#pragma once

#include "inspect/doctor/doctor_finding.h"
#include "serve/deploy/serve_status.h"

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace rayctl {

struct NodeResources {
  std::string node_id, ip;
  bool alive = false;
  std::map<std::string, double> total;  // resources_total: CPU, GPU, memory, custom
};
// The rows of /api/v0/nodes (DashboardClient::nodes()).
std::vector<NodeResources> parse_node_resources(const std::vector<nlohmann::json>& rows);

// `ray status`'s Resources section, as the dashboard formats it.
struct ClusterUsage {
  std::map<std::string, std::pair<double, double>> used_total;  // "CPU" → {1.0, 3.0}; unit-less ones only
  std::vector<std::string> usage_lines;                         // " 1.0/3.0 CPU", as printed
  std::vector<std::string> demand_lines;                        // " {'GPU': 1.0}: 1+ pending tasks/actors"
};
// `text` is data.clusterStatus of /api/cluster_status?format=1 ("" when the autoscaler wrote none).
ClusterUsage parse_cluster_status_text(const std::string& text);

// True when some deployment of the selected apps has fewer replicas running than its target
// (only then do the nodes and usage need fetching).
bool replicas_pending(const ServeStatus& s, const std::string& app);

// DR501 findings: one failure per deployment that cannot be placed, else one ok.
std::vector<DoctorFinding> resource_findings(const ServeStatus& s, const std::vector<NodeResources>& nodes,
                                             const ClusterUsage& usage, const std::string& app);

}  // namespace rayctl
