// Commands on the nodes of a running cluster: `exec` (one node or all, exit codes kept),
// `logs` (Ray's log files, by component, tail and follow, lines prefixed by node), `status`
// (each node: reachable, Ray alive, resources) and `attach` (an interactive shell on a node).
#pragma once

#include "cluster/launcher/cluster_target.h"
#include "cluster/nodes/fanout_executor.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace rayctl {

struct ExecNodeResult {
  std::string node, host;
  int exit_code = 0;
  bool ok = false;  // connected and ran (whatever the exit code)
  double seconds = 0;
  std::string error;
  std::vector<std::string> output;  // last lines
};

struct ExecOptions {
  std::string command;             // shell text
  std::vector<std::string> nodes;  // empty = head
  bool all = false;
  bool prefix_lines = true;  // "[node] line" (always with --all)
  ConnectOptions connect;
  int concurrency = 32;
};

// The nodes named (each once, in the order first named), all of them, or the head when none.
std::vector<const LauncherNode*> pick_nodes(const ClusterTarget& t, const std::vector<std::string>& names, bool all);

// Runs the command; output goes to io.out as it comes. Never throws for a non-zero exit.
std::vector<ExecNodeResult> cluster_exec(const ClusterTarget& t, const ExecOptions& opt, IOStreams& io,
                                         CancelFlag& cancel);
nlohmann::json to_json(const std::vector<ExecNodeResult>& r);

// Ray log components and the files (relative to the session's logs/) each covers.
std::vector<std::string> log_globs(const std::string& component);  // throws Error(Usage) for an unknown one
// Shell text that tails (or follows) a component's log files under Ray's temp dir.
std::string logs_command(const std::string& temp_dir, const std::string& component, int tail_lines, bool follow);

struct LogsOptions {
  std::vector<std::string> nodes;  // empty = all
  std::string component;           // "" = raylet + gcs + dashboard
  int tail = 100;
  bool follow = false;
  ConnectOptions connect;
  // Kubernetes: which pods and container, API server timestamps, one JSON object per line.
  std::string group, pod, container;
  bool timestamps = false;
  bool json_lines = false;
};
// Streams log lines, prefixed "[node] ", until done (or Ctrl-C with follow). Returns nodes that failed.
std::vector<std::string> cluster_logs(const ClusterTarget& t, const LogsOptions& opt, IOStreams& io,
                                      CancelFlag& cancel);

struct NodeStatus {
  std::string node, host, role;
  bool reachable = false;
  bool ray_alive = false;
  double cpus = 0, gpus = 0;
  std::string recorded;  // status in the state file
  std::string error;
};
struct ClusterStatus {
  std::string cluster, provider, head_address, dashboard_url;
  bool dashboard_reachable = false;
  std::vector<NodeStatus> nodes;
};
ClusterStatus cluster_status(const ClusterTarget& t, const ConnectOptions& opt, IOStreams& io, CancelFlag& cancel);
nlohmann::json to_json(const ClusterStatus& s);

// Interactive shell (PTY) on a node; returns the shell's exit status.
// One `attach --port-forward`: 127.0.0.1:local here to the node's localhost:remote.
struct PortForward {
  int local = 0;
  int remote = 0;
};
// "PORT" (the same port on both sides, as `ray attach -p`) or "LOCAL:REMOTE" (as `ssh -L` and
// `kubectl port-forward`); ports 1-65535. Throws Error(Usage) naming the text otherwise.
PortForward parse_port_forward(const std::string& text);

int cluster_attach(const ClusterTarget& t, const std::string& node, const ConnectOptions& opt,
                   const std::vector<PortForward>& port_forwards = {});

}  // namespace rayctl
