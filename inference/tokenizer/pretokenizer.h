// PreTokenizerPipeline: how text is cut into words before BPE, as HF `tokenizers` does it — an
// optional normalizer (NFC) followed by steps (regex Split, Digits, ByteLevel). Unicode regexes
// run on PCRE2 (UTF + UCP); `\s`/`\S` are rewritten to the Unicode White_Space set that HF's
// Oniguruma uses. Built from a tokenizer.json "pre_tokenizer" object or from a GGUF
// tokenizer.ggml.pre name. Knows nothing about vocabularies.
#pragma once

#include "inference/tokenizer/tokenizer.h"

#include <nlohmann/json_fwd.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace rayctl::inference {

// The regexes as HF's tokenizer.json files carry them.
extern const char* const kGpt2Pattern;
extern const char* const kLlama3Pattern;
extern const char* const kQwen2Pattern;

class CompiledRegex;

class PreTokenizerPipeline {
 public:
  struct Step {
    enum Kind { Split, Digits, ByteLevelRegex } kind = Split;
    std::shared_ptr<const CompiledRegex> regex;  // Split and ByteLevelRegex
    bool individual_digits = false;              // Digits
    bool add_prefix_space = false;               // ByteLevel
  };

  // From a GGUF tokenizer.ggml.pre value ("smollm", "llama-bpe", "qwen2", "gpt-2", ...).
  // Throws rayctl::Error(Invalid) for names it does not know, listing the known ones.
  static PreTokenizerPipeline from_gguf_pre(std::string_view pre, const std::string& source);
  // From tokenizer.json's "normalizer" and "pre_tokenizer" (either may be null).
  static PreTokenizerPipeline from_hf_json(const nlohmann::json& normalizer, const nlohmann::json& pre_tokenizer,
                                           const std::string& source);

  // Normalizes then splits `text` into words (byte strings, not yet byte-level mapped).
  void split(std::string_view text, std::vector<std::string>& words) const;
  std::string normalize(std::string_view text) const;

  PreTokenizer family() const { return family_; }
  bool nfc() const { return nfc_; }

 private:
  std::vector<Step> steps_;
  bool nfc_ = false;
  PreTokenizer family_ = PreTokenizer::Gpt2;
};

// NFC normalization (ICU). Throws rayctl::Error when the build has no ICU.
std::string nfc_normalize(std::string_view text);

}  // namespace rayctl::inference
