// Launcher file → RayCluster / RayService.
#include "cluster/spec/render.h"

#include "cluster/spec/cluster_checks.h"
#include "core/json_yaml.h"

#include <fmt/format.h>

#include <cmath>

namespace rayctl {

namespace {

std::string quantity(double v, bool memory) {
  if (memory) {
    const double gi = 1073741824.0, mi = 1048576.0;
    if (v >= gi && std::fmod(v, gi) == 0) return fmt::format("{}Gi", static_cast<int64_t>(v / gi));
    if (v >= mi && std::fmod(v, mi) == 0) return fmt::format("{}Mi", static_cast<int64_t>(v / mi));
  }
  if (v == std::floor(v)) return fmt::format("{}", static_cast<int64_t>(v));
  return fmt::format("{}m", static_cast<int64_t>(std::llround(v * 1000)));
}

std::string image_for(const LauncherConfig& c, const LauncherNodeType& t, const RenderSettings& s) {
  const std::string& own = t.is_head ? c.docker.head_image : c.docker.worker_image;
  if (!own.empty()) return own;
  if (!c.docker.image.empty()) return c.docker.image;
  bool gpu = t.resources.count("GPU") && t.resources.at("GPU") > 0;
  return fmt::format("rayproject/ray:{}{}", s.ray_version, gpu ? "-gpu" : "");
}

nlohmann::json group(const LauncherConfig& c, const LauncherNodeType& t, const RenderSettings& s) {
  nlohmann::json params = nlohmann::json::object();
  nlohmann::json res = nlohmann::json::object();
  nlohmann::json custom = nlohmann::json::object();
  for (const auto& [k, v] : t.resources) {
    if (k == "CPU") {
      params["num-cpus"] = quantity(v, false);
      res["cpu"] = quantity(v, false);
    } else if (k == "GPU") {
      params["num-gpus"] = quantity(v, false);
      if (v > 0) res["nvidia.com/gpu"] = quantity(v, false);
    } else if (k == "memory") {
      params["memory"] = fmt::format("{}", static_cast<int64_t>(v));
      res["memory"] = quantity(v, true);
    } else {
      custom[k] = v;
    }
  }
  if (!custom.empty()) params["resources"] = custom.dump();
  if (t.is_head) params["dashboard-host"] = "0.0.0.0";
  nlohmann::json container = {{"name", t.is_head ? "ray-head" : "ray-worker"}, {"image", image_for(c, t, s)}};
  if (!res.empty()) container["resources"] = {{"requests", res}, {"limits", res}};
  if (t.is_head)
    container["ports"] = nlohmann::json::array({{{"name", "gcs-server"}, {"containerPort", 6379}},
                                                {{"name", "dashboard"}, {"containerPort", 8265}},
                                                {{"name", "client"}, {"containerPort", 10001}},
                                                {{"name", "serve"}, {"containerPort", 8000}}});
  nlohmann::json g;
  if (!t.is_head) {
    g["groupName"] = kuberay_name(t.name, 63);
    int max = std::max(t.max_workers, t.min_workers);
    g["replicas"] = c.provider_type == "local" ? max : t.min_workers;
    g["minReplicas"] = c.provider_type == "local" ? max : t.min_workers;
    g["maxReplicas"] = max;
  }
  g["rayStartParams"] = params;
  g["template"] = {{"spec", {{"containers", nlohmann::json::array({container})}}}};
  return g;
}

nlohmann::json cluster_spec(const LauncherConfig& c, const RenderSettings& s) {
  nlohmann::json spec = {{"rayVersion", s.ray_version}};
  nlohmann::json workers = nlohmann::json::array();
  bool autoscale = false;
  for (const auto& t : c.node_types) {
    if (t.is_head) {
      spec["headGroupSpec"] = group(c, t, s);
    } else {
      if (t.max_workers == 0) continue;
      workers.push_back(group(c, t, s));
      autoscale = autoscale || (c.provider_type != "local" && t.max_workers > t.min_workers);
    }
  }
  if (!spec.contains("headGroupSpec")) {
    LauncherNodeType head;
    head.name = "head";
    head.is_head = true;
    spec["headGroupSpec"] = group(c, head, s);
  }
  if (autoscale) spec["enableInTreeAutoscaling"] = true;
  if (!workers.empty()) spec["workerGroupSpecs"] = workers;
  return spec;
}

nlohmann::json metadata(const LauncherConfig& c, const RenderSettings& s, size_t limit) {
  nlohmann::json m = {{"name", s.name.empty() ? kuberay_name(c.cluster_name, limit) : s.name}};
  if (!s.namespace_.empty()) m["namespace"] = s.namespace_;
  return m;
}

}  // namespace

std::string kuberay_name(const std::string& cluster_name, size_t limit) {
  std::string out;
  for (char ch : cluster_name) {
    char c = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (ok)
      out += c;
    else if (!out.empty() && out.back() != '-')
      out += '-';
  }
  while (!out.empty() && (out.front() < 'a' || out.front() > 'z')) out.erase(out.begin());
  if (out.size() > limit) out.resize(limit);
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "ray" : out;
}

nlohmann::json render_raycluster(const LauncherConfig& c, const RenderSettings& s) {
  return {{"apiVersion", "ray.io/v1"},
          {"kind", "RayCluster"},
          {"metadata", metadata(c, s, kMaxRayClusterName)},
          {"spec", cluster_spec(c, s)}};
}

nlohmann::json render_rayservice(const LauncherConfig& c, const nlohmann::json& serve_body, const RenderSettings& s) {
  nlohmann::json spec = {{"serveConfigV2", to_yaml_text(serve_body)}, {"rayClusterConfig", cluster_spec(c, s)}};
  return {{"apiVersion", "ray.io/v1"},
          {"kind", "RayService"},
          {"metadata", metadata(c, s, kMaxRayServiceName)},
          {"spec", spec}};
}

}  // namespace rayctl
