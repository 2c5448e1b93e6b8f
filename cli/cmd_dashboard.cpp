// `rayctl dashboard TARGET [--port N]`: the head's Ray dashboard on a local port until Ctrl-C —
// through an SSH tunnel, straight, or the API server's service proxy, whatever runs the cluster.
#include "cli/cluster_flags.h"
#include "cluster/dashboard/dashboard_proxy.h"

#include <fmt/format.h>

namespace rayctl::cli {
namespace {

struct DashboardCommand {
  ClusterRef ref;
  int port = 8265;

  void run(CliContext& ctx) {
    auto cluster = open_cluster(ref, ctx.io);
    CancelFlag cancel;
    InterruptGuard guard(cancel);
    DashboardProxy proxy(cluster->dashboard(ctx.io, &cancel), port);
    if (ctx.format() == OutputFormat::Table) {
      *ctx.io.out << proxy.url() << "\n";
      say_info(ctx.io,
               fmt::format("dashboard of {} at {} ({}); Ctrl-C to stop", ref.target, proxy.url(), proxy.route()));
    } else {
      print_data(*ctx.io.out, ctx.format(), {{"url", proxy.url()}, {"port", proxy.port()}, {"route", proxy.route()}});
    }
    ctx.io.out->flush();
    proxy.serve_until(cancel);
    say_info(ctx.io, fmt::format("dashboard closed after {} requests", proxy.requests()));
  }
};

}  // namespace

void setup_dashboard(CLI::App& root, CliContext& ctx) {
  auto c = std::make_shared<DashboardCommand>();
  auto* cmd = root.add_subcommand(
      "dashboard", "Open the head's Ray dashboard on a local port (SSH tunnel or service proxy) until Ctrl-C");
  cmd->add_option("TARGET", c->ref.target,
                  "Launcher YAML, cluster name, KubeRay manifest, raycluster/NAME or rayservice/NAME")
      ->required();
  add_kube_flags(cmd, c->ref);
  cmd->add_option("-p,--port", c->port, "Local port on 127.0.0.1 (0: any free port)")
      ->check(CLI::Range(0, 65535))
      ->default_str("8265");
  set_examples(cmd,
               "  rayctl dashboard mycluster                 # then open http://127.0.0.1:8265\n"
               "  rayctl dashboard raycluster/demo -n serving --port 0 -o json   # {\"url\": ...} first\n"
               "Exit status: 0 after Ctrl-C, 6 unreachable, 7 auth/host key, 8 the port is taken.");
  cmd->callback([c, &ctx] { c->run(ctx); });
}

}  // namespace rayctl::cli
