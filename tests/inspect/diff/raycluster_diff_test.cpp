// RayCluster edits classified as KubeRay v1.6.1's raycluster_controller.go reconcilePods acts on them.
#include "inspect/diff/raycluster_diff.h"

#include <gtest/gtest.h>

namespace rayctl {
namespace {

using json = nlohmann::json;

json raycluster(bool autoscaling = false) {
  json rc = json::parse(R"({
    "apiVersion": "ray.io/v1", "kind": "RayCluster", "metadata": {"name": "demo", "namespace": "ray"},
    "spec": {
      "headGroupSpec": {"template": {"spec": {"containers": [{"name": "ray-head", "image": "ray:2.60.0"}]}}},
      "workerGroupSpecs": [
        {"groupName": "cpu", "replicas": 2, "minReplicas": 1, "maxReplicas": 5,
         "template": {"spec": {"containers": [{"name": "ray-worker", "image": "ray:2.60.0"}]}}}]
    }})");
  rc["spec"]["enableInTreeAutoscaling"] = autoscaling;
  return rc;
}

json& cpu(json& rc) { return rc["spec"]["workerGroupSpecs"][0]; }

TEST(RayClusterDiff, ReplicasScaleTheGroupWithinMinAndMax) {
  json want = raycluster();
  cpu(want)["replicas"] = 9;  // clamped to maxReplicas 5
  auto r = diff_raycluster(raycluster(), want);
  ASSERT_EQ(r.changes.size(), 1u);
  EXPECT_EQ(r.changes[0].path, "spec.workerGroupSpecs[cpu].replicas");
  EXPECT_EQ(r.changes[0].effect, Effect::Scale);
  EXPECT_NE(r.changes[0].reason.find("2 → 5 pods"), std::string::npos) << r.changes[0].reason;
}

TEST(RayClusterDiff, AutoscaledScaleDownDeletesNoPodByItself) {
  json want = raycluster(true);
  cpu(want)["replicas"] = 1;
  auto r = diff_raycluster(raycluster(true), want);
  ASSERT_EQ(r.changes.size(), 1u);
  EXPECT_NE(r.changes[0].reason.find("autoscaler"), std::string::npos);
  EXPECT_NE(r.changes[0].reason.find("deletes no pod"), std::string::npos);
}

TEST(RayClusterDiff, TemplateChangesReachOnlyNewPods) {
  json want = raycluster();
  cpu(want)["template"]["spec"]["containers"][0]["image"] = "ray:2.61.0";
  auto r = diff_raycluster(raycluster(), want);
  ASSERT_EQ(r.changes.size(), 1u);
  EXPECT_EQ(r.changes[0].effect, Effect::NewPodsOnly);
  EXPECT_EQ(r.to_json()["changes"][0]["effect"], "new-pods-only");
}

TEST(RayClusterDiff, RecreateUpgradeStrategyRecreatesEveryPodButNotForTolerations) {
  json live = raycluster();
  live["spec"]["upgradeStrategy"] = {{"type", "Recreate"}};
  json want = live;
  cpu(want)["template"]["spec"]["containers"][0]["image"] = "ray:2.61.0";
  cpu(want)["template"]["spec"]["tolerations"] = json::array({{{"key", "gpu"}, {"operator", "Exists"}}});
  auto r = diff_raycluster(live, want);
  ASSERT_EQ(r.changes.size(), 2u);
  EXPECT_EQ(r.changes[0].effect, Effect::RecreatesPods);
  EXPECT_NE(r.changes[0].rule.find("shouldRecreatePodsForUpgrade"), std::string::npos);
  EXPECT_EQ(r.changes[1].path, "spec.workerGroupSpecs[cpu].template.spec.tolerations");
  EXPECT_EQ(r.changes[1].effect, Effect::NewPodsOnly);
}

TEST(RayClusterDiff, NewGroupCreatesPodsAndARemovedGroupsPodsStay) {
  json live = raycluster();
  json extra = cpu(live);
  extra["groupName"] = "old";
  live["spec"]["workerGroupSpecs"].push_back(extra);
  json want = raycluster();
  json added = cpu(want);
  added["groupName"] = "new";
  added["replicas"] = 3;
  want["spec"]["workerGroupSpecs"].push_back(added);
  auto r = diff_raycluster(live, want);
  ASSERT_EQ(r.changes.size(), 2u);
  EXPECT_EQ(r.changes[0].path, "spec.workerGroupSpecs[old]");
  EXPECT_EQ(r.changes[0].effect, Effect::Ignored);
  EXPECT_EQ(r.changes[1].effect, Effect::Scale);
  EXPECT_NE(r.changes[1].reason.find("creates 3 pods"), std::string::npos);
}

TEST(RayClusterDiff, SuspendDeletesPods) {
  json want = raycluster();
  want["spec"]["suspend"] = true;
  auto r = diff_raycluster(raycluster(), want);
  ASSERT_EQ(r.changes.size(), 1u);
  EXPECT_EQ(r.changes[0].effect, Effect::DeletesPods);
}

TEST(RayClusterDiff, UnchangedAndMissing) {
  EXPECT_FALSE(diff_raycluster(raycluster(), raycluster()).has_changes());
  auto r = diff_raycluster(nullptr, raycluster());
  EXPECT_FALSE(r.exists);
  EXPECT_TRUE(r.has_changes());
  EXPECT_EQ(r.capacity->needed.pods, 3);
}

}  // namespace
}  // namespace rayctl
