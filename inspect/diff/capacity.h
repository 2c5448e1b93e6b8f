// Capacity a new RayCluster needs while the old one still runs (a RayService's zero-downtime
// upgrade keeps both until the new one serves), and what the nodes have free: allocatable minus
// the requests of the pods bound to them, as the scheduler counts it. Only cpu, memory and
// nvidia.com/gpu are counted — what Ray pods ask for. Pure: JSON in, totals out.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rayctl {

// Amounts by resource name ("cpu" in cores, "memory" in bytes, "nvidia.com/gpu" in devices).
using ResourceTotals = std::map<std::string, double>;

// The resources counted, in print order.
const std::vector<std::string>& counted_resources();

// One pod's requests: per container `requests`, else `limits` (Kubernetes defaults a missing
// request to the limit), summed over containers; init containers take the max, as the
// scheduler does (the pod needs the larger of the two).
ResourceTotals pod_requests(const nlohmann::json& pod_spec);

// What a RayCluster spec (a RayService's rayClusterConfig) asks for when created: the head pod
// plus each worker group's desired pods — replicas clamped to [minReplicas, maxReplicas] times
// numOfHosts, 0 when suspended (utils.GetWorkerGroupDesiredReplicas, KubeRay v1.6.1). With
// `from_min` (NewClusterWithIncrementalUpgrade starts the pending cluster with replicas unset,
// constructRayClusterForRayService) the count is minReplicas. The head pod includes the
// autoscaler sidecar KubeRay adds with enableInTreeAutoscaling.
struct ClusterRequests {
  ResourceTotals total;
  int pods = 0;
  ResourceTotals largest_pod;  // the biggest single pod, per resource
};
ClusterRequests cluster_requests(const nlohmann::json& ray_cluster_spec, bool from_min = false);

// Free capacity from GET /api/v1/nodes and GET /api/v1/pods (all namespaces): per schedulable,
// Ready node its allocatable minus the requests of pods bound to it that have not finished.
struct NodeFree {
  std::string node;
  ResourceTotals free;
};
std::vector<NodeFree> free_capacity(const nlohmann::json& node_list, const nlohmann::json& pod_list);

// The verdict the diff prints: needed vs free in sum, and whether the largest pod fits one node.
struct CapacityCheck {
  ClusterRequests needed;
  bool checked = false;               // nodes and pods could be listed
  ResourceTotals free;                // summed over nodes (when checked)
  std::vector<std::string> short_of;  // "nvidia.com/gpu: needs 2, 1 free" (when checked)
  std::string note;                   // why it was not checked, or what the sum does not prove
  bool fits() const { return checked && short_of.empty(); }
};
CapacityCheck check_capacity(const ClusterRequests& needed, const std::optional<std::vector<NodeFree>>& nodes,
                             const std::string& why_unchecked = {});

// "4 cpu, 8Gi memory, 1 nvidia.com/gpu"
std::string format_totals(const ResourceTotals& t);
nlohmann::json totals_json(const ResourceTotals& t);

}  // namespace rayctl
