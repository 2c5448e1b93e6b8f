// What `rayctl up` does with the launcher fields Ray acts on and rayctl does not. Cloud providers
// and Docker are refused (errors: the cluster would not be the one the file describes); autoscaler,
// sync and proxy settings are read and ignored, and each gets a warning saying what rayctl does
// instead. One table (launcher_fields_up_ignores) feeds the checks and man/rayctl-config(5).
// `rayctl render` acts on a different subset (it maps node types and images to KubeRay), so these
// checks are for `up` and `validate` only (LauncherUse).
#pragma once

#include "cluster/spec/launcher_config.h"
#include "core/diagnostics.h"

#include <vector>

namespace rayctl {

// What a launcher file is being read for: `validate` and `up` (SSH clusters), or `render`
// (KubeRay objects, where cloud node types and docker images have a meaning).
enum class LauncherUse { Up, Render };

// A field Ray acts on that `rayctl up` reads and ignores, and what rayctl does instead.
struct IgnoredLauncherField {
  const char* path;     // dotted path, as LauncherConfig::ignored_fields records it
  const char* instead;  // what `rayctl up` does instead, for the message
  const char* hint;
};
const std::vector<IgnoredLauncherField>& launcher_fields_up_ignores();

// RL229 (provider not local), RL230 (docker image set), RL231 (each ignored field written).
void check_launcher_up_support(const LauncherConfig& c, Diagnostics& diags);

}  // namespace rayctl
