// The cluster verbs' target handling, in-process: a KubeRay object named as KIND/NAME is opened
// as a Kubernetes cluster (no state-file lookup), exec and attach refuse it with the kubectl
// line, and --timeout takes a duration. Nothing here reaches a cluster: each case stops before.
#include "cli_harness.h"

#include <gtest/gtest.h>

namespace rayctl::cli::testing {
namespace {

TEST(ClusterVerbs, ExecOnAKubeRayObjectIsRefusedWithTheKubectlLine) {
  auto r = run_cli({"exec", "raycluster/demo", "-n", "serving", "--", "ray", "status"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(contains(r.err, "RayCluster serving/demo runs on Kubernetes")) << r.err;
  EXPECT_TRUE(contains(r.err, "kubectl -n serving exec -it svc/demo-head-svc -- ray status")) << r.err;
  EXPECT_FALSE(contains(r.err, "state file")) << r.err;
}

TEST(ClusterVerbs, AttachOnAKubeRayObjectIsRefusedWithTheKubectlLine) {
  FakeProcess terminal;
  terminal.tty = true;
  auto r = run_cli({"attach", "rayservice/rag"}, terminal);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(contains(r.err, "kubectl exec -it svc/rag-head-svc -- bash")) << r.err;
}

TEST(ClusterVerbs, AttachPortForwardsAreCheckedAndKubeRayGetsThePortForwardLine) {
  FakeProcess terminal;
  terminal.tty = true;
  auto r = run_cli({"attach", "raycluster/demo", "-n", "serving", "-p", "8265", "-p", "18000:8000"}, terminal);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(contains(r.err, "kubectl -n serving port-forward svc/demo-head-svc 8265 18000:8000")) << r.err;
  for (const char* bad : {"0", "http", "70000", "1:", ":2", "1:2:3"}) {
    auto b = run_cli({"attach", "raycluster/demo", "-p", bad}, terminal);
    EXPECT_EQ(b.exit_code, 2) << bad;
    EXPECT_TRUE(contains(b.err, "not a port")) << bad << ": " << b.err;
  }
}

TEST(ClusterVerbs, AnUnknownKindIsAUsageError) {
  auto r = run_cli({"status", "raydeployment/x", "-n", "serving"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(contains(r.err, "unknown kind")) << r.err;
}

TEST(ClusterVerbs, TimeoutIsADurationOnEveryVerb) {
  for (auto verb : std::vector<std::vector<std::string>>{{"up", "c.yaml"}, {"down", "c"}, {"serve", "delete"}}) {
    verb.insert(verb.end(), {"--timeout", "10parsecs"});
    auto r = run_cli(verb);
    EXPECT_EQ(r.exit_code, 2) << verb[0] << ": " << r.err;
    EXPECT_TRUE(contains(r.err, "--timeout '10parsecs' is not a duration")) << verb[0] << ": " << r.err;
  }
}

TEST(ClusterVerbs, RequestTimeoutIsADurationToo) {
  auto r = run_cli({"serve", "status", "--request-timeout", "soon", "--address", "http://127.0.0.1:9"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(contains(r.err, "--request-timeout 'soon' is not a duration")) << r.err;
}

// `serve delete` with no APP shuts Serve down: without a terminal it needs -y, on one it asks,
// and a "no" deletes nothing. None of these reach a dashboard (port 9 is closed: a request would
// fail with "unreachable", exit 6, which no case expects).
TEST(ClusterVerbs, ServeDeleteWithoutAnAppNeedsYesOrAConfirmation) {
  auto ci = run_cli({"serve", "delete", "--address", "http://127.0.0.1:9"});
  EXPECT_EQ(ci.exit_code, 2) << ci.err;
  EXPECT_TRUE(contains(ci.err, "pass -y to shut Serve down")) << ci.err;

  FakeProcess terminal;
  terminal.tty = true;
  terminal.stdin_text = "n\n";
  auto declined = run_cli({"serve", "delete", "--address", "http://127.0.0.1:9"}, terminal);
  EXPECT_EQ(declined.exit_code, 130) << declined.err;  // cancelled, as a declined `serve deploy` is
  EXPECT_TRUE(contains(declined.err, "shut Serve down? [y/N]")) << declined.err;
  EXPECT_TRUE(contains(declined.err, "nothing was deleted")) << declined.err;

  auto yes = run_cli({"serve", "delete", "-y", "--address", "http://127.0.0.1:9", "--request-timeout", "2s"});
  EXPECT_EQ(yes.exit_code, 6) << yes.err;  // it went ahead: the closed port answers "unreachable"
  auto named = run_cli({"serve", "delete", "rag", "--address", "http://127.0.0.1:9", "--request-timeout", "2s"});
  EXPECT_EQ(named.exit_code, 6) << named.err;  // an APP is its own scope: no question
}

TEST(ClusterVerbs, NamespaceIsDashNEverywhere) {
  auto r = run_cli({"render", "--help"});
  EXPECT_TRUE(contains(r.out, "-n,--namespace")) << r.out;
  for (const char* verb : {"up", "down", "status", "logs"})
    EXPECT_TRUE(contains(run_cli({verb, "--help"}).out, "-n,--namespace")) << verb;
}

}  // namespace
}  // namespace rayctl::cli::testing
