// ChatTemplate: parses the model's Jinja template once and renders it with the variables
// transformers' apply_chat_template passes (see chat_template.h).
#include "inference/template/chat_template.h"

#include "core/error.h"
#include "inference/template/jinja_template.h"

namespace rayctl::inference {

namespace {

Error template_error(const std::string& source_name, const jinja::TemplateError& e, const char* phase) {
  std::string where = source_name + (e.line > 0 ? ":" + std::to_string(e.line) : "");
  return Error(ErrorKind::Invalid, where + ": chat template " + phase + ": " + e.what(),
               std::string(phase) == "raised an exception"
                   ? "the conversation does not fit what the model's template accepts (roles, order, tools)"
                   : "fix the template or pass another one");
}

template <typename Json>
std::string render_impl(const jinja::Template& t, const std::string& name, const std::string& bos,
                        const std::string& eos, const Json& messages, bool add_generation_prompt, const Json& extra) {
  jinja::Dict globals;
  globals.emplace_back("messages", jinja::Value::from_json(messages));
  globals.emplace_back("add_generation_prompt", jinja::Value(add_generation_prompt));
  globals.emplace_back("bos_token", jinja::Value(bos));
  globals.emplace_back("eos_token", jinja::Value(eos));
  if (extra.is_object())
    for (auto it = extra.begin(); it != extra.end(); ++it) {
      if (it.key() == "tools" && it.value().is_null()) continue;  // transformers omits tools=None
      globals.emplace_back(it.key(), jinja::Value::from_json(it.value()));
    }
  try {
    return t.render(globals);
  } catch (const jinja::TemplateError& e) {
    throw template_error(name, e, e.raised ? "raised an exception" : "failed");
  }
}

}  // namespace

ChatTemplate::ChatTemplate(std::string source, std::string bos_token, std::string eos_token, std::string source_name)
    : source_(std::move(source)),
      bos_(std::move(bos_token)),
      eos_(std::move(eos_token)),
      name_(std::move(source_name)) {
  try {
    tmpl_ = std::make_unique<jinja::Template>(source_);
  } catch (const jinja::TemplateError& e) {
    throw template_error(name_, e, "does not parse");
  }
}

ChatTemplate::~ChatTemplate() = default;
ChatTemplate::ChatTemplate(ChatTemplate&&) noexcept = default;
ChatTemplate& ChatTemplate::operator=(ChatTemplate&&) noexcept = default;

std::string ChatTemplate::render(const nlohmann::json& messages, bool add_generation_prompt,
                                 const nlohmann::json& extra) const {
  return render_impl(*tmpl_, name_, bos_, eos_, messages, add_generation_prompt, extra);
}

std::string ChatTemplate::render(const nlohmann::ordered_json& messages, bool add_generation_prompt,
                                 const nlohmann::ordered_json& extra) const {
  return render_impl(*tmpl_, name_, bos_, eos_, messages, add_generation_prompt, extra);
}

const std::string& default_chatml_template() {
  static const std::string t =
      "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ "
      "'<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}"
      "{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}"
      "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";
  return t;
}

}  // namespace rayctl::inference
