// Pod requests as the scheduler counts them, and free capacity from node and pod lists.
#include "inspect/diff/capacity.h"

#include <gtest/gtest.h>

namespace rayctl {
namespace {

using json = nlohmann::json;

TEST(Capacity, LimitsStandInForMissingRequestsAndInitContainersTakeTheMax) {
  json spec = json::parse(R"({
    "containers": [{"resources": {"requests": {"cpu": "500m"}, "limits": {"cpu": "2", "memory": "1Gi"}}},
                   {"resources": {"requests": {"cpu": "1"}}}],
    "initContainers": [{"resources": {"requests": {"cpu": "3"}}}]})");
  auto t = pod_requests(spec);
  EXPECT_DOUBLE_EQ(t.at("cpu"), 3);  // max(0.5 + 1, 3)
  EXPECT_DOUBLE_EQ(t.at("memory"), 1 << 30);
}

TEST(Capacity, ClusterRequestsClampReplicasAndCountHosts) {
  json spec = json::parse(R"({
    "headGroupSpec": {"template": {"spec": {"containers": [{"resources": {"requests": {"cpu": 1}}}]}}},
    "workerGroupSpecs": [
      {"groupName": "tpu", "replicas": 1, "numOfHosts": 4, "minReplicas": 0, "maxReplicas": 2,
       "template": {"spec": {"containers": [{"resources": {"requests": {"cpu": 2}}}]}}},
      {"groupName": "off", "replicas": 3, "suspend": true,
       "template": {"spec": {"containers": [{"resources": {"requests": {"cpu": 9}}}]}}}]})");
  auto r = cluster_requests(spec);
  EXPECT_EQ(r.pods, 5);
  EXPECT_DOUBLE_EQ(r.total.at("cpu"), 9);
  EXPECT_DOUBLE_EQ(r.largest_pod.at("cpu"), 2);
}

json node(const std::string& name, const std::string& cpu, const std::string& gpu, bool ready = true) {
  return {{"metadata", {{"name", name}}},
          {"status",
           {{"allocatable", {{"cpu", cpu}, {"memory", "16Gi"}, {"nvidia.com/gpu", gpu}}},
            {"conditions", json::array({{{"type", "Ready"}, {"status", ready ? "True" : "False"}}})}}}};
}

TEST(Capacity, FreeIsAllocatableMinusRunningPodsOnReadyNodes) {
  json nodes = {{"items", json::array({node("a", "8", "1"), node("b", "4", "0"), node("down", "64", "8", false)})}};
  json pods = {
      {"items",
       json::array({
           {{"spec",
             {{"nodeName", "a"}, {"containers", json::array({{{"resources", {{"requests", {{"cpu", "6"}}}}}}})}}},
            {"status", {{"phase", "Running"}}}},
           {{"spec",
             {{"nodeName", "b"}, {"containers", json::array({{{"resources", {{"requests", {{"cpu", "4"}}}}}}})}}},
            {"status", {{"phase", "Succeeded"}}}},
       })}};
  auto free = free_capacity(nodes, pods);
  ASSERT_EQ(free.size(), 2u);
  EXPECT_DOUBLE_EQ(free[0].free.at("cpu"), 2);
  EXPECT_DOUBLE_EQ(free[1].free.at("cpu"), 4);  // the finished pod holds nothing

  ClusterRequests want;
  want.total = {{"cpu", 5}, {"nvidia.com/gpu", 2}};
  want.largest_pod = {{"cpu", 3}, {"nvidia.com/gpu", 1}};
  auto c = check_capacity(want, free);
  EXPECT_TRUE(c.checked);
  EXPECT_FALSE(c.fits());
  ASSERT_EQ(c.short_of.size(), 1u);  // gpu: 2 wanted, 1 free; cpu 5 ≤ 6 and 3 fits node b
  EXPECT_NE(c.short_of[0].find("nvidia.com/gpu"), std::string::npos);

  want.total = {{"cpu", 5}};
  want.largest_pod = {{"cpu", 5}};
  c = check_capacity(want, free);
  ASSERT_EQ(c.short_of.size(), 1u);  // enough in sum, but no node has 5 free
  EXPECT_NE(c.short_of[0].find("no node"), std::string::npos);
}

TEST(Capacity, UncheckedKeepsTheReason) {
  auto c = check_capacity({}, std::nullopt, "forbidden");
  EXPECT_FALSE(c.checked);
  EXPECT_FALSE(c.fits());
  EXPECT_EQ(c.note, "forbidden");
}

}  // namespace
}  // namespace rayctl
