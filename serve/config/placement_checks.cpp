// Serve replicas against node shapes: does a replica fit any node, can the cluster ever hold
// the maximum replica count, and is the head node the only place it fits.
#include "serve/config/placement_checks.h"

#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <cmath>

namespace rayctl {

namespace {

constexpr double kEps = 1e-6;  // Ray's resource granularity is 1/10000

std::string amount(const std::string& res, double v) {
  std::string num =
      v == std::floor(v) && v < 1e15 ? fmt::format("{}", static_cast<int64_t>(v)) : fmt::format("{:g}", v);
  if (res == "memory") {
    if (v >= 1073741824.0) return fmt::format("{:.3g} GiB memory", v / 1073741824.0);
    if (v >= 1048576.0) return fmt::format("{:.3g} MiB memory", v / 1048576.0);
    return num + " bytes memory";
  }
  if (res == "CPU") return num + (v == 1 ? " CPU" : " CPUs");
  if (res == "GPU") return num + (v == 1 ? " GPU" : " GPUs");
  if (res.rfind("accelerator_type:", 0) == 0) return "accelerator " + res.substr(17);
  return fmt::format("{} '{}'", num, res);
}

// What a node of `s` offers of `res`: nullopt = not declared (Ray detects it at start).
std::optional<double> offered(const NodeShape& s, const std::string& res) {
  if (res == "CPU") return s.cpus;
  if (res == "GPU") return s.gpus;
  if (res == "memory") return s.memory_bytes;
  auto it = s.custom.find(res);
  if (it != s.custom.end()) return it->second;
  if (res.rfind("accelerator_type:", 0) == 0) {
    // Ray labels GPU nodes with their accelerator type itself; only a shape that declares some
    // other accelerator type, or has no GPUs, rules it out.
    bool declares_other = std::any_of(s.custom.begin(), s.custom.end(),
                                      [](const auto& kv) { return kv.first.rfind("accelerator_type:", 0) == 0; });
    if (declares_other || (s.gpus && *s.gpus <= 0)) return 0.0;
    return std::nullopt;
  }
  return 0.0;  // custom resources exist only where declared
}

bool fits(const std::map<std::string, double>& demand, const NodeShape& s) {
  for (const auto& [res, v] : demand) {
    if (v <= 0) continue;
    auto have = offered(s, res);
    if (have && *have + kEps < v) return false;
  }
  return true;
}

SourceLoc field_loc(const ServeDeployment& d, const std::string& res) {
  std::string key = res == "CPU"                             ? "ray_actor_options.num_cpus"
                    : res == "GPU"                           ? "ray_actor_options.num_gpus"
                    : res == "memory"                        ? "ray_actor_options.memory"
                    : res.rfind("accelerator_type:", 0) == 0 ? "ray_actor_options.accelerator_type"
                                                             : "ray_actor_options.resources";
  auto it = d.locs.find(key);
  return it != d.locs.end() && it->second.known() ? it->second : d.resources_loc;
}

// The resource that rules out the most shapes, with the best offer of it, for the message.
void report_no_fit(const ServeDeployment& d, const std::string& app, const std::map<std::string, double>& demand,
                   const std::vector<const NodeShape*>& shapes, const char* id, const std::string& what,
                   Diagnostics& diags) {
  for (const auto& [res, v] : demand) {
    if (v <= 0) continue;
    const NodeShape* best = nullptr;
    double best_v = -1;
    bool unknown = false;
    for (const auto* s : shapes) {
      auto have = offered(*s, res);
      if (!have)
        unknown = true;
      else if (*have > best_v)
        best_v = *have, best = s;
    }
    if (unknown || best_v + kEps >= v) continue;
    std::string offer = best ? fmt::format("the most any node offers is {} ('{}')", amount(res, best_v), best->name)
                             : "the cluster has no nodes";
    auto& diag = diags.error(
        id, field_loc(d, res),
        fmt::format("deployment '{}' of application '{}' asks for {} per {}, but no node has that: {}", d.name, app,
                    amount(res, v), what, offer),
        res == "GPU" ? "lower num_gpus (fractions like 0.5 share a GPU) or add a node type / worker group "
                       "with that many GPUs (nvidia.com/gpu limit and num-gpus)"
                     : fmt::format("lower the request or add a node type / worker group offering {}", amount(res, v)));
    if (best) {
      diag.related = best->loc;
      diag.related_message = fmt::format("'{}' offers {}", best->name, amount(res, best_v));
    }
    return;
  }
  ReplicaDemand all{demand};
  auto& diag =
      diags.error(id, d.resources_loc,
                  fmt::format("deployment '{}' of application '{}' needs {} on one node per {}, but no node type "
                              "offers all of it together",
                              d.name, app, all.describe(), what),
                  "add a node type / worker group that offers all of it, or split the request");
  if (!shapes.empty()) {
    diag.related = shapes.front()->loc;
    diag.related_message = "node types start here";
  }
}

void check_capacity(const ServeDeployment& d, const std::string& app, const ReplicaDemand& demand,
                    const std::vector<const NodeShape*>& usable, Diagnostics& diags) {
  int want = max_replicas(d);
  int64_t capacity = 0;
  std::vector<std::string> parts;
  for (const auto* s : usable) {
    auto per = replicas_per_node(demand, *s);
    if (!per) return;  // a node type with undeclared resources: capacity unknown
    int n = *per;
    if (d.max_replicas_per_node) n = std::min(n, *d.max_replicas_per_node);
    capacity += int64_t{n} * s->max_count;
    if (n > 0)
      parts.push_back(fmt::format("'{}' {} node{} × {}", s->name, s->max_count, s->max_count == 1 ? "" : "s", n));
  }
  if (want <= capacity) return;
  auto it = d.locs.find(d.autoscaling ? "autoscaling_config.max_replicas" : "num_replicas");
  SourceLoc loc = it != d.locs.end() ? it->second : d.loc;
  auto& diag = diags.warning(
      diag_id::kBeyondCapacity, loc,
      fmt::format(
          "deployment '{}' of application '{}' may run {} replicas of {}, but the cluster can hold at most {} ({}); "
          "the rest stay pending",
          d.name, app, want, demand.describe(), capacity,
          parts.empty() ? "no node fits one" : fmt::format("{}", fmt::join(parts, " + "))),
      fmt::format("lower {} to {} or add nodes (raise maxReplicas / max_workers of a group that fits it)",
                  d.autoscaling ? "max_replicas" : "num_replicas", std::max<int64_t>(capacity, 1)));
  diag.related = d.resources_loc;
  diag.related_message = fmt::format("per-replica demand: {}", demand.describe());
}

void check_deployment(const ServeDeployment& d, const std::string& app, const ClusterResources& cluster,
                      Diagnostics& diags) {
  ReplicaDemand demand = replica_demand(d);
  std::vector<const NodeShape*> usable;
  for (const auto& s : cluster.shapes)
    if (s.max_count > 0) usable.push_back(&s);
  for (size_t i = 0; i < d.placement_group_bundles.size(); ++i) {
    const auto& b = d.placement_group_bundles[i];
    if (std::none_of(usable.begin(), usable.end(), [&](const NodeShape* s) { return fits(b, *s); }))
      report_no_fit(d, app, b, usable, diag_id::kBundleDoesNotFit, fmt::format("placement group bundle {}", i), diags);
  }
  if (demand.empty()) return;
  std::vector<const NodeShape*> fitting;
  for (const auto* s : usable)
    if (fits(demand.amounts, *s)) fitting.push_back(s);
  if (fitting.empty()) {
    report_no_fit(d, app, demand.amounts, usable, diag_id::kReplicaDoesNotFit, "replica", diags);
    return;
  }
  bool workers_exist = std::any_of(usable.begin(), usable.end(), [](const NodeShape* s) { return !s->is_head; });
  if (workers_exist && std::all_of(fitting.begin(), fitting.end(), [](const NodeShape* s) { return s->is_head; })) {
    auto& diag =
        diags.warning(diag_id::kOnlyOnHead, d.resources_loc,
                      fmt::format("replicas of deployment '{}' ({}) fit only on the head node, not on any worker",
                                  d.name, demand.describe()),
                      "keep the head for coordination: give a worker group / node type the resources this "
                      "replica needs, or lower its request");
    diag.related = fitting.front()->loc;
    diag.related_message = "the head node";
  }
  check_capacity(d, app, demand, usable, diags);
}

}  // namespace

bool ReplicaDemand::empty() const {
  return std::none_of(amounts.begin(), amounts.end(), [](const auto& kv) { return kv.second > 0; });
}

std::string ReplicaDemand::describe() const {
  std::vector<std::string> parts;
  for (const char* k : {"GPU", "CPU", "memory"})
    if (auto it = amounts.find(k); it != amounts.end() && it->second > 0) parts.push_back(amount(k, it->second));
  for (const auto& [k, v] : amounts)
    if (k != "GPU" && k != "CPU" && k != "memory" && v > 0) parts.push_back(amount(k, v));
  return parts.empty() ? "no resources" : fmt::format("{}", fmt::join(parts, ", "));
}

ReplicaDemand replica_demand(const ServeDeployment& d) {
  ReplicaDemand r;
  if (d.num_cpus)
    r.amounts["CPU"] = *d.num_cpus;
  else if (d.has_actor_options)
    r.amounts["CPU"] = 1;  // Serve's default when ray_actor_options omits it
  if (d.num_gpus) r.amounts["GPU"] = *d.num_gpus;
  if (d.memory_bytes) r.amounts["memory"] = *d.memory_bytes;
  for (const auto& [k, v] : d.resources) r.amounts[k] = v;
  if (d.accelerator_type) r.amounts["accelerator_type:" + *d.accelerator_type] = 0.001;
  return r;
}

int max_replicas(const ServeDeployment& d) {
  if (d.autoscaling) return d.autoscaling->max_replicas.value_or(d.num_replicas_auto ? 100 : 1);
  if (d.num_replicas_auto) return 100;
  return d.num_replicas.value_or(1);
}

std::optional<int> replicas_per_node(const ReplicaDemand& demand, const NodeShape& shape) {
  std::optional<int> per;
  for (const auto& [res, v] : demand.amounts) {
    if (v <= 0) continue;
    auto have = offered(shape, res);
    if (!have) continue;  // auto-detected: not the limit we can compute
    double n = std::floor((*have + kEps) / v);
    int k = n > INT_MAX ? INT_MAX : static_cast<int>(std::max(0.0, n));
    per = per ? std::min(*per, k) : k;
  }
  return per;
}

void check_serve_placement(const ServeConfig& serve, const ClusterResources& cluster, Diagnostics& diags) {
  if (cluster.shapes.empty()) return;
  for (const auto& app : serve.applications)
    for (const auto& d : app.deployments) check_deployment(d, app.name, cluster, diags);
}

Diagnostics check_serve_placement(const ServeConfig& serve, const ClusterResources& cluster) {
  Diagnostics d;
  check_serve_placement(serve, cluster, d);
  return d;
}

}  // namespace rayctl
