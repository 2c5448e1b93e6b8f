// `rayctl serve deploy | status | config | delete`: Ray Serve through the dashboard REST API.
// Parses flags and prints; the work is in serve/ (ServeDeploy, DashboardClient, ServeStatus).
// `--cluster NAME|FILE` finds the dashboard from rayctl's state (directly or through an SSH
// tunnel); `--cluster rayservice/NAME` (or any Kubernetes flag) goes to the RayService path in
// cli/kube_verbs.h instead (deploy and status).
#include "cli/command.h"
#include "cli/kube_dispatch.h"

#include "core/json_yaml.h"
#include "core/yaml_source.h"
#include "cluster/dashboard/dashboard_address.h"
#include "serve/deploy/serve_deploy.h"
#include "serve/deploy/serve_status.h"

#include <memory>

namespace rayctl::cli {

namespace {

struct ServeCommonOptions {
  DashboardAddressOptions addr;
  double request_timeout_s = 30;
  KubeFlags kube;
};

void add_common(CLI::App* cmd, ServeCommonOptions& o) {
  cmd->add_option("--address", o.addr.address, "Dashboard URL (default: $RAY_DASHBOARD_ADDRESS, else http://127.0.0.1:8265)");
  cmd->add_option("--cluster", o.addr.cluster,
                  "A cluster rayctl brought up (NAME) or its launcher file (FILE); rayservice/NAME on Kubernetes");
  cmd->add_option("--token-file", o.addr.token_file, "File with the cluster's auth token (else $RAY_AUTH_TOKEN, $RAY_AUTH_TOKEN_PATH)");
  cmd->add_option("--request-timeout", o.request_timeout_s, "Seconds per HTTP request (default 30)");
  add_kube_connection_flags(cmd, o.kube);
}

// True when the command acts on a RayService through the Kubernetes API.
bool on_kubernetes(const ServeCommonOptions& o) {
  bool kube_flags = !o.kube.kubeconfig.empty() || !o.kube.context.empty() || !o.kube.namespace_.empty();
  if (o.addr.cluster.empty()) {
    if (kube_flags)
      throw Error(ErrorKind::Usage, "--kubeconfig/--context/-n need the RayService to act on",
                  "add --cluster rayservice/NAME");
    return false;
  }
  if (!is_kube_target(o.addr.cluster, o.kube)) return false;
  if (!o.addr.address.empty())
    throw Error(ErrorKind::Usage, "--address and a Kubernetes --cluster both name the cluster", "pass only one of them");
  return true;
}

void refuse_on_kubernetes(const ServeCommonOptions& o, const std::string& verb) {
  if (on_kubernetes(o))
    throw Error(ErrorKind::Usage, "`rayctl serve " + verb + "` does not act on a RayService yet",
                "`rayctl serve status --cluster " + o.addr.cluster + "` shows its applications; `rayctl down " +
                    o.addr.cluster + "` removes the RayService");
}

// "90", "90s", "5m", "1h" → milliseconds.
std::chrono::milliseconds parse_duration(const std::string& s) {
  if (s.empty()) throw Error(ErrorKind::Usage, "--timeout needs a value such as 90s or 10m");
  size_t pos = 0;
  double v = 0;
  try {
    v = std::stod(s, &pos);
  } catch (...) {
    throw Error(ErrorKind::Usage, "--timeout '" + s + "' is not a duration", "use e.g. 90, 90s, 10m or 1h");
  }
  std::string unit = s.substr(pos);
  double mult = unit.empty() || unit == "s" ? 1 : unit == "m" ? 60 : unit == "h" ? 3600 : unit == "ms" ? 0.001 : -1;
  if (mult < 0 || v < 0) throw Error(ErrorKind::Usage, "--timeout '" + s + "' is not a duration", "use e.g. 90, 90s, 10m or 1h");
  return std::chrono::milliseconds(static_cast<long long>(v * mult * 1000));
}

struct Session {
  std::unique_ptr<DashboardConnection> conn;
  HttpClient http;
  std::unique_ptr<DashboardClient> client;
};

std::unique_ptr<Session> open_session(ServeCommonOptions& o, CliContext& ctx) {
  auto s = std::make_unique<Session>();
  o.addr.request_timeout = std::chrono::milliseconds(static_cast<long long>(o.request_timeout_s * 1000));
  s->conn = connect_dashboard(o.addr, process_env(), ctx.io);
  s->client = std::make_unique<DashboardClient>(s->conn->endpoint, s->http);
  return s;
}

ServeConfig load_config_file(const std::string& path, CliContext& ctx) {
  YamlFile f = YamlFile::load(path);
  if (f.documents.empty()) throw Error(ErrorKind::Invalid, path + " is empty", "a Serve config has an `applications` list");
  Diagnostics diags, shown;
  auto cfg = load_serve_config(f.documents[0], diags);
  for (const auto& d : diags.items())
    if (d.id != "RL109") shown.add(d);  // local working_dir: rayctl uploads it, nothing to warn about
  SourceCache sources;
  sources.add(path, f.text);
  RenderOptions ro;
  ro.color = ctx.io.color;
  ro.show_source = ctx.io.err_tty;
  render_diagnostics(*ctx.io.err, shown, sources, ro);
  if (!cfg || diags.has_errors())
    throw Error(ErrorKind::Invalid, path + ": " + std::to_string(diags.error_count()) + " error(s) in the Serve config",
                "fix them and deploy again; nothing was sent to the cluster");
  return *cfg;
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
  cmd->add_option("--timeout", o->timeout, "How long to wait for RUNNING (default 10m; e.g. 90s, 5m)");
  cmd->add_flag("--force", o->force, "Deploy even if the live cluster can never schedule a replica");
  set_examples(cmd,
               "  rayctl serve deploy manifests/serve/rag.yaml --address http://127.0.0.1:8265\n"
               "  rayctl serve deploy app.yaml --merge            # keep the other live apps\n"
               "  rayctl serve deploy app.yaml --timeout 5m -o json\n"
               "  rayctl serve deploy rag.yaml --cluster mycluster    # a cluster `rayctl up` created (SSH tunnel if needed)\n"
               "  rayctl serve deploy rag.yaml --cluster rayservice/rag -n serving   # a RayService's serveConfigV2\n"
               "Exit status: 0 RUNNING, 1 refused/invalid, 4 DEPLOY_FAILED/UNHEALTHY, 5 --timeout, 6 unreachable.");
  cmd->callback([o, &ctx] {
    if (on_kubernetes(o->common)) {
      if (o->merge)
        throw Error(ErrorKind::Usage, "--merge does not apply to a RayService",
                    "its spec.serveConfigV2 is the whole Serve config: put every application in the file");
      KubeFlags kf = o->common.kube;
      kf.timeout = o->timeout;
      kf.no_wait = o->no_wait;
      ctx.exit_code = run_kube_serve_deploy(kube_rayservice_name(o->common.addr.cluster, ctx), o->file, kf, ctx);
      return;
    }
    ServeConfig cfg = load_config_file(o->file, ctx);
    auto s = open_session(o->common, ctx);
    ServeDeployOptions opt;
    opt.merge = o->merge;
    opt.yes = o->yes;
    opt.wait = !o->no_wait;
    opt.force = o->force;
    opt.timeout = parse_duration(o->timeout);
    ServeDeploy deploy(*s->client, ctx.io, opt);
    ServeDeployResult r = deploy.run(cfg, o->file);
    auto f = ctx.format();
    Style st{ctx.io.color};
    if (f != OutputFormat::Table) {
      print_data(*ctx.io.out, f, to_json(r));
    } else {
      print_serve_diff(*ctx.io.err, r.diff, st);
      for (const auto& line : r.report) *ctx.io.err << line << "\n";
      if (r.outcome == "running")
        *ctx.io.out << "deployed: every application is RUNNING (" << std::to_string(r.seconds).substr(0, 5) << " s)\n";
      else if (r.outcome == "accepted")
        *ctx.io.out << "accepted by Serve (not waiting: --no-wait)\n";
      else
        *ctx.io.out << "deploy " << r.outcome << "\n";
    }
    ctx.exit_code = static_cast<int>(r.exit_code);
  });
}

void setup_status(CLI::App* serve, CliContext& ctx) {
  auto* cmd = serve->add_subcommand("status", "Applications, deployments and replicas, with an exit code for health");
  struct Opts {
    ServeCommonOptions common;
    std::vector<std::string> apps;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("APP", o->apps, "Only these applications");
  add_common(cmd, o->common);
  cmd->add_flag("--live", o->common.kube.live,
                "RayService: ask the head's dashboard through the API server's service proxy instead of the status");
  set_examples(cmd,
               "  rayctl serve status\n  rayctl serve status rag -o json\n  rayctl serve status --cluster mycluster\n"
               "  rayctl serve status --cluster rayservice/rag -n serving   # from the RayService's status\n"
               "Exit status: 0 all RUNNING, 3 deploying, 4 DEPLOY_FAILED/UNHEALTHY, 6 unreachable.");
  cmd->callback([o, &ctx] {
    if (on_kubernetes(o->common)) {
      ctx.exit_code = run_kube_serve_status(kube_rayservice_name(o->common.addr.cluster, ctx), o->common.kube, ctx);
      return;
    }
    auto s = open_session(o->common, ctx);
    ServeStatus st = parse_serve_status(s->client->serve_details());
    ServeHealth h = serve_health(st, o->apps);
    auto f = ctx.format();
    if (f == OutputFormat::Table)
      print_serve_status(*ctx.io.out, st, o->apps, Style{ctx.io.color});
    else
      print_data(*ctx.io.out, f, serve_status_json(st, o->apps));
    ctx.exit_code = static_cast<int>(exit_code_for(h));
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
    refuse_on_kubernetes(o->common, "config");
    auto s = open_session(o->common, ctx);
    ServeStatus st = parse_serve_status(s->client->serve_details());
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

void setup_delete(CLI::App* serve, CliContext& ctx) {
  auto* cmd = serve->add_subcommand("delete", "Delete applications (all: shut Serve down) and wait until they are gone");
  struct Opts {
    ServeCommonOptions common;
    std::vector<std::string> apps;
    bool no_wait = false;
    std::string timeout = "2m";
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("APP", o->apps, "Applications to delete (none: every application, and Serve itself)");
  add_common(cmd, o->common);
  cmd->add_flag("--no-wait", o->no_wait, "Return once Serve accepted the request");
  cmd->add_option("--timeout", o->timeout, "How long to wait until they are gone (default 2m)");
  set_examples(cmd, "  rayctl serve delete rag\n  rayctl serve delete          # shuts Serve down");
  cmd->callback([o, &ctx] {
    refuse_on_kubernetes(o->common, "delete");
    auto s = open_session(o->common, ctx);
    auto gone = delete_serve_apps(*s->client, o->apps, !o->no_wait, parse_duration(o->timeout));
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
