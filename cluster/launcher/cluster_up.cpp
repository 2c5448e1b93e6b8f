// `rayctl up` (see cluster_up.h).
#include "cluster/launcher/cluster_up.h"

#include "cluster/launcher/cluster_probe.h"
#include "cluster/launcher/live_node_source.h"
#include "cluster/plan/head_gate.h"
#include "cluster/ssh/ssh_auth.h"
#include "core/content_digest.h"
#include "core/duration.h"

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
  return Error(ErrorKind::Remote,
               "node " + p.node + ": Ray not started here because the head failed: " + gate.failure(),
               "fix the head (its error is above), then re-run `rayctl up`", {});
}

// A worker's wait step: nothing once the head has started; while it is starting, the wait for
// its GCS runs on the worker until the GCS answers or the head settles (started or failed).
void wait_for_head(const NodePlan& p, const NodeStep& s, RemoteRunner& r, NodeReporter& rep, const CancelFlag& cancel,
                   const HeadGate& gate) {
  rep.status("waiting for the head to start Ray");
  HeadGate::State st = gate.wait_until_starting();
  if (cancel.cancelled())
    throw Error(ErrorKind::Cancelled, "node " + p.node + ": cancelled while waiting for the head", {}, {});
  if (st == HeadGate::State::Starting) {
    rep.status("waiting for the head's GCS");
    r.run(
        {s.command, p.env}, [&](int stream, const std::string& line) { rep.line(stream, line); }, gate.settled());
    if (cancel.cancelled())
      throw Error(ErrorKind::Cancelled, "node " + p.node + ": cancelled while waiting for the head", {}, {});
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
    int rc = r.run(
        {s.command, p.env}, [&](int stream, const std::string& line) { rep.line(stream, line); }, stop);
    phases.push_back({name, seconds_since(t)});
    rep.outcome().exit_code = rc;
    if (cancel.cancelled())
      throw Error(ErrorKind::Cancelled, "node " + p.node + ": cancelled during " + s.phase, {}, {});
    if (gate && past_gate && gate->state() == HeadGate::State::Failed && rc != 0) throw head_failed_error(p, *gate);
    if (rc != 0)
      throw Error(ErrorKind::Remote,
                  "node " + p.node + ": " + s.phase + " command failed with exit code " + std::to_string(rc) + ": " +
                      short_command(s.command),
                  "its last output lines are shown above; fix it and re-run `rayctl up` (nodes already up to date are "
                  "only verified)",
                  {});
  }
  rep.outcome().detail = node_action_name(p.action);
}

// A node configured by host name: asks it for its own addresses (see node_addresses()).
std::vector<std::string> ask_node_addresses(const NodePlan& p, RemoteRunner& r, const CancelFlag& cancel) {
  if (p.is_local || is_ip_address(p.host)) return {};
  std::vector<std::string> found;
  r.run(
      {report_addresses_command(), {}},
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
                const CancelFlag& cancel, LiveNodeSource& live, std::vector<UpNodeResult>& results) {
  auto deadline = Clock::now() + opt.timeout;
  auto addresses = address_sets(cfg.nodes, &rec);
  ProgressBoard board(io);
  std::string last_error;
  auto started = Clock::now();
  size_t last_waiting = size_t(-1);
  for (;;) {
    if (cancel.cancelled()) throw Error(ErrorKind::Cancelled, "cancelled while waiting for nodes to be ALIVE");
    try {
      size_t waiting = mark_alive(cfg, addresses, live.nodes(cancel), results);
      for (const auto& r : results)
        if (r.ok) board.set(r.node, r.alive ? "ALIVE" : "waiting for ALIVE");
      if (waiting != last_waiting)
        say_debug(io, live.last_source() + " answered: " + std::to_string(waiting) + " node(s) not ALIVE yet, after " +
                          fmt::format("{:.2f} s", seconds_since(started)));
      last_waiting = waiting;
      if (waiting == 0) break;
    } catch (const Error& e) {
      if (ends_retries(e)) throw;
      if (e.message() != last_error)
        say_debug(io, "waiting for ALIVE: " + e.message() + fmt::format(" (after {:.2f} s)", seconds_since(started)));
      last_error = e.message();
    }
    if (Clock::now() > deadline) {
      std::string names;
      for (const auto& r : results)
        if (r.ok && !r.alive) names += (names.empty() ? "" : ", ") + r.node;
      if (names.empty()) names = "(dashboard unreachable: " + last_error + ")";
      board.finish();
      throw Error(ErrorKind::Timeout, "nodes not ALIVE after " + format_duration(opt.timeout) + ": " + names,
                  "see `rayctl logs " + cfg.cluster_name + " --node NODE --component raylet`", {},
                  "cluster " + cfg.cluster_name);
    }
    // Nodes register within moments of their `ray start` returning: look again soon, so ALIVE is
    // seen when it happens (a dashboard GET is small; a GCS query costs the head ~0.3 s of CPU).
    std::this_thread::sleep_for(std::chrono::milliseconds(live.last_source() == "GCS" ? 250 : 100));
  }
  board.finish();
}

// The nodes are ALIVE; `status`, `serve` and the summary's URL need the dashboard too, which may
// need seconds more to serve HTTP: wait for it (bounded by the same timeout). Not an error when
// it never does: the nodes are up, and the warning says where to look.
void wait_dashboard(const LauncherConfig& cfg, const ClusterPlan& plan, const UpOptions& opt, IOStreams& io,
                    const CancelFlag& cancel, LiveNodeSource& live) {
  auto deadline = Clock::now() + opt.timeout;
  for (;;) {
    try {
      live.check_dashboard(cancel);
      return;
    } catch (const Error& e) {
      if (ends_retries(e)) throw;
      if (Clock::now() > deadline || cancel.cancelled()) {
        if (!cancel.cancelled())
          say_warning(io, "every node is ALIVE, but the head's dashboard (port " +
                              std::to_string(plan.head.dashboard_port) + ") did not answer within --timeout " +
                              format_duration(opt.timeout) + ": " + e.message() +
                              "; `rayctl status` and `rayctl serve` need it (`rayctl logs " + cfg.cluster_name +
                              " --node head --component dashboard`)");
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
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
  rec.ssh = cfg.ssh;
  std::vector<NodeRecord> kept;
  for (const auto& n : cfg.nodes)
    if (const NodeRecord* r = rec.find(n.name)) kept.push_back(*r);
  rec.nodes = kept;
  return rec;
}

}  // namespace

namespace {

// What `up` reports before anything runs: the plan against what was observed, one row a node.
UpResult plan_result(const LauncherConfig& cfg, const UpOptions& opt, const ClusterRecord* previous,
                     const std::optional<std::vector<LiveNode>>& observed, const std::vector<MountDigest>& mounts) {
  ClusterObservation seen;
  if (observed) {
    seen.probed = true;
    auto addresses = address_sets(cfg.nodes, previous);
    for (size_t i = 0; i < cfg.nodes.size(); ++i)
      if (match_live_node(*observed, cfg.nodes[i], addresses[i])) seen.alive_hosts.insert(cfg.nodes[i].host);
  }
  UpResult result;
  result.cluster = cfg.cluster_name;
  result.plan = plan_up(cfg, previous, seen, mounts, opt.flags);
  result.dry_run = opt.dry_run;
  result.changed = result.plan.changes_anything();
  for (const auto& n : result.plan.nodes)
    result.nodes.push_back({.node = n.node,
                            .host = n.host,
                            .role = n.is_head ? "head" : "worker",
                            .action = node_action_name(n.action),
                            .reason = n.reason});
  return result;
}

// Restarting a running Ray needs -y or a yes from the user.
void confirm_restarts(const ClusterPlan& plan, const UpOptions& opt) {
  std::string running;
  for (const auto& n : plan.nodes)
    if (n.restarts_running) running += (running.empty() ? "" : ", ") + n.node;
  if (!running.empty() && !opt.yes && !(opt.confirm && opt.confirm("Restart Ray on running node(s) " + running + "?")))
    throw Error(ErrorKind::Usage, "this would restart Ray on running node(s): " + running,
                "pass -y to confirm, or --no-restart to apply setup changes without restarting");
}

// Applies every node's plan at once (each worker runs up to its own `ray start`, then waits for
// the head: head_gate.h), records each node's outcome in `rec` and `result`.
std::vector<NodeOutcome> apply_plan(const LauncherConfig& cfg, const UpOptions& opt, const UpParts& parts,
                                    LiveNodeSource& live, IOStreams& io, CancelFlag& cancel, ClusterRecord& rec,
                                    UpResult& result) {
  const ClusterPlan& plan = result.plan;
  std::vector<std::unique_ptr<RemoteRunner>> runners;
  for (const auto& n : cfg.nodes) runners.push_back(parts.runners(n));
  std::vector<std::vector<std::string>> reported(plan.nodes.size());  // by ask_node_addresses
  std::vector<std::vector<std::pair<std::string, double>>> phases(plan.nodes.size());
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
        } catch (const std::exception& e) {
          if (p.is_head) gate.failed(e.what());
          throw;
        }
        if (!p.is_head) return;
        gate.started();
        live.head_started(cancel);  // open the dashboard tunnel while the workers finish
      },
      cancel);
  result.timings.push_back({"nodes", seconds_since(t_nodes)});
  for (size_t i = 0; i < outcomes.size(); ++i) {
    record_node(rec, plan.nodes[i], &outcomes[i], reported[i]);
    auto& r = result.nodes[i];
    r.ok = outcomes[i].ok;
    r.seconds = outcomes[i].seconds;
    r.error = outcomes[i].error;
    r.tail = outcomes[i].tail;
    r.phases = phases[i];
  }
  return outcomes;
}

// Waits until every node applied is ALIVE, then for the dashboard; a node that never shows
// ALIVE is recorded as failed before the error goes up.
void wait_usable(const LauncherConfig& cfg, const UpOptions& opt, const UpParts& parts, LiveNodeSource& live,
                 IOStreams& io, CancelFlag& cancel, ClusterRecord& rec, UpResult& result) {
  try {
    auto t_alive = Clock::now();
    wait_alive(cfg, rec, opt, io, cancel, live, result.nodes);
    result.timings.push_back({"alive_wait", seconds_since(t_alive)});
    auto t_dash = Clock::now();
    wait_dashboard(cfg, result.plan, opt, io, cancel, live);
    result.timings.push_back({"dashboard_wait", seconds_since(t_dash)});
  } catch (const Error&) {
    for (size_t i = 0; i < result.nodes.size(); ++i)
      if (result.nodes[i].ok && !result.nodes[i].alive) {
        rec.find(result.plan.nodes[i].node)->status = "failed";
        rec.find(result.plan.nodes[i].node)->last_error = "not ALIVE in the dashboard";
      }
    parts.store.save(rec);
    throw;
  }
}

}  // namespace

UpResult cluster_up(const LauncherConfig& cfg, const UpOptions& opt, IOStreams& io, CancelFlag& cancel,
                    const UpParts& parts) {
  auto t0 = Clock::now();
  if (cfg.nodes.empty())
    throw Error(ErrorKind::Invalid, cfg.file + ": the cluster has no nodes", "set provider.head_ip");
  std::unique_ptr<FileLock> lock;
  if (!opt.dry_run) lock = parts.store.lock(cfg.cluster_name);
  auto previous = parts.store.load(cfg.cluster_name);
  std::vector<std::string> unsynced;
  auto mounts = digest_file_mounts(cfg, &unsynced);
  for (const auto& p : unsynced)
    say_warning(io, "cluster_synced_files: " + p + " does not exist on this machine; not copied (as in Ray)");
  auto live = parts.live(plan_up(cfg, nullptr, {}, mounts, {}));
  std::optional<std::vector<LiveNode>> observed;
  if (previous) observed = live->observe(cancel);

  const ClusterRecord* prev = previous ? &*previous : nullptr;
  UpResult result = plan_result(cfg, opt, prev, observed, mounts);
  ClusterRecord rec = base_record(cfg, result.plan, prev);
  result.head_address = rec.head_address;
  result.dashboard_url = rec.dashboard_url;
  if (rec.dashboard_local_only && !cfg.nodes.front().is_local)
    result.dashboard_note = "bound to the head's loopback; rayctl reaches it through SSH (ssh -L " +
                            std::to_string(rec.dashboard_port) + ":127.0.0.1:" + std::to_string(rec.dashboard_port) +
                            " " + ssh_target_for(cfg.ssh, cfg.nodes.front(), opt.connect).user + "@" +
                            result.plan.head_host + ")";
  if (opt.dry_run) return result;
  confirm_restarts(result.plan, opt);

  for (const auto& n : result.plan.nodes) {
    record_node(rec, n, nullptr);
    if (n.action != NodeAction::Verify) rec.find(n.node)->status = "in-progress";
  }
  parts.store.save(rec);
  auto outcomes = apply_plan(cfg, opt, parts, *live, io, cancel, rec, result);
  parts.store.save(rec);
  if (!outcomes[0].ok) throw_first_failure({outcomes[0]}, "up");
  if (cancel.cancelled())
    throw Error(ErrorKind::Cancelled, "up cancelled; finished nodes are recorded, re-run `rayctl up` to continue");
  // Nothing ran: what was just observed is the answer (one look, not two).
  bool verified =
      !result.changed && observed && mark_alive(cfg, address_sets(cfg.nodes, &rec), *observed, result.nodes) == 0;
  if (!verified) wait_usable(cfg, opt, parts, *live, io, cancel, rec, result);
  result.seconds = seconds_since(t0);
  throw_first_failure(outcomes, "up");
  return result;
}

UpResult cluster_up(const LauncherConfig& cfg, const UpOptions& opt, IOStreams& io, CancelFlag& cancel,
                    const ClusterStateStore& store) {
  if (!opt.dry_run && provider_kind(cfg.nodes) == "ssh") unlock_private_key(cfg.ssh.private_key);
  NodeRunnerFactory factory(cfg.ssh, opt.connect);
  RunnerFactory runners = factory.as_function();
  UpParts parts{runners,
                [&](const ClusterPlan& shape) { return head_live_nodes(cfg, shape, opt.connect, runners, io); }, store};
  return cluster_up(cfg, opt, io, cancel, parts);
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
    nodes.push_back({{"node", n.node},
                     {"host", n.host},
                     {"role", n.role},
                     {"action", n.action},
                     {"reason", n.reason},
                     {"ok", n.ok},
                     {"alive", n.alive},
                     {"cpus", n.cpus},
                     {"gpus", n.gpus},
                     {"seconds", n.seconds},
                     {"phases", phases_json(n.phases)},
                     {"error", n.error}});
  return {{"cluster", r.cluster},
          {"dry_run", r.dry_run},
          {"changed", r.changed},
          {"head_address", r.head_address},
          {"dashboard_url", r.dashboard_url},
          {"seconds", r.seconds},
          {"timings", phases_json(r.timings)},
          {"nodes", nodes},
          {"plan", plan_to_json(r.plan)}};
}

}  // namespace rayctl
