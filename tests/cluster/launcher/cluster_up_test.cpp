// `up` driven through its seams: fake runners that record what each node was asked to run (and
// fail where a test says so), a fake source of live nodes, a state store in a temporary folder.
// No SSH, no Ray: this is the sequence itself — plan, confirm, apply, record, wait for ALIVE.
#include "cluster/launcher/cluster_up.h"
#include "cluster/launcher/live_node_source.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <mutex>
#include <set>
#include <sstream>

namespace rayctl {
namespace {

// What every fake node ran, by node name, and which node fails which command.
struct FakeFleet {
  std::mutex mu;
  std::map<std::string, std::vector<std::string>> ran;
  std::map<std::string, std::string> fail_on;  // node → a substring of the command that exits 1
  std::set<std::string> running;               // nodes whose `ray start` succeeded, across runs
};

class FakeRunner : public RemoteRunner {
 public:
  FakeRunner(std::string node, FakeFleet& fleet) : node_(std::move(node)), fleet_(fleet) {}
  const std::string& node() const override { return node_; }
  std::string address() const override { return "fake:" + node_; }
  void connect(const CancelFlag&) override {}
  int run(const RemoteCommand& cmd, const OutputSink& sink, const CancelFlag&) override {
    std::lock_guard<std::mutex> g(fleet_.mu);
    fleet_.ran[node_].push_back(cmd.script);
    auto f = fleet_.fail_on.find(node_);
    if (f != fleet_.fail_on.end() && cmd.script.find(f->second) != std::string::npos) {
      sink(2, "fake failure of " + f->second);
      return 1;
    }
    if (cmd.script.find("ray start") != std::string::npos) fleet_.running.insert(node_);
    return 0;
  }
  void upload(const std::string&, const std::string&, const UploadProgress& = {}) override {}
  void close() override {}

 private:
  std::string node_;
  FakeFleet& fleet_;
};

// Ray as the fake cluster runs it: every node whose `ray start` ran is ALIVE at its host.
class FakeLiveNodes : public LiveNodeSource {
 public:
  FakeLiveNodes(FakeFleet& fleet, const LauncherConfig& cfg, int& observes)
      : fleet_(fleet), cfg_(cfg), observes_(observes) {}
  std::optional<std::vector<LiveNode>> observe(const CancelFlag&) override {
    ++observes_;
    auto now = alive();
    if (now.empty()) return std::nullopt;
    return now;
  }
  void head_started(const CancelFlag&) override {}
  std::vector<LiveNode> nodes(const CancelFlag&) override { return alive(); }
  void check_dashboard(const CancelFlag&) override {}
  std::string last_source() const override { return "GCS"; }

 private:
  std::vector<LiveNode> alive() {
    std::lock_guard<std::mutex> g(fleet_.mu);
    std::vector<LiveNode> out;
    for (const auto& n : cfg_.nodes)
      if (fleet_.running.count(n.name))
        out.push_back({.node_id = n.name, .ip = n.host, .is_head = n.is_head, .alive = true, .cpus = 2});
    return out;
  }
  FakeFleet& fleet_;
  const LauncherConfig& cfg_;
  int& observes_;
};

LauncherConfig three_nodes(const std::string& setup = "pip install x") {
  LauncherConfig c;
  c.cluster_name = "fake";
  LauncherNode h;
  h.name = "head";
  h.host = "10.0.0.1";
  h.is_head = true;
  h.setup_commands = {setup};
  h.start_ray_commands = {"ray stop", "ray start --head --port=6379"};
  c.nodes.push_back(h);
  for (int i = 1; i <= 2; ++i) {
    LauncherNode w = h;
    w.name = "worker-" + std::to_string(i);
    w.host = "10.0.0." + std::to_string(i + 1);
    w.is_head = false;
    w.start_ray_commands = {"ray stop", "ray start --address=$RAY_HEAD_IP:6379"};
    c.nodes.push_back(w);
  }
  return c;
}

class ClusterUp : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/rayctl-up-test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    store_ = std::make_unique<ClusterStateStore>(dir_ + "/clusters");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  UpResult up(const LauncherConfig& cfg, UpOptions opt = {}) {
    fleet_.ran.clear();
    opt.stream_output = false;
    opt.timeout = std::chrono::milliseconds(2000);
    UpParts parts{[&](const LauncherNode& n) { return std::make_unique<FakeRunner>(n.name, fleet_); },
                  [&](const ClusterPlan&) { return std::make_unique<FakeLiveNodes>(fleet_, cfg, observes_); }, *store_};
    std::ostringstream out, err;
    IOStreams io = IOStreams::capture(out, err);
    CancelFlag cancel;
    return cluster_up(cfg, opt, io, cancel, parts);
  }
  // Whether `node` ran a command containing `text` in the last `up`.
  bool ran(const std::string& node, const std::string& text) {
    for (const auto& c : fleet_.ran[node])
      if (c.find(text) != std::string::npos) return true;
    return false;
  }

  std::string dir_;
  std::unique_ptr<ClusterStateStore> store_;
  FakeFleet fleet_;
  int observes_ = 0;
};

TEST_F(ClusterUp, FreshClusterSetsUpAndStartsEveryNodeAndRecordsIt) {
  UpResult r = up(three_nodes());
  EXPECT_TRUE(r.changed);
  ASSERT_EQ(r.nodes.size(), 3u);
  for (const auto& n : r.nodes) {
    EXPECT_TRUE(n.ok) << n.node << ": " << n.error;
    EXPECT_TRUE(n.alive) << n.node;
    EXPECT_TRUE(ran(n.node, "pip install x")) << n.node;
    EXPECT_TRUE(ran(n.node, "ray start")) << n.node;
  }
  EXPECT_EQ(observes_, 0);  // nothing recorded yet: nothing to observe
  auto rec = store_->load("fake");
  ASSERT_TRUE(rec);
  for (const auto& n : rec->nodes) EXPECT_EQ(n.status, "up-to-date") << n.name;
}

TEST_F(ClusterUp, RerunWithNothingChangedOnlyVerifies) {
  up(three_nodes());
  UpResult r = up(three_nodes());
  EXPECT_FALSE(r.changed);
  EXPECT_EQ(observes_, 1);
  for (const auto& n : r.nodes) {
    EXPECT_EQ(n.action, "verify") << n.node;
    EXPECT_TRUE(n.alive) << n.node;
    EXPECT_TRUE(fleet_.ran[n.node].empty()) << n.node << " ran " << fleet_.ran[n.node].front();
  }
}

TEST_F(ClusterUp, AFailingNodeFailsTheRunAndIsRecordedFailed) {
  fleet_.fail_on["worker-2"] = "pip install x";
  auto cfg = three_nodes();
  try {
    up(cfg);
    FAIL() << "up succeeded although worker-2's setup failed";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Remote);
    EXPECT_NE(e.message().find("worker-2"), std::string::npos) << e.message();
  }
  auto rec = store_->load("fake");
  ASSERT_TRUE(rec);
  EXPECT_EQ(rec->find("worker-2")->status, "failed");
  EXPECT_EQ(rec->find("worker-1")->status, "up-to-date");
  EXPECT_EQ(rec->find("head")->status, "up-to-date");
  EXPECT_FALSE(ran("worker-2", "ray start"));  // it stopped at its failing step
}

TEST_F(ClusterUp, ChangedSetupRerunsSetupAndRestartsOnlyWithYes) {
  up(three_nodes());
  try {
    up(three_nodes("pip install y"));
    FAIL() << "restarted running nodes without -y";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Usage);
  }
  UpOptions yes;
  yes.yes = true;
  UpResult r = up(three_nodes("pip install y"), yes);
  EXPECT_TRUE(r.changed);
  for (const auto& n : r.nodes) {
    EXPECT_TRUE(n.ok && n.alive) << n.node;
    EXPECT_TRUE(ran(n.node, "pip install y")) << n.node;
    EXPECT_FALSE(ran(n.node, "pip install x")) << n.node;
  }
}

TEST_F(ClusterUp, ADeclinedConfirmationChangesNothing) {
  up(three_nodes());
  UpOptions opt;
  std::string asked;
  opt.confirm = [&](const std::string& q) {
    asked = q;
    return false;
  };
  EXPECT_THROW(up(three_nodes("pip install y"), opt), Error);
  EXPECT_NE(asked.find("Restart Ray on running node(s)"), std::string::npos) << asked;
  for (const auto& n : three_nodes().nodes) EXPECT_TRUE(fleet_.ran[n.name].empty()) << n.name;
}

}  // namespace
}  // namespace rayctl
