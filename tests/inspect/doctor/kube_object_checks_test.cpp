// DR162-DR164 from RayCluster / RayService objects shaped like KubeRay v1's (spec and status).
#include "inspect/doctor/kube_object_checks.h"

#include <gtest/gtest.h>

namespace rayctl {
namespace {

using nlohmann::json;

json rayservice_with_ports(const json& ports) {
  json rs = json::parse(R"({"apiVersion":"ray.io/v1","kind":"RayService",
    "metadata":{"name":"rag","namespace":"ray-serving","generation":1},
    "spec":{"serveConfigV2":"applications: []\n","rayClusterConfig":{"rayVersion":"2.53.0",
      "headGroupSpec":{"rayStartParams":{},"template":{"spec":{"containers":[
        {"name":"ray-head","image":"rayproject/ray:2.53.0"}]}}}}}})");
  if (!ports.is_null())
    rs["spec"]["rayClusterConfig"]["headGroupSpec"]["template"]["spec"]["containers"][0]["ports"] = ports;
  return rs;
}

TEST(KubeObjectChecks, MissingObjectNamesTheOnesThatExist) {
  auto f = object_exists_finding("RayService", "ray-serving", "rag", KubeReply::of(404, nullptr, "not found"),
                                 KubeReply::of(200, json::parse(R"({"items":[{"metadata":{"name":"rag-old"}},
                                                                          {"metadata":{"name":"llm"}}]})")));
  EXPECT_EQ(f.state, CheckState::Fail);
  EXPECT_EQ(f.subject, "RayService ray-serving/rag");
  ASSERT_EQ(f.evidence.size(), 2u);
  EXPECT_EQ(f.evidence[0], "404 Not Found: not found");
  EXPECT_EQ(f.evidence[1], "RayServices in namespace ray-serving: rag-old, llm");
  auto ok =
      object_exists_finding("RayService", "ray-serving", "rag", KubeReply::of(200, rayservice_with_ports(nullptr)), {});
  EXPECT_EQ(ok.state, CheckState::Ok);
}

TEST(KubeObjectChecks, RayServiceHeadNeedsAServePort) {
  json without = json::parse(R"([{"containerPort":6379,"name":"gcs-server"},{"containerPort":8265,"name":"dashboard"},
                                  {"containerPort":10001,"name":"client"}])");
  auto f = serve_port_finding(rayservice_with_ports(without));
  EXPECT_EQ(f.state, CheckState::Fail);
  EXPECT_EQ(f.subject, "container ray-head");
  ASSERT_EQ(f.evidence.size(), 2u);
  EXPECT_EQ(f.evidence[0], "head container ray-head ports: gcs-server 6379, dashboard 8265, client 10001");

  json with = without;
  with.push_back({{"containerPort", 8000}, {"name", "serve"}});
  auto ok = serve_port_finding(rayservice_with_ports(with));
  EXPECT_EQ(ok.state, CheckState::Ok);
  EXPECT_EQ(ok.summary, "containerPort 8000 named serve");
  json grpc = without;
  grpc.push_back({{"containerPort", 9000}, {"name", "serve-grpc"}});
  EXPECT_EQ(serve_port_finding(rayservice_with_ports(grpc)).state, CheckState::Ok);
  json own_service = rayservice_with_ports(without);
  own_service["spec"]["serveService"] = json::parse(R"({"metadata":{"name":"rag-serve"},"spec":{"type":"ClusterIP"}})");
  EXPECT_EQ(serve_port_finding(own_service).state, CheckState::Ok);
  // No ports at all: KubeRay falls back to its defaults, which include serve 8000.
  EXPECT_EQ(serve_port_finding(rayservice_with_ports(nullptr)).state, CheckState::Ok);

  // A RayCluster needs one only when it asks for a serve service.
  json rc = rayservice_with_ports(without);
  rc["kind"] = "RayCluster";
  rc["spec"] = rc["spec"]["rayClusterConfig"];
  EXPECT_EQ(serve_port_finding(rc).state, CheckState::Ok);
  rc["metadata"]["annotations"] = {{"ray.io/enable-serve-service", "true"}};
  EXPECT_EQ(serve_port_finding(rc).state, CheckState::Fail);
}

json raycluster(const std::string& conditions) {
  return json::parse(R"({"kind":"RayCluster","metadata":{"name":"rc","generation":1},
    "spec":{"headGroupSpec":{},"workerGroupSpecs":[]},
    "status":{"observedGeneration":1,"conditions":)" +
                     conditions + "}}");
}

TEST(KubeObjectChecks, RayClusterConditionsFailOnlyForTheOperatorsOwnFailures) {
  json failed = raycluster(R"([{"type":"HeadPodReady","status":"False","reason":"HeadPodNotFound"},
    {"type":"ReplicaFailure","status":"True","reason":"FailedCreateHeadPod",
     "message":"pods \"rc-head-x\" is forbidden: exceeded quota: compute, requested: cpu=4"}])");
  auto f = raycluster_conditions_finding(failed, evaluate_raycluster(failed, {}, {}));
  EXPECT_EQ(f.state, CheckState::Fail);
  EXPECT_NE(f.evidence[1].find("exceeded quota"), std::string::npos);

  // Provisioning (a Pending pod) is the pods layer's finding: a warning here.
  json provisioning = raycluster(R"([{"type":"HeadPodReady","status":"True","reason":"HeadPodRunningAndReady"},
    {"type":"RayClusterProvisioned","status":"False","reason":"RayClusterPodsProvisioning"}])");
  EXPECT_EQ(raycluster_conditions_finding(provisioning, evaluate_raycluster(provisioning, {}, {})).state,
            CheckState::Warn);

  json ready =
      raycluster(R"([{"type":"HeadPodReady","status":"True"},{"type":"RayClusterProvisioned","status":"True"}])");
  ready["status"]["state"] = "ready";
  json head = json::parse(R"({"metadata":{"name":"rc-head-x","labels":{"ray.io/cluster":"rc","ray.io/node-type":"head",
    "ray.io/group":"headgroup"}},"spec":{"nodeName":"n"},"status":{"phase":"Running",
    "conditions":[{"type":"Ready","status":"True"}]}})");
  auto ok = raycluster_conditions_finding(ready, evaluate_raycluster(ready, {head}, {}));
  EXPECT_EQ(ok.state, CheckState::Ok);
  EXPECT_EQ(ok.summary, "ready (HeadPodReady, RayClusterProvisioned)");
}

json rayservice_status(const std::string& reason, const std::string& status) {
  json rs = rayservice_with_ports(nullptr);
  rs["status"] = json::parse(R"({"observedGeneration":1,"numServeEndpoints":0,
    "activeServiceStatus":{"rayClusterName":"rag-x7k2p","applicationStatuses":{"rag":{"status":"DEPLOY_FAILED",
      "message":"ModuleNotFoundError: No module named 'ragg'"}}},
    "conditions":[{"type":"Ready","status":")" +
                             status + R"(","reason":")" + reason + R"(",
                   "message":"spec.rayClusterConfig: rayVersion is not a version"}]})");
  return rs;
}

TEST(KubeObjectChecks, RayServiceConditions) {
  json invalid = rayservice_status("ValidationFailed", "False");
  auto f = rayservice_conditions_finding(invalid, evaluate_rayservice(invalid, {}, {}, {}));
  EXPECT_EQ(f.state, CheckState::Fail);
  EXPECT_NE(f.summary.find("ValidationFailed"), std::string::npos);

  // Initializing with a failing app: the serve layer names the import error; here a warning with it.
  json init = rayservice_status("Initializing", "False");
  auto w = rayservice_conditions_finding(init, evaluate_rayservice(init, {}, {}, {}));
  EXPECT_EQ(w.state, CheckState::Warn);
  EXPECT_EQ(w.evidence.back(), "app rag: DEPLOY_FAILED: ModuleNotFoundError: No module named 'ragg'");

  json ready = rayservice_status("NonZeroServeEndpoints", "True");
  ready["status"]["numServeEndpoints"] = 1;
  auto ok = rayservice_conditions_finding(ready, evaluate_rayservice(ready, {}, {}, {}));
  EXPECT_EQ(ok.state, CheckState::Ok);
  EXPECT_EQ(ok.summary, "Ready (NonZeroServeEndpoints), 1 Serve endpoint");
}

}  // namespace
}  // namespace rayctl
