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
  SourceLoc loc;                // the deployment entry
  SourceLoc resources_loc;      // ray_actor_options (or the entry when absent)
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

// Loads and validates a Serve config document (also a serveConfigV2 block parsed with offsets).
std::optional<ServeConfig> load_serve_config(const YamlDocument& doc, Diagnostics& diags);
bool looks_like_serve_config(const YAML::Node& root);  // has `applications`

}  // namespace rayctl
