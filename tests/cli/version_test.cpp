// `rayctl version`, in-process: the -o json fields, and the commit stamped at build time.
// One test runs the binary itself, to check that main hands the real stdio to run_rayctl.
#include "cli_harness.h"
#include "core/process.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace rayctl;
using namespace rayctl::cli::testing;

TEST(Version, JsonFieldsAreStable) {
  auto r = run_cli({"version", "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["version"], RAYCTL_VERSION);
  EXPECT_TRUE(j["commit"].is_string() && !j["commit"].get<std::string>().empty()) << r.out;
#ifdef RAYCTL_HAVE_CUDA
  EXPECT_EQ(j["cuda"], true);
#else
  EXPECT_EQ(j["cuda"], false);
#endif
  EXPECT_TRUE(j["compiler"].is_string()) << r.out;
  for (const char* lib : {"libcurl", "openssl", "libssh2", "yaml_cpp", "cli11", "pcre2", "fmt", "nlohmann_json"}) {
    ASSERT_TRUE(j["libraries"][lib].is_string()) << lib << " missing in " << r.out;
    EXPECT_FALSE(j["libraries"][lib].get<std::string>().empty()) << lib;
  }
  EXPECT_TRUE(j["libraries"]["openssl"].get<std::string>().rfind("OpenSSL ", 0) == 0) << r.out;
  EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST(Version, TableIsOneLine) {
  auto r = run_cli({"version"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind(std::string("rayctl ") + RAYCTL_VERSION + " (commit ", 0), 0u) << r.out;
  EXPECT_EQ(r.out.find('\n'), r.out.size() - 1) << r.out;
}

// The commit is stamped at build time, not at configure time: after a commit and an incremental
// build rayctl names the new HEAD (it named the configure-time commit before).
TEST(Version, CommitIsTheSourceTreesHead) {
  auto head = run_process({{"git", "-C", RAYCTL_SOURCE_DIR, "rev-parse", "--short=12", "HEAD"}});
  if (head.exit_code != 0) GTEST_SKIP() << "the source tree is not a git checkout: " << head.err;
  while (!head.out.empty() && head.out.back() == '\n') head.out.pop_back();
  auto r = run_cli({"version", "-o", "json"});
  auto commit = nlohmann::json::parse(r.out).at("commit").get<std::string>();
  EXPECT_TRUE(commit == head.out || commit == head.out + "-dirty") << commit << " vs HEAD " << head.out;
}

// Subprocess on purpose: the only thing checked is main.cpp itself, i.e. that the binary hands
// its arguments and real stdio to run_rayctl and exits with its status.
TEST(Version, TheBinaryRunsTheSameCommandLine) {
  auto r = run_process({{RAYCTL_BINARY, "version", "-o", "json"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out), nlohmann::json::parse(run_cli({"version", "-o", "json"}).out));
  EXPECT_EQ(run_process({{RAYCTL_BINARY, "no-such-command"}}).exit_code, 2);
}
