// OpenAiApi: routing, auth, and the OpenAI response / SSE chunk shapes.
#include "inference/server/openai_api.h"

#include "core/error.h"
#include "inference/grammar/json_grammar.h"
#include "inference/server/openai_request.h"
#include "inference/server/openai_response.h"

#include <chrono>
#include <cstdio>
#include <random>

namespace rayctl::inference {

using nlohmann::json;

namespace {

void send_json(HttpResponder& r, int status, const json& body) {
  r.send(status, "application/json", body.dump(-1, ' ', false, json::error_handler_t::replace));
}

void send_error(HttpResponder& r, const ApiError& e) { send_json(r, e.status, e.to_json()); }

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string random_id(const char* prefix) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s%016llx%08llx", prefix, static_cast<unsigned long long>(rng()),
                static_cast<unsigned long long>(rng() & 0xffffffffu));
  return buf;
}

}  // namespace

OpenAiApi::OpenAiApi(OpenAiApiOptions options, EngineMetrics& metrics)
    : options_(std::move(options)),
      metrics_(metrics),
      created_(std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
                   .count()),
      workers_(options_.request_threads) {}

void OpenAiApi::set_ready(Engine* engine, const ModelFile* model) {
  if (!engine || !model) {
    ready_.store(false);   // tasks that start from now on answer 503 ...
    workers_.wait_idle();  // ... and those already past the check finish with the old engine
  }
  engine_ = engine;
  model_ = model;
  ready_.store(engine != nullptr && model != nullptr);
}

bool OpenAiApi::authorized(const HttpRequest& req) const {
  if (options_.api_key.empty()) return true;
  const std::string want = "Bearer " + options_.api_key;
  const std::string got = req.header("authorization");
  // Constant-time compare, so the key cannot be guessed byte by byte from response timing.
  unsigned diff = static_cast<unsigned>(got.size() ^ want.size());
  for (size_t i = 0; i < want.size(); ++i)
    diff |= static_cast<unsigned char>(want[i]) ^ static_cast<unsigned char>(i < got.size() ? got[i] : 0);
  return diff == 0;
}

namespace {
bool is_api_route(const std::string& p) {
  return p == "/v1/models" || p == "/v1/completions" || p == "/v1/chat/completions" || p == "/tokenize" ||
         p == "/detokenize";
}
}  // namespace

bool OpenAiApi::needs_key(const std::string& path) const {
  return is_api_route(path) || (path == "/metrics" && !options_.metrics_without_key);
}

bool OpenAiApi::accepts_body(const HttpRequest& head) const { return is_api_route(head.path) && authorized(head); }

void OpenAiApi::handle(const HttpRequest& req, std::shared_ptr<HttpResponder> resp) {
  const std::string& p = req.path;
  const bool get = req.method == "GET" || req.method == "HEAD";
  auto method_not_allowed = [&] {
    send_error(*resp, ApiError(405, "method " + req.method + " is not allowed on " + p));
  };
  if (p == "/health") {
    if (!get) return method_not_allowed();
    if (!ready()) return send_error(*resp, ApiError(503, "Loading model"));
    return send_json(*resp, 200, {{"status", "ok"}});
  }
  if (p == "/version") return send_json(*resp, 200, {{"version", "rayctl-inference"}});
  if (!is_api_route(p) && p != "/metrics")
    return send_error(*resp, ApiError(404, "no route " + p, "", "not_found_error"));
  if (needs_key(p) && !authorized(req))
    return resp->send(401, "application/json",
                      dump(ApiError(401, "Invalid API key: pass it as 'Authorization: Bearer <key>'").to_json()),
                      {{"WWW-Authenticate", "Bearer"}});
  if (p == "/metrics") {
    if (!get) return method_not_allowed();
    if (connections_) metrics_.registry.set(metrics_.http_connections, connections_());
    return resp->send(200, "text/plain; version=0.0.4; charset=utf-8", metrics_.registry.render());
  }
  if (!ready()) return send_error(*resp, ApiError(503, "Loading model"));
  // The request (and its body, up to 16 MB) is copied: the worker outlives this call.
  workers_.post([this, req, resp] { api_route(req, resp); });
}

void OpenAiApi::api_route(const HttpRequest& req, const std::shared_ptr<HttpResponder>& resp) {
  const std::string& p = req.path;
  if (!ready()) return send_error(*resp, ApiError(503, "the server is shutting down"));
  if (resp->closed()) return;  // the client left while the request waited for a worker
  const bool get = req.method == "GET" || req.method == "HEAD";
  try {
    if (p == "/v1/models") {
      if (get) return models(resp);
    } else if (req.method == "POST") {
      if (p == "/v1/completions") return completions(req, resp, false);
      if (p == "/v1/chat/completions") return completions(req, resp, true);
      if (p == "/tokenize") return tokenize(req, resp);
      return detokenize(req, resp);
    }
    send_error(*resp, ApiError(405, "method " + req.method + " is not allowed on " + p));
  } catch (const ApiError& e) {
    send_error(*resp, e);
  } catch (const Error& e) {
    send_error(*resp, ApiError(400, e.message()));
  } catch (const std::exception& e) {
    send_error(*resp, ApiError(500, std::string("internal error: ") + e.what()));
  }
}

void OpenAiApi::models(const std::shared_ptr<HttpResponder>& resp) {
  const auto& cfg = model_->config();
  json m = {{"id", options_.model_id},
            {"object", "model"},
            {"created", created_},
            {"owned_by", "rayctl"},
            {"root", model_->path()},
            {"max_model_len", engine_->context()},
            {"meta",
             {{"n_vocab", cfg.n_vocab},
              {"n_ctx_train", cfg.n_ctx_train},
              {"n_embd", cfg.n_embd},
              {"n_params", model_->n_params()},
              {"size", model_->weight_bytes()}}}};
  send_json(*resp, 200, {{"object", "list"}, {"data", json::array({m})}});
}

namespace {

// The prompt's token ids: the chat template rendered and encoded, the ids given, or the text
// encoded. `echo` gets the prompt text back when a completion request asks for it.
std::vector<int32_t> encode_prompt(const ModelFile& model, const CompletionRequest& cr, bool chat, std::string& echo) {
  const Tokenizer& tok = model.tokenizer();
  std::vector<int32_t> prompt;
  if (chat) {
    std::string text = model.chat_template().render(cr.messages, cr.add_generation_prompt, cr.template_extra);
    prompt = tok.encode(text, false, true);
  } else if (cr.prompt_tokens) {
    prompt = *cr.prompt_tokens;
    for (int32_t t : prompt)
      if (t >= tok.n_vocab()) throw ApiError(400, "token id " + std::to_string(t) + " is out of range", "prompt");
    if (cr.echo) echo = tok.decode(prompt);
  } else {
    prompt = tok.encode(cr.prompt, true, true);
    if (cr.echo) echo = cr.prompt;
  }
  return prompt;
}

// Rejects (with vLLM's messages) a prompt of n tokens, or a max_tokens, that does not fit the
// context of ctx tokens; defaults max_tokens when the request gave none.
void fit_to_context(CompletionRequest& cr, const HttpRequest& req, bool chat, int n, int ctx) {
  const char* prompt_field = chat ? "messages" : "prompt";
  if (n == 0) throw ApiError(400, "the prompt is empty", prompt_field);
  if (n >= ctx)
    throw ApiError(400,
                   "This model's maximum context length is " + std::to_string(ctx) +
                       " tokens. However, your prompt has " + std::to_string(n) +
                       " tokens; shorten it or start the server with a larger --ctx",
                   prompt_field);
  if (cr.max_tokens_given && n + cr.sampling.max_tokens > ctx)
    throw ApiError(
        400,
        "This model's maximum context length is " + std::to_string(ctx) + " tokens. However, you requested " +
            std::to_string(n + cr.sampling.max_tokens) + " tokens (" + std::to_string(n) + " in the " + prompt_field +
            ", " + std::to_string(cr.sampling.max_tokens) +
            " in the completion); reduce the length of the prompt or the completion",
        chat && req.body.find("max_completion_tokens") != std::string::npos ? "max_completion_tokens" : "max_tokens");
  if (!cr.max_tokens_given) cr.sampling.max_tokens = chat ? ctx - n : std::min(16, ctx - n);
}

}  // namespace

void OpenAiApi::completions(const HttpRequest& req, const std::shared_ptr<HttpResponder>& resp, bool chat) {
  const auto arrival = std::chrono::steady_clock::now();
  CompletionRequest cr = parse_completion_request(req.body, chat);
  if (!cr.model.empty() && cr.model != options_.model_id && cr.model != model_->path())
    throw ApiError(404, "The model '" + cr.model + "' does not exist; this server serves '" + options_.model_id + "'",
                   "model", "not_found_error");

  const ToolFormat tool_format = chat ? prepare_tools(cr) : ToolFormat::None;
  if (!cr.response_format.empty()) {
    try {
      cr.sampling.grammar = grammar_for(cr);
    } catch (const SchemaError& e) {
      throw ApiError(400, "response_format.json_schema.schema" + e.path + ": " + e.what(),
                     "response_format.json_schema.schema");
    }
  }
  std::string echo;
  std::vector<int32_t> prompt = encode_prompt(*model_, cr, chat, echo);
  const char* prompt_field = chat ? "messages" : "prompt";
  fit_to_context(cr, req, chat, static_cast<int>(prompt.size()), engine_->context());
  for (const auto& [tok, bias] : cr.sampling.logit_bias)
    if (tok >= model_->tokenizer().n_vocab())
      throw ApiError(400, "logit_bias: token id " + std::to_string(tok) + " is out of range", "logit_bias");
  auto rc = std::make_shared<OpenAiResponse>(resp, model_->tokenizer(), chat, cr.stream, cr.n);
  rc->include_usage = cr.include_usage;
  rc->logprobs = cr.sampling.logprobs >= 0;
  rc->tool_format = tool_format;
  rc->id = random_id(chat ? "chatcmpl-" : "cmpl-");
  rc->model = options_.model_id;
  rc->echo_text = echo;
  if (cr.echo && cr.sampling.logprobs >= 0) rc->echo_tokens = prompt;
  rc->created =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  if (cr.stream) {
    // A full queue is a plain 503 before any stream starts (submit() below re-checks: a race
    // with other requests then ends the stream with an error event instead).
    const EngineSnapshot snap = engine_->snapshot();
    if (snap.waiting + cr.n - 1 >= engine_->options().max_queued)
      throw ApiError(503,
                     "the server has " + std::to_string(snap.waiting) + " requests waiting (--max-queued " +
                         std::to_string(engine_->options().max_queued) + "); retry later",
                     "", "service_unavailable_error");
    // Headers and the opening chunks go out before the request is queued, so the stream is
    // well-formed whatever happens next.
    rc->open_stream();
  }
  submit_choices(cr, std::move(prompt), arrival, rc, resp, prompt_field);
}

// Queues the n choices as one group: the others fork from the first once its prompt is computed
// (Engine::submit_group). Choice i > 0 with a seed draws with seed + i.
void OpenAiApi::submit_choices(CompletionRequest& cr, std::vector<int32_t> prompt,
                               std::chrono::steady_clock::time_point arrival, const std::shared_ptr<OpenAiResponse>& rc,
                               const std::shared_ptr<HttpResponder>& resp, const char* prompt_field) {
  auto ids = std::make_shared<std::vector<int64_t>>();
  Engine* engine = engine_;
  std::vector<GenerationRequest> group;
  for (int i = 0; i < cr.n; ++i) {
    GenerationRequest gr;
    gr.prompt = prompt;
    gr.sampling = cr.sampling;
    if (i > 0 && gr.sampling.seed) gr.sampling.seed = *gr.sampling.seed + static_cast<uint64_t>(i);
    gr.arrival = arrival;
    if (cr.echo && cr.sampling.logprobs >= 0) gr.prompt_logprobs = cr.sampling.logprobs;
    gr.on_output = [rc, i](const GenerationOutput& out) { rc->on_output(i, out); };
    group.push_back(std::move(gr));
  }
  try {
    *ids = engine->submit_group(std::move(group));
  } catch (const std::exception& e) {
    const bool full = dynamic_cast<const QueueFullError*>(&e) != nullptr;
    ApiError err = full ? ApiError(503, std::string(e.what()) + "; retry later", "", "service_unavailable_error")
                        : ApiError(400, e.what(), prompt_field);
    if (!cr.stream) throw err;
    rc->fail(err);
    return;
  }
  resp->on_close([engine, ids] {
    for (int64_t id : *ids) engine->cancel(id);
  });
}

// Tools offered to the model (tool_choice other than "none"): only through a chat template that
// renders them, whose call format (Hermes/Qwen <tool_call> or Llama-3.1 JSON) then decides how
// the reply is parsed; tool_choice "required" or a named function is enforced by a grammar.
ToolFormat OpenAiApi::prepare_tools(CompletionRequest& cr) {
  if (!cr.tools || cr.tool_choice == "none") return ToolFormat::None;
  const std::string& src = model_->chat_template().source();
  if (src.find("tools") == std::string::npos)
    throw ApiError(400,
                   "tools: the chat template of " + options_.model_id +
                       " does not render tools, so the model cannot call them; use a model whose template does "
                       "(Llama-3.1, Qwen2.5, Hermes) or send \"tool_choice\": \"none\"",
                   "tools");
  const ToolFormat fmt = src.find("<tool_call>") != std::string::npos ? ToolFormat::Hermes : ToolFormat::Llama;
  cr.template_extra["tools"] = cr.tools_json;
  if (cr.tool_choice != "required" && cr.tool_choice != "function") return fmt;
  if (!cr.response_format.empty())
    throw ApiError(400, "response_format cannot be combined with a required tool call", "response_format");
  nlohmann::json allowed = nlohmann::json::array();
  for (const auto& t : cr.tools_json)
    if (cr.tool_choice == "required" || t["function"]["name"] == cr.tool_choice_name) allowed.push_back(t);
  const bool hermes = fmt == ToolFormat::Hermes;
  try {
    cr.sampling.grammar = JsonGrammar::tool_call(allowed, hermes ? "<tool_call>\n" : "", hermes ? "\n</tool_call>" : "",
                                                 hermes ? "arguments" : "parameters", model_->tokenizer());
  } catch (const SchemaError& e) {
    throw ApiError(
        400, "tools: the parameters of " + allowed[0]["function"]["name"].get<std::string>() + e.path + ": " + e.what(),
        "tools");
  }
  return fmt;
}

// The compiled grammar of a response_format, shared by every request that asks for the same
// one (so is its cache of token masks). Up to 64 are kept; beyond that the map starts over.
std::shared_ptr<const JsonGrammar> OpenAiApi::grammar_for(const CompletionRequest& cr) {
  // Keyed by kind too: a json_schema of {} (any value) is not json_object (any object).
  const std::string key = cr.response_format == "json_object" ? std::string("object") : "schema:" + cr.schema.dump();
  {
    std::lock_guard<std::mutex> lk(grammar_mu_);
    if (auto it = grammars_.find(key); it != grammars_.end()) return it->second;
  }
  std::shared_ptr<const JsonGrammar> g = cr.response_format == "json_object"
                                             ? JsonGrammar::any_object(model_->tokenizer())
                                             : JsonGrammar::from_schema(cr.schema, model_->tokenizer());
  std::lock_guard<std::mutex> lk(grammar_mu_);
  if (grammars_.size() >= 64) grammars_.clear();
  grammars_.emplace(key, g);
  return g;
}

void OpenAiApi::tokenize(const HttpRequest& req, const std::shared_ptr<HttpResponder>& resp) {
  json body = parse_json_object(req.body);
  const Tokenizer& tok = model_->tokenizer();
  std::vector<int32_t> ids;
  bool add_special = true;
  if (auto it = body.find("add_special_tokens"); it != body.end() && !it->is_null()) {
    if (!it->is_boolean()) throw ApiError(400, "'add_special_tokens' must be a boolean", "add_special_tokens");
    add_special = it->get<bool>();
  }
  if (body.contains("messages")) {
    CompletionRequest cr = parse_completion_request(req.body, true);
    std::string text = model_->chat_template().render(cr.messages, cr.add_generation_prompt, cr.template_extra);
    ids = tok.encode(text, false, true);
  } else {
    const char* key = body.contains("prompt") ? "prompt" : "content";
    auto it = body.find(key);
    if (it == body.end()) throw ApiError(400, "'prompt' is required (or 'messages')", "prompt");
    if (!it->is_string()) throw ApiError(400, std::string("'") + key + "' must be a string", key);
    ids = tok.encode(it->get<std::string>(), add_special, true);
  }
  send_json(*resp, 200, {{"count", ids.size()}, {"max_model_len", engine_->context()}, {"tokens", ids}});
}

void OpenAiApi::detokenize(const HttpRequest& req, const std::shared_ptr<HttpResponder>& resp) {
  json body = parse_json_object(req.body);
  auto it = body.find("tokens");
  if (it == body.end() || !it->is_array()) throw ApiError(400, "'tokens' must be an array of token ids", "tokens");
  std::vector<int32_t> ids;
  const int32_t n_vocab = model_->tokenizer().n_vocab();
  for (size_t i = 0; i < it->size(); ++i) {
    const json& t = (*it)[i];
    if (!t.is_number_integer() || t.get<int64_t>() < 0 || t.get<int64_t>() >= n_vocab)
      throw ApiError(400,
                     "'tokens[" + std::to_string(i) + "]' must be a token id in [0, " + std::to_string(n_vocab) + ")",
                     "tokens");
    ids.push_back(static_cast<int32_t>(t.get<int64_t>()));
  }
  send_json(*resp, 200, {{"prompt", model_->tokenizer().decode(ids)}});
}

}  // namespace rayctl::inference
