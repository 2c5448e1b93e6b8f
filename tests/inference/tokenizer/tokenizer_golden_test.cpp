// Tokenizer ids identical to Hugging Face `tokenizers` on 1,100 varied strings (Unicode, digits,
// whitespace runs, code, emoji, CJK, RTL, combining marks, special tokens) for the SmolLM2,
// Llama-3 (llama-bpe) and Qwen2 vocabularies; decoding and streaming decoding identical too.
// Goldens: tests/fixtures/inference/tokenizer_golden_*.json, written by
// scripts/inference-reference/make_golden.py (versions in its requirements.txt). With
// RAYCTL_INFERENCE_REFERENCE_DIR set (the live CI check), goldens come from that folder instead,
// freshly computed by HF, and the tokenizer.json files there are loaded as well.
#include "core/error.h"
#include "inference/model/gguf_file.h"
#include "inference/tokenizer/tokenizer.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace rayctl::inference;

namespace {

std::string fixtures() { return std::string(RAYCTL_TEST_DATA) + "/fixtures/inference"; }

std::string golden_dir() {
  const char* live = std::getenv("RAYCTL_INFERENCE_REFERENCE_DIR");
  return live ? live : fixtures();
}

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return nlohmann::json::parse(ss.str());
}

std::string smollm2_path() {
  if (const char* p = std::getenv("RAYCTL_MODEL_GGUF")) return p;
  const char* cache = std::getenv("RAYCTL_CACHE_DIR");
  std::string base =
      cache ? cache : std::string(std::getenv("HOME") ? std::getenv("HOME") : "/root") + "/.cache/rayctl";
  return base + "/models/SmolLM2-135M-Instruct.Q4_1.gguf";
}

std::string vocab_path(const std::string& name) {
  if (name == "smollm2") return smollm2_path();
  return fixtures() + "/vocab/ggml-vocab-" + name + ".gguf";
}

void check_golden(const Tokenizer& tok, const std::string& name) {
  nlohmann::json strings = read_json(golden_dir() + "/tokenizer_strings.json");
  nlohmann::json g = read_json(golden_dir() + "/tokenizer_golden_" + name + ".json");
  ASSERT_GE(strings.size(), 1000u);
  ASSERT_EQ(g["ids"].size(), strings.size());
  size_t mismatches = 0;
  for (size_t i = 0; i < strings.size(); ++i) {
    std::string s = strings[i].get<std::string>();
    std::vector<TokenId> want = g["ids"][i].get<std::vector<TokenId>>();
    std::vector<TokenId> got = tok.encode(s, false);
    if (got != want && ++mismatches <= 10) {
      ADD_FAILURE() << name << " string #" << i << " " << nlohmann::json(s).dump()
                    << "\n  HF:     " << nlohmann::json(want).dump() << "\n  rayctl: " << nlohmann::json(got).dump();
    }
    // Streaming decode of the ids equals the one-shot decode.
    StreamingDetokenizer stream(tok, false);
    std::string streamed;
    for (TokenId id : want) streamed += stream.push(id);
    streamed += stream.finish();
    EXPECT_EQ(streamed, tok.decode(want)) << name << " #" << i;
  }
  EXPECT_EQ(mismatches, 0u) << name << ": " << mismatches << " of " << strings.size() << " strings differ from HF";
  for (const auto& c : g["with_special"])
    EXPECT_EQ(tok.encode(c["text"].get<std::string>(), true), c["ids"].get<std::vector<TokenId>>())
        << name << " add_special: " << c["text"].dump();
  for (const auto& c : g["decode"]) {
    std::vector<TokenId> ids = c["ids"].get<std::vector<TokenId>>();
    EXPECT_EQ(tok.decode(ids), c["text"].get<std::string>()) << name << " decode " << c["ids"].dump();
    EXPECT_EQ(tok.decode(ids, true), c["text_skip_special"].get<std::string>())
        << name << " decode " << c["ids"].dump();
  }
}

}  // namespace

TEST(TokenizerGolden, SmolLM2FromGgufMatchesHF) {
  std::string path = smollm2_path();
  if (!std::filesystem::exists(path)) {
    if (std::getenv("RAYCTL_REQUIRE_MODEL")) FAIL() << path << " is missing";
    GTEST_SKIP() << "\n!!!!! SKIPPED: " << path << " is absent; run scripts/fetch-model.sh (CI does). !!!!!\n";
  }
  GgufFile f = GgufFile::open(path);
  Tokenizer tok = Tokenizer::from_gguf(f);
  EXPECT_EQ(tok.pre_tokenizer(), PreTokenizer::SmolLM);
  check_golden(tok, "smollm2");
}

TEST(TokenizerGolden, Llama3FromGgufMatchesHF) {
  GgufFile f = GgufFile::open(vocab_path("llama-bpe"));
  Tokenizer tok = Tokenizer::from_gguf(f);
  EXPECT_EQ(tok.pre_tokenizer(), PreTokenizer::Llama3);
  EXPECT_TRUE(tok.add_bos());
  EXPECT_EQ(tok.eot_id(), 128009);
  check_golden(tok, "llama-bpe");
}

TEST(TokenizerGolden, Qwen2FromGgufMatchesHF) {
  GgufFile f = GgufFile::open(vocab_path("qwen2"));
  Tokenizer tok = Tokenizer::from_gguf(f);
  EXPECT_EQ(tok.pre_tokenizer(), PreTokenizer::Qwen2);
  EXPECT_EQ(tok.eot_id(), 151645);
  // HF's Qwen2 tokenizer.json NFC-normalizes; rayctl does the same for GGUF qwen2 vocabularies.
  check_golden(tok, "qwen2");
}

// The tokenizer.json path, on files the live reference run wrote next to its goldens.
TEST(TokenizerGolden, HfTokenizerJsonMatchesHF) {
  const char* live = std::getenv("RAYCTL_INFERENCE_REFERENCE_DIR");
  if (!live) GTEST_SKIP() << "runs in the live reference check (tests/integration/inference_reference.cmake)";
  for (std::string name : {"smollm2", "llama-bpe", "qwen2"}) {
    nlohmann::json tj = read_json(std::string(live) + "/tokenizer_" + name + ".json");
    Tokenizer tok = Tokenizer::from_hf_json(tj, nullptr, name + " tokenizer.json");
    check_golden(tok, name);
  }
}
