// Sampler: greedy, seeded reproducibility, top_k / top_p / min_p cut-offs, penalties, and
// the stop-string filter and UTF-8 hold-back used while streaming.
#include "inference/engine/sampler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

namespace rayctl::inference {

namespace {
std::vector<float> logits_from_probs(const std::vector<double>& p) {
  std::vector<float> l;
  for (double x : p) l.push_back(static_cast<float>(std::log(x)));
  return l;
}
std::map<int32_t, int> histogram(SamplingParams p, const std::vector<float>& logits, int n) {
  std::map<int32_t, int> h;
  p.seed = 42;
  Sampler s(p);
  for (int i = 0; i < n; ++i) {
    auto l = logits;
    ++h[s.sample(l, {})];
  }
  return h;
}
}  // namespace

TEST(Sampler, GreedyPicksArgmax) {
  SamplingParams p;
  p.temperature = 0;
  Sampler s(p);
  std::vector<float> l{0.1f, 3.0f, -1.0f, 2.9f};
  EXPECT_EQ(s.sample(l, {}), 1);
}

TEST(Sampler, SameSeedSameTokens) {
  SamplingParams p;
  p.seed = 7;
  std::vector<float> base(1000);
  for (size_t i = 0; i < base.size(); ++i) base[i] = static_cast<float>(std::sin(i * 0.37) * 3);
  Sampler a(p), b(p);
  for (int i = 0; i < 50; ++i) {
    auto x = base, y = base;
    EXPECT_EQ(a.sample(x, {}), b.sample(y, {}));
  }
}

TEST(Sampler, TopKKeepsOnlyTheKMostLikely) {
  SamplingParams p;
  p.top_k = 2;
  auto h = histogram(p, logits_from_probs({0.1, 0.4, 0.2, 0.3}), 2000);
  EXPECT_EQ(h.size(), 2u);
  EXPECT_TRUE(h.count(1) && h.count(3));
  // 0.4 : 0.3 renormalised → about 57 %.
  EXPECT_NEAR(h[1] / 2000.0, 0.4 / 0.7, 0.05);
}

TEST(Sampler, TopPKeepsTheNucleus) {
  SamplingParams p;
  p.top_p = 0.6f;
  auto h = histogram(p, logits_from_probs({0.5, 0.05, 0.3, 0.15}), 2000);
  EXPECT_EQ(h.size(), 2u);  // 0.5 + 0.3 ≥ 0.6
  EXPECT_TRUE(h.count(0) && h.count(2));
}

TEST(Sampler, TopPOverALargeVocabularyNeedsMoreThanTheFirstChunk) {
  // 1000 equally likely tokens: top_p 0.5 must keep about 500 of them.
  SamplingParams p;
  p.top_p = 0.5f;
  auto h = histogram(p, std::vector<float>(1000, 0.0f), 4000);
  EXPECT_GT(h.size(), 400u);
  EXPECT_LT(h.size(), 520u);
}

TEST(Sampler, MinPDropsUnlikelyTokens) {
  SamplingParams p;
  p.min_p = 0.35f;
  auto h = histogram(p, logits_from_probs({0.5, 0.1, 0.25, 0.15}), 2000);
  EXPECT_EQ(h.size(), 2u);  // 0.1 and 0.15 < 0.35·0.5 = 0.175; 0.25 stays
}

TEST(Sampler, RepetitionPenaltyLowersSeenTokens) {
  SamplingParams p;
  p.temperature = 0;
  p.repetition_penalty = 2.0f;
  Sampler s(p);
  std::vector<float> l{2.0f, 1.5f};
  std::vector<int32_t> hist{0};
  EXPECT_EQ(s.sample(l, hist), 1);  // 2.0/2 < 1.5
}

TEST(StopStringFilter, CutsAtTheStopStringAndHoldsBackPrefixes) {
  StopStringFilter f({"###", "\nUser:"});
  EXPECT_EQ(f.push("Hello #"), "Hello ");
  EXPECT_EQ(f.push("# wo"), "## wo");  // no stop string: released
  EXPECT_EQ(f.push("rld ##"), "rld ");
  EXPECT_EQ(f.push("#tail"), "");
  EXPECT_TRUE(f.stopped());
  EXPECT_EQ(f.matched(), "###");
}

TEST(StopStringFilter, ReleasesNonMatchingPrefixes) {
  StopStringFilter f({"STOP"});
  EXPECT_EQ(f.push("abc ST"), "abc ");
  EXPECT_EQ(f.push("ART"), "START");
  EXPECT_EQ(f.push("x STO"), "x ");
  EXPECT_EQ(f.push("P and more"), "");
  EXPECT_TRUE(f.stopped());
  EXPECT_EQ(f.matched(), "STOP");
  EXPECT_EQ(f.push("later"), "");
  EXPECT_EQ(f.flush(), "");
}

TEST(StopStringFilter, FlushReleasesTheTail) {
  StopStringFilter f({"END"});
  EXPECT_EQ(f.push("the E"), "the ");
  EXPECT_EQ(f.flush(), "E");
}

TEST(StopStringFilter, NoStopsPassesEverything) {
  StopStringFilter f({});
  EXPECT_EQ(f.push("abc"), "abc");
}

TEST(Utf8, IncompleteTailLength) {
  EXPECT_EQ(incomplete_utf8_tail("abc"), 0u);
  EXPECT_EQ(incomplete_utf8_tail("a\xC3"), 1u);
  EXPECT_EQ(incomplete_utf8_tail("a\xC3\xA9"), 0u);
  EXPECT_EQ(incomplete_utf8_tail("\xF0\x9F\x98"), 3u);
  EXPECT_EQ(incomplete_utf8_tail("\xF0\x9F\x98\x80"), 0u);
  EXPECT_EQ(incomplete_utf8_tail("\xE2\x82"), 2u);
}

}  // namespace rayctl::inference
