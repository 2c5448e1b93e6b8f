// Tokenizer: byte-level BPE (GPT-2 style) as used by SmolLM2, Llama-3 and Qwen2, built from GGUF
// metadata or a HF tokenizer.json (+ tokenizer_config.json). encode() splits special/added tokens
// out first, pre-tokenizes with the model's regex (PCRE2, Unicode), maps bytes to the GPT-2
// alphabet and applies merges by rank; ids match HF `tokenizers`. StreamingDetokenizer turns
// generated ids into text that is always valid UTF-8, holding back bytes of an unfinished
// character. SentencePiece (tokenizer.ggml.model = "llama") is rejected with a clear error.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace rayctl::inference {

class GgufFile;
using TokenId = int32_t;

// Pre-tokenizer families (GGUF tokenizer.ggml.pre names in comments).
enum class PreTokenizer {
  Gpt2,    // "gpt2", "gpt-2": the GPT-2 regex
  Llama3,  // "llama-bpe", "llama3": digits in runs of up to 3, case-insensitive contractions
  Qwen2,   // "qwen2": Llama-3 regex with single digits
  SmolLM,  // "smollm", "starcoder": every digit alone, then the GPT-2 regex
};

// GGUF token types (tokenizer.ggml.token_type).
enum class TokenKind : int32_t { Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Unused = 5, Byte = 6 };

struct TokenizerImpl;

class Tokenizer {
 public:
  // From GGUF metadata (tokenizer.ggml.*). Throws rayctl::Error(Invalid) naming the key.
  static Tokenizer from_gguf(const GgufFile& file);
  // From parsed tokenizer.json and (optionally null) tokenizer_config.json. `source` names the
  // file in error messages.
  static Tokenizer from_hf_json(const nlohmann::json& tokenizer_json, const nlohmann::json* tokenizer_config,
                                const std::string& source);
  // Reads dir/tokenizer.json and dir/tokenizer_config.json (if present).
  static Tokenizer from_hf_dir(const std::string& dir);

  // Text → ids. add_special: prepend BOS / append EOS when the model asks for it (add_bos /
  // add_eos), like HF's add_special_tokens. parse_special: recognise special / added token
  // texts in the input (HF always does; set false for untrusted text that must not inject
  // control tokens).
  std::vector<TokenId> encode(std::string_view text, bool add_special, bool parse_special = true) const;

  // Ids → text, as HF decode(): byte-level pieces joined, invalid UTF-8 replaced by U+FFFD.
  // skip_special drops control tokens (bos/eos/<|im_start|>...).
  std::string decode(std::span<const TokenId> ids, bool skip_special = false) const;

  // The raw bytes a token stands for (after undoing the byte-to-unicode mapping; added tokens
  // give their content). Empty for an out-of-range id.
  std::string token_bytes(TokenId id) const;
  // The token's vocabulary string as stored (e.g. "Ġworld").
  const std::string& token_text(TokenId id) const;

  int32_t n_vocab() const;
  TokenKind kind(TokenId id) const;
  bool is_special(TokenId id) const;  // control tokens and special added tokens

  TokenId bos_id() const;  // -1 when the model has none
  TokenId eos_id() const;
  TokenId eot_id() const;        // end-of-turn (<|eot_id|>, <|im_end|>), -1 when none
  std::string bos_text() const;  // "" when none
  std::string eos_text() const;
  bool add_bos() const;
  bool add_eos() const;
  // Ids that end generation by default: eos, eot and the usual end markers present in the vocab
  // (<|endoftext|>, <|im_end|>, <|eot_id|>, <|end_of_text|>, <|eom_id|>), sorted, unique.
  std::vector<TokenId> stop_ids() const;

  PreTokenizer pre_tokenizer() const;

 private:
  explicit Tokenizer(std::shared_ptr<const TokenizerImpl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const TokenizerImpl> impl_;
  friend class StreamingDetokenizer;
};

// Turns a stream of generated ids into text chunks. Each push() returns only complete UTF-8
// characters; bytes of a character split across tokens wait for the next push. finish() returns
// what is left (an unfinished tail becomes U+FFFD, as HF does).
class StreamingDetokenizer {
 public:
  explicit StreamingDetokenizer(const Tokenizer& tok, bool skip_special = true);
  std::string push(TokenId id);
  std::string finish();
  // Everything pushed so far, decoded (valid UTF-8, pending bytes not included).
  const std::string& text() const { return text_; }

 private:
  Tokenizer tok_;  // shares the immutable vocabulary
  bool skip_special_;
  std::string pending_;  // bytes of an unfinished UTF-8 character
  std::string text_;
};

}  // namespace rayctl::inference
