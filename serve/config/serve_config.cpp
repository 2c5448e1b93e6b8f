// Loading a Ray Serve config (ServeDeploySchema of Ray 2.53) with positions: every field and
// validation rule of `serve deploy` / PUT /api/serve/applications/, reported before the PUT
// instead of as a 400 without a line number. Extra keys warn (Serve ignores them), deprecated
// names are mapped in `body`. Checks against a cluster's resources are in placement_checks.cpp.
#include "serve/config/serve_config.h"

#include "core/json_yaml.h"
#include "core/yaml_reader.h"

#include <fmt/format.h>

#include <climits>
#include <set>

namespace rayctl {

namespace {

const char* kIgnoredHint = "Serve ignores keys it does not know; check the spelling";

void read_http_options(YamlMapReader& top, ServeConfig& c) {
  YamlMapReader h(top.doc(), top.node("http_options"), "http_options", top.diags());
  if (!h.is_map()) return;
  c.http_options = yaml_to_json(top.doc(), top.node("http_options"));
  h.str("host");
  h.integer("port", 0, 65535);
  h.str("root_path");
  h.number("request_timeout_s", 0);
  h.number("keep_alive_timeout_s", 0);
  auto key = h.str("ssl_keyfile");
  auto cert = h.str("ssl_certfile");
  h.str("ssl_keyfile_password");
  h.str("ssl_ca_certs");
  h.allow({"location", "middlewares", "num_cpus"});
  if (key.has_value() != cert.has_value())
    top.diags().error(diag_id::kSslPair, h.key_loc(key ? "ssl_keyfile" : "ssl_certfile"),
                      fmt::format("http_options sets {} without {}", key ? "ssl_keyfile" : "ssl_certfile",
                                  key ? "ssl_certfile" : "ssl_keyfile"),
                      "set ssl_keyfile and ssl_certfile together (or neither)");
  h.report_unknown(Severity::Warning, kIgnoredHint);
}

void read_grpc_options(YamlMapReader& top, ServeConfig& c) {
  YamlMapReader g(top.doc(), top.node("grpc_options"), "grpc_options", top.diags());
  if (!g.is_map()) return;
  c.grpc_options = yaml_to_json(top.doc(), top.node("grpc_options"));
  g.integer("port", 0, 65535);
  g.str_list("grpc_servicer_functions");
  g.number("request_timeout_s", 0);
  g.boolean("enable_reflection");  // gRPCOptionsSchema in newer Ray; `serve build` writes it
  g.report_unknown(Severity::Warning, kIgnoredHint);
}

// logging_config forbids unknown keys (pydantic Extra.forbid): an error, unlike the rest.
void read_logging_config(YamlMapReader& parent) {
  YamlMapReader l(parent.doc(), parent.node("logging_config"), parent.child_path("logging_config"), parent.diags());
  if (!l.is_map()) return;
  l.one_of("encoding", {"TEXT", "JSON"});
  l.one_of("log_level", {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"});
  l.str("logs_dir");
  l.boolean("enable_access_log");
  l.str_list("additional_log_standard_attrs");
  l.report_unknown(Severity::Error, "Serve rejects unknown keys in logging_config");
}

std::optional<ServeAutoscaling> read_autoscaling(YamlMapReader& d, ServeDeployment& dep) {
  YAML::Node n = d.node("autoscaling_config");
  if (!n.IsDefined() || n.IsNull()) return std::nullopt;
  dep.locs["autoscaling_config"] = d.key_loc("autoscaling_config");
  YamlMapReader a(d.doc(), n, d.child_path("autoscaling_config"), d.diags());
  if (!a.is_map()) return std::nullopt;
  ServeAutoscaling s;
  s.loc = a.loc();
  auto as_int = [](std::optional<int64_t> v) { return v ? std::optional<int>(static_cast<int>(*v)) : std::nullopt; };
  s.min_replicas = as_int(a.integer("min_replicas", 0, 1 << 20));
  s.initial_replicas = as_int(a.integer("initial_replicas", 0, 1 << 20));
  s.max_replicas = as_int(a.integer("max_replicas", 1, 1 << 20));
  for (const char* k : {"min_replicas", "initial_replicas", "max_replicas", "target_ongoing_requests"})
    if (a.has(k)) dep.locs[std::string("autoscaling_config.") + k] = a.value_loc(k);
  s.target_ongoing_requests = a.number("target_ongoing_requests", 1e-12);
  YAML::Node old = a.deprecated("target_num_ongoing_requests_per_replica", "target_ongoing_requests");
  if (old.IsDefined() && old.IsScalar() && !s.target_ongoing_requests) {
    s.target_ongoing_requests = parse_double(old.Scalar());
    dep.locs["autoscaling_config.target_ongoing_requests"] = a.doc().loc(old);
  }
  for (const char* k : {"metrics_interval_s", "look_back_period_s", "smoothing_factor", "upscale_smoothing_factor",
                        "downscale_smoothing_factor", "upscaling_factor", "downscaling_factor"})
    a.number(k, 1e-12);
  for (const char* k : {"downscale_delay_s", "downscale_to_zero_delay_s", "upscale_delay_s"}) a.number(k, 0);
  a.one_of("aggregation_function", {"mean", "max", "min"});
  a.allow({"policy"});
  a.report_unknown(Severity::Warning, kIgnoredHint);
  return s;
}

void read_actor_options(YamlMapReader& d, ServeDeployment& dep) {
  YAML::Node n = d.node("ray_actor_options");
  dep.resources_loc = dep.loc;
  if (!n.IsDefined() || n.IsNull()) return;
  YamlMapReader o(d.doc(), n, d.child_path("ray_actor_options"), d.diags());
  if (!o.is_map()) return;
  dep.has_actor_options = true;
  dep.resources_loc = d.key_loc("ray_actor_options");
  dep.num_cpus = o.number("num_cpus", 0);
  dep.num_gpus = o.number("num_gpus", 0);
  dep.memory_bytes = o.number("memory", 0);
  dep.accelerator_type = o.str("accelerator_type");
  for (const char* k : {"num_cpus", "num_gpus", "memory", "accelerator_type", "resources"})
    if (o.has(k)) dep.locs[std::string("ray_actor_options.") + k] = o.value_loc(k);
  YAML::Node res = o.node("resources");
  if (res.IsDefined() && !res.IsNull()) {
    YamlMapReader rr(d.doc(), res, o.child_path("resources"), d.diags());
    rr.allow_all();
    if (rr.is_map())
      for (auto it = res.begin(); it != res.end(); ++it)
        if (it->first.IsScalar())
          if (auto v = rr.number(it->first.Scalar(), 0)) dep.resources[it->first.Scalar()] = *v;
  }
  YAML::Node env = o.node("runtime_env");
  if (env.IsDefined() && !env.IsNull() && !env.IsMap())
    d.diags().error(diag_id::kWrongType, d.doc().loc(env), "'ray_actor_options.runtime_env' must be a mapping",
                    "write it as a mapping");
  o.allow({"object_store_memory", "max_restarts", "max_task_retries", "label_selector", "fallback_strategy"});
  o.report_unknown(Severity::Warning, kIgnoredHint);
}

void read_bundles(YamlMapReader& d, ServeDeployment& dep) {
  YAML::Node n = d.node("placement_group_bundles");
  if (!n.IsDefined() || n.IsNull()) return;
  dep.locs["placement_group_bundles"] = d.key_loc("placement_group_bundles");
  if (!n.IsSequence() || n.size() == 0) {
    d.diags().error(diag_id::kWrongType, d.doc().loc(n),
                    "'placement_group_bundles' must be a non-empty list of {resource: amount}",
                    "write e.g. [{CPU: 1, GPU: 1}, {GPU: 1}]; the replica runs in the first bundle");
    return;
  }
  for (size_t i = 0; i < n.size(); ++i) {
    YamlMapReader b(d.doc(), n[i], fmt::format("{}.placement_group_bundles[{}]", d.path(), i), d.diags());
    if (!b.is_map()) continue;
    b.allow_all();
    std::map<std::string, double> bundle;
    for (auto it = n[i].begin(); it != n[i].end(); ++it)
      if (it->first.IsScalar())
        if (auto v = b.number(it->first.Scalar(), 0)) bundle[it->first.Scalar()] = *v;
    dep.placement_group_bundles.push_back(bundle);
  }
  dep.placement_group_strategy =
      d.one_of("placement_group_strategy", {"PACK", "SPREAD", "STRICT_PACK", "STRICT_SPREAD"});
}

// A field Serve takes as a dict, as JSON (null when unset); anything but a mapping is an error.
nlohmann::json mapping_as_json(const YamlDocument& doc, const YAML::Node& n, const std::string& field, const char* hint,
                               Diagnostics& diags) {
  if (!n.IsDefined() || n.IsNull()) return nullptr;
  if (!n.IsMap()) diags.error(diag_id::kWrongType, doc.loc(n), fmt::format("'{}' must be a mapping", field), hint);
  return yaml_to_json(doc, n);
}

ServeDeployment read_deployment(const YamlDocument& doc, const YAML::Node& n, const std::string& path,
                                Diagnostics& diags) {
  ServeDeployment dep;
  dep.loc = doc.loc(n);
  YamlMapReader d(doc, n, path, diags);
  if (!d.is_map()) return dep;
  dep.name = d.str("name", true).value_or("");
  dep.locs["name"] = d.value_loc("name");
  YAML::Node nr = d.node("num_replicas");
  if (nr.IsDefined() && !nr.IsNull()) {
    dep.locs["num_replicas"] = d.value_loc("num_replicas");
    if (nr.IsScalar() && nr.Scalar() == "auto") {
      dep.num_replicas_auto = true;
    } else {
      if (auto v = d.integer("num_replicas", 1, 1 << 20)) dep.num_replicas = static_cast<int>(*v);
    }
  }
  YAML::Node old = d.deprecated("max_concurrent_queries", "max_ongoing_requests");
  if (auto v = d.integer("max_ongoing_requests", 1, INT32_MAX)) dep.max_ongoing_requests = static_cast<int>(*v);
  if (!dep.max_ongoing_requests && old.IsDefined() && old.IsScalar())
    if (auto v = parse_int(old.Scalar()); v && *v > 0) dep.max_ongoing_requests = static_cast<int>(*v);
  if (auto q = d.integer("max_queued_requests"); q && *q != -1 && *q < 1)
    diags.error(diag_id::kOutOfRange, d.value_loc("max_queued_requests"),
                fmt::format("'{}' is {}, but it must be -1 (no limit) or ≥ 1", d.child_path("max_queued_requests"), *q),
                "use -1 for no limit or a positive number");
  dep.user_config = mapping_as_json(doc, d.node("user_config"), path + ".user_config",
                                    "Serve passes user_config to reconfigure() as a dict", diags);
  dep.autoscaling = read_autoscaling(d, dep);
  d.number("graceful_shutdown_wait_loop_s", 0);
  d.number("graceful_shutdown_timeout_s", 0);
  d.number("health_check_period_s", 1e-12);
  d.number("health_check_timeout_s", 1e-12);
  read_actor_options(d, dep);
  read_bundles(d, dep);
  if (!d.has("placement_group_bundles")) d.str("placement_group_strategy");
  auto mrpn = d.integer("max_replicas_per_node", 1, 100);
  if (mrpn) {
    dep.max_replicas_per_node = static_cast<int>(*mrpn);
    dep.locs["max_replicas_per_node"] = d.key_loc("max_replicas_per_node");
  }
  read_logging_config(d);
  // Ray 2.60's DeploymentSchema: rolling updates in (0, 1], surge in [0, 100] percent.
  d.number("rolling_update_percentage", 1e-12, 1.0);
  d.integer("max_surge_percent", 0, 100);
  d.allow({"request_router_config", "backpressure_config", "deployment_actors", "gang_scheduling_config",
           "placement_group_bundle_label_selector"});
  if (d.has("route_prefix")) {
    d.node("route_prefix");
    diags.warning(diag_id::kDeprecated, d.key_loc("route_prefix"),
                  fmt::format("'{}.route_prefix' is no longer supported per deployment; Serve ignores it", path),
                  "set route_prefix on the application instead");
  }
  d.report_unknown(Severity::Warning, kIgnoredHint);
  return dep;
}

ServeApplication read_application(const YamlDocument& doc, const YAML::Node& n, const std::string& path,
                                  Diagnostics& diags) {
  ServeApplication app;
  app.loc = doc.loc(n);
  YamlMapReader a(doc, n, path, diags);
  if (!a.is_map()) return app;
  if (a.has("name")) {
    app.name = a.str("name").value_or("");
    app.locs["name"] = a.value_loc("name");
  } else {
    app.locs["name"] = a.loc();
  }
  YAML::Node rp = a.node("route_prefix");
  if (rp.IsDefined()) {
    app.locs["route_prefix"] = a.value_loc("route_prefix");
    app.route_prefix = rp.IsNull() ? std::nullopt : a.str("route_prefix");
  }
  app.import_path = a.str("import_path", true).value_or("");
  app.locs["import_path"] = a.value_loc("import_path");
  YAML::Node env = a.node("runtime_env");
  if (env.IsDefined() && !env.IsNull()) {
    YamlMapReader e(doc, env, a.child_path("runtime_env"), diags);
    if (e.is_map()) {
      e.allow_all();
      app.runtime_env = yaml_to_json(doc, env);
      if (e.has("working_dir")) app.locs["runtime_env.working_dir"] = e.value_loc("working_dir");
      YAML::Node mods = env["py_modules"];
      if (mods.IsDefined() && mods.IsSequence())
        for (size_t i = 0; i < mods.size(); ++i)
          app.locs[fmt::format("runtime_env.py_modules[{}]", i)] = doc.loc(mods[i]);
    }
  }
  app.args = mapping_as_json(doc, a.node("args"), path + ".args",
                             "args are passed to the application builder as keyword arguments", diags);
  a.boolean("external_scaler_enabled");
  if (a.has("external_scaler_enabled")) app.locs["external_scaler_enabled"] = a.value_loc("external_scaler_enabled");
  for (const char* k : {"host", "port"})
    if (a.has(k)) {
      a.node(k);
      diags.error(
          diag_id::kAppHostPort, a.key_loc(k),
          fmt::format("application '{}' sets '{}'; Serve only accepts it in the top-level http_options", app.name, k),
          fmt::format("move '{}' to http_options", k));
    }
  read_logging_config(a);
  YAML::Node deps = a.node("deployments");
  if (deps.IsDefined() && !deps.IsNull()) {
    if (!deps.IsSequence()) {
      diags.error(diag_id::kWrongType, doc.loc(deps), fmt::format("'{}.deployments' must be a list", path),
                  "write each deployment as a '- name: ...' item");
    } else {
      for (size_t i = 0; i < deps.size(); ++i)
        app.deployments.push_back(read_deployment(doc, deps[i], fmt::format("{}.deployments[{}]", path, i), diags));
    }
  }
  a.report_unknown(Severity::Warning, kIgnoredHint);
  return app;
}

// The PUT body: what was written, with deprecated names renamed to today's.
nlohmann::json build_body(const YamlDocument& doc) {
  nlohmann::json body = yaml_to_json(doc, doc.root);
  auto rename = [](nlohmann::json& obj, const char* from, const char* to) {
    if (!obj.is_object() || !obj.contains(from)) return;
    if (!obj.contains(to)) obj[to] = obj[from];
    obj.erase(from);
  };
  if (body.contains("applications") && body["applications"].is_array())
    for (auto& app : body["applications"]) {
      if (!app.is_object() || !app.contains("deployments") || !app["deployments"].is_array()) continue;
      for (auto& dep : app["deployments"]) {
        rename(dep, "max_concurrent_queries", "max_ongoing_requests");
        if (dep.is_object() && dep.contains("autoscaling_config"))
          rename(dep["autoscaling_config"], "target_num_ongoing_requests_per_replica", "target_ongoing_requests");
      }
    }
  return body;
}

}  // namespace

bool looks_like_serve_config(const YAML::Node& root) { return root.IsMap() && root["applications"].IsDefined(); }

std::optional<ServeConfig> load_serve_config(const YamlDocument& doc, Diagnostics& diags) {
  YamlMapReader r(doc, doc.root, "", diags);
  if (!r.is_map()) return std::nullopt;
  ServeConfig c;
  c.file = doc.file;
  c.proxy_location = r.one_of("proxy_location", {"Disabled", "HeadOnly", "EveryNode"});
  read_http_options(r, c);
  read_grpc_options(r, c);
  read_logging_config(r);
  c.target_capacity = r.number("target_capacity", 0, 100);
  for (const char* key : {"controller_options", "tracing_config"}) {  // Ray 2.60's ServeDeploySchema
    YAML::Node n = r.node(key);
    if (n.IsDefined() && !n.IsNull() && !n.IsMap())
      diags.error(diag_id::kWrongType, doc.loc(n), fmt::format("'{}' must be a mapping", key),
                  "write it as a mapping, or remove it");
  }
  YAML::Node apps = r.node("applications");
  if (!apps.IsDefined()) {
    diags.error(diag_id::kMissingKey, r.loc(), "missing required key 'applications'",
                "add 'applications:' with at least one '- name: ... import_path: module:app' item");
  } else if (!apps.IsSequence()) {
    diags.error(diag_id::kWrongType, doc.loc(apps),
                fmt::format("'applications' must be a list, not {}", yaml_kind_name(apps)),
                "write each application as a '- name: ...' item");
  } else {
    for (size_t i = 0; i < apps.size(); ++i)
      c.applications.push_back(read_application(doc, apps[i], fmt::format("applications[{}]", i), diags));
  }
  r.report_unknown(Severity::Warning, kIgnoredHint);
  c.body = build_body(doc);
  check_serve_rules(c, diags);
  return c;
}

}  // namespace rayctl
