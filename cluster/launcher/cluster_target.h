// ClusterTarget: a launcher-file cluster as the SSH verbs need it, resolved from a launcher
// YAML file (FILE) or the name of a cluster rayctl recorded (NAME) — with the nodes, SSH
// settings and last record that up/down/exec/attach/logs/status need. Also how a node is
// reached: its SshTarget, and the runner (SSH or local) for it. (KubeRay objects are
// cluster/kube/kuberay_cluster.h; open_cluster() in cluster/cluster.h picks between them.)
#pragma once

#include "cluster/cluster_state.h"
#include "cluster/nodes/remote_runner.h"
#include "cluster/spec/launcher_config.h"
#include "cluster/ssh/openssh_config.h"
#include "cluster/ssh/ssh_session.h"
#include "cluster/ssh/ssh_session_pool.h"
#include "core/output.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rayctl {

struct ClusterTarget {
  std::string name;
  std::string provider = "ssh";          // "ssh" | "local" | "kubernetes"
  std::optional<LauncherConfig> config;  // when given a FILE, or the recorded file still exists
  std::optional<ClusterRecord> record;   // last state, if any
  std::vector<LauncherNode> nodes;       // head first
  SshSettings ssh;

  const LauncherNode& head() const;
  // The node called `name`; throws Error(NotFound) listing the cluster's nodes.
  const LauncherNode& node(const std::string& name) const;
};

// Options for reaching nodes, shared by every command.
struct ConnectOptions {
  bool accept_new_host_keys = false;
  int connect_attempts = 3;
};

// FILE (an existing path) or NAME (a recorded cluster); throws Error(NotFound) with the known names.
ClusterTarget resolve_cluster_target(const std::string& file_or_name, IOStreams& io,
                                     const ClusterStateStore& store = ClusterStateStore());

// The SSH target for a node: the cluster's settings, then ~/.ssh/config ($RAYCTL_SSH_CONFIG)
// for what the cluster file leaves unset (apply_openssh_config).
SshTarget ssh_target_for(const SshSettings& ssh, const LauncherNode& node, const ConnectOptions& opt);
// Applies what ssh_config(5) says for the node's host (as written: a Host alias works) where the
// cluster file is silent: HostName, User, Port, IdentityFile, UserKnownHostsFile, timeouts and
// keepalives, ProxyCommand / ProxyJump (unless the file has a bastion or proxy command), and
// StrictHostKeyChecking accept-new (no/off are taken as accept-new: checking stays on).
void apply_openssh_config(SshTarget& t, const SshSettings& ssh, const OpenSshConfig& cfg);
// "ssh" unless every node is this machine.
std::string provider_kind(const std::vector<LauncherNode>& nodes);

// Makes runners for nodes: LocalRunner for this machine, SshRunner over one pooled
// connection per node otherwise.
class NodeRunnerFactory {
 public:
  NodeRunnerFactory(SshSettings ssh, ConnectOptions opt) : ssh_(std::move(ssh)), opt_(opt) {}
  std::unique_ptr<RemoteRunner> make(const LauncherNode& node);
  RunnerFactory as_function() {
    return [this](const LauncherNode& n) { return make(n); };
  }
  SshSessionPool& pool() { return pool_; }
  const SshSettings& ssh() const { return ssh_; }
  const ConnectOptions& options() const { return opt_; }

 private:
  SshSettings ssh_;
  ConnectOptions opt_;
  SshSessionPool pool_;
};

}  // namespace rayctl
