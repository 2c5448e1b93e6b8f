// JsonMatcher over a real byte-level vocabulary (the tiny llama checkpoint's tokenizer): what it
// accepts and refuses byte by byte, and random walks — every step draws uniformly among the
// tokens the mask allows, until end of sequence — whose outputs must all parse and validate
// against their schema (a small validator of the supported keywords, below), 300 walks over 10
// schemas. The real-model version with the jsonschema package is tests/integration/openai_client.
#include "inference/grammar/json_matcher.h"
#include "inference/grammar/json_grammar.h"
#include "inference/model/model_config.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <random>

namespace rayctl::inference {
namespace {

using nlohmann::json;

const ModelFile& tiny() {
  static auto m = ModelFile::open(std::string(RAYCTL_TEST_DATA) + "/fixtures/inference/tiny/tiny-llama-f32");
  return *m;
}

// The supported keywords, checked the way JSON Schema defines them.
bool valid(const json& v, const json& s) {
  if (s.is_boolean()) return s.get<bool>();
  if (s.contains("const") && v != s["const"]) return false;
  if (s.contains("enum") && std::find(s["enum"].begin(), s["enum"].end(), v) == s["enum"].end()) return false;
  if (s.contains("type")) {
    auto is = [&](const std::string& t) {
      return (t == "object" && v.is_object()) || (t == "array" && v.is_array()) || (t == "string" && v.is_string()) ||
             (t == "integer" && v.is_number_integer()) || (t == "number" && v.is_number()) ||
             (t == "boolean" && v.is_boolean()) || (t == "null" && v.is_null());
    };
    bool ok = false;
    if (s["type"].is_string())
      ok = is(s["type"]);
    else
      for (const json& t : s["type"]) ok |= is(t);
    if (!ok) return false;
  }
  if (v.is_object() && s.contains("properties")) {
    for (const json& r : s.value("required", json::array()))
      if (!v.contains(r.get<std::string>())) return false;
    for (const auto& [k, x] : v.items()) {
      if (!s["properties"].contains(k)) return false;
      if (!valid(x, s["properties"][k])) return false;
    }
  }
  if (v.is_array()) {
    if (v.size() < s.value("minItems", 0u) || v.size() > s.value("maxItems", 1000u)) return false;
    if (s.contains("items"))
      for (const json& x : v)
        if (!valid(x, s["items"])) return false;
  }
  if (v.is_string()) {  // lengths in characters (code points)
    size_t chars = 0;
    for (unsigned char c : v.get<std::string>()) chars += (c & 0xC0) != 0x80;
    if (chars < s.value("minLength", 0u) || chars > s.value("maxLength", 100000u)) return false;
  }
  return true;
}

// One random walk: returns the text, or "" when it did not end within `max_tokens`.
std::string walk(const std::shared_ptr<JsonGrammar>& g, std::mt19937& rng, int max_tokens) {
  JsonMatcher m(g);
  const int n = tiny().tokenizer().n_vocab();
  const auto& eos = g->eos_ids();
  std::string out;
  std::vector<float> logits(static_cast<size_t>(n));
  for (int i = 0; i < max_tokens; ++i) {
    std::fill(logits.begin(), logits.end(), 0.0f);
    m.mask(logits);
    std::vector<int32_t> allowed;
    for (int t = 0; t < n; ++t)
      if (std::isfinite(logits[static_cast<size_t>(t)])) allowed.push_back(t);
    if (allowed.empty()) return "";
    // Prefer ending once allowed half the time, so walks finish.
    int32_t t = allowed[std::uniform_int_distribution<size_t>(0, allowed.size() - 1)(rng)];
    for (int32_t e : eos)
      if (std::find(allowed.begin(), allowed.end(), e) != allowed.end() && rng() % 2) t = e;
    if (std::find(eos.begin(), eos.end(), t) != eos.end()) return out;
    EXPECT_TRUE(m.accept(t));
    out += g->token_bytes()[static_cast<size_t>(t)];
  }
  return "";
}

const char* kSchemas[] = {
    R"({"type": "object", "properties": {"name": {"type": "string", "maxLength": 12}, "age": {"type": "integer"}},
        "required": ["name", "age"], "additionalProperties": false})",
    R"({"type": "object", "properties": {"ok": {"type": "boolean"}, "note": {"type": ["string", "null"], "maxLength": 8}},
        "required": ["ok"]})",
    R"({"type": "array", "items": {"type": "number"}, "minItems": 1, "maxItems": 4})",
    R"({"type": "object", "properties": {"colour": {"enum": ["red", "green", "blue"]}, "n": {"enum": [1, 12, 123]}},
        "required": ["colour", "n"]})",
    R"({"type": "object", "properties": {"tags": {"type": "array", "items": {"type": "string", "maxLength": 5},
        "maxItems": 3}}, "required": ["tags"]})",
    R"({"type": "object", "properties": {"inner": {"type": "object", "properties": {"x": {"type": "number"},
        "y": {"type": "number"}}, "required": ["x", "y"]}}, "required": ["inner"]})",
    R"({"type": "object", "properties": {"a": {"type": "string", "minLength": 2, "maxLength": 4},
        "b": {"const": "fixed"}, "c": {"type": "null"}}, "required": ["a", "b", "c"]})",
    R"({"type": "object", "properties": {"id": {"type": "integer"}, "opt1": {"type": "string", "maxLength": 3},
        "opt2": {"type": "boolean"}}, "required": ["id"]})",
    R"({"type": "object"})",
    R"({"type": "object", "properties": {"matrix": {"type": "array", "items": {"type": "array",
        "items": {"type": "integer"}, "maxItems": 3}, "maxItems": 3}}, "required": ["matrix"]})",
};

}  // namespace

TEST(JsonMatcher, AcceptsTheSchemasJsonByteByByteAndRefusesTheRest) {
  auto g = JsonGrammar::from_schema(json::parse(kSchemas[0]), tiny().tokenizer());
  auto run = [&](const std::string& text) {
    JsonMatcher m(g);
    return m.accept_bytes(text) && m.complete();
  };
  EXPECT_TRUE(run(R"({"age":30,"name":"Ann"})")) << "properties in the grammar's (alphabetical) order";
  EXPECT_FALSE(run(R"({"name":"Ann","age":30})")) << "another order";
  EXPECT_FALSE(run(R"({"age":30})")) << "a required property missing";
  EXPECT_FALSE(run(R"({"age":3.5,"name":"Ann"})")) << "a fraction for an integer";
  EXPECT_FALSE(run(R"({"age":30,"name":"Ann","x":1})")) << "an extra property";
  EXPECT_FALSE(run(R"({ "age":30,"name":"Ann"})")) << "whitespace";
  EXPECT_FALSE(run(R"({"age":30,"name":"Annabelle-Smith"})")) << "longer than maxLength";
  EXPECT_TRUE(run(R"({"age":-0,"name":"A\"n\u00e9"})")) << "escapes";
  EXPECT_FALSE(run(R"({"age":30,"name":"A)"
                   "\x01"
                   R"("})"))
      << "a control character";
  JsonMatcher partial(g);
  EXPECT_TRUE(partial.accept_bytes(R"({"age":3)"));
  EXPECT_FALSE(partial.complete());
}

TEST(JsonMatcher, RandomWalksOverEveryAllowedTokenAlwaysGiveValidJson) {
  std::mt19937 rng(20261204);
  int walks = 0, finished = 0;
  for (const char* text : kSchemas) {
    const json schema = json::parse(text);
    auto g = JsonGrammar::from_schema(schema, tiny().tokenizer());
    for (int i = 0; i < 30; ++i, ++walks) {
      const std::string out = walk(g, rng, 400);
      if (out.empty()) continue;  // did not end in 400 tokens (free-form objects can nest)
      ++finished;
      json v;
      ASSERT_NO_THROW(v = json::parse(out)) << text << "\n" << out;
      EXPECT_TRUE(valid(v, schema)) << text << "\n" << out;
    }
  }
  EXPECT_GE(finished, walks * 9 / 10) << finished << " of " << walks << " walks ended";
}

TEST(JsonMatcher, JsonObjectAllowsAnyObjectAndNothingElse) {
  auto g = JsonGrammar::any_object(tiny().tokenizer());
  auto run = [&](const std::string& text) {
    JsonMatcher m(g);
    return m.accept_bytes(text) && m.complete();
  };
  EXPECT_TRUE(run(R"({"a":[1,2.5e3,{"b":null}],"c":"x","d":true})"));
  EXPECT_TRUE(run("{}"));
  EXPECT_FALSE(run("[1]"));
  EXPECT_FALSE(run(R"("text")"));
}

TEST(JsonGrammar, WhatTheGrammarCannotExpressIsAnErrorAtItsPath) {
  const auto& tok = tiny().tokenizer();
  auto path_of = [&](const char* schema) {
    try {
      JsonGrammar::from_schema(json::parse(schema), tok);
    } catch (const SchemaError& e) {
      return e.path;
    }
    return std::string("(accepted)");
  };
  EXPECT_EQ(path_of(R"({"type": "object", "properties": {"a": {"$ref": "#/x"}}})"), "/properties/a/$ref");
  EXPECT_EQ(path_of(R"({"anyOf": [{"type": "string"}]})"), "/anyOf");
  EXPECT_EQ(path_of(R"({"type": "string", "pattern": "a+"})"), "/pattern");
  EXPECT_EQ(path_of(R"({"type": "object", "properties": {"a": {}}, "additionalProperties": true})"),
            "/additionalProperties");
  EXPECT_EQ(path_of(R"({"type": "object", "properties": {"a": {}}, "required": ["b"]})"), "/required");
  EXPECT_EQ(path_of(R"({"type": "strng"})"), "/type");
  EXPECT_EQ(path_of(R"({"type": "object", "title": "t", "description": "d"})"), "(accepted)");
}

TEST(JsonMatcher, MasksAreCachedByState) {
  auto g = JsonGrammar::from_schema(json::parse(kSchemas[4]), tiny().tokenizer());
  std::mt19937 rng(1);
  for (int i = 0; i < 20; ++i) walk(g, rng, 200);
  JsonMatcher m(g);
  std::vector<float> logits(static_cast<size_t>(tiny().tokenizer().n_vocab()));
  m.mask(logits);
  EXPECT_EQ(m.cached(), 1) << "the start state was seen by the walks";
  EXPECT_LT(g->cached_states(), 400u);
}

}  // namespace rayctl::inference
