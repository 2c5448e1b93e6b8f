// HttpServer over real loopback sockets: whole and chunked responses, keep-alive with
// pipelining, bad requests, and the on_close notification when a client disconnects
// mid-stream.
#include "inference/server/http_server.h"
#include "tests/inference/server/loopback_socket.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace rayctl::inference {

namespace {

int connect_to(int port) { return connect_loopback(port, 5); }

void send_all(int fd, const std::string& s) {
  ASSERT_EQ(::send(fd, s.data(), s.size(), 0), static_cast<ssize_t>(s.size()));
}

// Reads until `needle` has been seen `times` times, or EOF / timeout.
std::string read_until(int fd, const std::string& needle, int times = 1) {
  std::string got;
  char buf[4096];
  for (;;) {
    int seen = 0;
    for (size_t at = got.find(needle); at != std::string::npos; at = got.find(needle, at + 1)) ++seen;
    if (seen >= times) return got;
    ssize_t r = ::recv(fd, buf, sizeof buf, 0);
    if (r <= 0) return got;
    got.append(buf, static_cast<size_t>(r));
  }
}

struct Fixture {
  std::shared_ptr<HttpResponder> held;
  std::atomic<int> closes{0};
  std::unique_ptr<HttpServer> server;
  Fixture() {
    HttpServerOptions o;
    o.port = 0;
    server = std::make_unique<HttpServer>(o, [this](const HttpRequest& req, std::shared_ptr<HttpResponder> r) {
      if (req.path == "/echo") return r->send(200, "text/plain", req.method + " " + req.body);
      if (req.path == "/stream") {
        r->start_stream(200, "text/event-stream");
        r->write("data: one\n\n");
        r->on_close([this] { ++closes; });
        held = r;
        return;
      }
      r->send(404, "text/plain", "nope");
    });
    server->start();
  }
};

}  // namespace

TEST(HttpServer, AnswersAndKeepsTheConnectionAlive) {
  Fixture f;
  int fd = connect_to(f.server->port());
  send_all(fd, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloGET /echo HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string got = read_until(fd, "GET ");
  EXPECT_NE(got.find("HTTP/1.1 200 OK"), std::string::npos);
  EXPECT_NE(got.find("Content-Length: 10\r\n"), std::string::npos);
  EXPECT_NE(got.find("POST hello"), std::string::npos);
  EXPECT_NE(got.find("Connection: keep-alive"), std::string::npos);
  ::close(fd);
}

TEST(HttpServer, RejectsMalformedRequests) {
  Fixture f;
  int fd = connect_to(f.server->port());
  send_all(fd, "NONSENSE\r\n\r\n");
  std::string got = read_until(fd, "}}");
  EXPECT_NE(got.find("400 Bad Request"), std::string::npos);
  ::close(fd);
  fd = connect_to(f.server->port());
  send_all(fd, "POST /echo HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n");
  EXPECT_NE(read_until(fd, "}}").find("413"), std::string::npos);
  ::close(fd);
}

TEST(HttpServer, StreamsChunksAndNoticesDisconnect) {
  Fixture f;
  int fd = connect_to(f.server->port());
  send_all(fd, "GET /stream HTTP/1.1\r\n\r\n");
  std::string got = read_until(fd, "data: one");
  EXPECT_NE(got.find("Transfer-Encoding: chunked"), std::string::npos);
  ASSERT_TRUE(f.held);
  f.held->write("data: two\n\n");
  got = read_until(fd, "data: two");
  EXPECT_NE(got.find("b\r\ndata: two\n\n\r\n"), std::string::npos);
  EXPECT_EQ(f.closes.load(), 0);
  ::close(fd);  // client goes away mid-stream
  for (int i = 0; i < 200 && f.closes.load() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(f.closes.load(), 1);
  EXPECT_TRUE(f.held->closed());
  f.held->write("ignored");  // harmless after close
  f.held->end();
  for (int i = 0; i < 200 && f.server->open_connections() != 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(f.server->open_connections(), 0);
}

TEST(HttpServer, EndedStreamTerminatesChunkedBody) {
  Fixture f;
  int fd = connect_to(f.server->port());
  send_all(fd, "GET /stream HTTP/1.1\r\n\r\n");
  read_until(fd, "data: one");
  f.held->end();
  std::string got = read_until(fd, "0\r\n\r\n");
  EXPECT_NE(got.find("0\r\n\r\n"), std::string::npos);
  ::close(fd);
  EXPECT_EQ(f.closes.load(), 0);  // ended normally: no cancel
}

TEST(HttpServer, ReportsAPortInUse) {
  Fixture f;
  HttpServerOptions o;
  o.port = f.server->port();
  HttpServer second(o, [](const HttpRequest&, std::shared_ptr<HttpResponder>) {});
  EXPECT_ANY_THROW(second.start());
}

}  // namespace rayctl::inference
