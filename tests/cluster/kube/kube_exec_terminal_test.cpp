// An exec credential plugin run from a terminal talks to the user as with kubectl: it reads
// the terminal (stdin) and prompts on it (stderr); its stdout is the credential. The test
// puts a pseudo-terminal on its own fds 0 and 2 while the plugin runs.
#include "cluster/kube/kube_config.h"
#include "cluster/kube/kube_credentials.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace rayctl {
namespace {

namespace fs = std::filesystem;

// A pty whose slave replaces fds 0 and 2 for the test's lifetime.
class PtyOnStdio {
 public:
  PtyOnStdio() {
    master_ = posix_openpt(O_RDWR | O_NOCTTY);
    EXPECT_GE(master_, 0);
    grantpt(master_);
    unlockpt(master_);
    slave_ = open(ptsname(master_), O_RDWR | O_NOCTTY);
    EXPECT_GE(slave_, 0);
    saved_in_ = dup(0);
    saved_err_ = dup(2);
    dup2(slave_, 0);
    dup2(slave_, 2);
  }
  ~PtyOnStdio() {
    dup2(saved_in_, 0);
    dup2(saved_err_, 2);
    for (int fd : {saved_in_, saved_err_, slave_, master_}) close(fd);
  }
  void type(const std::string& s) { (void)!write(master_, s.data(), s.size()); }
  // What the terminal shows (echo included), read until quiet.
  std::string screen() {
    std::string out;
    char buf[1024];
    pollfd p{master_, POLLIN, 0};
    while (poll(&p, 1, 200) > 0) {
      ssize_t n = read(master_, buf, sizeof buf);
      if (n <= 0) break;
      out.append(buf, n);
    }
    return out;
  }

 private:
  int master_ = -1, slave_ = -1, saved_in_ = -1, saved_err_ = -1;
};

TEST(KubeExecPlugin, OnATerminalThePluginPromptsAndReadsTheUser) {
  fs::path dir = fs::temp_directory_path() / ("rayctl-exec-tty-" + std::to_string(getpid()));
  fs::create_directories(dir);
  fs::path plugin = dir / "otp-plugin";
  std::ofstream(plugin) << "#!/bin/sh\n"
                           "[ -t 0 ] || { echo 'stdin is not a terminal' >&2; exit 5; }\n"
                           "printf 'One-time code: ' >&2\n"
                           "read code\n"
                           "echo '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\","
                           "\"status\":{\"token\":\"otp-'$code'\"}}'\n";
  fs::permissions(plugin, fs::perms::owner_all);
  KubeTarget t;
  t.server = "https://127.0.0.1:1";
  t.user_name = "u";
  KubeExecConfig x;
  x.api_version = "client.authentication.k8s.io/v1";
  x.command = plugin.string();
  t.user.exec = x;
  KubeCredentials creds(t, /*stdin_is_tty=*/true);
  HttpRequest req;
  std::string shown;
  {
    PtyOnStdio pty;
    pty.type("424242\n");  // typed ahead: the terminal holds it until the plugin reads
    creds.apply(req);
    shown = pty.screen();
  }
  ASSERT_EQ(req.headers.size(), 1u);
  EXPECT_EQ(req.headers[0].second, "Bearer otp-424242");
  EXPECT_NE(shown.find("One-time code: "), std::string::npos) << shown;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace rayctl
