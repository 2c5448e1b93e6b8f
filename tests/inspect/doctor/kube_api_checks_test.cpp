// The doctor's kubernetes layer (DR151-DR153) from API replies shaped like kube-apiserver's:
// /version, metav1.Status for 401/403/404, CustomResourceDefinitions and ray.io/v1 discovery.
#include "inspect/doctor/kube_api_checks.h"

#include <gtest/gtest.h>

namespace rayctl {
namespace {

using nlohmann::json;

json crd(const std::string& name, const std::vector<std::pair<std::string, bool>>& versions, bool established = true) {
  json j = json::parse(R"({"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
    "metadata":{"name":")" +
                       name + R"("},"spec":{"group":"ray.io","versions":[]},
    "status":{"conditions":[{"type":"NamesAccepted","status":"True","reason":"NoConflicts"}]}})");
  for (const auto& [v, served] : versions)
    j["spec"]["versions"].push_back({{"name", v}, {"served", served}, {"storage", v == "v1"}});
  j["status"]["conditions"].push_back(
      {{"type", "Established"},
       {"status", established ? "True" : "False"},
       {"reason", "InitialNamesAccepted"},
       {"message", established ? "the initial names have been accepted" : "not all names are accepted"}});
  return j;
}

TEST(KubeApiChecks, ReachableFromVersion) {
  auto ok =
      api_reachable_finding("https://127.0.0.1:16643",
                            KubeReply::of(200, json::parse(R"({"major":"1","minor":"36","gitVersion":"v1.36.3"})")));
  EXPECT_EQ(ok.state, CheckState::Ok);
  EXPECT_EQ(ok.summary, "Kubernetes v1.36.3");

  auto down = api_reachable_finding("https://127.0.0.1:16643",
                                    KubeReply::failed("Failed to connect to 127.0.0.1 port 16643: Connection refused"));
  EXPECT_EQ(down.state, CheckState::Fail);
  ASSERT_EQ(down.evidence.size(), 1u);
  EXPECT_NE(down.evidence[0].find("Connection refused"), std::string::npos);
  EXPECT_NE(down.evidence[0].find("/version"), std::string::npos);

  // A 401 is an answer: the server is reachable, the credentials are DR152's business.
  EXPECT_EQ(api_reachable_finding("s", KubeReply::of(401, nullptr, "Unauthorized")).state, CheckState::Ok);
  EXPECT_EQ(api_reachable_finding("s", KubeReply::of(503, nullptr, "etcd unavailable")).state, CheckState::Fail);
}

TEST(KubeApiChecks, ForbiddenReadsFailWithTheApiMessage) {
  std::string msg =
      "rayservices.ray.io \"rag\" is forbidden: User \"bob\" cannot get resource \"rayservices\" in API group "
      "\"ray.io\" in the namespace \"ray-serving\"";
  auto f = api_authorised_finding("user \"bob\"", KubeReply::of(200, json::object()),
                                  {{"get RayService ray-serving/rag", KubeReply::of(403, nullptr, msg)},
                                   {"list pods in ray-serving", KubeReply::of(200, json::object())}});
  EXPECT_EQ(f.state, CheckState::Fail);
  ASSERT_EQ(f.evidence.size(), 1u);
  EXPECT_EQ(f.evidence[0], "get RayService ray-serving/rag: 403 Forbidden: " + msg);

  auto rejected = api_authorised_finding("user \"bob\"", KubeReply::of(401, nullptr, "Unauthorized"), {});
  EXPECT_EQ(rejected.state, CheckState::Fail);
  EXPECT_NE(rejected.summary.find("401"), std::string::npos);

  // A missing object is not an authorisation problem (DR162 reports it).
  auto fine = api_authorised_finding("u", KubeReply::of(200, json::object()),
                                     {{"get RayCluster default/x", KubeReply::of(404, nullptr, "not found")},
                                      {"list pods in default", KubeReply::of(200, json::object())}});
  EXPECT_EQ(fine.state, CheckState::Ok);
  EXPECT_EQ(fine.summary, "may get RayCluster default/x, list pods in default");
}

TEST(KubeApiChecks, CrdsMustServeV1AndBeEstablished) {
  std::vector<CrdReply> good = {
      {"rayclusters.ray.io", true, KubeReply::of(200, crd("rayclusters.ray.io", {{"v1", true}, {"v1alpha1", true}}))},
      {"rayservices.ray.io", true, KubeReply::of(200, crd("rayservices.ray.io", {{"v1", true}}))}};
  auto ok = crd_finding(good, {});
  EXPECT_EQ(ok.state, CheckState::Ok);
  EXPECT_EQ(ok.summary, "rayclusters.ray.io, rayservices.ray.io serve ray.io/v1");

  auto old = good;
  old[0].reply = KubeReply::of(200, crd("rayclusters.ray.io", {{"v1alpha1", true}, {"v1", false}}));
  auto f = crd_finding(old, {});
  EXPECT_EQ(f.state, CheckState::Fail);
  ASSERT_EQ(f.evidence.size(), 1u);
  EXPECT_NE(f.evidence[0].find("does not serve v1 (served: v1alpha1)"), std::string::npos);

  auto pending = good;
  pending[1].reply = KubeReply::of(200, crd("rayservices.ray.io", {{"v1", true}}, false));
  EXPECT_EQ(crd_finding(pending, {}).state, CheckState::Fail);

  auto missing = good;
  missing[1].reply =
      KubeReply::of(404, nullptr, "customresourcedefinitions.apiextensions.k8s.io \"rayservices.ray.io\" not found");
  EXPECT_EQ(crd_finding(missing, {}).state, CheckState::Fail);
  missing[1].required = false;  // a RayCluster does not need the RayService CRD
  auto warn = crd_finding(missing, {});
  EXPECT_EQ(warn.state, CheckState::Warn);
  EXPECT_EQ(warn.evidence[0], "rayservices.ray.io is not installed");
}

TEST(KubeApiChecks, CrdsThatMayNotBeReadAreAskedOfDiscovery) {
  std::string forbidden = "customresourcedefinitions.apiextensions.k8s.io \"rayclusters.ray.io\" is forbidden";
  std::vector<CrdReply> denied = {{"rayclusters.ray.io", true, KubeReply::of(403, nullptr, forbidden)},
                                  {"rayservices.ray.io", true, KubeReply::of(403, nullptr, forbidden)}};
  auto discovery = KubeReply::of(200, json::parse(R"({"kind":"APIResourceList","groupVersion":"ray.io/v1",
    "resources":[{"name":"rayclusters","namespaced":true,"kind":"RayCluster"},
                 {"name":"rayclusters/status","namespaced":true,"kind":"RayCluster"},
                 {"name":"rayjobs","namespaced":true,"kind":"RayJob"}]})"));
  auto f = crd_finding(denied, discovery);
  EXPECT_EQ(f.state, CheckState::Fail);  // rayservices is not served
  ASSERT_EQ(f.evidence.size(), 1u);
  EXPECT_NE(f.evidence[0].find("ray.io/v1 does not list rayservices"), std::string::npos);
  denied[1].required = false;
  EXPECT_EQ(crd_finding(denied, discovery).state, CheckState::Warn);
}

TEST(KubeApiProbe, HttpDate) {
  auto t = parse_http_date("Fri, 04 Dec 2026 08:49:17 GMT");
  ASSERT_TRUE(t);
  EXPECT_EQ(std::chrono::system_clock::to_time_t(*t), 1796374157);
  EXPECT_FALSE(parse_http_date(""));
  EXPECT_FALSE(parse_http_date("Fri, 04 Foo 2026 08:49:17 GMT"));
  EXPECT_EQ(KubeReply::of(403, nullptr, "nope").describe(), "403 Forbidden: nope");
  EXPECT_EQ(KubeReply::failed("timed out").describe(), "no reply: timed out");
}

}  // namespace
}  // namespace rayctl
