// `rayctl exec TARGET [--node N | --all] -- CMD...`: run a shell command on cluster nodes.
// (KubeRay objects: refused with the `kubectl exec` line to use.)
#include "cli/cluster_flags.h"

#include <fmt/format.h>

namespace rayctl::cli {
namespace {

struct ExecCommand {
  ClusterRef ref;
  std::vector<std::string> words;
  ExecOptions opt;
  std::unique_ptr<Cluster> cluster;

  void complete(CliContext& ctx) {
    cluster = open_cluster(ref, ctx.io);
    for (const auto& w : words) opt.command += (opt.command.empty() ? "" : " ") + w;  // like ssh: words joined
    opt.prefix_lines = opt.all;
  }
  void validate() const {
    if (words.empty())
      throw Error(ErrorKind::Usage, "no command given", "put it after --: rayctl exec CLUSTER -- hostname");
    if (opt.all && !opt.nodes.empty()) throw Error(ErrorKind::Usage, "--all and --node exclude each other");
  }
  void run(CliContext& ctx) {
    CancelFlag cancel;
    InterruptGuard guard(cancel);
    auto res = cluster->exec(opt, ctx.io, cancel);
    int worst = 0;
    for (const auto& r : res)
      if (worst == 0) worst = r.ok ? r.exit_code : 1;
    ctx.exit_code = worst;
    auto f = ctx.format();
    if (f != OutputFormat::Table) return print_data(*ctx.io.out, f, to_json(res));
    if (res.size() > 1) {
      Table t({"node", "host", "exit", "time", "error"});
      for (const auto& r : res)
        t.add_row(
            {r.node, r.host, r.ok ? std::to_string(r.exit_code) : "-", fmt::format("{:.1f}s", r.seconds), r.error});
      *ctx.io.err << "\n";
      t.print(*ctx.io.err);
    }
  }
};

}  // namespace

void setup_exec(CLI::App& root, CliContext& ctx) {
  auto c = std::make_shared<ExecCommand>();
  auto* cmd = root.add_subcommand("exec", "Run a shell command on the head, some nodes or all nodes");
  cmd->add_option("TARGET", c->ref.target, "Launcher YAML or cluster name")->required();
  add_kube_flags(cmd, c->ref);
  cmd->add_option("CMD", c->words, "Command (after --), run by bash --login -c on the node");
  cmd->add_option("--node", c->opt.nodes, "Node name or host (repeatable); default: the head");
  cmd->add_flag("--all", c->opt.all, "Run on every node in parallel and print a per-node table");
  cmd->add_flag("--accept-new-host-keys", c->opt.connect.accept_new_host_keys,
                "Record unknown host keys in known_hosts");
  set_examples(cmd,
               "  rayctl exec mycluster -- ray status\n"
               "  rayctl exec mycluster --all -- hostname\n"
               "  rayctl exec cluster.yaml --node worker-1 -- 'nvidia-smi -L'\n"
               "Exit status: the command's own (one node); with --all the first non-zero one.");
  cmd->callback([c, &ctx] {
    c->complete(ctx);
    c->validate();
    c->run(ctx);
  });
}

}  // namespace rayctl::cli
