// Scheduler: continuous batching. Each engine step it decides which sequences run and how
// many of their tokens: every running sequence that is decoding gets its one token, running
// prefills continue in chunks, and waiting requests join the batch as soon as a slot, token
// budget and KV blocks allow (so new requests never wait for the batch to drain). When the
// KV pool runs dry the most recently admitted sequence is preempted: its blocks are freed and
// it goes back to the front of the queue, to be recomputed from its tokens later (vLLM's
// recompute preemption). With prefix caching on, an admitted sequence starts from the cached
// blocks its tokens begin with, and every committed step registers the sequence's new full
// blocks (see PagedKvCache). It plans only; the engine runs the step and reports progress.
#pragma once

#include "inference/engine/paged_kv_cache.h"

#include <cstdint>
#include <deque>
#include <vector>

namespace rayctl::inference {

// What the scheduler knows of one request: its tokens and how many of them are in the cache.
struct ScheduledSequence {
  int64_t id = 0;
  std::vector<int32_t> tokens;  // prompt followed by generated tokens
  int n_cached = 0;             // leading tokens whose K/V are in the cache
  int preemptions = 0;
  bool no_prefix_cache = false;  // compute the whole prompt (its logits are wanted)
  int pending() const { return static_cast<int>(tokens.size()) - n_cached; }
};

struct SchedulerLimits {
  int max_seqs = 16;              // sequences in one step (--parallel)
  int max_tokens_per_step = 512;  // prefill + decode tokens in one step
  int prefill_chunk = 256;        // longest prompt slice of one sequence in one step
};

struct PlannedSlice {
  ScheduledSequence* seq = nullptr;
  int n_tokens = 0;          // tokens[n_cached .. n_cached+n_tokens) run this step
  bool want_logits = false;  // the slice ends at the sequence's last token: sample after it
};

struct StepPlan {
  std::vector<PlannedSlice> slices;
  std::vector<ScheduledSequence*> preempted;  // sent back to the queue during planning
  int tokens = 0;
};

class Scheduler {
 public:
  Scheduler(PagedKvCache& kv, const SchedulerLimits& limits);

  // Queues a new sequence (FIFO). The caller keeps ownership; it must stay alive until remove().
  void add(ScheduledSequence* seq);
  // Runs a sequence whose tokens are all cached already (a fork) from the next step on, when a
  // slot is free; false (nothing changed) otherwise.
  bool add_running(ScheduledSequence* seq);
  // Drops a sequence (finished, cancelled, failed) and frees its KV blocks.
  void remove(ScheduledSequence* seq);
  // Plans the next step and reserves KV blocks for it.
  StepPlan plan();
  // After the step ran: the planned slices' tokens are now cached.
  void commit(const StepPlan& plan);

  size_t running() const { return running_.size(); }
  size_t waiting() const { return waiting_.size(); }
  const SchedulerLimits& limits() const { return limits_; }
  const PagedKvCache& kv() const { return kv_; }

 private:
  ScheduledSequence* preempt_newest(StepPlan& plan);

  PagedKvCache& kv_;
  SchedulerLimits limits_;
  std::vector<ScheduledSequence*> running_;  // admission order
  std::deque<ScheduledSequence*> waiting_;
};

}  // namespace rayctl::inference
