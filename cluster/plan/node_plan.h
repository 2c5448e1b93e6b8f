// NodePlan: what `rayctl up` will do on each node, decided from the launcher config, the
// cluster's last record, what is observed alive, the file_mounts digests and the flags — pure
// functions, no I/O. Also the rewriting of Ray's start commands that makes several clusters
// safe on one machine: `ray stop` (machine-wide in Ray) becomes a stop of this cluster's own
// processes, `ray start` runs in a new session whose id is recorded, and the head drops
// `--autoscaling-config` so Ray's autoscaler never races rayctl's client-side worker setup.
// Workers are set up alongside the head; before a worker's first `ray start` the plan puts a
// wait for the head's GCS (the only thing a worker's `ray start` needs from the head).
#pragma once

#include "cluster/cluster_state.h"
#include "cluster/spec/launcher_config.h"

#include <nlohmann/json.hpp>

#include <map>
#include <set>
#include <string>
#include <vector>

namespace rayctl {

// One file_mounts entry after reading the local side: every file with its remote path.
struct MountDigest {
  std::string remote;  // as written (a file or a directory)
  std::string local;
  std::string hash;                                        // over relative paths + contents
  std::vector<std::pair<std::string, std::string>> files;  // local file → remote file
};

enum class NodeAction { Verify, Start, Setup, SetupAndStart };
const char* node_action_name(NodeAction a);  // "verify", "start", "setup", "setup+start"

struct NodeStep {
  std::string phase;  // "initialization", "setup", "start"
  std::string command;
  bool starts_ray = false;      // runs `ray start`
  bool waits_for_head = false;  // a worker's wait for the head's GCS (head_gcs_wait_script)
};

struct NodePlan {
  std::string node;
  std::string host;
  bool is_head = false;
  bool is_local = false;
  NodeAction action = NodeAction::Verify;
  std::string reason;             // why, for humans: "new node", "setup commands changed", "unchanged"
  bool restarts_running = false;  // stops a Ray that is running now
  std::vector<std::pair<std::string, std::string>> uploads;  // local file → remote path
  std::vector<NodeStep> steps;
  std::map<std::string, std::string> env;  // exported before every command (RAY_HEAD_IP)
  std::string setup_hash;
  std::string start_hash;
};

struct UpFlags {
  bool restart_only = false;
  bool no_restart = false;
  bool force_setup = false;
};

// Facts about the running cluster, gathered before planning.
struct ClusterObservation {
  bool probed = false;                // the head's dashboard answered
  std::set<std::string> alive_hosts;  // hosts with an ALIVE Ray node
};

// Where the head's services listen, read from its start commands.
struct HeadEndpoints {
  int gcs_port = 6379;
  int dashboard_port = 8265;
  std::string dashboard_host = "127.0.0.1";
  std::string temp_dir;             // --temp-dir, "" = /tmp/ray
  std::string ray_program = "ray";  // how the start command calls ray ("ray", "/venv/bin/ray")
};
HeadEndpoints head_endpoints(const LauncherNode& head);

struct ClusterPlan {
  std::string cluster;
  HeadEndpoints head;
  std::string head_host;
  std::vector<NodePlan> nodes;     // head first
  std::vector<std::string> notes;  // e.g. "removed --autoscaling-config from the head's start command"
  bool changes_anything() const;
};

ClusterPlan plan_up(const LauncherConfig& cfg, const ClusterRecord* previous, const ClusterObservation& seen,
                    const std::vector<MountDigest>& mounts, const UpFlags& flags);

// Start commands as rayctl runs them on a node (see the file comment); notes are appended.
std::vector<std::string> effective_start_commands(const LauncherNode& node, const std::string& cluster,
                                                  std::vector<std::string>* notes = nullptr);
// The shell text that stops exactly this cluster's Ray processes on a node and reports what
// is left: prints "rayctl-stop: stopped=N left=M other_ray=K".
std::string scoped_stop_script(const std::string& cluster);
// The shell text a worker runs before its first `ray start` while the head is still starting:
// waits until the head's GCS (host:port as the worker reaches it) accepts a TCP connection, one
// try every 0.1 s (bash's /dev/tcp), exit 3 after 300 s. The executor skips it once the head
// has started and cancels it when the head fails (head_gate.h).
std::string head_gcs_wait_script(const std::string& head_host, int gcs_port);
// Directory on each node where rayctl keeps the session ids of the Ray it started (shell text:
// "${RAYCTL_NODE_RUN_DIR:-/tmp/rayctl-$(id -u)}"/CLUSTER, per machine and per user).
std::string node_session_dir(const std::string& cluster);
bool is_ray_stop_command(const std::string& command);

// Human rendering of a plan (for --dry-run) and its JSON form (-o json).
std::string render_plan(const ClusterPlan& plan);
nlohmann::json plan_to_json(const ClusterPlan& plan);

}  // namespace rayctl
