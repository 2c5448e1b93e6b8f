// `rayctl logs TARGET`: Ray's log files on an SSH cluster's nodes (--node, --component), or the
// logs of a KubeRay object's pods (--group, --pod, --container); --tail and -f for both.
#include "cli/cluster_flags.h"

namespace rayctl::cli {
namespace {

struct LogsCommand {
  ClusterRef ref;
  LogsOptions opt;

  void validate() const {
    if (!opt.component.empty()) log_globs(opt.component);  // throws for an unknown component
    if (opt.tail < 0) throw Error(ErrorKind::Usage, "--tail must be >= 0");
  }
  void run(CliContext& ctx) {
    opt.json_lines = ctx.format() == OutputFormat::Json;
    auto cluster = open_cluster(ref, ctx.io);
    CancelFlag cancel;
    InterruptGuard guard(cancel);
    if (!cluster->logs(opt, ctx.io, cancel).empty()) ctx.exit_code = 1;
  }
};

}  // namespace

void setup_logs(CLI::App& root, CliContext& ctx) {
  auto c = std::make_shared<LogsCommand>();
  auto* cmd =
      root.add_subcommand("logs", "Print (or follow) Ray's log files on the cluster's nodes (or its pods' logs)");
  cmd->add_option("TARGET", c->ref.target,
                  "Launcher YAML, cluster name, KubeRay manifest, raycluster/NAME or rayservice/NAME")
      ->required();
  add_kube_flags(cmd, c->ref);
  cmd->add_option("--container", c->opt.container, "Kubernetes: container (default: the Ray container)");
  cmd->add_option("--group", c->opt.group, "Kubernetes: only pods of this worker group");
  cmd->add_option("--pod", c->opt.pod, "Kubernetes: only this pod");
  cmd->add_flag("--timestamps", c->opt.timestamps, "Kubernetes: prefix lines with the API server's timestamps");
  cmd->add_option("--node", c->opt.nodes, "Node name or host (repeatable); default: every node");
  cmd->add_flag("-f,--follow", c->opt.follow, "Keep printing new lines (Ctrl-C to stop)");
  cmd->add_option("--tail", c->opt.tail, "Lines from the end of each file")->default_val(100);
  cmd->add_option("--component", c->opt.component, "Only this component's log files")
      ->check(CLI::IsMember({"raylet", "gcs", "dashboard", "serve", "worker", "monitor"}));
  cmd->add_flag("--accept-new-host-keys", c->opt.connect.accept_new_host_keys,
                "Record unknown host keys in known_hosts");
  set_examples(
      cmd,
      "  rayctl logs mycluster --component raylet --tail 50\n  rayctl logs mycluster --node head -f --component serve\n"
      "  rayctl logs raycluster/demo -n serving --group gpu-workers --tail 20");
  cmd->callback([c, &ctx] {
    c->validate();
    c->run(ctx);
  });
}

}  // namespace rayctl::cli
