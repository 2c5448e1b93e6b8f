// OpenOnceMap (the SSH session pool's map): one value per key, even when threads race.
#include "cluster/ssh/ssh_session_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace rayctl {
namespace {

// Stands in for an SshSession: records whether it was destroyed while someone still used it.
struct FakeSession {
  explicit FakeSession(std::atomic<int>& live) : live_(live) { ++live_; }
  ~FakeSession() { --live_; }
  std::atomic<int>& live_;
};

TEST(SshSessionPool, ThreadsRacingForOneHostOpenOneSession) {
  OpenOnceMap<FakeSession> pool;
  std::atomic<int> opens{0}, live{0};
  std::vector<FakeSession*> got(8);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < got.size(); ++i)
    threads.emplace_back([&, i] {
      got[i] = &pool.get("worker-1", [&] {
        ++opens;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));  // a slow SSH handshake
        return std::make_unique<FakeSession>(live);
      });
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(opens.load(), 1);
  EXPECT_EQ(live.load(), 1);
  for (auto* s : got) EXPECT_EQ(s, got[0]);
  EXPECT_EQ(pool.size(), 1u);
}

TEST(SshSessionPool, OtherHostsOpenInParallelAndAFailedOpenIsRetried) {
  OpenOnceMap<FakeSession> pool;
  std::atomic<int> live{0};
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&, i] {
      pool.get("node-" + std::to_string(i), [&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        return std::make_unique<FakeSession>(live);
      });
    });
  for (auto& t : threads) t.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(700));
  EXPECT_EQ(live.load(), 4);
  EXPECT_THROW(pool.get("bad", []() -> std::unique_ptr<FakeSession> { throw std::runtime_error("refused"); }),
               std::runtime_error);
  FakeSession* first = &pool.get("bad", [&] { return std::make_unique<FakeSession>(live); });
  FakeSession* again = &pool.get("bad", []() -> std::unique_ptr<FakeSession> { throw std::runtime_error("no"); });
  EXPECT_EQ(first, again);  // opened once; the second opener never ran
  pool.take_all();
  EXPECT_EQ(live.load(), 0);
}

}  // namespace
}  // namespace rayctl
