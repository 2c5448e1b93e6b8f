// TokenizerImpl: the immutable state behind a Tokenizer (vocabulary, merges, added tokens,
// pre-tokenizer, special ids) and the BPE word encoder. Internal to tokenizer*.cpp; engine code
// uses tokenizer.h.
#pragma once

#include "inference/tokenizer/pretokenizer.h"
#include "inference/tokenizer/tokenizer.h"

#include <array>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace rayctl::inference {

// A token that is matched in raw text before pre-tokenization (HF added_tokens, GGUF control
// and user-defined tokens).
struct AddedToken {
  std::string content;
  TokenId id = -1;
  bool special = false;
  bool lstrip = false;
  bool rstrip = false;
  bool single_word = false;
};

struct TokenizerImpl {
  std::string source;
  std::vector<std::string> vocab;  // id → vocabulary string (byte-level text)
  std::vector<std::string> bytes;  // id → raw bytes it decodes to
  std::vector<TokenKind> kinds;
  std::unordered_map<std::string, TokenId> ids;
  // (left << 32 | right) → (rank << 32 | merged id)
  std::unordered_map<uint64_t, uint64_t> merges;
  std::array<TokenId, 256> byte_ids{};  // id of each single byte's stand-in (-1 if none)
  std::vector<AddedToken> added;        // longest first within equal first byte is not needed: scan picks longest
  std::array<std::vector<size_t>, 256> added_by_first_byte;
  PreTokenizerPipeline pre;
  bool ignore_merges = false;
  TokenId bos = -1, eos = -1, eot = -1, unk = -1;
  bool add_bos = false, add_eos = false;
  std::string bos_text, eos_text;
  std::vector<TokenId> prefix_ids, suffix_ids;  // post-processor template around the text

  // Word → ids cache (pre-tokenized words repeat a lot in chat traffic).
  mutable std::mutex cache_mu;
  mutable std::unordered_map<std::string, std::vector<TokenId>> cache;

  // Finishes construction: byte table, bytes per token, added-token index, special ids.
  void finalize();
  void add_merge(std::string_view left, std::string_view right, uint32_t rank);
  // BPE on one pre-tokenized word (raw bytes); appends ids.
  void encode_word(const std::string& word, std::vector<TokenId>& out) const;
  // Raw text (no special handling) → ids.
  void encode_text(std::string_view text, std::vector<TokenId>& out) const;
};

}  // namespace rayctl::inference
