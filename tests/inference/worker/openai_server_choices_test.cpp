// The OpenAI features past one greedy choice, over real loopback sockets on the tiny llama
// checkpoint: n choices (buffered and streamed, each chunk naming its index), logprobs in both
// endpoints' shapes checked against each other and against the choice's tokens, logit_bias
// steering greedy output, and automatic prefix caching (the second request with a shared
// prefix reads it from the cache: /metrics counts the hits, and the output is the same as
// without the cache).
#include "inference/worker/inference_server.h"
#include "tests/inference/server/loopback_http.h"

#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>

namespace rayctl::inference {

namespace {

using nlohmann::json;

const std::string kModel = std::string(RAYCTL_TEST_DATA) + "/fixtures/inference/tiny/tiny-llama-f32";

// POST body to path; returns (status, body) with the body de-chunked.
std::pair<int, std::string> post(int port, const std::string& path, const json& body) {
  return loopback_http(port, "POST", path, body.dump());
}

std::string get_metrics(int port) { return loopback_http(port, "GET", "/metrics").second; }

double metric(const std::string& text, const std::string& name) {
  const size_t at = text.find("\n" + name);
  if (at == std::string::npos) return -1;
  const size_t eol = text.find('\n', at + 1);
  const std::string line = text.substr(at + 1, eol - at - 1);
  return std::stod(line.substr(line.rfind(' ') + 1));
}

// Bytes as JSON carries them: each invalid UTF-8 byte replaced by U+FFFD.
std::string lossy(const std::string& bytes) {
  return json::parse(json(bytes).dump(-1, ' ', false, json::error_handler_t::replace)).get<std::string>();
}

class OpenAiChoices : public ::testing::Test {
 protected:
  void start(bool prefix_caching) {
    InferenceServerConfig c;
    c.model_path = kModel;
    c.model_id = "tiny";
    c.http.port = 0;
    c.engine.context = 256;
    c.engine.max_seqs = 4;
    c.engine.prefix_caching = prefix_caching;
    c.backend.threads = 1;
    server_ = std::make_unique<InferenceServer>(c);
    server_->start();
    server_->load();
  }
  int port() const { return server_->port(); }
  std::unique_ptr<InferenceServer> server_;
};

const json kChat = {{"messages", {{{"role", "user"}, {"content", "tell me a story about a cat"}}}}};

}  // namespace

TEST_F(OpenAiChoices, NChoicesComeBackIndexedWithTheirOwnLogprobs) {
  start(true);
  json req = kChat;
  req["n"] = 3;
  req["max_tokens"] = 8;
  req["temperature"] = 1.0;
  req["seed"] = 5;
  req["logprobs"] = true;
  req["top_logprobs"] = 2;
  auto [status, body] = post(port(), "/v1/chat/completions", req);
  ASSERT_EQ(status, 200) << body;
  const json j = json::parse(body);
  ASSERT_EQ(j["choices"].size(), 3u);
  int completion = 0;
  for (int i = 0; i < 3; ++i) {
    const json& c = j["choices"][i];
    EXPECT_EQ(c["index"], i);
    const json& content = c["logprobs"]["content"];
    ASSERT_TRUE(content.is_array()) << c.dump();
    completion += static_cast<int>(content.size());
    for (const json& t : content) {
      EXPECT_LE(t["logprob"].get<double>(), 0.0);
      ASSERT_EQ(t["top_logprobs"].size(), 2u);
      EXPECT_GE(t["top_logprobs"][0]["logprob"].get<double>(), t["top_logprobs"][1]["logprob"].get<double>());
      EXPECT_GE(t["top_logprobs"][0]["logprob"].get<double>(), t["logprob"].get<double>() - 1e-6)
          << "the best alternative is at least as likely as the drawn token";
      std::string bytes;
      for (const json& b : t["bytes"]) bytes.push_back(static_cast<char>(b.get<int>()));
      EXPECT_EQ(lossy(bytes), t["token"].get<std::string>()) << "token: the bytes, invalid UTF-8 replaced";
    }
    EXPECT_EQ(c["finish_reason"], "length");
  }
  EXPECT_EQ(j["usage"]["completion_tokens"], completion);
  EXPECT_EQ(completion, 24);
  // Choices 1 and 2 forked from choice 0 once its prompt was computed (its KV blocks shared, the
  // partial last one copied): the steps fed the prompt once, then each choice's first 7 tokens
  // back (the 8th ends it).
  const int prompt = j["usage"]["prompt_tokens"];
  EXPECT_EQ(metric(get_metrics(port()), "vllm:iteration_tokens_total_sum"), prompt + 3 * 7);
  // Seeds: choice i draws with seed + i, so the same request gives the same three choices.
  auto [s2, b2] = post(port(), "/v1/chat/completions", req);
  ASSERT_EQ(s2, 200);
  const json j2 = json::parse(b2);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(j2["choices"][i]["message"], j["choices"][i]["message"]);
}

TEST_F(OpenAiChoices, StreamedChoicesEachEndAndUsageSumsThem) {
  start(true);
  // ignore_eos: a sampled end-of-sequence token would end a choice early (the tiny model draws
  // one now and then), and this test counts tokens.
  json req = {{"prompt", "once upon a time"},
              {"n", 2},
              {"max_tokens", 5},
              {"ignore_eos", true},
              {"stream", true},
              {"logprobs", 1},
              {"stream_options", {{"include_usage", true}}}};
  auto [status, body] = post(port(), "/v1/completions", req);
  ASSERT_EQ(status, 200) << body;
  int finished[2] = {0, 0}, tokens[2] = {0, 0};
  json usage;
  size_t at = 0;
  for (size_t e; (e = body.find("\n\n", at)) != std::string::npos; at = e + 2) {
    const std::string ev = body.substr(at + 6, e - at - 6);
    if (ev == "[DONE]") break;
    const json j = json::parse(ev);
    if (j.contains("usage")) usage = j["usage"];
    for (const json& c : j["choices"]) {
      const int i = c["index"];
      if (!c["finish_reason"].is_null()) ++finished[i];
      if (!c["logprobs"].is_null()) {
        tokens[i] += static_cast<int>(c["logprobs"]["tokens"].size());
        EXPECT_EQ(c["logprobs"]["top_logprobs"][0].size(), 1u);
      }
    }
  }
  EXPECT_EQ(finished[0], 1);
  EXPECT_EQ(finished[1], 1);
  EXPECT_EQ(tokens[0], 5);
  EXPECT_EQ(tokens[1], 5);
  EXPECT_EQ(usage["completion_tokens"], 10);
  EXPECT_EQ(body.substr(body.size() - 14), "data: [DONE]\n\n");
}

TEST_F(OpenAiChoices, LogitBiasSteersTheGreedyChoice) {
  start(true);
  json req = {{"prompt", "hello"}, {"max_tokens", 4}, {"temperature", 0}, {"logprobs", 0}};
  auto [s1, b1] = post(port(), "/v1/completions", req);
  ASSERT_EQ(s1, 200) << b1;
  const json plain = json::parse(b1)["choices"][0];
  req["logit_bias"] = {{"65", 100}};  // a byte-level token of the tiny vocabulary
  auto [s2, b2] = post(port(), "/v1/completions", req);
  ASSERT_EQ(s2, 200) << b2;
  const json biased = json::parse(b2)["choices"][0];
  EXPECT_NE(biased["logprobs"]["tokens"], plain["logprobs"]["tokens"]);
  for (const json& lp : biased["logprobs"]["token_logprobs"]) EXPECT_GT(lp.get<double>(), -1e-3) << "forced: p ≈ 1";
  req["logit_bias"] = {{"999999", 1}};
  EXPECT_EQ(post(port(), "/v1/completions", req).first, 400);
}

TEST_F(OpenAiChoices, ASharedPrefixIsReadFromTheCacheAndGivesTheSameText) {
  std::string system(200, ' ');
  for (size_t i = 0; i < system.size(); ++i) system[i] = static_cast<char>('a' + i % 26);
  auto ask = [&](const std::string& question) {
    json req = {{"prompt", system + question}, {"max_tokens", 6}, {"temperature", 0}};
    auto [status, body] = post(port(), "/v1/completions", req);
    EXPECT_EQ(status, 200) << body;
    return json::parse(body)["choices"][0]["text"].get<std::string>();
  };
  start(false);
  const std::string cold1 = ask(" first?"), cold2 = ask(" second?");
  EXPECT_EQ(metric(get_metrics(port()), "vllm:prefix_cache_hits_total"), 0);
  server_.reset();
  start(true);
  EXPECT_EQ(ask(" first?"), cold1);
  const std::string m1 = get_metrics(port());
  EXPECT_EQ(metric(m1, "vllm:prefix_cache_hits_total"), 0) << "nothing cached yet";
  EXPECT_EQ(ask(" second?"), cold2) << "cached KV gives what computing it gives";
  const std::string m2 = get_metrics(port());
  const double queries = metric(m2, "vllm:prefix_cache_queries_total"),
               hits = metric(m2, "vllm:prefix_cache_hits_total");
  EXPECT_GE(hits, 16 * 10) << "most of the 200-character prefix came from the cache";
  EXPECT_LT(hits, queries);
}

TEST_F(OpenAiChoices, JsonSchemaRepliesParseAndMatchAndBadSchemasAre400) {
  start(true);
  const json schema = {{"type", "object"},
                       {"properties", {{"n", {{"type", "integer"}}}, {"s", {{"type", "string"}, {"maxLength", 6}}}}},
                       {"required", {"n", "s"}}};
  json req = kChat;
  req["n"] = 4;
  req["temperature"] = 1.0;
  req["seed"] = 2;
  req["max_tokens"] = 200;
  req["response_format"] = {{"type", "json_schema"}, {"json_schema", {{"name", "x"}, {"schema", schema}}}};
  auto [status, body] = post(port(), "/v1/chat/completions", req);
  ASSERT_EQ(status, 200) << body;
  const json reply = json::parse(body);  // kept: a range over a temporary's member would dangle
  for (const json& c : reply["choices"]) {
    ASSERT_EQ(c["finish_reason"], "stop") << c.dump();
    const json v = json::parse(c["message"]["content"].get<std::string>());
    EXPECT_TRUE(v["n"].is_number_integer()) << v.dump();
    EXPECT_TRUE(v["s"].is_string()) << v.dump();
    EXPECT_EQ(v.size(), 2u) << v.dump();
  }
  req["response_format"]["json_schema"]["schema"] = {{"type", "string"}, {"format", "email"}};
  auto [s2, b2] = post(port(), "/v1/chat/completions", req);
  EXPECT_EQ(s2, 400);
  EXPECT_NE(b2.find("response_format.json_schema.schema/format"), std::string::npos) << b2;
}

TEST_F(OpenAiChoices, EchoWithLogprobsGivesThePromptsTokensEachGivenTheOnesBefore) {
  start(true);
  const std::vector<int32_t> ids = {17, 42, 99, 7, 150, 23, 64};
  json req = {{"prompt", ids}, {"max_tokens", 2}, {"temperature", 0}, {"logprobs", 3}, {"echo", true}};
  auto [status, body] = post(port(), "/v1/completions", req);
  ASSERT_EQ(status, 200) << body;
  const json lp = json::parse(body)["choices"][0]["logprobs"];
  ASSERT_EQ(lp["tokens"].size(), ids.size() + 2) << lp.dump();
  EXPECT_TRUE(lp["token_logprobs"][0].is_null());
  EXPECT_TRUE(lp["top_logprobs"][0].is_null());
  for (size_t i = 1; i < ids.size(); ++i) {
    // The same distribution as a request whose prompt stops before token i, greedy, 1 token.
    const std::vector<int32_t> before(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(i));
    json one = {{"prompt", before}, {"max_tokens", 1}, {"temperature", 0}, {"logprobs", 3}};
    auto [s1, b1] = post(port(), "/v1/completions", one);
    ASSERT_EQ(s1, 200) << b1;
    const json want = json::parse(b1)["choices"][0]["logprobs"]["top_logprobs"][0];
    const json got = lp["top_logprobs"][i];
    ASSERT_EQ(got.size(), want.size()) << i << ": " << got.dump() << " vs " << want.dump();
    for (const auto& [tok, v] : want.items()) {
      ASSERT_TRUE(got.contains(tok)) << i << ": " << got.dump() << " vs " << want.dump();
      EXPECT_NEAR(got[tok].get<double>(), v.get<double>(), 1e-3) << i << " " << tok;
    }
    EXPECT_LE(lp["token_logprobs"][i].get<double>(), 0.0);
  }
  EXPECT_EQ(lp["text_offset"][0], 0);
}

TEST_F(OpenAiChoices, GreedyForkedChoicesContinueExactlyAsOneRequestDoes) {
  // The forked choices attend over shared and copied KV blocks: greedy, each must write what a
  // single request writes (a wrong copy of the partial block would change their tokens).
  start(false);  // no prefix cache: the single request computes everything itself
  json one = {{"prompt", "a story about the sea and a boat"}, {"max_tokens", 12}, {"temperature", 0}};
  auto [s1, b1] = post(port(), "/v1/completions", one);
  ASSERT_EQ(s1, 200) << b1;
  const std::string want = json::parse(b1)["choices"][0]["text"];
  one["n"] = 3;
  auto [s3, b3] = post(port(), "/v1/completions", one);
  ASSERT_EQ(s3, 200) << b3;
  const json reply = json::parse(b3);
  ASSERT_EQ(reply["choices"].size(), 3u);
  for (const json& c : reply["choices"]) EXPECT_EQ(c["text"], want) << c.dump();
}

}  // namespace rayctl::inference
