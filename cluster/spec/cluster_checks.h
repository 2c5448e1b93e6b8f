// Checks across fields of a launcher file or a KubeRay manifest: the mistakes that Ray or the
// KubeRay operator only report at `ray up` / reconcile time (or never). Each check has a stable
// id (RL2xx, documented in man/rayctl-validate.1), both locations involved, and a hint.
// They run after loading (spec_files.h, and `rayctl validate`); Serve-against-cluster checks
// live in serve/config/placement_checks.h.
#pragma once

#include "cluster/spec/cluster_diag_ids.h"
#include "cluster/spec/kuberay_manifest.h"
#include "cluster/spec/launcher_config.h"
#include "cluster/spec/launcher_support.h"
#include "core/diagnostics.h"

#include <string>
#include <vector>

namespace rayctl {

// `use` Up adds what `rayctl up` refuses or ignores (launcher_support.h); Render leaves it out.
void check_launcher_config(const LauncherConfig& c, Diagnostics& diags, LauncherUse use = LauncherUse::Up);
void check_kuberay_manifest(const KubeRayManifest& m, Diagnostics& diags);

// KubeRay's name limits: a RayCluster's name + "-serve-svc" must fit 63 characters.
inline constexpr size_t kMaxRayClusterName = 53;
inline constexpr size_t kMaxRayServiceName = 47;
bool is_dns1035_label(const std::string& s);

}  // namespace rayctl
