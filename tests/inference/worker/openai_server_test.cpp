// InferenceServer + OpenAiApi over real loopback sockets, on the tiny random-weight llama
// checkpoint (tests/fixtures/inference/tiny/tiny-llama-f32, 0.5 MB, so every request takes
// milliseconds): /health before and after loading, /v1/models, SSE chat chunks with usage,
// plain completions, 400s naming the field, and a client that disconnects mid-stream leaving
// no request or KV block behind (engine snapshot and /metrics). The 200-client version of the
// last check, on the real model, is tests/integration/inference_load/.
#include "inference/worker/inference_server.h"
#include "tests/inference/server/loopback_socket.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <thread>

namespace rayctl::inference {

namespace {

using nlohmann::json;

const std::string kModel = std::string(RAYCTL_TEST_DATA) + "/fixtures/inference/tiny/tiny-llama-f32";

int connect_to(int port) { return connect_loopback(port, 30); }

struct Reply {
  int status = 0;
  std::string head, body;  // body de-chunked
};

std::string request_text(const std::string& method, const std::string& path, const std::string& body) {
  return method + " " + path +
         " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\n" +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

Reply parse_reply(const std::string& raw) {
  Reply r;
  size_t he = raw.find("\r\n\r\n");
  if (he == std::string::npos || raw.size() < 12) return r;
  r.head = raw.substr(0, he);
  r.status = std::stoi(raw.substr(9, 3));
  std::string rest = raw.substr(he + 4);
  if (r.head.find("Transfer-Encoding: chunked") == std::string::npos) {
    r.body = rest;
    return r;
  }
  size_t at = 0;
  for (;;) {
    size_t le = rest.find("\r\n", at);
    if (le == std::string::npos) break;
    size_t n = std::stoul(rest.substr(at, le - at), nullptr, 16);
    if (n == 0) break;
    r.body += rest.substr(le + 2, n);
    at = le + 2 + n + 2;
  }
  return r;
}

Reply call(int port, const std::string& method, const std::string& path, const std::string& body = "") {
  int fd = connect_to(port);
  std::string req = request_text(method, path, body);
  EXPECT_EQ(::send(fd, req.data(), req.size(), MSG_NOSIGNAL), static_cast<ssize_t>(req.size()));
  std::string raw;
  char buf[8192];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) raw.append(buf, static_cast<size_t>(n));
  ::close(fd);
  return parse_reply(raw);
}

// SSE payloads ("data: X\n\n" → X).
std::vector<std::string> events(const std::string& body) {
  std::vector<std::string> out;
  size_t at = 0;
  for (size_t e; (e = body.find("\n\n", at)) != std::string::npos; at = e + 2) {
    std::string ev = body.substr(at, e - at);
    EXPECT_EQ(ev.rfind("data: ", 0), 0u) << ev;
    out.push_back(ev.substr(6));
  }
  EXPECT_EQ(at, body.size()) << "trailing bytes after the last event";
  return out;
}

double metric(const std::string& text, const std::string& name) {
  size_t at = text.find("\n" + name);
  if (at == std::string::npos) return -1;
  size_t eol = text.find('\n', at + 1);
  std::string line = text.substr(at + 1, eol - at - 1);
  return std::stod(line.substr(line.rfind(' ') + 1));
}

class OpenAiServer : public ::testing::Test {
 protected:
  void SetUp() override { restart(4, 256); }
  void restart(int max_seqs, int max_queued) {
    server_.reset();
    InferenceServerConfig c;
    c.model_path = kModel;
    c.model_id = "tiny";
    c.http.port = 0;
    c.engine.context = 256;
    c.engine.max_seqs = max_seqs;
    c.engine.max_queued = max_queued;
    c.backend.threads = 1;
    server_ = std::make_unique<InferenceServer>(c);
    server_->start();
  }
  int port() const { return server_->port(); }
  std::unique_ptr<InferenceServer> server_;
};

}  // namespace

TEST_F(OpenAiServer, HealthIs503UntilTheModelIsLoaded) {
  Reply r = call(port(), "GET", "/health");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(json::parse(r.body)["error"]["message"], "Loading model");
  server_->load();
  r = call(port(), "GET", "/health");
  EXPECT_EQ(r.status, 200);
  r = call(port(), "GET", "/v1/models");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(json::parse(r.body)["data"][0]["id"], "tiny");
}

TEST_F(OpenAiServer, StreamsChatChunksEndingInDoneWithUsage) {
  server_->load();
  json req = {{"messages", {{{"role", "user"}, {"content", "hello"}}}},
              {"max_tokens", 6},
              {"stream", true},
              {"temperature", 0},
              {"stream_options", {{"include_usage", true}}}};
  Reply r = call(port(), "POST", "/v1/chat/completions", req.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.head.find("Content-Type: text/event-stream"), std::string::npos);
  auto ev = events(r.body);
  ASSERT_GE(ev.size(), 4u);
  EXPECT_EQ(ev.back(), "[DONE]");
  std::string finish;
  json usage;
  for (size_t i = 0; i + 1 < ev.size(); ++i) {
    json c = json::parse(ev[i]);
    EXPECT_EQ(c["object"], "chat.completion.chunk");
    EXPECT_EQ(c["model"], "tiny");
    if (c.contains("usage")) {
      EXPECT_EQ(i, ev.size() - 2) << "usage is the last chunk";
      EXPECT_TRUE(c["choices"].empty());
      usage = c["usage"];
      continue;
    }
    ASSERT_EQ(c["choices"].size(), 1u);
    if (i == 0) {
      EXPECT_EQ(c["choices"][0]["delta"]["role"], "assistant");
    }
    if (!c["choices"][0]["finish_reason"].is_null()) finish = c["choices"][0]["finish_reason"];
  }
  EXPECT_TRUE(finish == "length" || finish == "stop") << finish;
  ASSERT_TRUE(usage.is_object());
  EXPECT_EQ(usage["total_tokens"], usage["prompt_tokens"].get<int>() + usage["completion_tokens"].get<int>());
  if (finish == "length") {
    EXPECT_EQ(usage["completion_tokens"], 6);
  }
}

TEST_F(OpenAiServer, CompletesTokenIdPrompts) {
  server_->load();
  Reply r = call(port(), "POST", "/v1/completions", R"({"prompt": [5, 6, 7], "max_tokens": 4, "temperature": 0})");
  ASSERT_EQ(r.status, 200) << r.body;
  json j = json::parse(r.body);
  EXPECT_EQ(j["object"], "text_completion");
  EXPECT_EQ(j["usage"]["prompt_tokens"], 3);
  EXPECT_LE(j["usage"]["completion_tokens"].get<int>(), 4);
  EXPECT_TRUE(j["choices"][0]["text"].is_string());
}

TEST_F(OpenAiServer, BadRequestsAre400sNamingTheField) {
  server_->load();
  struct Case {
    const char* path;
    std::string body;
    json param;
  };
  const std::string long_prompt = json(std::string(3000, 'x')).dump();
  const std::vector<Case> cases = {
      {"/v1/chat/completions", R"({"messages": [)", nullptr},
      {"/v1/chat/completions", R"({"messages": 3})", "messages"},
      {"/v1/chat/completions", R"({"messages": [{"role": "user", "content": "hi"}], "max_tokens": "ten"})",
       "max_tokens"},
      {"/v1/chat/completions", R"({"messages": [{"role": "user", "content": "hi"}], "temperature": "hot"})",
       "temperature"},
      {"/v1/chat/completions", R"({"messages": [{"role": "user", "content": "hi"}], "stream": true,
                                   "stream_options": {"include_usage": 1}})",
       "stream_options.include_usage"},
      {"/v1/chat/completions", R"({"messages": [{"role": "user", "content": )" + long_prompt + "}]}", "messages"},
      {"/v1/chat/completions", R"({"messages": [{"role": "user", "content": "hi"}], "max_tokens": 1000})",
       "max_tokens"},
      {"/v1/completions", R"({"prompt": )" + long_prompt + "}", "prompt"},
  };
  for (const auto& c : cases) {
    Reply r = call(port(), "POST", c.path, c.body);
    EXPECT_EQ(r.status, 400) << c.body;
    json e = json::parse(r.body, nullptr, false);
    ASSERT_TRUE(e.contains("error")) << r.body;
    EXPECT_EQ(e["error"]["type"], "invalid_request_error");
    EXPECT_EQ(e["error"]["param"], c.param) << e["error"]["message"];
  }
}

TEST_F(OpenAiServer, DisconnectMidStreamLeavesNothingBehind) {
  server_->load();
  for (int i = 0; i < 6; ++i) {
    int fd = connect_to(port());
    json req = {{"prompt", {1, 2, 3, 4}}, {"max_tokens", 240}, {"ignore_eos", true}, {"stream", true}};
    std::string text = request_text("POST", "/v1/completions", req.dump());
    ASSERT_EQ(::send(fd, text.data(), text.size(), MSG_NOSIGNAL), static_cast<ssize_t>(text.size()));
    char buf[512];
    ASSERT_GT(::recv(fd, buf, sizeof buf, 0), 0);  // the headers: the request is in the engine
    if (i % 2) {
      linger lg{1, 0};  // reset instead of FIN
      setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    }
    ::close(fd);
  }
  EngineSnapshot s;
  for (int i = 0; i < 2000; ++i) {  // up to 20 s (sanitizer builds); idle in milliseconds normally
    s = server_->engine().snapshot();
    if (s.running == 0 && s.waiting == 0 && s.kv_blocks_used == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(s.running, 0);
  EXPECT_EQ(s.waiting, 0);
  EXPECT_EQ(s.kv_blocks_used, 0);
  Reply m = call(port(), "GET", "/metrics");
  EXPECT_EQ(metric(m.body, "vllm:num_requests_running"), 0);
  EXPECT_EQ(metric(m.body, "vllm:kv_cache_usage_perc"), 0);
  EXPECT_EQ(metric(m.body, "rayctl:http_connections_open"), 1);  // this scrape
}

// One slot, one place in the queue, eight long requests at once: the surplus gets 503s in the
// OpenAI error shape (stream or not), before any stream starts; the accepted ones complete.
// --max-queued 0: nothing may wait, but a free slot still takes a request.
TEST_F(OpenAiServer, NoQueueStillServesFreeSlots) {
  restart(1, 0);
  server_->load();
  json req = {{"prompt", "hi"}, {"max_tokens", 3}, {"temperature", 0}};
  Reply r = call(port(), "POST", "/v1/completions", req.dump());
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(OpenAiServer, FullQueueIs503) {
  restart(1, 1);
  server_->load();
  std::vector<std::thread> clients;
  std::vector<Reply> replies(8);
  for (size_t i = 0; i < replies.size(); ++i) {
    clients.emplace_back([&, i] {
      json req = {{"prompt", {1, 2, 3}}, {"max_tokens", 240}, {"ignore_eos", true}, {"stream", i % 2 == 0}};
      replies[i] = call(port(), "POST", "/v1/completions", req.dump());
    });
  }
  for (auto& t : clients) t.join();
  int ok = 0, busy = 0;
  for (const Reply& r : replies) {
    if (r.status == 200) {
      ++ok;
      continue;
    }
    ASSERT_EQ(r.status, 503) << r.body;
    ++busy;
    json e = json::parse(r.body);
    EXPECT_EQ(e["error"]["type"], "service_unavailable_error");
    EXPECT_NE(e["error"]["message"].get<std::string>().find("--max-queued 1"), std::string::npos);
  }
  EXPECT_GE(ok, 1);
  EXPECT_GE(busy, 1);
}

}  // namespace rayctl::inference
