// `rayctl up` (see cluster_up.h).
#include "cluster/launcher/cluster_up.h"

#include "cluster/launcher/cluster_probe.h"
#include "cluster/plan/head_gate.h"
#include "cluster/ssh/ssh_auth.h"
#include "core/content_digest.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <thread>

namespace rayctl {
namespace fs = std::filesystem;
namespace {

using Clock = std::chrono::steady_clock;

std::string short_command(const std::string& cmd) {
  if (cmd.find("rayctl-stop:") != std::string::npos) return "(stop this cluster's Ray processes)";
  if (cmd.rfind("rayctl_gcs=", 0) == 0) return "(wait for the head's GCS)";
  std::string s = cmd.substr(0, 100);
  if (cmd.size() > 100) s += "…";
  return s;
}

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

Error head_failed_error(const NodePlan& p, const HeadGate& gate) {
  return Error(ErrorKind::Remote, "node " + p.node + ": Ray not started here because the head failed: " + gate.failure(),
               "fix the head (its error is above), then re-run `rayctl up`", {});
}

// A worker's wait step: nothing once the head has started; while it is starting, the wait for
// its GCS runs on the worker until the GCS answers or the head settles (started or failed).
void wait_for_head(const NodePlan& p, const NodeStep& s, RemoteRunner& r, NodeReporter& rep, const CancelFlag& cancel,
                   const HeadGate& gate) {
  rep.status("waiting for the head to start Ray");
  HeadGate::State st = gate.wait_until_starting();
  if (cancel.cancelled()) throw Error(ErrorKind::Cancelled, "node " + p.node + ": cancelled while waiting for the head", {}, {});
  if (st == HeadGate::State::Starting) {
    rep.status("waiting for the head's GCS");
    r.run({s.command, p.env}, [&](int stream, const std::string& line) { rep.line(stream, line); }, gate.settled());
    if (cancel.cancelled()) throw Error(ErrorKind::Cancelled, "node " + p.node + ": cancelled while waiting for the head", {}, {});
  }
  // Any other outcome (the GCS answered, the head started, the wait gave up) goes on to `ray
  // start`, which retries the GCS itself; only a failed head stops the worker here.
  if (gate.state() == HeadGate::State::Failed) throw head_failed_error(p, gate);
}

// Runs one node's plan through its runner, noting how long each phase took. With a gate, the
// head reports its progress to it and workers wait at it (see head_gate.h).
void apply_node(const NodePlan& p, RemoteRunner& r, NodeReporter& rep, const CancelFlag& cancel, HeadGate* gate,
                std::vector<std::pair<std::string, double>>& phases) {
  auto t = Clock::now();
  rep.status("connecting to " + r.address());
  r.connect(cancel);
  phases.push_back({"connect", seconds_since(t)});
  if (!p.uploads.empty()) {
    t = Clock::now();
    rep.status("uploading " + std::to_string(p.uploads.size()) + " file(s)");
    for (const auto& [local, remote] : p.uploads) r.upload(local, remote);
    phases.push_back({"upload", seconds_since(t)});
  }
  bool past_gate = false;  // a worker after its wait: the head's failure cancels its commands
  for (size_t i = 0; i < p.steps.size(); ++i) {
    const NodeStep& s = p.steps[i];
    std::string name = s.phase + " " + std::to_string(i + 1) + "/" + std::to_string(p.steps.size());
    t = Clock::now();
    if (s.waits_for_head) {
      if (gate && !p.is_head) wait_for_head(p, s, r, rep, cancel, *gate);
      past_gate = true;
      phases.push_back({name + " (wait for the head)", seconds_since(t)});
      continue;
    }
    if (gate && p.is_head && s.starts_ray) gate->starting();
    const CancelFlag& stop = gate && past_gate ? gate->head_failed() : cancel;
    rep.status(name + ": " + short_command(s.command));
    int rc = r.run({s.command, p.env}, [&](int stream, const std::string& line) { rep.line(stream, line); }, stop);
    phases.push_back({name, seconds_since(t)});
    rep.outcome().exit_code = rc;
    if (cancel.cancelled())
      throw Error(ErrorKind::Cancelled, "node " + p.node + ": cancelled during " + s.phase, {}, {});
    if (gate && past_gate && gate->state() == HeadGate::State::Failed && rc != 0) throw head_failed_error(p, *gate);
    if (rc != 0)
      throw Error(ErrorKind::Remote,
                  "node " + p.node + ": " + s.phase + " command failed with exit code " + std::to_string(rc) + ": " +
                      short_command(s.command),
                  "its last output lines are shown above; fix it and re-run `rayctl up` (nodes already up to date are only verified)",
                  {});
  }
  rep.outcome().detail = node_action_name(p.action);
}

// A node configured by host name: asks it for its own addresses (see node_addresses()).
std::vector<std::string> ask_node_addresses(const NodePlan& p, RemoteRunner& r, const CancelFlag& cancel) {
  if (p.is_local || is_ip_address(p.host)) return {};
  std::vector<std::string> found;
  r.run({report_addresses_command(), {}},
        [&](int stream, const std::string& line) {
          if (stream == 1 && found.empty()) found = parse_reported_addresses(line);
        },
        cancel);
  return found;
}

// Every configured node's address set, from the record's reported addresses and resolution here.
std::vector<std::set<std::string>> address_sets(const std::vector<LauncherNode>& nodes, const ClusterRecord* rec) {
  std::vector<std::set<std::string>> out;
  for (const auto& n : nodes) {
    const NodeRecord* r = rec ? rec->find(n.name) : nullptr;
    out.push_back(node_addresses(n.host, r && r->host == n.host ? r->addresses : std::vector<std::string>{}));
  }
  return out;
}

void digest_tree(const std::string& local, const std::string& remote, MountDigest& m) {
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(local))
    if (e.is_regular_file()) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  Sha256 h;
  for (const auto& f : files) {
    std::string rel = fs::relative(f, local).string();
    h.update(rel + "\0" + sha256_file_hex(f.string()) + "\n");
    m.files.push_back({f.string(), remote + "/" + rel});
  }
  m.hash = h.hex_digest();
}

// The node list from Ray's GCS, through gcs_nodes_command() run on the head; nullopt (and a -v
// line saying why) when it cannot be had there.
std::optional<std::vector<LiveNode>> gcs_nodes(RemoteRunner& head, const std::string& command, IOStreams& io,
                                               const CancelFlag& cancel) {
  std::optional<std::vector<LiveNode>> got;
  std::string last;
  try {
    int rc = head.run({command, {}},
                      [&](int stream, const std::string& line) {
                        if (stream == 1 && !got) got = parse_gcs_nodes_line(line);
                        if (!line.empty()) last = line;
                      },
                      cancel);
    if (!got)
      say_debug(io, "GCS query on the head gave no node list (exit " + std::to_string(rc) + (last.empty() ? "" : ": " + last) + ")");
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::Auth || e.kind() == ErrorKind::HostKey || e.kind() == ErrorKind::Cancelled) throw;
    say_debug(io, "GCS query on the head failed: " + e.message());
  }
  return got;
}

// What runs now, from the head's dashboard or, at the same time, Ray's GCS on the head: a
// dashboard that is up answers in milliseconds, but one still starting (right after `up`)
// accepts connections and stays silent for seconds while every node is already ALIVE in the
// GCS. The first good answer wins; the GCS query is cancelled when the dashboard answers.
ClusterObservation observe(const LauncherConfig& cfg, const ClusterRecord* previous, const ClusterPlan& shape,
                           const UpOptions& opt, IOStreams& io, const CancelFlag& cancel,
                           std::unique_ptr<DashboardAccess>& access, std::optional<std::vector<LiveNode>>& live,
                           bool& dashboard_answered) {
  ClusterObservation seen;
  auto dashboard_get = [&](int timeout_ms) {
    if (!access)
      access = std::make_unique<DashboardAccess>(cfg.nodes.front(), cfg.ssh, opt.connect, shape.head.dashboard_port, &cancel);
    live = access->nodes(timeout_ms);
    dashboard_answered = true;
  };
  auto fatal = [](const Error& e) {
    return e.kind() == ErrorKind::Auth || e.kind() == ErrorKind::HostKey || e.kind() == ErrorKind::Cancelled;
  };
  std::string last;
  try {
    dashboard_get(300);  // the usual case: one GET
  } catch (const Error& e) {
    if (fatal(e)) throw;
    say_debug(io, "dashboard probe: " + e.message());
    last = e.message();
    if (access && access->broken()) access.reset();
  }
  std::optional<std::vector<LiveNode>> from_gcs;
  std::optional<Error> gcs_error;
  std::atomic<bool> gcs_done{false};
  CancelFlag stop_gcs(&cancel);
  NodeRunnerFactory factory(cfg.ssh, opt.connect);
  auto head = factory.make(cfg.nodes.front());
  std::string command =
      gcs_nodes_command(shape.head.ray_program, shape.head_host + ":" + std::to_string(shape.head.gcs_port));
  // Not cancelled when the dashboard answers first: a cancelled query can take seconds to wind
  // down on the head, and it ends by itself within about a second.
  std::thread gcs;
  if (!dashboard_answered)
    gcs = std::thread([&] {
      try {
        from_gcs = gcs_nodes(*head, command, io, stop_gcs);
      } catch (const Error& e) {
        gcs_error = e;
      }
      gcs_done = true;
    });
  // Short GETs, repeated until the dashboard or the GCS answers (a GET cannot be abandoned).
  auto until = Clock::now() + std::chrono::seconds(3);
  while (!dashboard_answered && !gcs_done && Clock::now() < until && !cancel.cancelled()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    try {
      dashboard_get(300);
    } catch (const Error& e) {
      if (fatal(e)) {
        if (gcs.joinable()) gcs.join();
        throw;
      }
      if (e.message() != last) say_debug(io, "dashboard probe: " + e.message());
      last = e.message();
      if (access && access->broken()) access.reset();
    }
  }
  if (!gcs_done) stop_gcs.cancel();  // nothing answered in 3 s (Ray not running?): stop asking
  if (gcs.joinable()) gcs.join();
  if (gcs_error && !dashboard_answered &&
      (gcs_error->kind() == ErrorKind::Auth || gcs_error->kind() == ErrorKind::HostKey))
    throw *gcs_error;
  if (!dashboard_answered) live = from_gcs;
  if (!live) return seen;
  seen.probed = true;
  auto addresses = address_sets(cfg.nodes, previous);
  for (size_t i = 0; i < cfg.nodes.size(); ++i)
    if (match_live_node(*live, cfg.nodes[i], addresses[i])) seen.alive_hosts.insert(cfg.nodes[i].host);
  return seen;
}

void record_node(ClusterRecord& rec, const NodePlan& p, const NodeOutcome* o,
                 const std::vector<std::string>& reported = {}) {
  NodeRecord* r = rec.find(p.node);
  if (!r) {
    rec.nodes.push_back({});
    r = &rec.nodes.back();
    r->name = p.node;
  }
  if (r->host != p.host) r->addresses.clear();
  r->host = p.host;
  r->is_head = p.is_head;
  r->is_local = p.is_local;
  r->updated_at = unix_now();
  if (!o) return;
  if (o->ok) {
    if (!reported.empty()) r->addresses = reported;
    r->status = "up-to-date";
    r->setup_hash = p.setup_hash;
    if (p.action != NodeAction::Setup && p.action != NodeAction::Verify) r->start_hash = p.start_hash;
    r->last_error.clear();
  } else {
    r->status = o->cancelled ? "cancelled" : "failed";
    r->last_error = o->error;
  }
}

// Where wait_alive reads the node list: Ray's GCS through a small query on the head (ready as
// soon as the GCS is), else the head's dashboard (which may need seconds more to serve HTTP).
struct NodeListSource {
  RemoteRunner* head = nullptr;  // null: dashboard only
  std::string gcs_command;       // gcs_nodes_command()
  bool dashboard_first = false;  // it answered before this run (a re-run): one GET is cheapest
};

// One look at the node list; throws Error when neither source answers. A GCS query that
// cannot run on the head (no Python next to `ray`, say) switches to the dashboard for good.
std::vector<LiveNode> list_nodes(NodeListSource& src, const LauncherConfig& cfg, const UpOptions& opt, IOStreams& io,
                                 const CancelFlag& cancel, std::unique_ptr<DashboardAccess>& access, int dashboard_port) {
  if (src.dashboard_first) {
    try {
      if (!access) access = std::make_unique<DashboardAccess>(cfg.nodes.front(), cfg.ssh, opt.connect, dashboard_port, &cancel);
      return access->nodes(src.head ? 1000 : 5000);
    } catch (const Error& e) {
      if (!src.head || e.kind() == ErrorKind::Auth || e.kind() == ErrorKind::HostKey || e.kind() == ErrorKind::Cancelled)
        throw;
      src.dashboard_first = false;  // e.g. the head restarted: its dashboard is not up yet
    }
  }
  if (src.head) {
    if (auto got = gcs_nodes(*src.head, src.gcs_command, io, cancel)) return *got;
    src.head = nullptr;
  }
  if (!access) access = std::make_unique<DashboardAccess>(cfg.nodes.front(), cfg.ssh, opt.connect, dashboard_port, &cancel);
  return access->nodes(2000);
}

// Marks each successfully applied node ALIVE or not (with its resources); returns how many are not.
size_t mark_alive(const LauncherConfig& cfg, const std::vector<std::set<std::string>>& addresses,
                  const std::vector<LiveNode>& live, std::vector<UpNodeResult>& results) {
  size_t waiting = 0;
  for (size_t i = 0; i < cfg.nodes.size(); ++i) {
    if (!results[i].ok) continue;
    const LiveNode* ln = match_live_node(live, cfg.nodes[i], addresses[i]);
    results[i].alive = ln != nullptr;
    if (ln) {
      results[i].cpus = ln->cpus;
      results[i].gpus = ln->gpus;
    } else {
      ++waiting;
    }
  }
  return waiting;
}

// Waits until every node that was applied successfully shows ALIVE; fills results.
void wait_alive(const LauncherConfig& cfg, const ClusterRecord& rec, const UpOptions& opt, IOStreams& io,
                const CancelFlag& cancel, std::unique_ptr<DashboardAccess>& access, int dashboard_port,
                NodeListSource src, std::vector<UpNodeResult>& results) {
  auto deadline = Clock::now() + std::chrono::seconds(opt.timeout_s);
  auto addresses = address_sets(cfg.nodes, &rec);
  ProgressBoard board(io);
  std::string last_error;
  auto started = Clock::now();
  size_t last_waiting = size_t(-1);
  for (;;) {
    if (cancel.cancelled()) throw Error(ErrorKind::Cancelled, "cancelled while waiting for nodes to be ALIVE");
    try {
      size_t waiting = mark_alive(cfg, addresses, list_nodes(src, cfg, opt, io, cancel, access, dashboard_port), results);
      for (const auto& r : results)
        if (r.ok) board.set(r.node, r.alive ? "ALIVE" : "waiting for ALIVE");
      if (waiting != last_waiting)
        say_debug(io, std::string(src.head ? "GCS" : "dashboard") + " answered: " + std::to_string(waiting) +
                          " node(s) not ALIVE yet, after " + fmt::format("{:.2f} s", seconds_since(started)));
      last_waiting = waiting;
      if (waiting == 0) break;
    } catch (const Error& e) {
      if (e.kind() == ErrorKind::Auth || e.kind() == ErrorKind::HostKey || e.kind() == ErrorKind::Cancelled) throw;
      if (e.message() != last_error)
        say_debug(io, "waiting for ALIVE: " + e.message() + fmt::format(" (after {:.2f} s)", seconds_since(started)));
      last_error = e.message();
      if (access && access->broken()) access.reset();  // a dashboard not up yet keeps the tunnel
    }
    if (Clock::now() > deadline) {
      std::string names;
      for (const auto& r : results)
        if (r.ok && !r.alive) names += (names.empty() ? "" : ", ") + r.node;
      if (names.empty()) names = "(dashboard unreachable: " + last_error + ")";
      board.finish();
      throw Error(ErrorKind::Timeout, "nodes not ALIVE after " + std::to_string(opt.timeout_s) + " s: " + names,
                  "see `rayctl logs " + cfg.cluster_name + " --node NODE --component raylet`", {}, "cluster " + cfg.cluster_name);
    }
    // Nodes register within moments of their `ray start` returning: look again soon, so ALIVE is
    // seen when it happens (a dashboard GET is small; a GCS query costs the head ~0.3 s of CPU).
    std::this_thread::sleep_for(std::chrono::milliseconds(src.head ? 250 : 100));
  }
  board.finish();
}

ClusterRecord base_record(const LauncherConfig& cfg, const ClusterPlan& plan, const ClusterRecord* previous) {
  ClusterRecord rec = previous ? *previous : ClusterRecord{};
  rec.name = cfg.cluster_name;
  rec.provider = provider_kind(cfg.nodes);
  std::error_code ec;
  rec.config_file = cfg.file.empty() ? "" : fs::absolute(cfg.file, ec).string();
  rec.head_host = plan.head_host;
  rec.head_address = plan.head_host + ":" + std::to_string(plan.head.gcs_port);
  rec.dashboard_port = plan.head.dashboard_port;
  rec.dashboard_local_only = plan.head.dashboard_host == "127.0.0.1" || plan.head.dashboard_host == "localhost";
  std::string dhost = rec.dashboard_local_only ? "127.0.0.1" : plan.head_host;
  rec.dashboard_url = "http://" + dhost + ":" + std::to_string(plan.head.dashboard_port);
  rec.ray_temp_dir = plan.head.temp_dir;
  rec.ssh = {cfg.ssh.user, cfg.ssh.port, cfg.ssh.private_key, cfg.ssh.known_hosts, cfg.ssh.bastion, cfg.ssh.connect_timeout_s};
  std::vector<NodeRecord> kept;
  for (const auto& n : cfg.nodes)
    if (const NodeRecord* r = rec.find(n.name)) kept.push_back(*r);
  rec.nodes = kept;
  return rec;
}

}  // namespace

std::vector<MountDigest> digest_file_mounts(const LauncherConfig& cfg) {
  std::vector<MountDigest> out;
  for (const auto& [remote, local] : cfg.file_mounts) {
    MountDigest m{remote, local, {}, {}};
    std::error_code ec;
    if (fs::is_directory(local, ec)) digest_tree(local, remote, m);
    else if (fs::is_regular_file(local, ec)) {
      m.hash = sha256_file_hex(local);
      m.files.push_back({local, remote});
    } else {
      auto it = cfg.locs.find("file_mounts." + remote);
      throw Error(ErrorKind::Invalid, "file_mounts: local path " + local + " (for " + remote + ") does not exist",
                  "fix the path in the cluster file", it != cfg.locs.end() ? it->second : SourceLoc{cfg.file});
    }
    out.push_back(std::move(m));
  }
  return out;
}

UpResult cluster_up(const LauncherConfig& cfg, const UpOptions& opt, IOStreams& io, CancelFlag& cancel,
                    const ClusterStateStore& store) {
  auto t0 = Clock::now();
  if (cfg.nodes.empty()) throw Error(ErrorKind::Invalid, cfg.file + ": the cluster has no nodes", "set provider.head_ip");
  std::unique_ptr<FileLock> lock;
  if (!opt.dry_run) lock = store.lock(cfg.cluster_name);
  auto previous = store.load(cfg.cluster_name);
  auto mounts = digest_file_mounts(cfg);
  ClusterPlan shape = plan_up(cfg, nullptr, {}, mounts, {});
  if (!opt.dry_run && provider_kind(cfg.nodes) == "ssh") unlock_private_key(cfg.ssh.private_key);
  std::unique_ptr<DashboardAccess> access;
  ClusterObservation seen;
  bool dashboard_answered = false;
  std::optional<std::vector<LiveNode>> observed;
  if (previous) seen = observe(cfg, &*previous, shape, opt, io, cancel, access, observed, dashboard_answered);

  UpResult result;
  result.cluster = cfg.cluster_name;
  result.plan = plan_up(cfg, previous ? &*previous : nullptr, seen, mounts, opt.flags);
  result.dry_run = opt.dry_run;
  result.changed = result.plan.changes_anything();
  const ClusterPlan& plan = result.plan;
  ClusterRecord rec = base_record(cfg, plan, previous ? &*previous : nullptr);
  result.head_address = rec.head_address;
  result.dashboard_url = rec.dashboard_url;
  if (rec.dashboard_local_only && !cfg.nodes.front().is_local)
    result.dashboard_note = "bound to the head's loopback; rayctl reaches it through SSH (ssh -L " +
                            std::to_string(rec.dashboard_port) + ":127.0.0.1:" + std::to_string(rec.dashboard_port) + " " +
                            ssh_target_for(cfg.ssh, cfg.nodes.front(), opt.connect).user + "@" + plan.head_host + ")";
  for (const auto& n : plan.nodes)
  {
    UpNodeResult r;
    r.node = n.node;
    r.host = n.host;
    r.role = n.is_head ? "head" : "worker";
    r.action = node_action_name(n.action);
    r.reason = n.reason;
    result.nodes.push_back(r);
  }
  if (opt.dry_run) return result;

  std::string running;
  for (const auto& n : plan.nodes)
    if (n.restarts_running) running += (running.empty() ? "" : ", ") + n.node;
  if (!running.empty() && !opt.yes && !(opt.confirm && opt.confirm("Restart Ray on running node(s) " + running + "?")))
    throw Error(ErrorKind::Usage, "this would restart Ray on running node(s): " + running,
                "pass -y to confirm, or --no-restart to apply setup changes without restarting");

  for (const auto& n : plan.nodes) {
    record_node(rec, n, nullptr);
    if (n.action != NodeAction::Verify) rec.find(n.node)->status = "in-progress";
  }
  store.save(rec);

  NodeRunnerFactory factory(cfg.ssh, opt.connect);
  std::vector<std::unique_ptr<RemoteRunner>> runners;
  for (const auto& n : cfg.nodes) runners.push_back(factory.make(n));
  std::vector<std::vector<std::string>> reported(plan.nodes.size());  // by ask_node_addresses
  std::vector<std::vector<std::pair<std::string, double>>> phases(plan.nodes.size());
  // Head and workers at once: each worker runs up to its own `ray start`, then waits for the head.
  HeadGate gate(cancel);
  const NodePlan& head_plan = plan.nodes.front();
  if (std::none_of(head_plan.steps.begin(), head_plan.steps.end(), [](const NodeStep& s) { return s.starts_ray; }))
    gate.starting();  // the head's Ray (if any) is not restarted: workers need not wait for it
  FanoutExecutor fanout(io, {opt.concurrency, opt.stream_output, 20});
  std::vector<std::string> names;
  for (const auto& n : plan.nodes) names.push_back(n.node);
  auto t_nodes = Clock::now();
  auto outcomes = fanout.run(
      names,
      [&](size_t i, NodeReporter& rep) {
        const NodePlan& p = plan.nodes[i];
        try {
          if (!(p.action == NodeAction::Verify && p.uploads.empty())) {
            apply_node(p, *runners[i], rep, cancel, &gate, phases[i]);
            reported[i] = ask_node_addresses(p, *runners[i], cancel);
          } else {
            rep.outcome().detail = "unchanged";
          }
        } catch (const Error& e) {
          if (p.is_head) gate.failed(e.message());
          throw;
        } catch (const std::exception& e) {
          if (p.is_head) gate.failed(e.what());
          throw;
        }
        if (!p.is_head) return;
        gate.started();
        // Open the dashboard tunnel while the workers finish (wait_alive retries on failure).
        try {
          if (!access) access = std::make_unique<DashboardAccess>(cfg.nodes.front(), cfg.ssh, opt.connect,
                                                                  plan.head.dashboard_port, &cancel);
        } catch (const Error&) {
        }
      },
      cancel);
  double nodes_seconds = seconds_since(t_nodes);
  for (size_t i = 0; i < outcomes.size(); ++i) {
    record_node(rec, plan.nodes[i], &outcomes[i], reported[i]);
    auto& r = result.nodes[i];
    r.ok = outcomes[i].ok;
    r.seconds = outcomes[i].seconds;
    r.error = outcomes[i].error;
    r.tail = outcomes[i].tail;
    r.phases = phases[i];
  }
  store.save(rec);
  result.timings.push_back({"nodes", nodes_seconds});
  if (!outcomes[0].ok) throw_first_failure({outcomes[0]}, "up");
  if (cancel.cancelled()) throw Error(ErrorKind::Cancelled, "up cancelled; finished nodes are recorded, re-run `rayctl up` to continue");
  auto t_alive = Clock::now();
  // Nothing ran: what was just observed is the answer (one look, not two).
  if (!result.changed && observed && mark_alive(cfg, address_sets(cfg.nodes, &rec), *observed, result.nodes) == 0) {
    result.seconds = seconds_since(t0);
    return result;
  }
  try {
    std::string gcs = plan.head_host + ":" + std::to_string(plan.head.gcs_port);
    wait_alive(cfg, rec, opt, io, cancel, access, plan.head.dashboard_port,
               {runners.front().get(), gcs_nodes_command(plan.head.ray_program, gcs), dashboard_answered}, result.nodes);
    result.timings.push_back({"alive_wait", seconds_since(t_alive)});
    // The nodes are ALIVE; `status`, `serve` and the summary's URL need the dashboard too, which
    // may need seconds more to serve HTTP: wait for it (bounded by the same timeout).
    auto t_dash = Clock::now();
    auto deadline = t_dash + std::chrono::seconds(opt.timeout_s);
    for (;;) {
      try {
        if (!access)
          access = std::make_unique<DashboardAccess>(cfg.nodes.front(), cfg.ssh, opt.connect, plan.head.dashboard_port, &cancel);
        access->nodes(2000);
        break;
      } catch (const Error& e) {
        if (e.kind() == ErrorKind::Auth || e.kind() == ErrorKind::HostKey || e.kind() == ErrorKind::Cancelled) throw;
        if (Clock::now() > deadline || cancel.cancelled()) {
          // The nodes are up: not an error, but `status` and `serve` will not answer yet.
          if (!cancel.cancelled())
            say_warning(io, "every node is ALIVE, but the head's dashboard (port " + std::to_string(plan.head.dashboard_port) +
                                ") did not answer within --timeout " + std::to_string(opt.timeout_s) + "s: " + e.message() +
                                "; `rayctl status` and `rayctl serve` need it (`rayctl logs " + cfg.cluster_name + " --node head --component dashboard`)");
          break;
        }
        if (access && access->broken()) access.reset();
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
    result.timings.push_back({"dashboard_wait", seconds_since(t_dash)});
  } catch (const Error&) {
    for (size_t i = 0; i < result.nodes.size(); ++i)
      if (result.nodes[i].ok && !result.nodes[i].alive) {
        rec.find(plan.nodes[i].node)->status = "failed";
        rec.find(plan.nodes[i].node)->last_error = "not ALIVE in the dashboard";
      }
    store.save(rec);
    throw;
  }
  result.seconds = seconds_since(t0);
  throw_first_failure(outcomes, "up");
  return result;
}

namespace {
nlohmann::json phases_json(const std::vector<std::pair<std::string, double>>& phases) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& [name, seconds] : phases) a.push_back({{"phase", name}, {"seconds", seconds}});
  return a;
}
}  // namespace

nlohmann::json to_json(const UpResult& r) {
  nlohmann::json nodes = nlohmann::json::array();
  for (const auto& n : r.nodes)
    nodes.push_back({{"node", n.node}, {"host", n.host}, {"role", n.role}, {"action", n.action}, {"reason", n.reason},
                     {"ok", n.ok}, {"alive", n.alive}, {"cpus", n.cpus}, {"gpus", n.gpus}, {"seconds", n.seconds},
                     {"phases", phases_json(n.phases)}, {"error", n.error}});
  return {{"cluster", r.cluster},     {"dry_run", r.dry_run},           {"changed", r.changed},
          {"head_address", r.head_address}, {"dashboard_url", r.dashboard_url}, {"seconds", r.seconds},
          {"timings", phases_json(r.timings)}, {"nodes", nodes},           {"plan", plan_to_json(r.plan)}};
}

}  // namespace rayctl
