// node_command: which nodes a command reaches, and the shell text `logs` runs on them.
#include "cluster/launcher/node_command.h"

#include "core/process.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace rayctl {
namespace {

ClusterTarget three_nodes() {
  ClusterTarget t;
  t.name = "t";
  for (const char* n : {"head", "worker-1", "worker-2"}) {
    LauncherNode node;
    node.name = n;
    node.host = std::string("10.0.0.") + (n[0] == 'h' ? "1" : "2");
    node.is_head = n[0] == 'h';
    t.nodes.push_back(node);
  }
  return t;
}

TEST(NodeCommand, NamingANodeTwiceReachesItOnce) {
  ClusterTarget t = three_nodes();
  auto picked = pick_nodes(t, {"worker-1", "worker-1", "head", "worker-1"}, false);
  ASSERT_EQ(picked.size(), 2u);
  EXPECT_EQ(picked[0]->name, "worker-1");
  EXPECT_EQ(picked[1]->name, "head");
}

// A temp dir holding shell syntax is data: running the logs command must not run `touch`.
TEST(NodeCommand, LogsCommandQuotesTheTempDirInItsMessage) {
  auto dir = std::filesystem::temp_directory_path() / ("rayctl-logs-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::string marker = (dir / "pwned").string();
  std::string temp_dir = (dir / "x$(touch pwned)`touch pwned`").string();
  ProcessSpec spec;
  spec.argv = {"sh", "-c", logs_command(temp_dir, "", 10, false)};
  spec.cwd = dir.string();
  ProcessResult r = run_process(spec);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_FALSE(std::filesystem::exists(marker)) << r.err;
  EXPECT_NE(r.err.find("no Ray logs under " + temp_dir + "/session_latest"), std::string::npos) << r.err;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace rayctl
