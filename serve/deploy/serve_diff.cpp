// ServeDiff: comparing a Serve config with what is deployed, and printing the result.
#include "serve/deploy/serve_diff.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>

namespace rayctl {

const char* change_effect_name(ChangeEffect e) {
  switch (e) {
    case ChangeEffect::InPlace: return "in-place";
    case ChangeEffect::RestartsReplicas: return "restarts replicas";
    case ChangeEffect::RedeploysApp: return "redeploys app";
  }
  return "?";
}

const char* diff_kind_name(DiffKind k) {
  switch (k) {
    case DiffKind::Added: return "added";
    case DiffKind::Removed: return "removed";
    case DiffKind::Changed: return "changed";
    case DiffKind::Unchanged: return "unchanged";
    case DiffKind::Kept: return "kept";
  }
  return "?";
}

ChangeEffect deployment_field_effect(const std::string& field) {
  // DeploymentConfig fields marked LightWeight, NeedsReconfigure or NeedsActorReconfigure:
  // Serve applies them to the running replicas.
  static const std::set<std::string> in_place = {"num_replicas",
                                                 "max_queued_requests",
                                                 "max_ongoing_requests",
                                                 "user_config",
                                                 "autoscaling_config",
                                                 "graceful_shutdown_wait_loop_s",
                                                 "graceful_shutdown_timeout_s",
                                                 "health_check_period_s",
                                                 "health_check_timeout_s",
                                                 "request_router_config",
                                                 "logging_config",
                                                 "max_constructor_retry_count",
                                                 "max_concurrent_queries"};
  // ray_actor_options, placement groups, max_replicas_per_node belong to the replica's actor
  // (ReplicaConfig): a change means new replicas. Unknown fields are assumed to restart too.
  return in_place.count(field) ? ChangeEffect::InPlace : ChangeEffect::RestartsReplicas;
}

namespace {

ChangeEffect app_field_effect(const std::string& field) {
  if (field == "import_path" || field == "runtime_env" || field == "args") return ChangeEffect::RedeploysApp;
  return ChangeEffect::InPlace;  // route_prefix, logging_config, external_scaler_enabled
}

ChangeEffect strongest(ChangeEffect a, ChangeEffect b) { return static_cast<int>(a) > static_cast<int>(b) ? a : b; }

nlohmann::json field_or_null(const nlohmann::json& obj, const std::string& key) {
  if (obj.is_object() && obj.contains(key)) return obj[key];
  return nullptr;
}

// Field-by-field differences between two objects; nested objects are compared one level down
// ("ray_actor_options.num_cpus") so the diff names what actually changed.
void diff_fields(const nlohmann::json& before, const nlohmann::json& after, const std::set<std::string>& skip,
                 const std::function<ChangeEffect(const std::string&)>& effect, std::vector<FieldChange>& out) {
  std::vector<std::string> keys;
  for (const auto* o : {&before, &after})
    if (o->is_object())
      for (const auto& [k, v] : o->items())
        if (!skip.count(k) && std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
  for (const auto& k : keys) {
    nlohmann::json b = field_or_null(before, k), a = field_or_null(after, k);
    if (b == a) continue;
    ChangeEffect e = effect(k);
    if (b.is_object() && a.is_object()) {
      std::vector<FieldChange> sub;
      diff_fields(
          b, a, {}, [e](const std::string&) { return e; }, sub);
      for (auto& c : sub) {
        c.field = k + "." + c.field;
        out.push_back(std::move(c));
      }
    } else {
      out.push_back({k, b, a, e});
    }
  }
}

std::map<std::string, nlohmann::json> by_name(const nlohmann::json& list) {
  std::map<std::string, nlohmann::json> m;
  if (list.is_array())
    for (const auto& x : list)
      if (x.is_object()) m[x.value("name", "")] = x;
  return m;
}

std::vector<DeploymentDiff> diff_deployments(const nlohmann::json& before, const nlohmann::json& after) {
  auto b = by_name(before), a = by_name(after);
  std::vector<std::string> names;
  for (const auto* m : {&a, &b})
    for (const auto& [n, v] : *m)
      if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
  std::vector<DeploymentDiff> out;
  for (const auto& n : names) {
    DeploymentDiff d;
    d.name = n;
    nlohmann::json bo = b.count(n) ? b[n] : nlohmann::json::object();
    nlohmann::json ao = a.count(n) ? a[n] : nlohmann::json::object();
    diff_fields(bo, ao, {"name"}, deployment_field_effect, d.changes);
    d.kind = d.changes.empty() ? DiffKind::Unchanged : DiffKind::Changed;
    out.push_back(std::move(d));
  }
  return out;
}

AppDiff diff_app(const std::string& name, const nlohmann::json& live_cfg, const nlohmann::json& new_cfg) {
  AppDiff d;
  d.name = name;
  diff_fields(live_cfg, new_cfg, {"name", "deployments"}, app_field_effect, d.app_changes);
  d.deployments = diff_deployments(field_or_null(live_cfg, "deployments"), field_or_null(new_cfg, "deployments"));
  bool any = !d.app_changes.empty();
  for (const auto& dd : d.deployments) any = any || dd.kind != DiffKind::Unchanged;
  d.kind = any ? DiffKind::Changed : DiffKind::Unchanged;
  return d;
}

void warn_ignored_options(const nlohmann::json& live, const nlohmann::json& config, ServeDiff& diff) {
  for (const char* group : {"http_options", "grpc_options"}) {
    const nlohmann::json& want = field_or_null(config, group);
    const nlohmann::json& have = field_or_null(live, group);
    if (!want.is_object()) continue;
    for (const auto& [k, v] : want.items()) {
      nlohmann::json cur = field_or_null(have, k);
      // Serve reports floats for numbers given as ints (e.g. request_timeout_s); compare values.
      bool same = cur == v || (cur.is_number() && v.is_number() && cur.get<double>() == v.get<double>());
      if (!same)
        diff.warnings.push_back(std::string(group) + "." + k + ": the running Serve has " + cur.dump() +
                                ", the file says " + v.dump() +
                                " — a running Serve ignores this change; run `rayctl serve delete` first to apply it");
    }
  }
  if (config.contains("proxy_location") && live.contains("proxy_location") && live["proxy_location"].is_string() &&
      config["proxy_location"] != live["proxy_location"])
    diff.warnings.push_back("proxy_location: the running Serve has " + live["proxy_location"].dump() +
                            ", the file says " + config["proxy_location"].dump() +
                            " — a running Serve ignores this change; run `rayctl serve delete` first to apply it");
}

}  // namespace

ChangeEffect DeploymentDiff::effect() const {
  ChangeEffect e = ChangeEffect::InPlace;
  for (const auto& c : changes) e = strongest(e, c.effect);
  return e;
}

ChangeEffect AppDiff::effect() const {
  ChangeEffect e = ChangeEffect::InPlace;
  for (const auto& c : app_changes) e = strongest(e, c.effect);
  for (const auto& d : deployments) e = strongest(e, d.effect());
  return e;
}

bool ServeDiff::has_changes() const {
  for (const auto& a : apps)
    if (a.kind == DiffKind::Added || a.kind == DiffKind::Removed || a.kind == DiffKind::Changed) return true;
  return false;
}

std::vector<std::string> ServeDiff::removed_apps() const {
  std::vector<std::string> out;
  for (const auto& a : apps)
    if (a.kind == DiffKind::Removed) out.push_back(a.name);
  return out;
}

ServeDiff diff_serve_config(const nlohmann::json& live, const nlohmann::json& config, bool merge) {
  ServeDiff diff;
  const auto& ci = field_or_null(live, "controller_info");
  diff.serve_running = ci.is_object() && ci.contains("node_id") && ci["node_id"].is_string();
  nlohmann::json live_apps = field_or_null(live, "applications");
  if (!live_apps.is_object()) live_apps = nlohmann::json::object();
  std::set<std::string> in_file;
  for (const auto& app : field_or_null(config, "applications")) {
    std::string name = app.value("name", "default");
    in_file.insert(name);
    if (!live_apps.contains(name)) {
      AppDiff d;
      d.name = name;
      d.kind = DiffKind::Added;
      diff.apps.push_back(std::move(d));
      continue;
    }
    const auto& la = live_apps[name];
    AppDiff d = diff_app(name, field_or_null(la, "deployed_app_config"), app);
    if (la.value("source", "") == "imperative")
      d.note = "deployed with serve.run; this deploy replaces it with the file's config";
    diff.apps.push_back(std::move(d));
  }
  for (const auto& [name, la] : live_apps.items()) {
    if (in_file.count(name)) continue;
    AppDiff d;
    d.name = name;
    if (la.value("source", "") == "imperative") {
      d.kind = DiffKind::Kept;
      d.note = "deployed with serve.run: Serve keeps it";
    } else if (merge) {
      d.kind = DiffKind::Kept;
      d.note = "not in the file; kept (--merge)";
    } else {
      d.kind = DiffKind::Removed;
      d.note = "not in the file: Serve deletes it (use --merge to keep it)";
    }
    diff.apps.push_back(std::move(d));
  }
  if (diff.serve_running) warn_ignored_options(live, config, diff);
  return diff;
}

nlohmann::json to_json(const ServeDiff& d) {
  auto change_json = [](const FieldChange& c) {
    return nlohmann::json{
        {"field", c.field}, {"before", c.before}, {"after", c.after}, {"effect", change_effect_name(c.effect)}};
  };
  nlohmann::json apps = nlohmann::json::array();
  for (const auto& a : d.apps) {
    nlohmann::json ja{{"name", a.name}, {"change", diff_kind_name(a.kind)}};
    if (!a.note.empty()) ja["note"] = a.note;
    if (a.kind == DiffKind::Changed) ja["effect"] = change_effect_name(a.effect());
    ja["fields"] = nlohmann::json::array();
    for (const auto& c : a.app_changes) ja["fields"].push_back(change_json(c));
    ja["deployments"] = nlohmann::json::array();
    for (const auto& dd : a.deployments) {
      if (dd.kind == DiffKind::Unchanged) continue;
      nlohmann::json jd{
          {"name", dd.name}, {"effect", change_effect_name(dd.effect())}, {"fields", nlohmann::json::array()}};
      for (const auto& c : dd.changes) jd["fields"].push_back(change_json(c));
      ja["deployments"].push_back(jd);
    }
    apps.push_back(ja);
  }
  return {{"serve_running", d.serve_running}, {"applications", apps}, {"warnings", d.warnings}};
}

namespace {
std::string show(const nlohmann::json& v) { return v.is_null() ? "(unset)" : v.dump(); }
}  // namespace

void print_serve_diff(std::ostream& os, const ServeDiff& d, const Style& st) {
  for (const auto& a : d.apps) {
    std::string note = a.note.empty() ? "" : st.dim("  (" + a.note + ")");
    switch (a.kind) {
      case DiffKind::Added: os << st.green("+ app " + a.name) << " (new)" << note << "\n"; break;
      case DiffKind::Removed: os << st.red("- app " + a.name) << " (will be deleted)" << note << "\n"; break;
      case DiffKind::Kept: os << "  app " << a.name << " (kept)" << note << "\n"; break;
      case DiffKind::Unchanged: os << "  app " << a.name << " (unchanged)" << note << "\n"; break;
      case DiffKind::Changed:
        os << st.yellow("~ app " + a.name) << " (" << change_effect_name(a.effect()) << ")" << note << "\n";
        for (const auto& c : a.app_changes)
          os << "    " << c.field << ": " << show(c.before) << " → " << show(c.after) << "  ["
             << change_effect_name(c.effect) << "]\n";
        for (const auto& dd : a.deployments) {
          if (dd.kind == DiffKind::Unchanged) continue;
          os << "    deployment " << dd.name << " (" << change_effect_name(dd.effect()) << ")\n";
          for (const auto& c : dd.changes)
            os << "      " << c.field << ": " << show(c.before) << " → " << show(c.after) << "  ["
               << change_effect_name(c.effect) << "]\n";
        }
        break;
    }
  }
  for (const auto& w : d.warnings) os << st.yellow("warning: ") << w << "\n";
}

}  // namespace rayctl
