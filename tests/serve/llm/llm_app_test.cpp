// The Serve config `inference deploy` writes: flag combinations refused with the flag named,
// the config itself clean under rayctl's own Serve checks, and a GPU ask bigger than any node
// refused by the placement check with the numbers.
#include "serve/llm/llm_app.h"

#include "core/error.h"
#include "core/json_yaml.h"
#include "core/yaml_source.h"
#include "serve/config/placement_checks.h"
#include "serve/config/serve_config.h"

#include <gtest/gtest.h>

namespace rayctl {
namespace {

LlmDeploySpec base() {
  LlmDeploySpec s;
  s.rayctl_path = "~/.rayctl/llm/0123456789abcdef/rayctl";
  s.model_path = "~/.rayctl/llm/fedcba9876543210/model.gguf";
  s.model_name = "model";
  return s;
}

std::string usage_error(const LlmDeploySpec& s) {
  try {
    check_llm_spec(s);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Usage);
    return e.what();
  }
  return "";
}

TEST(LlmApp, RefusesCombinationsThatCannotWork) {
  auto s = base();
  s.device = "cuda";
  s.gpus_per_replica = 0;
  EXPECT_NE(usage_error(s).find("--device cuda with --gpus-per-replica 0"), std::string::npos);
  s = base();
  s.gpus_per_replica = 1;
  EXPECT_NE(usage_error(s).find("with --device cpu"), std::string::npos);
  s = base();
  s.device = "cuda";
  s.gpus_per_replica = 1.5;
  EXPECT_NE(usage_error(s).find("a fraction up to 1 or a whole number"), std::string::npos);
  s = base();
  s.replicas = 2;
  s.min_replicas = 1;
  s.max_replicas = 3;
  EXPECT_NE(usage_error(s).find("--replicas with --min/--max"), std::string::npos);
  s = base();
  s.min_replicas = 3;
  s.max_replicas = 2;
  EXPECT_NE(usage_error(s).find("is not a range"), std::string::npos);
  s = base();
  s.route = "/llm/";
  EXPECT_NE(usage_error(s).find("--route"), std::string::npos);
  EXPECT_EQ(usage_error(base()), "");
}

ServeConfig load(const nlohmann::json& body, Diagnostics& diags) {
  auto file = YamlFile::parse("llm.yaml", to_yaml_text(body));
  auto cfg = load_serve_config(file.documents.front(), diags);
  EXPECT_TRUE(cfg);
  return cfg ? *cfg : ServeConfig{};
}

TEST(LlmApp, ConfigIsACleanServeConfig) {
  auto s = base();
  s.min_replicas = 1;
  s.max_replicas = 4;
  s.parallel = 8;
  auto body = llm_serve_config(s, "gcs://_ray_pkg_0123456789abcdef.zip");
  Diagnostics diags;
  ServeConfig cfg = load(body, diags);
  EXPECT_TRUE(diags.empty()) << diags.items().front().message;
  ASSERT_EQ(cfg.applications.size(), 1u);
  const auto& app = body["applications"][0];
  EXPECT_EQ(app["route_prefix"], "/llm");
  EXPECT_EQ(app["args"]["device"], "cpu");
  EXPECT_EQ(app["args"]["model"], s.model_path);
  const auto& dep = app["deployments"][0];
  EXPECT_EQ(dep["autoscaling_config"]["target_ongoing_requests"], 8);
  EXPECT_EQ(dep["autoscaling_config"]["max_replicas"], 4);
  EXPECT_FALSE(dep.contains("num_replicas"));
  EXPECT_FALSE(dep["ray_actor_options"].contains("num_gpus"));
}

TEST(LlmApp, AGpuAskNoNodeHoldsIsAnError) {
  auto s = base();
  s.device = "cuda";
  s.gpus_per_replica = 2;
  Diagnostics load_diags;
  ServeConfig cfg = load(llm_serve_config(s, "gcs://_ray_pkg_0123456789abcdef.zip"), load_diags);
  ClusterResources cluster;
  NodeShape gpu_node;
  gpu_node.name = "worker";
  gpu_node.cpus = 8;
  gpu_node.gpus = 1;
  gpu_node.max_count = 2;
  cluster.shapes.push_back(gpu_node);
  Diagnostics d = check_serve_placement(cfg, cluster);
  ASSERT_TRUE(d.has_errors());
  std::string msg = d.items().front().message;
  EXPECT_NE(msg.find("GPU"), std::string::npos) << msg;
  s.gpus_per_replica = 0.5;
  Diagnostics ok_load;
  ServeConfig half = load(llm_serve_config(s, "gcs://_ray_pkg_0123456789abcdef.zip"), ok_load);
  EXPECT_FALSE(check_serve_placement(half, cluster).has_errors());
}

}  // namespace
}  // namespace rayctl
