// `rayctl logs FILE|NAME [--node N] [-f] [--tail N] [--component C]`: Ray's log files, per node.
#include "cli/command.h"
#include "cli/kube_dispatch.h"
#include "cluster/launcher/node_command.h"

namespace rayctl::cli {
namespace {

struct LogsCommand {
  std::string target_arg;
  LogsOptions opt;
  std::optional<ClusterTarget> target;

  void complete(CliContext& ctx) { target = resolve_cluster_target(target_arg, ctx.io); }
  void validate() const {
    log_globs(opt.component);  // throws for an unknown component
    if (opt.tail < 0) throw Error(ErrorKind::Usage, "--tail must be >= 0");
  }
  void run(CliContext& ctx) {
    CancelFlag cancel;
    InterruptGuard guard(cancel);
    auto failed = cluster_logs(*target, opt, ctx.io, cancel);
    if (!failed.empty()) ctx.exit_code = 1;
  }
};

}  // namespace

void setup_logs(CLI::App& root, CliContext& ctx) {
  auto c = std::make_shared<LogsCommand>();
  auto* cmd = root.add_subcommand("logs", "Print (or follow) Ray's log files on the cluster's nodes");
  cmd->add_option("TARGET", c->target_arg, "Launcher YAML or cluster name")->required();
  auto kube = std::make_shared<KubeFlags>();
  add_kube_connection_flags(cmd, *kube);
  cmd->add_option("--container", kube->container, "Kubernetes: container (default: the Ray container)");
  cmd->add_option("--group", kube->group, "Kubernetes: only pods of this worker group");
  cmd->add_option("--pod", kube->pod, "Kubernetes: only this pod");
  cmd->add_option("--node", c->opt.nodes, "Node name or host (repeatable); default: every node");
  cmd->add_flag("-f,--follow", c->opt.follow, "Keep printing new lines (Ctrl-C to stop)");
  cmd->add_option("--tail", c->opt.tail, "Lines from the end of each file")->default_val(100);
  cmd->add_option("--component", c->opt.component, "raylet | gcs | dashboard | serve | worker | monitor");
  cmd->add_flag("--accept-new-host-keys", c->opt.connect.accept_new_host_keys, "Record unknown host keys in known_hosts");
  set_examples(cmd, "  rayctl logs mycluster --component raylet --tail 50\n  rayctl logs mycluster --node head -f --component serve");
  cmd->callback([c, kube, &ctx] {
    if (is_kube_target(c->target_arg, *kube)) {
      kube->follow = c->opt.follow;
      kube->tail = c->opt.tail;
      ctx.exit_code = run_kube_logs(c->target_arg, *kube, ctx);
      return;
    }
    c->complete(ctx);
    c->validate();
    c->run(ctx);
  });
}

}  // namespace rayctl::cli
