// `rayctl inference deploy | undeploy`: the bundled LLM worker on a cluster through Ray Serve.
// Parses flags and prints; the work is serve/llm/llm_deploy.h.
#include "cli/cluster_flags.h"
#include "cli/commands.h"

#include "cluster/dashboard/dashboard_address.h"
#include "cluster/nodes/fanout_executor.h"
#include "core/duration.h"
#include "core/json_yaml.h"
#include "serve/llm/llm_deploy.h"
#include "serve/serve_target.h"

#include <memory>

namespace rayctl::cli {

namespace {

struct DeployOpts {
  ClusterRef cluster;
  std::string model, binary, token_file, timeout = "10m";
  LlmDeploySpec spec;
  int replicas = 0, min = -1, max = -1;
  double gpus = -1;
  bool dry_run = false, no_wait = false, force = false, accept_new_host_keys = false;
};

void print_result(CliContext& ctx, const LlmDeployResult& r, bool dry_run) {
  auto f = ctx.format();
  if (f != OutputFormat::Table) return print_data(*ctx.io.out, f, to_json(r));
  if (dry_run) {
    *ctx.io.out << to_yaml_text(r.config);
    say_info(ctx.io, "dry run: checked against the live cluster's resources; nothing was copied or deployed");
    return;
  }
  uint64_t bytes = 0;
  for (const auto& c : r.copies) {
    bytes += c.bytes_sent;
    *ctx.io.err << c.node << ": " << c.copied << " file(s) copied (" << c.bytes_sent << " bytes), " << c.present
                << " already there\n";
  }
  *ctx.io.err << "bytes sent: " << bytes << "\n";
  if (r.deploy) {
    for (const auto& line : r.deploy->report) *ctx.io.err << line << "\n";
    if (r.deploy->outcome != "running" && r.deploy->outcome != "accepted") {
      *ctx.io.out << "deploy " << r.deploy->outcome << "\n";
      ctx.exit_code = static_cast<int>(r.exit_code);
      return;
    }
  }
  *ctx.io.out << "endpoint: " << r.endpoint << "/v1\n" << r.curl << "\n";
  ctx.exit_code = static_cast<int>(r.exit_code);
}

void deploy(CliContext& ctx, DeployOpts& o) {
  LlmDeployOptions opt;
  opt.spec = o.spec;
  if (o.replicas > 0) opt.spec.replicas = o.replicas;
  if (o.min >= 0) opt.spec.min_replicas = o.min;
  if (o.max >= 0) opt.spec.max_replicas = o.max;
  if (o.gpus >= 0) opt.spec.gpus_per_replica = o.gpus;
  check_llm_spec(opt.spec);  // flag mistakes before any connection
  opt.model_file = o.model;
  opt.rayctl_binary = o.binary;
  opt.dry_run = o.dry_run;
  opt.deploy.wait = !o.no_wait;
  opt.deploy.force = o.force;
  opt.deploy.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(parse_duration(o.timeout, "--timeout"));
  opt.connect.accept_new_host_keys = o.accept_new_host_keys;
  opt.token = resolve_dashboard_token(o.token_file, ctx.env);
  auto cluster = open_cluster(o.cluster, ctx.io);
  CancelFlag cancel;
  InterruptGuard guard(cancel);
  print_result(ctx, deploy_llm(*cluster, opt, ctx.io, cancel), o.dry_run);
}

}  // namespace

void setup_inference_deploy(CLI::App* inference, CliContext& ctx) {
  auto o = std::make_shared<DeployOpts>();
  auto* d = inference->add_subcommand(
      "deploy", "Serve a model on a cluster through Ray Serve: copy the worker and the model, deploy, wait");
  d->add_option("--model,-m", o->model, "GGUF file here; copied to every node (once: unchanged files are kept)")
      ->required();
  d->add_option("--cluster", o->cluster.target, "A cluster rayctl brought up (NAME) or its launcher file (FILE)")
      ->required();
  d->add_option("--name", o->spec.name, "Serve application name (default llm)");
  d->add_option("--route", o->spec.route, "HTTP route prefix (default /llm)");
  d->add_option("--replicas", o->replicas, "Fixed number of replicas (default 1)")->check(CLI::Range(1, 1000));
  d->add_option("--min", o->min, "Autoscaling: fewest replicas (with --max)")->check(CLI::Range(0, 1000));
  d->add_option("--max", o->max, "Autoscaling: most replicas, on ongoing requests (with --min)")
      ->check(CLI::Range(1, 1000));
  d->add_option("--gpus-per-replica", o->gpus, "GPUs per replica: 1, or 0.5 to put two on one GPU (cuda only)")
      ->check(CLI::Range(0.0, 8.0));
  d->add_option("--cpus-per-replica", o->spec.cpus_per_replica, "CPUs Ray reserves per replica (default 1)")
      ->check(CLI::Range(0.01, 256.0));
  d->add_option("--device", o->spec.device, "Where each worker runs the model: cpu or cuda")
      ->check(CLI::IsMember({"cpu", "cuda"}));
  d->add_option("--parallel", o->spec.parallel, "Sequences each worker decodes at once (default 4)")
      ->check(CLI::Range(1, 1024));
  d->add_option("--ctx", o->spec.ctx, "Longest sequence in tokens (default: the worker's)")
      ->check(CLI::NonNegativeNumber);
  d->add_option("--rayctl-binary", o->binary, "The rayctl to run on the nodes (default: this one)");
  d->add_option("--token-file", o->token_file, "File with the dashboard's auth token (else $RAY_AUTH_TOKEN)");
  d->add_flag("--dry-run", o->dry_run, "Print the Serve config and check it against the cluster; copy nothing");
  d->add_flag("--no-wait", o->no_wait, "Return once Serve accepted the config");
  d->add_flag("--force", o->force, "Deploy even if no live node can hold a replica");
  d->add_flag("--accept-new-host-keys", o->accept_new_host_keys, "Record unknown host keys in known_hosts");
  add_timeout_flag(d, o->timeout, "How long to wait for RUNNING");
  set_examples(d,
               "  rayctl inference deploy --model SmolLM2-135M-Instruct.Q4_1.gguf --cluster mycluster --device cpu\n"
               "  rayctl inference deploy -m m.gguf --cluster c.yaml --device cuda --min 1 --max 4\n"
               "  rayctl inference deploy -m m.gguf --cluster c.yaml --dry-run > llm.yaml && rayctl validate llm.yaml\n"
               "Exit status: 0 RUNNING, 1 refused/invalid, 4 DEPLOY_FAILED/UNHEALTHY, 5 --timeout, 6 unreachable.");
  d->callback([&ctx, o] { deploy(ctx, *o); });

  struct UndeployOpts {
    ClusterRef cluster;
    std::string name = "llm", timeout = "2m";
    std::string token_file;
  };
  auto u = std::make_shared<UndeployOpts>();
  auto* ud = inference->add_subcommand("undeploy", "Remove the LLM application from a cluster's Serve");
  ud->add_option("--cluster", u->cluster.target, "A cluster rayctl brought up (NAME) or its launcher file (FILE)")
      ->required();
  ud->add_option("--name", u->name, "Serve application name (default llm)");
  ud->add_option("--token-file", u->token_file, "File with the dashboard's auth token (else $RAY_AUTH_TOKEN)");
  add_timeout_flag(ud, u->timeout, "How long to wait until it is gone");
  set_examples(ud, "  rayctl inference undeploy --cluster mycluster\n  rayctl serve delete llm --cluster mycluster");
  ud->callback([&ctx, u] {
    ServeTargetOptions t;
    t.addr.cluster = u->cluster.target;
    t.addr.token_file = u->token_file;
    auto target = ServeTarget::open(t, ctx.env, ctx.io);
    auto gone = delete_serve_apps(target->dashboard("delete"), {u->name}, true, parse_duration(u->timeout));
    if (ctx.format() != OutputFormat::Table) return print_data(*ctx.io.out, ctx.format(), {{"deleted", gone}});
    for (const auto& a : gone) *ctx.io.out << "deleted " << a << "\n";
  });
}

}  // namespace rayctl::cli
