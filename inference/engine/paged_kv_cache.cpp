// PagedKvCache: block allocation and per-sequence block tables.
#include "inference/engine/paged_kv_cache.h"

#include <stdexcept>

namespace rayctl::inference {

PagedKvCache::PagedKvCache(int num_blocks, int block_size) : num_blocks_(num_blocks), block_size_(block_size) {
  if (num_blocks <= 0 || block_size <= 0)
    throw std::invalid_argument("PagedKvCache: num_blocks and block_size must be > 0");
  free_.reserve(num_blocks);
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

bool PagedKvCache::reserve(int64_t seq, int n_tokens) {
  int missing = missing_blocks(seq, n_tokens);
  if (missing > free_blocks()) return false;
  if (missing == 0 && tables_.count(seq)) return true;
  auto& table = tables_[seq];
  for (int i = 0; i < missing; ++i) {
    table.push_back(free_.back());
    free_.pop_back();
  }
  return true;
}

void PagedKvCache::release(int64_t seq) {
  auto it = tables_.find(seq);
  if (it == tables_.end()) return;
  for (auto it2 = it->second.rbegin(); it2 != it->second.rend(); ++it2) free_.push_back(*it2);
  tables_.erase(it);
}

std::span<const int32_t> PagedKvCache::block_table(int64_t seq) const {
  auto it = tables_.find(seq);
  if (it == tables_.end()) return {};
  return it->second;
}

}  // namespace rayctl::inference
