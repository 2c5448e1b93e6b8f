// OpenAiResponse: turns the engine's outputs for one API request — its n choices, each a
// separate engine request — into the OpenAI response: one JSON body once every choice has
// finished, or server-sent-event chunks as tokens arrive (each chunk names its choice's
// `index`; `data: [DONE]` after the last choice ends), with logprobs in OpenAI's shapes
// (chat: logprobs.content[{token, logprob, bytes, top_logprobs}]; completions: tokens,
// token_logprobs, top_logprobs, text_offset) and usage (the prompt counted once, the
// completions summed). All its methods run on the engine thread, except the stream's
// opening (before any request is submitted).
#pragma once

#include "inference/engine/engine.h"
#include "inference/server/http_server.h"
#include "inference/server/openai_request.h"

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

namespace rayctl::inference {

// How a model writes tool calls: Hermes / Qwen2.5 (<tool_call>{"name", "arguments"}</tool_call>)
// or Llama-3.1 ({"name", "parameters"}, optionally after <|python_tag|>). None: no tools offered.
enum class ToolFormat { None, Hermes, Llama };

// The tool calls in a finished reply: `calls` in OpenAI's shape ({id, type, function: {name,
// arguments (a JSON string)}}), `content` the text around them (the whole text when none parse).
struct ParsedToolCalls {
  std::string content;
  nlohmann::json calls = nlohmann::json::array();
};
ParsedToolCalls parse_tool_calls(const std::string& text, ToolFormat format);

class OpenAiResponse {
 public:
  OpenAiResponse(std::shared_ptr<HttpResponder> resp, const Tokenizer& tok, bool chat, bool stream, int n);
  std::string id, model, echo_text;
  std::vector<int32_t> echo_tokens;  // completions with echo and logprobs: the prompt's ids
  int64_t created = 0;
  bool include_usage = false;
  bool logprobs = false;
  ToolFormat tool_format = ToolFormat::None;  // chat with tools: replies are parsed for tool calls

  // Headers and each choice's opening chunk (role, or the echoed prompt).
  void open_stream();
  // An engine output of choice `index`.
  void on_output(int index, const GenerationOutput& out);
  // Ends the response with an error (as an event when streaming).
  void fail(const ApiError& error);

 private:
  struct Choice {
    std::string text;
    nlohmann::json lp = nullptr;  // accumulated logprobs (buffered responses)
    int completion_tokens = 0;
    int text_offset = 0;
    bool finished = false;
    std::string finish_reason;
  };
  nlohmann::json chunk(nlohmann::json choice) const;
  nlohmann::json choice_json(int index, const std::string& text, const nlohmann::json& lp,
                             const nlohmann::json& finish) const;
  nlohmann::json logprobs_of(Choice& c, const GenerationOutput& out) const;
  nlohmann::json prompt_logprobs(Choice& c, const GenerationOutput& out) const;
  void append_logprobs(Choice& c, const nlohmann::json& lp) const;
  nlohmann::json usage() const;
  void event(const nlohmann::json& j) const;
  void finish_all();
  void stream_tool_reply(int index, const Choice& c, const nlohmann::json& finish);

  std::shared_ptr<HttpResponder> resp_;
  const Tokenizer& tok_;
  bool chat_, stream_;
  std::vector<Choice> choices_;
  int remaining_;
  int prompt_tokens_ = 0;
  bool ended_ = false;
};

}  // namespace rayctl::inference
