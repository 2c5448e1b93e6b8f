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

}  // namespace
}  // namespace rayctl::cli::testing
