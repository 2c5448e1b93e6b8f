// Scheduler: step planning for continuous batching with chunked prefill and preemption.
#include "inference/engine/scheduler.h"

#include <algorithm>

namespace rayctl::inference {

Scheduler::Scheduler(PagedKvCache& kv, const SchedulerLimits& limits) : kv_(kv), limits_(limits) {
  if (limits_.max_seqs < 1) limits_.max_seqs = 1;
  if (limits_.max_tokens_per_step < limits_.max_seqs) limits_.max_tokens_per_step = limits_.max_seqs;
  if (limits_.prefill_chunk < 1) limits_.prefill_chunk = 1;
}

void Scheduler::add(ScheduledSequence* seq) { waiting_.push_back(seq); }

bool Scheduler::add_running(ScheduledSequence* seq) {
  if (static_cast<int>(running_.size()) >= limits_.max_seqs) return false;
  running_.push_back(seq);
  return true;
}

void Scheduler::remove(ScheduledSequence* seq) {
  kv_.release(seq->id);
  running_.erase(std::remove(running_.begin(), running_.end(), seq), running_.end());
  waiting_.erase(std::remove(waiting_.begin(), waiting_.end(), seq), waiting_.end());
}

// Frees the most recently admitted running sequence (recomputed later). Returns it.
ScheduledSequence* Scheduler::preempt_newest(StepPlan& plan) {
  if (running_.empty()) return nullptr;
  ScheduledSequence* victim = running_.back();
  running_.pop_back();
  kv_.release(victim->id);
  victim->n_cached = 0;
  ++victim->preemptions;
  auto& sl = plan.slices;
  for (auto s = sl.begin(); s != sl.end(); ++s) {
    if (s->seq == victim) {
      plan.tokens -= s->n_tokens;
      sl.erase(s);
      break;
    }
  }
  waiting_.push_front(victim);
  plan.preempted.push_back(victim);
  return victim;
}

StepPlan Scheduler::plan() {
  StepPlan plan;
  int budget = limits_.max_tokens_per_step;
  // 1. Decodes: one token for every running sequence that has its prompt cached.
  const std::vector<ScheduledSequence*> snapshot = running_;
  for (ScheduledSequence* seq : snapshot) {
    if (seq->pending() != 1) continue;
    if (std::find(running_.begin(), running_.end(), seq) == running_.end()) continue;  // preempted above
    bool room = true;
    while (!kv_.reserve(seq->id, seq->n_cached + 1)) {
      if (preempt_newest(plan) == seq) {
        room = false;  // it was the newest itself: it waits (and recomputes) instead
        break;
      }
    }
    if (!room) continue;
    plan.slices.push_back({seq, 1, true});
    plan.tokens += 1;
    budget -= 1;
  }
  // 2. Running prefills continue, in chunks.
  for (ScheduledSequence* seq : running_) {
    if (budget <= 0) break;
    if (seq->pending() <= 1) continue;
    int n = std::min({seq->pending(), limits_.prefill_chunk, budget});
    if (!kv_.reserve(seq->id, seq->n_cached + n)) break;
    plan.slices.push_back({seq, n, seq->n_cached + n == static_cast<int>(seq->tokens.size())});
    plan.tokens += n;
    budget -= n;
  }
  // 3. Admit waiting sequences while there is a slot, budget and room for their first chunk.
  while (!waiting_.empty() && budget > 0 && static_cast<int>(running_.size()) < limits_.max_seqs) {
    ScheduledSequence* seq = waiting_.front();
    // Prefix caching: the blocks of its leading tokens that are cached need no prefill.
    const bool matched =
        seq->n_cached == 0 && !seq->no_prefix_cache && (seq->n_cached = kv_.match_prefix(seq->id, seq->tokens)) > 0;
    auto unmatch = [&] {
      if (matched) kv_.release(seq->id), seq->n_cached = 0;
    };
    // Keep a block per running sequence in hand so that admitting does not force preemption next step.
    int n = std::min({seq->pending(), limits_.prefill_chunk, budget});
    int headroom = static_cast<int>(running_.size());
    if (kv_.missing_blocks(seq->id, seq->n_cached + n) + headroom > kv_.free_blocks() && !running_.empty()) {
      unmatch();
      break;
    }
    if (!kv_.reserve(seq->id, seq->n_cached + n)) {
      unmatch();
      break;
    }
    waiting_.pop_front();
    running_.push_back(seq);
    plan.slices.push_back({seq, n, seq->n_cached + n == static_cast<int>(seq->tokens.size())});
    plan.tokens += n;
    budget -= n;
  }
  return plan;
}

void Scheduler::commit(const StepPlan& plan) {
  for (const auto& s : plan.slices) {
    s.seq->n_cached += s.n_tokens;
    kv_.publish(s.seq->id, s.seq->tokens, s.seq->n_cached);
  }
}

}  // namespace rayctl::inference
