// `rayctl attach FILE|NAME [--node N]`: an interactive shell (PTY) on the head or a node.
#include "cli/command.h"
#include "cluster/launcher/node_command.h"

namespace rayctl::cli {
namespace {

struct AttachCommand {
  std::string target_arg, node;
  ConnectOptions connect;
  std::optional<ClusterTarget> target;

  void complete(CliContext& ctx) { target = resolve_cluster_target(target_arg, ctx.io); }
  void validate(CliContext& ctx) const {
    if (!ctx.io.in_tty) throw Error(ErrorKind::Usage, "attach needs a terminal", "use `rayctl exec` for commands without one");
  }
  void run(CliContext& ctx) { ctx.exit_code = cluster_attach(*target, node, connect); }
};

}  // namespace

void setup_attach(CLI::App& root, CliContext& ctx) {
  auto c = std::make_shared<AttachCommand>();
  auto* cmd = root.add_subcommand("attach", "Open an interactive shell on the head (or --node) with a terminal");
  cmd->add_option("TARGET", c->target_arg, "Launcher YAML or cluster name")->required();
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
