// Pod requests of a RayCluster spec and the nodes' free capacity (see capacity.h).
#include "inspect/diff/capacity.h"

#include "cluster/spec/kuberay_manifest.h"

#include <fmt/format.h>

#include <algorithm>
#include <climits>

namespace rayctl {

namespace {

double quantity(const nlohmann::json& v) {
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) return parse_quantity(v.get<std::string>()).value_or(0);
  return 0;
}

ResourceTotals container_requests(const nlohmann::json& c) {
  ResourceTotals t;
  const auto res = c.value("resources", nlohmann::json::object());
  const auto req = res.value("requests", nlohmann::json::object());
  const auto lim = res.value("limits", nlohmann::json::object());
  for (const auto& r : counted_resources()) {
    if (req.contains(r))
      t[r] = quantity(req[r]);
    else if (lim.contains(r))
      t[r] = quantity(lim[r]);
  }
  return t;
}

void add(ResourceTotals& into, const ResourceTotals& t, double times = 1) {
  for (const auto& [k, v] : t) into[k] += v * times;
}

void take_max(ResourceTotals& into, const ResourceTotals& t) {
  for (const auto& [k, v] : t) into[k] = std::max(into[k], v);
}

int int_or(const nlohmann::json& obj, const char* key, int dflt) {
  return obj.contains(key) && obj[key].is_number_integer() ? obj[key].get<int>() : dflt;
}

// utils.GetWorkerGroupDesiredReplicas (KubeRay v1.6.1), numOfHosts included.
int desired_pods(const nlohmann::json& group, bool from_min) {
  if (group.value("suspend", false)) return 0;
  int min = int_or(group, "minReplicas", 0), max = int_or(group, "maxReplicas", INT_MAX);
  int replicas = from_min ? min : int_or(group, "replicas", min);
  replicas = replicas < min ? min : std::min(replicas, max);
  return replicas * int_or(group, "numOfHosts", 1);
}

bool node_usable(const nlohmann::json& node) {
  if (node.value("spec", nlohmann::json::object()).value("unschedulable", false)) return false;
  for (const auto& c : node.value("status", nlohmann::json::object()).value("conditions", nlohmann::json::array()))
    if (c.value("type", "") == "Ready") return c.value("status", "") == "True";
  return false;
}

// The autoscaler sidecar KubeRay adds to the head pod with enableInTreeAutoscaling: its
// resources from autoscalerOptions.resources, else 500m / 512Mi (common/pod.go
// BuildAutoscalerContainer, mergeAutoscalerOverrides).
ResourceTotals autoscaler_sidecar(const nlohmann::json& spec) {
  if (!spec.value("enableInTreeAutoscaling", false)) return {};
  auto opts = spec.value("autoscalerOptions", nlohmann::json::object());
  if (opts.contains("resources") && opts["resources"].is_object()) return container_requests(opts);
  return {{"cpu", 0.5}, {"memory", 512.0 * (1 << 20)}};
}

}  // namespace

const std::vector<std::string>& counted_resources() {
  static const std::vector<std::string> r = {"cpu", "memory", "nvidia.com/gpu"};
  return r;
}

ResourceTotals pod_requests(const nlohmann::json& pod_spec) {
  ResourceTotals sum, init;
  for (const auto& c : pod_spec.value("containers", nlohmann::json::array())) add(sum, container_requests(c));
  for (const auto& c : pod_spec.value("initContainers", nlohmann::json::array())) take_max(init, container_requests(c));
  take_max(sum, init);
  return sum;
}

ClusterRequests cluster_requests(const nlohmann::json& spec, bool from_min) {
  ClusterRequests out;
  auto one_group = [&](const nlohmann::json& group, int pods, const ResourceTotals& extra) {
    auto pod_spec = group.value("template", nlohmann::json::object()).value("spec", nlohmann::json::object());
    ResourceTotals per_pod = pod_requests(pod_spec);
    add(per_pod, extra);
    add(out.total, per_pod, pods);
    out.pods += pods;
    if (pods > 0) take_max(out.largest_pod, per_pod);
  };
  one_group(spec.value("headGroupSpec", nlohmann::json::object()), 1, autoscaler_sidecar(spec));
  for (const auto& g : spec.value("workerGroupSpecs", nlohmann::json::array()))
    one_group(g, desired_pods(g, from_min), {});
  return out;
}

std::vector<NodeFree> free_capacity(const nlohmann::json& node_list, const nlohmann::json& pod_list) {
  std::map<std::string, ResourceTotals> used;
  for (const auto& p : pod_list.value("items", nlohmann::json::array())) {
    std::string phase = p.value("status", nlohmann::json::object()).value("phase", "");
    std::string node = p.value("spec", nlohmann::json::object()).value("nodeName", "");
    if (node.empty() || phase == "Succeeded" || phase == "Failed") continue;
    add(used[node], pod_requests(p["spec"]));
  }
  std::vector<NodeFree> out;
  for (const auto& n : node_list.value("items", nlohmann::json::array())) {
    if (!node_usable(n)) continue;
    NodeFree f;
    f.node = n.value("metadata", nlohmann::json::object()).value("name", "");
    auto alloc = n.value("status", nlohmann::json::object()).value("allocatable", nlohmann::json::object());
    for (const auto& r : counted_resources())
      f.free[r] = (alloc.contains(r) ? quantity(alloc[r]) : 0) - (used.count(f.node) ? used[f.node][r] : 0);
    out.push_back(std::move(f));
  }
  return out;
}

CapacityCheck check_capacity(const ClusterRequests& needed, const std::optional<std::vector<NodeFree>>& nodes,
                             const std::string& why_unchecked) {
  CapacityCheck c;
  c.needed = needed;
  if (!nodes) {
    c.note = why_unchecked;
    return c;
  }
  c.checked = true;
  for (const auto& r : counted_resources()) c.free[r] = 0;
  for (const auto& n : *nodes)
    for (const auto& [k, v] : n.free) c.free[k] += std::max(0.0, v);
  for (const auto& [r, want] : needed.total) {
    if (want <= 0) continue;
    if (c.free[r] + 1e-9 < want)
      c.short_of.push_back(
          fmt::format("{}: needs {}, {} free", r, format_totals({{r, want}}), format_totals({{r, c.free[r]}})));
    bool one_node_fits = false;
    double biggest = needed.largest_pod.count(r) ? needed.largest_pod.at(r) : 0;
    for (const auto& n : *nodes) one_node_fits = one_node_fits || (n.free.count(r) && n.free.at(r) + 1e-9 >= biggest);
    if (biggest > 0 && !one_node_fits)
      c.short_of.push_back(
          fmt::format("{}: no node has {} free for the largest pod", r, format_totals({{r, biggest}})));
  }
  c.note = "summed over Ready, schedulable nodes; the scheduler places pods one by one";
  return c;
}

std::string format_totals(const ResourceTotals& t) {
  std::vector<std::string> parts;
  for (const auto& r : counted_resources()) {
    auto it = t.find(r);
    if (it == t.end()) continue;
    double v = it->second;
    if (r == "memory") {
      parts.push_back(v >= 1 << 30 ? fmt::format("{:.3g}Gi memory", v / (1 << 30))
                                   : fmt::format("{:.3g}Mi memory", v / (1 << 20)));
    } else {
      parts.push_back(fmt::format("{:g} {}", v, r));
    }
  }
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out.empty() ? "nothing" : out;
}

nlohmann::json totals_json(const ResourceTotals& t) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& r : counted_resources()) j[r] = t.count(r) ? t.at(r) : 0.0;
  return j;
}

}  // namespace rayctl
