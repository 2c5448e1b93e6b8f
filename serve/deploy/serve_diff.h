// ServeDiff: what a deploy would change on a running Serve — applications added, removed,
// changed or unchanged; per deployment which fields change and whether Serve applies the
// change in place (num_replicas, autoscaling_config, user_config, max_ongoing_requests, …) or
// restarts the deployment's replicas (ray_actor_options, placement groups, …) or rebuilds the
// whole application (import_path, runtime_env, args); and warnings for http_options /
// grpc_options / proxy_location changes, which a running Serve ignores (ray#38740).
// Computing it is pure: live state in, diff out. The effect table follows Ray's
// DeploymentConfig update types (serve/_private/config.py, Ray 2.53).
#pragma once

#include "core/output.h"

#include <nlohmann/json.hpp>

#include <ostream>
#include <string>
#include <vector>

namespace rayctl {

enum class ChangeEffect {
  InPlace,           // Serve updates the target or calls reconfigure(): no replica restarts
  RestartsReplicas,  // the deployment's replicas are replaced (rolling)
  RedeploysApp,      // the application is rebuilt: every replica of it restarts
};
const char* change_effect_name(ChangeEffect e);  // "in-place" | "restarts replicas" | "redeploys app"

// How Serve applies a change of this deployment field.
ChangeEffect deployment_field_effect(const std::string& field);

struct FieldChange {
  std::string field;      // "num_replicas", "ray_actor_options.num_cpus", "import_path"
  nlohmann::json before;  // null when the field was unset (the code's default)
  nlohmann::json after;   // null when the file leaves it unset
  ChangeEffect effect = ChangeEffect::InPlace;
};

enum class DiffKind { Added, Removed, Changed, Unchanged, Kept };
const char* diff_kind_name(DiffKind k);  // "added" | "removed" | "changed" | "unchanged" | "kept"

struct DeploymentDiff {
  std::string name;
  DiffKind kind = DiffKind::Unchanged;
  std::vector<FieldChange> changes;
  ChangeEffect effect() const;  // the strongest effect of its changes
};

struct AppDiff {
  std::string name;
  DiffKind kind = DiffKind::Unchanged;
  std::string note;                      // e.g. "deployed with serve.run: Serve keeps it"
  std::vector<FieldChange> app_changes;  // import_path, runtime_env, args, route_prefix, …
  std::vector<DeploymentDiff> deployments;
  ChangeEffect effect() const;
};

struct ServeDiff {
  bool serve_running = false;
  std::vector<AppDiff> apps;
  std::vector<std::string> warnings;  // ignored http_options / grpc_options / proxy_location changes
  bool has_changes() const;
  std::vector<std::string> removed_apps() const;
};

// Diffs the PUT body `config` against live ServeInstanceDetails. With `merge`, live apps that
// the file leaves out are reported as kept instead of removed.
ServeDiff diff_serve_config(const nlohmann::json& live_details, const nlohmann::json& config, bool merge);

nlohmann::json to_json(const ServeDiff& d);
// "+ app rag (new)", "~ app rag: Retriever num_replicas 1 → 2 (in-place)", "- app old (will be deleted)".
void print_serve_diff(std::ostream& os, const ServeDiff& d, const Style& st);

}  // namespace rayctl
