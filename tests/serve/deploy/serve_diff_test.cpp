// ServeDiff: which changes Serve applies in place and which restart replicas, removed apps,
// --merge, and the warning for http_options a running Serve ignores.
#include "serve/deploy/serve_diff.h"
#include "serve/deploy/serve_deploy.h"

#include <gtest/gtest.h>

using namespace rayctl;
using nlohmann::json;

namespace {
json app_cfg(int replicas, double cpus) {
  return {{"name", "rag"},
          {"import_path", "rag:app"},
          {"deployments",
           {{{"name", "Retriever"}, {"num_replicas", replicas}, {"ray_actor_options", {{"num_cpus", cpus}}}}}}};
}
json live(const json& cfg, const std::string& source = "declarative") {
  return {
      {"controller_info", {{"node_id", "n1"}}},
      {"http_options", {{"host", "0.0.0.0"}, {"port", 8000}}},
      {"applications",
       {{cfg["name"].get<std::string>(), {{"status", "RUNNING"}, {"source", source}, {"deployed_app_config", cfg}}}}}};
}
}  // namespace

TEST(ServeDiff, NumReplicasIsInPlace) {
  auto d = diff_serve_config(live(app_cfg(1, 0.5)), {{"applications", {app_cfg(2, 0.5)}}}, false);
  ASSERT_EQ(d.apps.size(), 1u);
  EXPECT_EQ(d.apps[0].kind, DiffKind::Changed);
  ASSERT_EQ(d.apps[0].deployments.size(), 1u);
  ASSERT_EQ(d.apps[0].deployments[0].changes.size(), 1u);
  EXPECT_EQ(d.apps[0].deployments[0].changes[0].field, "num_replicas");
  EXPECT_EQ(d.apps[0].effect(), ChangeEffect::InPlace);
}

TEST(ServeDiff, ActorOptionsRestartReplicasAndImportPathRedeploys) {
  auto d = diff_serve_config(live(app_cfg(1, 0.5)), {{"applications", {app_cfg(1, 1.0)}}}, false);
  EXPECT_EQ(d.apps[0].deployments[0].changes[0].field, "ray_actor_options.num_cpus");
  EXPECT_EQ(d.apps[0].effect(), ChangeEffect::RestartsReplicas);
  json c = app_cfg(1, 0.5);
  c["import_path"] = "other:app";
  d = diff_serve_config(live(app_cfg(1, 0.5)), {{"applications", {c}}}, false);
  EXPECT_EQ(d.apps[0].effect(), ChangeEffect::RedeploysApp);
}

TEST(ServeDiff, UserConfigAndAutoscalingAreInPlace) {
  EXPECT_EQ(deployment_field_effect("user_config"), ChangeEffect::InPlace);
  EXPECT_EQ(deployment_field_effect("autoscaling_config"), ChangeEffect::InPlace);
  EXPECT_EQ(deployment_field_effect("max_ongoing_requests"), ChangeEffect::InPlace);
  EXPECT_EQ(deployment_field_effect("placement_group_bundles"), ChangeEffect::RestartsReplicas);
}

TEST(ServeDiff, UnchangedConfigHasNoChanges) {
  auto d = diff_serve_config(live(app_cfg(1, 0.5)), {{"applications", {app_cfg(1, 0.5)}}}, false);
  EXPECT_FALSE(d.has_changes());
}

TEST(ServeDiff, LeftOutAppIsRemovedUnlessMerge) {
  json other = {{"name", "other"}, {"import_path", "o:app"}};
  auto d = diff_serve_config(live(app_cfg(1, 0.5)), {{"applications", {other}}}, false);
  EXPECT_EQ(d.removed_apps(), std::vector<std::string>{"rag"});
  d = diff_serve_config(live(app_cfg(1, 0.5)), {{"applications", {other}}}, true);
  EXPECT_TRUE(d.removed_apps().empty());
  json merged = merge_with_live({{"applications", {other}}}, live(app_cfg(1, 0.5)));
  ASSERT_EQ(merged["applications"].size(), 2u);
  EXPECT_EQ(merged["applications"][1], app_cfg(1, 0.5));
}

TEST(ServeDiff, ServeRunAppsAreKept) {
  json other = {{"name", "other"}, {"import_path", "o:app"}};
  auto d = diff_serve_config(live(app_cfg(1, 0.5), "imperative"), {{"applications", {other}}}, false);
  EXPECT_TRUE(d.removed_apps().empty());
}

TEST(ServeDiff, HttpOptionsChangeWarns) {
  json cfg = {{"http_options", {{"port", 8085}}}, {"applications", {app_cfg(1, 0.5)}}};
  auto d = diff_serve_config(live(app_cfg(1, 0.5)), cfg, false);
  ASSERT_EQ(d.warnings.size(), 1u);
  EXPECT_NE(d.warnings[0].find("http_options.port"), std::string::npos);
  EXPECT_NE(d.warnings[0].find("ignores"), std::string::npos);
}

TEST(ServeDeployPure, LiveResourcesFromNodeRows) {
  json row = {
      {"node_id", "n"},
      {"node_ip", "127.0.0.1"},
      {"is_head_node", true},
      {"state", "ALIVE"},
      {"resources_total", {{"CPU", 2.0}, {"memory", 1e9}, {"node:127.0.0.1", 1.0}, {"object_store_memory", 5e8}}}};
  json dead = row;
  dead["state"] = "DEAD";
  auto c = live_cluster_resources({row, dead});
  ASSERT_EQ(c.shapes.size(), 1u);
  EXPECT_EQ(*c.shapes[0].cpus, 2.0);
  EXPECT_EQ(*c.shapes[0].gpus, 0.0);
  EXPECT_TRUE(c.shapes[0].custom.empty());
}
