// The cross-field rules of Ray Serve's config schema (ServeDeploySchema validators of Ray 2.53,
// plus what `serve deploy` only finds at run time), ids RL1xx, each with positions and a hint.
#include "serve/config/serve_config.h"

#include "core/yaml_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

namespace rayctl {

namespace {

SourceLoc at(const std::map<std::string, SourceLoc>& locs, const std::string& key, const SourceLoc& fallback) {
  auto it = locs.find(key);
  return it != locs.end() && it->second.known() ? it->second : fallback;
}

void check_route(const ServeApplication& app, Diagnostics& diags) {
  if (!app.route_prefix) return;
  const std::string& v = *app.route_prefix;
  SourceLoc loc = at(app.locs, "route_prefix", app.loc);
  std::string problem;
  if (v.empty() || v[0] != '/')
    problem = "must start with \"/\"";
  else if (v.size() > 1 && v.back() == '/')
    problem = "must not end with \"/\" (unless it is just \"/\")";
  else if (v.find_first_of("{}") != std::string::npos)
    problem = "cannot contain wildcards \"{\" or \"}\"";
  if (problem.empty()) return;
  std::string fixed = v;
  while (fixed.size() > 1 && fixed.back() == '/') fixed.pop_back();
  if (fixed.empty() || fixed[0] != '/') fixed = "/" + fixed;
  diags.error(
      diag_id::kBadRoutePrefix, loc, fmt::format("route_prefix \"{}\" of application '{}' {}", v, app.name, problem),
      problem.find('{') != std::string::npos ? "use a fixed prefix; parse path parameters inside the application"
                                             : fmt::format("write route_prefix: {}", fixed));
}

// Serve's import_path_format_valid, to the letter.
std::string import_path_problem(const std::string& v) {
  if (v.find(':') != std::string::npos) {
    if (std::count(v.begin(), v.end(), ':') > 1) return "may have at most one colon";
    if (v.front() == ':' || v.back() == ':') return "may not start or end with a colon";
    return {};
  }
  if (v.find('.') == std::string::npos) return "needs a colon or a dot between the module and the attribute";
  if (v.front() == '.' || v.back() == '.') return "may not start or end with a dot";
  return {};
}

bool autoscaling_on(const ServeDeployment& d) { return d.autoscaling.has_value() || d.num_replicas_auto; }

void check_autoscaling(const ServeDeployment& d, const std::string& app, Diagnostics& diags) {
  if (d.num_replicas && d.autoscaling) {
    auto& diag = diags.error(
        diag_id::kReplicasAndAutoscaling, at(d.locs, "num_replicas", d.loc),
        fmt::format("deployment '{}' of application '{}' sets num_replicas {} together with autoscaling_config", d.name,
                    app, *d.num_replicas),
        "remove num_replicas (autoscaling decides it), or write num_replicas: auto, or drop autoscaling_config");
    diag.related = at(d.locs, "autoscaling_config", d.loc);
    diag.related_message = "autoscaling_config";
  }
  if (!d.autoscaling) return;
  const ServeAutoscaling& a = *d.autoscaling;
  // Serve's defaults: min 1, max 1 (num_replicas "auto": max 100), initial = min.
  int min = a.min_replicas.value_or(1);
  int max = a.max_replicas.value_or(d.num_replicas_auto ? 100 : 1);
  auto key = [&](const char* k) { return at(d.locs, std::string("autoscaling_config.") + k, a.loc); };
  std::string who = fmt::format("deployment '{}' autoscaling", d.name);
  if (min > max) {
    auto& diag =
        diags.error(diag_id::kAutoscalingBounds, a.max_replicas ? key("max_replicas") : key("min_replicas"),
                    fmt::format("{}: max_replicas {}{} is below min_replicas {}", who, max,
                                a.max_replicas ? "" : " (the default)", min),
                    a.max_replicas ? "make min_replicas ≤ max_replicas" : "set max_replicas (it defaults to 1)");
    if (a.max_replicas && a.min_replicas) {
      diag.related = key("min_replicas");
      diag.related_message = "min_replicas";
    }
  }
  if (a.initial_replicas && (*a.initial_replicas < min || *a.initial_replicas > max)) {
    bool low = *a.initial_replicas < min;
    auto& diag = diags.error(diag_id::kAutoscalingBounds, key("initial_replicas"),
                             fmt::format("{}: initial_replicas {} is {} {} {}", who, *a.initial_replicas,
                                         low ? "below min_replicas" : "above max_replicas", low ? min : max,
                                         "(Serve needs min_replicas ≤ initial_replicas ≤ max_replicas)"),
                             "move initial_replicas inside [min_replicas, max_replicas]");
    diag.related = key(low ? "min_replicas" : "max_replicas");
    diag.related_message = low ? "min_replicas" : "max_replicas";
  }
}

void check_bundles(const ServeDeployment& d, Diagnostics& diags) {
  if (d.placement_group_bundles.empty()) return;
  if (d.max_replicas_per_node) {
    auto& diag = diags.error(
        diag_id::kPerNodeWithBundles, at(d.locs, "max_replicas_per_node", d.loc),
        fmt::format("deployment '{}' sets max_replicas_per_node together with placement_group_bundles", d.name),
        "Serve rejects the combination; use placement_group_strategy (e.g. STRICT_SPREAD) instead");
    diag.related = at(d.locs, "placement_group_bundles", d.loc);
    diag.related_message = "placement_group_bundles";
  }
  const auto& b0 = d.placement_group_bundles.front();
  std::vector<std::pair<std::string, double>> demand;
  if (d.num_cpus) demand.emplace_back("CPU", *d.num_cpus);
  if (d.num_gpus) demand.emplace_back("GPU", *d.num_gpus);
  if (d.memory_bytes) demand.emplace_back("memory", *d.memory_bytes);
  for (const auto& [k, v] : d.resources) demand.emplace_back(k, v);
  for (const auto& [res, v] : demand) {
    if (v <= 0) continue;
    auto it = b0.find(res);
    double have = it == b0.end() ? 0 : it->second;
    if (have + 1e-9 >= v) continue;
    auto& diag =
        diags.error(diag_id::kBundleWithoutActor, d.resources_loc,
                    fmt::format("deployment '{}' asks for {} {} per replica, but the first placement group bundle "
                                "(where the replica runs) holds {}",
                                d.name, v, res, have),
                    fmt::format("add {}: {} to the first bundle, or lower ray_actor_options", res, v));
    diag.related = at(d.locs, "placement_group_bundles", d.loc);
    diag.related_message = "placement_group_bundles";
    break;
  }
}

void check_uri(const std::string& uri, const char* field, const SourceLoc& loc, Diagnostics& diags) {
  static const std::set<std::string> kProtocols = {"gcs", "conda", "pip",   "uv",    "https",
                                                   "s3",  "gs",    "azure", "abfss", "file"};
  size_t sep = uri.find("://");
  bool windows_path = uri.size() > 2 && std::isalpha(static_cast<unsigned char>(uri[0])) && uri[1] == ':' &&
                      (uri[2] == '\\' || uri[2] == '/');
  if (sep == std::string::npos || sep == 0 || windows_path) {
    Diagnostic& d = diags.warning(
        diag_id::kLocalRuntimeEnv, loc,
        fmt::format("runtime_env.{} '{}' is a local path; Ray Serve accepts only remote URIs here", field, uri),
        "fine with rayctl: `rayctl serve deploy` zips a local working_dir / py_modules and uploads it to the "
        "cluster for you; with `serve deploy` or KubeRay, use a remote .zip URI (https://, s3://, gs://)");
    d.severity = Severity::Note;  // rayctl handles it; a RayService's serveConfigV2 makes it an error
    return;
  }
  std::string scheme = uri.substr(0, sep);
  if (!kProtocols.count(scheme))
    diags.error(diag_id::kBadRuntimeEnvUri, loc,
                fmt::format("runtime_env.{} '{}' uses '{}://', which Ray does not support", field, uri, scheme),
                "use one of https://, s3://, gs://, azure://, abfss://, gcs://, file:// (a .zip archive)");
}

void check_runtime_env(const ServeApplication& app, Diagnostics& diags) {
  const auto& env = app.runtime_env;
  if (!env.is_object()) return;
  if (env.contains("working_dir") && env["working_dir"].is_string())
    check_uri(env["working_dir"].get<std::string>(), "working_dir", at(app.locs, "runtime_env.working_dir", app.loc),
              diags);
  if (env.contains("py_modules") && env["py_modules"].is_array())
    for (size_t i = 0; i < env["py_modules"].size(); ++i)
      if (env["py_modules"][i].is_string())
        check_uri(env["py_modules"][i].get<std::string>(), "py_modules",
                  at(app.locs, fmt::format("runtime_env.py_modules[{}]", i), app.loc), diags);
}

void check_application(const ServeApplication& app, Diagnostics& diags) {
  check_route(app, diags);
  if (!app.import_path.empty()) {
    std::string problem = import_path_problem(app.import_path);
    if (!problem.empty())
      diags.error(diag_id::kBadImportPath, at(app.locs, "import_path", app.loc),
                  fmt::format("import_path \"{}\" {}", app.import_path, problem),
                  "write module:attribute, e.g. rag:app (the module must be importable on every node)");
  }
  check_runtime_env(app, diags);
  std::map<std::string, const ServeDeployment*> names;
  for (const auto& d : app.deployments) {
    check_autoscaling(d, app.name, diags);
    check_bundles(d, diags);
    if (d.name.empty()) continue;
    auto [it, fresh] = names.emplace(d.name, &d);
    if (!fresh) {
      auto& diag = diags.error(diag_id::kDuplicateDeployment, at(d.locs, "name", d.loc),
                               fmt::format("deployment '{}' appears twice in application '{}'", d.name, app.name),
                               "merge the two entries: Serve applies one set of options per deployment");
      diag.related = at(it->second->locs, "name", it->second->loc);
      diag.related_message = "first entry";
    }
  }
}

}  // namespace

void check_serve_rules(const ServeConfig& c, Diagnostics& diags) {
  std::map<std::string, const ServeApplication*> names, routes;
  for (const auto& app : c.applications) {
    check_application(app, diags);
    SourceLoc name_loc = at(app.locs, "name", app.loc);
    if (app.name.empty()) {
      diags.error(diag_id::kEmptyAppName, name_loc, "application name is empty",
                  "give every application a non-empty name");
    } else if (auto [it, fresh] = names.emplace(app.name, &app); !fresh) {
      auto& d =
          diags.error(diag_id::kDuplicateApp, name_loc, fmt::format("application name '{}' is used twice", app.name),
                      "give every application a unique name (a missing name means \"default\")");
      d.related = at(it->second->locs, "name", it->second->loc);
      d.related_message = "first used here";
    }
    if (app.route_prefix) {
      auto [it, fresh] = routes.emplace(*app.route_prefix, &app);
      if (!fresh) {
        auto& d = diags.error(diag_id::kDuplicateRoute, at(app.locs, "route_prefix", app.loc),
                              fmt::format("route_prefix \"{}\" is used by applications '{}' and '{}'",
                                          *app.route_prefix, it->second->name, app.name),
                              "give each application its own route_prefix (or null for no HTTP route)");
        d.related = at(it->second->locs, "route_prefix", it->second->loc);
        d.related_message = "first used here";
      }
    }
  }
  // external_scaler_enabled with Serve autoscaling: read the flag from the body as written.
  if (c.body.is_object() && c.body.contains("applications") && c.body["applications"].is_array()) {
    const auto& apps = c.body["applications"];
    for (size_t i = 0; i < apps.size() && i < c.applications.size(); ++i) {
      if (!apps[i].is_object() || apps[i].value("external_scaler_enabled", nlohmann::json(false)) != true) continue;
      const auto& app = c.applications[i];
      for (const auto& d : app.deployments)
        if (autoscaling_on(d)) {
          auto& diag = diags.error(
              diag_id::kExternalScaler, at(d.locs, d.autoscaling ? "autoscaling_config" : "num_replicas", d.loc),
              fmt::format("application '{}' enables external_scaler_enabled, but deployment '{}' autoscales", app.name,
                          d.name),
              "with an external scaler, remove autoscaling_config / num_replicas: auto from every deployment");
          diag.related = at(app.locs, "external_scaler_enabled", app.loc);
          diag.related_message = "external_scaler_enabled";
        }
    }
  }
}

}  // namespace rayctl
