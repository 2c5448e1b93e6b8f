// NodePlan: the per-node decisions of `rayctl up` and the rewriting of Ray's start commands.
#include "cluster/plan/node_plan.h"

#include "cluster/launcher/cluster_down.h"
#include "core/process.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <sstream>

namespace rayctl {
namespace {

LauncherConfig two_nodes() {
  LauncherConfig c;
  c.cluster_name = "t";
  LauncherNode h;
  h.name = "head";
  h.host = "10.0.0.1";
  h.is_head = true;
  h.setup_commands = {"pip install x"};
  h.start_ray_commands = {"ray stop",
                          "ulimit -c unlimited && ray start --head --port=6390 --dashboard-port=8300 "
                          "--autoscaling-config=~/ray_bootstrap_config.yaml"};
  LauncherNode w = h;
  w.name = "worker-1";
  w.host = "10.0.0.2";
  w.is_head = false;
  w.start_ray_commands = {"export RAY_OVERRIDE_RESOURCES='{\"CPU\":1}'; ray stop",
                          "ray start --address=$RAY_HEAD_IP:6390"};
  c.nodes = {h, w};
  return c;
}

ClusterRecord applied(const ClusterPlan& p) {
  ClusterRecord r;
  r.name = "t";
  for (const auto& n : p.nodes) {
    NodeRecord nr;
    nr.name = n.node;
    nr.host = n.host;
    nr.status = "up-to-date";
    nr.setup_hash = n.setup_hash;
    nr.start_hash = n.start_hash;
    r.nodes.push_back(nr);
  }
  return r;
}

TEST(NodePlan, NewClusterSetsUpAndStartsEveryNode) {
  auto p = plan_up(two_nodes(), nullptr, {}, {}, {});
  ASSERT_EQ(p.nodes.size(), 2u);
  EXPECT_EQ(p.nodes[0].action, NodeAction::SetupAndStart);
  EXPECT_EQ(p.nodes[1].env.at("RAY_HEAD_IP"), "10.0.0.1");
  EXPECT_EQ(p.head.gcs_port, 6390);
  EXPECT_EQ(p.head.dashboard_port, 8300);
  ASSERT_EQ(p.nodes[0].steps.size(), 3u);
  EXPECT_EQ(p.nodes[0].steps[0].phase, "setup");
  EXPECT_TRUE(p.nodes[0].steps[2].starts_ray);
  for (const auto& s : p.nodes[0].steps) EXPECT_FALSE(s.waits_for_head);  // the head waits for nobody
}

TEST(NodePlan, WorkersWaitForTheHeadsGcsRightBeforeTheirRayStart) {
  auto p = plan_up(two_nodes(), nullptr, {}, {}, {});
  const auto& w = p.nodes[1].steps;  // setup, scoped stop, wait, ray start
  ASSERT_EQ(w.size(), 4u);
  EXPECT_EQ(w[0].phase, "setup");
  EXPECT_NE(w[1].command.find("rayctl-stop:"), std::string::npos);
  EXPECT_TRUE(w[2].waits_for_head);
  EXPECT_EQ(w[2].command, head_gcs_wait_script("10.0.0.1", 6390));
  EXPECT_NE(w[2].command.find("/dev/tcp/$rayctl_gcs"), std::string::npos);
  EXPECT_NE(w[2].command.find("10.0.0.1/6390"), std::string::npos);
  EXPECT_TRUE(w[3].starts_ray);
  EXPECT_FALSE(w[3].waits_for_head);
  // The wait is not part of what was applied: the start hash is that of the start commands.
  auto again = two_nodes();
  EXPECT_EQ(plan_up(again, nullptr, {}, {}, {}).nodes[1].start_hash, p.nodes[1].start_hash);
  EXPECT_NE(render_plan(p).find("wait until the head's GCS at 10.0.0.1:6390 accepts connections"), std::string::npos);
}

TEST(NodePlan, HeadStartDropsAutoscalingConfigAndRunsInOwnSession) {
  std::vector<std::string> notes;
  auto cmds = effective_start_commands(two_nodes().nodes[0], "t", &notes);
  ASSERT_EQ(cmds.size(), 2u);
  EXPECT_EQ(cmds[1].find("--autoscaling-config"), std::string::npos);
  EXPECT_NE(cmds[1].find("setsid -w bash -c"), std::string::npos);
  EXPECT_NE(cmds[1].find("rayctl_d=\"${RAYCTL_NODE_RUN_DIR:-/tmp/rayctl-$(id -u)}\"/t;"), std::string::npos)
      << cmds[1];
  EXPECT_EQ(notes.size(), 1u);
}

TEST(NodePlan, RayStopBecomesAScopedStopNeverMachineWide) {
  auto cmds = effective_start_commands(two_nodes().nodes[1], "t");
  EXPECT_NE(cmds[0].find("rayctl-stop:"), std::string::npos);
  EXPECT_EQ(cmds[0].find("ray stop"), std::string::npos);
  EXPECT_TRUE(is_ray_stop_command("/venv/bin/ray stop --force"));
  EXPECT_FALSE(is_ray_stop_command("ray stop; ray start --head"));
}

// The stop script, run for real on this machine: Ray processes of other clusters are counted,
// zombies are not (a just-stopped gcs_server lingering unreaped was reported as another cluster's).
TEST(NodePlan, ScopedStopCountsOtherRayButNotZombies) {
  const std::string stop = scoped_stop_script("np-test-" + std::to_string(::getpid()));
  const std::string script =
      "set -u; d=$(mktemp -d); cp \"$(command -v sleep)\" \"$d/gcs_server\"\n"
      // A gcs_server that exits at once under a parent that never reaps it: a zombie.
      "sh -c \"\\\"$d/gcs_server\\\" 0 & echo \\$! > $d/zpid; exec sleep 30\" & parent=$!\n"
      "while [ ! -s \"$d/zpid\" ]; do sleep 0.05; done; z=$(cat \"$d/zpid\")\n"
      "while [ \"$(ps -o stat= -p \"$z\" | cut -c1)\" != Z ]; do sleep 0.05; done\n"
      "echo \"zombie=$(ps -o stat= -p \"$z\" | cut -c1)\"\n"
      "( " +
      stop +
      " )\n"
      "kill \"$parent\"; wait \"$parent\" 2>/dev/null\n"
      "while ps -p \"$z\" >/dev/null; do sleep 0.05; done\n"
      "( " +
      stop +
      " )\n"
      "\"$d/gcs_server\" 30 & live=$!; sleep 0.2\n"
      "( " +
      stop +
      " )\n"
      "kill \"$live\"; wait \"$live\" 2>/dev/null; rm -rf \"$d\"\n";
  auto r = run_process({{"bash", "-c", script}, {}, false, "", "", std::chrono::seconds(60)});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::vector<int> other;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    int stopped = -1, left = -1, o = -1;
    if (parse_stop_report(line, stopped, left, o)) {
      EXPECT_EQ(stopped, 0);
      EXPECT_EQ(left, 0);
      other.push_back(o);
    }
  }
  ASSERT_NE(r.out.find("zombie=Z"), std::string::npos) << r.out;
  ASSERT_EQ(other.size(), 3u) << r.out;
  EXPECT_EQ(other[0], other[1]) << "the zombie gcs_server was counted:\n" << r.out;
  EXPECT_EQ(other[2], other[1] + 1) << "a live gcs_server was not counted:\n" << r.out;
}

TEST(NodePlan, UnchangedAliveClusterOnlyVerifies) {
  auto cfg = two_nodes();
  auto first = plan_up(cfg, nullptr, {}, {}, {});
  ClusterRecord rec = applied(first);
  ClusterObservation seen{true, {"10.0.0.1", "10.0.0.2"}};
  auto again = plan_up(cfg, &rec, seen, {}, {});
  EXPECT_FALSE(again.changes_anything());
  for (const auto& n : again.nodes) EXPECT_TRUE(n.steps.empty());
}

TEST(NodePlan, ChangedSetupOrDeadNodeIsReapplied) {
  auto cfg = two_nodes();
  ClusterRecord rec = applied(plan_up(cfg, nullptr, {}, {}, {}));
  ClusterObservation seen{true, {"10.0.0.1"}};  // worker not ALIVE
  auto p = plan_up(cfg, &rec, seen, {}, {});
  EXPECT_EQ(p.nodes[0].action, NodeAction::Verify);
  EXPECT_EQ(p.nodes[1].action, NodeAction::Start);
  cfg.nodes[1].setup_commands.push_back("echo more");
  seen.alive_hosts.insert("10.0.0.2");
  p = plan_up(cfg, &rec, seen, {}, {});
  EXPECT_EQ(p.nodes[1].action, NodeAction::SetupAndStart);
  EXPECT_TRUE(p.nodes[1].restarts_running);
  UpFlags no_restart;
  no_restart.no_restart = true;
  p = plan_up(cfg, &rec, seen, {}, no_restart);
  EXPECT_EQ(p.nodes[1].action, NodeAction::Setup);
}

TEST(NodePlan, ChangedMountContentsReRunSetup) {
  auto cfg = two_nodes();
  std::vector<MountDigest> m{{"/r", "/l", "aaa", {{"/l", "/r"}}}};
  ClusterRecord rec = applied(plan_up(cfg, nullptr, {}, m, {}));
  ClusterObservation seen{true, {"10.0.0.1", "10.0.0.2"}};
  EXPECT_FALSE(plan_up(cfg, &rec, seen, m, {}).changes_anything());
  m[0].hash = "bbb";
  auto p = plan_up(cfg, &rec, seen, m, {});
  EXPECT_EQ(p.nodes[0].action, NodeAction::SetupAndStart);
  EXPECT_EQ(p.nodes[0].uploads.size(), 1u);
}

TEST(NodePlan, HeadRestartRestartsWorkersAndForceSetupWins) {
  auto cfg = two_nodes();
  ClusterRecord rec = applied(plan_up(cfg, nullptr, {}, {}, {}));
  ClusterObservation seen{true, {"10.0.0.1", "10.0.0.2"}};
  UpFlags restart;
  restart.restart_only = true;
  auto p = plan_up(cfg, &rec, seen, {}, restart);
  EXPECT_EQ(p.nodes[0].action, NodeAction::Start);
  EXPECT_EQ(p.nodes[1].action, NodeAction::Start);
  UpFlags force;
  force.force_setup = true;
  p = plan_up(cfg, &rec, seen, {}, force);
  EXPECT_EQ(p.nodes[1].action, NodeAction::SetupAndStart);
}

}  // namespace
}  // namespace rayctl
