// The Kubernetes side of rayctl's cluster verbs for KubeRay objects: up (server-side apply,
// then wait for ready with live health), down (delete, then wait until the pods are gone),
// status (one snapshot), logs (pod logs with prefixes) and serve deploy (serveConfigV2 in place,
// then wait on the application statuses). Policy (what ready means, reasons) lives in
// kube_readiness.h; KubeRayCluster (kuberay_cluster.h) puts these behind the Cluster interface.
#pragma once

#include "cluster/kube/kube_client.h"
#include "cluster/kube/kube_ray_monitor.h"

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace rayctl {

using HealthCallback = std::function<void(const RayObjectHealth&)>;

struct KubeUpRequest {
  nlohmann::json object;  // the manifest as JSON (apiVersion, kind, metadata.name required)
  ApplyOptions apply;
  bool wait = true;
  std::chrono::milliseconds timeout{std::chrono::minutes(10)};
};

struct KubeUpResult {
  std::string kind, name, namespace_;
  bool dry_run = false;
  bool waited = false;
  WaitOutcome outcome = WaitOutcome::Done;
  RayObjectHealth health;
  nlohmann::json applied;  // the object as the API server returned it
  double apply_ms = 0, wait_ms = 0;
};

KubeUpResult kube_up(KubeClient& client, const KubeUpRequest& req, const HealthCallback& on_change);

struct KubeDownResult {
  std::string kind, name, namespace_;
  bool existed = false;
  bool waited = false;
  int pods_at_start = 0;
  WaitOutcome outcome = WaitOutcome::Done;
  RayObjectHealth health;
  double wait_ms = 0;
};

KubeDownResult kube_down(KubeClient& client, const KubeResource& res, const std::string& name, bool wait,
                         std::chrono::milliseconds timeout, const HealthCallback& on_change);

// One snapshot (GETs only, no watch). Throws Error(NotFound) when the object does not exist.
RayObjectHealth kube_status(KubeClient& client, const KubeResource& res, const std::string& name);
// Which kind `name` is: RayService if one exists by that name, else RayCluster.
KubeResource kube_resolve_kind(KubeClient& client, const std::string& name);

struct KubeLogRequest {
  std::string group;      // only pods of this worker group ("headgroup" for the head)
  std::string pod;        // only this pod
  std::string container;  // default: the Ray container (containers[0])
  bool follow = false;
  int tail = -1;  // lines; -1 = all
  bool timestamps = false;
};

// The pods whose logs `kube_logs` reads, with their container, in output order.
struct LogSource {
  std::string pod, container;
};
std::vector<LogSource> select_log_sources(const std::vector<nlohmann::json>& pods, const std::string& cluster,
                                          const KubeLogRequest& req);
std::string pod_log_path(const std::string& ns, const LogSource& src, const KubeLogRequest& req);
// Streams logs of every selected pod concurrently; each line is given with its "pod/container".
void kube_logs(KubeClient& client, const KubeResource& res, const std::string& name, const KubeLogRequest& req,
               const std::function<void(const std::string& prefix, const std::string& line)>& on_line);

// Sets spec.serveConfigV2 of a RayService (server-side apply, field manager rayctl-serve) and
// waits until the operator observed it and every application is RUNNING.
KubeUpResult kube_serve_deploy(KubeClient& client, const std::string& rayservice, const std::string& serve_config_yaml,
                               bool wait, std::chrono::milliseconds timeout, const HealthCallback& on_change);

}  // namespace rayctl
