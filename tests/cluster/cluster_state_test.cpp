// ClusterStateStore: atomic 0600 state files per cluster, and the lock between operations.
#include "cluster/cluster_state.h"
#include "core/error.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

namespace rayctl {
namespace {

std::string temp_state_dir() {
  auto d = std::filesystem::temp_directory_path() / ("rayctl-state-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(d);
  return d.string();
}

TEST(ClusterState, RoundTripsWithMode0600AndRemoves) {
  ClusterStateStore store(temp_state_dir());
  ClusterRecord r;
  r.name = "c1";
  r.provider = "kubernetes";
  r.provider_data = {{"namespace", "ray"}};
  r.nodes.push_back({"head", "10.0.0.1", true, false, "up-to-date", "s", "t", "", {"10.0.0.1", "fe80::1"}, 0});
  store.save(r);
  struct stat st {};
  ASSERT_EQ(::stat(store.path_for("c1").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto back = store.load("c1");
  ASSERT_TRUE(back);
  EXPECT_EQ(back->provider, "kubernetes");
  EXPECT_EQ(back->provider_data["namespace"], "ray");
  ASSERT_NE(back->find("head"), nullptr);
  EXPECT_EQ(back->find("head")->setup_hash, "s");
  EXPECT_EQ(back->find("head")->addresses, (std::vector<std::string>{"10.0.0.1", "fe80::1"}));
  EXPECT_EQ(store.list(), std::vector<std::string>{"c1"});
  store.remove("c1");
  EXPECT_FALSE(store.load("c1"));
}

TEST(ClusterState, SecondLockIsAConflict) {
  ClusterStateStore store(temp_state_dir());
  auto held = store.lock("c2");
  try {
    auto again = store.lock("c2");
    FAIL() << "second lock succeeded";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Conflict);
    EXPECT_NE(e.message().find("busy"), std::string::npos);
  }
}

TEST(ClusterState, RejectsNamesThatAreNotFileNames) {
  EXPECT_THROW(check_cluster_name("../x"), Error);
  EXPECT_NO_THROW(check_cluster_name("rig-e2e_1.a"));
}

}  // namespace
}  // namespace rayctl
