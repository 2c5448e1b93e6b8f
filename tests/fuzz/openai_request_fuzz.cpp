// libFuzzer target: arbitrary bytes as an OpenAI request body, the way the server takes them:
// as a completion and as a chat request (messages, chat_template_kwargs, tools), then, for a
// chat request that parses, rendered through the default ChatML template and a template that
// walks every variable it is given (tojson on tools, kwargs and messages). A 400 (ApiError) or a
// template error (rayctl::Error) is an answer; any crash, sanitizer report or other exception
// is a finding.
#include "core/error.h"
#include "inference/server/openai_request.h"
#include "inference/template/chat_template.h"

#include <cstdint>
#include <string>

using namespace rayctl::inference;

namespace {

// Touches what the worker's templates read: roles, content (text or parts), tool calls, tools,
// and any extra variable, printed as JSON.
const char* const kWalkingTemplate =
    "{%- for m in messages -%}{{ m.role }}:{% if m.content is string %}{{ m.content }}"
    "{% elif m.content %}{% for p in m.content %}{{ p.text }}{% endfor %}{% endif %}"
    "{{ m | tojson }}{%- endfor -%}{{ tools | tojson if tools is defined }}"
    "{{ enable_thinking if enable_thinking is defined }}{% if add_generation_prompt %}>{% endif %}";

void render_all(const CompletionRequest& r) {
  static const ChatTemplate chatml(default_chatml_template(), "<|im_start|>", "<|im_end|>");
  static const ChatTemplate walking(kWalkingTemplate, "<s>", "</s>");
  for (const ChatTemplate* t : {&chatml, &walking}) {
    try {
      (void)t->render(r.messages, r.add_generation_prompt, r.template_extra);
    } catch (const rayctl::Error&) {
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  for (bool chat : {false, true}) {
    try {
      CompletionRequest r = parse_completion_request(body, chat);
      if (chat) render_all(r);
    } catch (const ApiError& e) {
      if (e.status != 400) __builtin_trap();  // parsing a body only ever refuses with a 400
      (void)e.to_json().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);  // as the server
    }
  }
  return 0;
}
