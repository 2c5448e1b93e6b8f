// `rayctl kube up|down|status|logs|serve-deploy|serve-status`: a temporary command group for
// KubeRay objects until the shared verbs (up, down, status, logs, serve) dispatch to
// cli/kube_verbs.h for Kubernetes targets. Each subcommand only declares flags and calls it.
#include "cli/command.h"
#include "cli/kube_verbs.h"

#include <memory>

namespace rayctl::cli {

namespace {

struct KubeArgs {
  KubeFlags flags;
  std::string target, file;
};

template <class Fn>
void on_run(CLI::App* cmd, CliContext& ctx, Fn fn) {
  cmd->callback([&ctx, fn] { ctx.exit_code = fn(); });
}

}  // namespace

static void setup_kube(CLI::App& root, CliContext& ctx) {
  auto* kube = root.add_subcommand("kube", "KubeRay clusters through the Kubernetes API (up, down, status, logs, serve)");
  kube->require_subcommand(1);
  set_examples(kube, "  rayctl kube up manifests/kuberay/raycluster-cpu.yaml\n  rayctl kube status raycluster-cpu\n"
                     "  rayctl kube down raycluster-cpu");
  auto a = std::make_shared<KubeArgs>();

  auto* up = kube->add_subcommand("up", "Server-side apply a RayCluster/RayService manifest and wait until it is ready");
  up->add_option("file", a->file, "KubeRay manifest (ray.io/v1 RayCluster or RayService)")->required()->type_name("FILE");
  add_kube_connection_flags(up, a->flags);
  add_kube_wait_flags(up, a->flags);
  add_kube_apply_flags(up, a->flags);
  set_examples(up, "  rayctl kube up manifests/kuberay/raycluster-cpu.yaml\n"
                   "  rayctl kube up rayservice.yaml --timeout 20m -n serving\n"
                   "  rayctl kube up raycluster.yaml --dry-run=server     # the API server validates, nothing changes");
  on_run(up, ctx, [a, &ctx] { return run_kube_up(a->file, a->flags, ctx); });

  auto* down = kube->add_subcommand("down", "Delete a RayCluster/RayService and wait until its pods are gone");
  down->add_option("target", a->target, "NAME, raycluster/NAME, rayservice/NAME or the manifest file")->required();
  add_kube_connection_flags(down, a->flags);
  add_kube_wait_flags(down, a->flags);
  set_examples(down, "  rayctl kube down raycluster-cpu\n  rayctl kube down manifests/kuberay/rayservice-rag.yaml --timeout 5m");
  on_run(down, ctx, [a, &ctx] { return run_kube_down(a->target, a->flags, ctx); });

  auto* status = kube->add_subcommand("status", "Health of a RayCluster/RayService: groups, pods, apps and why it is not ready");
  status->add_option("target", a->target, "NAME, raycluster/NAME, rayservice/NAME or the manifest file")->required();
  add_kube_connection_flags(status, a->flags);
  set_examples(status, "  rayctl kube status raycluster-cpu\n  rayctl kube status rayservice/rag -o json\n"
                       "Exit status: 0 ready, 3 not ready yet, 4 failed.");
  on_run(status, ctx, [a, &ctx] { return run_kube_status(a->target, a->flags, ctx); });

  auto* logs = kube->add_subcommand("logs", "Logs of the Ray pods of a cluster, each line prefixed with pod/container");
  logs->add_option("target", a->target, "NAME, raycluster/NAME or rayservice/NAME")->required();
  add_kube_connection_flags(logs, a->flags);
  add_kube_log_flags(logs, a->flags);
  set_examples(logs, "  rayctl kube logs raycluster-cpu --tail 100\n  rayctl kube logs rayservice/rag -f --group head");
  on_run(logs, ctx, [a, &ctx] { return run_kube_logs(a->target, a->flags, ctx); });

  auto* sd = kube->add_subcommand("serve-deploy", "Set a RayService's serveConfigV2 in place and wait for its applications");
  sd->add_option("rayservice", a->target, "RayService name")->required();
  sd->add_option("file", a->file, "Serve config, or a RayService manifest whose serveConfigV2 is used")->required();
  add_kube_connection_flags(sd, a->flags);
  add_kube_wait_flags(sd, a->flags);
  set_examples(sd, "  rayctl kube serve-deploy rag manifests/serve/rag.yaml");
  on_run(sd, ctx, [a, &ctx] { return run_kube_serve_deploy(a->target, a->file, a->flags, ctx); });

  auto* ss = kube->add_subcommand("serve-status", "Serve applications of a RayService (from its status, or --live from the dashboard)");
  ss->add_option("rayservice", a->target, "RayService name")->required();
  add_kube_connection_flags(ss, a->flags);
  ss->add_flag("--live", a->flags.live, "ask the head's dashboard through the API server's service proxy");
  set_examples(ss, "  rayctl kube serve-status rag\n  rayctl kube serve-status rag --live -o json");
  on_run(ss, ctx, [a, &ctx] { return run_kube_serve_status(a->target, a->flags, ctx); });
}

RAYCTL_COMMAND(450, "kube", setup_kube);

}  // namespace rayctl::cli
