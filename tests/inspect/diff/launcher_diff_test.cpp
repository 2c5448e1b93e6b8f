// The `up` plan of a launcher file against a recorded cluster, as `rayctl diff` shows it: which
// nodes rerun setup or restart Ray, why, and the old and new commands.
#include "inspect/diff/launcher_diff.h"

#include "core/yaml_source.h"

#include <gtest/gtest.h>

namespace rayctl {
namespace {

const char* kCluster = R"(cluster_name: shop
provider:
  type: local
  head_ip: 10.0.0.1
  worker_ips: [10.0.0.2]
auth:
  ssh_user: ray
setup_commands:
  - pip install shop==1.0
head_start_ray_commands:
  - ray stop
  - ray start --head --port=6379
worker_start_ray_commands:
  - ray stop
  - ray start --address=$RAY_HEAD_IP:6379
)";

LauncherConfig load(std::string text, const std::string& file = "cluster.yaml") {
  Diagnostics diags;
  auto f = YamlFile::parse(file, std::move(text));
  auto c = load_launcher_config(f.documents.at(0), diags);
  EXPECT_TRUE(c) << "fixture does not load";
  c->file = file;
  return *c;
}

std::string edited(std::string text, const std::string& from, const std::string& to) {
  text.replace(text.find(from), from.size(), to);
  return text;
}

// The record `up` leaves after applying `cfg` successfully.
ClusterRecord applied(const LauncherConfig& cfg) {
  ClusterPlan p = plan_up(cfg, nullptr, {}, {}, {});
  ClusterRecord r;
  r.name = cfg.cluster_name;
  r.config_file = cfg.file;
  for (const auto& n : p.nodes)
    r.nodes.push_back({n.node, n.host, n.is_head, false, "up-to-date", n.setup_hash, n.start_hash, "", {}, 0});
  return r;
}

TEST(LauncherDiff, UnchangedFileOnlyVerifies) {
  LauncherConfig cfg = load(kCluster);
  ClusterRecord rec = applied(cfg);
  LauncherDiffInput in;
  in.config = &cfg;
  in.record = &rec;
  auto r = diff_launcher(in);
  ASSERT_EQ(r.nodes.size(), 2u);
  for (const auto& n : r.nodes) EXPECT_EQ(n.action, "verify") << n.node << ": " << n.reason;
  EXPECT_FALSE(r.has_changes());
}

TEST(LauncherDiff, SetupChangeRerunsSetupEverywhereWithTheCommandDiff) {
  LauncherConfig old_cfg = load(kCluster, "old.yaml");
  ClusterRecord rec = applied(old_cfg);
  LauncherConfig cfg = load(edited(kCluster, "shop==1.0", "shop==1.1"));
  LauncherDiffInput in;
  in.config = &cfg;
  in.record = &rec;
  in.previous = &old_cfg;
  auto r = diff_launcher(in);
  ASSERT_EQ(r.nodes.size(), 2u);
  EXPECT_EQ(r.nodes[0].action, "setup+start");
  EXPECT_EQ(r.nodes[0].reason, "setup commands or file_mounts changed");
  EXPECT_TRUE(r.nodes[0].restarts_running);
  ASSERT_TRUE(r.nodes[0].commands_known);
  EXPECT_EQ(r.nodes[0].before_setup, std::vector<std::string>{"pip install shop==1.0"});
  EXPECT_EQ(r.nodes[0].after_setup, std::vector<std::string>{"pip install shop==1.1"});
  EXPECT_TRUE(r.has_changes());
  auto j = r.to_json();
  EXPECT_EQ(j["nodes"][1]["commands"]["setup"]["after"][0], "pip install shop==1.1");
}

TEST(LauncherDiff, WorkerStartChangeRestartsOnlyTheWorker) {
  LauncherConfig old_cfg = load(kCluster, "old.yaml");
  ClusterRecord rec = applied(old_cfg);
  LauncherConfig cfg =
      load(edited(kCluster, "--address=$RAY_HEAD_IP:6379", "--address=$RAY_HEAD_IP:6379 --num-cpus=2"));
  LauncherDiffInput in;
  in.config = &cfg;
  in.record = &rec;
  in.previous = &old_cfg;
  auto r = diff_launcher(in);
  EXPECT_EQ(r.nodes[0].action, "verify");
  EXPECT_EQ(r.nodes[1].action, "start");
  EXPECT_EQ(r.nodes[1].reason, "start commands changed");
  ASSERT_TRUE(r.nodes[1].commands_known);
  EXPECT_NE(r.nodes[1].before_start, r.nodes[1].after_start);
}

TEST(LauncherDiff, OldCommandsAreUnknownWhenTheRecordedFileNoLongerMatches) {
  LauncherConfig old_cfg = load(kCluster);
  ClusterRecord rec = applied(old_cfg);
  // The file was edited in place: the record's file is the new one, which does not reproduce the hashes.
  LauncherConfig cfg = load(edited(kCluster, "shop==1.0", "shop==2.0"));
  LauncherDiffInput in;
  in.config = &cfg;
  in.record = &rec;
  in.previous = &cfg;
  auto r = diff_launcher(in);
  EXPECT_EQ(r.nodes[0].action, "setup+start");
  EXPECT_FALSE(r.nodes[0].commands_known);
  EXPECT_TRUE(r.to_json()["nodes"][0]["commands"].is_null());
  bool noted = false;
  for (const auto& n : r.notes) noted = noted || n.find("keeps only hashes") != std::string::npos;
  EXPECT_TRUE(noted);
}

TEST(LauncherDiff, NewNodeAndAFailedLastRun) {
  LauncherConfig old_cfg = load(kCluster);
  ClusterRecord rec = applied(old_cfg);
  rec.nodes[1].status = "failed";
  LauncherConfig cfg = load(edited(kCluster, "[10.0.0.2]", "[10.0.0.2, 10.0.0.3]"));
  LauncherDiffInput in;
  in.config = &cfg;
  in.record = &rec;
  auto r = diff_launcher(in);
  ASSERT_EQ(r.nodes.size(), 3u);
  EXPECT_EQ(r.nodes[1].reason, "last run failed");
  EXPECT_EQ(r.nodes[2].reason, "new node");
  EXPECT_FALSE(r.nodes[2].restarts_running);
}

TEST(LauncherDiff, NeverBroughtUpIsCreated) {
  LauncherConfig cfg = load(kCluster);
  LauncherDiffInput in;
  in.config = &cfg;
  auto r = diff_launcher(in);
  EXPECT_FALSE(r.exists);
  EXPECT_TRUE(r.has_changes());
  EXPECT_EQ(r.nodes[0].reason, "new node");
}

}  // namespace
}  // namespace rayctl
