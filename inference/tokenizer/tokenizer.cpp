// Byte-level BPE encoding and decoding (see tokenizer.h). Loading from GGUF / tokenizer.json is
// in tokenizer_load.cpp.
#include "inference/tokenizer/tokenizer.h"

#include "inference/tokenizer/tokenizer_impl.h"
#include "inference/tokenizer/tokenizer_utf8.h"

#include <algorithm>
#include <queue>

namespace rayctl::inference {

// ---------------------------------------------------------------- TokenizerImpl
void TokenizerImpl::add_merge(std::string_view left, std::string_view right, uint32_t rank) {
  auto l = ids.find(std::string(left)), r = ids.find(std::string(right));
  if (l == ids.end() || r == ids.end()) return;  // HF errors; a merge that can never apply is harmless
  auto m = ids.find(std::string(left) + std::string(right));
  if (m == ids.end()) return;
  uint64_t key = uint64_t(uint32_t(l->second)) << 32 | uint32_t(r->second);
  merges.emplace(key, uint64_t(rank) << 32 | uint32_t(m->second));  // first (lowest) rank wins
}

void TokenizerImpl::finalize() {
  byte_ids.fill(-1);
  for (int b = 0; b < 256; ++b) {
    auto it = ids.find(byte_to_unicode(uint8_t(b)));
    if (it != ids.end()) byte_ids[size_t(b)] = it->second;
  }
  for (auto& v : added_by_first_byte) v.clear();
  for (size_t i = 0; i < added.size(); ++i)
    if (!added[i].content.empty()) added_by_first_byte[uint8_t(added[i].content[0])].push_back(i);
}

namespace {

struct Symbol {
  TokenId id;
  int prev, next;
  bool alive;
};

struct PendingMerge {
  uint32_t rank;
  int pos;
  TokenId new_id;
  bool operator<(const PendingMerge& o) const {  // priority_queue is a max-heap: invert
    return rank != o.rank ? rank > o.rank : pos > o.pos;
  }
};

}  // namespace

void TokenizerImpl::encode_word(const std::string& word, std::vector<TokenId>& out) const {
  if (ignore_merges) {
    auto it = ids.find(bytes_to_byte_level(word));
    if (it != ids.end()) {
      out.push_back(it->second);
      return;
    }
  }
  std::vector<Symbol> sym;
  sym.reserve(word.size());
  for (char c : word) {
    TokenId id = byte_ids[uint8_t(c)];
    if (id < 0) {
      if (unk >= 0)
        id = unk;
      else
        continue;  // HF drops a character it cannot map when there is no unk token
    }
    int n = int(sym.size());
    sym.push_back({id, n - 1, n + 1, true});
  }
  if (sym.empty()) return;
  sym.back().next = -1;
  auto lookup = [&](TokenId a, TokenId b) -> const uint64_t* {
    auto it = merges.find(uint64_t(uint32_t(a)) << 32 | uint32_t(b));
    return it == merges.end() ? nullptr : &it->second;
  };
  std::priority_queue<PendingMerge> q;
  for (int i = 0; i + 1 < int(sym.size()); ++i)
    if (const uint64_t* m = lookup(sym[size_t(i)].id, sym[size_t(i) + 1].id))
      q.push({uint32_t(*m >> 32), i, TokenId(uint32_t(*m))});
  while (!q.empty()) {
    PendingMerge top = q.top();
    q.pop();
    Symbol& s = sym[size_t(top.pos)];
    if (!s.alive || s.next < 0) continue;
    Symbol& r = sym[size_t(s.next)];
    const uint64_t* m = lookup(s.id, r.id);
    if (!m || TokenId(uint32_t(*m)) != top.new_id) continue;  // stale entry
    s.id = top.new_id;
    r.alive = false;
    s.next = r.next;
    if (s.next >= 0) sym[size_t(s.next)].prev = top.pos;
    if (s.prev >= 0)
      if (const uint64_t* pm = lookup(sym[size_t(s.prev)].id, s.id))
        q.push({uint32_t(*pm >> 32), s.prev, TokenId(uint32_t(*pm))});
    if (s.next >= 0)
      if (const uint64_t* nm = lookup(s.id, sym[size_t(s.next)].id))
        q.push({uint32_t(*nm >> 32), top.pos, TokenId(uint32_t(*nm))});
  }
  for (int i = 0; i >= 0; i = sym[size_t(i)].next) out.push_back(sym[size_t(i)].id);
}

void TokenizerImpl::encode_text(std::string_view text, std::vector<TokenId>& out) const {
  if (text.empty()) return;
  std::vector<std::string> words;
  pre.split(text, words);
  for (const std::string& w : words) {
    if (w.size() <= 64) {
      std::lock_guard<std::mutex> lock(cache_mu);
      auto it = cache.find(w);
      if (it != cache.end()) {
        out.insert(out.end(), it->second.begin(), it->second.end());
        continue;
      }
    }
    size_t start = out.size();
    encode_word(w, out);
    if (w.size() <= 64) {
      std::lock_guard<std::mutex> lock(cache_mu);
      if (cache.size() > 100000) cache.clear();
      cache.emplace(w, std::vector<TokenId>(out.begin() + std::ptrdiff_t(start), out.end()));
    }
  }
}

// ---------------------------------------------------------------- Tokenizer
namespace {

bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

// Leftmost-longest match of an added token at or after `from` (HF uses Aho-Corasick with
// LeftmostLongest). Returns the index into impl.added or -1.
long find_added(const TokenizerImpl& t, std::string_view text, size_t from, size_t& at) {
  for (size_t i = from; i < text.size(); ++i) {
    const auto& cands = t.added_by_first_byte[uint8_t(text[i])];
    long best = -1;
    size_t best_len = 0;
    for (size_t k : cands) {
      const std::string& c = t.added[k].content;
      if (c.size() > best_len && text.compare(i, c.size(), c) == 0) {
        if (t.added[k].single_word) {
          bool left_ok = i == 0 || is_ws(text[i - 1]);
          bool right_ok = i + c.size() >= text.size() || is_ws(text[i + c.size()]);
          if (!left_ok || !right_ok) continue;
        }
        best = long(k);
        best_len = c.size();
      }
    }
    if (best >= 0) {
      at = i;
      return best;
    }
  }
  return -1;
}

}  // namespace

std::vector<TokenId> Tokenizer::encode(std::string_view raw, bool add_special, bool parse_special) const {
  const TokenizerImpl& t = *impl_;
  std::string text;
  append_utf8_lossy(raw, text);  // PCRE2 needs valid UTF-8; HF only ever sees valid text
  std::vector<TokenId> out;
  if (add_special) out = t.prefix_ids;
  size_t pos = 0;
  if (parse_special && !t.added.empty()) {
    size_t at = 0;
    long k;
    while ((k = find_added(t, text, pos, at)) >= 0) {
      const AddedToken& a = t.added[size_t(k)];
      size_t seg_end = at;
      if (a.lstrip)
        while (seg_end > pos && is_ws(text[seg_end - 1])) --seg_end;
      t.encode_text(std::string_view(text).substr(pos, seg_end - pos), out);
      out.push_back(a.id);
      pos = at + a.content.size();
      if (a.rstrip)
        while (pos < text.size() && is_ws(text[pos])) ++pos;
    }
  }
  t.encode_text(std::string_view(text).substr(pos), out);
  if (add_special) out.insert(out.end(), t.suffix_ids.begin(), t.suffix_ids.end());
  return out;
}

std::string Tokenizer::decode(std::span<const TokenId> ids, bool skip_special) const {
  std::string bytes;
  for (TokenId id : ids) {
    if (id < 0 || id >= n_vocab()) continue;
    if (skip_special && is_special(id)) continue;
    bytes += impl_->bytes[size_t(id)];
  }
  std::string out;
  append_utf8_lossy(bytes, out);
  return out;
}

std::string Tokenizer::token_bytes(TokenId id) const {
  if (id < 0 || id >= n_vocab()) return {};
  return impl_->bytes[size_t(id)];
}

const std::string& Tokenizer::token_text(TokenId id) const {
  static const std::string empty;
  if (id < 0 || id >= n_vocab()) return empty;
  return impl_->vocab[size_t(id)];
}

int32_t Tokenizer::n_vocab() const { return int32_t(impl_->vocab.size()); }

TokenKind Tokenizer::kind(TokenId id) const {
  if (id < 0 || id >= n_vocab()) return TokenKind::Unused;
  return impl_->kinds[size_t(id)];
}

bool Tokenizer::is_special(TokenId id) const { return kind(id) == TokenKind::Control; }

TokenId Tokenizer::bos_id() const { return impl_->bos; }
TokenId Tokenizer::eos_id() const { return impl_->eos; }
TokenId Tokenizer::eot_id() const { return impl_->eot; }
std::string Tokenizer::bos_text() const { return impl_->bos_text; }
std::string Tokenizer::eos_text() const { return impl_->eos_text; }
bool Tokenizer::add_bos() const { return impl_->add_bos; }
bool Tokenizer::add_eos() const { return impl_->add_eos; }
PreTokenizer Tokenizer::pre_tokenizer() const { return impl_->pre.family(); }

std::vector<TokenId> Tokenizer::stop_ids() const {
  std::vector<TokenId> s;
  if (impl_->eos >= 0) s.push_back(impl_->eos);
  if (impl_->eot >= 0) s.push_back(impl_->eot);
  for (const char* name : {"<|endoftext|>", "<|im_end|>", "<|eot_id|>", "<|end_of_text|>", "<|eom_id|>"}) {
    auto it = impl_->ids.find(name);
    if (it != impl_->ids.end() && impl_->kinds[size_t(it->second)] == TokenKind::Control) s.push_back(it->second);
  }
  std::sort(s.begin(), s.end());
  s.erase(std::unique(s.begin(), s.end()), s.end());
  return s;
}

// ---------------------------------------------------------------- StreamingDetokenizer
StreamingDetokenizer::StreamingDetokenizer(const Tokenizer& tok, bool skip_special)
    : tok_(tok), skip_special_(skip_special) {}

std::string StreamingDetokenizer::push(TokenId id) {
  if (skip_special_ && tok_.is_special(id)) return {};
  pending_ += tok_.token_bytes(id);
  size_t n = utf8_emittable_prefix(pending_);
  std::string chunk;
  append_utf8_lossy(std::string_view(pending_).substr(0, n), chunk);
  pending_.erase(0, n);
  text_ += chunk;
  return chunk;
}

std::string StreamingDetokenizer::finish() {
  std::string chunk;
  append_utf8_lossy(pending_, chunk);
  pending_.clear();
  text_ += chunk;
  return chunk;
}

}  // namespace rayctl::inference
