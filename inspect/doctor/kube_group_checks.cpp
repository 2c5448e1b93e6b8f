// DR172, DR174, DR502 from a RayCluster's group templates.
#include "inspect/doctor/kube_group_checks.h"

#include "inspect/doctor/kube_json.h"

#include <fmt/format.h>

#include <algorithm>
#include <regex>

namespace rayctl {

using kj::at;
using kj::str;
using nlohmann::json;

namespace {

constexpr const char* kGpu = "nvidia.com/gpu";

// A Kubernetes quantity or rayStartParams value as a number ("2", 2, "1.5"); nullopt otherwise.
// GPUs are whole devices, so the suffixed forms (100m, 1Ki) never matter here.
std::optional<double> number(const json& v) {
  if (v.is_number()) return v.get<double>();
  if (!v.is_string()) return std::nullopt;
  const std::string s = v.get<std::string>();
  char* end = nullptr;
  double d = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size()) return std::nullopt;
  return d;
}

double container_gpus(const json& c) {
  const json& res = at(c, "resources");
  if (auto v = number(at(at(res, "limits"), kGpu))) return *v;
  if (auto v = number(at(at(res, "requests"), kGpu))) return *v;
  return 0;
}

GroupTemplate group_of(const json& g, bool head) {
  GroupTemplate s;
  s.head = head;
  s.name = head ? "headgroup" : str(g, "groupName");
  const json& containers = at(at(at(g, "template"), "spec"), "containers");
  if (containers.is_array() && !containers.empty()) {
    s.image = str(containers[0], "image");
    s.ray_container_gpus = container_gpus(containers[0]);
    for (const auto& c : containers) s.pod_gpus += container_gpus(c);
  }
  const json& param = at(at(g, "rayStartParams"), "num-gpus");
  s.num_gpus = number(param);
  s.num_gpus_text = param.is_string() ? param.get<std::string>() : param.is_number() ? param.dump() : "";
  if (!head) {
    long replicas = kj::num(g, "replicas", 0), mn = kj::num(g, "minReplicas", 0),
         mx = kj::num(g, "maxReplicas", 2147483647);
    s.replicas = std::clamp(replicas, mn, std::max(mn, mx)) * kj::num(g, "numOfHosts", 1);
  }
  return s;
}

std::string gpus(double n) {
  return n == static_cast<long>(n) ? std::to_string(static_cast<long>(n)) : fmt::format("{}", n);
}

}  // namespace

std::vector<GroupTemplate> ray_group_specs(const json& cluster_spec) {
  std::vector<GroupTemplate> out{group_of(at(cluster_spec, "headGroupSpec"), true)};
  const json& workers = at(cluster_spec, "workerGroupSpecs");
  if (workers.is_array())
    for (const auto& g : workers) out.push_back(group_of(g, false));
  return out;
}

std::optional<std::string> ray_version_of_image(const std::string& image) {
  std::string ref = image.substr(0, image.find('@'));
  auto slash = ref.rfind('/');
  auto colon = ref.rfind(':');
  if (colon == std::string::npos || (slash != std::string::npos && colon < slash)) return std::nullopt;
  static const std::regex version(R"(^(\d+\.\d+\.\d+))");
  std::smatch m;
  std::string tag = ref.substr(colon + 1);
  if (!std::regex_search(tag, m, version)) return std::nullopt;
  return m[1].str();
}

DoctorFinding gpu_fit_finding(const std::vector<GroupTemplate>& groups, const KubeReply& nodes) {
  DoctorFinding f{"DR172", CheckState::Ok, "", "", {}, ""};
  double asked = 0;
  for (const auto& g : groups) asked += g.pod_gpus * g.replicas;
  if (asked == 0) {
    f.summary = "no pod asks for nvidia.com/gpu";
    return f;
  }
  if (!nodes.ok()) {
    f.state = CheckState::Warn;
    f.summary = "the nodes' GPUs could not be read";
    f.evidence = {"list nodes: " + nodes.describe()};
    f.fix =
        "Reading nodes is a cluster-wide right; the pods layer's scheduling check still shows what the scheduler "
        "said.";
    return f;
  }
  double largest = 0, total = 0;
  std::string largest_node;
  for (const auto& n : nodes.items()) {
    double have = number(at(at(at(n, "status"), "allocatable"), kGpu)).value_or(0);
    total += have;
    if (have > largest) largest = have, largest_node = kj::name_of(n);
  }
  for (const auto& g : groups) {
    if (g.pod_gpus <= largest) continue;
    f.state = CheckState::Fail;
    f.subject = "group " + g.name;
    f.evidence.push_back(fmt::format(
        "group {}: each pod asks for {} {}; {}", g.name, gpus(g.pod_gpus), kGpu,
        largest == 0 ? "no node has any allocatable"
                     : fmt::format("the largest node, {}, has {} allocatable", largest_node, gpus(largest))));
  }
  if (f.state == CheckState::Fail) {
    f.summary = "a pod asks for more GPUs than any node has";
    return f;
  }
  f.summary = fmt::format("every pod fits a node (largest: {} with {} GPUs)", largest_node, gpus(largest));
  if (asked > total) {
    f.state = CheckState::Warn;
    f.summary =
        fmt::format("the groups ask for {} GPUs in all; the nodes have {} allocatable", gpus(asked), gpus(total));
    f.fix = "Not every pod can run at once: lower replicas, or add GPU nodes.";
  }
  return f;
}

DoctorFinding ray_version_finding(const std::vector<GroupTemplate>& groups, const std::string& ray_version) {
  DoctorFinding f{"DR174", CheckState::Ok, "", "", {}, ""};
  std::optional<std::string> head = ray_version_of_image(groups.front().image);
  std::vector<std::string> lines, unknown;
  bool mismatch = false;
  for (const auto& g : groups) {
    auto v = ray_version_of_image(g.image);
    lines.push_back(fmt::format("{} {}: image {} → Ray {}", g.head ? "head group" : "worker group", g.name, g.image,
                                v.value_or("unknown")));
    if (!v) unknown.push_back(g.image);
    if (!g.head && v && head && *v != *head) {
      mismatch = true;
      f.subject = "group " + g.name;
    }
  }
  if (!ray_version.empty()) lines.push_back("spec.rayVersion " + ray_version);
  if (mismatch) {
    f.state = CheckState::Fail;
    f.summary = "the head and a worker group run different Ray versions: those workers cannot join";
    f.evidence = lines;
    return f;
  }
  bool same_images = std::all_of(groups.begin(), groups.end(),
                                 [&](const GroupTemplate& g) { return g.image == groups.front().image; });
  if (!unknown.empty() && !same_images) {
    f.state = CheckState::Warn;
    f.summary = "the images differ and their tags do not say which Ray they hold";
    f.evidence = lines;
    f.fix = "Tag Ray images with their Ray version (rayproject/ray:2.53.0-...) or use one image for every group.";
    return f;
  }
  if (head && !ray_version.empty() && ray_version != *head) {
    f.state = CheckState::Warn;
    f.summary = fmt::format("the images hold Ray {}, but spec.rayVersion says {}", *head, ray_version);
    f.evidence = lines;
    f.fix = "Set spec.rayVersion to the images' Ray version: KubeRay picks the autoscaler and features by it.";
    return f;
  }
  f.summary = head ? fmt::format("Ray {} in every group", *head) : "one image for every group";
  return f;
}

DoctorFinding gpu_params_finding(const std::vector<GroupTemplate>& groups) {
  DoctorFinding f{"DR502", CheckState::Ok, "", "", {}, ""};
  int checked = 0;
  for (const auto& g : groups) {
    if (!g.num_gpus && g.ray_container_gpus == 0) continue;
    ++checked;
    if (!g.num_gpus) continue;  // Ray counts the GPUs the container was given
    double want = *g.num_gpus, have = g.ray_container_gpus;
    if (want == have) continue;
    std::string line = fmt::format("group {}: rayStartParams num-gpus \"{}\", the Ray container gets {} {}", g.name,
                                   g.num_gpus_text, gpus(have), kGpu);
    if (want > have) {
      // Ray would hand out GPUs the container does not have: tasks land there and fail in CUDA.
      f.state = CheckState::Fail;
      f.subject = "group " + g.name;
      f.evidence.push_back(line + ": Ray advertises GPUs that do not exist");
    } else {
      if (f.state == CheckState::Ok) f.state = CheckState::Warn, f.subject = "group " + g.name;
      f.evidence.push_back(line + ": Ray uses only " + gpus(want) + " of them");
    }
  }
  if (f.state == CheckState::Fail)
    f.summary = "num-gpus is more than the GPUs the container gets";
  else if (f.state == CheckState::Warn)
    f.summary = "num-gpus leaves some of the container's GPUs unused";
  else
    f.summary = checked == 0 ? "no group uses GPUs" : "num-gpus agrees with nvidia.com/gpu in every GPU group";
  return f;
}

}  // namespace rayctl
