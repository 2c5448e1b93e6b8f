// The launcher-file cluster behind the Cluster interface (see ssh_cluster.h).
#include "cluster/launcher/ssh_cluster.h"

#include "cluster/plan/node_plan.h"
#include "core/error.h"

namespace rayctl {

namespace {

bool is_loopback_host(const std::string& h) { return h == "127.0.0.1" || h == "localhost" || h == "::1"; }

// True when something answers GET /api/ray/version at `url` (a short probe before a tunnel).
bool dashboard_answers(DashboardTransport& t) {
  HttpRequest req;
  req.url = "/api/ray/version";
  req.connect_timeout = std::chrono::milliseconds(1500);
  req.timeout = std::chrono::milliseconds(3000);
  try {
    return t.send(req).status > 0;
  } catch (const Error&) {
    return false;
  }
}

}  // namespace

UpReport SshCluster::up(const UpOptions& opt, IOStreams& io, CancelFlag& cancel) {
  if (!t_.config)
    throw Error(ErrorKind::Usage, "cluster " + t_.name + " has no launcher file to bring up",
                "run `rayctl up FILE` with the cluster's launcher YAML");
  return cluster_up(*t_.config, opt, io, cancel, store_);
}

DownReport SshCluster::down(const DownOptions& opt, IOStreams& io, CancelFlag& cancel) {
  return cluster_down(t_, opt, io, cancel, store_);
}

StatusReport SshCluster::status(const ConnectOptions& opt, IOStreams& io, CancelFlag& cancel) {
  return cluster_status(t_, opt, io, cancel);
}

std::vector<std::string> SshCluster::logs(const LogsOptions& opt, IOStreams& io, CancelFlag& cancel) {
  if (!opt.group.empty() || !opt.pod.empty() || !opt.container.empty())
    throw Error(ErrorKind::Usage,
                "--group, --pod and --container select Kubernetes pods; cluster " + t_.name + " runs over SSH",
                "use --node NODE and --component COMPONENT");
  return cluster_logs(t_, opt, io, cancel);
}

std::vector<ExecNodeResult> SshCluster::exec(const ExecOptions& opt, IOStreams& io, CancelFlag& cancel) {
  return cluster_exec(t_, opt, io, cancel);
}

int SshCluster::attach(const std::string& node, const ConnectOptions& opt,
                       const std::vector<PortForward>& port_forwards) {
  return cluster_attach(t_, node, opt, port_forwards);
}

std::unique_ptr<DashboardTransport> SshCluster::dashboard(IOStreams& io, const CancelFlag* cancel) {
  ClusterDashboardRoute route = cluster_dashboard_route(t_);
  if (!route.direct_url.empty()) {
    auto direct = direct_dashboard(route.direct_url, "direct, cluster " + route.cluster);
    if (!route.ssh_fallback || dashboard_answers(*direct)) {
      say_debug(io, "dashboard of cluster " + route.cluster + ": " + route.direct_url + " (direct)");
      return direct;
    }
  }
  auto tunnel = tunnelled_dashboard(ssh_target_for(t_.ssh, t_.head(), ConnectOptions{}), route.dashboard_port, cancel);
  say_debug(io, "dashboard of cluster " + route.cluster + ": " + tunnel->route() + " at " + tunnel->url());
  return tunnel;
}

ClusterDashboardRoute cluster_dashboard_route(const ClusterTarget& t) {
  ClusterDashboardRoute r;
  r.cluster = t.name;
  const LauncherNode& head = t.head();
  r.head = head.name;
  // The record says how `up` started the head; without one, read the head's start commands.
  std::string bind_host;
  if (t.record) {
    r.dashboard_port = t.record->dashboard_port;
    bind_host = t.record->dashboard_local_only ? "127.0.0.1" : "0.0.0.0";
  } else {
    HeadEndpoints e = head_endpoints(head);
    r.dashboard_port = e.dashboard_port;
    bind_host = e.dashboard_host;
  }
  const std::string port = std::to_string(r.dashboard_port);
  if (head.is_local) {
    r.direct_url = "http://127.0.0.1:" + port;
  } else if (!is_loopback_host(bind_host)) {
    std::string host = head.host.find(':') != std::string::npos ? "[" + head.host + "]" : head.host;
    r.direct_url = "http://" + host + ":" + port;
    r.ssh_fallback = true;
  } else {
    r.ssh_fallback = true;  // bound to the head's loopback: only SSH gets there
  }
  return r;
}

}  // namespace rayctl
