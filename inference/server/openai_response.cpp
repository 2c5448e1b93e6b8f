// OpenAiResponse: see openai_response.h.
#include "inference/server/openai_response.h"

#include <cstdio>
#include <random>

namespace rayctl::inference {

using nlohmann::json;

namespace {
std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

json byte_list(const std::string& s) {
  json b = json::array();
  for (unsigned char c : s) b.push_back(static_cast<int>(c));
  return b;
}
std::string call_id() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  char buf[32];
  std::snprintf(buf, sizeof buf, "call_%016llx", static_cast<unsigned long long>(rng()));
  return buf;
}

std::string trim(std::string s) {
  const auto ws = [](char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; };
  while (!s.empty() && ws(s.back())) s.pop_back();
  size_t i = 0;
  while (i < s.size() && ws(s[i])) ++i;
  return s.substr(i);
}

// One call from its JSON text: {"name": string, <args_key>: object}; null when it is not one.
json call_from(const std::string& text, const char* args_key) {
  const json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("name") || !j["name"].is_string()) return nullptr;
  json args = j.contains(args_key) ? j[args_key] : j.value("arguments", json::object());
  return {{"id", call_id()}, {"type", "function"}, {"function", {{"name", j["name"]}, {"arguments", args.dump()}}}};
}
}  // namespace

ParsedToolCalls parse_tool_calls(const std::string& text, ToolFormat format) {
  ParsedToolCalls out;
  out.content = text;
  if (format == ToolFormat::Hermes) {
    std::string rest;
    size_t at = 0;
    for (;;) {
      const size_t open = text.find("<tool_call>", at);
      if (open == std::string::npos) break;
      const size_t close = text.find("</tool_call>", open);
      if (close == std::string::npos) break;
      json call = call_from(trim(text.substr(open + 11, close - open - 11)), "arguments");
      if (call.is_null()) return {text, json::array()};  // one bad call: the reply stays text
      out.calls.push_back(call);
      rest += text.substr(at, open - at);
      at = close + 12;
    }
    if (!out.calls.empty()) out.content = trim(rest + text.substr(at));
  } else if (format == ToolFormat::Llama) {
    std::string t = trim(text);
    if (t.rfind("<|python_tag|>", 0) == 0) t = trim(t.substr(14));
    if (!t.empty() && t[0] == '{') {
      json call = call_from(t, "parameters");
      if (!call.is_null()) {
        out.calls.push_back(call);
        out.content.clear();
      }
    }
  }
  return out;
}

OpenAiResponse::OpenAiResponse(std::shared_ptr<HttpResponder> resp, const Tokenizer& tok, bool chat, bool stream, int n)
    : resp_(std::move(resp)),
      tok_(tok),
      chat_(chat),
      stream_(stream),
      choices_(static_cast<size_t>(n)),
      remaining_(n) {}

json OpenAiResponse::chunk(json choice) const {
  return {{"id", id},
          {"object", chat_ ? "chat.completion.chunk" : "text_completion"},
          {"created", created},
          {"model", model},
          {"choices", json::array({std::move(choice)})}};
}

json OpenAiResponse::choice_json(int index, const std::string& text, const json& lp, const json& finish) const {
  if (!chat_) return {{"index", index}, {"text", text}, {"logprobs", lp}, {"finish_reason", finish}};
  if (!stream_)
    return {{"index", index},
            {"message", {{"role", "assistant"}, {"content", text}}},
            {"logprobs", lp},
            {"finish_reason", finish}};
  return {{"index", index},
          {"delta", text.empty() && !finish.is_null() ? json::object() : json{{"content", text}}},
          {"logprobs", lp},
          {"finish_reason", finish}};
}

// The logprobs of one output's tokens, in the endpoint's shape; null when not asked for.
json OpenAiResponse::logprobs_of(Choice& c, const GenerationOutput& out) const {
  if (!logprobs || out.logprobs.empty()) return nullptr;
  if (chat_) {
    json content = json::array();
    for (const TokenLogprobs& t : out.logprobs) {
      const std::string b = tok_.token_bytes(t.token);
      json top = json::array();
      for (const auto& [id, lp] : t.top) {
        const std::string tb = tok_.token_bytes(id);
        top.push_back({{"token", tb}, {"logprob", lp}, {"bytes", byte_list(tb)}});
      }
      content.push_back({{"token", b}, {"logprob", t.logprob}, {"bytes", byte_list(b)}, {"top_logprobs", top}});
    }
    return {{"content", content}};
  }
  json tokens = json::array(), lps = json::array(), tops = json::array(), offsets = json::array();
  for (const TokenLogprobs& t : out.logprobs) {
    const std::string b = tok_.token_bytes(t.token);
    tokens.push_back(b);
    lps.push_back(t.logprob);
    json top = json::object();
    for (const auto& [id, lp] : t.top) top[tok_.token_bytes(id)] = lp;
    tops.push_back(top);
    offsets.push_back(c.text_offset);
    c.text_offset += static_cast<int>(b.size());
  }
  return {{"tokens", tokens}, {"token_logprobs", lps}, {"top_logprobs", tops}, {"text_offset", offsets}};
}

// Completions with echo and logprobs: the prompt's tokens in the completions shape, the first
// with no logprob (nothing precedes it), each other given the tokens before it.
json OpenAiResponse::prompt_logprobs(Choice& c, const GenerationOutput& out) const {
  json tokens = json::array(), lps = json::array(), tops = json::array(), offsets = json::array();
  for (size_t i = 0; i < echo_tokens.size(); ++i) {
    const std::string b = tok_.token_bytes(echo_tokens[i]);
    tokens.push_back(b);
    offsets.push_back(c.text_offset);
    c.text_offset += static_cast<int>(b.size());
    if (i == 0 || i - 1 >= out.prompt_logprobs.size()) {
      lps.push_back(nullptr);
      tops.push_back(nullptr);
      continue;
    }
    const TokenLogprobs& t = out.prompt_logprobs[i - 1];
    lps.push_back(t.logprob);
    json top = json::object();
    for (const auto& [id, lp] : t.top) top[tok_.token_bytes(id)] = lp;
    tops.push_back(top);
  }
  return {{"tokens", tokens}, {"token_logprobs", lps}, {"top_logprobs", tops}, {"text_offset", offsets}};
}

void OpenAiResponse::append_logprobs(Choice& c, const json& lp) const {
  if (lp.is_null()) return;
  if (c.lp.is_null()) {
    c.lp = lp;
    return;
  }
  for (auto& [key, arr] : lp.items())
    for (const auto& v : arr) c.lp[key].push_back(v);
}

json OpenAiResponse::usage() const {
  int completion = 0;
  for (const Choice& c : choices_) completion += c.completion_tokens;
  return {{"prompt_tokens", prompt_tokens_},
          {"completion_tokens", completion},
          {"total_tokens", prompt_tokens_ + completion}};
}

void OpenAiResponse::event(const json& j) const { resp_->write("data: " + dump(j) + "\n\n"); }

void OpenAiResponse::open_stream() {
  resp_->start_stream(200, "text/event-stream", {{"Cache-Control", "no-cache"}, {"X-Accel-Buffering", "no"}});
  for (int i = 0; i < static_cast<int>(choices_.size()); ++i) {
    if (chat_)
      event(chunk({{"index", i},
                   {"delta", {{"role", "assistant"}, {"content", ""}}},
                   {"logprobs", nullptr},
                   {"finish_reason", nullptr}}));
    else if (!echo_text.empty())
      event(chunk(choice_json(i, echo_text, nullptr, nullptr)));
  }
}

void OpenAiResponse::fail(const ApiError& error) {
  if (ended_) return;
  ended_ = true;
  if (stream_) {
    event(error.to_json());
    resp_->write("data: [DONE]\n\n");
    resp_->end();
  } else {
    resp_->send(error.status, "application/json", dump(error.to_json()));
  }
}

void OpenAiResponse::on_output(int index, const GenerationOutput& out) {
  if (ended_) return;
  if (out.finish_reason == FinishReason::Abort) {
    ended_ = true;
    resp_->end();
    return;
  }
  if (out.finish_reason == FinishReason::Error) {
    fail(ApiError(500, "generation failed: " + out.error));
    return;
  }
  Choice& c = choices_[static_cast<size_t>(index)];
  prompt_tokens_ = out.prompt_tokens;
  c.completion_tokens = out.completion_tokens;
  if (!echo_tokens.empty() && c.completion_tokens == 1) {  // the prompt's logprobs come first
    const json plp = prompt_logprobs(c, out);
    if (stream_) {
      event(chunk(choice_json(index, "", plp, nullptr)));
    } else {
      append_logprobs(c, plp);
    }
  }
  const json lp = logprobs_of(c, out);
  const json finish = out.finished ? json(finish_reason_name(out.finish_reason)) : json(nullptr);
  if (out.finished) {
    c.finished = true;
    c.finish_reason = finish_reason_name(out.finish_reason);
  }
  if (stream_ && tool_format != ToolFormat::None) {  // held back: the whole reply decides content vs calls
    c.text += out.text;
    if (!lp.is_null()) event(chunk(choice_json(index, "", lp, nullptr)));
    if (out.finished) stream_tool_reply(index, c, finish);
  } else if (stream_) {
    if (!out.text.empty() || !lp.is_null()) event(chunk(choice_json(index, out.text, lp, nullptr)));
    if (out.finished) event(chunk(choice_json(index, "", nullptr, finish)));
  } else {
    c.text += out.text;
    append_logprobs(c, lp);
  }
  if (out.finished && --remaining_ == 0) finish_all();
}

// A streamed reply of a request with tools, at its end: its text as one content delta, or its
// tool calls as deltas (each with its index, id, name and the arguments whole).
void OpenAiResponse::stream_tool_reply(int index, const Choice& c, const json& finish) {
  const ParsedToolCalls parsed = parse_tool_calls(c.text, tool_format);
  if (parsed.calls.empty()) {
    if (!c.text.empty()) event(chunk(choice_json(index, c.text, nullptr, nullptr)));
    event(chunk(choice_json(index, "", nullptr, finish)));
    return;
  }
  json calls = parsed.calls;
  for (size_t i = 0; i < calls.size(); ++i) calls[i]["index"] = i;
  json delta = {{"tool_calls", calls}};
  if (!parsed.content.empty()) delta["content"] = parsed.content;
  event(chunk({{"index", index}, {"delta", delta}, {"logprobs", nullptr}, {"finish_reason", nullptr}}));
  event(chunk({{"index", index}, {"delta", json::object()}, {"logprobs", nullptr}, {"finish_reason", "tool_calls"}}));
}

void OpenAiResponse::finish_all() {
  ended_ = true;
  if (stream_) {
    if (include_usage) {
      json u = chunk(json::object());
      u["choices"] = json::array();
      u["usage"] = usage();
      event(u);
    }
    resp_->write("data: [DONE]\n\n");
    resp_->end();
    return;
  }
  json all = json::array();
  for (int i = 0; i < static_cast<int>(choices_.size()); ++i) {
    const Choice& c = choices_[static_cast<size_t>(i)];
    json choice = choice_json(i, chat_ ? c.text : echo_text + c.text, logprobs ? c.lp : json(nullptr), c.finish_reason);
    if (chat_ && tool_format != ToolFormat::None) {
      const ParsedToolCalls parsed = parse_tool_calls(c.text, tool_format);
      if (!parsed.calls.empty()) {
        choice["message"]["content"] = parsed.content.empty() ? json(nullptr) : json(parsed.content);
        choice["message"]["tool_calls"] = parsed.calls;
        choice["finish_reason"] = "tool_calls";
      }
    }
    all.push_back(choice);
  }
  resp_->send(200, "application/json",
              dump({{"id", id},
                    {"object", chat_ ? "chat.completion" : "text_completion"},
                    {"created", created},
                    {"model", model},
                    {"choices", all},
                    {"usage", usage()}}));
}

}  // namespace rayctl::inference
