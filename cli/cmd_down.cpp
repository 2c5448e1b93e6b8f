// `rayctl down TARGET`: stop a cluster — exactly this cluster's Ray on every node of an SSH
// cluster (workers, then head), or delete a KubeRay object and wait until its pods are gone.
#include "cli/cluster_flags.h"
#include "core/duration.h"

#include <fmt/format.h>

namespace rayctl::cli {
namespace {

struct DownCommand {
  ClusterRef ref;
  DownOptions opt;
  std::string timeout = "10m";
  bool yes = false;  // accepted for `ray down` compatibility

  void run(CliContext& ctx) {
    opt.timeout = parse_duration(timeout);
    auto cluster = open_cluster(ref, ctx.io);
    CancelFlag cancel;
    InterruptGuard guard(cancel);
    DownReport r = cluster->down(opt, ctx.io, cancel);
    std::visit([&](const auto& result) { print(ctx, result); }, r);
  }

  void print(CliContext& ctx, const DownResult& r) const {
    auto f = ctx.format();
    if (f != OutputFormat::Table) return print_data(*ctx.io.out, f, to_json(r));
    Table t({"node", "host", "role", "stopped", "left", "other clusters' ray"});
    for (const auto& n : r.nodes)
      t.add_row(
          {n.node, n.host, n.role, std::to_string(n.stopped), std::to_string(n.left), std::to_string(n.other_ray)});
    t.print(*ctx.io.out);
    *ctx.io.out << (opt.workers_only
                        ? "Workers of " + r.cluster + " stopped; the head keeps running.\n"
                        : "Cluster " + r.cluster + " is down" + (r.state_removed ? " (state removed).\n" : ".\n"));
  }

  void print(CliContext& ctx, const KubeDownResult& r) const {
    std::string obj = fmt::format("{} {}/{}", r.kind, r.namespace_, r.name);
    if (ctx.format() != OutputFormat::Table)
      return print_data(*ctx.io.out, ctx.format(),
                        {{"kind", r.kind},
                         {"name", r.name},
                         {"namespace", r.namespace_},
                         {"existed", r.existed},
                         {"pods_at_start", r.pods_at_start},
                         {"waited", r.waited},
                         {"gone", r.waited && r.outcome == WaitOutcome::Done},
                         {"pods_left", r.health.live_pods},
                         {"wait_ms", r.wait_ms}});
    if (!r.existed)
      *ctx.io.out << obj << " did not exist\n";
    else if (!r.waited)
      *ctx.io.out << obj << " deleted (not waiting for its pods)\n";
    else
      *ctx.io.out << fmt::format("{} deleted; its {} pods are gone ({:.1f} s)\n", obj, r.pods_at_start,
                                 r.wait_ms / 1000);
  }
};

}  // namespace

void setup_down(CLI::App& root, CliContext& ctx) {
  auto c = std::make_shared<DownCommand>();
  auto* cmd =
      root.add_subcommand("down", "Stop a cluster: this cluster's Ray on every node, or its KubeRay object and pods");
  cmd->add_option("TARGET", c->ref.target,
                  "Launcher YAML, the name of a cluster rayctl brought up, a KubeRay manifest, or raycluster/NAME, "
                  "rayservice/NAME")
      ->required();
  add_kube_flags(cmd, c->ref);
  cmd->add_flag("--workers-only", c->opt.workers_only, "Stop the workers and keep the head running (SSH)");
  cmd->add_flag("--accept-new-host-keys", c->opt.connect.accept_new_host_keys,
                "Record unknown host keys in known_hosts");
  cmd->add_flag(
      "--no-wait", [c](std::int64_t) { c->opt.wait = false; }, "Kubernetes: return once the object is deleted");
  add_timeout_flag(cmd, c->timeout, "Kubernetes: how long to wait until the pods are gone");
  cmd->add_flag("-y,--yes", c->yes, "Accepted for compatibility with `ray down` (down never asks)");
  set_examples(cmd,
               "  rayctl down cluster.yaml\n  rayctl down mycluster --workers-only\n  rayctl down mycluster -o json\n"
               "  rayctl down rayservice/rag -n serving");
  cmd->callback([c, &ctx] { c->run(ctx); });
}

}  // namespace rayctl::cli
