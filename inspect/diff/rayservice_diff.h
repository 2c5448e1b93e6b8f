// How KubeRay v1.6.1 acts on a RayService edit, decided from the live object and the one the
// file would make (ray-operator/controllers/ray/rayservice_controller.go):
//   - serveConfigV2: re-sent to the active cluster's dashboard when its text differs from the
//     cached one (checkIfNeedSubmitServeApplications); Serve then updates in place — which apps
//     are redeployed and which deployments only reconfigured is serve/deploy/serve_diff.h, with
//     the live serveConfigV2 as "before".
//   - rayClusterConfig: a change of the hash (cluster_spec_rules.h) builds a pending RayCluster
//     and switches over when it serves (shouldPrepareNewCluster), unless zero-downtime upgrades
//     are off (upgradeStrategy.type None: isZeroDowntimeUpgradeEnabled) — then nothing happens
//     at all. Worker groups appended at the end update the active RayCluster in place
//     (shouldUpdateCluster / isClusterSpecHashEqual partial), as does a suspend toggle; such an
//     update copies the whole spec (modifyRayCluster), muted fields included.
//   - fields the hash leaves out (replicas, min/maxReplicas, workersToDelete, tolerations,
//     schedulingGates) change nothing on their own; deprecated fields are not read;
//     serveService is applied only when the Service switches clusters (reconcileServices).
// Pure: JSON in, report out. The capacity check against the nodes is the caller's (capacity.h).
#pragma once

#include "inspect/diff/diff_report.h"

#include <nlohmann/json.hpp>

namespace rayctl {

// `live`: the RayService as the API server returns it (null when it does not exist); `desired`:
// the file's object, or better the API server's dry-run apply of it (defaults filled in as on
// `live`). The report has capacity.needed set (checked = false) when a new cluster is built.
DiffReport diff_rayservice(const nlohmann::json& live, const nlohmann::json& desired);

// KubeRay compares the new spec with what its RayCluster was built from, not with the
// RayService's previous spec: an earlier edit it did not act on (replicas, a change under
// upgradeStrategy None) still differs there and travels with the next update. Adds a note per
// field where the active RayCluster's spec differs from the live rayClusterConfig (the
// autoscaler's own replicas included).
void note_cluster_drift(const nlohmann::json& active_cluster, const nlohmann::json& live_rayservice, DiffReport& r);

// A Serve config (serveConfigV2 parsed) as the live ServeInstanceDetails diff_serve_config
// expects: each application's config as its deployed_app_config.
nlohmann::json serve_config_as_details(const nlohmann::json& config);

}  // namespace rayctl
