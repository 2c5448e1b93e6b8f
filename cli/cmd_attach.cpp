// `rayctl attach TARGET [--node N]`: an interactive shell (PTY) on the head or a node.
// (KubeRay objects: refused with the `kubectl exec` line to use.)
#include "cli/cluster_flags.h"

namespace rayctl::cli {
namespace {

struct AttachCommand {
  ClusterRef ref;
  std::string node;
  ConnectOptions connect;
  std::unique_ptr<Cluster> cluster;

  void complete(CliContext& ctx) { cluster = open_cluster(ref, ctx.io); }
  void validate(CliContext& ctx) const {
    if (!ctx.io.in_tty)
      throw Error(ErrorKind::Usage, "attach needs a terminal", "use `rayctl exec` for commands without one");
  }
  void run(CliContext& ctx) { ctx.exit_code = cluster->attach(node, connect); }
};

}  // namespace

void setup_attach(CLI::App& root, CliContext& ctx) {
  auto c = std::make_shared<AttachCommand>();
  auto* cmd = root.add_subcommand("attach", "Open an interactive shell on the head (or --node) with a terminal");
  cmd->add_option("TARGET", c->ref.target, "Launcher YAML or cluster name")->required();
  add_kube_flags(cmd, c->ref);
  cmd->add_option("--node", c->node, "Node name or host; default: the head");
  cmd->add_flag("--accept-new-host-keys", c->connect.accept_new_host_keys, "Record unknown host keys in known_hosts");
  set_examples(cmd, "  rayctl attach mycluster\n  rayctl attach cluster.yaml --node worker-2");
  cmd->callback([c, &ctx] {
    c->complete(ctx);
    c->validate(ctx);
    c->run(ctx);
  });
}

}  // namespace rayctl::cli
