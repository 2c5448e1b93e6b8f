// Rendering a launcher file as KubeRay objects: node types → head / worker groups, declared
// resources → container requests = limits (nvidia.com/gpu included) and rayStartParams
// num-cpus / num-gpus / memory / resources; plus, with a Serve config, a RayService whose
// serveConfigV2 is that config. Pure: JSON in, JSON out (the CLI prints YAML or JSON).
#pragma once

#include "cluster/spec/launcher_config.h"

#include <nlohmann/json.hpp>

#include <string>

namespace rayctl {

struct RenderSettings {
  std::string ray_version = "2.60.0";
  std::string name;        // metadata.name; "" = cluster_name made DNS-1035
  std::string namespace_;  // "" = none
};

// A ray.io/v1 RayCluster object.
nlohmann::json render_raycluster(const LauncherConfig& c, const RenderSettings& s = {});
// A ray.io/v1 RayService object; `serve_body` is the Serve config (ServeConfig::body).
nlohmann::json render_rayservice(const LauncherConfig& c, const nlohmann::json& serve_body,
                                 const RenderSettings& s = {});
// cluster_name as a KubeRay name: lower-case DNS-1035, at most `limit` characters.
std::string kuberay_name(const std::string& cluster_name, size_t limit);

}  // namespace rayctl
