// The installed completion scripts (completions/) must be what the binary generates now, and
// the bash one must complete real subcommands.
#include "core/process.h"
#include "core/state_store.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace rayctl;

static std::string run(const std::vector<std::string>& argv) {
  auto r = run_process({argv});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.out;
}

TEST(Completion, CommittedScriptsMatchTheBinary) {
  const std::string dir = std::string(RAYCTL_SOURCE_DIR) + "/completions/";
  EXPECT_EQ(run({RAYCTL_BINARY, "completion", "bash"}), read_file_or_throw(dir + "rayctl.bash"))
      << "regenerate: build/cli/rayctl completion bash > completions/rayctl.bash";
  EXPECT_EQ(run({RAYCTL_BINARY, "completion", "zsh"}), read_file_or_throw(dir + "_rayctl"));
  EXPECT_EQ(run({RAYCTL_BINARY, "completion", "fish"}), read_file_or_throw(dir + "rayctl.fish"));
}

TEST(Completion, BashCompletesSubcommandsAndOptions) {
  std::string script = std::string(RAYCTL_SOURCE_DIR) + "/completions/rayctl.bash";
  auto words = run({"bash", "-c", "source " + script + "; COMP_WORDS=(rayctl serve de); COMP_CWORD=2; _rayctl; echo \"${COMPREPLY[*]}\""});
  EXPECT_EQ(words, "deploy delete\n");
  auto opts = run({"bash", "-c", "source " + script + "; COMP_WORDS=(rayctl validate --st); COMP_CWORD=2; _rayctl; echo \"${COMPREPLY[*]}\""});
  EXPECT_EQ(opts, "--strict\n");
}

TEST(Version, JsonIsStable) {
  auto out = run({RAYCTL_BINARY, "version", "-o", "json"});
  EXPECT_NE(out.find("\"version\": \"0.1.0\""), std::string::npos);
  EXPECT_NE(out.find("\"commit\""), std::string::npos);
  auto r = run_process({{RAYCTL_BINARY, "no-such-command"}});
  EXPECT_EQ(r.exit_code, 2);
}

// The commit is stamped at build time, not at configure time: after a commit and an incremental
// build the binary names the new HEAD (it named the configure-time commit before).
TEST(Version, CommitIsTheSourceTreesHead) {
  auto head = run_process({{"git", "-C", RAYCTL_SOURCE_DIR, "rev-parse", "--short=12", "HEAD"}});
  if (head.exit_code != 0) GTEST_SKIP() << "the source tree is not a git checkout: " << head.err;
  while (!head.out.empty() && head.out.back() == '\n') head.out.pop_back();
  auto j = nlohmann::json::parse(run({RAYCTL_BINARY, "version", "-o", "json"}));
  auto commit = j.at("commit").get<std::string>();
  EXPECT_TRUE(commit == head.out || commit == head.out + "-dirty") << commit << " vs HEAD " << head.out;
}
