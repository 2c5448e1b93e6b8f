// CLI glue for Kubernetes clusters: flags → kube_ray_ops → printers and exit codes.
#include "cli/kube_verbs.h"

#include "cli/kube_health_table.h"
#include "cluster/kube/kube_ray_ops.h"
#include "cluster/spec/kuberay_manifest.h"
#include "core/state_store.h"
#include "core/yaml_source.h"

#include <fmt/format.h>

#include <filesystem>

namespace rayctl::cli {

using nlohmann::json;

void add_kube_connection_flags(CLI::App* cmd, KubeFlags& f) {
  cmd->add_option("--kubeconfig", f.kubeconfig, "kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)")->type_name("FILE");
  cmd->add_option("--context", f.context, "kubeconfig context (default: current-context)")->type_name("NAME");
  cmd->add_option("-n,--namespace", f.namespace_, "namespace (default: the context's, else default)")->type_name("NS");
}

void add_kube_wait_flags(CLI::App* cmd, KubeFlags& f) {
  cmd->add_option("--timeout", f.timeout, "how long to wait, e.g. 90s, 10m (default 10m)")->type_name("DURATION");
  cmd->add_flag("--no-wait", f.no_wait, "return once the API server accepted the change");
}

void add_kube_apply_flags(CLI::App* cmd, KubeFlags& f) {
  cmd->add_option("--dry-run", f.dry_run_mode, "server-side dry run (--dry-run or --dry-run=server): the API server validates, nothing changes")
      ->expected(0, 1)
      ->check(CLI::IsMember({"", "server", "none"}));
  cmd->add_flag("--force-conflicts", f.force_conflicts, "take over fields another field manager owns");
}

void add_kube_log_flags(CLI::App* cmd, KubeFlags& f) {
  cmd->add_flag("-f,--follow", f.follow, "keep streaming new lines");
  cmd->add_option("--tail", f.tail, "only the last N lines of each pod")->type_name("N");
  cmd->add_option("--container", f.container, "container (default: the Ray container, containers[0])")->type_name("NAME");
  cmd->add_option("--group", f.group, "only pods of this worker group (head: the head pod)")->type_name("GROUP");
  cmd->add_option("--pod", f.pod, "only this pod")->type_name("POD");
  cmd->add_flag("--timestamps", f.timestamps, "prefix lines with the API server's timestamps");
}

long long parse_kube_duration_ms(const std::string& s) {
  if (s.empty()) throw Error(ErrorKind::Usage, "empty duration", "use e.g. 90s, 10m or 1h");
  if (s.find_first_not_of("0123456789") == std::string::npos) return std::stoll(s) * 1000;
  long long total = 0;
  size_t i = 0;
  while (i < s.size()) {
    size_t j = i;
    while (j < s.size() && (std::isdigit(static_cast<unsigned char>(s[j])) || s[j] == '.')) ++j;
    if (j == i || j == s.size()) throw Error(ErrorKind::Usage, fmt::format("malformed duration \"{}\"", s), "use e.g. 90s, 10m or 1h");
    double v = std::stod(s.substr(i, j - i));
    std::string unit;
    while (j < s.size() && std::isalpha(static_cast<unsigned char>(s[j]))) unit += s[j++];
    double mult = unit == "ms" ? 1 : unit == "s" ? 1000 : unit == "m" ? 60000 : unit == "h" ? 3600000 : -1;
    if (mult < 0) throw Error(ErrorKind::Usage, fmt::format("unknown unit \"{}\" in duration \"{}\"", unit, s), "use ms, s, m or h");
    total += static_cast<long long>(v * mult);
    i = j;
  }
  return total;
}

namespace {

KubeClient connect(const KubeFlags& f, CliContext& ctx) {
  auto target = load_kube_target(f.kubeconfig, {f.context, f.namespace_});
  say_debug(ctx.io, fmt::format("kubernetes: {} at {}, namespace {}", target.identity(), target.server, target.namespace_));
  return KubeClient(std::move(target), ctx.io.in_tty);
}

std::chrono::milliseconds timeout_of(const KubeFlags& f) { return std::chrono::milliseconds(parse_kube_duration_ms(f.timeout)); }

// The KubeRay document of a manifest file (the first ray.io document), validated locally.
struct LoadedManifest {
  YamlFile file;
  size_t doc = 0;
  KubeRayManifest manifest;
};

LoadedManifest load_manifest(const std::string& path, CliContext& ctx) {
  LoadedManifest m{YamlFile::load(path)};
  for (size_t i = 0; i < m.file.documents.size(); ++i) {
    if (!looks_like_kuberay_manifest(m.file.documents[i].root)) continue;
    Diagnostics diags;
    auto km = load_kuberay_manifest(m.file.documents[i], diags);
    if (diags.has_errors() || !km) {
      SourceCache cache;
      cache.add(path, m.file.text);
      render_diagnostics(*ctx.io.err, diags, cache, {ctx.io.color, ctx.io.err_tty});
      throw Error(ErrorKind::Invalid, fmt::format("{} has {} error(s); nothing was sent to the API server", path, diags.error_count()),
                  fmt::format("fix them (rayctl validate {} shows the same)", path));
    }
    m.doc = i;
    m.manifest = std::move(*km);
    return m;
  }
  throw Error(ErrorKind::Invalid, fmt::format("{} is not a KubeRay manifest (apiVersion ray.io/v1, kind RayCluster or RayService)", path),
              "for a launcher file or Serve config, render one first: rayctl render --to raycluster FILE > manifest.yaml");
}

// `NAME`, `KIND/NAME` or a manifest file → resource and name.
std::pair<KubeResource, std::string> resolve_target(KubeClient& client, const std::string& target, CliContext& ctx) {
  if (std::filesystem::is_regular_file(target)) {
    auto m = load_manifest(target, ctx);
    auto res = KubeResource::for_kind(m.manifest.object.value("apiVersion", "ray.io/v1"), m.manifest.kind);
    return {*res, m.manifest.name};
  }
  auto slash = target.find('/');
  if (slash != std::string::npos) {
    std::string kind = target.substr(0, slash), name = target.substr(slash + 1);
    for (auto& c : kind) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (kind == "raycluster" || kind == "rayclusters") return {KubeResource::raycluster(), name};
    if (kind == "rayservice" || kind == "rayservices") return {KubeResource::rayservice(), name};
    throw Error(ErrorKind::Usage, fmt::format("unknown kind \"{}\"", target.substr(0, slash)), "use raycluster/NAME or rayservice/NAME");
  }
  return {kube_resolve_kind(client, target), target};
}

void print_health(CliContext& ctx, const RayObjectHealth& h, json extra = json::object()) {
  if (ctx.format() != OutputFormat::Table) {
    auto j = h.to_json();
    j.update(extra);
    print_data(*ctx.io.out, ctx.format(), j);
    return;
  }
  print_kube_health(*ctx.io.out, h, Style{ctx.io.color});
}

int exit_for(const RayObjectHealth& h) {
  if (h.ready()) return 0;
  bool failed = (h.cluster && h.cluster->state == "failed") || (h.service && h.service->state == "failed");
  return static_cast<int>(failed ? ExitCode::Unhealthy : ExitCode::Pending);
}

int finish_wait(CliContext& ctx, const RayObjectHealth& h, WaitOutcome outcome, const std::string& verb, json extra) {
  print_health(ctx, h, std::move(extra));
  if (outcome == WaitOutcome::TimedOut) {
    say_warning(ctx.io, fmt::format("{}: timed out waiting; the reasons above say what is missing", verb));
    return static_cast<int>(ExitCode::Timeout);
  }
  return 0;
}

// Shows the API server's 400/422 at the manifest's lines, then rethrows.
[[noreturn]] void report_rejection(const KubeClient& client, const LoadedManifest& m, const Error& e, CliContext& ctx) {
  long status = client.last_failure().status;
  if (e.kind() == ErrorKind::Invalid && (status == 422 || status == 400 || status == 500)) {
    auto diags = validation_diagnostics(parse_kube_status(client.last_failure()), m.file.documents[m.doc]);
    if (ctx.format() == OutputFormat::Json) {
      *ctx.io.out << json{{"diagnostics", to_json(diags)}, {"error", to_json(e)}}.dump(2) << '\n';
      throw Error(ErrorKind::Invalid, e.message(), e.hint());
    }
    SourceCache cache;
    cache.add(m.file.file, m.file.text);
    render_diagnostics(*ctx.io.err, diags, cache, {ctx.io.color, ctx.io.err_tty});
  }
  throw e;
}

}  // namespace

int run_kube_up(const std::string& file, const KubeFlags& f, CliContext& ctx) {
  auto m = load_manifest(file, ctx);
  auto client = connect(f, ctx);
  KubeUpRequest req;
  req.object = m.manifest.object;
  req.apply.dry_run = f.dry_run || f.dry_run_mode != "none";
  req.apply.force = f.force_conflicts;
  req.wait = !f.no_wait;
  req.timeout = timeout_of(f);
  KubeProgress progress(ctx.io);
  bool show_progress = ctx.format() == OutputFormat::Table && ctx.io.verbosity >= 0;
  KubeUpResult r;
  try {
    r = kube_up(client, req, [&](const RayObjectHealth& h) {
      if (show_progress) progress.update(h);
    });
  } catch (const Error& e) {
    report_rejection(client, m, e, ctx);
  }
  progress.finish();
  json extra = {{"dry_run", r.dry_run}, {"apply_ms", r.apply_ms}, {"wait_ms", r.wait_ms}};
  if (!r.waited) {
    say_info(ctx.io, fmt::format("{} {}/{} {} (server-side apply, field manager {})", r.kind, r.namespace_, r.name,
                                 r.dry_run ? "accepted by a server-side dry run; nothing changed" : "applied", req.apply.field_manager));
    if (ctx.format() != OutputFormat::Table)
      print_data(*ctx.io.out, ctx.format(), {{"kind", r.kind}, {"name", r.name}, {"namespace", r.namespace_}, {"dry_run", r.dry_run},
                                             {"apply_ms", r.apply_ms}, {"object", r.applied}});
    return 0;
  }
  say_info(ctx.io, fmt::format("{} {}/{} applied in {:.0f} ms; {} after {:.1f} s", r.kind, r.namespace_, r.name, r.apply_ms,
                               r.outcome == WaitOutcome::Done ? "ready" : "NOT ready", r.wait_ms / 1000));
  return finish_wait(ctx, r.health, r.outcome, "up", extra);
}

int run_kube_down(const std::string& target, const KubeFlags& f, CliContext& ctx) {
  auto client = connect(f, ctx);
  auto [res, name] = resolve_target(client, target, ctx);
  KubeProgress progress(ctx.io);
  bool show_progress = ctx.format() == OutputFormat::Table && ctx.io.verbosity >= 0;
  auto r = kube_down(client, res, name, !f.no_wait, timeout_of(f), [&](const RayObjectHealth& h) {
    if (show_progress) progress.update(h);
  });
  progress.finish();
  json j = {{"kind", r.kind}, {"name", r.name}, {"namespace", r.namespace_}, {"existed", r.existed},
            {"pods_at_start", r.pods_at_start}, {"waited", r.waited}, {"gone", r.waited && r.outcome == WaitOutcome::Done},
            {"pods_left", r.health.live_pods}, {"wait_ms", r.wait_ms}};
  if (ctx.format() != OutputFormat::Table) print_data(*ctx.io.out, ctx.format(), j);
  else if (!r.existed) *ctx.io.out << fmt::format("{} {}/{} did not exist\n", r.kind, r.namespace_, r.name);
  else if (!r.waited) *ctx.io.out << fmt::format("{} {}/{} deleted (not waiting for its pods)\n", r.kind, r.namespace_, r.name);
  else if (r.outcome == WaitOutcome::Done)
    *ctx.io.out << fmt::format("{} {}/{} deleted; its {} pods are gone ({:.1f} s)\n", r.kind, r.namespace_, r.name, r.pods_at_start, r.wait_ms / 1000);
  if (r.waited && r.outcome == WaitOutcome::TimedOut) {
    if (ctx.format() == OutputFormat::Table) print_kube_health(*ctx.io.out, r.health, Style{ctx.io.color});
    throw Error(ErrorKind::Timeout, fmt::format("{} {}/{}: {} pods still present after {}", r.kind, r.namespace_, r.name,
                                                r.health.live_pods, f.timeout),
                "pods may be held by finalizers; check them with rayctl status");
  }
  return 0;
}

int run_kube_status(const std::string& target, const KubeFlags& f, CliContext& ctx) {
  auto client = connect(f, ctx);
  auto [res, name] = resolve_target(client, target, ctx);
  auto h = kube_status(client, res, name);
  print_health(ctx, h);
  return exit_for(h);
}

int run_kube_logs(const std::string& target, const KubeFlags& f, CliContext& ctx) {
  auto client = connect(f, ctx);
  auto [res, name] = resolve_target(client, target, ctx);
  KubeLogRequest req{f.group, f.pod, f.container, f.follow, f.tail, f.timestamps};
  Style st{ctx.io.color};
  bool json_lines = ctx.format() == OutputFormat::Json;
  kube_logs(client, res, name, req, [&](const std::string& prefix, const std::string& line) {
    if (json_lines) *ctx.io.out << json{{"source", prefix}, {"line", line}}.dump() << '\n';
    else *ctx.io.out << st.cyan("[" + prefix + "]") << ' ' << line << '\n';
    ctx.io.out->flush();
  });
  return 0;
}

std::string kube_rayservice_name(const std::string& target, CliContext& ctx) {
  std::string kind, name = target;
  if (std::filesystem::is_regular_file(target)) {
    auto m = load_manifest(target, ctx);
    kind = m.manifest.kind;
    name = m.manifest.name;
  } else if (auto slash = target.find('/'); slash != std::string::npos) {
    kind = target.substr(0, slash);
    name = target.substr(slash + 1);
    for (auto& c : kind) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (kind.empty() || kind == "rayservice" || kind == "rayservices" || kind == "RayService") {
    if (name.empty()) throw Error(ErrorKind::Usage, "--cluster " + target + " names no RayService", "use rayservice/NAME");
    return name;
  }
  throw Error(ErrorKind::Usage, fmt::format("{} is not a RayService; Serve on Kubernetes is deployed through a RayService's serveConfigV2", target),
              "use --cluster rayservice/NAME (rayctl render --to rayservice CLUSTER.yaml --serve SERVE.yaml makes one)");
}

static std::string serve_config_text(const std::string& path, CliContext& ctx) {
  auto file = YamlFile::load(path);
  for (const auto& d : file.documents)
    if (looks_like_kuberay_manifest(d.root)) {
      auto m = load_manifest(path, ctx);
      if (!m.manifest.serve_config)
        throw Error(ErrorKind::Invalid, fmt::format("{} has no spec.serveConfigV2", path), "give a Serve config file or a RayService manifest");
      return m.manifest.serve_config->text;
    }
  if (file.documents.empty() || !file.documents.front().root["applications"])
    throw Error(ErrorKind::Invalid, fmt::format("{} is not a Serve config (no applications:)", path),
                "give a Serve config (applications: [...]) or a RayService manifest");
  return file.text;
}

int run_kube_serve_deploy(const std::string& rayservice, const std::string& config_file, const KubeFlags& f, CliContext& ctx) {
  auto text = serve_config_text(config_file, ctx);
  auto client = connect(f, ctx);
  KubeProgress progress(ctx.io);
  bool show_progress = ctx.format() == OutputFormat::Table && ctx.io.verbosity >= 0;
  auto r = kube_serve_deploy(client, rayservice, text, !f.no_wait, timeout_of(f), [&](const RayObjectHealth& h) {
    if (show_progress) progress.update(h);
  });
  progress.finish();
  if (!r.waited) {
    say_info(ctx.io, fmt::format("serveConfigV2 of RayService {}/{} updated", r.namespace_, r.name));
    return 0;
  }
  return finish_wait(ctx, r.health, r.outcome, "serve deploy", {{"apply_ms", r.apply_ms}, {"wait_ms", r.wait_ms}});
}

int run_kube_serve_status(const std::string& rayservice, const KubeFlags& f, CliContext& ctx) {
  auto client = connect(f, ctx);
  if (f.live) {
    // Straight from the head's dashboard through the API server's service proxy.
    print_data(*ctx.io.out, ctx.format() == OutputFormat::Table ? OutputFormat::Yaml : ctx.format(),
               kube_serve_applications_live(client, rayservice));
    return 0;
  }
  auto h = kube_status(client, KubeResource::rayservice(), rayservice);
  print_health(ctx, h);
  return exit_for(h);
}

}  // namespace rayctl::cli
