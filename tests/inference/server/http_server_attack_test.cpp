// HttpServer under hostile clients, over real loopback sockets: a flood of pipelined requests in
// one write, request-smuggling forms (duplicate Content-Length, whitespace before the colon,
// Transfer-Encoding), header size and count limits, and hundreds of slow clients against a
// connection cap derived from RLIMIT_NOFILE while a well-behaved client still gets answers.
// Every case here crashed, hung or was answered wrongly by the server before issue #12's fix.
#include "inference/server/http_server.h"
#include "tests/inference/server/loopback_socket.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <thread>
#include <vector>

namespace rayctl::inference {

namespace {

using Clock = std::chrono::steady_clock;

std::unique_ptr<HttpServer> echo_server(HttpServerOptions o = {}) {
  o.port = 0;
  auto s = std::make_unique<HttpServer>(o, [](const HttpRequest& req, std::shared_ptr<HttpResponder> r) {
    r->send(200, "text/plain", req.method + " " + req.path + " " + req.body);
  });
  s->start();
  return s;
}

size_t count(const std::string& hay, const std::string& needle) {
  size_t n = 0;
  for (size_t at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + 1)) ++n;
  return n;
}

// Sends `req` on a fresh connection and returns everything read until EOF or the timeout.
std::string exchange(int port, const std::string& req, int timeout_s = 3) {
  int fd = connect_loopback(port, timeout_s);
  EXPECT_EQ(::send(fd, req.data(), req.size(), MSG_NOSIGNAL), static_cast<ssize_t>(req.size()));
  std::string got;
  char buf[4096];
  for (ssize_t r; (r = ::recv(fd, buf, sizeof buf, 0)) > 0;) got.append(buf, static_cast<size_t>(r));
  ::close(fd);
  return got;
}

std::string status_line(const std::string& response) { return response.substr(0, response.find("\r\n")); }

}  // namespace

TEST(HttpServerAttack, PipelinedFloodInOneWriteIsAnsweredInOrder) {
  auto server = echo_server();
  constexpr int kGets = 60000;
  std::string flood = "POST /first HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi";
  for (int i = 0; i < kGets; ++i) flood += "GET /health HTTP/1.1\r\n\r\n";
  flood += "GET /last HTTP/1.1\r\nConnection: close\r\n\r\n";
  int fd = connect_loopback(server->port(), 10);
  std::thread writer([&] {
    size_t off = 0;
    while (off < flood.size()) {
      ssize_t w = ::send(fd, flood.data() + off, flood.size() - off, MSG_NOSIGNAL);
      if (w <= 0) return;
      off += static_cast<size_t>(w);
    }
  });
  std::string got;
  char buf[65536];
  for (ssize_t r; (r = ::recv(fd, buf, sizeof buf, 0)) > 0;) got.append(buf, static_cast<size_t>(r));
  writer.join();
  ::close(fd);
  EXPECT_EQ(count(got, "HTTP/1.1 200 OK"), static_cast<size_t>(kGets + 2));
  EXPECT_LT(got.find("POST /first hi"), got.find("GET /health"));
  EXPECT_NE(got.find("GET /last"), std::string::npos);
}

TEST(HttpServerAttack, ConflictingContentLengthsAre400) {
  auto server = echo_server();
  std::string got = exchange(server->port(),
                             "POST /a HTTP/1.1\r\nContent-Length: 0\r\nContent-Length: 26\r\n\r\n"
                             "GET /smuggled HTTP/1.1\r\n\r\n");
  EXPECT_EQ(status_line(got), "HTTP/1.1 400 Bad Request") << got;
  EXPECT_EQ(got.find("/smuggled"), std::string::npos) << got;
}

TEST(HttpServerAttack, WhitespaceBeforeColonIs400) {
  auto server = echo_server();
  std::string got =
      exchange(server->port(), "POST /a HTTP/1.1\r\nContent-Length : 26\r\n\r\nGET /smuggled HTTP/1.1\r\n\r\n");
  EXPECT_EQ(status_line(got), "HTTP/1.1 400 Bad Request") << got;
  EXPECT_EQ(got.find("/smuggled"), std::string::npos) << got;
}

TEST(HttpServerAttack, TransferEncodingWithContentLengthIs400) {
  auto server = echo_server();
  std::string got = exchange(server->port(),
                             "POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n"
                             "0\r\n\r\n");
  EXPECT_EQ(status_line(got), "HTTP/1.1 400 Bad Request") << got;
}

TEST(HttpServerAttack, ChunkedBodyAlone411AndObsFold400AndBadDigits400) {
  auto server = echo_server();
  EXPECT_EQ(status_line(exchange(server->port(), "POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")),
            "HTTP/1.1 411 Length Required");
  EXPECT_EQ(status_line(exchange(server->port(), "GET /a HTTP/1.1\r\nX-A: 1\r\n  folded\r\n\r\n")),
            "HTTP/1.1 400 Bad Request");
  EXPECT_EQ(status_line(exchange(server->port(), "POST /a HTTP/1.1\r\nContent-Length: +5\r\n\r\nhello")),
            "HTTP/1.1 400 Bad Request");
  EXPECT_EQ(status_line(exchange(server->port(), "POST /a HTTP/1.1\r\nContent-Length: 5, 5\r\n\r\nhello")),
            "HTTP/1.1 400 Bad Request");
  EXPECT_EQ(status_line(exchange(server->port(), "GET /a HTTP/1.1\nHost: x\n\n")), "HTTP/1.1 400 Bad Request");
}

TEST(HttpServerAttack, OversizedHeadIs431) {
  auto server = echo_server();
  std::string big = "GET /a HTTP/1.1\r\nX-Big: " + std::string(70000, 'a') + "\r\n\r\n";
  EXPECT_EQ(status_line(exchange(server->port(), big)), "HTTP/1.1 431 Request Header Fields Too Large");
}

// Under a low descriptor limit, more slow clients than descriptors: the server neither spins
// nor stops accepting, and a well-behaved request is still answered quickly.
TEST(HttpServerAttack, SlowClientsBeyondTheDescriptorLimitDoNotLockOutOthers) {
  rlimit old{};
  getrlimit(RLIMIT_NOFILE, &old);
  rlimit low = old;
  low.rlim_cur = 256;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  auto server = echo_server();
  // The attackers' sockets count against the same limit in this process: hold them in a child.
  const int port = server->port();
  pid_t child = fork();
  if (child == 0) {
    rlimit hi = old;
    setrlimit(RLIMIT_NOFILE, &hi);
    std::vector<int> fds;
    for (int i = 0; i < 300; ++i) {
      int fd = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_port = htons(static_cast<uint16_t>(port));
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) ::send(fd, "GET /he", 7, MSG_NOSIGNAL);
      fds.push_back(fd);
    }
    ::sleep(8);
    _exit(0);
  }
  std::this_thread::sleep_for(std::chrono::seconds(1));
  rusage before{};
  getrusage(RUSAGE_SELF, &before);
  const auto t0 = Clock::now();
  std::string got = exchange(port, "GET /health HTTP/1.1\r\nConnection: close\r\n\r\n", 2);
  const double waited = std::chrono::duration<double>(Clock::now() - t0).count();
  std::this_thread::sleep_for(std::chrono::seconds(2));
  rusage after{};
  getrusage(RUSAGE_SELF, &after);
  const double cpu =
      (after.ru_utime.tv_sec - before.ru_utime.tv_sec) + (after.ru_utime.tv_usec - before.ru_utime.tv_usec) / 1e6 +
      (after.ru_stime.tv_sec - before.ru_stime.tv_sec) + (after.ru_stime.tv_usec - before.ru_stime.tv_usec) / 1e6;
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  setrlimit(RLIMIT_NOFILE, &old);
  EXPECT_EQ(status_line(got), "HTTP/1.1 200 OK") << got;
  EXPECT_LT(waited, 1.0);
  EXPECT_LT(cpu, 1.0) << "the server spun for " << cpu << " s of CPU in ~2 s";
}

}  // namespace rayctl::inference
