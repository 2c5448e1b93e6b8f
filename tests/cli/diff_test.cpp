// `rayctl diff` on the command line: kubectl diff's exit status (0 no change, 1 changes, >1 an
// error — also for errors rayctl reports with 1 elsewhere), the launcher file case against a
// recorded state directory, and -o json. The KubeRay cases run against the rig in
// tests/integration/kube/diff.sh.
#include "cli_harness.h"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace rayctl::cli::testing {
namespace {

namespace fs = std::filesystem;

// A scratch directory that is also the state directory (RAYCTL_STATE_DIR) while it lives.
class ScratchState {
 public:
  ScratchState() {
    std::string tmpl = (fs::temp_directory_path() / "rayctl-diff-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    const char* old = std::getenv("RAYCTL_STATE_DIR");
    if (old) old_ = old;
    setenv("RAYCTL_STATE_DIR", (dir_ / "state").c_str(), 1);
  }
  ~ScratchState() {
    if (old_)
      setenv("RAYCTL_STATE_DIR", old_->c_str(), 1);
    else
      unsetenv("RAYCTL_STATE_DIR");
    fs::remove_all(dir_);
  }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(dir_ / name) << text;
    return (dir_ / name).string();
  }

 private:
  fs::path dir_;
  std::optional<std::string> old_;
};

const char* kLauncher = R"(cluster_name: diff-cli
provider: {type: local, head_ip: 10.9.9.1, worker_ips: [10.9.9.2]}
auth: {ssh_user: ray}
setup_commands: [echo hi]
)";

TEST(DiffCli, ALauncherFileNeverBroughtUpIsAChangeWithEveryNodeNew) {
  ScratchState s;
  auto r = run_cli({"-o", "json", "diff", s.write("cluster.yaml", kLauncher)});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["kind"], "launcher");
  EXPECT_EQ(j["exists"], false);
  ASSERT_EQ(j["nodes"].size(), 2u);
  EXPECT_EQ(j["nodes"][0]["reason"], "new node");
  EXPECT_EQ(j["nodes"][1]["action"], "setup+start");
}

TEST(DiffCli, AnUnknownRecordedTargetIsAnErrorAboveOne) {
  ScratchState s;
  auto r = run_cli({"diff", s.write("cluster.yaml", kLauncher), "no-such-cluster"});
  EXPECT_GE(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "no-such-cluster")) << r.err;
}

TEST(DiffCli, AnInvalidFileIsAnErrorAboveOneNotAChange) {
  ScratchState s;
  // Exit 1 everywhere else in rayctl (validation failed); diff keeps 1 for "changes".
  auto r = run_cli({"diff", s.write("bad.yaml", "cluster_name: x\nprovider: {type: local}\nbogus: [\n")});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
}

TEST(DiffCli, AMissingFileIsAnError) {
  auto r = run_cli({"diff", "/nonexistent/rayservice.yaml"});
  EXPECT_GE(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "/nonexistent/rayservice.yaml")) << r.err;
}

TEST(DiffCli, AddressIsOnlyForServeConfigs) {
  ScratchState s;
  auto r = run_cli({"diff", s.write("cluster.yaml", kLauncher), "--address", "http://127.0.0.1:1"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "--address is for Serve configs")) << r.err;
}

TEST(DiffCli, AServeConfigAgainstADashboardThatDoesNotAnswerIsUnreachable) {
  ScratchState s;
  std::string file = s.write("serve.yaml", "applications:\n- name: a\n  import_path: m:app\n  route_prefix: /a\n");
  auto r = run_cli({"diff", file, "--address", "http://127.0.0.1:1"});
  EXPECT_EQ(r.exit_code, 6) << r.err;  // Unreachable keeps its own code (above 1)
}

}  // namespace
}  // namespace rayctl::cli::testing
