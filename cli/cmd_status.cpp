// `rayctl status TARGET`: every node of an SSH cluster — reachable, Ray alive, resources — or a
// KubeRay object's groups, pods, Serve applications and why it is not ready.
#include "cli/cluster_flags.h"

#include <fmt/format.h>

namespace rayctl::cli {
namespace {

struct StatusCommand {
  ClusterRef ref;
  ConnectOptions connect;

  void run(CliContext& ctx) {
    auto cluster = open_cluster(ref, ctx.io);
    CancelFlag cancel;
    InterruptGuard guard(cancel);
    StatusReport r = cluster->status(connect, ctx.io, cancel);
    std::visit([&](const auto& result) { print(ctx, result); }, r);
    ctx.exit_code = static_cast<int>(exit_code_of(r));
  }

  static void print(CliContext& ctx, const RayObjectHealth& h) { print_kube_report(ctx, h); }

  static void print(CliContext& ctx, const ClusterStatus& s) {
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
  auto* cmd = root.add_subcommand(
      "status", "Show a cluster: each node reachable, Ray alive, resources (or a KubeRay object's health)");
  cmd->add_option("TARGET", c->ref.target,
                  "Launcher YAML, cluster name, KubeRay manifest, raycluster/NAME or rayservice/NAME")
      ->required();
  add_kube_flags(cmd, c->ref);
  cmd->add_flag("--accept-new-host-keys", c->connect.accept_new_host_keys, "Record unknown host keys in known_hosts");
  set_examples(
      cmd,
      "  rayctl status mycluster\n  rayctl status cluster.yaml -o json\n  rayctl status raycluster/demo -n serving\n"
      "Exit status: 0 when every node is reachable and ALIVE (Kubernetes: ready), 3 pending, 4 otherwise.");
  cmd->callback([c, &ctx] { c->run(ctx); });
}

}  // namespace rayctl::cli
