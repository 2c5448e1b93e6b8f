// OpenAiApi: the worker's HTTP routes in the OpenAI / vLLM shape. /v1/models,
// /v1/completions and /v1/chat/completions (whole or SSE-streamed, ending in `data: [DONE]`,
// with stream_options.include_usage), /tokenize, /detokenize, /health (503 until the model
// is loaded), /metrics (Prometheus, vLLM names) and /version. Bearer-token auth on the /v1,
// tokenizer and /metrics routes when an API key is set (a body sent without it is not read); 503 when the engine queue
// is full; a client that disconnects has its request cancelled (and its KV blocks freed). It turns HTTP requests into
// engine requests and engine output into HTTP bytes; it decides nothing about batching or sampling.
#pragma once

#include "inference/engine/engine.h"
#include "inference/engine/metrics.h"
#include "inference/grammar/json_grammar.h"
#include "inference/model/model_config.h"
#include "inference/server/http_server.h"
#include "inference/server/openai_request.h"
#include "inference/server/openai_response.h"
#include "inference/server/request_workers.h"

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace rayctl::inference {

struct OpenAiApiOptions {
  std::string model_id;              // the name clients use in "model"
  std::string api_key;               // empty: no auth
  bool metrics_without_key = false;  // /metrics answers without the key (scrapers on a trusted net)
  int request_threads = 2;           // parse, render and tokenize off the HTTP thread (RequestWorkers)
};

class OpenAiApi {
 public:
  OpenAiApi(OpenAiApiOptions options, EngineMetrics& metrics);
  // Once the model is loaded and the engine runs: routes start answering (health → 200).
  // Both must outlive the API object (or set_ready(nullptr, nullptr) before they go: it waits
  // for the requests being prepared on the worker threads).
  void set_ready(Engine* engine, const ModelFile* model);
  bool ready() const { return ready_.load(); }
  // Where /metrics reads rayctl:http_connections_open from (the HTTP server's count).
  void set_connection_counter(std::function<int()> count) { connections_ = std::move(count); }

  // The HttpHandler. The /v1 and tokenizer routes are answered from a RequestWorkers thread.
  void handle(const HttpRequest& req, std::shared_ptr<HttpResponder> resp);
  // The HttpBodyGate: a body is read only for a known route and, when a key is set, with the
  // right key; otherwise handle() answers (404, 401) from the head alone.
  bool accepts_body(const HttpRequest& head) const;

 private:
  void api_route(const HttpRequest& req, const std::shared_ptr<HttpResponder>& resp);
  void completions(const HttpRequest& req, const std::shared_ptr<HttpResponder>& resp, bool chat);
  void submit_choices(CompletionRequest& cr, std::vector<int32_t> prompt, std::chrono::steady_clock::time_point arrival,
                      const std::shared_ptr<OpenAiResponse>& rc, const std::shared_ptr<HttpResponder>& resp,
                      const char* prompt_field);
  std::shared_ptr<const JsonGrammar> grammar_for(const CompletionRequest& cr);
  ToolFormat prepare_tools(CompletionRequest& cr);
  void tokenize(const HttpRequest& req, const std::shared_ptr<HttpResponder>& resp);
  void detokenize(const HttpRequest& req, const std::shared_ptr<HttpResponder>& resp);
  void models(const std::shared_ptr<HttpResponder>& resp);
  bool authorized(const HttpRequest& req) const;
  // Whether a path needs the API key (when one is set): the /v1, tokenizer and /metrics routes.
  bool needs_key(const std::string& path) const;

  OpenAiApiOptions options_;
  EngineMetrics& metrics_;
  std::atomic<bool> ready_{false};
  Engine* engine_ = nullptr;
  const ModelFile* model_ = nullptr;
  int64_t created_ = 0;
  std::function<int()> connections_;
  RequestWorkers workers_;
  std::mutex grammar_mu_;
  std::unordered_map<std::string, std::shared_ptr<const JsonGrammar>> grammars_;
};

}  // namespace rayctl::inference
