// `rayctl down FILE|NAME`: stop exactly this cluster's Ray on every node (workers, then head).
#include "cli/command.h"
#include "cli/kube_dispatch.h"
#include "cluster/launcher/cluster_down.h"

namespace rayctl::cli {
namespace {

struct DownCommand {
  std::string target_arg;
  DownOptions opt;
  bool yes = false;  // accepted for `ray down` compatibility
  std::optional<ClusterTarget> target;

  void complete(CliContext& ctx) { target = resolve_cluster_target(target_arg, ctx.io); }
  void validate() const {
    if (target->provider == "kubernetes")
      throw Error(ErrorKind::Usage, "cluster " + target->name + " runs on Kubernetes; SSH down does not apply");
  }
  void run(CliContext& ctx) {
    CancelFlag cancel;
    InterruptGuard guard(cancel);
    DownResult r = cluster_down(*target, opt, ctx.io, cancel);
    auto f = ctx.format();
    if (f != OutputFormat::Table) return print_data(*ctx.io.out, f, to_json(r));
    Table t({"node", "host", "role", "stopped", "left", "other clusters' ray"});
    for (const auto& n : r.nodes)
      t.add_row({n.node, n.host, n.role, std::to_string(n.stopped), std::to_string(n.left), std::to_string(n.other_ray)});
    t.print(*ctx.io.out);
    *ctx.io.out << (opt.workers_only ? "Workers of " + r.cluster + " stopped; the head keeps running.\n"
                                     : "Cluster " + r.cluster + " is down" +
                                           (r.state_removed ? " (state removed).\n" : ".\n"));
  }
};

}  // namespace

void setup_down(CLI::App& root, CliContext& ctx) {
  auto c = std::make_shared<DownCommand>();
  auto* cmd = root.add_subcommand("down", "Stop Ray on every node of a cluster (only this cluster's processes)");
  cmd->add_option("TARGET", c->target_arg, "Launcher YAML or the name of a cluster rayctl brought up")->required();
  auto kube = std::make_shared<KubeFlags>();
  add_kube_connection_flags(cmd, *kube);
  cmd->add_flag("--workers-only", c->opt.workers_only, "Stop the workers and keep the head running");
  cmd->add_flag("--accept-new-host-keys", c->opt.connect.accept_new_host_keys, "Record unknown host keys in known_hosts");
  cmd->add_flag("-y,--yes", c->yes, "Accepted for compatibility with `ray down` (down never asks)");
  set_examples(cmd, "  rayctl down cluster.yaml\n  rayctl down mycluster --workers-only\n  rayctl down mycluster -o json");
  cmd->callback([c, kube, &ctx] {
    if (is_kube_target(c->target_arg, *kube)) {
      ctx.exit_code = run_kube_down(c->target_arg, *kube, ctx);
      return;
    }
    c->complete(ctx);
    c->validate();
    c->run(ctx);
  });
}

}  // namespace rayctl::cli
