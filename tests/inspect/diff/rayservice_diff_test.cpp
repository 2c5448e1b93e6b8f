// RayService edits classified as KubeRay v1.6.1's rayservice_controller.go acts on them.
#include "inspect/diff/rayservice_diff.h"

#include <gtest/gtest.h>

namespace rayctl {
namespace {

using json = nlohmann::json;

const char* kServe = R"(applications:
- name: fruit
  import_path: fruit:app
  route_prefix: /fruit
  deployments:
  - name: Mango
    num_replicas: 1
    user_config: {price: 3}
)";

// A RayService as the API server returns it: an autoscaled cpu group and a gpu group.
json rayservice() {
  json rs = json::parse(R"({
    "apiVersion": "ray.io/v1", "kind": "RayService",
    "metadata": {"name": "rag", "namespace": "serving", "labels": {"team": "a"}},
    "spec": {
      "rayClusterConfig": {
        "rayVersion": "2.60.0",
        "enableInTreeAutoscaling": true,
        "headGroupSpec": {"rayStartParams": {}, "template": {"spec": {"containers": [
          {"name": "ray-head", "image": "rayproject/ray:2.60.0",
           "resources": {"requests": {"cpu": "2", "memory": "4Gi"}}}]}}},
        "workerGroupSpecs": [
          {"groupName": "cpu", "replicas": 1, "minReplicas": 1, "maxReplicas": 4, "numOfHosts": 1,
           "template": {"spec": {"containers": [{"name": "ray-worker", "image": "rayproject/ray:2.60.0",
             "resources": {"limits": {"cpu": "1", "memory": "2Gi"}}}]}}},
          {"groupName": "gpu", "replicas": 2, "minReplicas": 0, "maxReplicas": 2, "numOfHosts": 1,
           "template": {"spec": {"containers": [{"name": "ray-worker", "image": "rayproject/ray:2.60.0-gpu",
             "resources": {"requests": {"cpu": "4", "memory": "8Gi", "nvidia.com/gpu": "1"}}}]}}}
        ]
      }
    },
    "status": {"activeServiceStatus": {"rayClusterName": "rag-abcde"}}
  })");
  rs["spec"]["serveConfigV2"] = kServe;
  return rs;
}

json& cpu_group(json& rs) { return rs["spec"]["rayClusterConfig"]["workerGroupSpecs"][0]; }
json& gpu_group(json& rs) { return rs["spec"]["rayClusterConfig"]["workerGroupSpecs"][1]; }

const DiffChange* find(const DiffReport& r, const std::string& path) {
  for (const auto& c : r.changes)
    if (c.path == path) return &c;
  return nullptr;
}

TEST(RayServiceDiff, SameObjectHasNoChanges) {
  auto r = diff_rayservice(rayservice(), rayservice());
  EXPECT_FALSE(r.has_changes());
  EXPECT_EQ(r.to_json()["changed"], false);
}

TEST(RayServiceDiff, ServeConfigChangeIsInPlaceAndNamesReconfiguredDeployments) {
  json want = rayservice();
  std::string cfg = kServe;
  cfg.replace(cfg.find("num_replicas: 1"), 15, "num_replicas: 3");
  want["spec"]["serveConfigV2"] = cfg;
  auto r = diff_rayservice(rayservice(), want);
  EXPECT_TRUE(r.has_changes());
  EXPECT_TRUE(r.changes.empty());
  ASSERT_TRUE(r.serve);
  EXPECT_EQ(r.serve_effect, Effect::InPlace);
  ASSERT_EQ(r.serve->apps.size(), 1u);
  EXPECT_EQ(r.serve->apps[0].kind, DiffKind::Changed);
  EXPECT_EQ(r.serve->apps[0].effect(), ChangeEffect::InPlace);  // num_replicas: reconfigured, no restart
  EXPECT_FALSE(r.capacity);
  auto j = r.to_json();
  EXPECT_EQ(j["serve"]["effect"], "in-place");
  EXPECT_EQ(j["summary"]["in-place"], 1);
}

TEST(RayServiceDiff, ImportPathChangeRedeploysTheAppInPlace) {
  json want = rayservice();
  std::string cfg = kServe;
  cfg.replace(cfg.find("fruit:app"), 9, "fruit:app2");
  want["spec"]["serveConfigV2"] = cfg;
  auto r = diff_rayservice(rayservice(), want);
  ASSERT_TRUE(r.serve);
  EXPECT_EQ(r.serve->apps[0].effect(), ChangeEffect::RedeploysApp);
  EXPECT_EQ(r.serve_effect, Effect::InPlace);
}

TEST(RayServiceDiff, WorkerImageChangeBuildsANewClusterWithItsCapacity) {
  json want = rayservice();
  gpu_group(want)["template"]["spec"]["containers"][0]["image"] = "rayproject/ray:2.61.0-gpu";
  auto r = diff_rayservice(rayservice(), want);
  const DiffChange* c =
      find(r, "spec.rayClusterConfig.workerGroupSpecs[gpu].template.spec.containers[ray-worker].image");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->effect, Effect::NewCluster);
  EXPECT_NE(c->rule.find("shouldPrepareNewCluster"), std::string::npos);
  ASSERT_TRUE(r.capacity);
  // head 2 cpu/4Gi + its autoscaler sidecar 0.5 cpu/512Mi + cpu group 1 pod (limits as
  // requests) 1 cpu/2Gi + gpu group 2 pods 4 cpu/8Gi/1 gpu.
  EXPECT_EQ(r.capacity->needed.pods, 4);
  EXPECT_DOUBLE_EQ(r.capacity->needed.total.at("cpu"), 11.5);
  EXPECT_DOUBLE_EQ(r.capacity->needed.total.at("memory"), 22.5 * (1 << 30));
  EXPECT_DOUBLE_EQ(r.capacity->needed.total.at("nvidia.com/gpu"), 2);
  EXPECT_FALSE(r.capacity->checked);
  EXPECT_EQ(r.to_json()["capacity"]["needed"]["nvidia.com/gpu"], 2.0);
}

TEST(RayServiceDiff, ReplicasOfAnAutoscaledGroupAreIgnored) {
  json want = rayservice();
  cpu_group(want)["replicas"] = 3;
  auto r = diff_rayservice(rayservice(), want);
  ASSERT_EQ(r.changes.size(), 1u);
  EXPECT_EQ(r.changes[0].path, "spec.rayClusterConfig.workerGroupSpecs[cpu].replicas");
  EXPECT_EQ(r.changes[0].effect, Effect::Ignored);
  EXPECT_NE(r.changes[0].reason.find("autoscaler"), std::string::npos);
  EXPECT_NE(r.changes[0].rule.find("GenerateHashWithoutReplicasAndWorkersToDelete"), std::string::npos);
  EXPECT_FALSE(r.capacity);
  EXPECT_TRUE(r.has_changes());  // the object changes, even if the operator does nothing with it
}

TEST(RayServiceDiff, ReplicasTravelWithAClusterChange) {
  json want = rayservice();
  cpu_group(want)["replicas"] = 3;
  want["spec"]["rayClusterConfig"]["rayVersion"] = "2.61.0";
  auto r = diff_rayservice(rayservice(), want);
  const DiffChange* c = find(r, "spec.rayClusterConfig.workerGroupSpecs[cpu].replicas");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->effect, Effect::NewCluster);
  EXPECT_EQ(r.capacity->needed.pods, 6);  // 3 cpu workers now
}

TEST(RayServiceDiff, UpgradeStrategyNoneIgnoresClusterChanges) {
  json want = rayservice();
  want["spec"]["upgradeStrategy"] = {{"type", "None"}};
  gpu_group(want)["template"]["spec"]["containers"][0]["image"] = "rayproject/ray:2.61.0-gpu";
  auto r = diff_rayservice(rayservice(), want);
  const DiffChange* c =
      find(r, "spec.rayClusterConfig.workerGroupSpecs[gpu].template.spec.containers[ray-worker].image");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->effect, Effect::Ignored);
  EXPECT_NE(c->reason.find("None"), std::string::npos);
  EXPECT_FALSE(r.capacity);
}

TEST(RayServiceDiff, AppendedWorkerGroupUpdatesTheActiveClusterInPlace) {
  json want = rayservice();
  json extra = gpu_group(want);
  extra["groupName"] = "big";
  want["spec"]["rayClusterConfig"]["workerGroupSpecs"].push_back(extra);
  cpu_group(want)["replicas"] = 2;
  auto r = diff_rayservice(rayservice(), want);
  ASSERT_NE(find(r, "spec.rayClusterConfig.workerGroupSpecs[big]"), nullptr);
  EXPECT_EQ(find(r, "spec.rayClusterConfig.workerGroupSpecs[big]")->effect, Effect::InPlace);
  EXPECT_EQ(find(r, "spec.rayClusterConfig.workerGroupSpecs[cpu].replicas")->effect, Effect::InPlace);
  EXPECT_FALSE(r.has(Effect::NewCluster));
}

TEST(RayServiceDiff, AGroupInsertedBeforeOthersIsANewCluster) {
  json want = rayservice();
  json extra = gpu_group(want);
  extra["groupName"] = "big";
  auto& groups = want["spec"]["rayClusterConfig"]["workerGroupSpecs"];
  groups.insert(groups.begin(), extra);
  auto r = diff_rayservice(rayservice(), want);
  EXPECT_EQ(find(r, "spec.rayClusterConfig.workerGroupSpecs[big]")->effect, Effect::NewCluster);
}

TEST(RayServiceDiff, DeprecatedFieldsAndServeServiceAreIgnored) {
  json want = rayservice();
  want["spec"]["serviceUnhealthySecondThreshold"] = 900;
  want["spec"]["serveService"] = {{"metadata", {{"name", "rag-serve"}}}};
  auto r = diff_rayservice(rayservice(), want);
  ASSERT_NE(find(r, "spec.serviceUnhealthySecondThreshold"), nullptr);
  EXPECT_EQ(find(r, "spec.serviceUnhealthySecondThreshold")->effect, Effect::Ignored);
  EXPECT_NE(find(r, "spec.serviceUnhealthySecondThreshold")->reason.find("deprecated"), std::string::npos);
  EXPECT_EQ(find(r, "spec.serveService")->effect, Effect::Ignored);
}

TEST(RayServiceDiff, ServeConfigGoesToTheNewClusterWithAClusterChange) {
  json want = rayservice();
  std::string cfg = kServe;
  cfg.replace(cfg.find("price: 3"), 8, "price: 4");
  want["spec"]["serveConfigV2"] = cfg;
  want["spec"]["rayClusterConfig"]["headGroupSpec"]["rayStartParams"] = {{"num-cpus", "0"}};
  auto r = diff_rayservice(rayservice(), want);
  EXPECT_EQ(r.serve_effect, Effect::NewCluster);
  EXPECT_EQ(r.to_json()["serve"]["effect"], "new-cluster");
}

TEST(RayServiceDiff, IncrementalUpgradeCountsTheNewClusterFromMinReplicas) {
  json live = rayservice();
  live["spec"]["upgradeStrategy"] = {{"type", "NewClusterWithIncrementalUpgrade"}};
  json want = live;
  want["spec"]["rayClusterConfig"]["rayVersion"] = "2.61.0";
  auto r = diff_rayservice(live, want);
  ASSERT_TRUE(r.capacity);
  EXPECT_EQ(r.capacity->needed.pods, 2);  // head + cpu minReplicas 1 + gpu minReplicas 0
}

TEST(RayServiceDiff, ServeHttpOptionsAreIgnoredByARunningServe) {
  json want = rayservice();
  want["spec"]["serveConfigV2"] = std::string("http_options: {port: 9000}\n") + kServe;
  auto r = diff_rayservice(rayservice(), want);
  const DiffChange* c = find(r, "spec.serveConfigV2.http_options");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->effect, Effect::Ignored);
  EXPECT_NE(c->reason.find("38740"), std::string::npos);
  EXPECT_FALSE(r.serve->has_changes());  // the applications themselves are the same
}

TEST(RayServiceDiff, NotesWhereTheActiveClusterDiffersFromTheRayService) {
  json live = rayservice();
  json cluster = {{"metadata", {{"name", "rag-abcde"}}}, {"spec", live["spec"]["rayClusterConfig"]}};
  DiffReport r;
  note_cluster_drift(cluster, live, r);
  EXPECT_TRUE(r.notes.empty());
  cpu_group(live)["replicas"] = 3;  // applied earlier, ignored by KubeRay
  note_cluster_drift(cluster, live, r);
  ASSERT_EQ(r.notes.size(), 1u);
  EXPECT_NE(r.notes[0].find("workerGroupSpecs[cpu].replicas 1, the live RayService 3"), std::string::npos)
      << r.notes[0];
}

TEST(RayServiceDiff, AMissingObjectIsCreated) {
  auto r = diff_rayservice(nullptr, rayservice());
  EXPECT_FALSE(r.exists);
  EXPECT_TRUE(r.has_changes());
  ASSERT_TRUE(r.capacity);
  EXPECT_EQ(r.capacity->needed.pods, 4);
}

}  // namespace
}  // namespace rayctl
