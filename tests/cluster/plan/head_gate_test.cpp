// HeadGate: how workers of one `rayctl up` wait for the head (cluster/plan/head_gate.h).
#include "cluster/plan/head_gate.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace rayctl {
namespace {

TEST(HeadGate, WorkersWaitUntilTheHeadBeginsItsRayStart) {
  CancelFlag user;
  HeadGate gate(user);
  EXPECT_EQ(gate.state(), HeadGate::State::Preparing);
  auto t0 = std::chrono::steady_clock::now();
  std::thread head([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    gate.starting();
  });
  EXPECT_EQ(gate.wait_until_starting(), HeadGate::State::Starting);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(150));
  head.join();
  EXPECT_FALSE(gate.settled().cancelled());
  gate.started();
  EXPECT_TRUE(gate.settled().cancelled());  // ends a worker's wait for the GCS
  EXPECT_FALSE(gate.head_failed().cancelled());
  gate.starting();  // never moves back
  EXPECT_EQ(gate.state(), HeadGate::State::Started);
}

TEST(HeadGate, AFailedHeadReleasesAndCancelsWorkersWithItsError) {
  CancelFlag user;
  HeadGate gate(user);
  gate.starting();
  gate.failed("node head: start command failed with exit code 1");
  EXPECT_EQ(gate.wait_until_starting(), HeadGate::State::Failed);
  EXPECT_TRUE(gate.settled().cancelled());
  EXPECT_TRUE(gate.head_failed().cancelled());
  EXPECT_EQ(gate.failure(), "node head: start command failed with exit code 1");
  gate.started();  // a late success does not undo the failure
  EXPECT_EQ(gate.state(), HeadGate::State::Failed);
}

TEST(HeadGate, CtrlCEndsTheWaitAndReadsThroughTheFlags) {
  CancelFlag user;
  HeadGate gate(user);
  std::thread interrupt([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    user.cancel();  // as the signal handler does: no notify
  });
  EXPECT_EQ(gate.wait_until_starting(), HeadGate::State::Preparing);
  interrupt.join();
  EXPECT_TRUE(gate.settled().cancelled());
  EXPECT_TRUE(gate.head_failed().cancelled());
}

}  // namespace
}  // namespace rayctl
