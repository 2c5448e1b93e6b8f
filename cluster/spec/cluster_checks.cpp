// Cross-field checks for launcher files and KubeRay manifests (ids RL2xx).
#include "cluster/spec/cluster_checks.h"

#include "core/yaml_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

namespace rayctl {

namespace {

SourceLoc loc_or(const std::map<std::string, SourceLoc>& locs, const std::string& key, const SourceLoc& fallback) {
  auto it = locs.find(key);
  return it != locs.end() && it->second.known() ? it->second : fallback;
}

std::string fmt_num(double v) {
  if (v == std::floor(v) && std::fabs(v) < 1e15) return fmt::format("{}", static_cast<int64_t>(v));
  return fmt::format("{:g}", v);
}

void related(Diagnostic& d, const SourceLoc& loc, std::string message) {
  d.related = loc;
  d.related_message = std::move(message);
}

void check_name(const KubeRayManifest& m, Diagnostics& diags) {
  if (m.name.empty()) return;
  SourceLoc at = loc_or(m.locs, "metadata.name", m.loc);
  size_t limit = m.kind == "RayService" ? kMaxRayServiceName : kMaxRayClusterName;
  if (m.name.size() > limit)
    diags.error(
        diag_id::kNameTooLong, at,
        fmt::format("{} name '{}' is {} characters; KubeRay allows at most {}", m.kind, m.name, m.name.size(), limit),
        m.kind == "RayService"
            ? "shorten it: KubeRay appends a 5-character suffix for the RayCluster and '-serve-svc' for the Service"
            : "shorten it: KubeRay names the Service '<name>-serve-svc', which must fit 63 characters");
  if (!is_dns1035_label(m.name))
    diags.error(diag_id::kNameNotDns1035, at, fmt::format("{} name '{}' is not a DNS-1035 label", m.kind, m.name),
                "use lower-case letters, digits and '-', starting with a letter and ending with a letter or digit");
}

double gpu_limit(const RayGroupSpec& g, std::string* key) {
  double total = 0;
  for (const auto& [name, q] : g.limits)
    if (name.size() >= 3 && name.compare(name.size() - 3, 3, "gpu") == 0) {
      total += parse_quantity(q).value_or(0);
      if (key && key->empty()) *key = name;
    }
  return total;
}

void check_gpus(const RayGroupSpec& g, const std::string& where, Diagnostics& diags) {
  std::string limit_key;
  double limit = gpu_limit(g, &limit_key);
  auto param = g.ray_start_params.find("num-gpus");
  if (param != g.ray_start_params.end()) {
    auto v = parse_double(param->second);
    if (v && std::fabs(*v - limit) > 1e-9) {
      SourceLoc at = loc_or(g.locs, "rayStartParams.num-gpus", g.loc);
      SourceLoc other =
          limit_key.empty() ? loc_or(g.locs, "container", g.loc) : loc_or(g.locs, "limits." + limit_key, g.loc);
      auto& d = diags.error(
          diag_id::kGpuParamMismatch, at,
          fmt::format("{} tells Ray num-gpus {} but its pods get {} GPU{} from Kubernetes", where, param->second,
                      fmt_num(limit), limit == 1 ? "" : "s"),
          limit > *v
              ? fmt::format("set num-gpus: \"{}\" (or drop it: KubeRay derives it from the nvidia.com/gpu limit)",
                            fmt_num(limit))
              : fmt::format("give the container nvidia.com/gpu: \"{}\" in both requests and limits, or lower num-gpus; "
                            "Ray would schedule replicas onto GPUs the pod does not have",
                            param->second));
      related(d, other,
              limit_key.empty() ? "the Ray container has no GPU limit"
                                : fmt::format("{} limit is {}", limit_key, fmt_num(limit)));
    }
  }
  for (const auto& [name, q] : g.requests) {
    if (name.size() < 3 || name.compare(name.size() - 3, 3, "gpu") != 0) continue;
    auto lim = g.limits.find(name);
    SourceLoc at = loc_or(g.locs, "requests." + name, g.loc);
    if (lim == g.limits.end()) {
      diags.error(
          diag_id::kGpuRequestLimit, at, fmt::format("{} requests {} {} without a limit", where, q, name),
          fmt::format("Kubernetes needs extended resources in limits; set limits.{0}: \"{1}\" (equal to the request)",
                      name, q));
    } else if (parse_quantity(q) != parse_quantity(lim->second)) {
      auto& d = diags.error(diag_id::kGpuRequestLimit, at,
                            fmt::format("{} requests {} {} but limits it to {}", where, q, name, lim->second),
                            fmt::format("GPUs cannot be overcommitted: make requests.{0} equal to limits.{0}", name));
      related(d, loc_or(g.locs, "limits." + name, g.loc), "the limit");
    }
  }
}

void check_requests(const RayGroupSpec& g, const std::string& where, Diagnostics& diags) {
  for (const char* res : {"cpu", "memory"}) {
    auto r = g.requests.find(res), l = g.limits.find(res);
    if (r == g.requests.end() || l == g.limits.end()) continue;
    auto rv = parse_quantity(r->second), lv = parse_quantity(l->second);
    if (rv && lv && *rv > *lv) {
      auto& d = diags.error(diag_id::kRequestAboveLimit, loc_or(g.locs, std::string("requests.") + res, g.loc),
                            fmt::format("{} requests {} {} but limits it to {}", where, r->second, res, l->second),
                            "the API server rejects a request above its limit; raise the limit or lower the request");
      related(d, loc_or(g.locs, std::string("limits.") + res, g.loc), "the limit");
    }
  }
}

void check_group(const RayGroupSpec& g, const KubeRayManifest& m, bool autoscaling, Diagnostics& diags) {
  std::string where = g.is_head ? "the head group" : fmt::format("worker group '{}'", g.name);
  check_gpus(g, where, diags);
  check_requests(g, where, diags);
  for (const auto& [name, value] : g.ray_resources) {
    std::string param = name == "CPU" ? "num-cpus" : name == "GPU" ? "num-gpus" : name == "memory" ? "memory" : "";
    bool twice = (!param.empty() && g.ray_start_params.count(param)) ||
                 (g.ray_start_params.count("resources") &&
                  g.ray_start_params.at("resources").find("\"" + name + "\"") != std::string::npos);
    if (twice) {
      auto& d = diags.error(diag_id::kResourceTwice, loc_or(g.locs, "resources." + name, g.loc),
                            fmt::format("{} sets resource '{}' both in 'resources' and in rayStartParams", where, name),
                            "KubeRay rejects this; keep one of the two");
      related(d, loc_or(g.locs, "rayStartParams." + (param.empty() ? std::string("resources") : param), g.loc),
              "also set here");
    }
  }
  if (g.ray_start_params.count("labels"))
    diags.error(diag_id::kLabelsParam, loc_or(g.locs, "rayStartParams.labels", g.loc),
                fmt::format("{} sets 'labels' in rayStartParams, which KubeRay rejects", where),
                "move the node labels to the group's 'labels:' field");
  if (g.is_head) return;
  if (g.min_set && g.max_set && g.min_replicas > g.max_replicas) {
    auto& d =
        diags.error(diag_id::kMinAboveMax, loc_or(g.locs, "minReplicas", g.loc),
                    fmt::format("{} has minReplicas {} above maxReplicas {}", where, g.min_replicas, g.max_replicas),
                    "KubeRay refuses the group (ValidationFailed); make minReplicas ≤ maxReplicas");
    related(d, loc_or(g.locs, "maxReplicas", g.loc), "maxReplicas");
  } else if (g.replicas_set && (g.replicas < g.min_replicas || g.replicas > g.max_replicas)) {
    int clamped = std::clamp(g.replicas, g.min_replicas, g.max_replicas);
    auto& d = diags.warning(diag_id::kReplicasClamped, loc_or(g.locs, "replicas", g.loc),
                            fmt::format("{} asks for {} replicas, outside [{}, {}]; KubeRay runs {}", where, g.replicas,
                                        g.min_replicas, g.max_replicas, clamped),
                            fmt::format("set replicas: {} (or widen minReplicas/maxReplicas)", clamped));
    related(d, loc_or(g.locs, g.replicas < g.min_replicas ? "minReplicas" : "maxReplicas", g.loc), "the bound");
  }
  (void)m;
  (void)autoscaling;
}

void check_service(const KubeRayManifest& m, Diagnostics& diags) {
  for (const char* f : {"serviceUnhealthySecondThreshold", "deploymentUnhealthySecondThreshold"}) {
    auto it = m.locs.find(std::string("spec.") + f);
    if (it == m.locs.end()) continue;
    diags.warning(diag_id::kIgnoredField, it->second,
                  fmt::format("'spec.{}' is deprecated and ignored by KubeRay (since v1.1); it does nothing", f),
                  "remove it; to bound start-up time use the annotation ray.io/initializing-timeout (e.g. \"30m\")");
  }
  if (auto it = m.locs.find("headService.metadata.name"); it != m.locs.end())
    diags.error(diag_id::kHeadServiceName, it->second,
                "a RayService may not set headGroupSpec.headService.metadata.name",
                "remove the name: the RayService owns the stable '<name>-head-svc' Service");
  if (m.cluster.groups.empty() || !m.cluster.groups.front().is_head) return;
  const RayGroupSpec& head = m.cluster.groups.front();
  // KubeRay (common/service.go getServicePorts): a head container that declares no ports gets the
  // default ports, serve 8000 included; declared ports replace them, and only those named
  // "serve" or "serve-*" (isServingPort) make the serve Service.
  bool serve_port = head.ports.empty() || std::any_of(head.ports.begin(), head.ports.end(), [](const ContainerPort& p) {
                      return p.name == "serve" || p.name.rfind("serve-", 0) == 0;
                    });
  if (!serve_port && !m.locs.count("spec.serveService")) {
    auto& d = diags.error(
        diag_id::kNoServePort, loc_or(head.locs, "ports", loc_or(head.locs, "container", head.loc)),
        "the RayService head container declares ports but none named 'serve' (or 'serve-*'), so KubeRay "
        "creates no serve Service and the RayService never becomes Ready",
        "add to containers[0].ports: '- name: serve' with 'containerPort: 8000' (or set spec.serveService, or "
        "declare no ports to get KubeRay's defaults)");
    related(d, head.loc, "head group");
  }
}

void check_duplicate_groups(const KubeRayManifest& m, Diagnostics& diags) {
  std::map<std::string, const RayGroupSpec*> seen;
  for (const auto& g : m.cluster.groups) {
    if (g.is_head || g.name.empty()) continue;
    auto [it, fresh] = seen.emplace(g.name, &g);
    if (fresh) continue;
    auto& d = diags.error(diag_id::kDuplicateGroup, loc_or(g.locs, "groupName", g.loc),
                          fmt::format("worker group name '{}' is used twice", g.name),
                          "give every worker group a unique groupName");
    related(d, loc_or(it->second->locs, "groupName", it->second->loc), "first used here");
  }
}

}  // namespace

bool is_dns1035_label(const std::string& s) {
  if (s.empty() || s.size() > 63) return false;
  if (!(s.front() >= 'a' && s.front() <= 'z')) return false;
  if (s.back() == '-') return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
}

void check_kuberay_manifest(const KubeRayManifest& m, Diagnostics& diags) {
  check_name(m, diags);
  for (const auto& g : m.cluster.groups) check_group(g, m, m.cluster.in_tree_autoscaling, diags);
  check_duplicate_groups(m, diags);
  if (m.kind == "RayService") check_service(m, diags);
}

// ----- launcher files -----

namespace {

void check_local_hosts(const LauncherConfig& c, Diagnostics& diags) {
  std::map<std::string, SourceLoc> seen;
  if (!c.head_ip.empty()) seen[c.head_ip] = loc_or(c.locs, "provider.head_ip", c.locs.at("provider"));
  for (size_t i = 0; i < c.worker_ips.size(); ++i) {
    SourceLoc at = loc_or(c.locs, fmt::format("provider.worker_ips[{}]", i), c.locs.at("provider"));
    auto [it, fresh] = seen.emplace(c.worker_ips[i], at);
    if (fresh) continue;
    auto& d = diags.error(diag_id::kDuplicateHost, at, fmt::format("host '{}' is listed twice", c.worker_ips[i]),
                          "list every machine once; the head must not also be a worker");
    related(d, it->second, "first listed here");
  }
  std::map<std::string, std::string> group_of;
  for (const auto& t : c.node_types) {
    if (t.is_head || t.loc.line == 0) continue;
    for (size_t i = 0; i < t.hosts.size(); ++i) {
      const std::string& h = t.hosts[i];
      SourceLoc at = loc_or(c.locs, fmt::format("provider.worker_groups.{}.hosts[{}]", t.name, i), t.loc);
      if (std::find(c.worker_ips.begin(), c.worker_ips.end(), h) == c.worker_ips.end()) {
        auto& d = diags.error(
            diag_id::kGroupHostUnknown, at,
            fmt::format("worker group '{}' lists host '{}', which is not in provider.worker_ips", t.name, h),
            "add the host to worker_ips (ray up only starts hosts listed there) or fix the address");
        related(d, loc_or(c.locs, "provider.worker_ips[0]", c.locs.at("provider")), "worker_ips");
      } else if (group_of.count(h) && group_of[h] != t.name) {
        diags.error(diag_id::kGroupHostUnknown, at,
                    fmt::format("host '{}' is in worker groups '{}' and '{}'", h, group_of[h], t.name),
                    "put each host in one worker group");
      }
      group_of.emplace(h, t.name);
    }
  }
}

void check_local(const LauncherConfig& c, Diagnostics& diags) {
  for (const char* f : {"available_node_types", "head_node", "worker_nodes"})
    if (auto it = c.locs.find(f); it != c.locs.end())
      diags.error(diag_id::kLocalNodeTypes, it->second,
                  fmt::format("provider 'local' does not support '{}'; `ray up` aborts", f),
                  "remove it: list machines in provider.head_ip / worker_ips and describe GPU or CPU workers with "
                  "rayctl's provider.worker_groups (man rayctl-config)");
  check_local_hosts(c, diags);
}

void check_node_types(const LauncherConfig& c, Diagnostics& diags) {
  if (c.provider_type == "local" || c.node_types.empty()) return;
  SourceLoc types_loc = loc_or(c.locs, "available_node_types", {});
  if (c.head_node_type.empty()) {
    diags.error(diag_id::kMissingKey, types_loc, "available_node_types is set but head_node_type is missing",
                "add head_node_type: <one of the node type names>");
  } else if (std::none_of(c.node_types.begin(), c.node_types.end(),
                          [&](const LauncherNodeType& t) { return t.name == c.head_node_type; })) {
    std::vector<std::string> names;
    for (const auto& t : c.node_types) names.push_back(t.name);
    auto& d = diags.error(diag_id::kHeadTypeUnknown, loc_or(c.locs, "head_node_type", types_loc),
                          fmt::format("head_node_type '{}' is not a key of available_node_types", c.head_node_type),
                          fmt::format("use one of: {}", fmt::join(names, ", ")));
    related(d, types_loc, "available_node_types");
  }
  int sum_min = 0;
  for (const auto& t : c.node_types) {
    sum_min += t.min_workers;
    if (t.min_workers > t.max_workers) {
      auto& d = diags.error(
          diag_id::kTypeMinAboveMax, loc_or(c.locs, "available_node_types." + t.name + ".min_workers", t.loc),
          fmt::format("node type '{}' has min_workers {} above max_workers {}", t.name, t.min_workers, t.max_workers),
          t.is_head ? "the head node type defaults to max_workers 0; set max_workers on it or lower min_workers"
                    : "make min_workers ≤ max_workers");
      related(d, loc_or(c.locs, "available_node_types." + t.name + ".max_workers", t.loc), "max_workers");
    }
  }
  if (sum_min > c.max_workers) {
    auto& d = diags.error(diag_id::kMinWorkersSum, loc_or(c.locs, "max_workers", types_loc),
                          fmt::format("the node types' min_workers add up to {}, above the global max_workers {}",
                                      sum_min, c.max_workers),
                          fmt::format("raise max_workers to at least {} or lower min_workers", sum_min));
    related(d, types_loc, "available_node_types");
  }
}

}  // namespace

void check_launcher_config(const LauncherConfig& c, Diagnostics& diags, LauncherUse use) {
  const std::vector<std::string>& head_start = c.head_start_ray_commands;
  if (use == LauncherUse::Up) check_launcher_up_support(c, diags);
  if (c.provider_type == "local" && c.locs.count("provider")) check_local(c, diags);
  check_node_types(c, diags);
  bool starts = std::any_of(head_start.begin(), head_start.end(), [](const std::string& s) {
    return s.find("ray start") != std::string::npos && s.find("--head") != std::string::npos;
  });
  if (!head_start.empty() && !starts)
    diags.warning(diag_id::kNoRayStart, loc_or(c.locs, "head_start_ray_commands", {}),
                  "head_start_ray_commands never runs 'ray start --head'; the head would not start Ray",
                  "add 'ray start --head --port=6379' (Ray's default list is used when the key is absent)");
  if (!c.ssh.bastion.empty()) {
    const std::string& b = c.ssh.bastion;
    size_t at = b.find('@');
    std::string hostport = at == std::string::npos ? b : b.substr(at + 1);
    size_t colon = hostport.rfind(':');
    bool ok =
        !hostport.empty() && (at == std::string::npos || at > 0) && hostport.find_first_of(" /@") == std::string::npos;
    if (ok && colon != std::string::npos && hostport.find(']') == std::string::npos && hostport.find(':') == colon) {
      auto port = parse_int(hostport.substr(colon + 1));
      ok = colon > 0 && port && *port > 0 && *port < 65536;
    }
    if (!ok)
      diags.error(diag_id::kBadBastion, loc_or(c.locs, "provider.bastion", {}),
                  fmt::format("provider.bastion '{}' is not [user@]host[:port]", b),
                  "write it like 'jump@bastion.example.com:22'");
  }
}

}  // namespace rayctl
