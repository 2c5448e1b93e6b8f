// Parsing and validation of OpenAI completion / chat completion requests.
#include "inference/server/openai_request.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdlib>

namespace rayctl::inference {

using nlohmann::json;

json ApiError::to_json() const {
  std::string t = type;
  if (t.empty()) {
    t = status == 401   ? "authentication_error"
        : status == 404 ? "not_found_error"
        : status == 503 ? "service_unavailable_error"
        : status >= 500 ? "internal_error"
                        : "invalid_request_error";
  }
  return {
      {"error",
       {{"message", message}, {"type", t}, {"param", param.empty() ? json(nullptr) : json(param)}, {"code", status}}}};
}

void check_json_depth(std::string_view body, size_t max_depth) {
  size_t depth = 0;
  std::string_view last_string, field;  // the latest string; the top-level key we are under
  for (size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (c == '"') {
      const size_t start = ++i;
      while (i < body.size() && body[i] != '"') i += body[i] == '\\' ? 2 : 1;
      last_string = body.substr(start, std::min(i, body.size()) - start);
    } else if (c == ':' && depth == 1) {
      field = last_string;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) {
        // The key as written, when it is plain printable ASCII (the body is not parsed yet).
        std::string name(field.substr(0, 64));
        if (std::any_of(name.begin(), name.end(), [](char k) { return k < 0x20 || k > 0x7e || k == '\\'; }))
          name.clear();
        throw ApiError(400,
                       (name.empty() ? std::string("the request body") : "'" + name + "'") + " is nested deeper than " +
                           std::to_string(max_depth) + " levels",
                       name);
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      if (--depth == 1) field = {};
    }
  }
}

json parse_json_object(const std::string& body) {
  check_json_depth(body);
  json j;
  try {
    j = json::parse(body);
  } catch (const json::exception& e) {  // parse_error, and out_of_range for a number like 1e400
    throw ApiError(400, std::string("the request body is not valid JSON: ") + e.what());
  }
  if (!j.is_object()) throw ApiError(400, "the request body must be a JSON object");
  return j;
}

namespace {

const char* type_name(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::string: return "a string";
    case json::value_t::array: return "an array";
    case json::value_t::object: return "an object";
    default: return "a number";
  }
}

[[noreturn]] void bad(const std::string& field, const std::string& what) {
  throw ApiError(400, "'" + field + "' " + what, field);
}

[[noreturn]] void wrong_type(const std::string& field, const char* expected, const json& v) {
  bad(field, std::string("must be ") + expected + ", not " + type_name(v));
}

// A present, non-null field, or nullptr.
const json* field(const json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return nullptr;
  return &*it;
}

std::optional<double> get_number(const json& body, const char* name, double lo, double hi) {
  const json* v = field(body, name);
  if (!v) return std::nullopt;
  if (!v->is_number()) wrong_type(name, "a number", *v);
  double d = v->get<double>();
  if (!std::isfinite(d) || d < lo || d > hi) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "must be between %g and %g, got %g", lo, hi, d);
    bad(name, buf);
  }
  return d;
}

std::optional<int64_t> get_int(const json& body, const char* name, int64_t lo, int64_t hi) {
  const json* v = field(body, name);
  if (!v) return std::nullopt;
  if (!v->is_number_integer() && !(v->is_number_float() && std::floor(v->get<double>()) == v->get<double>()))
    wrong_type(name, "an integer", *v);
  // Unsigned values above int64 range would wrap: check via double first.
  double d = v->get<double>();
  if (d < static_cast<double>(lo) || d > static_cast<double>(hi)) {
    bad(name, "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
  }
  return v->is_number_unsigned() ? static_cast<int64_t>(v->get<uint64_t>()) : v->get<int64_t>();
}

std::optional<bool> get_bool(const json& body, const char* name) {
  const json* v = field(body, name);
  if (!v) return std::nullopt;
  if (!v->is_boolean()) wrong_type(name, "a boolean", *v);
  return v->get<bool>();
}

std::vector<int32_t> token_list(const json& v, const std::string& name) {
  std::vector<int32_t> out;
  for (size_t i = 0; i < v.size(); ++i) {
    const json& t = v[i];
    if (!t.is_number_integer() || t.get<int64_t>() < 0 || t.get<int64_t>() > INT32_MAX)
      bad(name + "[" + std::to_string(i) + "]", "must be a token id (a non-negative integer)");
    out.push_back(static_cast<int32_t>(t.get<int64_t>()));
  }
  return out;
}

void parse_prompt(const json& body, CompletionRequest& r) {
  const json* p = field(body, "prompt");
  if (!p) bad("prompt", "is required");
  if (p->is_string()) {
    r.prompt = p->get<std::string>();
    return;
  }
  if (!p->is_array()) wrong_type("prompt", "a string or an array of token ids", *p);
  if (p->empty()) bad("prompt", "must not be empty");
  if ((*p)[0].is_number()) {
    r.prompt_tokens = token_list(*p, "prompt");
    return;
  }
  if (p->size() != 1) bad("prompt", "holds several prompts; this server takes one prompt per request");
  const json& one = (*p)[0];
  if (one.is_string()) {
    r.prompt = one.get<std::string>();
  } else if (one.is_array()) {
    r.prompt_tokens = token_list(one, "prompt[0]");
  } else {
    wrong_type("prompt[0]", "a string or an array of token ids", one);
  }
}

void parse_tools(const json& body, CompletionRequest& r);

void parse_messages(const json& body, CompletionRequest& r) {
  const json* m = field(body, "messages");
  if (!m) bad("messages", "is required");
  if (!m->is_array()) wrong_type("messages", "an array", *m);
  if (m->empty()) bad("messages", "must not be empty");
  for (size_t i = 0; i < m->size(); ++i) {
    const json& msg = (*m)[i];
    const std::string at = "messages[" + std::to_string(i) + "]";
    if (!msg.is_object()) wrong_type(at, "an object", msg);
    auto role = msg.find("role");
    if (role == msg.end()) bad(at + ".role", "is required");
    if (!role->is_string()) wrong_type(at + ".role", "a string", *role);
    auto content = msg.find("content");
    if (content != msg.end() && !content->is_null() && !content->is_string()) {
      if (!content->is_array()) wrong_type(at + ".content", "a string or an array of content parts", *content);
      for (size_t k = 0; k < content->size(); ++k) {
        const json& part = (*content)[k];
        const std::string pat = at + ".content[" + std::to_string(k) + "]";
        if (!part.is_object() || !part.contains("type") || !part["type"].is_string())
          bad(pat, "must be an object with a string 'type'");
        if (part["type"] != "text")
          bad(pat + ".type", "'" + part["type"].get<std::string>() + "' parts are not supported; only 'text'");
        if (!part.contains("text") || !part["text"].is_string()) bad(pat + ".text", "must be a string");
      }
    }
  }
  r.messages = *m;
  if (auto g = get_bool(body, "add_generation_prompt")) r.add_generation_prompt = *g;
  if (const json* kw = field(body, "chat_template_kwargs")) {
    if (!kw->is_object()) wrong_type("chat_template_kwargs", "an object", *kw);
    r.template_extra = *kw;
  }
  parse_tools(body, r);
}

// tools: [{"type": "function", "function": {"name", "description"?, "parameters"?}}]; tool_choice:
// "none" | "auto" | "required" | {"type": "function", "function": {"name"}} (one of the tools).
void parse_tools(const json& body, CompletionRequest& r) {
  if (const json* tools = field(body, "tools")) {
    if (!tools->is_array()) wrong_type("tools", "an array", *tools);
    for (size_t i = 0; i < tools->size(); ++i) {
      const json& t = (*tools)[i];
      const std::string at = "tools[" + std::to_string(i) + "]";
      if (!t.is_object() || t.value("type", "") != "function" || !t.contains("function") || !t["function"].is_object())
        bad(at, "must be {\"type\": \"function\", \"function\": {...}}");
      const json& f = t["function"];
      if (!f.contains("name") || !f["name"].is_string() || f["name"].get<std::string>().empty())
        bad(at + ".function.name", "must be a non-empty string");
      if (f.contains("parameters") && !f["parameters"].is_object())
        wrong_type(at + ".function.parameters", "an object", f["parameters"]);
    }
    r.tools = !tools->empty();
    r.tools_json = *tools;
  }
  if (const json* tc = field(body, "tool_choice")) {
    if (tc->is_string()) {
      r.tool_choice = tc->get<std::string>();
      if (r.tool_choice != "none" && r.tool_choice != "auto" && r.tool_choice != "required")
        bad("tool_choice", "must be \"none\", \"auto\", \"required\" or {\"type\": \"function\", ...}");
    } else if (tc->is_object()) {
      const json* fn = field(*tc, "function");
      if (!fn || !fn->is_object() || !fn->contains("name") || !(*fn)["name"].is_string())
        bad("tool_choice.function.name", "must name one of the tools");
      r.tool_choice = "function";
      r.tool_choice_name = (*fn)["name"].get<std::string>();
      bool found = false;
      for (const json& t : r.tools_json) found |= t["function"]["name"] == r.tool_choice_name;
      if (!found) bad("tool_choice.function.name", "\"" + r.tool_choice_name + "\" is not among the tools");
    } else {
      wrong_type("tool_choice", "a string or an object", *tc);
    }
    if (!r.tools && (r.tool_choice == "required")) bad("tool_choice", "\"required\" needs tools");
  }
}

void parse_stop(const json& body, SamplingParams& s) {
  if (const json* stop = field(body, "stop")) {
    if (stop->is_string()) {
      s.stop.push_back(stop->get<std::string>());
    } else if (stop->is_array()) {
      for (size_t i = 0; i < stop->size(); ++i) {
        if (!(*stop)[i].is_string()) wrong_type("stop[" + std::to_string(i) + "]", "a string", (*stop)[i]);
        s.stop.push_back((*stop)[i].get<std::string>());
      }
    } else {
      wrong_type("stop", "a string or an array of strings", *stop);
    }
  }
  if (const json* ids = field(body, "stop_token_ids")) {
    if (!ids->is_array()) wrong_type("stop_token_ids", "an array of token ids", *ids);
    s.stop_token_ids = token_list(*ids, "stop_token_ids");
  }
}

// Chat: logprobs (a boolean) and top_logprobs (0..20, needs logprobs). Completions: logprobs
// (an integer 0..20: how many alternatives; null or absent: none).
void parse_logprobs(const json& body, CompletionRequest& r) {
  const json* lp = field(body, "logprobs");
  if (r.chat) {
    bool on = false;
    if (lp) {
      if (!lp->is_boolean()) wrong_type("logprobs", "a boolean", *lp);
      on = lp->get<bool>();
    }
    auto top = get_int(body, "top_logprobs", 0, kMaxTopLogprobs);
    if (top && !on) bad("top_logprobs", "needs \"logprobs\": true");
    r.sampling.logprobs = on ? static_cast<int>(top.value_or(0)) : -1;
    return;
  }
  if (auto n = get_int(body, "logprobs", 0, kMaxTopLogprobs)) r.sampling.logprobs = static_cast<int>(*n);
}

// logit_bias: {"<token id>": bias in [-100, 100]}. Ids are checked against the vocabulary
// later, where the model is known.
void parse_logit_bias(const json& body, SamplingParams& s) {
  const json* lb = field(body, "logit_bias");
  if (!lb) return;
  if (!lb->is_object()) wrong_type("logit_bias", "an object", *lb);
  for (const auto& [key, v] : lb->items()) {
    char* end = nullptr;
    const long id = std::strtol(key.c_str(), &end, 10);
    if (key.empty() || *end != '\0' || id < 0 || id > INT32_MAX)
      bad("logit_bias", "keys must be token ids (\"" + key + "\" is not)");
    if (!v.is_number()) wrong_type("logit_bias[\"" + key + "\"]", "a number", v);
    const double b = v.get<double>();
    if (b < -100 || b > 100) bad("logit_bias", "values must be in [-100, 100] (" + key + ": " + v.dump() + ")");
    s.logit_bias.emplace_back(static_cast<int32_t>(id), static_cast<float>(b));
  }
}

void parse_sampling(const json& body, CompletionRequest& r) {
  auto& s = r.sampling;
  s.temperature = 1.0f;
  if (auto v = get_number(body, "temperature", 0, 2)) s.temperature = static_cast<float>(*v);
  if (auto v = get_number(body, "top_p", 0, 1)) {
    if (*v <= 0) bad("top_p", "must be in (0, 1]");
    s.top_p = static_cast<float>(*v);
  }
  if (auto v = get_int(body, "top_k", -1, 1 << 30)) s.top_k = static_cast<int>(*v);
  if (auto v = get_number(body, "min_p", 0, 1)) s.min_p = static_cast<float>(*v);
  if (auto v = get_number(body, "presence_penalty", -2, 2)) s.presence_penalty = static_cast<float>(*v);
  if (auto v = get_number(body, "frequency_penalty", -2, 2)) s.frequency_penalty = static_cast<float>(*v);
  if (auto v = get_number(body, "repetition_penalty", 0, 10)) {
    if (*v <= 0) bad("repetition_penalty", "must be > 0");
    s.repetition_penalty = static_cast<float>(*v);
  }
  if (auto v = get_int(body, "seed", INT64_MIN, INT64_MAX)) s.seed = static_cast<uint64_t>(*v);
  if (auto v = get_bool(body, "ignore_eos")) s.ignore_eos = *v;
  const char* max_field = r.chat && field(body, "max_completion_tokens") ? "max_completion_tokens" : "max_tokens";
  if (auto v = get_int(body, max_field, 1, 1 << 30)) {
    s.max_tokens = static_cast<int>(*v);
    r.max_tokens_given = true;
  }
  parse_stop(body, s);
  if (auto n = get_int(body, "n", 1, kMaxChoices)) r.n = static_cast<int>(*n);
  if (auto b = get_int(body, "best_of", 1, 1 << 20); b && *b != 1)
    bad("best_of", "must be 1: this server does not rank several samples (use n)");
  parse_logprobs(body, r);
  parse_logit_bias(body, s);
  if (const json* rf = field(body, "response_format")) {
    if (!rf->is_object()) wrong_type("response_format", "an object", *rf);
    auto t = rf->find("type");
    if (t == rf->end() || !t->is_string())
      bad("response_format.type", "must be \"text\", \"json_object\" or \"json_schema\"");
    const std::string type = t->get<std::string>();
    if (type == "json_object") {
      r.response_format = type;
    } else if (type == "json_schema") {
      const json* js = field(*rf, "json_schema");
      if (!js || !js->is_object()) bad("response_format.json_schema", "must be an object with a \"schema\"");
      const json* schema = field(*js, "schema");
      if (!schema) bad("response_format.json_schema.schema", "is required");
      r.response_format = type;
      r.schema = *schema;
    } else if (type != "text") {
      bad("response_format.type", "must be \"text\", \"json_object\" or \"json_schema\"");
    }
  }
  if (const json* user = field(body, "user"); user && !user->is_string()) wrong_type("user", "a string", *user);
  // OpenAI parameters this server does not implement: a 400, never a silent ignore.
  static const std::pair<const char*, const char*> kRefused[] = {
      {"functions", "is the deprecated form of tools: send tools"},
      {"function_call", "is the deprecated form of tool_choice: send tool_choice"},
      {"audio", "audio output is not supported"},
      {"prediction", "predicted outputs are not supported"},
      {"reasoning_effort", "is for reasoning models; this server has no reasoning budget"},
      {"web_search_options", "web search is not supported"},
  };
  for (const auto& [name, why] : kRefused)
    if (field(body, name)) bad(name, why);
  if (const json* m = field(body, "modalities")) {
    if (!m->is_array()) wrong_type("modalities", "an array", *m);
    for (const json& x : *m)
      if (x != "text") bad("modalities", "only [\"text\"] is supported");
  }
}

}  // namespace

CompletionRequest parse_completion_request(const std::string& body_text, bool chat) {
  json body = parse_json_object(body_text);
  CompletionRequest r;
  r.chat = chat;
  if (const json* m = field(body, "model")) {
    if (!m->is_string()) wrong_type("model", "a string", *m);
    r.model = m->get<std::string>();
  }
  if (chat)
    parse_messages(body, r);
  else
    parse_prompt(body, r);
  parse_sampling(body, r);
  if (auto v = get_bool(body, "stream")) r.stream = *v;
  if (const json* so = field(body, "stream_options")) {
    if (!so->is_object()) wrong_type("stream_options", "an object", *so);
    if (const json* iu = field(*so, "include_usage")) {
      if (!iu->is_boolean()) wrong_type("stream_options.include_usage", "a boolean", *iu);
      r.include_usage = iu->get<bool>();
    }
  }
  if (!chat) {
    if (auto v = get_bool(body, "echo")) r.echo = *v;
    if (const json* suffix = field(body, "suffix")) {
      if (!suffix->is_string()) wrong_type("suffix", "a string", *suffix);
      if (!suffix->get<std::string>().empty()) bad("suffix", "is not supported by this server");
    }
  }
  return r;
}

}  // namespace rayctl::inference
