// `rayctl attach TARGET [--node N] [-p PORT]...`: an interactive shell (PTY) on the head or a node,
// with local port forwards while it runs (`ray attach --port-forward`).
// (KubeRay objects: refused with the `kubectl exec` line to use.)
#include "cli/cluster_flags.h"

namespace rayctl::cli {
namespace {

struct AttachCommand {
  ClusterRef ref;
  std::string node;
  std::vector<std::string> port_forwards;
  ConnectOptions connect;
  std::unique_ptr<Cluster> cluster;

  void complete(CliContext& ctx) { cluster = open_cluster(ref, ctx.io); }
  void validate(CliContext& ctx) const {
    if (!ctx.io.in_tty)
      throw Error(ErrorKind::Usage, "attach needs a terminal", "use `rayctl exec` for commands without one");
  }
  void run(CliContext& ctx) {
    std::vector<PortForward> forwards;
    for (const auto& text : port_forwards) forwards.push_back(parse_port_forward(text));
    for (const auto& f : forwards)
      say_info(ctx.io, "forwarding 127.0.0.1:" + std::to_string(f.local) + " to " + (node.empty() ? "the head" : node) +
                           "'s localhost:" + std::to_string(f.remote) + " while the shell runs");
    ctx.exit_code = cluster->attach(node, connect, forwards);
  }
};

}  // namespace

void setup_attach(CLI::App& root, CliContext& ctx) {
  auto c = std::make_shared<AttachCommand>();
  auto* cmd = root.add_subcommand("attach", "Open an interactive shell on the head (or --node) with a terminal");
  cmd->add_option("TARGET", c->ref.target, "Launcher YAML or cluster name")->required();
  add_kube_flags(cmd, c->ref);
  cmd->add_option("--node", c->node, "Node name or host; default: the head");
  cmd->add_option("-p,--port-forward", c->port_forwards,
                  "PORT or LOCAL:REMOTE: forward 127.0.0.1:LOCAL here to the node's localhost:REMOTE while the "
                  "shell runs (repeatable)")
      ->allow_extra_args(false);
  cmd->add_flag("--accept-new-host-keys", c->connect.accept_new_host_keys, "Record unknown host keys in known_hosts");
  set_examples(cmd,
               "  rayctl attach mycluster\n  rayctl attach cluster.yaml --node worker-2\n"
               "  rayctl attach mycluster -p 8265 -p 8000   # the dashboard and Serve on 127.0.0.1 while attached\n"
               "  rayctl attach mycluster -p 18265:8265     # the dashboard on local port 18265");
  cmd->callback([c, &ctx] {
    for (const auto& text : c->port_forwards) parse_port_forward(text);  // a usage error before connecting
    c->complete(ctx);
    c->validate(ctx);
    c->run(ctx);
  });
}

}  // namespace rayctl::cli
