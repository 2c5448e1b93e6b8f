// ServeTarget: where the serve verbs act — --cluster from rayctl's state (it wins over the
// environment), and the errors for contradictory flags, unknown and Kubernetes-recorded clusters.
#include "serve/serve_target.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <sstream>

using namespace rayctl;

namespace {
EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars](const std::string& n) {
    auto it = vars.find(n);
    return it == vars.end() ? std::string() : it->second;
  };
}
}  // namespace

TEST(ServeTarget, ClusterFromStateAndItsErrors) {
  char tmpl[] = "/tmp/rayctl-dash-state.XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  ClusterStateStore store(std::string(tmpl) + "/clusters");
  ClusterRecord local;
  local.name = "here";
  local.dashboard_port = 18295;
  local.provider = "local";
  local.nodes.push_back({"head", "127.0.0.1", true, true});
  store.save(local);
  ClusterRecord kube;
  kube.name = "onk8s";
  kube.provider = "kubernetes";
  kube.nodes.push_back({"head", "10.244.0.3", true, false});
  store.save(kube);
  ::setenv("RAYCTL_STATE_DIR", tmpl, 1);
  std::ostringstream out, err;
  IOStreams io = IOStreams::capture(out, err);

  ServeTargetOptions o;
  o.addr.cluster = "here";
  auto c = ServeTarget::open(o, env_of({{"RAY_DASHBOARD_ADDRESS", "http://elsewhere:1"}}), io);
  EXPECT_EQ(c->owner(), nullptr);
  EXPECT_EQ(c->dashboard("status").endpoint().url, "http://127.0.0.1:18295");  // --cluster wins over the environment
  EXPECT_EQ(c->dashboard("status").endpoint().source, "cluster here");

  o.addr.address = "http://127.0.0.1:8265";
  EXPECT_THROW(ServeTarget::open(o, env_of({}), io), Error);
  o.addr.address.clear();
  o.addr.cluster = "her";
  try {
    ServeTarget::open(o, env_of({}), io);
    FAIL() << "unknown cluster accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::NotFound);
    EXPECT_NE(e.hint().find("did you mean 'here'"), std::string::npos) << e.hint();
  }
  o.addr.cluster = "onk8s";
  try {
    ServeTarget::open(o, env_of({}), io);
    FAIL() << "kubernetes cluster accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Usage);
    EXPECT_NE(e.hint().find("rayservice/NAME"), std::string::npos);
  }
  ::unsetenv("RAYCTL_STATE_DIR");
  std::filesystem::remove_all(tmpl);
}
