// `rayctl down`: stops Ray on every node of a cluster — workers in parallel first, the head
// last — stopping only the processes this cluster started (by the session ids recorded on each
// node, never `ray stop`, which is machine-wide), checks none is left, and removes the state.
// With workers_only the head keeps running and the record stays. Safe to re-run.
#pragma once

#include "cluster/launcher/cluster_target.h"
#include "cluster/nodes/fanout_executor.h"

#include <nlohmann/json.hpp>

#include <chrono>

namespace rayctl {

struct DownOptions {
  bool workers_only = false;
  ConnectOptions connect;
  int concurrency = 32;
  // Kubernetes: wait until the object's pods are gone, for at most `timeout`.
  bool wait = true;
  std::chrono::milliseconds timeout{std::chrono::minutes(10)};
};

struct DownNodeResult {
  std::string node, host, role;
  bool ok = false;
  int stopped = 0;    // processes of this cluster found
  int left = 0;       // still running after the stop
  int other_ray = 0;  // Ray processes of other clusters on the same host (left alone)
  std::string error;
};

struct DownResult {
  std::string cluster;
  bool state_removed = false;
  std::vector<DownNodeResult> nodes;
};
nlohmann::json to_json(const DownResult& r);

// Parses "rayctl-stop: stopped=N left=M other_ray=K" from the stop script's output.
bool parse_stop_report(const std::string& line, int& stopped, int& left, int& other);

DownResult cluster_down(const ClusterTarget& target, const DownOptions& opt, IOStreams& io, CancelFlag& cancel,
                        const ClusterStateStore& store = ClusterStateStore());

}  // namespace rayctl
