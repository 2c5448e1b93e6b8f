// The API's guards over real loopback sockets, on the tiny llama checkpoint: a request without
// the API key is answered 401 before its body is read (a client cannot make the server buffer
// megabytes unauthenticated), /metrics follows the key unless metrics_without_key, and a huge
// /tokenize is worked on off the HTTP thread while /health keeps answering.
#include "inference/worker/inference_server.h"
#include "tests/inference/server/loopback_socket.h"

#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

namespace rayctl::inference {

namespace {

using Clock = std::chrono::steady_clock;

const std::string kModel = std::string(RAYCTL_TEST_DATA) + "/fixtures/inference/tiny/tiny-llama-f32";

std::unique_ptr<InferenceServer> start_server(const std::string& key, bool metrics_without_key) {
  InferenceServerConfig c;
  c.model_path = kModel;
  c.model_id = "tiny";
  c.http.port = 0;
  c.engine.context = 256;
  c.backend.threads = 1;
  c.api_key = key;
  c.metrics_without_key = metrics_without_key;
  auto s = std::make_unique<InferenceServer>(c);
  s->start();
  s->load();
  return s;
}

// Sends `head` (and `body`) on a new connection; the whole reply, read until EOF or timeout_s.
std::string exchange(int port, const std::string& head, const std::string& body = "", int timeout_s = 10) {
  const int fd = connect_loopback(port, timeout_s);
  const std::string req = head + body;
  EXPECT_EQ(::send(fd, req.data(), req.size(), MSG_NOSIGNAL), static_cast<ssize_t>(req.size()));
  std::string got;
  char buf[8192];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) got.append(buf, static_cast<size_t>(n));
  ::close(fd);
  return got;
}

std::string get(const std::string& path, const std::string& auth = "") {
  return "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" +
         (auth.empty() ? "" : "Authorization: Bearer " + auth + "\r\n") + "\r\n";
}

std::string post_head(const std::string& path, size_t length, const std::string& auth = "") {
  return "POST " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\n" +
         (auth.empty() ? "" : "Authorization: Bearer " + auth + "\r\n") + "Content-Length: " + std::to_string(length) +
         "\r\n\r\n";
}

std::string status_line(const std::string& r) { return r.substr(0, r.find("\r\n")); }

}  // namespace

// Only the head of a 12 MB POST is sent: the 401 must come without waiting for the body (the
// server used to wait up to its 60 s body deadline, buffering whatever arrived).
TEST(OpenAiServerGuards, MissingKeyIs401BeforeTheBodyIsRead) {
  auto server = start_server("sekrit", false);
  const auto t0 = Clock::now();
  const std::string r = exchange(server->port(), post_head("/v1/completions", 12u << 20), "", 5);
  EXPECT_EQ(status_line(r), "HTTP/1.1 401 Unauthorized") << r;
  EXPECT_NE(r.find("WWW-Authenticate: Bearer"), std::string::npos);
  EXPECT_LT(Clock::now() - t0, std::chrono::seconds(2));
  EXPECT_EQ(status_line(exchange(server->port(), post_head("/tokenize", 12u << 20, "wrong"), "", 5)),
            "HTTP/1.1 401 Unauthorized");
  // With the key, the same route reads its body and answers.
  const std::string body = R"({"prompt": "hello"})";
  EXPECT_EQ(status_line(exchange(server->port(), post_head("/tokenize", body.size(), "sekrit"), body)),
            "HTTP/1.1 200 OK");
}

TEST(OpenAiServerGuards, MetricsFollowTheKeyUnlessExposed) {
  auto server = start_server("sekrit", false);
  EXPECT_EQ(status_line(exchange(server->port(), get("/metrics"))), "HTTP/1.1 401 Unauthorized");
  const std::string ok = exchange(server->port(), get("/metrics", "sekrit"));
  EXPECT_EQ(status_line(ok), "HTTP/1.1 200 OK");
  EXPECT_NE(ok.find("vllm:num_requests_running"), std::string::npos);
  EXPECT_EQ(status_line(exchange(server->port(), get("/health"))), "HTTP/1.1 200 OK");  // never needs it

  auto exposed = start_server("sekrit", true);
  EXPECT_EQ(status_line(exchange(exposed->port(), get("/metrics"))), "HTTP/1.1 200 OK");
  EXPECT_EQ(status_line(exchange(exposed->port(), get("/v1/models"))), "HTTP/1.1 401 Unauthorized");

  auto open = start_server("", false);
  EXPECT_EQ(status_line(exchange(open->port(), get("/metrics"))), "HTTP/1.1 200 OK");
}

TEST(OpenAiServerGuards, ChunkedBodyIs411AndHugeHeadIs431) {
  auto server = start_server("", false);
  EXPECT_EQ(status_line(exchange(server->port(),
                                 "POST /v1/completions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
                                 "chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")),
            "HTTP/1.1 411 Length Required");
  EXPECT_EQ(status_line(exchange(server->port(), "GET /health HTTP/1.1\r\nX: " + std::string(70000, 'a') + "\r\n\r\n")),
            "HTTP/1.1 431 Request Header Fields Too Large");
}

// Tokenizing a 15 MB prompt takes seconds; it used to run on the HTTP thread, so /health (and
// every stream) waited for it.
TEST(OpenAiServerGuards, HealthAnswersWhileAHugeTokenizeRuns) {
  auto server = start_server("", false);
  std::string prompt;
  for (int i = 0; prompt.size() < (15u << 20); ++i) prompt += "lorem" + std::to_string(i % 50000) + " ipsum, ";
  const std::string body = R"({"prompt": ")" + prompt + R"("})";
  const int port = server->port();
  const auto start = Clock::now();
  auto tokenize =
      std::async(std::launch::async, [&] { return exchange(port, post_head("/tokenize", body.size()), body, 120); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the body is in, tokenizing has begun
  int during = 0;
  auto slowest = Clock::duration::zero();
  while (tokenize.wait_for(std::chrono::milliseconds(0)) != std::future_status::ready) {
    const auto t0 = Clock::now();
    const std::string r = exchange(port, get("/health"), "", 5);
    const auto took = Clock::now() - t0;
    if (tokenize.wait_for(std::chrono::milliseconds(0)) == std::future_status::ready) break;
    EXPECT_EQ(status_line(r), "HTTP/1.1 200 OK");
    slowest = std::max(slowest, took);
    ++during;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(status_line(tokenize.get()), "HTTP/1.1 200 OK");
  EXPECT_GT(during, 0) << "the tokenize call ended before /health was asked: make the prompt bigger";
  EXPECT_LT(slowest, std::chrono::seconds(1)) << during << " /health calls during the tokenize, which took "
                                              << std::chrono::duration<double>(Clock::now() - start).count() << " s";
}

}  // namespace rayctl::inference
