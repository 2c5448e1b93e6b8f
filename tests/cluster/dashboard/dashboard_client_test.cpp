// DashboardClient without a Ray: how HTTP statuses become errors, address/token resolution,
// how a launcher cluster's dashboard route is picked from rayctl's state, and a real connection
// refused on a closed loopback port (the integration tests cover the real dashboard).
#include "cluster/dashboard/dashboard_client.h"
#include "cluster/dashboard/dashboard_address.h"

#include "cluster/launcher/ssh_cluster.h"
#include "core/error.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>

using namespace rayctl;

namespace {
Error status_error(long status, const std::string& body) {
  try {
    throw_dashboard_status("PUT /api/serve/applications/", status, body, "http://127.0.0.1:8265");
  } catch (const Error& e) {
    return e;
  }
  return Error(ErrorKind::Internal, "none");
}
EnvLookup env_of(std::map<std::string, std::string> m) {
  return [m](const std::string& k) {
    auto it = m.find(k);
    return it == m.end() ? std::string() : it->second;
  };
}
}  // namespace

TEST(DashboardStatus, MapsStatusesToKindsWithServerMessage) {
  EXPECT_EQ(status_error(401, "").kind(), ErrorKind::Auth);
  EXPECT_EQ(status_error(404, "").kind(), ErrorKind::NotFound);
  auto e = status_error(500, "Traceback (most recent call last):\n  File x\nValueError: bad thing");
  EXPECT_EQ(e.kind(), ErrorKind::Remote);
  EXPECT_NE(e.message().find("ValueError: bad thing"), std::string::npos);
  EXPECT_NE(status_error(501, "").hint().find("ray[serve]"), std::string::npos);
  EXPECT_EQ(status_error(400, "oops").kind(), ErrorKind::Invalid);
}

TEST(DashboardAddress, FlagThenEnvThenDefault) {
  DashboardAddressOptions o;
  EXPECT_EQ(resolve_dashboard_address(o, env_of({})).url, "http://127.0.0.1:8265");
  EXPECT_EQ(resolve_dashboard_address(o, env_of({{"RAY_DASHBOARD_ADDRESS", "h:1/"}})).url, "http://h:1");
  o.address = "https://x:2";
  EXPECT_EQ(resolve_dashboard_address(o, env_of({{"RAY_DASHBOARD_ADDRESS", "h:1"}})).url, "https://x:2");
  EXPECT_THROW(normalize_dashboard_url("ray://h:10001"), Error);
}

TEST(DashboardAddress, TokenOrder) {
  EXPECT_EQ(resolve_dashboard_token("", env_of({{"RAY_AUTH_TOKEN", "t1"}})), "t1");
  EXPECT_EQ(resolve_dashboard_token("", env_of({})), "");
  EXPECT_THROW(resolve_dashboard_token("/nonexistent/token", env_of({{"RAY_AUTH_TOKEN", "t1"}})), Error);
}

TEST(DashboardClient, ConnectionRefusedIsNetworkErrorWithDashboardHostHint) {
  // A port that was just free: bind, read the number, close.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  int port = ntohs(a.sin_port);
  close(fd);
  auto transport = direct_dashboard("http://127.0.0.1:" + std::to_string(port));
  DashboardClient c(DashboardEndpoint{}, *transport);
  try {
    c.serve_details();
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Network);
    EXPECT_EQ(exit_code_for(e.kind()), ExitCode::Unreachable);
    EXPECT_NE(e.hint().find("--dashboard-host"), std::string::npos);
  }
}

namespace {
ClusterTarget target_with_head(const std::string& host, bool local) {
  ClusterTarget t;
  t.name = "c1";
  LauncherNode head;
  head.name = "head";
  head.host = host;
  head.is_head = true;
  head.is_local = local;
  t.nodes.push_back(head);
  return t;
}
ClusterRecord record_with_dashboard(int port, bool local_only) {
  ClusterRecord r;
  r.name = "c1";
  r.dashboard_port = port;
  r.dashboard_local_only = local_only;
  return r;
}
}  // namespace

// The route for a cluster whose recorded head is `host` with the dashboard on `port`.
ClusterDashboardRoute recorded_route(const std::string& host, bool local, int port, bool local_only) {
  auto t = target_with_head(host, local);
  t.record = record_with_dashboard(port, local_only);
  return cluster_dashboard_route(t);
}

TEST(ClusterDashboardRoute, FromTheRecordedHeadAndDashboardBinding) {
  auto local = recorded_route("127.0.0.1", true, 8295, true);  // this machine: always direct
  EXPECT_EQ(local.direct_url, "http://127.0.0.1:8295");
  EXPECT_FALSE(local.ssh_fallback);

  auto loopback = recorded_route("192.168.231.11", false, 8265, true);  // Ray's default binding
  EXPECT_EQ(loopback.direct_url, "");
  EXPECT_TRUE(loopback.ssh_fallback);
  EXPECT_EQ(loopback.dashboard_port, 8265);
  EXPECT_EQ(loopback.head, "head");

  auto routable = recorded_route("10.0.0.5", false, 8266, false);  // direct first, then SSH
  EXPECT_EQ(routable.direct_url, "http://10.0.0.5:8266");
  EXPECT_TRUE(routable.ssh_fallback);
  EXPECT_EQ(recorded_route("fd00::5", false, 8265, false).direct_url, "http://[fd00::5]:8265");
}

TEST(ClusterDashboardRoute, WithoutARecordTheHeadStartCommandDecides) {
  auto t = target_with_head("10.0.0.5", false);
  t.nodes[0].start_ray_commands = {"ray start --head --dashboard-host=0.0.0.0 --dashboard-port=9000"};
  EXPECT_EQ(cluster_dashboard_route(t).direct_url, "http://10.0.0.5:9000");
  t.nodes[0].start_ray_commands = {"ray start --head --dashboard-port=9000"};  // Ray's default: loopback
  auto r = cluster_dashboard_route(t);
  EXPECT_EQ(r.direct_url, "");
  EXPECT_EQ(r.dashboard_port, 9000);
}
