// OpenAI request bodies: parsing and validating /v1/completions and /v1/chat/completions
// JSON into plain structs (prompt or messages, sampling parameters, streaming options), and
// the OpenAI-shaped error every bad field turns into (HTTP status, message, the field in
// `param`). Unknown fields are ignored (as OpenAI and vLLM do); known fields of the wrong type
// or out of range are 400s that name the field. No model or tokenizer is involved here.
#pragma once

#include "inference/engine/sampler.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace rayctl::inference {

// An error the API returns to the client: {"error": {"message", "type", "param", "code"}}.
struct ApiError : std::runtime_error {
  ApiError(int status_, std::string message_, std::string param_ = {}, std::string type_ = {})
      : std::runtime_error(message_),
        status(status_),
        message(std::move(message_)),
        param(std::move(param_)),
        type(std::move(type_)) {}
  int status;
  std::string message;
  std::string param;  // the offending field, "" when none
  std::string type;   // "" → derived from status
  nlohmann::json to_json() const;
};

struct CompletionRequest {
  bool chat = false;
  std::string model;                                         // "" when absent
  std::string prompt;                                        // completions: text prompt
  std::optional<std::vector<int32_t>> prompt_tokens;         // completions: token-id prompt
  nlohmann::json messages = nlohmann::json::array();         // chat
  nlohmann::json template_extra = nlohmann::json::object();  // chat_template_kwargs, tools
  bool add_generation_prompt = true;
  SamplingParams sampling;
  bool max_tokens_given = false;
  bool stream = false;
  bool include_usage = false;
  bool echo = false;
  int n = 1;                            // choices
  std::string response_format;          // "", "json_object" or "json_schema"
  nlohmann::json schema = nullptr;      // json_schema's schema
  bool tools = false;                   // chat: a non-empty tools array was sent
  nlohmann::json tools_json = nullptr;  // the tools array
  std::string tool_choice;              // "", "none", "auto", "required", "function"
  std::string tool_choice_name;         // tool_choice "function": which one
};

constexpr int kMaxChoices = 64;      // n
constexpr int kMaxTopLogprobs = 20;  // top_logprobs (chat), logprobs (completions)

// Parses a request body. Throws ApiError(400) naming the bad field.
CompletionRequest parse_completion_request(const std::string& body, bool chat);
// How deep a request body's arrays and objects may nest (the body's own object is level 1).
// Deeper JSON is refused before it is parsed: copying it, converting it for the chat template
// or printing it recurses once per level.
constexpr size_t kMaxJsonDepth = 64;

// Parses a body that must be a JSON object; throws ApiError(400) for malformed JSON, and for
// JSON nested deeper than kMaxJsonDepth (naming the top-level field it is under).
nlohmann::json parse_json_object(const std::string& body);
// The depth check alone: one pass over the bytes, counting '[' and '{' outside strings.
void check_json_depth(std::string_view body, size_t max_depth = kMaxJsonDepth);

}  // namespace rayctl::inference
