// DR161 from a leader Lease (coordination.k8s.io/v1, as controller-runtime writes it), the Helm
// chart's Deployment status and the object's observedGeneration.
#include "inspect/doctor/kube_operator_check.h"
#include "cluster/kube/kube_credentials.h"

#include <gtest/gtest.h>

namespace rayctl {
namespace {

using nlohmann::json;

const auto kNow = *parse_rfc3339("2026-12-04T09:00:00Z");

KubeReply leases(const std::string& renew, const std::string& holder = "op-host_0b4d6c1e-7f2a") {
  return KubeReply::of(200, json::parse(R"({"kind":"LeaseList","apiVersion":"coordination.k8s.io/v1","items":[
    {"metadata":{"name":"ray-operator-leader","namespace":"kuberay-system"},
     "spec":{"holderIdentity":")" + holder +
                                        R"(","leaseDurationSeconds":15,
             "acquireTime":"2026-12-04T08:00:00.000000Z","renewTime":")" +
                                        renew + R"(","leaseTransitions":2}}]})"));
}

KubeReply empty_list() { return KubeReply::of(200, json::parse(R"({"items":[]})")); }

KubeReply deployment(int available) {
  json d = json::parse(R"({"items":[{"metadata":{"name":"kuberay-operator","namespace":"kuberay-system",
      "labels":{"app.kubernetes.io/name":"kuberay-operator"}},
    "spec":{"replicas":1},
    "status":{"replicas":1,"conditions":[
      {"type":"Progressing","status":"True","reason":"NewReplicaSetAvailable","message":"ok"}]}}]})");
  d["items"][0]["status"]["availableReplicas"] = available;
  if (available == 0)
    d["items"][0]["status"]["conditions"].push_back({{"type", "Available"},
                                                     {"status", "False"},
                                                     {"reason", "MinimumReplicasUnavailable"},
                                                     {"message", "Deployment does not have minimum availability."}});
  return KubeReply::of(200, d);
}

json object(long generation, long observed) {
  json o = json::parse(R"({"kind":"RayService","metadata":{"name":"rag"},"status":{}})");
  o["metadata"]["generation"] = generation;
  o["status"]["observedGeneration"] = observed;
  return o;
}

TEST(KubeOperatorCheck, FreshLeaseMeansRunning) {
  json obj = object(2, 2);
  auto f = operator_finding({leases("2026-12-04T08:59:58.512345Z"), empty_list(), &obj, kNow});
  EXPECT_EQ(f.state, CheckState::Ok);
  EXPECT_EQ(f.subject, "kuberay-system/ray-operator-leader");
  EXPECT_EQ(f.summary, "leader op-host_0b4d6c1e-7f2a renewed its Lease 2 s ago");
}

TEST(KubeOperatorCheck, StaleLeaseMeansStopped) {
  json obj = object(2, 2);
  auto f = operator_finding({leases("2026-12-04T08:59:20.000000Z"), empty_list(), &obj, kNow});
  EXPECT_EQ(f.state, CheckState::Fail);
  ASSERT_FALSE(f.evidence.empty());
  EXPECT_EQ(f.evidence[0],
            "Lease kuberay-system/ray-operator-leader held by op-host_0b4d6c1e-7f2a, renewed 40 s ago (expires after "
            "15 s without renewal)");
  // The same Lease seen 16 s after its renewal is still within the slack.
  EXPECT_EQ(operator_finding({leases("2026-12-04T08:59:44Z"), empty_list(), &obj, kNow}).state, CheckState::Ok);
}

TEST(KubeOperatorCheck, LiveLeaderThatIgnoresTheObjectWarns) {
  json obj = object(3, 2);
  auto f = operator_finding({leases("2026-12-04T08:59:59Z"), empty_list(), &obj, kNow});
  EXPECT_EQ(f.state, CheckState::Warn);
  ASSERT_EQ(f.evidence.size(), 1u);
  EXPECT_EQ(f.evidence[0], "RayService rag: generation 3 not reconciled yet (status.observedGeneration 2)");
}

TEST(KubeOperatorCheck, DeploymentWithoutAvailablePodsFails) {
  auto f = operator_finding({empty_list(), deployment(0), nullptr, kNow});
  EXPECT_EQ(f.state, CheckState::Fail);
  EXPECT_EQ(f.subject, "kuberay-system/kuberay-operator");
  ASSERT_EQ(f.evidence.size(), 1u);
  EXPECT_NE(f.evidence[0].find("0 of 1 replicas available"), std::string::npos);
  EXPECT_NE(f.evidence[0].find("MinimumReplicasUnavailable"), std::string::npos);
  json obj = object(1, 1);
  EXPECT_EQ(operator_finding({empty_list(), deployment(1), &obj, kNow}).state, CheckState::Ok);
}

TEST(KubeOperatorCheck, NothingFoundDecidesByTheObjectsStatus) {
  KubeReply forbidden = KubeReply::of(403, nullptr, "leases.coordination.k8s.io is forbidden");
  json current = object(4, 4);
  auto warn = operator_finding({forbidden, empty_list(), &current, kNow});
  EXPECT_EQ(warn.state, CheckState::Warn);
  ASSERT_EQ(warn.evidence.size(), 2u);
  EXPECT_NE(warn.evidence[1].find("could not look: 403 Forbidden"), std::string::npos);

  json never = json::parse(R"({"kind":"RayCluster","metadata":{"name":"c","generation":1}})");
  auto fail = operator_finding({empty_list(), empty_list(), &never, kNow});
  EXPECT_EQ(fail.state, CheckState::Fail);
  EXPECT_EQ(fail.evidence.back(), "RayCluster c has no status: no operator has ever reconciled it");
}

}  // namespace
}  // namespace rayctl
