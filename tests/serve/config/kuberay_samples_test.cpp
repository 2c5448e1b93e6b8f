// `rayctl validate` over every sample the KubeRay operator ships in its Go module
// (github.com/ray-project/kuberay/ray-operator@<pinned>/config/samples, the version pinned in
// scripts/k8s/kuberay/go.mod, which scripts/k8s/build.sh downloads into the Go module cache):
// no errors, and each warning listed below with the reason it is right. Skips when the module
// cache does not hold the operator; tests/integration/spec_samples.cmake fills it first and
// sets RAYCTL_KUBERAY_SAMPLES_REQUIRED=1, so there it fails instead of skipping.
#include "serve/config/config_validation.h"

#include <gtest/gtest.h>

#include <fmt/format.h>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <regex>
#include <set>

namespace fs = std::filesystem;
using namespace rayctl;

namespace {

// Warnings KubeRay's own samples earn, by file: "RLnnn line:col" → why the warning is right.
const std::map<std::string, std::map<std::string, std::string>> kJustifiedWarnings = {};

std::string pinned_version() {
  std::ifstream in(fs::path(RAYCTL_SOURCE_DIR) / "scripts/k8s/kuberay/go.mod");
  std::string line;
  std::smatch m;
  static const std::regex re(R"(github\.com/ray-project/kuberay/ray-operator\s+(v[0-9.]+))");
  while (std::getline(in, line))
    if (std::regex_search(line, m, re)) return m[1];
  return {};
}

std::string go_env_modcache() {
  std::unique_ptr<FILE, int (*)(FILE*)> p(popen("go env GOMODCACHE 2>/dev/null", "r"), pclose);
  char buf[4096] = {0};
  if (!p || !fgets(buf, sizeof buf, p.get())) return {};
  std::string s = buf;
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

// The samples folder in the module cache: GOMODCACHE, `go env GOMODCACHE`, then ~/go/pkg/mod.
std::optional<fs::path> samples_dir(const std::string& version) {
  std::vector<std::string> caches;
  if (const char* c = std::getenv("GOMODCACHE")) caches.push_back(c);
  caches.push_back(go_env_modcache());
  if (const char* h = std::getenv("HOME")) caches.push_back(std::string(h) + "/go/pkg/mod");
  for (const auto& c : caches) {
    if (c.empty()) continue;
    fs::path p = fs::path(c) / ("github.com/ray-project/kuberay/ray-operator@" + version) / "config/samples";
    if (fs::is_directory(p)) return p;
  }
  return std::nullopt;
}

}  // namespace

TEST(KubeRaySamples, EveryOperatorSampleValidatesWithoutErrors) {
  const std::string version = pinned_version();
  ASSERT_FALSE(version.empty()) << "no ray-operator version in scripts/k8s/kuberay/go.mod";
  auto dir = samples_dir(version);
  if (!dir) {
    if (std::getenv("RAYCTL_KUBERAY_SAMPLES_REQUIRED")) FAIL() << "ray-operator@" << version << " not in the cache";
    GTEST_SKIP() << "ray-operator@" << version << " is not in the Go module cache (bash scripts/k8s/build.sh)";
  }
  std::vector<std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(*dir))
    if (e.path().extension() == ".yaml") files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 50u);
  std::map<std::string, std::set<std::string>> warned;
  for (const auto& f : files) {
    ValidationResult r = validate_config_files({f});
    const std::string name = fs::relative(f, *dir).string();
    for (const auto& d : r.diagnostics.items()) {
      const std::string at = fmt::format("{} {}:{}", d.id, d.loc.line, d.loc.column);
      if (d.severity == Severity::Error) ADD_FAILURE() << name << ": error " << at << ": " << d.message;
      if (d.severity != Severity::Warning) continue;
      warned[name].insert(at);
      auto file = kJustifiedWarnings.find(name);
      if (file == kJustifiedWarnings.end() || !file->second.count(at))
        ADD_FAILURE() << name << ": warning " << at << " is not in the table: " << d.message;
    }
  }
  size_t warnings = 0;
  for (const auto& [name, at] : warned) warnings += at.size();
  std::printf("validated %zu samples of ray-operator@%s: %zu warning(s)\n", files.size(), version.c_str(), warnings);
  for (const auto& [name, expected] : kJustifiedWarnings)
    for (const auto& [at, why] : expected)
      EXPECT_TRUE(warned[name].count(at)) << name << ": expected warning " << at << " (" << why << ") did not fire";
}
