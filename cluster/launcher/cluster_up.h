// `rayctl up`: brings a launcher-file cluster to the state the file describes. Order: lock the
// cluster, read file_mounts, probe what runs, plan per node (node_plan.h), apply every node's
// plan in parallel from the client — workers hold before their `ray start` until the head has
// begun its own and its GCS answers (head_gate.h) — wait until each node is ALIVE (Ray's GCS or
// the head's dashboard: live_node_source.h), then for the dashboard; record hashes
// (cluster_state.h). A re-run with nothing changed only
// verifies. Ctrl-C cancels the remote commands, closes connections and saves what completed.
#pragma once

#include "cluster/launcher/cluster_target.h"
#include "cluster/nodes/fanout_executor.h"
#include "cluster/plan/node_plan.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace rayctl {

struct UpOptions {
  UpFlags flags;
  bool dry_run = false;
  bool yes = false;  // restart running nodes without asking
  ConnectOptions connect;
  std::chrono::milliseconds timeout{300'000};  // waiting for nodes to be ALIVE (then the dashboard)
  int concurrency = 32;
  bool stream_output = true;
  // Kubernetes: return once the API server accepted the object; take over others' fields.
  bool wait = true;
  bool force_conflicts = false;
  // Asked before restarting running nodes when !yes; returns true to go on. Unset = refuse.
  Confirmer confirm;
};

struct UpNodeResult {
  std::string node, host, role, action, reason;
  bool ok = false;
  bool alive = false;
  double cpus = 0, gpus = 0;
  double seconds = 0;
  std::vector<std::pair<std::string, double>> phases;  // "connect", "setup 1/3", ... → seconds
  std::string error;
  std::vector<std::string> tail;
};

struct UpResult {
  std::string cluster;
  bool dry_run = false;
  bool changed = false;  // false: only verified
  std::string head_address;
  std::string dashboard_url;
  std::string dashboard_note;  // how to reach a dashboard bound to the head's loopback
  double seconds = 0;
  std::vector<std::pair<std::string, double>> timings;  // "nodes" (all plans applied), "alive_wait"
  ClusterPlan plan;
  std::vector<UpNodeResult> nodes;
};

nlohmann::json to_json(const UpResult& r);

// Reads every file_mounts entry (files and directories, without what rsync_exclude and the
// rsync_filter files exclude) and each cluster_synced_files path (same path here and on the
// nodes), and hashes their contents. Synced paths missing here go to `skipped` (Ray skips them too).
std::vector<MountDigest> digest_file_mounts(const LauncherConfig& cfg, std::vector<std::string>* skipped = nullptr);

class LiveNodeSource;

// What `up` works through: the nodes' runners (SSH or local; fakes in tests), where it learns
// what runs (live_node_source.h), and the state store. The user's yes/no is UpOptions::confirm.
struct UpParts {
  RunnerFactory runners;
  std::function<std::unique_ptr<LiveNodeSource>(const ClusterPlan& shape)> live;
  const ClusterStateStore& store;
};

// Throws Error on failure after saving state (Remote/Network/Auth/HostKey naming the node,
// Timeout when nodes never became ALIVE, Conflict when the cluster is locked, Cancelled).
UpResult cluster_up(const LauncherConfig& cfg, const UpOptions& opt, IOStreams& io, CancelFlag& cancel,
                    const UpParts& parts);
// The same with the real parts: SSH (or local) runners, the head's GCS and dashboard.
UpResult cluster_up(const LauncherConfig& cfg, const UpOptions& opt, IOStreams& io, CancelFlag& cancel,
                    const ClusterStateStore& store = ClusterStateStore());

}  // namespace rayctl
