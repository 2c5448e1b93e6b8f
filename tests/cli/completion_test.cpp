// The installed completion scripts (completions/) must be what rayctl generates now, and the
// bash one must complete real subcommands.
#include "cli_harness.h"
#include "core/process.h"
#include "core/state_store.h"

#include <gtest/gtest.h>

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
