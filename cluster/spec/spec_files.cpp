// Loading + checking one spec file for a command (see spec_files.h).
#include "cluster/spec/spec_files.h"

#include "cluster/spec/cluster_checks.h"
#include "core/diagnostics.h"
#include "core/error.h"

#include <fmt/format.h>

namespace rayctl {

LauncherConfig load_launcher_spec(const std::string& path, IOStreams& io) {
  YamlFile file = YamlFile::load(path);
  if (file.documents.empty()) throw Error(ErrorKind::Invalid, path + " is empty", "write a Ray cluster launcher file");
  Diagnostics diags;
  auto cfg = load_launcher_config(file.documents.front(), diags);
  if (cfg) check_launcher_config(*cfg, diags);
  diags.sort();  // file order, as `rayctl validate` prints them
  report_diagnostics(diags, file, io, "the cluster file", "fix them, or check with `rayctl validate " + path + "`");
  if (!cfg)  // not a mapping: the loader said so as an error, so report_diagnostics threw
    throw Error(ErrorKind::Invalid, path + " is not a Ray cluster launcher file", "write a Ray cluster launcher file");
  return std::move(*cfg);
}

KubeRaySpec load_kuberay_spec(const std::string& path, IOStreams& io) {
  KubeRaySpec spec{YamlFile::load(path)};
  for (size_t i = 0; i < spec.file.documents.size(); ++i) {
    const YamlDocument& doc = spec.file.documents[i];
    if (!looks_like_kuberay_manifest(doc.root)) continue;
    Diagnostics diags;
    auto m = load_kuberay_manifest(doc, diags, spec.file.text);
    if (m) check_kuberay_manifest(*m, diags);
    report_diagnostics(
        diags, spec.file, io, "the manifest",
        fmt::format("nothing was sent to the API server; fix them (rayctl validate {} shows the same)", path));
    if (!m)
      throw Error(ErrorKind::Invalid,
                  fmt::format("{}: the manifest has no kind rayctl knows; nothing was sent to the API server", path),
                  "use kind RayCluster or RayService");
    spec.doc = i;
    spec.manifest = std::move(*m);
    return spec;
  }
  throw Error(
      ErrorKind::Invalid,
      fmt::format("{} is not a KubeRay manifest (apiVersion ray.io/v1, kind RayCluster or RayService)", path),
      "for a launcher file or Serve config, render one first: rayctl render --to raycluster FILE > manifest.yaml");
}

}  // namespace rayctl
