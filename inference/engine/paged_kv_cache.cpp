// PagedKvCache: block allocation, per-sequence block tables and the prefix cache.
#include "inference/engine/paged_kv_cache.h"

#include <algorithm>
#include <stdexcept>

namespace rayctl::inference {

namespace {
constexpr uint64_t kRootHash = 0x9E3779B97F4A7C15ull;  // the parent of a sequence's first block

uint64_t mix(uint64_t h, uint64_t v) {  // splitmix64 of the running hash and the next value
  uint64_t z = h ^ (v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2));
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
}  // namespace

PagedKvCache::PagedKvCache(int num_blocks, int block_size, bool prefix_caching)
    : num_blocks_(num_blocks), block_size_(block_size), prefix_caching_(prefix_caching) {
  if (num_blocks <= 0 || block_size <= 0)
    throw std::invalid_argument("PagedKvCache: num_blocks and block_size must be > 0");
  free_.reserve(num_blocks);
  blocks_.resize(static_cast<size_t>(num_blocks));
  // Push in reverse so that block 0 is handed out first.
  for (int b = num_blocks - 1; b >= 0; --b) free_.push_back(b);
}

double PagedKvCache::usage() const { return static_cast<double>(used_blocks()) / static_cast<double>(num_blocks_); }

int PagedKvCache::missing_blocks(int64_t seq, int n_tokens) const {
  auto it = tables_.find(seq);
  int have = it == tables_.end() ? 0 : static_cast<int>(it->second.size());
  int need = blocks_for(n_tokens);
  return need > have ? need - have : 0;
}

// A never-used block if there is one, else the least recently released cached one (evicted).
int32_t PagedKvCache::take_block() {
  int32_t b;
  if (!free_.empty()) {
    b = free_.back();
    free_.pop_back();
  } else {
    b = lru_.front();
    lru_.pop_front();
    Block& old = blocks_[static_cast<size_t>(b)];
    by_hash_.erase(old.hash);
    old.registered = false;
    old.tokens.clear();
  }
  blocks_[static_cast<size_t>(b)].refs = 1;
  return b;
}

bool PagedKvCache::reserve(int64_t seq, int n_tokens) {
  int missing = missing_blocks(seq, n_tokens);
  if (missing > free_blocks()) return false;
  if (missing == 0 && tables_.count(seq)) return true;
  auto& table = tables_[seq];
  for (int i = 0; i < missing; ++i) table.push_back(take_block());
  return true;
}

void PagedKvCache::release(int64_t seq) {
  auto it = tables_.find(seq);
  chains_.erase(seq);
  if (it == tables_.end()) return;
  // Last block first: a sequence's tail is evicted before its head, which more requests share.
  for (auto b = it->second.rbegin(); b != it->second.rend(); ++b) {
    Block& blk = blocks_[static_cast<size_t>(*b)];
    if (--blk.refs > 0) continue;
    if (blk.registered) {
      blk.lru = lru_.insert(lru_.end(), *b);
    } else {
      free_.push_back(*b);
    }
  }
  tables_.erase(it);
}

std::span<const int32_t> PagedKvCache::block_table(int64_t seq) const {
  auto it = tables_.find(seq);
  if (it == tables_.end()) return {};
  return it->second;
}

uint64_t PagedKvCache::block_hash(uint64_t parent, std::span<const int32_t> ids) const {
  uint64_t h = mix(parent, ids.size());
  for (int32_t id : ids) h = mix(h, static_cast<uint32_t>(id));
  return h;
}

int PagedKvCache::match_prefix(int64_t seq, std::span<const int32_t> tokens) {
  if (!prefix_caching_ || tokens.empty() || !block_table(seq).empty()) return 0;
  queries_ += static_cast<int64_t>(tokens.size());
  const size_t bs = static_cast<size_t>(block_size_);
  const size_t limit = (tokens.size() - 1) / bs;
  auto& table = tables_[seq];
  auto& chain = chains_[seq];
  uint64_t parent = kRootHash;
  for (size_t i = 0; i < limit; ++i) {
    const auto ids = tokens.subspan(i * bs, bs);
    const uint64_t h = block_hash(parent, ids);
    auto hit = by_hash_.find(h);
    if (hit == by_hash_.end()) break;
    Block& blk = blocks_[static_cast<size_t>(hit->second)];
    if (blk.parent != parent || !std::equal(ids.begin(), ids.end(), blk.tokens.begin(), blk.tokens.end())) break;
    if (blk.refs++ == 0) lru_.erase(blk.lru);
    table.push_back(hit->second);
    chain.push_back(h);
    parent = h;
  }
  if (table.empty()) {
    tables_.erase(seq);
    chains_.erase(seq);
    return 0;
  }
  const int cached = static_cast<int>(table.size()) * block_size_;
  hits_ += cached;
  return cached;
}

int32_t PagedKvCache::fork(int64_t src, int64_t dst, int n_tokens, int32_t* copy_from) {
  *copy_from = -1;
  const auto s = tables_.find(src);
  if (s == tables_.end() || !block_table(dst).empty() || blocks_for(n_tokens) > static_cast<int>(s->second.size())) {
    *copy_from = -2;
    return -1;
  }
  const int full = n_tokens / block_size_;
  const bool partial = n_tokens % block_size_ != 0;
  if (partial && free_blocks() == 0) {
    *copy_from = -2;
    return -1;
  }
  const std::vector<int32_t> src_table = s->second;  // copied: tables_ may rehash below
  auto& table = tables_[dst];
  for (int i = 0; i < full; ++i) {
    const int32_t b = src_table[static_cast<size_t>(i)];
    Block& blk = blocks_[static_cast<size_t>(b)];
    if (blk.refs++ == 0 && blk.registered) lru_.erase(blk.lru);
    table.push_back(b);
  }
  if (auto c = chains_.find(src); c != chains_.end())
    chains_[dst].assign(c->second.begin(), c->second.begin() + std::min<size_t>(c->second.size(), size_t(full)));
  if (!partial) return -1;
  const int32_t fresh = take_block();
  table.push_back(fresh);
  *copy_from = src_table[static_cast<size_t>(full)];
  return fresh;
}

void PagedKvCache::publish(int64_t seq, std::span<const int32_t> tokens, int n_cached) {
  if (!prefix_caching_) return;
  auto t = tables_.find(seq);
  if (t == tables_.end()) return;
  auto& chain = chains_[seq];
  const size_t bs = static_cast<size_t>(block_size_);
  const size_t full = std::min({static_cast<size_t>(n_cached) / bs, tokens.size() / bs, t->second.size()});
  for (size_t i = chain.size(); i < full; ++i) {
    const auto ids = tokens.subspan(i * bs, bs);
    const uint64_t parent = i == 0 ? kRootHash : chain.back();
    const uint64_t h = block_hash(parent, ids);
    chain.push_back(h);
    if (by_hash_.count(h)) continue;  // the same content is cached in another block already
    Block& blk = blocks_[static_cast<size_t>(t->second[i])];
    if (blk.registered) continue;
    blk.registered = true;
    blk.hash = h;
    blk.parent = parent;
    blk.tokens.assign(ids.begin(), ids.end());
    by_hash_.emplace(h, t->second[i]);
  }
}

}  // namespace rayctl::inference
