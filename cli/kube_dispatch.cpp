// Target classification for the shared verbs.
#include "cli/kube_dispatch.h"

#include "cluster/spec/kuberay_manifest.h"
#include "core/yaml_source.h"

#include <filesystem>

namespace rayctl::cli {

bool is_kube_target(const std::string& target, const KubeFlags& f) {
  if (!f.kubeconfig.empty() || !f.context.empty() || !f.namespace_.empty()) return true;
  for (const char* kind : {"raycluster/", "rayservice/", "rayclusters/", "rayservices/"})
    if (target.rfind(kind, 0) == 0) return true;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(target, ec)) return false;
  try {
    YamlFile file = YamlFile::load(target);
    return !file.documents.empty() && looks_like_kuberay_manifest(file.documents.front().root);
  } catch (const Error&) {
    return false;  // the SSH path reports the file's problem with its position
  }
}

}  // namespace rayctl::cli
