// Sampler: greedy, seeded reproducibility, top_k / top_p / min_p cut-offs, penalties, and
// the stop-string filter and UTF-8 hold-back used while streaming.
#include "inference/engine/sampler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

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

namespace rayctl::inference {

TEST(SamplerLogprobs, AreTheLogSoftmaxOfTheLogitsAfterBiasPenaltiesAndTemperature) {
  SamplingParams p;
  p.temperature = 0.5f;
  p.logprobs = 3;
  p.logit_bias = {{0, 1.0f}};
  p.presence_penalty = 0.5f;
  p.seed = 1;
  Sampler s(p);
  std::vector<float> logits{1.0f, 2.0f, 0.5f, -1.0f};
  const std::vector<int32_t> history{1};
  TokenLogprobs lp;
  const int32_t tok = s.sample(logits, history, &lp);
  // After bias and penalty: {2.0, 1.5, 0.5, -1.0}; then / 0.5.
  const double z[] = {4.0, 3.0, 1.0, -2.0};
  double lse = 0;
  for (double v : z) lse += std::exp(v);
  lse = std::log(lse);
  EXPECT_EQ(lp.token, tok);
  EXPECT_NEAR(lp.logprob, z[tok] - lse, 1e-5);
  ASSERT_EQ(lp.top.size(), 3u);
  EXPECT_EQ(lp.top[0].first, 0);
  EXPECT_EQ(lp.top[1].first, 1);
  EXPECT_EQ(lp.top[2].first, 2);
  EXPECT_NEAR(lp.top[0].second, z[0] - lse, 1e-5);
  EXPECT_NEAR(lp.top[2].second, z[2] - lse, 1e-5);
}

TEST(SamplerLogprobs, GreedyUsesNoTemperatureAndNoneAreMadeUnasked) {
  SamplingParams p;
  p.temperature = 0;
  p.logprobs = 0;
  Sampler s(p);
  std::vector<float> logits{0.0f, std::log(3.0f)};
  TokenLogprobs lp;
  EXPECT_EQ(s.sample(logits, {}, &lp), 1);
  EXPECT_NEAR(lp.logprob, std::log(0.75), 1e-6);
  EXPECT_TRUE(lp.top.empty());
  SamplingParams off;
  off.temperature = 0;
  Sampler none(off);
  TokenLogprobs untouched;
  untouched.logprob = 42;
  std::vector<float> l2{0.0f, 1.0f};
  none.sample(l2, {}, &untouched);
  EXPECT_EQ(untouched.logprob, 42) << "logprobs = -1: nothing is computed";
}

TEST(SamplerBias, ALogitBiasOfMinus100BansATokenAndPlus100ForcesIt) {
  SamplingParams p;
  p.temperature = 1.0f;
  p.seed = 3;
  p.logit_bias = {{2, 100.0f}, {0, -100.0f}};
  Sampler s(p);
  for (int i = 0; i < 50; ++i) {
    std::vector<float> logits{5.0f, 1.0f, 0.0f, 1.0f};
    EXPECT_EQ(s.sample(logits, {}), 2);
  }
}

TEST(SamplerPenalties, FrequencyPresenceAndRepetitionChangeTheGreedyChoice) {
  auto greedy = [](SamplingParams p, std::vector<int32_t> history) {
    p.temperature = 0;
    Sampler s(p);
    std::vector<float> logits{2.0f, 1.9f, 0.0f};
    return s.sample(logits, history);
  };
  const std::vector<int32_t> used_twice{0, 0};
  EXPECT_EQ(greedy({}, used_twice), 0);
  SamplingParams f;
  f.frequency_penalty = 0.1f;  // 2.0 - 0.2 < 1.9
  EXPECT_EQ(greedy(f, used_twice), 1);
  SamplingParams pr;
  pr.presence_penalty = 0.2f;  // 2.0 - 0.2 < 1.9
  EXPECT_EQ(greedy(pr, used_twice), 1);
  SamplingParams rep;
  rep.repetition_penalty = 1.1f;  // 2.0 / 1.1 < 1.9
  EXPECT_EQ(greedy(rep, used_twice), 1);
}

TEST(SamplerSeed, TheSameSeedDrawsTheSameTokensInAnotherSampler) {
  SamplingParams p;
  p.temperature = 1.0f;
  p.seed = 1234;
  auto draw = [&] {
    Sampler s(p);
    std::vector<int32_t> out;
    for (int i = 0; i < 64; ++i) {
      std::vector<float> logits(50);
      for (int k = 0; k < 50; ++k) logits[static_cast<size_t>(k)] = static_cast<float>(k % 7) * 0.3f;
      out.push_back(s.sample(logits, {}));
    }
    return out;
  };
  const auto a = draw(), b = draw();
  EXPECT_EQ(a, b);
  EXPECT_GT(std::set<int32_t>(a.begin(), a.end()).size(), 3u) << "a real draw, not greedy";
}

}  // namespace rayctl::inference
