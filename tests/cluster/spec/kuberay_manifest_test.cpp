// The KubeRay manifest loader beyond the fixture table: groups and their Ray shape, the
// serveConfigV2 block mapped to manifest lines, unknown fields kept untouched.
#include "cluster/spec/kuberay_manifest.h"
#include "core/state_store.h"
#include "core/yaml_source.h"

#include <gtest/gtest.h>

using namespace rayctl;

namespace {

const std::string kRag = std::string(RAYCTL_SOURCE_DIR) + "/manifests/kuberay/rayservice-rag.yaml";

std::optional<KubeRayManifest> load_text(const std::string& text, Diagnostics& diags) {
  auto f = YamlFile::parse("m.yaml", text);
  return load_kuberay_manifest(f.documents.at(0), diags, text);
}

}  // namespace

TEST(KubeRayLoader, RayServiceGroupsAndGpuShape) {
  Diagnostics diags;
  auto f = YamlFile::load(kRag);
  auto m = load_kuberay_manifest(f.documents.at(0), diags, f.text);
  ASSERT_TRUE(m);
  EXPECT_EQ(diags.error_count(), 0u);
  EXPECT_EQ(m->kind, "RayService");
  EXPECT_EQ(m->name, "rag-pipeline");
  EXPECT_EQ(m->namespace_, "ray-serving");
  ASSERT_EQ(m->cluster.groups.size(), 3u);
  EXPECT_TRUE(m->cluster.groups[0].is_head);
  const RayGroupSpec& gpu = m->cluster.groups[2];
  EXPECT_EQ(gpu.name, "gpu-workers");
  EXPECT_EQ(gpu.min_replicas, 0);
  EXPECT_EQ(gpu.max_replicas, 2);
  EXPECT_EQ(gpu.ray_start_params.at("num-gpus"), "1");
  EXPECT_EQ(gpu.limits.at("nvidia.com/gpu"), "1");
  EXPECT_EQ(gpu.shape.gpus, 1.0);
  EXPECT_EQ(gpu.shape.cpus, 4.0);
  EXPECT_EQ(gpu.shape.memory_bytes, 16.0 * 1024 * 1024 * 1024);
  EXPECT_EQ(gpu.locs.at("rayStartParams.num-gpus").line, 99);
}

TEST(KubeRayLoader, UnknownFieldsAreKeptNotRejected) {
  Diagnostics diags;
  auto m = load_text(
      "apiVersion: ray.io/v1\n"
      "kind: RayCluster\n"
      "metadata: {name: c}\n"
      "spec:\n"
      "  someFutureField: {a: 1}\n"
      "  headGroupSpec:\n"
      "    rayStartParams: {}\n"
      "    template:\n"
      "      metadata: {labels: {team: x}}\n"
      "      spec:\n"
      "        priorityClassName: high\n"
      "        containers:\n"
      "          - name: ray-head\n"
      "            image: rayproject/ray:2.53.0\n"
      "            resources: {limits: {cpu: '2', memory: 4Gi}}\n",
      diags);
  ASSERT_TRUE(m);
  EXPECT_EQ(diags.error_count(), 0u);
  EXPECT_EQ(m->object["spec"]["someFutureField"]["a"], 1);
  EXPECT_EQ(m->object["spec"]["headGroupSpec"]["template"]["spec"]["priorityClassName"], "high");
  EXPECT_EQ(m->object["spec"]["headGroupSpec"]["template"]["metadata"]["labels"]["team"], "x");
  ASSERT_EQ(m->cluster.groups.size(), 1u);
  EXPECT_EQ(m->cluster.groups[0].shape.cpus, 2.0);
  EXPECT_EQ(m->cluster.groups[0].shape.memory_bytes, 4.0 * 1024 * 1024 * 1024);
}

TEST(KubeRayLoader, Quantities) {
  EXPECT_EQ(parse_quantity("500m"), 0.5);
  EXPECT_EQ(parse_quantity("2"), 2.0);
  EXPECT_EQ(parse_quantity("1Gi"), 1073741824.0);
  EXPECT_EQ(parse_quantity("1G"), 1e9);
  EXPECT_EQ(parse_quantity("1.5Ki"), 1536.0);
  EXPECT_FALSE(parse_quantity("lots"));
  EXPECT_FALSE(parse_quantity(""));
}
