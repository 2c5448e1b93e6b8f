// The installed completion scripts (completions/) must be what rayctl generates now, and the
// bash one must complete real subcommands.
#include "cli_harness.h"
#include "cluster/cluster_state.h"
#include "core/process.h"
#include "core/state_store.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

using namespace rayctl;
using namespace rayctl::cli::testing;

namespace {

std::string generated(const std::string& shell) {
  auto r = run_cli({"completion", shell});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.out;
}

}  // namespace

TEST(Completion, CommittedScriptsMatchTheCommandTree) {
  const std::string dir = std::string(RAYCTL_SOURCE_DIR) + "/completions/";
  EXPECT_EQ(generated("bash"), read_file_or_throw(dir + "rayctl.bash"))
      << "regenerate: build/cli/rayctl completion bash > completions/rayctl.bash";
  EXPECT_EQ(generated("zsh"), read_file_or_throw(dir + "_rayctl"));
  EXPECT_EQ(generated("fish"), read_file_or_throw(dir + "rayctl.fish"));
}

TEST(Completion, UnknownShellIsAUsageError) { EXPECT_EQ(run_cli({"completion", "tcsh"}).exit_code, 2); }

// Subprocess on purpose: what is tested is bash itself sourcing the committed script.
TEST(Completion, BashCompletesSubcommandsAndOptions) {
  std::string script = std::string(RAYCTL_SOURCE_DIR) + "/completions/rayctl.bash";
  auto complete = [&](const std::string& words, int cword) {
    auto r = run_process({{"bash", "-c",
                           "source " + script + "; COMP_WORDS=(" + words + "); COMP_CWORD=" + std::to_string(cword) +
                               "; _rayctl; echo \"${COMPREPLY[*]}\""}});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  };
  EXPECT_EQ(complete("rayctl serve de", 2), "deploy delete\n");
  EXPECT_EQ(complete("rayctl validate --st", 2), "--strict\n");
}

// Values that only this machine knows come from `rayctl __complete`, which the scripts call by
// name: the real binary's folder goes first on PATH, and the state directory and kubeconfig are
// the test's own. The kubeconfig's server is a closed loopback port, so namespaces fall back to
// those its contexts name.
TEST(Completion, BashCompletesValuesRecordedClustersAndKubeNames) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("rayctl-completion-" + std::to_string(::getpid()));
  fs::create_directories(dir / "state");
  ClusterRecord rec;
  rec.name = "mycluster";
  rec.provider = "local";
  ClusterStateStore((dir / "state" / "clusters").string()).save(rec);
  std::ofstream(dir / "kubeconfig")
      << "apiVersion: v1\nkind: Config\ncurrent-context: kind-a\n"
         "clusters:\n- name: c\n  cluster: {server: 'https://127.0.0.1:9'}\n"
         "users:\n- name: u\n  user: {token: t}\n"
         "contexts:\n- name: kind-a\n  context: {cluster: c, user: u, namespace: serving}\n"
         "- name: prod\n  context: {cluster: c, user: u}\n";
  std::string script = std::string(RAYCTL_SOURCE_DIR) + "/completions/rayctl.bash";
  std::string bin_dir = fs::path(RAYCTL_BINARY).parent_path().string();
  auto complete = [&](const std::string& words, int cword) {
    ProcessSpec spec{{"bash", "-c",
                      "source " + script + "; COMP_WORDS=(" + words + "); COMP_CWORD=" + std::to_string(cword) +
                          "; _rayctl; echo \"${COMPREPLY[*]}\""}};
    spec.env_add = {{"PATH", bin_dir + ":" + std::string(std::getenv("PATH") ? std::getenv("PATH") : "/usr/bin:/bin")},
                    {"RAYCTL_STATE_DIR", (dir / "state").string()},
                    {"KUBECONFIG", (dir / "kubeconfig").string()}};
    spec.cwd = dir.string();
    auto r = run_process(spec);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  };
  EXPECT_EQ(complete("rayctl status my", 2), "mycluster\n");
  EXPECT_EQ(complete("rayctl serve status --cluster m", 4), "mycluster\n");
  EXPECT_EQ(complete("rayctl inference run --device c", 4), "cpu cuda\n");
  EXPECT_EQ(complete("rayctl logs mycluster --component ra", 4), "raylet\n");
  EXPECT_EQ(complete("rayctl up --context ''", 3), "kind-a prod\n");
  EXPECT_EQ(complete("rayctl status x -n ''", 4), "serving\n");
  fs::remove_all(dir);
}
