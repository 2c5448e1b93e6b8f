// Placement checks: can the replicas of a Serve config be scheduled on a cluster? Compares each
// deployment's per-replica demand (ray_actor_options, placement_group_bundles) with the node
// shapes of a ClusterResources — from a launcher file, a RayCluster / RayService, or the live
// cluster (`serve deploy`'s pre-flight). Ids RL3xx, documented in man/rayctl-validate.1.
// Pure computation: no I/O.
#pragma once

#include "cluster/spec/cluster_resources.h"
#include "core/diagnostics.h"
#include "serve/config/serve_config.h"

#include <map>
#include <optional>
#include <string>

namespace rayctl {

namespace diag_id {
inline constexpr const char* kReplicaDoesNotFit = "RL301";  // per-replica demand > every node shape (error)
inline constexpr const char* kBeyondCapacity = "RL302";     // max replicas × demand > what the cluster can hold
inline constexpr const char* kOnlyOnHead = "RL303";         // replicas could only land on the head node
inline constexpr const char* kBundleDoesNotFit = "RL304";   // a placement group bundle fits no node (error)
}  // namespace diag_id

// What one replica asks Ray for. A resource absent from the map is not demanded; CPUs default
// to 1 when ray_actor_options is written without num_cpus (Serve's default), and are unknown
// (not checked) when the config leaves ray_actor_options to the code.
struct ReplicaDemand {
  std::map<std::string, double> amounts;  // "CPU", "GPU", "memory", custom, "accelerator_type:X"
  bool empty() const;
  std::string describe() const;  // "1 GPU, 8 CPUs"
};

ReplicaDemand replica_demand(const ServeDeployment& d);
// Highest replica count the deployment can reach: num_replicas, autoscaling max_replicas
// (default 1; 100 with num_replicas "auto"); 1 when the config leaves it to the code.
int max_replicas(const ServeDeployment& d);
// How many replicas of `demand` fit on one node of `shape`; nullopt = unbounded / unknown
// (the node's resources are auto-detected). Fractional GPUs pack as floor(node / per replica).
std::optional<int> replicas_per_node(const ReplicaDemand& demand, const NodeShape& shape);

// Appends RL3xx diagnostics for every deployment of `serve` against `cluster`.
void check_serve_placement(const ServeConfig& serve, const ClusterResources& cluster, Diagnostics& diags);
// Convenience for `serve deploy`'s pre-flight (e.g. with shapes built from /api/v0/nodes).
Diagnostics check_serve_placement(const ServeConfig& serve, const ClusterResources& cluster);

}  // namespace rayctl
