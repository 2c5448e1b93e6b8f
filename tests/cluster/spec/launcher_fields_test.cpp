// Launcher fields `rayctl up` refuses or ignores (cluster/spec/launcher_support.h), over real-world
// files in tests/fixtures/launcher-fields (Ray's own example files, and on-prem files using each
// field): each file gives exactly the diagnostics of its row, at the field, with the exact message
// for the refusals; files whose fields change nothing give none. `render` (LauncherUse::Render)
// raises none of them.
#include "cluster/spec/cluster_checks.h"
#include "core/yaml_source.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <filesystem>
#include <set>

namespace fs = std::filesystem;
using namespace rayctl;

namespace {

struct Expected {
  std::string at;       // "RL231 W 23:1"
  std::string message;  // exact, or (for RL231) the field path, checked as "'<path>' is ignored by `rayctl up`: ..."
};

struct Row {
  const char* file;
  std::vector<Expected> diagnostics;
};

const std::string kCloud =
    "`rayctl up` creates no cloud machines; it starts Ray on machines you list (provider type 'local') or on "
    "Kubernetes through KubeRay";
const std::string kDocker =
    "rayctl runs Ray on the host, not in a container: `rayctl up` would run every setup and start command outside "
    "this image";

const std::vector<Row> kRows = {
    {"local-example-full.yaml", {{"RL230 E 6:12", kDocker}}},
    {"aws-example-minimal.yaml", {{"RL229 E 6:11", "provider type 'aws': " + kCloud}}},
    {"gcp-example-minimal.yaml", {{"RL229 E 5:11", "provider type 'gcp': " + kCloud}}},
    {"local-coordinator-only.yaml",
     {{"RL229 E 6:5",
       "provider.coordinator_address: rayctl does not use a coordinator server, so this cluster has no machines for "
       "`rayctl up`"},
      {"RL226 W 3:14", "max_workers 4 is above the 0 worker_ips; Ray caps it at 0"}}},
    {"local-ignored-fields.yaml",
     {{"RL231 W 8:5", "provider.coordinator_address"},
      {"RL231 W 9:5", "provider.external_head_ip"},
      {"RL231 W 10:5", "provider.use_internal_ips"},
      {"RL231 W 14:5", "auth.ssh_public_key"},
      {"RL231 W 15:5", "auth.ssh_proxy_use_node_id"},
      {"RL231 W 16:1", "docker"},
      {"RL231 W 18:1", "min_workers"},
      {"RL231 W 19:1", "upscaling_speed"},
      {"RL231 W 20:1", "idle_timeout_minutes"},
      {"RL231 W 22:1", "file_mounts_sync_continuously"},
      {"RL231 W 25:1", "no_restart"}}},
    {"local-noop-fields.yaml", {}},
    {"local-proxy-command.yaml", {}},
    {"local-docker-empty.yaml", {}},
};

Diagnostics check(const std::string& file, LauncherUse use) {
  YamlFile f = YamlFile::load((fs::path(RAYCTL_TEST_DATA) / "fixtures" / "launcher-fields" / file).string());
  Diagnostics diags;
  auto c = load_launcher_config(f.documents.at(0), diags);
  if (c) check_launcher_config(*c, diags, use);
  return diags;
}

std::string at(const Diagnostic& d) {
  return fmt::format("{} {} {}:{}", d.id, d.severity == Severity::Error ? "E" : "W", d.loc.line, d.loc.column);
}

}  // namespace

TEST(LauncherFields, EachRefusedOrIgnoredFieldGetsItsDiagnosticAtTheField) {
  for (const auto& row : kRows) {
    Diagnostics diags = check(row.file, LauncherUse::Up);
    std::set<std::string> expected, actual;
    for (const auto& e : row.diagnostics) expected.insert(e.at);
    for (const auto& d : diags.items()) actual.insert(at(d));
    EXPECT_EQ(actual, expected) << row.file;
    for (const auto& e : row.diagnostics)
      for (const auto& d : diags.items()) {
        if (at(d) != e.at) continue;
        if (d.id == "RL231") {
          EXPECT_EQ(d.message.rfind(fmt::format("'{}' is ignored by `rayctl up`: ", e.message), 0), 0u)
              << row.file << " " << e.at << ": " << d.message;
        } else {
          EXPECT_EQ(d.message, e.message) << row.file << " " << e.at;
        }
        EXPECT_FALSE(d.hint.empty()) << row.file << " " << e.at;
      }
  }
}

TEST(LauncherFields, RefusalsSayWhatToDoInstead) {
  Diagnostics aws = check("aws-example-minimal.yaml", LauncherUse::Up);
  ASSERT_EQ(aws.items().size(), 1u);
  EXPECT_EQ(aws.items()[0].hint,
            "for Kubernetes: `rayctl render --to raycluster FILE > raycluster.yaml` then `rayctl up raycluster.yaml`; "
            "for your own machines: 'type: local' with head_ip and worker_ips");
  Diagnostics docker = check("local-example-full.yaml", LauncherUse::Up);
  ASSERT_FALSE(docker.items().empty());
  EXPECT_EQ(docker.items()[0].hint,
            "remove the docker block (or set image: \"\") and install Ray on the machines with setup_commands; to run "
            "the image, use KubeRay: `rayctl render --to raycluster FILE`");
}

TEST(LauncherFields, RenderRaisesNoneOfThem) {
  for (const char* file : {"local-example-full.yaml", "aws-example-minimal.yaml", "local-ignored-fields.yaml"}) {
    Diagnostics diags = check(file, LauncherUse::Render);
    for (const auto& d : diags.items())
      EXPECT_TRUE(d.id != "RL229" && d.id != "RL230" && d.id != "RL231") << file << ": " << at(d);
  }
}
