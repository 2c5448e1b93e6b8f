// Watch stream parsing (chunks split anywhere), cache updates, bookmarks and 410 Gone, and the
// API error mapping (401/403 identity, missing CRDs, 409, 422 field paths → manifest lines).
#include "cluster/kube/kube_watch.h"
#include "cluster/kube/kube_api_error.h"
#include "cluster/kube/kube_client.h"
#include "core/yaml_source.h"

#include <gtest/gtest.h>

using namespace rayctl;

TEST(KubeWatch, ParsesEventsSplitAcrossChunks) {
  std::string stream =
      "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"a\",\"namespace\":\"ns\",\"resourceVersion\":\"5\"}}}\n"
      "{\"type\":\"BOOKMARK\",\"object\":{\"metadata\":{\"resourceVersion\":\"9\"}}}\n"
      "{\"type\":\"DELETED\",\"object\":{\"metadata\":{\"name\":\"a\",\"namespace\":\"ns\",\"resourceVersion\":\"11\"}}"
      "}\n";
  for (size_t cut : {1ul, 7ul, 64ul, stream.size()}) {
    WatchEventParser parser;
    CollectionCache cache;
    std::vector<std::string> types;
    std::vector<size_t> sizes;
    for (size_t i = 0; i < stream.size(); i += cut)
      parser.feed(std::string_view(stream).substr(i, cut), [&](WatchEvent&& ev) {
        types.push_back(ev.type);
        cache.apply(ev);
        sizes.push_back(cache.objects.size());
      });
    EXPECT_EQ(types, (std::vector<std::string>{"ADDED", "BOOKMARK", "DELETED"})) << "cut " << cut;
    EXPECT_EQ(sizes, (std::vector<size_t>{1, 1, 0}));
    EXPECT_EQ(cache.resource_version, "11");
    EXPECT_EQ(parser.pending_bytes(), 0u);
  }
}

TEST(KubeWatch, GoneMeansRelistAndListResetsCache) {
  CollectionCache cache;
  cache.reset_from_list(nlohmann::json::parse(
      R"({"metadata":{"resourceVersion":"100"},"items":[{"metadata":{"name":"x","namespace":"d"}},{"metadata":{"name":"y","namespace":"d"}}]})"));
  EXPECT_EQ(cache.objects.size(), 2u);
  EXPECT_EQ(cache.resource_version, "100");
  WatchEvent gone{"ERROR", nlohmann::json::parse(R"({"kind":"Status","code":410,"reason":"Expired"})")};
  EXPECT_EQ(cache.apply(gone), WatchOutcome::Gone);
  WatchEvent other{"ERROR", nlohmann::json::parse(R"({"kind":"Status","code":500})")};
  EXPECT_EQ(cache.apply(other), WatchOutcome::Failed);
  WatchEventParser p;
  EXPECT_THROW(p.feed("not json\n", [](WatchEvent&&) {}), Error);
}

static HttpResponse response(long status, const std::string& body) {
  HttpResponse r;
  r.status = status;
  r.body = body;
  return r;
}

TEST(KubeApiError, MapsStatusesToActionableErrors) {
  auto e401 = kube_api_error(response(401, R"({"kind":"Status","code":401,"reason":"Unauthorized"})"),
                             {"get", "x", true}, "user \"bob\" (bearer token)");
  EXPECT_EQ(e401.kind(), ErrorKind::Auth);
  EXPECT_NE(e401.message().find("user \"bob\""), std::string::npos);
  auto e403 =
      kube_api_error(response(403, R"({"kind":"Status","code":403,"message":"rayclusters.ray.io is forbidden"})"),
                     {"apply", "RayCluster d/x", true}, "user \"bob\"");
  EXPECT_NE(e403.message().find("may not apply RayCluster d/x"), std::string::npos);
  auto crd = kube_api_error(response(404, "404 page not found\n"), {"apply", "RayCluster d/x", true}, "u");
  EXPECT_NE(crd.message().find("KubeRay CRDs are not installed"), std::string::npos);
  EXPECT_NE(crd.hint().find("helm install"), std::string::npos);
  auto missing = kube_api_error(
      response(404, R"({"kind":"Status","code":404,"reason":"NotFound","details":{"name":"x","kind":"rayclusters"}})"),
      {"get", "RayCluster d/x", true}, "u");
  EXPECT_EQ(missing.message().find("CRDs"), std::string::npos);
  auto conflict = kube_api_error(response(409, R"({"kind":"Status","code":409,"reason":"Conflict","details":{"causes":[
      {"reason":"FieldManagerConflict","message":"conflict with \"helm\"","field":".spec.rayVersion"}]}})"),
                                 {"apply", "RayCluster d/x", true}, "u");
  EXPECT_EQ(conflict.kind(), ErrorKind::Conflict);
  EXPECT_NE(conflict.message().find(".spec.rayVersion"), std::string::npos);
  EXPECT_NE(conflict.hint().find("--force-conflicts"), std::string::npos);
}

TEST(KubeApiError, FieldPathsMapToManifestLines) {
  auto doc = YamlFile::parse(
      "m.yaml",
      "apiVersion: ray.io/v1\nkind: RayCluster\nspec:\n  workerGroupSpecs:\n  - groupName: a\n    replicas: two\n");
  auto st = parse_kube_status(
      response(422, R"({"kind":"Status","code":422,"reason":"Invalid","message":"RayCluster.ray.io \"x\" is invalid",
      "details":{"causes":[{"reason":"FieldValueTypeInvalid","message":"Invalid value: \"string\": must be of type integer","field":"spec.workerGroupSpecs[0].replicas"}]}})"));
  EXPECT_EQ(kube_error_fields(st), std::vector<std::string>{"spec.workerGroupSpecs[0].replicas"});
  auto d = validation_diagnostics(st, doc.documents[0]);
  ASSERT_EQ(d.items().size(), 1u);
  EXPECT_EQ(d.items()[0].loc.line, 6);
  EXPECT_NE(d.items()[0].message.find("spec.workerGroupSpecs[0].replicas"), std::string::npos);
  // Strict field validation puts the path in the message; an unknown leaf points at its parent.
  auto strict = parse_kube_status(response(400, R"({"kind":"Status","code":400,"reason":"BadRequest",
      "message":"failed to create typed patch object: .spec.workerGroupSpecs[0].bogus: field not declared in schema"})"));
  EXPECT_EQ(kube_error_fields(strict), std::vector<std::string>{"spec.workerGroupSpecs[0].bogus"});
  EXPECT_EQ(locate_field(doc.documents[0], "spec.workerGroupSpecs[0].bogus").line, 5);
}

TEST(KubeClient, PathsForResourcesAndServiceProxy) {
  EXPECT_EQ(KubeResource::raycluster().object_path("ns", "c"), "/apis/ray.io/v1/namespaces/ns/rayclusters/c");
  EXPECT_EQ(KubeResource::pod().collection_path("ns"), "/api/v1/namespaces/ns/pods");
  EXPECT_EQ(KubeClient::service_proxy_path("ns", "rag-head-svc", "dashboard", "api/serve/applications/"),
            "/api/v1/namespaces/ns/services/rag-head-svc:dashboard/proxy/api/serve/applications/");
  EXPECT_FALSE(KubeResource::for_kind("v1", "Pod"));
  EXPECT_EQ(KubeResource::for_kind("ray.io/v1", "RayService")->plural, "rayservices");
}
