// Spec files as commands read them: load a launcher file or a KubeRay manifest, run its checks,
// print the diagnostics (core's report_diagnostics) and stop on errors. `rayctl validate` does
// the same steps for many files without stopping (serve/config/config_validation.h).
#pragma once

#include "cluster/spec/kuberay_manifest.h"
#include "cluster/spec/launcher_config.h"
#include "core/output.h"
#include "core/yaml_source.h"

#include <cstddef>
#include <string>

namespace rayctl {

// Loads a launcher YAML, runs its checks, prints the diagnostics; throws Error(Invalid) when any is an error.
LauncherConfig load_launcher_spec(const std::string& path, IOStreams& io);

// A KubeRay manifest file: its first ray.io document (RayCluster or RayService), loaded and checked.
struct KubeRaySpec {
  YamlFile file;
  size_t doc = 0;
  KubeRayManifest manifest;
};
// Throws Error(Invalid) when the file holds no KubeRay document, or on errors (nothing was sent
// to the API server yet).
KubeRaySpec load_kuberay_spec(const std::string& path, IOStreams& io);

}  // namespace rayctl
