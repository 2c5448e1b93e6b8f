// RayObjectMonitor: follows one RayCluster or RayService live — watches of the object, the Ray
// pods of its namespace and (for a RayService) its RayClusters, plus Warning events fetched at
// most every couple of seconds while something is not ready — and evaluates its health after
// every change (kube_readiness.h). It waits for ready, for a condition of the caller's choice,
// or for everything to be gone, reporting each new state through a callback.
#pragma once

#include "cluster/kube/kube_client.h"
#include "cluster/kube/kube_readiness.h"
#include "cluster/kube/kube_watch.h"

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace rayctl {

// The health of the watched object: exactly one of cluster / service is set when found.
struct RayObjectHealth {
  std::string kind;  // RayCluster | RayService
  std::string name, namespace_;
  bool found = false;
  std::optional<RayClusterHealth> cluster;
  std::optional<RayServiceHealth> service;
  long generation = 0, observed_generation = -1;
  int live_pods = 0;  // Ray pods of this object still present (for `down`)

  bool ready() const;
  const std::vector<LayerReason>& reasons() const;
  nlohmann::json to_json() const;
};

enum class WaitOutcome { Done, TimedOut };

class RayObjectMonitor {
 public:
  RayObjectMonitor(const KubeClient& client, const KubeResource& res, std::string ns, std::string name);

  // Starts the watches; returns once every watch has listed (or throws its Error).
  void start(std::chrono::steady_clock::time_point deadline);
  RayObjectHealth snapshot();
  // Waits until `done(health)` holds, calling on_change with each new health; `health` holds
  // the last state on return. Watch failures throw.
  WaitOutcome wait(std::chrono::steady_clock::time_point deadline,
                   const std::function<bool(const RayObjectHealth&)>& done,
                   const std::function<void(const RayObjectHealth&)>& on_change, RayObjectHealth& health);
  // Cluster names whose pods count as this object's (the RayCluster itself, or a service's clusters).
  void track_clusters(std::vector<std::string> names) { extra_clusters_ = std::move(names); }

 private:
  void refresh_events(bool force);
  const KubeClient& client_;
  std::unique_ptr<KubeClient> events_client_;
  KubeResource res_;
  std::string ns_, name_;
  std::shared_ptr<Signal> signal_;
  std::unique_ptr<CollectionWatch> object_, pods_, clusters_;
  std::vector<nlohmann::json> events_;
  std::chrono::steady_clock::time_point events_at_{};
  std::vector<std::string> extra_clusters_;
};

}  // namespace rayctl
