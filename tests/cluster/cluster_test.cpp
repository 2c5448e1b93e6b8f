// open_cluster(): what the user typed decides the provider, and the Cluster it returns is
// usable on its own (it owns everything it needs: a dry run of `up` reads the state store).
#include "cluster/cluster.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace rayctl {
namespace {

class OpenCluster : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/rayctl-open-cluster.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    ::setenv("RAYCTL_STATE_DIR", (dir_ + "/state").c_str(), 1);
    std::ofstream(dir_ + "/local.yaml") << "cluster_name: opened\n"
                                           "provider: {type: local, head_ip: 127.0.0.1, worker_ips: []}\n";
  }
  void TearDown() override {
    ::unsetenv("RAYCTL_STATE_DIR");
    std::filesystem::remove_all(dir_);
  }
  std::string dir_;
  std::ostringstream out_, err_;
  IOStreams io_ = IOStreams::capture(out_, err_);
};

TEST_F(OpenCluster, ALauncherFileIsAnSshClusterThatCanPlanOnItsOwn) {
  auto cluster = open_cluster({.target = dir_ + "/local.yaml"}, io_);
  EXPECT_EQ(cluster->name(), "opened");
  EXPECT_EQ(cluster->provider(), "local");
  EXPECT_EQ(cluster->serve_config_owner(), nullptr);
  UpOptions dry;
  dry.dry_run = true;
  CancelFlag cancel;
  UpReport r = cluster->up(dry, io_, cancel);  // reads the state store it was opened with
  const auto& up = std::get<UpResult>(r);
  EXPECT_TRUE(up.dry_run);
  ASSERT_EQ(up.nodes.size(), 1u);
  EXPECT_EQ(up.nodes[0].role, "head");
}

TEST_F(OpenCluster, KindNameAndKubeFlagsNameKubeRayObjects) {
  EXPECT_TRUE(names_kuberay_object({.target = "raycluster/x"}));
  EXPECT_TRUE(names_kuberay_object({.target = "rayservices/x"}));
  EXPECT_TRUE(names_kuberay_object({.target = "x", .namespace_ = "serving"}));
  EXPECT_FALSE(names_kuberay_object({.target = dir_ + "/local.yaml"}));
  EXPECT_FALSE(names_kuberay_object({.target = "mycluster"}));
  auto cluster = open_cluster({.target = "rayservice/rag", .namespace_ = "serving"}, io_);
  EXPECT_EQ(cluster->provider(), "kubernetes");
  EXPECT_EQ(cluster->name(), "rag");
}

TEST_F(OpenCluster, AnUnknownNameListsWhatIsRecorded) {
  try {
    open_cluster({.target = "nope"}, io_);
    FAIL() << "opened an unknown cluster";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::NotFound);
    EXPECT_NE(e.hint().find("no cluster is recorded yet"), std::string::npos) << e.hint();
  }
}

}  // namespace
}  // namespace rayctl
