// The ssh and ray layers of a launcher cluster for `rayctl doctor`, and how the walk reaches its
// head's dashboard and Serve proxy (see ssh_layers.h). Every node is visited once, in parallel:
// connect, then one probe command (node_probe.h) whose output both layers read, so a healthy
// cluster costs one SSH round trip per node. What the output means is decided in node_probe.cpp.
#include "inspect/doctor/ssh_layers.h"

#include "cluster/launcher/cluster_probe.h"
#include "cluster/plan/node_plan.h"
#include "cluster/ssh/ssh_auth.h"
#include "inspect/doctor/node_probe.h"

#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

namespace rayctl {

namespace {

using std::chrono::milliseconds;

// Sets `flag` once `after` has passed unless it is destroyed first: the bound on one remote
// command (a runner stops a command whose cancel flag is set).
class Watchdog {
 public:
  Watchdog(CancelFlag& flag, milliseconds after)
      : thread_([this, &flag, after] {
          std::unique_lock<std::mutex> lock(mu_);
          if (!done_cv_.wait_for(lock, after, [this] { return done_; })) flag.cancel();
        }) {}
  ~Watchdog() {
    {
      std::lock_guard<std::mutex> g(mu_);
      done_ = true;
    }
    done_cv_.notify_all();
    thread_.join();
  }

 private:
  std::mutex mu_;
  std::condition_variable done_cv_;
  bool done_ = false;
  std::thread thread_;  // last: starts once the members it uses exist
};

// The cluster's SSH settings with connecting bounded by the check timeout; one attempt, since a
// refused or silent port is exactly what the ssh layer reports.
SshSettings doctor_ssh(SshSettings s, milliseconds bound) {
  const int secs = static_cast<int>(std::max<long long>(1, (bound.count() + 999) / 1000));
  s.connect_timeout_s = std::min(s.connect_timeout_s, secs);
  s.timeouts_given = true;  // ~/.ssh/config must not stretch the bound again
  return s;
}

ConnectOptions doctor_connect(ConnectOptions o) {
  o.connect_attempts = 1;
  return o;
}

std::string temp_dir_of(const ClusterTarget& t) {
  if (t.record && !t.record->ray_temp_dir.empty()) return t.record->ray_temp_dir;
  std::string dir = head_endpoints(t.head()).temp_dir;
  return dir.empty() ? "/tmp/ray" : dir;
}

std::string gcs_address_of(const ClusterTarget& t) {
  if (t.record && !t.record->head_address.empty()) return t.record->head_address;
  return t.head().host + ":" + std::to_string(head_endpoints(t.head()).gcs_port);
}

void unlock_key(const ClusterTarget& t) {
  for (const auto& n : t.nodes)
    if (!n.is_local) return unlock_private_key(t.ssh.private_key);
}

struct NodeVisit {
  std::string address;  // "root@10.0.0.5:22"
  bool connected = false;
  NodeProbe probe;
};

// The nodes as the head's dashboard lists them (the GCS's view, in one short request through
// the route `up` and `status` use), or nullopt when it does not answer. Asked alongside the
// node probes: a Python GCS query on the head costs about a second, the dashboard ~0.1 s.
std::optional<std::vector<LiveNode>> dashboard_nodes(const ClusterTarget& t, const DoctorOptions& opt,
                                                     const CancelFlag& cancel) {
  try {
    DashboardAccess access(t.head(), doctor_ssh(t.ssh, opt.check_timeout), doctor_connect(opt.connect),
                           cluster_dashboard_route(t).dashboard_port, &cancel);
    return access.nodes(static_cast<int>(opt.check_timeout.count()));
  } catch (const Error&) {
    return std::nullopt;
  }
}

// Connects to every node at once and runs its probe; on the head also gets the GCS's node list
// (from the dashboard, else from the GCS itself). The outcomes say how connecting or probing ended.
std::vector<NodeOutcome> visit_nodes(const ClusterTarget& t, DoctorContext& ctx, std::vector<NodeVisit>& visits) {
  NodeRunnerFactory factory(doctor_ssh(t.ssh, ctx.opt.check_timeout), doctor_connect(ctx.opt.connect));
  const std::string temp_dir = temp_dir_of(t);
  const std::string gcs_query = gcs_nodes_command(head_endpoints(t.head()).ray_program, gcs_address_of(t));
  auto listed = std::async(std::launch::async, [&] { return dashboard_nodes(t, ctx.opt, ctx.cancel); });
  std::vector<std::string> names;
  for (const auto& n : t.nodes) names.push_back(n.name);
  visits.assign(t.nodes.size(), {});
  FanoutExecutor fanout(ctx.io, {32, false, 5, false});  // the doctor's own progress line is enough
  auto outcomes = fanout.run(
      names,
      [&](size_t i, NodeReporter&) {
        const LauncherNode& n = t.nodes[i];
        NodeProbe& probe = visits[i].probe;
        auto runner = factory.make(n);
        visits[i].address = runner->address();
        runner->connect(ctx.cancel);
        visits[i].connected = true;
        CancelFlag bound(&ctx.cancel);
        Watchdog watchdog(bound, ctx.opt.check_timeout);
        auto sink = [&](int stream, const std::string& line) { probe.add_line(stream, line); };
        const auto components = n.is_head ? std::vector<RayComponent>{raylet_component(), gcs_component()}
                                          : std::vector<RayComponent>{raylet_component()};
        runner->run({node_probe_command(temp_dir, components), {}}, sink, bound);
        if (n.is_head) {
          probe.gcs_nodes = listed.get();
          if (!probe.gcs_nodes && probe.running("gcs_server")) runner->run({gcs_query, {}}, sink, bound);
        }
        probe.timed_out = bound.cancelled() && !ctx.cancel.cancelled();
      },
      ctx.cancel);
  factory.pool().close_all();
  return outcomes;
}

}  // namespace

void walk_ssh_layers(const SshCluster& cluster, DoctorContext& ctx) {
  const ClusterTarget& t = cluster.target();
  unlock_key(t);
  ctx.begin_layer(DoctorLayer::Ssh);
  std::vector<NodeVisit> visits;
  std::vector<NodeOutcome> outcomes = visit_nodes(t, ctx, visits);
  for (size_t i = 0; i < t.nodes.size(); ++i) {
    std::string address = visits[i].address.empty() ? t.nodes[i].host : visits[i].address;
    record_finding(ctx, ssh_finding(t.nodes[i].name, address, visits[i].connected, outcomes[i]));
  }
  if (ctx.broken()) return;

  ctx.begin_layer(DoctorLayer::Ray);
  for (size_t i = 0; i < t.nodes.size(); ++i)
    for (const auto& f : process_findings(t.nodes[i], visits[i].probe, outcomes[i].ok ? "" : outcomes[i].error))
      record_finding(ctx, f);
  for (const auto& f : gcs_findings(t, visits[0].probe)) record_finding(ctx, f);  // nodes[0] is the head
}

namespace {

// True when something answers GET /api/ray/version within `bound` (before falling back to SSH).
bool answers(DashboardTransport& d, milliseconds bound) {
  HttpRequest req;
  req.url = "/api/ray/version";
  req.connect_timeout = std::min(bound, milliseconds(1500));
  req.timeout = bound;
  try {
    return d.send(req).status > 0;
  } catch (const Error&) {
    return false;
  }
}

// Runs the dashboard evidence command on the head; its lines (or why it could not run).
std::vector<std::string> head_dashboard_evidence(const ClusterTarget& t, const DoctorOptions& opt,
                                                 const CancelFlag& cancel) {
  std::vector<std::string> lines;
  try {
    NodeRunnerFactory factory(doctor_ssh(t.ssh, opt.check_timeout), doctor_connect(opt.connect));
    auto runner = factory.make(t.head());
    runner->connect(cancel);
    CancelFlag bound(&cancel);
    Watchdog watchdog(bound, opt.check_timeout);
    runner->run(
        {dashboard_evidence_command(temp_dir_of(t)), {}},
        [&](int, const std::string& line) { lines.push_back("head: " + line); }, bound);
    runner->close();
  } catch (const Error& e) {
    lines.push_back("could not read the head's dashboard process and log: " + e.message());
  }
  return lines;
}

}  // namespace

RayAccess ssh_ray_access(const SshCluster& cluster, DoctorContext& ctx) {
  const ClusterTarget& t = cluster.target();
  const ClusterDashboardRoute route = cluster_dashboard_route(t);
  const LauncherNode head = t.head();
  const SshTarget head_ssh =
      ssh_target_for(doctor_ssh(t.ssh, ctx.opt.check_timeout), head, doctor_connect(ctx.opt.connect));
  const milliseconds bound = ctx.opt.check_timeout;
  const CancelFlag* cancel = &ctx.cancel;
  RayAccess a;
  a.endpoint.timeout = bound;
  a.endpoint.source = "cluster " + t.name;
  a.endpoint.url = route.direct_url;  // a tunnel's local address is known once it is open
  a.route = route.direct_url.empty() ? "SSH tunnel to " + head_ssh.host + ":" + std::to_string(route.dashboard_port)
                                     : "direct, SSH tunnel if it does not answer";
  a.open_dashboard = [route, head_ssh, bound, cancel]() -> std::unique_ptr<DashboardTransport> {
    if (!route.direct_url.empty()) {
      auto direct = direct_dashboard(route.direct_url, "direct, cluster " + route.cluster);
      if (!route.ssh_fallback || answers(*direct, bound)) return direct;
    }
    return tunnelled_dashboard(head_ssh, route.dashboard_port, cancel);
  };
  // Serve's proxy binds 0.0.0.0 by default: through the head's loopback it is reached whatever
  // this machine may route to, and the same way the dashboard is.
  a.open_serve_proxy = [head, head_ssh, cancel](int port) -> std::unique_ptr<DashboardTransport> {
    if (head.is_local) return direct_dashboard("http://127.0.0.1:" + std::to_string(port));
    return tunnelled_dashboard(head_ssh, port, cancel);
  };
  a.dashboard_evidence = [target = t, opt = ctx.opt, cancel] { return head_dashboard_evidence(target, opt, *cancel); };
  return a;
}

}  // namespace rayctl
