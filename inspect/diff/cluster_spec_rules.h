// What KubeRay v1.6.1 leaves out of a RayClusterSpec's hash, and the other facts about a
// RayClusterSpec change that both the RayService and the RayCluster classification need.
// The hash is utils.GenerateHashWithoutReplicasAndWorkersToDelete (controllers/ray/utils/util.go):
// it clears each worker group's replicas, minReplicas, maxReplicas, scaleStrategy.workersToDelete,
// every pod template's tolerations and schedulingGates (Kueue injects them), and upgradeStrategy,
// then hashes the JSON. The RayService controller compares it with the annotation
// ray.io/hash-without-replicas-and-workers-to-delete on its RayCluster; the RayCluster
// controller compares it with the head pod's annotation under upgradeStrategy Recreate.
#pragma once

#include "inspect/diff/json_diff.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace rayctl {

// True when `c` (a path inside a RayClusterSpec) is a field the hash leaves out.
bool muted_in_cluster_hash(const JsonChange& c);
// "replicas", "minReplicas", "maxReplicas" of a worker group: the group's name, else "".
std::string replica_field_group(const JsonChange& c);
// The worker group a change is in ("gpu" for workerGroupSpecs[gpu]...), "" when not in one.
std::string worker_group_of(const JsonChange& c);
// True for a whole worker group added (before absent) or removed (after absent).
bool is_whole_group(const JsonChange& c);

// Worker groups that `after` appends behind every group of `before`, in the same order: KubeRay
// updates a RayService's RayCluster in place for these (isClusterSpecHashEqual with partial).
std::vector<std::string> appended_worker_groups(const nlohmann::json& before_spec, const nlohmann::json& after_spec);
// True when the groups both specs have are in another order (the hash is over an ordered list).
bool worker_groups_reordered(const nlohmann::json& before_spec, const nlohmann::json& after_spec);

bool autoscaling_enabled(const nlohmann::json& cluster_spec);  // enableInTreeAutoscaling: true

}  // namespace rayctl
