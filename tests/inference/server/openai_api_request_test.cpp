// OpenAI request parsing: every bad field is a 400 that names it; good requests fill the
// sampling parameters.
#include "inference/server/openai_request.h"

#include <gtest/gtest.h>

namespace rayctl::inference {

namespace {
ApiError error_of(const std::string& body, bool chat) {
  try {
    parse_completion_request(body, chat);
  } catch (const ApiError& e) {
    return e;
  }
  ADD_FAILURE() << "no error for " << body;
  return ApiError(0, "");
}
}  // namespace

TEST(OpenAiRequest, MalformedJsonIs400) {
  auto e = error_of("{\"prompt\": \"hi\",", false);
  EXPECT_EQ(e.status, 400);
  EXPECT_NE(e.message.find("not valid JSON"), std::string::npos);
  EXPECT_EQ(error_of("[1,2]", false).status, 400);
  // Found by fuzz_openai_request: nlohmann::json throws out_of_range, not parse_error, for a
  // number past double's range; it escaped as a 500.
  EXPECT_EQ(error_of(R"({"prompt": "x", "temperature": 0.5E888888888})", false).status, 400);
}

TEST(OpenAiRequest, WrongTypesNameTheField) {
  struct Case {
    const char* body;
    const char* param;
  } cases[] = {
      {R"({"prompt": "x", "temperature": "hot"})", "temperature"},
      {R"({"prompt": "x", "max_tokens": "ten"})", "max_tokens"},
      {R"({"prompt": "x", "max_tokens": 0})", "max_tokens"},
      {R"({"prompt": "x", "stream": "yes"})", "stream"},
      {R"({"prompt": "x", "top_p": 1.5})", "top_p"},
      {R"({"prompt": "x", "stop": 5})", "stop"},
      {R"({"prompt": "x", "stop": ["a", 1]})", "stop[1]"},
      {R"({"prompt": "x", "seed": 1.5})", "seed"},
      {R"({"prompt": 42})", "prompt"},
      {R"({"prompt": "x", "n": 65})", "n"},
      {R"({"prompt": "x", "n": 0})", "n"},
      {R"({"prompt": "x", "best_of": 2})", "best_of"},
      {R"({"prompt": "x", "logprobs": 21})", "logprobs"},
      {R"({"prompt": "x", "logprobs": true})", "logprobs"},
      {R"({"prompt": "x", "logit_bias": {"abc": 1}})", "logit_bias"},
      {R"({"prompt": "x", "logit_bias": {"5": 101}})", "logit_bias"},
      {R"({"prompt": "x", "logit_bias": [1]})", "logit_bias"},
      {R"({"prompt": "x", "model": 7})", "model"},
      {R"({})", "prompt"},
  };
  for (const auto& c : cases) {
    auto e = error_of(c.body, false);
    EXPECT_EQ(e.status, 400) << c.body;
    EXPECT_EQ(e.param, c.param) << c.body;
    EXPECT_EQ(e.to_json()["error"]["param"], c.param);
    EXPECT_EQ(e.to_json()["error"]["type"], "invalid_request_error");
  }
}

TEST(OpenAiRequest, ChatMessagesAreChecked) {
  EXPECT_EQ(error_of(R"({"messages": "hi"})", true).param, "messages");
  EXPECT_EQ(error_of(R"({"messages": []})", true).param, "messages");
  EXPECT_EQ(error_of(R"({"messages": [{"content": "x"}]})", true).param, "messages[0].role");
  EXPECT_EQ(error_of(R"({"messages": [{"role": "user", "content": 3}]})", true).param, "messages[0].content");
  EXPECT_EQ(error_of(R"({"messages": [{"role": "user", "content": [{"type": "image_url"}]}]})", true).param,
            "messages[0].content[0].type");
}

TEST(OpenAiRequest, FillsSamplingAndStreaming) {
  auto r = parse_completion_request(
      R"({"model": "m", "prompt": "Hello", "max_tokens": 5, "temperature": 0, "top_k": 3, "min_p": 0.1,
          "stop": ["\n"], "stop_token_ids": [7], "seed": 9, "ignore_eos": true, "stream": true,
          "stream_options": {"include_usage": true}, "unknown_field": {"ignored": 1}})",
      false);
  EXPECT_EQ(r.model, "m");
  EXPECT_EQ(r.prompt, "Hello");
  EXPECT_EQ(r.sampling.max_tokens, 5);
  EXPECT_TRUE(r.max_tokens_given);
  EXPECT_EQ(r.sampling.temperature, 0.0f);
  EXPECT_EQ(r.sampling.top_k, 3);
  EXPECT_FLOAT_EQ(r.sampling.min_p, 0.1f);
  EXPECT_EQ(r.sampling.stop, std::vector<std::string>{"\n"});
  EXPECT_EQ(r.sampling.stop_token_ids, std::vector<int32_t>{7});
  EXPECT_EQ(*r.sampling.seed, 9u);
  EXPECT_TRUE(r.sampling.ignore_eos);
  EXPECT_TRUE(r.stream);
  EXPECT_TRUE(r.include_usage);
}

TEST(OpenAiRequest, TokenPromptsAndChatMaxCompletionTokens) {
  auto r = parse_completion_request(R"({"prompt": [1, 2, 3]})", false);
  ASSERT_TRUE(r.prompt_tokens);
  EXPECT_EQ(*r.prompt_tokens, (std::vector<int32_t>{1, 2, 3}));
  EXPECT_EQ(error_of(R"({"prompt": [1, -2]})", false).param, "prompt[1]");
  auto c = parse_completion_request(R"({"messages": [{"role": "user", "content": "hi"}], "max_completion_tokens": 7})",
                                    true);
  EXPECT_EQ(c.sampling.max_tokens, 7);
  EXPECT_EQ(c.messages.size(), 1u);
}

}  // namespace rayctl::inference

namespace rayctl::inference {

namespace {
// A chat body whose first message carries `depth` nested arrays under `field`.
std::string nested_chat(const std::string& where, size_t depth) {
  const std::string deep = std::string(depth, '[') + std::string(depth, ']');
  if (where == "chat_template_kwargs")
    return R"({"messages": [{"role": "user", "content": "hi"}], "chat_template_kwargs": {"x": )" + deep + "}}";
  return R"({"messages": [{"role": "user", "content": "hi", "extra": )" + deep + "}]}";
}
}  // namespace

// 200k levels once overflowed the stack in the recursive copy of `messages` (SIGSEGV).
TEST(OpenAiRequest, DeepNestingIs400NamingTheField) {
  for (const char* where : {"messages", "chat_template_kwargs"}) {
    auto e = error_of(nested_chat(where, 200000), true);
    EXPECT_EQ(e.status, 400) << where;
    EXPECT_EQ(e.param, where);
    EXPECT_NE(e.message.find("nested deeper than 64"), std::string::npos) << e.message;
  }
  auto e = error_of(R"({"prompt": "x", "stop": )" + std::string(100000, '[') + std::string(100000, ']') + "}", false);
  EXPECT_EQ(e.param, "stop");
  // The limit counts from the body itself; brackets inside strings do not count.
  EXPECT_NO_THROW(parse_completion_request(nested_chat("messages", 60), true));
  EXPECT_NO_THROW(parse_completion_request(
      R"({"messages": [{"role": "user", "content": ")" + std::string(1000, '[') + R"(\"["}]})", true));
  EXPECT_EQ(error_of(nested_chat("messages", 64), true).param, "messages");
  try {
    parse_json_object(std::string(300000, '['));
    ADD_FAILURE() << "no error for 300k '['";
  } catch (const ApiError& err) {
    EXPECT_EQ(err.status, 400);
    EXPECT_EQ(err.param, "");
  }
}

}  // namespace rayctl::inference

namespace rayctl::inference {

TEST(OpenAiRequest, ChoicesLogprobsAndLogitBiasAreRead) {
  auto c = parse_completion_request(R"({"prompt": "x", "n": 3, "logprobs": 4, "logit_bias": {"7": -100, "12": 2.5}})",
                                    false);
  EXPECT_EQ(c.n, 3);
  EXPECT_EQ(c.sampling.logprobs, 4);
  ASSERT_EQ(c.sampling.logit_bias.size(), 2u);
  EXPECT_EQ(c.sampling.logit_bias[0], (std::pair<int32_t, float>{12, 2.5f}));  // JSON objects iterate sorted
  EXPECT_EQ(c.sampling.logit_bias[1], (std::pair<int32_t, float>{7, -100.0f}));
  auto chat = parse_completion_request(
      R"({"messages": [{"role": "user", "content": "hi"}], "logprobs": true, "top_logprobs": 5,
          "max_completion_tokens": 9})",
      true);
  EXPECT_EQ(chat.sampling.logprobs, 5);
  EXPECT_EQ(chat.sampling.max_tokens, 9);
  EXPECT_EQ(parse_completion_request(R"({"messages": [{"role": "user", "content": "hi"}], "logprobs": true})", true)
                .sampling.logprobs,
            0);
  EXPECT_EQ(parse_completion_request(R"({"messages": [{"role": "user", "content": "hi"}]})", true).sampling.logprobs,
            -1);
  EXPECT_EQ(error_of(R"({"messages": [{"role": "user", "content": "hi"}], "top_logprobs": 2})", true).param,
            "top_logprobs");
  EXPECT_EQ(error_of(R"({"messages": [{"role": "user", "content": "hi"}], "logprobs": 3})", true).param, "logprobs");
}

TEST(OpenAiRequest, WhatIsNotImplementedIsA400NotASilentIgnore) {
  const std::string m = R"("messages": [{"role": "user", "content": "hi"}])";
  const std::string tools = R"("tools": [{"type": "function", "function": {"name": "f"}}])";
  struct Case {
    std::string body;
    const char* param;
  } cases[] = {
      {"{" + m + R"(, "tools": [{"type": "retrieval"}]})", "tools[0]"},
      {"{" + m + R"(, "tools": [{"type": "function", "function": {"name": ""}}]})", "tools[0].function.name"},
      {"{" + m + ", " + tools + R"(, "tool_choice": {"type": "function", "function": {"name": "g"}}})",
       "tool_choice.function.name"},
      {"{" + m + R"(, "tool_choice": "required"})", "tool_choice"},
      {"{" + m + R"(, "tool_choice": "sometimes"})", "tool_choice"},
      {"{" + m + R"(, "functions": []})", "functions"},
      {"{" + m + R"(, "function_call": "auto"})", "function_call"},
      {"{" + m + R"(, "response_format": {"type": "xml"}})", "response_format.type"},
      {"{" + m + R"(, "response_format": {"type": "json_schema", "json_schema": {}}})",
       "response_format.json_schema.schema"},
      {"{" + m + R"(, "modalities": ["text", "audio"]})", "modalities"},
      {"{" + m + R"(, "audio": {"voice": "x"}})", "audio"},
      {"{" + m + R"(, "reasoning_effort": "high"})", "reasoning_effort"},
  };
  for (const auto& c : cases) EXPECT_EQ(error_of(c.body, true).param, c.param) << c.body;
  // Well-formed tools are read (whether the model can use them is the server's question).
  auto r = parse_completion_request("{" + m + ", " + tools + R"(, "tool_choice": {"type": "function",
                                    "function": {"name": "f"}}})",
                                    true);
  EXPECT_TRUE(r.tools);
  EXPECT_EQ(r.tool_choice, "function");
  EXPECT_EQ(r.tool_choice_name, "f");
  EXPECT_FALSE(r.template_extra.contains("tools")) << "rendered only once the server accepts them";
}

}  // namespace rayctl::inference
