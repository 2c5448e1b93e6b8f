// Chat templates render byte-identical to transformers' apply_chat_template for SmolLM2 (ChatML
// with the default system prompt), Llama-3, Llama-3.1 (tools), Qwen2, Qwen2.5 (tools), Qwen3 and
// Mistral-Nemo; template errors (raise_exception) surface as errors. Goldens:
// tests/fixtures/inference/chat_golden.json from scripts/inference-reference/make_golden.py.
#include "core/error.h"
#include "inference/template/chat_template.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

using namespace rayctl::inference;

namespace {
std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
std::string fixtures() { return std::string(RAYCTL_TEST_DATA) + "/fixtures/inference"; }
}  // namespace

TEST(ChatTemplateGolden, RendersByteIdenticalToTransformers) {
  const char* live = std::getenv("RAYCTL_INFERENCE_REFERENCE_DIR");
  auto cases = nlohmann::ordered_json::parse(read_file((live ? std::string(live) : fixtures()) + "/chat_golden.json"));
  ASSERT_GE(cases.size(), 50u);
  std::set<std::string> templates;
  for (const auto& c : cases) {
    std::string name = c["template"].get<std::string>();
    templates.insert(name);
    std::string bos = c["bos_token"].is_null() ? "" : c["bos_token"].get<std::string>();
    std::string eos = c["eos_token"].is_null() ? "" : c["eos_token"].get<std::string>();
    ChatTemplate t(read_file(fixtures() + "/templates/" + name), bos, eos, name);
    nlohmann::ordered_json extra = nlohmann::ordered_json::object();
    if (!c["tools"].is_null()) extra["tools"] = c["tools"];
    std::string what = name + " gen=" + c["add_generation_prompt"].dump() + " messages=" + c["messages"].dump();
    if (c.contains("error")) {
      try {
        t.render(c["messages"], c["add_generation_prompt"].get<bool>(), extra);
        ADD_FAILURE() << what << ": expected the template to raise " << c["error"];
      } catch (const rayctl::Error& e) {
        EXPECT_NE(e.message().find(c["error"].get<std::string>()), std::string::npos) << e.message();
      }
      continue;
    }
    std::string got;
    try {
      got = t.render(c["messages"], c["add_generation_prompt"].get<bool>(), extra);
    } catch (const rayctl::Error& e) {
      ADD_FAILURE() << what << ": " << e.message();
      continue;
    }
    EXPECT_EQ(got, c["expected"].get<std::string>()) << what;
  }
  EXPECT_TRUE(templates.count("SmolLM2-135M-Instruct.jinja"));
  EXPECT_TRUE(templates.count("Meta-Llama-3-8B-Instruct.jinja"));
  EXPECT_TRUE(templates.count("Qwen2-Instruct.jinja"));
}

TEST(ChatTemplate, SyntaxErrorsNameTheLine) {
  try {
    ChatTemplate t("line one\n{% if x %}\n{{ 1 + }}\n{% endif %}", "", "", "bad.jinja");
    FAIL() << "parsed a broken template";
  } catch (const rayctl::Error& e) {
    EXPECT_NE(e.message().find("bad.jinja:3"), std::string::npos) << e.message();
  }
  EXPECT_THROW(ChatTemplate("{% for x in y %}no end", "", "", "t"), rayctl::Error);
}
