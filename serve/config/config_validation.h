// ConfigValidation: what `rayctl validate` does, as a library. Reads files (multi-document),
// tells each document's kind (launcher file, Serve config, RayCluster, RayService), loads it
// with positions, runs every check — including a RayService's serveConfigV2 against its own
// rayClusterConfig and a Serve config against a `--cluster` file — and returns the
// diagnostics plus the loaded specs. No printing here: cli/cmd_validate.cpp prints.
#pragma once

#include "cluster/spec/kuberay_manifest.h"
#include "cluster/spec/launcher_config.h"
#include "cluster/spec/launcher_support.h"
#include "core/diagnostics.h"
#include "serve/config/serve_config.h"

#include <optional>
#include <string>
#include <vector>

namespace rayctl {

namespace diag_id {
inline constexpr const char* kUnknownDocument = "RL002";  // not a launcher file, Serve config or KubeRay object
inline constexpr const char* kUnreadable = "RL003";       // file missing or unreadable
}  // namespace diag_id

enum class ConfigKind { Launcher, Serve, RayCluster, RayService, Other };
const char* config_kind_name(ConfigKind k);  // "launcher", "serve", "RayCluster", "RayService", "other"

// One document of one file after loading. Exactly one of the optionals is set for the first
// four kinds (unless the document could not be interpreted at all).
struct LoadedDocument {
  std::string file;
  int index = 0;
  ConfigKind kind = ConfigKind::Other;
  std::optional<LauncherConfig> launcher;
  std::optional<ServeConfig> serve;  // a Serve file, or a RayService's serveConfigV2
  std::optional<KubeRayManifest> kuberay;
};

struct ValidationResult {
  std::vector<std::string> files;  // every file read, in order (the --cluster file last)
  std::vector<LoadedDocument> documents;
  Diagnostics diagnostics;  // sorted by file, line, column
  SourceCache sources;      // file texts, for rendering source lines
};

struct ValidationOptions {
  std::optional<std::string> cluster_file;  // resources to check Serve configs against
  // What launcher files are read for: `validate`/`up` (the default) refuse cloud providers and
  // Docker and warn about fields `up` ignores; `render` sets Render (it maps those to KubeRay).
  LauncherUse launcher_use = LauncherUse::Up;
};

ValidationResult validate_config_files(const std::vector<std::string>& files, const ValidationOptions& opt = {});

// Validates text already in memory (tests, fuzzing). `cluster` = shapes for Serve documents.
void validate_config_text(const std::string& label, const std::string& text, ValidationResult& out,
                          const ClusterResources* cluster = nullptr, LauncherUse use = LauncherUse::Up);

// Loads the node shapes of a cluster file (launcher, RayCluster or RayService); its own
// diagnostics go to `diags`. nullopt when no document of the file describes a cluster.
std::optional<ClusterResources> load_cluster_resources(const std::string& path, Diagnostics& diags,
                                                       SourceCache* sources = nullptr);

// Parses a RayService's serveConfigV2 with positions in the manifest and runs the Serve rules
// and the placement checks against the manifest's own groups.
std::optional<ServeConfig> load_embedded_serve_config(const KubeRayManifest& m, Diagnostics& diags);

}  // namespace rayctl
