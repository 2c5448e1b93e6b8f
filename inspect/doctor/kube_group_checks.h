// Checks on a RayCluster's groups as its spec declares them (the spec is what the operator
// makes every pod from): each pod's nvidia.com/gpu fits a node's allocatable GPUs (DR172), the
// head and the workers run one Ray version (DR174: the image tags and spec.rayVersion), and the
// GPUs a container gets agree with the num-gpus Ray is started with (DR502). Pure.
#pragma once

#include "inspect/doctor/kube_api_probe.h"

#include <optional>
#include <string>
#include <vector>

namespace rayctl {

// One pod template: the head group or a worker group.
struct GroupTemplate {
  std::string name;  // "headgroup" or the worker group's groupName
  bool head = false;
  std::string image;               // the Ray container's (containers[0])
  long replicas = 1;               // pods: replicas (clamped to min..max) × numOfHosts
  double ray_container_gpus = 0;   // nvidia.com/gpu limit (else request) of containers[0]
  double pod_gpus = 0;             // the same summed over all containers: what the scheduler fits
  std::optional<double> num_gpus;  // rayStartParams num-gpus
  std::string num_gpus_text;       // as written
};

// The groups of a RayCluster spec (a RayService's rayClusterConfig), head first.
std::vector<GroupTemplate> ray_group_specs(const nlohmann::json& cluster_spec);

// "2.53.0" from rayproject/ray:2.53.0-py311-gpu, rayproject/ray-ml:2.46.0.0e19ea-py311, ...;
// nullopt when the tag carries no version (latest, nightly, a digest, a custom tag).
std::optional<std::string> ray_version_of_image(const std::string& image);

// DR172. `nodes`: GET /api/v1/nodes, asked only when some group asks for GPUs (else pass a
// default KubeReply).
DoctorFinding gpu_fit_finding(const std::vector<GroupTemplate>& groups, const KubeReply& nodes);
// DR174. `ray_version`: spec.rayVersion ("" when unset).
DoctorFinding ray_version_finding(const std::vector<GroupTemplate>& groups, const std::string& ray_version);
// DR502.
DoctorFinding gpu_params_finding(const std::vector<GroupTemplate>& groups);

}  // namespace rayctl
