// ProxyProcess: tokens, bytes both ways through a real /bin/sh command, and the whole process
// group ended and reaped — also a command that ignores SIGTERM and has a child.
#include "cluster/ssh/proxy_process.h"

#include "core/error.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

namespace rayctl {
namespace {

TEST(ProxyCommand, ExpandsOpenSshTokens) {
  EXPECT_EQ(expand_proxy_command("ssh -W %h:%p -l %r jump # %n %%", "10.0.0.2", 2222, "ops", "head"),
            "ssh -W 10.0.0.2:2222 -l ops jump # head %");
  EXPECT_THROW(expand_proxy_command("nc %x", "h", 22, "u", "h"), Error);
}

TEST(ProxyCommand, CarriesBytesBothWays) {
  auto p = ProxyProcess::start("read -r line; echo \"got $line\"", "node t");
  int fd = p->release_fd();
  ASSERT_EQ(write(fd, "hello\n", 6), 6);
  std::string out;
  char buf[64];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) out.append(buf, size_t(n));
  close(fd);
  EXPECT_EQ(out, "got hello\n");
  for (int i = 0; i < 100 && !p->ended(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(p->ended().value_or(""), "exited with status 0");
}

bool alive(pid_t pid) { return kill(pid, 0) == 0; }

TEST(ProxyCommand, StubbornCommandIsKilledWithItsChildren) {
  std::string pidfile = "/tmp/rayctl-proxy-child-" + std::to_string(getpid());
  // The shell ignores TERM and waits on a child that ignores it too.
  auto p = ProxyProcess::start(
      "trap '' TERM; sh -c 'trap \"\" TERM; echo $$ > " + pidfile + "; while :; do sleep 0.1; done' & wait", "node t");
  pid_t child = -1;
  for (int i = 0; i < 200 && child <= 0; ++i) {
    std::ifstream f(pidfile);
    f >> child;
    if (child <= 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_GT(child, 0);
  pid_t shell = p->pid();
  auto t0 = std::chrono::steady_clock::now();
  p->stop(std::chrono::milliseconds(300));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
  EXPECT_FALSE(alive(shell)) << "the shell is still there (or a zombie: not reaped)";
  // The child was SIGKILLed with the group; it is reaped by init, so wait for it to vanish.
  for (int i = 0; i < 200 && alive(child); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_FALSE(alive(child)) << "the proxy command's child survived";
  EXPECT_EQ(p->ended().value_or(""), "was killed by signal 9");
  unlink(pidfile.c_str());
}

TEST(ProxyCommand, AFailingCommandSaysHowItEnded) {
  auto p = ProxyProcess::start("exit 3", "node t");
  for (int i = 0; i < 200 && !p->ended(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(p->ended().value_or(""), "exited with status 3");
}

}  // namespace
}  // namespace rayctl
