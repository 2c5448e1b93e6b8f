// Scheduler: continuous batching, chunked prefill, step limits and preemption by recompute.
#include "inference/engine/scheduler.h"

#include <gtest/gtest.h>

#include <memory>

namespace rayctl::inference {

namespace {
std::unique_ptr<ScheduledSequence> seq(int64_t id, int prompt) {
  auto s = std::make_unique<ScheduledSequence>();
  s->id = id;
  s->tokens.assign(static_cast<size_t>(prompt), 5);
  return s;
}
// Simulates the engine: commit the plan and append one sampled token per logits slice.
void run(Scheduler& sch, const StepPlan& plan) {
  sch.commit(plan);
  for (const auto& s : plan.slices)
    if (s.want_logits) s.seq->tokens.push_back(9);
}
}  // namespace

TEST(Scheduler, ChunksLongPromptsAndAsksForLogitsOnlyAtTheEnd) {
  PagedKvCache kv(64, 16);
  Scheduler sch(kv, {4, 100, 40});
  auto a = seq(1, 100);
  sch.add(a.get());
  auto p1 = sch.plan();
  ASSERT_EQ(p1.slices.size(), 1u);
  EXPECT_EQ(p1.slices[0].n_tokens, 40);
  EXPECT_FALSE(p1.slices[0].want_logits);
  run(sch, p1);
  auto p2 = sch.plan();
  EXPECT_EQ(p2.slices[0].n_tokens, 40);
  run(sch, p2);
  auto p3 = sch.plan();
  EXPECT_EQ(p3.slices[0].n_tokens, 20);
  EXPECT_TRUE(p3.slices[0].want_logits);
  run(sch, p3);
  auto p4 = sch.plan();  // decode
  EXPECT_EQ(p4.slices[0].n_tokens, 1);
  EXPECT_TRUE(p4.slices[0].want_logits);
}

TEST(Scheduler, NewRequestsJoinARunningBatch) {
  PagedKvCache kv(64, 16);
  Scheduler sch(kv, {4, 64, 32});
  auto a = seq(1, 8), b = seq(2, 8);
  sch.add(a.get());
  run(sch, sch.plan());  // a prefilled, now decoding
  sch.add(b.get());
  auto p = sch.plan();
  ASSERT_EQ(p.slices.size(), 2u);
  EXPECT_EQ(p.slices[0].seq, a.get());
  EXPECT_EQ(p.slices[0].n_tokens, 1);
  EXPECT_EQ(p.slices[1].seq, b.get());
  EXPECT_EQ(p.slices[1].n_tokens, 8);
  EXPECT_EQ(sch.running(), 2u);
}

TEST(Scheduler, RespectsSequenceAndTokenLimits) {
  PagedKvCache kv(256, 16);
  Scheduler sch(kv, {2, 50, 32});
  std::vector<std::unique_ptr<ScheduledSequence>> seqs;
  for (int i = 0; i < 4; ++i) {
    seqs.push_back(seq(i, 30));
    sch.add(seqs.back().get());
  }
  auto p = sch.plan();
  EXPECT_EQ(sch.running(), 2u);
  EXPECT_EQ(sch.waiting(), 2u);
  EXPECT_LE(p.tokens, 50);
  EXPECT_EQ(p.slices[0].n_tokens, 30);
  EXPECT_EQ(p.slices[1].n_tokens, 20);  // budget left
  sch.remove(seqs[0].get());
  EXPECT_EQ(sch.running(), 1u);
}

TEST(Scheduler, PreemptsNewestWhenKvIsFullAndRecomputesLater) {
  PagedKvCache kv(4, 4);  // 16 positions in all
  Scheduler sch(kv, {4, 64, 64});
  auto a = seq(1, 7), b = seq(2, 4);
  sch.add(a.get());
  run(sch, sch.plan());  // a: 8 tokens, 7 cached (2 blocks)
  sch.add(b.get());
  auto p = sch.plan();  // a decodes (pos 7, block 2 full), b admitted? needs 1 block + headroom 1 → 2 of 2 free
  run(sch, p);
  // Grow a until the pool is exhausted: b must be preempted, not a.
  int preempted = 0;
  for (int step = 0; step < 10 && preempted == 0; ++step) {
    auto q = sch.plan();
    preempted += static_cast<int>(q.preempted.size());
    if (!q.preempted.empty()) {
      EXPECT_EQ(q.preempted[0], b.get());
      EXPECT_EQ(b->n_cached, 0);
      EXPECT_GE(b->preemptions, 1);
    }
    run(sch, q);
  }
  EXPECT_EQ(preempted, 1);
  EXPECT_EQ(sch.waiting(), 1u);
  // When a finishes, b comes back and recomputes its whole sequence (prompt + generated).
  sch.remove(a.get());
  auto r = sch.plan();
  ASSERT_EQ(r.slices.size(), 1u);
  EXPECT_EQ(r.slices[0].seq, b.get());
  EXPECT_EQ(r.slices[0].n_tokens, static_cast<int>(b->tokens.size()));
  EXPECT_TRUE(r.slices[0].want_logits);
}

TEST(Scheduler, RemoveFreesBlocks) {
  PagedKvCache kv(16, 16);
  Scheduler sch(kv, {4, 512, 256});
  auto a = seq(1, 40);
  sch.add(a.get());
  run(sch, sch.plan());
  EXPECT_EQ(kv.used_blocks(), 3);
  sch.remove(a.get());
  EXPECT_EQ(kv.used_blocks(), 0);
  EXPECT_EQ(sch.running(), 0u);
}

}  // namespace rayctl::inference

namespace rayctl::inference {

TEST(SchedulerPrefixCache, ALaterRequestWithTheSamePromptPrefillsOnlyWhatIsNotCached) {
  PagedKvCache kv(64, 16, true);
  Scheduler sch(kv, {4, 512, 256});
  auto a = seq(1, 100);
  sch.add(a.get());
  auto p1 = sch.plan();
  ASSERT_EQ(p1.slices[0].n_tokens, 100);
  run(sch, p1);  // a's 6 full blocks (96 positions) are registered
  auto b = seq(2, 100);
  sch.add(b.get());
  auto p2 = sch.plan();
  ASSERT_EQ(p2.slices.size(), 2u);  // a decodes, b prefills
  const auto& pb = p2.slices[1];
  EXPECT_EQ(pb.seq, b.get());
  EXPECT_EQ(pb.seq->n_cached, 96);
  EXPECT_EQ(pb.n_tokens, 4) << "only the 4 positions after the cached blocks run";
  EXPECT_TRUE(pb.want_logits);
  EXPECT_EQ(kv.prefix_hits(), 96);
}

TEST(SchedulerPrefixCache, AnAdmissionThatDoesNotFitGivesItsMatchedBlocksBack) {
  PagedKvCache kv(8, 4, true);
  Scheduler sch(kv, {4, 64, 64});
  auto a = seq(1, 9);
  sch.add(a.get());
  run(sch, sch.plan());   // a: 3 blocks, 2 registered
  auto big = seq(2, 40);  // same first 9 tokens (all 5s), 10 blocks: cannot fit
  sch.add(big.get());
  auto p = sch.plan();
  ASSERT_EQ(p.slices.size(), 1u) << "only a's decode";
  EXPECT_EQ(big->n_cached, 0);
  EXPECT_TRUE(kv.block_table(2).empty()) << "the waiting request holds no blocks";
}

}  // namespace rayctl::inference
