// Readiness rules and reasons by layer for RayCluster / RayService, from JSON objects shaped
// like the API server's (KubeRay v1 status, pod conditions, events).
#include "cluster/kube/kube_readiness.h"

#include <gtest/gtest.h>

using namespace rayctl;
using nlohmann::json;

namespace {

json raycluster(const std::string& state, bool provisioned) {
  return json::parse(R"({"metadata":{"name":"rc","generation":1},
    "spec":{"headGroupSpec":{},"workerGroupSpecs":[{"groupName":"gpu","replicas":2,"minReplicas":1,"maxReplicas":4}]},
    "status":{"observedGeneration":1,"state":")" +
                     state + R"(","conditions":[
      {"type":"HeadPodReady","status":"True"},{"type":"RayClusterProvisioned","status":")" +
                     std::string(provisioned ? "True" : "False") + R"("}]}})");
}

json pod(const std::string& name, const std::string& type, const std::string& group, const std::string& phase,
         bool ready, const std::string& sched_msg = "") {
  json p = {
      {"metadata",
       {{"name", name}, {"labels", {{"ray.io/cluster", "rc"}, {"ray.io/node-type", type}, {"ray.io/group", group}}}}},
      {"spec", {{"nodeName", sched_msg.empty() ? "node-1" : ""}}},
      {"status", {{"phase", phase}, {"conditions", json::array()}}}};
  p["status"]["conditions"].push_back({{"type", "Ready"}, {"status", ready ? "True" : "False"}});
  if (!sched_msg.empty())
    p["status"]["conditions"].push_back(
        {{"type", "PodScheduled"}, {"status", "False"}, {"reason", "Unschedulable"}, {"message", sched_msg}});
  return p;
}

}  // namespace

TEST(RayClusterReadiness, ReadyNeedsEveryDesiredPodAndTheOperator) {
  std::vector<json> pods = {pod("rc-head-x", "head", "headgroup", "Running", true),
                            pod("rc-gpu-worker-a", "worker", "gpu", "Running", true),
                            pod("rc-gpu-worker-b", "worker", "gpu", "Running", true)};
  auto h = evaluate_raycluster(raycluster("ready", true), pods, {});
  EXPECT_TRUE(h.ready);
  EXPECT_EQ(h.state, "ready");
  ASSERT_EQ(h.groups.size(), 2u);
  EXPECT_EQ(h.groups[1].desired, 2);
  EXPECT_EQ(h.groups[1].ready, 2);
  EXPECT_TRUE(h.reasons.empty());
  EXPECT_EQ(h.pods.front().node_type, "head");
  // Pods ready, but the operator has not said so: not ready yet.
  EXPECT_FALSE(evaluate_raycluster(raycluster("", false), pods, {}).ready);
  // Another cluster's pods do not count.
  pods.pop_back();
  auto other = pod("x-worker", "worker", "gpu", "Running", true);
  other["metadata"]["labels"]["ray.io/cluster"] = "other";
  pods.push_back(other);
  EXPECT_FALSE(evaluate_raycluster(raycluster("ready", true), pods, {}).ready);
}

TEST(RayClusterReadiness, PendingPodNamesTheSchedulerReason) {
  std::vector<json> pods = {pod("rc-head-x", "head", "headgroup", "Running", true),
                            pod("rc-gpu-worker-a", "worker", "gpu", "Pending", false,
                                "0/3 nodes are available: 3 Insufficient nvidia.com/gpu."),
                            pod("rc-gpu-worker-b", "worker", "gpu", "Running", false)};
  auto h = evaluate_raycluster(raycluster("", false), pods, {});
  EXPECT_FALSE(h.ready);
  ASSERT_GE(h.reasons.size(), 2u);
  EXPECT_EQ(h.reasons[0].layer, "kubernetes");
  EXPECT_EQ(h.reasons[0].subject, "pod rc-gpu-worker-a (gpu)");
  EXPECT_NE(h.reasons[0].message.find("Insufficient nvidia.com/gpu"), std::string::npos);
  EXPECT_EQ(h.reasons[1].layer, "ray");  // Running but not Ready: not joined
  EXPECT_NE(h.reasons[1].message.find("has not joined"), std::string::npos);
}

TEST(RayClusterReadiness, SchedulingEventFillsInAndOperatorFailureIsKubeRayLayer) {
  auto rc = raycluster("", false);
  rc["status"]["conditions"].push_back({{"type", "ReplicaFailure"},
                                        {"status", "True"},
                                        {"reason", "FailedCreateWorkerPod"},
                                        {"message", "pods \"x\" is forbidden: exceeded quota"}});
  auto p = pod("rc-head-x", "head", "headgroup", "Pending", false);
  p["spec"]["nodeName"] = "";
  std::vector<json> events = {{{"involvedObject", {{"kind", "Pod"}, {"name", "rc-head-x"}}},
                               {"reason", "FailedScheduling"},
                               {"type", "Warning"},
                               {"message", "0/1 nodes: untolerated taint"},
                               {"lastTimestamp", "2026-01-01T00:00:00Z"}}};
  auto h = evaluate_raycluster(rc, {p}, events);
  EXPECT_EQ(h.state, "failed");
  bool sched = false, quota = false, missing = false;
  for (const auto& r : h.reasons) {
    sched |= r.layer == "kubernetes" && r.message.find("untolerated taint") != std::string::npos;
    quota |= r.layer == "kuberay" && r.message.find("exceeded quota") != std::string::npos;
    missing |= r.layer == "kuberay" && r.message.find("created 0 of 2 pods") != std::string::npos;
  }
  EXPECT_TRUE(sched);
  EXPECT_TRUE(quota);
  EXPECT_TRUE(missing);
}

TEST(RayServiceReadiness, DeployFailedAppIsServeLayerWithItsMessage) {
  auto rs = json::parse(R"({"metadata":{"name":"rag"},"status":{
    "conditions":[{"type":"Ready","status":"False","reason":"Initializing"},{"type":"UpgradeInProgress","status":"False"}],
    "pendingServiceStatus":{"rayClusterName":"rc","applicationStatuses":{"rag":{"status":"DEPLOY_FAILED",
      "message":"ModuleNotFoundError: No module named 'rag'","serveDeploymentStatuses":{"Retriever":{"status":"UNHEALTHY","message":"crashed"}}}}}}})");
  std::vector<json> pods = {pod("rc-head-x", "head", "headgroup", "Running", true),
                            pod("rc-gpu-worker-a", "worker", "gpu", "Running", true),
                            pod("rc-gpu-worker-b", "worker", "gpu", "Running", true)};
  auto h = evaluate_rayservice(rs, {raycluster("ready", true)}, pods, {});
  EXPECT_FALSE(h.ready);
  EXPECT_EQ(h.pending_cluster, "rc");
  ASSERT_TRUE(h.cluster);
  EXPECT_TRUE(h.cluster->ready);
  ASSERT_FALSE(h.reasons.empty());
  EXPECT_EQ(h.reasons[0].layer, "serve");
  EXPECT_EQ(h.reasons[0].subject, "app rag");
  EXPECT_NE(h.reasons[0].message.find("ModuleNotFoundError"), std::string::npos);
  EXPECT_NE(h.reasons[0].message.find("Retriever UNHEALTHY"), std::string::npos);
}

TEST(RayServiceReadiness, ReadyConditionAndNoStatus) {
  auto rs = json::parse(R"({"metadata":{"name":"rag"},"status":{"numServeEndpoints":2,
    "conditions":[{"type":"Ready","status":"True","reason":"NonZeroServeEndpoints"}],
    "activeServiceStatus":{"rayClusterName":"rc","applicationStatuses":{"rag":{"status":"RUNNING"}}}}})");
  auto h = evaluate_rayservice(rs, {}, {}, {});
  EXPECT_TRUE(h.ready);
  EXPECT_EQ(h.state, "ready");
  auto fresh = evaluate_rayservice(json::parse(R"({"metadata":{"name":"rag"}})"), {}, {}, {});
  EXPECT_FALSE(fresh.ready);
  ASSERT_EQ(fresh.reasons.size(), 1u);
  EXPECT_NE(fresh.reasons[0].message.find("operator running"), std::string::npos);
}
