// PagedKvCache: the bookkeeping half of the KV cache (vLLM's PagedAttention idea). The pool
// of fixed-size blocks lives in the backend; this class hands blocks out to sequences, keeps
// each sequence's block table (block i holds positions [i*block_size, (i+1)*block_size)),
// takes them back when a sequence finishes, is cancelled or is preempted, and reports usage
// for /metrics. It does no I/O and touches no KV data.
#pragma once

#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

namespace rayctl::inference {

class PagedKvCache {
 public:
  PagedKvCache(int num_blocks, int block_size);

  int block_size() const { return block_size_; }
  int num_blocks() const { return num_blocks_; }
  int free_blocks() const { return static_cast<int>(free_.size()); }
  int used_blocks() const { return num_blocks_ - free_blocks(); }
  double usage() const;  // 0..1, the vllm:kv_cache_usage_perc gauge
  int sequences() const { return static_cast<int>(tables_.size()); }

  // Blocks needed to hold `n_tokens` positions.
  int blocks_for(int n_tokens) const { return (n_tokens + block_size_ - 1) / block_size_; }
  // Extra blocks `seq` would need to hold `n_tokens` positions in total.
  int missing_blocks(int64_t seq, int n_tokens) const;
  // Grows `seq`'s table to hold `n_tokens` positions. Returns false (and allocates nothing)
  // when the pool has too few free blocks.
  bool reserve(int64_t seq, int n_tokens);
  // Returns all of `seq`'s blocks to the pool (no-op for an unknown sequence).
  void release(int64_t seq);
  std::span<const int32_t> block_table(int64_t seq) const;

 private:
  int num_blocks_;
  int block_size_;
  std::vector<int32_t> free_;  // a stack: recently freed blocks are reused first (warm cache)
  std::unordered_map<int64_t, std::vector<int32_t>> tables_;
};

}  // namespace rayctl::inference
