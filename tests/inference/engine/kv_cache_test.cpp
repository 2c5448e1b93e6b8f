// PagedKvCache: block allocation, per-sequence tables, release and usage accounting.
#include "inference/engine/paged_kv_cache.h"

#include <gtest/gtest.h>

#include <set>

namespace rayctl::inference {

TEST(PagedKvCache, ReservesWholeBlocksOnDemand) {
  PagedKvCache kv(8, 16);
  EXPECT_EQ(kv.blocks_for(1), 1);
  EXPECT_EQ(kv.blocks_for(16), 1);
  EXPECT_EQ(kv.blocks_for(17), 2);
  ASSERT_TRUE(kv.reserve(7, 20));
  EXPECT_EQ(kv.block_table(7).size(), 2u);
  EXPECT_EQ(kv.used_blocks(), 2);
  ASSERT_TRUE(kv.reserve(7, 32));  // still two blocks
  EXPECT_EQ(kv.used_blocks(), 2);
  ASSERT_TRUE(kv.reserve(7, 33));
  EXPECT_EQ(kv.block_table(7).size(), 3u);
  EXPECT_DOUBLE_EQ(kv.usage(), 3.0 / 8.0);
}

TEST(PagedKvCache, RefusesWithoutPartialAllocation) {
  PagedKvCache kv(4, 16);
  ASSERT_TRUE(kv.reserve(1, 48));
  EXPECT_FALSE(kv.reserve(2, 32));  // needs 2, only 1 free
  EXPECT_TRUE(kv.block_table(2).empty());
  EXPECT_EQ(kv.free_blocks(), 1);
  EXPECT_EQ(kv.missing_blocks(2, 32), 2);
}

TEST(PagedKvCache, ReleaseReturnsEveryBlockAndTablesNeverShare) {
  PagedKvCache kv(16, 4);
  for (int s = 0; s < 4; ++s) ASSERT_TRUE(kv.reserve(s, 4 * (s + 1)));
  std::set<int32_t> seen;
  for (int s = 0; s < 4; ++s)
    for (int32_t b : kv.block_table(s)) EXPECT_TRUE(seen.insert(b).second) << "block " << b << " handed out twice";
  EXPECT_EQ(kv.used_blocks(), 10);
  kv.release(2);
  kv.release(2);  // idempotent
  EXPECT_EQ(kv.used_blocks(), 7);
  kv.release(0);
  kv.release(1);
  kv.release(3);
  EXPECT_EQ(kv.used_blocks(), 0);
  EXPECT_EQ(kv.sequences(), 0);
  EXPECT_DOUBLE_EQ(kv.usage(), 0.0);
}

TEST(PagedKvCache, RejectsEmptyPool) { EXPECT_THROW(PagedKvCache(0, 16), std::invalid_argument); }

}  // namespace rayctl::inference

namespace rayctl::inference {

namespace {
std::vector<int32_t> ids(int n, int first = 100) {
  std::vector<int32_t> v(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) v[static_cast<size_t>(i)] = first + i;
  return v;
}
}  // namespace

TEST(PrefixCache, ASecondSequenceSharesThePublishedFullBlocksOfItsPrefix) {
  PagedKvCache kv(16, 4, true);
  const auto a = ids(10);  // blocks [0,4) [4,8) full, [8,10) partial
  ASSERT_TRUE(kv.reserve(1, 10));
  kv.publish(1, a, 10);
  EXPECT_EQ(kv.cached_blocks(), 2);
  auto b = ids(12);  // same first 10 tokens, then more
  EXPECT_EQ(kv.match_prefix(2, b), 8);
  const auto ta = kv.block_table(1), tb = kv.block_table(2);
  ASSERT_EQ(tb.size(), 2u);
  EXPECT_EQ(tb[0], ta[0]);
  EXPECT_EQ(tb[1], ta[1]);
  EXPECT_EQ(kv.used_blocks(), 3) << "shared blocks are counted once";
  ASSERT_TRUE(kv.reserve(2, 12));  // its own third block
  EXPECT_NE(kv.block_table(2)[2], ta[2]);
  EXPECT_EQ(kv.prefix_queries(), 12);
  EXPECT_EQ(kv.prefix_hits(), 8);
}

TEST(PrefixCache, TheLastTokenAlwaysRunsAndADifferentBlockStopsTheMatch) {
  PagedKvCache kv(16, 4, true);
  const auto a = ids(8);
  ASSERT_TRUE(kv.reserve(1, 8));
  kv.publish(1, a, 8);
  EXPECT_EQ(kv.match_prefix(2, a), 4) << "8 tokens: the second block holds the last token, which must run";
  auto c = ids(12);
  c[5] = 7;  // differs inside the second block
  EXPECT_EQ(kv.match_prefix(3, c), 4);
  auto d = ids(12);
  d[0] = 7;  // differs in the first: nothing, and no table is left behind
  EXPECT_EQ(kv.match_prefix(4, d), 0);
  EXPECT_TRUE(kv.block_table(4).empty());
}

TEST(PrefixCache, ReleasedBlocksStayCachedAsFreeUntilEvictedLeastRecentFirst) {
  PagedKvCache kv(4, 4, true);
  const auto a = ids(9), b = ids(9, 500);
  ASSERT_TRUE(kv.reserve(1, 9));
  kv.publish(1, a, 9);
  kv.release(1);
  EXPECT_EQ(kv.free_blocks(), 4) << "cached blocks nobody uses count as free";
  EXPECT_EQ(kv.cached_blocks(), 2);
  EXPECT_EQ(kv.match_prefix(2, a), 8) << "still there after release";
  kv.release(2);
  ASSERT_TRUE(kv.reserve(3, 9));  // 3 blocks: the two never cached, then one eviction
  kv.publish(3, b, 9);
  EXPECT_EQ(kv.cached_blocks(), 3) << "one of a's evicted, b's two registered";
  kv.release(3);
  EXPECT_EQ(kv.match_prefix(4, a), 4) << "a's second block was evicted, not its first: a tail goes before its head";
  EXPECT_EQ(kv.match_prefix(5, b), 8);
}

TEST(PrefixCache, OffMatchesNothing) {
  PagedKvCache kv(8, 4);
  const auto a = ids(9);
  ASSERT_TRUE(kv.reserve(1, 9));
  kv.publish(1, a, 9);
  EXPECT_EQ(kv.match_prefix(2, a), 0);
  EXPECT_EQ(kv.cached_blocks(), 0);
}

TEST(PrefixCache, AHashCollisionIsConfirmedAgainstTheTokensAndMisses) {
  // Two different prefixes cannot be told apart by a test through the hash; what can be shown is
  // that a block is only matched when its stored ids equal the query's: a sequence that starts
  // with a's first block but not its second gets only the first.
  PagedKvCache kv(8, 2, true);
  const auto a = ids(5);
  ASSERT_TRUE(kv.reserve(1, 5));
  kv.publish(1, a, 5);
  std::vector<int32_t> q{a[0], a[1], a[3], a[2], 9};
  EXPECT_EQ(kv.match_prefix(2, q), 2);
}

TEST(PrefixCache, AForkSharesTheFullBlocksAndGetsItsOwnCopyOfThePartialOne) {
  PagedKvCache kv(8, 4, true);
  ASSERT_TRUE(kv.reserve(1, 10));  // blocks for positions 0-3, 4-7, 8-9
  const auto src = std::vector<int32_t>(kv.block_table(1).begin(), kv.block_table(1).end());
  int32_t from = 0;
  const int32_t fresh = kv.fork(1, 2, 10, &from);
  const auto t = kv.block_table(2);
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[0], src[0]);
  EXPECT_EQ(t[1], src[1]);
  EXPECT_EQ(from, src[2]) << "the partial block is the one to copy";
  EXPECT_EQ(t[2], fresh);
  EXPECT_NE(fresh, src[2]);
  EXPECT_EQ(kv.used_blocks(), 4);
  kv.release(1);
  EXPECT_EQ(kv.used_blocks(), 3) << "the shared blocks live on with the fork";
  int32_t none = 0;
  EXPECT_EQ(kv.fork(2, 3, 8, &none), -1) << "8 positions: whole blocks only, nothing to copy";
  EXPECT_EQ(none, -1);
  EXPECT_EQ(kv.block_table(3).size(), 2u);
  int32_t refused = 0;
  EXPECT_EQ(kv.fork(7, 4, 4, &refused), -1);
  EXPECT_EQ(refused, -2) << "an unknown source";
}

}  // namespace rayctl::inference
