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
