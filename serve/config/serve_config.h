// ServeConfig: a Ray Serve config file (the body of PUT /api/serve/applications/, and of
// KubeRay's serveConfigV2) after loading and validation. Fields the user did not set stay
// unset (std::optional / null json) so that deploying sends only what was written, as the
// `serve` CLI does. Deprecated names are accepted with a warning and mapped to today's.
#pragma once

#include "core/diagnostics.h"
#include "core/yaml_source.h"

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rayctl {

struct ServeAutoscaling {
  std::optional<int> min_replicas, initial_replicas, max_replicas;
  std::optional<double> target_ongoing_requests;
  SourceLoc loc;
};

struct ServeDeployment {
  std::string name;
  std::optional<int> num_replicas;  // nullopt when unset or "auto"
  bool num_replicas_auto = false;
  std::optional<ServeAutoscaling> autoscaling;
  std::optional<int> max_ongoing_requests;
  std::optional<int> max_replicas_per_node;
  // ray_actor_options (per replica)
  std::optional<double> num_cpus, num_gpus, memory_bytes;
  std::map<std::string, double> resources;
  std::optional<std::string> accelerator_type;
  std::vector<std::map<std::string, double>> placement_group_bundles;
  nlohmann::json user_config;  // null if unset
  SourceLoc loc;               // the deployment entry
  SourceLoc resources_loc;     // ray_actor_options (or the entry when absent)
  // Extensions of the contract:
  bool has_actor_options = false;  // ray_actor_options written (else the code's options apply)
  std::optional<std::string> placement_group_strategy;
  // Positions by field: "name", "num_replicas", "autoscaling_config", "autoscaling_config.<k>",
  // "ray_actor_options.<k>", "placement_group_bundles", "max_replicas_per_node", ...
  std::map<std::string, SourceLoc> locs;
};

struct ServeApplication {
  std::string name = "default";
  std::optional<std::string> route_prefix = std::string("/");  // nullopt = explicit null (no HTTP route)
  std::string import_path;
  nlohmann::json runtime_env;  // null if unset
  nlohmann::json args;         // null if unset
  std::vector<ServeDeployment> deployments;
  SourceLoc loc;
  std::map<std::string, SourceLoc> locs;  // "name", "route_prefix", "import_path", "runtime_env.<k>"
};

struct ServeConfig {
  std::string file;
  std::vector<ServeApplication> applications;
  nlohmann::json http_options;  // null if unset
  nlohmann::json grpc_options;  // null if unset
  std::optional<std::string> proxy_location;
  std::optional<double> target_capacity;
  // The request body for PUT /api/serve/applications/: exactly the fields written, with
  // deprecated names already mapped to current ones.
  nlohmann::json body;
};

// Ids of the Serve config rules (documented in man/rayctl-validate.1). Shared ids RL010-RL015
// (types, ranges, unknown keys, deprecations) come from core/yaml_reader.h.
namespace diag_id {
inline constexpr const char* kDuplicateApp = "RL101";            // two applications with one name
inline constexpr const char* kEmptyAppName = "RL102";            // application name ""
inline constexpr const char* kBadRoutePrefix = "RL103";          // route_prefix not "/x", ends with "/", has { }
inline constexpr const char* kDuplicateRoute = "RL104";          // two applications with one route_prefix
inline constexpr const char* kBadImportPath = "RL105";           // import_path not module:attr / module.attr
inline constexpr const char* kReplicasAndAutoscaling = "RL106";  // int num_replicas + autoscaling_config
inline constexpr const char* kAutoscalingBounds = "RL107";       // not min ≤ initial ≤ max
inline constexpr const char* kPerNodeWithBundles = "RL108";      // max_replicas_per_node + placement_group_bundles
inline constexpr const char* kLocalRuntimeEnv = "RL109";         // local working_dir / py_modules
inline constexpr const char* kBadRuntimeEnvUri = "RL110";        // URI scheme Ray does not support
inline constexpr const char* kExternalScaler = "RL111";          // external_scaler_enabled + autoscaling
inline constexpr const char* kAppHostPort = "RL112";             // host/port inside an application
inline constexpr const char* kSslPair = "RL113";                 // ssl_keyfile without ssl_certfile (or reverse)
inline constexpr const char* kDuplicateDeployment = "RL114";     // two deployments with one name in an app
inline constexpr const char* kBundleWithoutActor = "RL115";      // ray_actor_options not within bundle 0
}  // namespace diag_id

// Rules across fields of a loaded config (names, routes, import paths, replicas, runtime_env).
// load_serve_config runs them; exposed for tests.
void check_serve_rules(const ServeConfig& c, Diagnostics& diags);

// Loads and validates a Serve config document (also a serveConfigV2 block parsed with offsets).
std::optional<ServeConfig> load_serve_config(const YamlDocument& doc, Diagnostics& diags);
bool looks_like_serve_config(const YAML::Node& root);  // has `applications`

}  // namespace rayctl
