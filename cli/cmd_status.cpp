// `rayctl status FILE|NAME`: every node — reachable, Ray alive, resources — and the head.
#include "cli/command.h"
#include "cli/kube_dispatch.h"
#include "cluster/launcher/node_command.h"

#include <fmt/format.h>

namespace rayctl::cli {
namespace {

struct StatusCommand {
  std::string target_arg;
  ConnectOptions connect;
  std::optional<ClusterTarget> target;

  void complete(CliContext& ctx) { target = resolve_cluster_target(target_arg, ctx.io); }
  void validate() const {
    if (target->provider == "kubernetes")
      throw Error(ErrorKind::Usage, "cluster " + target->name + " runs on Kubernetes; SSH status does not apply");
  }
  void run(CliContext& ctx) {
    CancelFlag cancel;
    InterruptGuard guard(cancel);
    ClusterStatus s = cluster_status(*target, connect, ctx.io, cancel);
    bool healthy = s.dashboard_reachable;
    for (const auto& n : s.nodes) healthy = healthy && n.reachable && n.ray_alive;
    if (!healthy) ctx.exit_code = int(ExitCode::Unhealthy);
    auto f = ctx.format();
    if (f != OutputFormat::Table) return print_data(*ctx.io.out, f, to_json(s));
    std::ostream& os = *ctx.io.out;
    os << "Cluster:       " << s.cluster << " (" << s.provider << ")\n";
    os << "Head address:  " << s.head_address << "\n";
    os << "Dashboard:     " << s.dashboard_url << (s.dashboard_reachable ? "" : "  (not reachable)") << "\n\n";
    Table t({"node", "host", "role", "ssh", "ray", "cpu", "gpu", "recorded"});
    for (const auto& n : s.nodes)
      t.add_row({n.node, n.host, n.role, n.reachable ? "ok" : "unreachable", n.ray_alive ? "ALIVE" : "-",
                 fmt::format("{:g}", n.cpus), fmt::format("{:g}", n.gpus), n.recorded});
    t.print(os);
    for (const auto& n : s.nodes)
      if (!n.error.empty()) *ctx.io.err << n.error << "\n";
  }
};

}  // namespace

void setup_status(CLI::App& root, CliContext& ctx) {
  auto c = std::make_shared<StatusCommand>();
  auto* cmd = root.add_subcommand("status", "Show each node of a cluster: reachable, Ray alive, resources");
  cmd->add_option("TARGET", c->target_arg, "Launcher YAML or cluster name")->required();
  auto kube = std::make_shared<KubeFlags>();
  add_kube_connection_flags(cmd, *kube);
  cmd->add_flag("--accept-new-host-keys", c->connect.accept_new_host_keys, "Record unknown host keys in known_hosts");
  set_examples(cmd, "  rayctl status mycluster\n  rayctl status cluster.yaml -o json\n"
                    "Exit status: 0 when every node is reachable and ALIVE, 4 otherwise.");
  cmd->callback([c, kube, &ctx] {
    if (is_kube_target(c->target_arg, *kube)) {
      ctx.exit_code = run_kube_status(c->target_arg, *kube, ctx);
      return;
    }
    c->complete(ctx);
    c->validate();
    c->run(ctx);
  });
}

}  // namespace rayctl::cli
