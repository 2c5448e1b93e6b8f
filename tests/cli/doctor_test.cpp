// `rayctl doctor` on the command line: how it takes its target, and a dashboard that does not
// answer reported as the broken dashboard layer (exit 4), not as an error. The layers themselves
// are walked against real clusters in tests/integration/{ssh,kube}/doctor.sh.
#include "cli_harness.h"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace rayctl::cli::testing {
namespace {

// A loopback port nothing listens on: bound once by the kernel's choice, then closed.
int closed_loopback_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

TEST(DoctorCli, NeedsATargetOrAnAddress) {
  auto r = run_cli({"doctor"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "name the cluster to check")) << r.err;
}

TEST(DoctorCli, TargetAndAddressTogetherAreRefused) {
  auto r = run_cli({"doctor", "mycluster", "--address", "http://127.0.0.1:8265"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "either TARGET or --address")) << r.err;
  r = run_cli({"doctor", "--address", "http://127.0.0.1:8265", "-n", "serving"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "not a --address")) << r.err;
}

TEST(DoctorCli, CheckTimeoutIsADuration) {
  auto r = run_cli({"doctor", "--address", "http://127.0.0.1:8265", "--check-timeout", "soon"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "--check-timeout")) << r.err;
}

TEST(DoctorCli, ADashboardThatDoesNotAnswerIsTheBrokenDashboardLayer) {
  std::string url = "http://127.0.0.1:" + std::to_string(closed_loopback_port());
  auto r = run_cli({"-o", "json", "doctor", "--address", url, "--check-timeout", "2s"});
  EXPECT_EQ(r.exit_code, 4) << r.out << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["provider"], "dashboard");
  EXPECT_EQ(j["target"], url);
  EXPECT_FALSE(j["healthy"].get<bool>());
  EXPECT_EQ(j["broken_layer"], "dashboard");
  EXPECT_EQ(j["first_failure"]["id"], "DR301");
  EXPECT_FALSE(j["first_failure"]["evidence"].empty()) << j.dump(2);
  // The layers after the dashboard are not checked.
  for (const auto& l : j["layers"]) {
    if (l["name"] != "dashboard") {
      EXPECT_EQ(l["state"], "not-checked") << l.dump();
    }
  }

  auto human = run_cli({"doctor", "--address", url, "--check-timeout", "2s"});
  EXPECT_EQ(human.exit_code, 4);
  EXPECT_TRUE(contains(human.out, "DR301")) << human.out;
  EXPECT_TRUE(contains(human.out, "Broken: the dashboard layer")) << human.out;
  EXPECT_TRUE(contains(human.out, "fix: ")) << human.out;
}

}  // namespace
}  // namespace rayctl::cli::testing
