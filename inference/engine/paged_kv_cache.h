// PagedKvCache: the bookkeeping half of the KV cache (vLLM's PagedAttention idea). The pool
// of fixed-size blocks lives in the backend; this class hands blocks out to sequences, keeps
// each sequence's block table (block i holds positions [i*block_size, (i+1)*block_size)),
// takes them back when a sequence finishes, is cancelled or is preempted, and reports usage
// for /metrics. It does no I/O and touches no KV data.
//
// Automatic prefix caching (vLLM's, when enabled): a full block is content-addressed by a hash
// of every token id up to and including it (its parent block's hash and its own ids), so equal
// prefixes give equal hashes. publish() registers a sequence's full blocks; match_prefix() gives
// a new sequence the longest run of registered blocks its tokens start with, shared (reference
// counted) and never written again: a sequence only writes at its positions past what is
// cached, which lie in blocks of its own. A released block that is registered stays cached
// (and counts as free) until a new block is needed and none is free: then the least recently
// released one is evicted. A hash hit is confirmed against the block's token ids, so a hash
// collision can only cost a miss, never wrong keys and values.
#pragma once

#include <cstdint>
#include <list>
#include <span>
#include <unordered_map>
#include <vector>

namespace rayctl::inference {

class PagedKvCache {
 public:
  PagedKvCache(int num_blocks, int block_size, bool prefix_caching = false);

  int block_size() const { return block_size_; }
  int num_blocks() const { return num_blocks_; }
  // Blocks a reserve() can take: never used, or cached and unreferenced (evictable).
  int free_blocks() const { return static_cast<int>(free_.size() + lru_.size()); }
  int used_blocks() const { return num_blocks_ - free_blocks(); }
  double usage() const;  // 0..1, the vllm:kv_cache_usage_perc gauge
  int sequences() const { return static_cast<int>(tables_.size()); }
  bool prefix_caching() const { return prefix_caching_; }
  int cached_blocks() const { return static_cast<int>(by_hash_.size()); }  // registered, in use or not

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

  // For a sequence that holds no blocks yet: takes the registered blocks that `tokens` begins
  // with, at most (tokens.size() − 1) positions' worth (the last token must run, for logits).
  // Returns the positions now cached: a multiple of block_size (0 when caching is off).
  int match_prefix(int64_t seq, std::span<const int32_t> tokens);
  // Registers `seq`'s full blocks among its first n_cached positions (tokens[0, n_cached)).
  void publish(int64_t seq, std::span<const int32_t> tokens, int n_cached);
  // For a sequence that holds no blocks yet: shares `src`'s blocks of its first n_tokens
  // positions — the full ones by reference, the last partial one by a fresh block the caller
  // must fill with a copy of *copy_from (copy-on-write: both will write past n_tokens there).
  // Returns the fresh block, or -1 when there is none to copy (or no block free: nothing done,
  // and *copy_from is -2).
  int32_t fork(int64_t src, int64_t dst, int n_tokens, int32_t* copy_from);
  // Prompt tokens looked up by match_prefix, and how many of them were found cached
  // (vllm:prefix_cache_queries / vllm:prefix_cache_hits).
  int64_t prefix_queries() const { return queries_; }
  int64_t prefix_hits() const { return hits_; }

 private:
  struct Block {
    int32_t refs = 0;
    bool registered = false;
    uint64_t hash = 0, parent = 0;
    std::vector<int32_t> tokens;       // what it holds, when registered
    std::list<int32_t>::iterator lru;  // valid while registered and refs == 0
  };
  int32_t take_block();
  uint64_t block_hash(uint64_t parent, std::span<const int32_t> ids) const;

  int num_blocks_;
  int block_size_;
  bool prefix_caching_;
  std::vector<int32_t> free_;  // a stack: recently freed blocks are reused first (warm cache)
  std::vector<Block> blocks_;
  std::list<int32_t> lru_;  // registered blocks nobody references, least recently released first
  std::unordered_map<uint64_t, int32_t> by_hash_;
  std::unordered_map<int64_t, std::vector<int32_t>> tables_;
  std::unordered_map<int64_t, std::vector<uint64_t>> chains_;  // per sequence: its blocks' hashes so far
  int64_t queries_ = 0, hits_ = 0;
};

}  // namespace rayctl::inference
