// exec, logs, status and attach on cluster nodes (see node_command.h).
#include "cluster/launcher/node_command.h"

#include "cluster/launcher/cluster_probe.h"
#include "cluster/plan/node_plan.h"
#include "cluster/ssh/ssh_auth.h"
#include "cluster/ssh/ssh_tunnel.h"
#include "core/process.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>

namespace rayctl {

std::vector<const LauncherNode*> pick_nodes(const ClusterTarget& t, const std::vector<std::string>& names, bool all) {
  std::vector<const LauncherNode*> out;
  if (all) {
    for (const auto& n : t.nodes) out.push_back(&n);
  } else if (names.empty()) {
    out.push_back(&t.head());
  } else {
    // Each node once: two threads on one node would share (and free) one SSH session.
    for (const auto& n : names) {
      const LauncherNode* node = &t.node(n);
      if (std::find(out.begin(), out.end(), node) == out.end()) out.push_back(node);
    }
  }
  return out;
}

namespace {

// Asks for an encrypted key's passphrase before progress output starts (see ssh_auth.h).
void unlock_key_for(const ClusterTarget& t, const std::vector<const LauncherNode*>& nodes) {
  for (auto* n : nodes)
    if (!n->is_local) return unlock_private_key(t.ssh.private_key);
}

std::string ray_temp_dir(const ClusterTarget& t) {
  if (t.record && !t.record->ray_temp_dir.empty()) return t.record->ray_temp_dir;
  return "/tmp/ray";
}

}  // namespace

std::vector<ExecNodeResult> cluster_exec(const ClusterTarget& t, const ExecOptions& opt, IOStreams& io,
                                         CancelFlag& cancel) {
  auto nodes = pick_nodes(t, opt.nodes, opt.all);
  unlock_key_for(t, nodes);
  NodeRunnerFactory factory(t.ssh, opt.connect);
  std::vector<ExecNodeResult> res(nodes.size());
  std::mutex out_mu;
  bool prefix = opt.prefix_lines || nodes.size() > 1;
  std::vector<std::string> names;
  for (auto* n : nodes) names.push_back(n->name);
  // Streamed output is the command's own: printed here, not by the progress board.
  FanoutExecutor fanout(io, {opt.concurrency, false, 50});
  auto outcomes = fanout.run(
      names,
      [&](size_t i, NodeReporter& rep) {
        res[i].node = nodes[i]->name;
        res[i].host = nodes[i]->host;
        auto runner = factory.make(*nodes[i]);
        runner->connect(cancel);
        rep.status("running");
        res[i].exit_code = runner->run(
            {opt.command, {{"RAY_HEAD_IP", t.head().host}}},
            [&](int stream, const std::string& line) {
              rep.line(stream, line);
              std::lock_guard<std::mutex> g(out_mu);
              std::ostream& os = stream == 2 ? *io.err : *io.out;
              os << (prefix ? "[" + nodes[i]->name + "] " : "") << line << "\n";
              os.flush();
            },
            cancel);
        rep.outcome().detail = "exit " + std::to_string(res[i].exit_code);
      },
      cancel);
  for (size_t i = 0; i < res.size(); ++i) {
    res[i].node = nodes[i]->name;
    res[i].host = nodes[i]->host;
    res[i].ok = outcomes[i].ok;
    res[i].seconds = outcomes[i].seconds;
    res[i].error = outcomes[i].error;
    res[i].output = outcomes[i].tail;
    if (!outcomes[i].ok && outcomes[i].error_kind == ErrorKind::Cancelled) res[i].exit_code = kCancelledExit;
  }
  if (nodes.size() == 1 && !outcomes[0].ok) throw_first_failure(outcomes, "exec");
  return res;
}

nlohmann::json to_json(const std::vector<ExecNodeResult>& r) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& n : r)
    a.push_back({{"node", n.node},
                 {"host", n.host},
                 {"ok", n.ok},
                 {"exit_code", n.exit_code},
                 {"seconds", n.seconds},
                 {"error", n.error},
                 {"output", n.output}});
  return {{"nodes", a}};
}

std::vector<std::string> log_globs(const std::string& c) {
  if (c.empty()) return {"raylet.out", "raylet.err", "gcs_server.out", "gcs_server.err", "dashboard.log"};
  if (c == "raylet") return {"raylet.out", "raylet.err"};
  if (c == "gcs") return {"gcs_server.out", "gcs_server.err"};
  if (c == "dashboard") return {"dashboard.log", "dashboard_agent.log"};
  if (c == "serve") return {"serve/*.log"};
  if (c == "worker") return {"worker-*.out", "worker-*.err", "python-core-worker-*.log"};
  if (c == "monitor") return {"monitor.log", "monitor.out", "monitor.err"};
  throw Error(ErrorKind::Usage, "unknown log component '" + c + "'",
              "use one of: raylet, gcs, dashboard, serve, worker, monitor");
}

std::string logs_command(const std::string& temp_dir, const std::string& component, int tail_lines, bool follow) {
  std::string globs;
  for (const auto& g : log_globs(component)) globs += " " + g;  // globs expand on the node
  std::string dir = shell_quote(temp_dir + "/session_latest/logs");
  // The message is single-quoted too: a temp dir is data, never shell syntax to expand.
  std::string missing = shell_quote("no Ray logs under " + temp_dir + "/session_latest (Ray never started here?)");
  return "cd " + dir + " 2>/dev/null || { echo " + missing + " >&2; exit 3; }; files=$(ls -1d" + globs +
         " 2>/dev/null); [ -n \"$files\" ] || { echo 'no " + (component.empty() ? std::string("Ray") : component) +
         " log files yet' >&2; exit 3; }; exec tail -n " + std::to_string(tail_lines) + (follow ? " -F" : "") +
         " $files";
}

std::vector<std::string> cluster_logs(const ClusterTarget& t, const LogsOptions& opt, IOStreams& io,
                                      CancelFlag& cancel) {
  auto nodes = pick_nodes(t, opt.nodes, opt.nodes.empty());
  std::string cmd = logs_command(ray_temp_dir(t), opt.component, opt.tail, opt.follow);
  unlock_key_for(t, nodes);
  NodeRunnerFactory factory(t.ssh, opt.connect);
  std::mutex out_mu;
  std::vector<std::string> names;
  for (auto* n : nodes) names.push_back(n->name);
  FanoutExecutor fanout(io, {32, false, 5, false});  // stderr carries only the nodes' own lines and errors
  auto outcomes = fanout.run(
      names,
      [&](size_t i, NodeReporter& rep) {
        auto runner = factory.make(*nodes[i]);
        runner->connect(cancel);
        int rc = runner->run(
            {cmd, {}},
            [&](int stream, const std::string& line) {
              std::lock_guard<std::mutex> g(out_mu);
              (stream == 2 ? *io.err : *io.out) << "[" << nodes[i]->name << "] " << line << "\n";
              (stream == 2 ? *io.err : *io.out).flush();
            },
            cancel);
        if (rc != 0 && !cancel.cancelled())
          throw Error(ErrorKind::Remote,
                      "node " + nodes[i]->name + ": reading logs failed (exit " + std::to_string(rc) + ")");
        rep.outcome().detail = "";
      },
      cancel);
  std::vector<std::string> failed;
  for (const auto& o : outcomes)
    if (!o.ok && !o.cancelled) {
      failed.push_back(o.node);
      *io.err << o.error << (o.hint.empty() ? "" : " (" + o.hint + ")") << "\n";
    }
  return failed;
}

ClusterStatus cluster_status(const ClusterTarget& t, const ConnectOptions& opt, IOStreams& io, CancelFlag& cancel) {
  ClusterStatus s;
  s.cluster = t.name;
  s.provider = t.provider;
  int dport = t.record ? t.record->dashboard_port : 8265;
  if (t.record) {
    s.head_address = t.record->head_address;
    s.dashboard_url = t.record->dashboard_url;
  }
  std::vector<const LauncherNode*> all;
  for (const auto& n : t.nodes) all.push_back(&n);
  unlock_key_for(t, all);
  std::vector<LiveNode> live;
  try {
    DashboardAccess access(t.head(), t.ssh, opt, dport, &cancel);
    live = access.nodes(5000);
    s.dashboard_reachable = true;
  } catch (const Error& e) {
    say_debug(io, "dashboard: " + e.message());
  }
  NodeRunnerFactory factory(t.ssh, opt);
  if (!s.dashboard_reachable && t.record && !t.record->head_address.empty()) {
    // The dashboard may still be starting (right after `up`): ask Ray's GCS on the head.
    auto head = factory.make(t.head());
    try {
      head->run(
          {gcs_nodes_command(head_endpoints(t.head()).ray_program, t.record->head_address), {}},
          [&](int stream, const std::string& line) {
            if (stream != 1) return;
            try {
              if (auto got = parse_gcs_nodes_line(line)) live = *got;
            } catch (const Error&) {
            }
          },
          cancel);
    } catch (const Error& e) {
      say_debug(io, "GCS query on the head: " + e.message());
    }
  }
  std::vector<std::string> names;
  for (const auto& n : t.nodes) names.push_back(n.name);
  s.nodes.resize(t.nodes.size());
  FanoutExecutor fanout(io, {32, false, 5});
  auto outcomes = fanout.run(
      names,
      [&](size_t i, NodeReporter& rep) {
        rep.status("connecting");
        factory.make(t.nodes[i])->connect(cancel);
      },
      cancel);
  for (size_t i = 0; i < t.nodes.size(); ++i) {
    const auto& n = t.nodes[i];
    NodeStatus& ns = s.nodes[i];
    ns.node = n.name;
    ns.host = n.host;
    ns.role = n.is_head ? "head" : "worker";
    ns.reachable = outcomes[i].ok;
    ns.error = outcomes[i].error;
    const NodeRecord* r = t.record ? t.record->find(n.name) : nullptr;
    auto addresses = node_addresses(n.host, r && r->host == n.host ? r->addresses : std::vector<std::string>{});
    if (const LiveNode* ln = match_live_node(live, n, addresses)) {
      ns.ray_alive = true;
      ns.cpus = ln->cpus;
      ns.gpus = ln->gpus;
    }
    if (r) ns.recorded = r->status;
  }
  factory.pool().close_all();
  return s;
}

nlohmann::json to_json(const ClusterStatus& s) {
  nlohmann::json nodes = nlohmann::json::array();
  for (const auto& n : s.nodes)
    nodes.push_back({{"node", n.node},
                     {"host", n.host},
                     {"role", n.role},
                     {"reachable", n.reachable},
                     {"ray_alive", n.ray_alive},
                     {"cpus", n.cpus},
                     {"gpus", n.gpus},
                     {"recorded_status", n.recorded},
                     {"error", n.error}});
  return {{"cluster", s.cluster},
          {"provider", s.provider},
          {"head_address", s.head_address},
          {"dashboard_url", s.dashboard_url},
          {"dashboard_reachable", s.dashboard_reachable},
          {"nodes", nodes}};
}

PortForward parse_port_forward(const std::string& text) {
  auto port = [&](const std::string& s) {
    int v = 0;
    bool ok = !s.empty() && s.size() <= 5;
    for (char c : s) ok = ok && c >= '0' && c <= '9';
    if (ok) v = std::stoi(s);
    if (!ok || v < 1 || v > 65535)
      throw Error(ErrorKind::Usage, "--port-forward " + text + ": not a port (1-65535) or LOCAL:REMOTE",
                  "e.g. -p 8265, or -p 18265:8265 to use another local port");
    return v;
  };
  const size_t colon = text.find(':');
  if (colon == std::string::npos) return {port(text), port(text)};
  return {port(text.substr(0, colon)), port(text.substr(colon + 1))};
}

int cluster_attach(const ClusterTarget& t, const std::string& node, const ConnectOptions& opt,
                   const std::vector<PortForward>& port_forwards) {
  const LauncherNode& n = node.empty() ? t.head() : t.node(node);
  if (n.is_local && !port_forwards.empty())
    throw Error(ErrorKind::Usage, "node " + n.name + " is this machine: its ports are already here",
                "drop --port-forward");
  if (n.is_local) {
    const char* shell = std::getenv("SHELL");
    ProcessSpec spec;
    spec.argv = {shell && *shell ? shell : "/bin/bash", "-l"};
    // A local node: the shell simply inherits this terminal.
    std::string sh = spec.argv[0];
    execlp(sh.c_str(), sh.c_str(), "-l", nullptr);
    throw Error(ErrorKind::Io, "cannot start " + sh);
  }
  const SshTarget target = ssh_target_for(t.ssh, n, opt);
  // Each forward listens before the shell opens (a taken port fails here, not mid-session) and
  // rides its own SSH connection; all of them close with the shell.
  std::vector<std::unique_ptr<SshTunnel>> forwards;
  for (const PortForward& f : port_forwards)
    forwards.push_back(std::make_unique<SshTunnel>(target, "127.0.0.1", f.remote, nullptr, f.local));
  auto s = SshSession::open(target);
  return s->interactive("");
}

}  // namespace rayctl
