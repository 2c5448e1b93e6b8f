// KubeRay manifests (ray.io/v1 RayCluster and RayService) as rayctl reasons about them:
// groups, replicas, rayStartParams, container resources (incl. nvidia.com/gpu), ports.
// Everything else in the object (pod templates are huge) is kept untouched in `object` and
// never rejected. serveConfigV2 is kept as text with the offsets needed to parse it with
// positions that point into the manifest.
#pragma once

#include "cluster/spec/cluster_resources.h"
#include "core/diagnostics.h"
#include "core/yaml_source.h"

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rayctl {

struct ContainerPort {
  std::string name;
  int port = 0;
};

struct RayGroupSpec {
  std::string name;  // groupName, or "headgroup"
  bool is_head = false;
  int replicas = 1, min_replicas = 0, max_replicas = 1;
  std::map<std::string, std::string> ray_start_params;
  // From containers[0] (the Ray container): requests and limits as written (quantity strings).
  std::map<std::string, std::string> requests, limits;
  std::vector<ContainerPort> ports;
  NodeShape shape;  // the resources one pod of this group gives Ray
  SourceLoc loc;
  // Extensions of the contract:
  bool replicas_set = false, min_set = false, max_set = false;
  std::string container_name;  // containers[0].name
  int container_count = 0;
  std::map<std::string, std::string> ray_resources;  // the group's `resources:` (Ray logical)
  // Positions by field: "groupName", "replicas", "minReplicas", "maxReplicas", "rayStartParams",
  // "rayStartParams.<k>", "requests.<r>", "limits.<r>", "ports", "containers", "resources.<r>".
  std::map<std::string, SourceLoc> locs;
};

struct RayClusterSpecView {
  std::vector<RayGroupSpec> groups;  // head first
  std::optional<std::string> ray_version;
  bool in_tree_autoscaling = false;
};

// The block string of serveConfigV2 and where its first content line sits in the manifest.
struct EmbeddedServeConfig {
  std::string text;
  int line_offset = 0;    // 0-based line of the first content line in the manifest file
  int column_offset = 0;  // indentation stripped from each content line
  SourceLoc loc;          // the serveConfigV2 key
  // False when the string could not be mapped line by line (folded `>` or escaped quoted
  // strings): positions found inside `text` are then relative to the string itself.
  bool positions_exact = true;
};

struct KubeRayManifest {
  std::string file;
  std::string kind;  // "RayCluster" | "RayService"
  std::string name, namespace_;
  RayClusterSpecView cluster;
  std::optional<EmbeddedServeConfig> serve_config;  // RayService only
  ClusterResources resources;
  nlohmann::json object;  // the whole document as JSON, untouched (for server-side apply)
  SourceLoc loc;
  // Positions by field path: "metadata.name", "spec.serviceUnhealthySecondThreshold", ...
  std::map<std::string, SourceLoc> locs;
};

// Loads one document; `source_text` is its file's text (it maps a serveConfigV2 block string to
// the file's lines). The checks across fields are a separate step (check_kuberay_manifest in
// cluster_checks.h; load_kuberay_spec in spec_files.h runs both).
std::optional<KubeRayManifest> load_kuberay_manifest(const YamlDocument& doc, Diagnostics& diags,
                                                     const std::string& source_text);
bool looks_like_kuberay_manifest(const YAML::Node& root);  // apiVersion ray.io/* and a kind

// Kubernetes quantities: "500m" → 0.5, "4Gi" → 4294967296, "1e3" → 1000. nullopt if malformed.
std::optional<double> parse_quantity(const std::string& q);

}  // namespace rayctl
