// DashboardClient without a Ray: how HTTP statuses become errors, address/token resolution,
// and a real connection refused on a closed loopback port (the integration test covers the
// real dashboard).
#include "serve/dashboard_address.h"
#include "serve/dashboard_client.h"

#include "core/error.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

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
  return [m](const std::string& k) { auto it = m.find(k); return it == m.end() ? std::string() : it->second; };
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
  HttpClient http;
  DashboardEndpoint ep;
  ep.url = "http://127.0.0.1:" + std::to_string(port);
  DashboardClient c(ep, http);
  try {
    c.serve_details();
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Network);
    EXPECT_EQ(exit_code_for(e.kind()), ExitCode::Unreachable);
    EXPECT_NE(e.hint().find("--dashboard-host"), std::string::npos);
  }
}
