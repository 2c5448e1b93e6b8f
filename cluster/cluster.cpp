// Resolving what the user typed into a Cluster (see cluster.h).
#include "cluster/cluster.h"

#include "cluster/kube/kuberay_cluster.h"
#include "cluster/launcher/ssh_cluster.h"
#include "cluster/spec/spec_files.h"
#include "core/yaml_source.h"

#include <filesystem>

namespace rayctl {

namespace {

bool is_file(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_regular_file(path, ec);
}

bool is_kuberay_file(const std::string& path) {
  if (!is_file(path)) return false;
  try {
    YamlFile file = YamlFile::load(path);
    for (const auto& d : file.documents)
      if (looks_like_kuberay_manifest(d.root)) return true;
  } catch (const Error&) {
    // Not YAML rayctl can read: the launcher path reports the file's problem with its position.
  }
  return false;
}

}  // namespace

std::vector<NodeFilesResult> Cluster::put_files(const std::vector<NodeFile>&, const std::vector<std::string>&,
                                                const ConnectOptions&, IOStreams&, CancelFlag&) {
  throw Error(ErrorKind::Usage, "cluster " + name() + " (" + provider() + "): rayctl does not copy files to its nodes",
              "put the files in the image or on a volume (see man rayctl-inference, KUBERNETES)");
}

bool names_kuberay_object(const ClusterRef& ref) {
  if (ref.has_kube_flags()) return true;
  for (const char* kind : {"raycluster/", "rayservice/", "rayclusters/", "rayservices/"})
    if (ref.target.rfind(kind, 0) == 0) return true;
  return is_kuberay_file(ref.target);
}

std::unique_ptr<Cluster> open_cluster(const ClusterRef& ref, IOStreams& io, const ClusterStateStore& store) {
  if (names_kuberay_object(ref)) {
    std::optional<KubeRaySpec> spec;
    if (is_file(ref.target)) spec = load_kuberay_spec(ref.target, io);
    return std::make_unique<KubeRayCluster>(ref, std::move(spec), io.in_tty);
  }
  ClusterTarget target = resolve_cluster_target(ref.target, io, store);
  if (target.provider == "kubernetes")
    throw Error(ErrorKind::Usage, "cluster " + target.name + " runs on Kubernetes",
                "name its object: rayservice/NAME or raycluster/NAME (with --kubeconfig/--context/-n as needed)");
  return std::make_unique<SshCluster>(std::move(target), store);
}

ExitCode exit_code_of(const StatusReport& r) {
  if (auto* s = std::get_if<ClusterStatus>(&r)) {
    bool healthy = s->dashboard_reachable;
    for (const auto& n : s->nodes) healthy = healthy && n.reachable && n.ray_alive;
    return healthy ? ExitCode::Ok : ExitCode::Unhealthy;
  }
  const auto& h = std::get<RayObjectHealth>(r);
  if (h.ready()) return ExitCode::Ok;
  bool failed = (h.cluster && h.cluster->state == "failed") || (h.service && h.service->state == "failed");
  return failed ? ExitCode::Unhealthy : ExitCode::Pending;
}

ExitCode exit_code_of(const UpReport& r) {
  if (auto* k = std::get_if<KubeUpResult>(&r))
    if (k->waited && k->outcome == WaitOutcome::TimedOut) return ExitCode::Timeout;
  return ExitCode::Ok;
}

}  // namespace rayctl
