// `rayctl serve deploy | status | config | delete`: Ray Serve through the dashboard REST API, or
// a RayService's serveConfigV2. Parses flags and prints; where the verbs act is resolved by
// serve/serve_target.h (--address, $RAY_DASHBOARD_ADDRESS, or --cluster of any provider).
#include "cli/cluster_flags.h"

#include "core/duration.h"
#include "core/json_yaml.h"
#include "serve/serve_target.h"

#include <memory>

namespace rayctl::cli {

namespace {

struct ServeCommonOptions {
  ServeTargetOptions target;
  std::string request_timeout = "30s";
};

void add_common(CLI::App* cmd, ServeCommonOptions& o) {
  cmd->add_option("--address", o.target.addr.address,
                  "Dashboard URL (default: $RAY_DASHBOARD_ADDRESS, else http://127.0.0.1:8265)");
  cmd->add_option("--cluster", o.target.addr.cluster,
                  "A cluster rayctl brought up (NAME) or its launcher file (FILE); rayservice/NAME on Kubernetes");
  cmd->add_option("--token-file", o.target.addr.token_file,
                  "File with the cluster's auth token (else $RAY_AUTH_TOKEN, $RAY_AUTH_TOKEN_PATH)");
  cmd->add_option("--request-timeout", o.request_timeout,
                  "Longest wait for one HTTP request (a duration: 30s, 2m, or plain seconds; default 30s)")
      ->type_name("DURATION");
  add_kube_flags(cmd, o.target.kube);
}

std::unique_ptr<ServeTarget> open_target(ServeCommonOptions& o, CliContext& ctx) {
  o.target.addr.request_timeout =
      std::chrono::duration_cast<std::chrono::milliseconds>(parse_duration(o.request_timeout, "--request-timeout"));
  return ServeTarget::open(o.target, ctx.env, ctx.io);
}

void print_deploy(CliContext& ctx, const ServeDeployResult& r) {
  auto f = ctx.format();
  if (f != OutputFormat::Table) return print_data(*ctx.io.out, f, to_json(r));
  print_serve_diff(*ctx.io.err, r.diff, Style{ctx.io.color});
  for (const auto& line : r.report) *ctx.io.err << line << "\n";
  if (r.outcome == "running")
    *ctx.io.out << "deployed: every application is RUNNING (" << std::to_string(r.seconds).substr(0, 5) << " s)\n";
  else if (r.outcome == "accepted")
    *ctx.io.out << "accepted by Serve (not waiting: --no-wait)\n";
  else
    *ctx.io.out << "deploy " << r.outcome << "\n";
  ctx.exit_code = static_cast<int>(r.exit_code);
}

void print_deploy(CliContext& ctx, const KubeUpResult& r) {
  if (!r.waited) return say_info(ctx.io, "serveConfigV2 of RayService " + r.namespace_ + "/" + r.name + " updated");
  print_kube_report(ctx, r.health, {{"apply_ms", r.apply_ms}, {"wait_ms", r.wait_ms}});
  if (r.outcome == WaitOutcome::TimedOut) {
    say_warning(ctx.io, "serve deploy: timed out waiting; the reasons above say what is missing");
    ctx.exit_code = static_cast<int>(ExitCode::Timeout);
  }
}

void print_status(CliContext& ctx, const RayObjectHealth& h, const std::vector<std::string>&) {
  print_kube_report(ctx, h);
  ctx.exit_code = static_cast<int>(exit_code_of(StatusReport(h)));
}

void print_status(CliContext& ctx, const ServeStatus& st, const std::vector<std::string>& apps) {
  ServeHealth h = serve_health(st, apps);
  auto f = ctx.format();
  if (f == OutputFormat::Table)
    print_serve_status(*ctx.io.out, st, apps, Style{ctx.io.color});
  else
    print_data(*ctx.io.out, f, serve_status_json(st, apps));
  ctx.exit_code = static_cast<int>(exit_code_for(h));
}

void setup_deploy(CLI::App* serve, CliContext& ctx) {
  auto* cmd = serve->add_subcommand("deploy", "Deploy a Serve config, show what changes, and wait until it is RUNNING");
  struct Opts {
    ServeCommonOptions common;
    std::string file, timeout = "10m";
    bool merge = false, yes = false, no_wait = false, force = false;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("FILE", o->file, "Serve config (the `serve deploy` format)")->required();
  add_common(cmd, o->common);
  cmd->add_flag("--merge", o->merge, "Keep live applications the file does not name (GET, merge, PUT)");
  cmd->add_flag("-y,--yes", o->yes, "Delete live applications the file leaves out without asking");
  cmd->add_flag("--no-wait", o->no_wait, "Return once Serve accepted the config");
  add_timeout_flag(cmd, o->timeout, "How long to wait for RUNNING");
  cmd->add_flag("--force", o->force, "Deploy even if the live cluster can never schedule a replica");
  set_examples(
      cmd,
      "  rayctl serve deploy manifests/serve/rag.yaml --address http://127.0.0.1:8265\n"
      "  rayctl serve deploy app.yaml --merge            # keep the other live apps\n"
      "  rayctl serve deploy app.yaml --timeout 5m -o json\n"
      "  rayctl serve deploy rag.yaml --cluster mycluster    # a cluster `rayctl up` created (SSH tunnel if needed)\n"
      "  rayctl serve deploy rag.yaml --cluster rayservice/rag -n serving   # a RayService's serveConfigV2\n"
      "Exit status: 0 RUNNING, 1 refused/invalid, 4 DEPLOY_FAILED/UNHEALTHY, 5 --timeout, 6 unreachable.");
  cmd->callback([o, &ctx] {
    ServeDeployOptions opt;
    opt.merge = o->merge;
    opt.yes = o->yes;
    opt.confirm = terminal_confirmer(ctx.io);
    opt.wait = !o->no_wait;
    opt.force = o->force;
    opt.timeout = parse_duration(o->timeout);
    auto target = open_target(o->common, ctx);
    ServeDeployReport r = deploy_serve_file(*target, o->file, opt, ctx.io);
    std::visit([&](const auto& result) { print_deploy(ctx, result); }, r);
  });
}

void setup_status(CLI::App* serve, CliContext& ctx) {
  auto* cmd = serve->add_subcommand("status", "Applications, deployments and replicas, with an exit code for health");
  struct Opts {
    ServeCommonOptions common;
    std::vector<std::string> apps;
    bool live = false;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("APP", o->apps, "Only these applications");
  add_common(cmd, o->common);
  cmd->add_flag("--live", o->live,
                "RayService: ask the head's dashboard through the API server's service proxy instead of the status");
  set_examples(cmd,
               "  rayctl serve status\n  rayctl serve status rag -o json\n  rayctl serve status --cluster mycluster\n"
               "  rayctl serve status --cluster rayservice/rag -n serving   # from the RayService's status\n"
               "Exit status: 0 all RUNNING, 3 deploying, 4 DEPLOY_FAILED/UNHEALTHY, 6 unreachable.");
  cmd->callback([o, &ctx] {
    auto target = open_target(o->common, ctx);
    ServeStatusReport r = serve_status(*target, o->live);
    std::visit([&](const auto& result) { print_status(ctx, result, o->apps); }, r);
  });
}

void setup_config(CLI::App* serve, CliContext& ctx) {
  auto* cmd = serve->add_subcommand("config", "The live config of each application (YAML, as deployed)");
  struct Opts {
    ServeCommonOptions common;
    std::vector<std::string> apps;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("APP", o->apps, "Only these applications");
  add_common(cmd, o->common);
  set_examples(cmd, "  rayctl serve config\n  rayctl serve config rag > rag-live.yaml\n  rayctl serve config -o json");
  cmd->callback([o, &ctx] {
    auto target = open_target(o->common, ctx);
    ServeStatus st = parse_serve_status(target->dashboard("config").serve_details());
    serve_health(st, o->apps);  // throws NotFound for an unknown APP
    nlohmann::json list = nlohmann::json::array();
    for (const auto& a : st.apps)
      if ((o->apps.empty() || std::find(o->apps.begin(), o->apps.end(), a.name) != o->apps.end()) &&
          a.deployed_app_config.is_object())
        list.push_back(a.deployed_app_config);
    auto f = ctx.format();
    if (f != OutputFormat::Table) {
      print_data(*ctx.io.out, f, list);
      return;
    }
    bool first = true;
    for (const auto& c : list) {
      if (!first) *ctx.io.out << "---\n";
      first = false;
      *ctx.io.out << to_yaml_text(c);
      if (!to_yaml_text(c).empty() && to_yaml_text(c).back() != '\n') *ctx.io.out << "\n";
    }
    if (list.empty()) say_info(ctx.io, "no applications deployed from a config");
  });
}

// `serve delete` without an APP shuts Serve down: asked on a terminal, refused without one
// unless -y (a CI script that meant it says so; one that forgot an APP loses nothing).
void confirm_shutdown(CliContext& ctx) {
  Confirmer ask = terminal_confirmer(ctx.io);
  if (!ask)
    throw Error(ErrorKind::Usage, "serve delete with no APP deletes every application and shuts Serve down",
                "name the applications to delete, or pass -y to shut Serve down");
  if (!ask("Delete every Serve application and shut Serve down?"))
    throw Error(ErrorKind::Cancelled, "serve delete: not confirmed; nothing was deleted");
}

void setup_delete(CLI::App* serve, CliContext& ctx) {
  auto* cmd =
      serve->add_subcommand("delete", "Delete applications (all: shut Serve down) and wait until they are gone");
  struct Opts {
    ServeCommonOptions common;
    std::vector<std::string> apps;
    bool no_wait = false, yes = false;
    std::string timeout = "2m";
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("APP", o->apps, "Applications to delete (none: every application, and Serve itself)");
  add_common(cmd, o->common);
  cmd->add_flag("--no-wait", o->no_wait, "Return once Serve accepted the request");
  cmd->add_flag("-y,--yes", o->yes, "Shut Serve down without asking when no APP is named");
  add_timeout_flag(cmd, o->timeout, "How long to wait until they are gone");
  set_examples(cmd,
               "  rayctl serve delete rag\n"
               "  rayctl serve delete          # asks, then shuts Serve down (like `serve shutdown`)\n"
               "  rayctl serve delete -y       # the same without asking (CI)");
  cmd->callback([o, &ctx] {
    auto timeout = parse_duration(o->timeout);
    if (o->apps.empty() && !o->yes) confirm_shutdown(ctx);
    auto target = open_target(o->common, ctx);
    auto gone = delete_serve_apps(target->dashboard("delete"), o->apps, !o->no_wait, timeout);
    auto f = ctx.format();
    if (f != OutputFormat::Table) {
      print_data(*ctx.io.out, f, {{"deleted", gone}, {"waited", !o->no_wait}});
      return;
    }
    for (const auto& a : gone) *ctx.io.out << "deleted " << a << "\n";
    if (gone.empty()) *ctx.io.out << "no applications to delete\n";
  });
}

}  // namespace

void setup_serve(CLI::App& root, CliContext& ctx) {
  auto* serve = root.add_subcommand("serve", "Deploy and inspect Ray Serve applications through the dashboard");
  serve->require_subcommand(1);
  set_examples(serve,
               "  rayctl serve deploy manifests/serve/rag.yaml\n  rayctl serve status\n  rayctl serve config rag\n"
               "  rayctl serve delete rag\nSee man rayctl-serve.");
  setup_deploy(serve, ctx);
  setup_status(serve, ctx);
  setup_config(serve, ctx);
  setup_delete(serve, ctx);
}

}  // namespace rayctl::cli
