// NodeProbe: what one short SSH command on a node shows `rayctl doctor` about Ray there — which
// of Ray's processes run (from ps), the last lines of the logs of those that do not, and on the
// head the nodes Ray's GCS lists. One command per node keeps the ray layer to one round trip;
// building it and reading its output are pure, so both are unit-tested.
#pragma once

#include "cluster/dashboard/dashboard_client.h"
#include "cluster/launcher/cluster_target.h"
#include "cluster/nodes/fanout_executor.h"
#include "inspect/doctor/doctor_finding.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rayctl {

// The Ray processes the probe looks for: the process name in ps (comm) and the log files that
// say why it stopped, under the session's logs directory.
struct RayComponent {
  std::string process;            // "raylet", "gcs_server"
  std::vector<std::string> logs;  // "raylet.out", "raylet.err"
};
const RayComponent& raylet_component();
const RayComponent& gcs_component();

struct NodeProbe {
  std::map<std::string, long> processes;                 // "raylet" / "gcs_server" / "dashboard" → pid
  std::map<std::string, std::vector<std::string>> logs;  // process → "raylet.out: <line>" (only if not running)
  // The head only: the nodes its GCS lists (through the dashboard, or gcs_nodes_command's line).
  std::optional<std::vector<LiveNode>> gcs_nodes;
  std::vector<std::string> errors;  // stderr lines (why the GCS query failed)
  bool timed_out = false;

  bool running(const std::string& process) const { return processes.count(process) > 0; }
  // Feeds one output line of node_probe_command (stream 1 stdout, 2 stderr).
  void add_line(int stream, const std::string& line);
};

// Shell text for a node: lists its processes and tails the logs (under `ray_temp_dir`/
// session_latest/logs) of each of `components` that is not running.
std::string node_probe_command(const std::string& ray_temp_dir, const std::vector<RayComponent>& components,
                               int log_lines = 8);

// Shell text for the head when its dashboard does not answer: the dashboard's processes and the
// last lines of dashboard.log; every output line is evidence as it stands.
std::string dashboard_evidence_command(const std::string& ray_temp_dir, int log_lines = 10);

// The checks read from a node's connection and probe (pure; the walk is ssh_layers.cpp):
// DR101 unreachable / DR102 host key / DR103 key refused, from how connecting ended.
DoctorFinding ssh_finding(const std::string& node, const std::string& address, bool connected,
                          const NodeOutcome& outcome);
// DR201 raylet on every node, DR202 gcs_server on the head; `probe_error` is why the probe itself
// failed after connecting ("" when it ran).
std::vector<DoctorFinding> process_findings(const LauncherNode& node, const NodeProbe& probe,
                                            const std::string& probe_error);
// DR203: each configured node ALIVE in the head's GCS (nothing when the GCS is not running:
// DR202 has said so).
std::vector<DoctorFinding> gcs_findings(const ClusterTarget& target, const NodeProbe& head);

}  // namespace rayctl
