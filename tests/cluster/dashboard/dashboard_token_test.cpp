// Which dashboards get Ray's local token (~/.ray/auth_token) after a 401: a loopback HTTP
// server records the Authorization header of every request. A remote dashboard is simulated
// by a transport that names a remote URL but delivers to the loopback server (no traffic ever
// leaves loopback).
#include "cluster/dashboard/dashboard_address.h"
#include "cluster/dashboard/dashboard_client.h"

#include "core/error.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

namespace rayctl {
namespace {

// A dashboard on 127.0.0.1 that wants "Bearer tok-local": 401 without it, 200 with it.
class TokenRecordingServer {
 public:
  TokenRecordingServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    ::listen(fd_, 16);
    thread_ = std::thread([this] { serve(); });
  }
  ~TokenRecordingServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // The Authorization header of each request ("" when absent), in order.
  std::vector<std::string> authorizations() {
    std::lock_guard<std::mutex> g(mu_);
    return auth_;
  }

 private:
  void serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      std::string req;
      char buf[4096];
      while (req.find("\r\n\r\n") == std::string::npos) {
        ssize_t n = ::read(c, buf, sizeof buf);
        if (n <= 0) break;
        req.append(buf, n);
      }
      std::string auth;
      if (auto at = req.find("\r\nAuthorization: "); at != std::string::npos) {
        at += 17;
        auth = req.substr(at, req.find("\r\n", at) - at);
      }
      {
        std::lock_guard<std::mutex> g(mu_);
        auth_.push_back(auth);
      }
      bool ok = auth == "Bearer tok-local";
      std::string body = ok ? R"({"applications":{}})" : R"({"error":"unauthorized"})";
      std::string resp =
          std::string(ok ? "HTTP/1.1 200 OK" : "HTTP/1.1 401 Unauthorized") +
          "\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " + std::to_string(body.size()) +
          "\r\n\r\n" + body;
      (void)!::write(c, resp.data(), resp.size());
      ::close(c);
    }
  }
  int fd_ = -1, port_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<std::string> auth_;
  std::thread thread_;
};

// Delivers to the loopback server but says it is `claimed_url` (what the client decides on).
class ClaimedUrlTransport : public DashboardTransport {
 public:
  ClaimedUrlTransport(std::string real, std::string claimed)
      : real_(direct_dashboard(real)), claimed_(std::move(claimed)) {}
  HttpResponse send(HttpRequest req) override { return real_->send(std::move(req)); }
  std::string url() const override { return claimed_; }
  std::string route() const override { return "direct"; }

 private:
  std::unique_ptr<DashboardTransport> real_;
  std::string claimed_;
};

// HOME pointing at a directory whose .ray/auth_token holds "tok-local".
class LocalRayToken : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = std::filesystem::temp_directory_path() / ("rayctl-token-" + std::to_string(getpid()));
    std::filesystem::create_directories(home_ / ".ray");
    std::ofstream(home_ / ".ray" / "auth_token") << "tok-local\n";
    const char* h = std::getenv("HOME");
    old_home_ = h ? h : "";
    setenv("HOME", home_.c_str(), 1);
  }
  void TearDown() override {
    setenv("HOME", old_home_.c_str(), 1);
    std::filesystem::remove_all(home_);
  }
  std::filesystem::path home_;
  std::string old_home_;
};

TEST_F(LocalRayToken, ALoopbackDashboardGetsTheLocalTokenAfterA401) {
  TokenRecordingServer server;
  auto transport = direct_dashboard(server.url());
  DashboardClient c(DashboardEndpoint{}, *transport);
  EXPECT_NO_THROW(c.serve_details());
  EXPECT_EQ(server.authorizations(), (std::vector<std::string>{"", "Bearer tok-local"}));
}

TEST_F(LocalRayToken, ARemotePlainHttpDashboardNeverGetsTheLocalToken) {
  TokenRecordingServer server;
  ClaimedUrlTransport transport(server.url(), "http://10.255.0.1:8265");
  DashboardClient c(DashboardEndpoint{}, transport);
  try {
    c.serve_details();
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Auth) << e.what();
  }
  for (const auto& a : server.authorizations()) EXPECT_EQ(a, "") << "the local token went to a remote host";
}

TEST_F(LocalRayToken, RAYCTL_SEND_LOCAL_TOKENForcesItToARemoteDashboard) {
  TokenRecordingServer server;
  ClaimedUrlTransport transport(server.url(), "http://10.255.0.1:8265");
  DashboardEndpoint ep =
      resolve_dashboard_address({}, [](const std::string& k) { return k == "RAYCTL_SEND_LOCAL_TOKEN" ? "1" : ""; });
  ep.url.clear();
  DashboardClient c(ep, transport);
  EXPECT_NO_THROW(c.serve_details());
  EXPECT_EQ(server.authorizations(), (std::vector<std::string>{"", "Bearer tok-local"}));
}

TEST(DashboardLocalToken, OnlyLoopbackAddressesUnlessForced) {
  for (const char* url : {"http://127.0.0.1:8265", "http://localhost:8265", "https://LOCALHOST", "http://[::1]:8265",
                          "http://127.3.4.5:1/x"})
    EXPECT_TRUE(may_send_local_ray_token(url, false)) << url;
  for (const char* url : {"http://10.0.0.5:8265", "https://head.example.com:8265", "http://127.evil.example:8265",
                          "http://127.0.0.1.nip.io:8265", "http://user@10.0.0.5:8265", "http://[fe80::1]:8265"})
    EXPECT_FALSE(may_send_local_ray_token(url, false)) << url;
  EXPECT_TRUE(may_send_local_ray_token("http://10.0.0.5:8265", true));
}

}  // namespace
}  // namespace rayctl
