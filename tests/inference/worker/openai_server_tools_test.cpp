// Tool calling over HTTP on a tiny random-weight Qwen2 checkpoint that carries the real
// Qwen2.5-7B-Instruct chat template (tests/fixtures/inference/templates; copied beside the
// tiny checkpoint's files into a temporary directory): the tools are rendered into the prompt,
// tool_choice with a named function or "required" is enforced by the grammar, and the reply comes
// back as tool_calls (Hermes format parsed) with finish_reason "tool_calls", whole and streamed.
// A model whose template renders no tools (the tiny llama) gets a 400 saying so.
#include "inference/server/openai_response.h"
#include "inference/worker/inference_server.h"
#include "tests/inference/server/loopback_http.h"

#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>

namespace rayctl::inference {

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

const std::string kData = std::string(RAYCTL_TEST_DATA) + "/fixtures/inference/";

std::pair<int, std::string> post(int port, const json& body) {
  return loopback_http(port, "POST", "/v1/chat/completions", body.dump());
}

// The tiny qwen2 checkpoint with Qwen2.5's template, in a fresh directory.
std::string qwen_with_tools() {
  const fs::path dir = fs::temp_directory_path() / ("rayctl-tiny-qwen-tools-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  for (const auto& e : fs::directory_iterator(kData + "tiny/tiny-qwen2-bf16"))
    if (e.path().filename() != "chat_template.jinja")
      fs::copy_file(e.path(), dir / e.path().filename(), fs::copy_options::overwrite_existing);
  fs::copy_file(kData + "templates/Qwen-Qwen2.5-7B-Instruct.jinja", dir / "chat_template.jinja",
                fs::copy_options::overwrite_existing);
  return dir.string();
}

std::unique_ptr<InferenceServer> serve(const std::string& model) {
  InferenceServerConfig c;
  c.model_path = model;
  c.model_id = "tiny";
  c.http.port = 0;
  c.engine.context = 2048;
  c.backend.threads = 1;
  auto s = std::make_unique<InferenceServer>(c);
  s->start();
  s->load();
  return s;
}

const json kTools = json::parse(R"([
  {"type": "function", "function": {"name": "get_weather", "description": "Weather of a city",
   "parameters": {"type": "object", "properties": {"city": {"type": "string", "maxLength": 12},
                  "days": {"type": "integer"}}, "required": ["city", "days"]}}},
  {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object",
   "properties": {"zone": {"type": "string", "maxLength": 8}}, "required": ["zone"]}}}])");

json ask(const json& tool_choice, bool stream = false) {
  return {{"messages", {{{"role", "user"}, {"content", "What is the weather in Paris?"}}}},
          {"tools", kTools},
          {"tool_choice", tool_choice},
          {"max_tokens", 200},
          {"temperature", 1.0},
          {"seed", 4},
          {"stream", stream}};
}

}  // namespace

TEST(OpenAiTools, ANamedFunctionComesBackAsAToolCallWithValidArguments) {
  const std::string model = qwen_with_tools();
  auto server = serve(model);
  auto [status, body] = post(server->port(), ask({{"type", "function"}, {"function", {{"name", "get_weather"}}}}));
  ASSERT_EQ(status, 200) << body;
  const json c = json::parse(body)["choices"][0];
  EXPECT_EQ(c["finish_reason"], "tool_calls") << c.dump();
  ASSERT_EQ(c["message"]["tool_calls"].size(), 1u) << c.dump();
  const json call = c["message"]["tool_calls"][0];
  EXPECT_EQ(call["type"], "function");
  EXPECT_EQ(call["id"].get<std::string>().rfind("call_", 0), 0u);
  EXPECT_EQ(call["function"]["name"], "get_weather");
  const json args = json::parse(call["function"]["arguments"].get<std::string>());
  EXPECT_TRUE(args["city"].is_string()) << args.dump();
  EXPECT_TRUE(args["days"].is_number_integer()) << args.dump();
  EXPECT_TRUE(c["message"]["content"].is_null());
  fs::remove_all(model);
}

TEST(OpenAiTools, RequiredPicksOneOfTheToolsAndStreamsTheCallAsADelta) {
  const std::string model = qwen_with_tools();
  auto server = serve(model);
  auto [status, body] = post(server->port(), ask("required", true));
  ASSERT_EQ(status, 200) << body;
  json call;
  std::string finish;
  for (size_t at = 0, e; (e = body.find("\n\n", at)) != std::string::npos; at = e + 2) {
    const std::string ev = body.substr(at + 6, e - at - 6);
    if (ev == "[DONE]") break;
    const json j = json::parse(ev);  // kept: a range over a temporary's member would dangle
    for (const json& ch : j["choices"]) {
      if (ch["delta"].contains("tool_calls")) call = ch["delta"]["tool_calls"][0];
      if (!ch["finish_reason"].is_null()) finish = ch["finish_reason"];
    }
  }
  EXPECT_EQ(finish, "tool_calls");
  ASSERT_TRUE(call.is_object()) << body;
  EXPECT_EQ(call["index"], 0);
  const std::string name = call["function"]["name"];
  EXPECT_TRUE(name == "get_weather" || name == "get_time") << name;
  EXPECT_TRUE(json::parse(call["function"]["arguments"].get<std::string>()).is_object());
  fs::remove_all(model);
}

TEST(OpenAiTools, ToolMessagesGoBackIntoTheTemplate) {
  const std::string model = qwen_with_tools();
  auto server = serve(model);
  json req = ask("auto");
  req["messages"].push_back(
      {{"role", "assistant"},
       {"content", nullptr},
       {"tool_calls",
        {{{"id", "call_1"},
          {"type", "function"},
          {"function", {{"name", "get_weather"}, {"arguments", R"({"city":"Paris","days":1})"}}}}}}});
  req["messages"].push_back({{"role", "tool"}, {"tool_call_id", "call_1"}, {"content", "sunny, 21 C"}});
  req["max_tokens"] = 8;
  auto [status, body] = post(server->port(), req);
  EXPECT_EQ(status, 200) << body;
  fs::remove_all(model);
}

TEST(OpenAiTools, AModelWhoseTemplateHasNoToolsRefusesThem) {
  auto server = serve(kData + "tiny/tiny-llama-f32");
  auto [status, body] = post(server->port(), ask("auto"));
  EXPECT_EQ(status, 400);
  EXPECT_NE(body.find("does not render tools"), std::string::npos) << body;
  json none = ask("none");
  none["max_tokens"] = 4;
  EXPECT_EQ(post(server->port(), none).first, 200) << "tool_choice none: the tools are not offered";
}

TEST(ToolCallParsing, HermesAndLlamaFormats) {
  auto h = parse_tool_calls("Sure.\n<tool_call>\n{\"name\": \"f\", \"arguments\": {\"a\": 1}}\n</tool_call>",
                            ToolFormat::Hermes);
  ASSERT_EQ(h.calls.size(), 1u);
  EXPECT_EQ(h.calls[0]["function"]["name"], "f");
  EXPECT_EQ(json::parse(h.calls[0]["function"]["arguments"].get<std::string>()), json({{"a", 1}}));
  EXPECT_EQ(h.content, "Sure.");
  auto bad = parse_tool_calls("<tool_call>{not json}</tool_call>", ToolFormat::Hermes);
  EXPECT_TRUE(bad.calls.empty());
  EXPECT_EQ(bad.content, "<tool_call>{not json}</tool_call>");
  auto l = parse_tool_calls("<|python_tag|>{\"name\": \"g\", \"parameters\": {\"x\": \"y\"}}", ToolFormat::Llama);
  ASSERT_EQ(l.calls.size(), 1u);
  EXPECT_EQ(l.calls[0]["function"]["name"], "g");
  EXPECT_EQ(parse_tool_calls("Just text.", ToolFormat::Llama).calls.size(), 0u);
}

}  // namespace rayctl::inference
