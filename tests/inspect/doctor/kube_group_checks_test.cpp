// DR172, DR174 and DR502 from RayCluster specs shaped like KubeRay v1's and v1 Node status.
#include "inspect/doctor/kube_group_checks.h"
#include "inspect/doctor/kube_ray_access.h"

#include "core/error.h"

#include <gtest/gtest.h>

namespace rayctl {
namespace {

using nlohmann::json;

json spec(const std::string& head_image, const std::string& worker_image, const std::string& gpus = "",
          const std::string& num_gpus = "") {
  json s = json::parse(R"({"rayVersion":"2.53.0",
    "headGroupSpec":{"rayStartParams":{},"template":{"spec":{"containers":[
      {"name":"ray-head","image":")" +
                       head_image + R"(","resources":{"limits":{"cpu":"1"}}}]}}},
    "workerGroupSpecs":[{"groupName":"small","replicas":2,"minReplicas":1,"maxReplicas":3,"rayStartParams":{},
      "template":{"spec":{"containers":[{"name":"ray-worker","image":")" +
                       worker_image + R"(",
        "resources":{"requests":{"cpu":"4"},"limits":{"cpu":"4"}}}]}}}]})");
  auto& worker = s["workerGroupSpecs"][0];
  if (!gpus.empty()) worker["template"]["spec"]["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] = gpus;
  if (!num_gpus.empty()) worker["rayStartParams"]["num-gpus"] = num_gpus;
  return s;
}

TEST(KubeGroupChecks, RayVersionFromTheImageTag) {
  EXPECT_EQ(ray_version_of_image("rayproject/ray:2.53.0"), "2.53.0");
  EXPECT_EQ(ray_version_of_image("rayproject/ray:2.53.0-py311-gpu"), "2.53.0");
  EXPECT_EQ(ray_version_of_image("rayproject/ray-ml:2.46.0.0e19ea-py311"), "2.46.0");
  EXPECT_EQ(ray_version_of_image("registry.local:5000/team/ray:2.52.1@sha256:abcd"), "2.52.1");
  EXPECT_FALSE(ray_version_of_image("registry.local:5000/team/ray"));
  EXPECT_FALSE(ray_version_of_image("rayproject/ray:nightly"));
  EXPECT_FALSE(ray_version_of_image("rayproject/ray@sha256:abcd"));
}

TEST(KubeGroupChecks, HeadAndWorkersMustRunOneRayVersion) {
  auto groups = ray_group_specs(spec("rayproject/ray:2.53.0", "rayproject/ray:2.52.1-gpu"));
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[1].replicas, 2);
  auto f = ray_version_finding(groups, "2.53.0");
  EXPECT_EQ(f.state, CheckState::Fail);
  EXPECT_EQ(f.subject, "group small");
  ASSERT_EQ(f.evidence.size(), 3u);
  EXPECT_EQ(f.evidence[0], "head group headgroup: image rayproject/ray:2.53.0 → Ray 2.53.0");
  EXPECT_EQ(f.evidence[1], "worker group small: image rayproject/ray:2.52.1-gpu → Ray 2.52.1");

  // The same Ray in a GPU flavour of the image is fine.
  auto ok = ray_version_finding(ray_group_specs(spec("rayproject/ray:2.53.0", "rayproject/ray:2.53.0-gpu")), "2.53.0");
  EXPECT_EQ(ok.state, CheckState::Ok);
  EXPECT_EQ(ok.summary, "Ray 2.53.0 in every group");
  EXPECT_EQ(
      ray_version_finding(ray_group_specs(spec("rayproject/ray:2.53.0", "rayproject/ray:2.53.0")), "2.52.0").state,
      CheckState::Warn);
  EXPECT_EQ(ray_version_finding(ray_group_specs(spec("me/ray:prod", "me/ray:prod-gpu")), "").state, CheckState::Warn);
}

KubeReply nodes(int gpus) {
  json n = json::parse(R"({"kind":"NodeList","items":[
    {"metadata":{"name":"kwok-cpu-0"},"status":{"allocatable":{"cpu":"32","memory":"128Gi","pods":"110"}}},
    {"metadata":{"name":"kwok-gpu-0"},"status":{"allocatable":{"cpu":"16","memory":"128Gi","pods":"110"}}}]})");
  n["items"][1]["status"]["allocatable"]["nvidia.com/gpu"] = std::to_string(gpus);
  return KubeReply::of(200, n);
}

TEST(KubeGroupChecks, GpuLimitsMustFitANode) {
  auto groups = ray_group_specs(spec("rayproject/ray:2.53.0", "rayproject/ray:2.53.0-gpu", "4", "4"));
  auto f = gpu_fit_finding(groups, nodes(2));
  EXPECT_EQ(f.state, CheckState::Fail);
  ASSERT_EQ(f.evidence.size(), 1u);
  EXPECT_EQ(f.evidence[0],
            "group small: each pod asks for 4 nvidia.com/gpu; the largest node, kwok-gpu-0, has 2 allocatable");
  EXPECT_EQ(gpu_fit_finding(groups, nodes(8)).state, CheckState::Ok);
  EXPECT_EQ(gpu_fit_finding(groups, nodes(4)).state, CheckState::Warn);  // 2 replicas × 4 > 4 in all
  EXPECT_EQ(gpu_fit_finding(groups, KubeReply::of(403, nullptr, "nodes is forbidden")).state, CheckState::Warn);
  auto cpu_only = gpu_fit_finding(ray_group_specs(spec("a:2.53.0", "a:2.53.0")), {});
  EXPECT_EQ(cpu_only.state, CheckState::Ok);
  EXPECT_EQ(cpu_only.summary, "no pod asks for nvidia.com/gpu");
}

TEST(KubeGroupChecks, NumGpusMustNotExceedTheContainersGpus) {
  EXPECT_EQ(gpu_params_finding(ray_group_specs(spec("a:1.0.0", "a:1.0.0", "2", "2"))).state, CheckState::Ok);
  EXPECT_EQ(gpu_params_finding(ray_group_specs(spec("a:1.0.0", "a:1.0.0", "2"))).state, CheckState::Ok);
  auto over = gpu_params_finding(ray_group_specs(spec("a:1.0.0", "a:1.0.0", "1", "2")));
  EXPECT_EQ(over.state, CheckState::Fail);
  EXPECT_EQ(over.evidence[0],
            "group small: rayStartParams num-gpus \"2\", the Ray container gets 1 nvidia.com/gpu: Ray advertises GPUs "
            "that do not exist");
  EXPECT_EQ(gpu_params_finding(ray_group_specs(spec("a:1.0.0", "a:1.0.0", "", "1"))).state, CheckState::Fail);
  EXPECT_EQ(gpu_params_finding(ray_group_specs(spec("a:1.0.0", "a:1.0.0", "2", "0"))).state, CheckState::Warn);
}

TEST(KubeRayAccess, ServePortOfAService) {
  json svc = json::parse(R"({"metadata":{"name":"rag-serve-svc"},"spec":{"ports":[
    {"name":"serve","port":8000,"targetPort":8000,"protocol":"TCP"}]}})");
  EXPECT_EQ(serve_port_of(svc, 8000), "serve");
  EXPECT_EQ(serve_port_of(svc, 8076), "serve");  // Serve's own port differs: the named one still reaches it
  json head = json::parse(R"({"metadata":{"name":"rc-head-svc"},"spec":{"ports":[
    {"name":"dashboard","port":8265,"targetPort":8265},{"name":"http","port":9000,"targetPort":9000}]}})");
  EXPECT_EQ(serve_port_of(head, 9000), "http");
  try {
    serve_port_of(head, 8000);
    FAIL() << "no port reaches Serve";
  } catch (const Error& e) {
    EXPECT_NE(e.message().find("its ports: dashboard 8265, http 9000"), std::string::npos);
  }
}

}  // namespace
}  // namespace rayctl
