// ChatTemplate: a model's own Jinja chat template (GGUF tokenizer.chat_template,
// tokenizer_config.json "chat_template" or chat_template.jinja), parsed once and rendered with
// the variables HF's apply_chat_template passes: messages, add_generation_prompt, bos_token,
// eos_token and optional tools / extra variables. Output is byte-identical to HF for the
// templates real models ship (ChatML/SmolLM2, Llama-3, Qwen2). The interpreter lives in
// jinja_*.h; this file only fixes the calling convention.
#pragma once

#include <nlohmann/json.hpp>

#include <memory>
#include <string>

namespace rayctl::inference {

namespace jinja {
class Template;
}

class ChatTemplate {
 public:
  // Parses `source`. Throws rayctl::Error(Invalid) with "<source_name>:line:col: ..." on a
  // syntax error. bos/eos are the special token strings the template may reference.
  ChatTemplate(std::string source, std::string bos_token, std::string eos_token,
               std::string source_name = "chat template");
  ~ChatTemplate();
  ChatTemplate(ChatTemplate&&) noexcept;
  ChatTemplate& operator=(ChatTemplate&&) noexcept;

  // messages: a JSON array of {"role": ..., "content": ...} (content may also be null or a list
  // of {"type":"text","text":...} parts; other keys such as tool_calls are passed through).
  // extra: more top-level variables (e.g. {"tools": [...]}, {"enable_thinking": false}).
  // Throws rayctl::Error(Invalid) when the template raises (raise_exception) or fails at run
  // time; the message says which template line.
  std::string render(const nlohmann::json& messages, bool add_generation_prompt,
                     const nlohmann::json& extra = nlohmann::json::object()) const;
  // The same for insertion-ordered JSON: `tojson` then prints objects (tools, tool_calls) in the
  // caller's key order, as Python does. Use it when the request body was parsed as ordered_json.
  std::string render(const nlohmann::ordered_json& messages, bool add_generation_prompt,
                     const nlohmann::ordered_json& extra) const;

  const std::string& source() const { return source_; }
  const std::string& bos_token() const { return bos_; }
  const std::string& eos_token() const { return eos_; }

 private:
  std::string source_;
  std::string bos_;
  std::string eos_;
  std::string name_;
  std::unique_ptr<jinja::Template> tmpl_;
};

// ChatML as SmolLM2 ships it (with the default system prompt); used when a model has no
// template of its own.
const std::string& default_chatml_template();

}  // namespace rayctl::inference
