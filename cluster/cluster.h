// Cluster: one Ray cluster that rayctl manages, whatever runs it — nodes reached over SSH (or
// this machine) from a Ray launcher file (cluster/launcher/), or KubeRay objects through the
// Kubernetes API (cluster/kube/). Every cluster verb (up, down, status, logs, exec, attach, the
// serve verbs, and the ones to come: doctor, diff, dashboard, inference deploy) resolves what the
// user typed with open_cluster() and calls this interface; none of them asks which provider it
// is. Each verb returns its provider's result (a variant) for cli/ to print; a provider that
// cannot do something throws Error(Usage) with the command that does it instead.
#pragma once

#include "cluster/cluster_state.h"
#include "cluster/dashboard/dashboard_transport.h"
#include "cluster/kube/kube_ray_ops.h"
#include "cluster/launcher/cluster_down.h"
#include "cluster/launcher/cluster_up.h"
#include "cluster/launcher/node_command.h"
#include "cluster/launcher/node_files.h"

#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace rayctl {

// What `up` reports: the node table of an SSH cluster, or the KubeRay object's health.
using UpReport = std::variant<UpResult, KubeUpResult>;
using DownReport = std::variant<DownResult, KubeDownResult>;
using StatusReport = std::variant<ClusterStatus, RayObjectHealth>;

// A Serve config kept in the cluster's own manifest (a RayService's spec.serveConfigV2): the
// operator deploys from it and would undo a config PUT straight to the dashboard.
class ServeConfigOwner {
 public:
  virtual ~ServeConfigOwner() = default;
  // Replaces the Serve config (YAML text) and, with `wait`, waits until every application runs.
  virtual KubeUpResult deploy(const std::string& serve_config_yaml, bool wait, std::chrono::milliseconds timeout,
                              IOStreams& io) = 0;
  // The object's health, Serve applications included, as its status reports them.
  virtual RayObjectHealth status() = 0;
  virtual std::string describe() const = 0;  // "RayService ray-serving/rag"
};

class Cluster {
 public:
  virtual ~Cluster() = default;

  virtual const std::string& name() const = 0;
  virtual std::string provider() const = 0;  // "ssh" | "local" | "kubernetes"

  // Brings the cluster to what its file describes (only a cluster opened from a FILE can).
  virtual UpReport up(const UpOptions& opt, IOStreams& io, CancelFlag& cancel) = 0;
  virtual DownReport down(const DownOptions& opt, IOStreams& io, CancelFlag& cancel) = 0;
  virtual StatusReport status(const ConnectOptions& opt, IOStreams& io, CancelFlag& cancel) = 0;
  // Prints log lines to io.out ("[node] line", or JSON lines); returns the sources that failed.
  virtual std::vector<std::string> logs(const LogsOptions& opt, IOStreams& io, CancelFlag& cancel) = 0;
  virtual std::vector<ExecNodeResult> exec(const ExecOptions& opt, IOStreams& io, CancelFlag& cancel) = 0;
  // An interactive shell on a node; returns its exit status. Each of `port_forwards` is
  // forwarded from 127.0.0.1:local here to the node's localhost:remote while the shell runs
  // (`ray attach --port-forward`).
  virtual int attach(const std::string& node, const ConnectOptions& opt,
                     const std::vector<PortForward>& port_forwards) = 0;

  // The head's dashboard, reachable from here (SSH tunnel, direct, or the service proxy).
  virtual std::unique_ptr<DashboardTransport> dashboard(IOStreams& io, const CancelFlag* cancel) = 0;
  // Who owns the Serve config: nullptr when it is the dashboard's (PUT it there); throws
  // Error(Usage) when Serve is not deployed on this cluster by rayctl at all.
  virtual ServeConfigOwner* serve_config_owner() = 0;
  // Puts local files on nodes (names; empty = all) unless they are there already (`inference
  // deploy`: the binary and the model). Providers whose nodes rayctl does not reach itself
  // throw Error(Usage) naming what to do instead.
  virtual std::vector<NodeFilesResult> put_files(const std::vector<NodeFile>& files,
                                                 const std::vector<std::string>& nodes, const ConnectOptions& opt,
                                                 IOStreams& io, CancelFlag& cancel);
};

// What the user typed to name a cluster: FILE (launcher file or KubeRay manifest), NAME (a
// cluster rayctl recorded, or with Kubernetes flags an object), KIND/NAME (raycluster/x,
// rayservice/y), plus the kubeconfig flags.
struct ClusterRef {
  std::string target;
  std::string kubeconfig;  // --kubeconfig
  std::string context;     // --context
  std::string namespace_;  // -n/--namespace

  bool has_kube_flags() const { return !kubeconfig.empty() || !context.empty() || !namespace_.empty(); }
};

// True when `ref` names a KubeRay object: Kubernetes flags, KIND/NAME, or a KubeRay manifest file.
bool names_kuberay_object(const ClusterRef& ref);

// Resolves `ref` into its cluster; a FILE is loaded and checked (diagnostics on io.err).
// Throws Error(NotFound) listing recorded clusters for an unknown NAME.
std::unique_ptr<Cluster> open_cluster(const ClusterRef& ref, IOStreams& io,
                                      const ClusterStateStore& store = ClusterStateStore());

// Exit codes of the reports, as documented in man rayctl: status 0 healthy, 3 pending, 4 not.
ExitCode exit_code_of(const StatusReport& r);
ExitCode exit_code_of(const UpReport& r);

}  // namespace rayctl
