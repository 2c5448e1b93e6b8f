// Readiness of a RayCluster or RayService judged from live objects — the custom resource, its
// pods and their events — and, when it is not ready, the reasons sorted by layer:
// kubernetes (a pod Pending and the scheduler's reason, image pulls, crashes), kuberay (the
// operator's ReplicaFailure, missing pods), ray (pods Running but not Ready: workers not
// joining) and serve (applications DEPLOY_FAILED / UNHEALTHY with their messages).
// Pure functions over JSON: no I/O, so every rule is unit-tested.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rayctl {

// One pod as rayctl shows it.
struct RayPodView {
  std::string name, cluster, group, node_type;  // node_type: head | worker
  std::string phase;                            // Pending Running Succeeded Failed Unknown
  std::string node;
  bool ready = false;
  bool deleting = false;
  int restarts = 0;
  std::string waiting;  // why not running/ready: "Unschedulable: 0/3 nodes...", "ImagePullBackOff: ..."
};

RayPodView view_ray_pod(const nlohmann::json& pod);

struct RayGroupHealth {
  std::string name;
  bool head = false;
  int desired = 0, pods = 0, running = 0, ready = 0;
};

struct LayerReason {
  std::string layer;    // kubernetes | kuberay | ray | serve
  std::string subject;  // "pod x", "RayCluster y", "app rag"
  std::string message;
};

struct RayClusterHealth {
  std::string name;
  bool ready = false;
  std::string state;                              // ready | provisioning | suspended | deleting | failed
  std::map<std::string, std::string> conditions;  // type → "True"/"False"/"Unknown"
  std::vector<RayGroupHealth> groups;             // head first
  std::vector<RayPodView> pods;
  std::vector<LayerReason> reasons;
  bool stale = false;  // status.observedGeneration < metadata.generation
};

// `pods` may contain other clusters' pods (filtered by ray.io/cluster); `events` are
// namespace events (matched by involvedObject).
RayClusterHealth evaluate_raycluster(const nlohmann::json& rc, const std::vector<nlohmann::json>& pods,
                                     const std::vector<nlohmann::json>& events);

struct ServeDeploymentHealth {
  std::string name, status, message;
};

struct ServeAppHealth {
  std::string name, status, message;
  std::vector<ServeDeploymentHealth> deployments;
};

struct RayServiceHealth {
  std::string name;
  bool ready = false;
  std::string state;  // ready | deploying | upgrading | failed | deleting
  std::string ready_reason, ready_message;
  bool upgrade_in_progress = false;
  std::string active_cluster, pending_cluster;
  std::vector<ServeAppHealth> active_apps, pending_apps;
  int serve_endpoints = 0;
  std::optional<RayClusterHealth> cluster;  // the cluster being brought up (pending, else active)
  std::vector<LayerReason> reasons;
};

// `clusters`: RayClusters in the namespace (the service's are picked by name/owner).
RayServiceHealth evaluate_rayservice(const nlohmann::json& rs, const std::vector<nlohmann::json>& clusters,
                                     const std::vector<nlohmann::json>& pods,
                                     const std::vector<nlohmann::json>& events);

nlohmann::json to_json(const RayClusterHealth& h);
nlohmann::json to_json(const RayServiceHealth& h);

}  // namespace rayctl
