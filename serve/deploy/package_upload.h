// Local runtime_env packages for `serve deploy`: a local `working_dir` or `py_modules` entry
// in a Serve config is zipped and uploaded to the cluster the way `ray job submit` does it
// (PUT /api/packages/gcs/_ray_pkg_<hash>.zip), and the config then names the gcs:// URI.
// Naming, hashing and exclusions follow Ray's runtime_env/packaging.py (2.53): the hash XORs
// SHA-1(relative path + content) of every file and directory into 8 bytes; .gitignore (unless
// RAY_RUNTIME_ENV_IGNORE_GITIGNORE=1), .rayignore and runtime_env.excludes use gitwildmatch
// patterns; working_dir is zipped without its parent directory, py_modules with it.
#pragma once

#include "cluster/dashboard/dashboard_client.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace rayctl {

// Gitwildmatch patterns (as in .gitignore) rooted at one directory. The last matching pattern
// decides; "!pat" re-includes.
class IgnoreRules {
 public:
  explicit IgnoreRules(const std::vector<std::string>& patterns);
  // `rel` is relative to the rules' directory, '/'-separated, no trailing slash.
  bool excluded(const std::string& rel) const;
  bool empty() const { return rules_.empty(); }

 private:
  struct Rule;
  std::vector<std::shared_ptr<Rule>> rules_;
};

// One local path of a runtime_env that rayctl packages and uploads.
struct LocalPackage {
  std::string where;       // "app rag: runtime_env.working_dir"
  std::string local_path;  // absolute
  std::string uri;         // gcs://_ray_pkg_<hash>.zip (or gcs://<name>.whl)
  bool include_parent_dir = false;
  bool prebuilt = false;  // an existing .zip / .whl uploaded as it is
  std::vector<std::string> excludes;
  bool include_gitignore = true;
};

struct PackageOptions {
  bool include_gitignore = true;  // false when RAY_RUNTIME_ENV_IGNORE_GITIGNORE=1
};

// Ray's content hash of a directory ("_ray_pkg_" + 16 hex digits), and of a single file.
std::string package_name_for_directory(const std::string& dir, const std::vector<std::string>& excludes,
                                       bool include_gitignore);
std::string package_name_for_file(const std::string& file);
// The zip Ray would build for `path` (a directory, or a single .py file).
std::string build_package_zip(const std::string& path, const std::vector<std::string>& excludes, bool include_gitignore,
                              bool include_parent_dir);

// Rewrites every local working_dir / py_modules in the Serve config body (application and
// deployment runtime_envs) to its gcs:// URI and returns the packages to upload. Relative paths
// are resolved against `base_dir` (the config file's directory). Remote URIs are left alone.
// Throws Error(Invalid) naming the app and path when a local path does not exist.
std::vector<LocalPackage> localize_runtime_envs(nlohmann::json& body, const std::string& base_dir,
                                                const PackageOptions& opt);

// Uploads the packages the cluster does not have yet. `on_event` gets one line per package
// ("uploaded gcs://… (12.3 KiB)" / "gcs://… already on the cluster").
void upload_packages(DashboardClient& client, const std::vector<LocalPackage>& packages,
                     const std::function<void(const std::string&)>& on_event);

}  // namespace rayctl
