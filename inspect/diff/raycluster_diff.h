// How KubeRay v1.6.1 acts on a RayCluster edit (ray-operator/controllers/ray/raycluster_controller.go,
// reconcilePods): it counts pods per worker group against the desired number
// (utils.GetWorkerGroupDesiredReplicas: replicas clamped to [minReplicas, maxReplicas] × numOfHosts)
// and creates or deletes pods to match; it never compares a running pod with the template, so
// template changes reach only pods created later — unless spec.upgradeStrategy.type is Recreate,
// where a change of the RayClusterSpec hash deletes every pod (shouldRecreatePodsForUpgrade).
// With enableInTreeAutoscaling it deletes no pod to scale down by itself (the autoscaler names
// them in workersToDelete). It reconciles only the groups in the spec: a removed group's pods stay.
// Pure: JSON in, report out.
#pragma once

#include "inspect/diff/diff_report.h"

#include <nlohmann/json.hpp>

namespace rayctl {

// `live`: the RayCluster as the API server returns it (null when it does not exist); `desired`:
// the file's object or the API server's dry-run apply of it.
DiffReport diff_raycluster(const nlohmann::json& live, const nlohmann::json& desired);

}  // namespace rayctl
