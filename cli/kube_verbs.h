// The Kubernetes side of the shared verbs (up, down, status, logs, serve deploy, serve
// status) for KubeRay objects: the flags they share (KubeFlags) and one run_* function per
// verb that the verb's command file calls when the target is a Kubernetes cluster. Each
// parses nothing itself beyond KubeFlags, calls cluster/kube/kube_ray_ops.h and prints.
#pragma once

#include "cli/command.h"

#include <string>

namespace rayctl::cli {

struct KubeFlags {
  std::string kubeconfig;  // --kubeconfig
  std::string context;     // --context
  std::string namespace_;  // -n/--namespace
  std::string timeout = "10m";
  bool no_wait = false;
  bool dry_run = false;          // set by callers that do not use add_kube_apply_flags
  std::string dry_run_mode = "none";  // --dry-run[=server]
  bool force_conflicts = false;  // --force-conflicts
  // logs
  bool follow = false;
  int tail = -1;
  std::string container, group, pod;
  bool timestamps = false;
  // serve status
  bool live = false;
};

// Connection flags every Kubernetes verb has: --kubeconfig, --context, -n.
void add_kube_connection_flags(CLI::App* cmd, KubeFlags& f);
// --timeout and --no-wait (up, down, serve deploy).
void add_kube_wait_flags(CLI::App* cmd, KubeFlags& f);
// --dry-run=server and --force-conflicts (up).
void add_kube_apply_flags(CLI::App* cmd, KubeFlags& f);
// -f, --tail, --container, --group, --pod, --timestamps (logs).
void add_kube_log_flags(CLI::App* cmd, KubeFlags& f);

// "90s", "10m", "1h30m", "45" (seconds) → milliseconds; throws Error(Usage).
long long parse_kube_duration_ms(const std::string& s);

int run_kube_up(const std::string& file, const KubeFlags& f, CliContext& ctx);
// `target` is NAME, KIND/NAME (raycluster/x, rayservice/y) or a manifest file.
int run_kube_down(const std::string& target, const KubeFlags& f, CliContext& ctx);
int run_kube_status(const std::string& target, const KubeFlags& f, CliContext& ctx);
int run_kube_logs(const std::string& target, const KubeFlags& f, CliContext& ctx);
// The RayService a serve verb acts on: rayservice/NAME, NAME, or a RayService manifest file.
// Throws Error(Usage) for a RayCluster (Serve on Kubernetes goes through a RayService).
std::string kube_rayservice_name(const std::string& target, CliContext& ctx);
// `config_file`: a Serve config, or a RayService manifest whose serveConfigV2 is used.
int run_kube_serve_deploy(const std::string& rayservice, const std::string& config_file, const KubeFlags& f, CliContext& ctx);
int run_kube_serve_status(const std::string& rayservice, const KubeFlags& f, CliContext& ctx);

}  // namespace rayctl::cli
