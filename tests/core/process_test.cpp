// run_process / run_process_streaming: exit codes, output, and waits that end.
#include "core/process.h"

#include <gtest/gtest.h>

#include <chrono>

namespace rayctl {
namespace {

using Clock = std::chrono::steady_clock;

// The child exits at once but leaves `sleep 100` holding its stdout and stderr: run() must
// return with the child's output once the child is gone, not when the grandchild lets go.
TEST(Process, ADescendantHoldingThePipesDoesNotHoldTheWait) {
  ProcessSpec spec;
  spec.argv = {"sh", "-c", "sleep 100 & echo started; echo oops >&2; exit 4"};
  auto t0 = Clock::now();
  ProcessResult r = run_process(spec);
  EXPECT_LT(Clock::now() - t0, std::chrono::seconds(5));
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_EQ(r.out, "started\n");
  EXPECT_EQ(r.err, "oops\n");
}

TEST(Process, StreamingEndsWhenTheChildExitsToo) {
  ProcessSpec spec;
  spec.argv = {"sh", "-c", "sleep 100 & echo one; echo two"};
  std::vector<std::string> lines;
  auto t0 = Clock::now();
  int rc = run_process_streaming(spec, [&](int, const std::string& l) { lines.push_back(l); });
  EXPECT_LT(Clock::now() - t0, std::chrono::seconds(5));
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(lines, (std::vector<std::string>{"one", "two"}));
}

// Output the child wrote just before exiting is all kept (the drain after exit is bounded,
// not skipped).
TEST(Process, OutputWrittenJustBeforeExitIsKept) {
  ProcessSpec spec;
  spec.argv = {"sh", "-c", "head -c 1000000 /dev/zero | tr '\\0' x"};
  ProcessResult r = run_process(spec);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.size(), 1000000u);
}

TEST(Process, AMissingProgramIs127WithAMessage) {
  ProcessSpec spec;
  spec.argv = {"rayctl-no-such-program-xyz"};
  ProcessResult r = run_process(spec);
  EXPECT_EQ(r.exit_code, 127);
  EXPECT_NE(r.err.find("cannot run rayctl-no-such-program-xyz"), std::string::npos) << r.err;
}

TEST(Process, StdinEnvAndCwdReachTheChild) {
  ProcessSpec spec;
  spec.argv = {"sh", "-c", "cat; printf \" $RAYCTL_T \"; pwd"};
  spec.stdin_data = "in";
  spec.env_add = {{"RAYCTL_T", "v"}};
  spec.cwd = "/";
  ProcessResult r = run_process(spec);
  EXPECT_EQ(r.out, "in v /\n");
}

}  // namespace
}  // namespace rayctl
