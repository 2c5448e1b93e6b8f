// `rayctl up FILE`: bring a launcher-file cluster up over SSH (or on this machine).
// Options → complete() (load the file) → validate() (flag combinations) → run() (cluster_up,
// then the summary). The work is in cluster/cluster_up.h.
#include "cli/command.h"
#include "cli/kube_dispatch.h"
#include "cluster/launcher/cluster_up.h"

#include <fmt/format.h>

namespace rayctl::cli {
namespace {

struct UpCommand {
  std::string file;
  UpOptions opt;
  std::optional<LauncherConfig> cfg;

  void complete(CliContext& ctx) {
    cfg = load_launcher_file(file, ctx.io);
    opt.stream_output = ctx.io.verbosity >= 0;
    if (ctx.io.in_tty && ctx.io.err_tty)
      opt.confirm = [&ctx](const std::string& q) {
        *ctx.io.err << q << " [y/N] " << std::flush;
        std::string answer;
        std::getline(*ctx.io.in, answer);
        return answer == "y" || answer == "Y" || answer == "yes";
      };
  }
  void validate() const {
    if (opt.flags.restart_only && opt.flags.no_restart)
      throw Error(ErrorKind::Usage, "--restart-only and --no-restart exclude each other");
    if (opt.flags.restart_only && opt.flags.force_setup)
      throw Error(ErrorKind::Usage, "--restart-only skips setup; it cannot be combined with --force-setup");
    if (opt.timeout_s <= 0) throw Error(ErrorKind::Usage, "--timeout must be positive");
    if (opt.concurrency <= 0) throw Error(ErrorKind::Usage, "--concurrency must be positive");
  }
  void run(CliContext& ctx) {
    CancelFlag cancel;
    InterruptGuard guard(cancel);
    UpResult r = cluster_up(*cfg, opt, ctx.io, cancel);
    print(ctx, r);
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
    os << "Dashboard:     " << r.dashboard_url << (r.dashboard_note.empty() ? "" : "  (" + r.dashboard_note + ")") << "\n\n";
    Table t({"node", "host", "role", "action", "state", "cpu", "gpu", "time"});
    for (const auto& n : r.nodes)
      t.add_row({n.node, n.host, n.role, n.action + (n.action == "verify" ? "" : " (" + n.reason + ")"),
                 n.alive ? "ALIVE" : (n.ok ? "not alive" : "failed"), fmt::format("{:g}", n.cpus),
                 fmt::format("{:g}", n.gpus), fmt::format("{:.1f}s", n.seconds)});
    t.print(os);
  }
};

}  // namespace

void setup_up(CLI::App& root, CliContext& ctx) {
  auto c = std::make_shared<UpCommand>();
  auto* cmd = root.add_subcommand("up", "Create or update a Ray cluster from a launcher YAML (SSH or this machine)");
  cmd->add_option("FILE", c->file, "Ray cluster launcher YAML (the `ray up` format)")->required();
  cmd->add_flag("-y,--yes", c->opt.yes, "Restart Ray on running nodes without asking");
  cmd->add_flag("--dry-run", c->opt.dry_run, "Print the plan per node (with the effective commands) and change nothing");
  cmd->add_flag("--restart-only", c->opt.flags.restart_only, "Skip setup; only (re)start Ray on every node");
  cmd->add_flag("--no-restart", c->opt.flags.no_restart, "Apply setup changes but do not restart a running Ray");
  cmd->add_flag("--force-setup", c->opt.flags.force_setup, "Re-run initialization and setup commands on every node");
  cmd->add_flag("--accept-new-host-keys", c->opt.connect.accept_new_host_keys,
                "Record unknown host keys in known_hosts (a changed key is always an error)");
  cmd->add_option("--timeout", c->opt.timeout_s, "Seconds to wait for every node to be ALIVE (SSH: then as long again for the head's dashboard)")->default_val(300);
  cmd->add_option("--concurrency", c->opt.concurrency, "Nodes set up at once")->default_val(32);
  auto kube = std::make_shared<KubeFlags>();
  add_kube_connection_flags(cmd, *kube);
  cmd->add_flag("--no-wait", kube->no_wait, "Kubernetes: return once the API server accepted the object");
  cmd->add_flag("--force-conflicts", kube->force_conflicts, "Kubernetes: take over fields another field manager owns");
  set_examples(cmd,
               "  rayctl up cluster.yaml                 # head first, then all workers in parallel; waits for ALIVE\n"
               "  rayctl up cluster.yaml --dry-run       # plan per node, with Ray's defaulted commands\n"
               "  rayctl up cluster.yaml --force-setup -y\n"
               "  rayctl up manifests/kuberay/raycluster-cpu.yaml   # KubeRay manifest: server-side apply + watch\n"
               "  rayctl up cluster.yaml -o json         # {cluster, changed, head_address, dashboard_url, nodes[]}");
  cmd->callback([c, kube, &ctx] {
    if (is_kube_target(c->file, *kube)) {
      kube->timeout = std::to_string(c->opt.timeout_s) + "s";
      kube->dry_run = c->opt.dry_run;
      if (c->opt.dry_run) kube->dry_run_mode = "server";
      ctx.exit_code = run_kube_up(c->file, *kube, ctx);
      return;
    }
    c->complete(ctx);
    c->validate();
    c->run(ctx);
  });
}

}  // namespace rayctl::cli
