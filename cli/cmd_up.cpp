// `rayctl up FILE`: bring a cluster to what its file describes — a Ray launcher file over SSH
// (or on this machine), or a KubeRay manifest through the Kubernetes API. Options → complete()
// (open the cluster, load the file) → validate() (flag combinations) → run() (Cluster::up, then
// the summary). The work is in cluster/ (cluster.h).
#include "cli/cluster_flags.h"
#include "core/duration.h"

#include <fmt/format.h>

namespace rayctl::cli {
namespace {

struct UpCommand {
  ClusterRef ref;
  UpOptions opt;
  std::string timeout = "5m";
  std::unique_ptr<Cluster> cluster;

  void complete(CliContext& ctx) {
    opt.timeout = parse_duration(timeout);
    opt.stream_output = ctx.io.verbosity >= 0;
    opt.confirm = terminal_confirmer(ctx.io);
    cluster = open_cluster(ref, ctx.io);
  }
  void validate() const {
    if (opt.flags.restart_only && opt.flags.no_restart)
      throw Error(ErrorKind::Usage, "--restart-only and --no-restart exclude each other");
    if (opt.flags.restart_only && opt.flags.force_setup)
      throw Error(ErrorKind::Usage, "--restart-only skips setup; it cannot be combined with --force-setup");
    if (opt.timeout.count() <= 0) throw Error(ErrorKind::Usage, "--timeout must be positive");
    if (opt.concurrency <= 0) throw Error(ErrorKind::Usage, "--concurrency must be positive");
  }
  void run(CliContext& ctx) {
    CancelFlag cancel;
    InterruptGuard guard(cancel);
    UpReport r = cluster->up(opt, ctx.io, cancel);
    std::visit([&](const auto& result) { print(ctx, result); }, r);
    ctx.exit_code = static_cast<int>(exit_code_of(r));
  }

  static void print(CliContext& ctx, const UpResult& r) {
    auto f = ctx.format();
    if (f != OutputFormat::Table) return print_data(*ctx.io.out, f, to_json(r));
    std::ostream& os = *ctx.io.out;
    if (r.dry_run) {
      os << render_plan(r.plan);
      os << "\n(dry run: nothing was changed)\n";
      return;
    }
    Style st{ctx.io.color};
    if (!r.changed)
      os << st.green("Cluster " + r.cluster + " is up to date") << ": nothing changed, so nothing ran; verified "
         << r.nodes.size() << " node(s) ALIVE" << fmt::format(" in {:.1f} s.\n", r.seconds);
    else
      os << st.green("Cluster " + r.cluster + " is up") << fmt::format(" ({:.1f} s).\n", r.seconds);
    for (const auto& note : r.plan.notes) os << "note: " << note << "\n";
    os << "Head address:  " << r.head_address << "\n";
    os << "Dashboard:     " << r.dashboard_url << (r.dashboard_note.empty() ? "" : "  (" + r.dashboard_note + ")")
       << "\n\n";
    Table t({"node", "host", "role", "action", "state", "cpu", "gpu", "time"});
    for (const auto& n : r.nodes)
      t.add_row({n.node, n.host, n.role, n.action + (n.action == "verify" ? "" : " (" + n.reason + ")"),
                 n.alive ? "ALIVE" : (n.ok ? "not alive" : "failed"), fmt::format("{:g}", n.cpus),
                 fmt::format("{:g}", n.gpus), fmt::format("{:.1f}s", n.seconds)});
    t.print(os);
  }

  static void print(CliContext& ctx, const KubeUpResult& r) {
    auto f = ctx.format();
    if (!r.waited) {
      say_info(ctx.io,
               fmt::format("{} {}/{} {} (server-side apply, field manager rayctl)", r.kind, r.namespace_, r.name,
                           r.dry_run ? "accepted by a server-side dry run; nothing changed" : "applied"));
      if (f != OutputFormat::Table)
        print_data(*ctx.io.out, f,
                   {{"kind", r.kind},
                    {"name", r.name},
                    {"namespace", r.namespace_},
                    {"dry_run", r.dry_run},
                    {"apply_ms", r.apply_ms},
                    {"object", r.applied}});
      return;
    }
    say_info(ctx.io, fmt::format("{} {}/{} applied in {:.0f} ms; {} after {:.1f} s", r.kind, r.namespace_, r.name,
                                 r.apply_ms, r.outcome == WaitOutcome::Done ? "ready" : "NOT ready", r.wait_ms / 1000));
    print_kube_report(ctx, r.health, {{"dry_run", r.dry_run}, {"apply_ms", r.apply_ms}, {"wait_ms", r.wait_ms}});
    if (r.outcome == WaitOutcome::TimedOut)
      say_warning(ctx.io, "up: timed out waiting; the reasons above say what is missing");
  }
};

}  // namespace

void setup_up(CLI::App& root, CliContext& ctx) {
  auto c = std::make_shared<UpCommand>();
  auto* cmd = root.add_subcommand(
      "up", "Create or update a Ray cluster from a launcher YAML (SSH or this machine) or a KubeRay manifest");
  cmd->add_option("FILE", c->ref.target,
                  "Ray cluster launcher YAML (the `ray up` format) or a KubeRay RayCluster/RayService manifest")
      ->required();
  cmd->add_flag("-y,--yes", c->opt.yes, "Restart Ray on running nodes without asking");
  cmd->add_flag(
      "--dry-run", c->opt.dry_run,
      "Print the plan per node (with the effective commands) and change nothing; Kubernetes: a server-side dry run");
  cmd->add_flag("--restart-only", c->opt.flags.restart_only, "Skip setup; only (re)start Ray on every node");
  cmd->add_flag("--no-restart", c->opt.flags.no_restart, "Apply setup changes but do not restart a running Ray");
  cmd->add_flag("--force-setup", c->opt.flags.force_setup, "Re-run initialization and setup commands on every node");
  cmd->add_flag("--accept-new-host-keys", c->opt.connect.accept_new_host_keys,
                "Record unknown host keys in known_hosts (a changed key is always an error)");
  add_timeout_flag(cmd, c->timeout,
                   "How long to wait for every node to be ALIVE (SSH: then as long again for the head's dashboard; "
                   "Kubernetes: for the object to be ready)");
  cmd->add_option("--concurrency", c->opt.concurrency, "Nodes set up at once")->default_val(32);
  add_kube_flags(cmd, c->ref);
  cmd->add_flag(
      "--no-wait", [c](std::int64_t) { c->opt.wait = false; },
      "Kubernetes: return once the API server accepted the object");
  cmd->add_flag("--force-conflicts", c->opt.force_conflicts, "Kubernetes: take over fields another field manager owns");
  set_examples(cmd,
               "  rayctl up cluster.yaml                 # head first, then all workers in parallel; waits for ALIVE\n"
               "  rayctl up cluster.yaml --dry-run       # plan per node, with Ray's defaulted commands\n"
               "  rayctl up cluster.yaml --force-setup -y --timeout 10m\n"
               "  rayctl up manifests/kuberay/raycluster-cpu.yaml   # KubeRay manifest: server-side apply + watch\n"
               "  rayctl up cluster.yaml -o json         # {cluster, changed, head_address, dashboard_url, nodes[]}");
  cmd->callback([c, &ctx] {
    c->complete(ctx);
    c->validate();
    c->run(ctx);
  });
}

}  // namespace rayctl::cli
