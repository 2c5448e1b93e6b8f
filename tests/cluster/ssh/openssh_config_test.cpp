// ~/.ssh/config as rayctl reads it: patterns, negation, first value wins, Include, tokens,
// Match skipped, errors with file:line — and how it combines with a cluster file's settings.
#include "cluster/ssh/openssh_config.h"

#include "cluster/launcher/cluster_target.h"
#include "core/error.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace rayctl {
namespace {

namespace fs = std::filesystem;

TEST(OpenSshConfig, GlobsAndNegation) {
  EXPECT_TRUE(ssh_glob("gpu-node-3", "gpu-*"));
  EXPECT_TRUE(ssh_glob("GPU-node-3", "gpu-node-?"));
  EXPECT_FALSE(ssh_glob("gpu-node-13", "gpu-node-?"));
  EXPECT_TRUE(ssh_glob("a.b.c", "*.c"));
  EXPECT_TRUE(ssh_host_matches("web1", {"db*", "web?"}));
  EXPECT_FALSE(ssh_host_matches("bastion", {"*", "!bastion"}));
  EXPECT_TRUE(ssh_host_matches("node", {"*", "!bastion"}));
  EXPECT_FALSE(ssh_host_matches("node", {"!bastion"}));  // only negations: nothing matches
  EXPECT_TRUE(ssh_host_matches("b", {"a,b"}));
}

TEST(OpenSshConfig, FirstObtainedValueWins) {
  auto c = OpenSshConfig::parse(
      "# global\n"
      "ConnectTimeout 7\n"
      "Host head\n"
      "  HostName 10.0.0.1\n"
      "  User ops\n"
      "Host head*\n"
      "  User other\n"
      "  Port=2222\n"
      "  IdentityFile ~/.ssh/%r_%h\n"
      "  IdentityFile ~/.ssh/second\n"
      "Host *\n"
      "  Port 22\n"
      "  User fallback\n"
      "  ServerAliveInterval 5\n",
      "cfg", "/nonexistent");
  auto h = c.resolve("head", "me", "ubuntu");
  EXPECT_EQ(h.hostname, "10.0.0.1");
  EXPECT_EQ(h.user, "ops");
  EXPECT_EQ(h.port, 2222);
  EXPECT_EQ(h.connect_timeout, 7);
  EXPECT_EQ(h.server_alive_interval, 5);
  const char* home = std::getenv("HOME");
  ASSERT_NE(home, nullptr);
  EXPECT_EQ(h.identity_file, std::string(home) + "/.ssh/ops_10.0.0.1");
  auto other = c.resolve("db", "me", "ubuntu");
  EXPECT_FALSE(other.hostname);
  EXPECT_EQ(other.user, "fallback");
  EXPECT_EQ(other.port, 22);
}

TEST(OpenSshConfig, MatchBlocksNeverApplyAndProxyCommandKeepsTheRestOfTheLine) {
  auto c = OpenSshConfig::parse(
      "Match exec \"true\"\n"
      "  User matched\n"
      "Host n1\n"
      "  ProxyCommand ssh -W %h:%p jump   # not a comment for ssh either\n"
      "  StrictHostKeyChecking accept-new\n",
      "cfg", "/nonexistent");
  auto h = c.resolve("n1", "me", "ubuntu");
  EXPECT_FALSE(h.user);
  EXPECT_EQ(h.proxy_command, "ssh -W %h:%p jump   # not a comment for ssh either");
  EXPECT_EQ(h.strict_host_key_checking, "accept-new");
}

TEST(OpenSshConfig, IncludeInsideAHostBlockIsConditional) {
  fs::path dir = fs::temp_directory_path() / ("rayctl-sshcfg-" + std::to_string(getpid()));
  fs::create_directories(dir / "conf.d");
  std::ofstream(dir / "conf.d" / "a.conf") << "User included\nHost x\n  Port 2200\n";
  auto c = OpenSshConfig::parse("Host gpu-*\n  Include conf.d/*.conf\nHost *\n  User last\n", "cfg", dir.string());
  EXPECT_EQ(c.resolve("gpu-1", "me", "u").user, "included");
  EXPECT_EQ(c.resolve("cpu-1", "me", "u").user, "last");
  EXPECT_FALSE(c.resolve("x", "me", "u").port);  // x is not gpu-*: the include's Host x is inside it
  fs::remove_all(dir);
}

TEST(OpenSshConfig, ErrorsNameFileAndLine) {
  try {
    OpenSshConfig::parse("Host a\n  Port\n", "my.cfg", "/x");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("my.cfg:2: port has no value"), std::string::npos) << e.what();
  }
  auto c = OpenSshConfig::parse("Host a\n  Port 99999\n", "my.cfg", "/x");
  try {
    c.resolve("a", "me", "u");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("my.cfg:2: Port 99999"), std::string::npos) << e.what();
  }
}

// The cluster file wins where it speaks; the config fills the rest; an alias maps to HostName.
TEST(OpenSshConfig, ClusterSettingsWinOverTheConfig) {
  auto cfg = OpenSshConfig::parse(
      "Host head-alias\n  HostName 192.0.2.10\n  User cfguser\n  Port 2022\n  IdentityFile /keys/cfg\n"
      "  ProxyJump jump@192.0.2.1:2200\n  StrictHostKeyChecking no\n",
      "cfg", "/x");
  SshSettings ssh;
  ssh.user = "ubuntu";
  SshTarget t;
  t.host = "head-alias";
  t.user = ssh.user;
  apply_openssh_config(t, ssh, cfg);
  EXPECT_EQ(t.host, "192.0.2.10");
  EXPECT_EQ(t.alias, "head-alias");
  EXPECT_EQ(t.user, "cfguser");
  EXPECT_EQ(t.port, 2022);
  EXPECT_EQ(t.private_key, "/keys/cfg");
  ASSERT_TRUE(t.bastion);
  EXPECT_EQ(t.bastion->host, "192.0.2.1");
  EXPECT_EQ(t.bastion->port, 2200);
  EXPECT_TRUE(t.accept_new_host_keys);  // `no` is taken as accept-new, never as "don't check"

  SshSettings given = ssh;
  given.user = "fileuser";
  given.user_given = true;
  given.port = 22;
  given.port_given = true;
  given.private_key = "/keys/file";
  given.proxy_command = "nc %h %p";
  SshTarget t2;
  t2.host = "head-alias";
  t2.user = given.user;
  t2.port = 22;
  t2.private_key = given.private_key;
  t2.proxy_command = given.proxy_command;
  apply_openssh_config(t2, given, cfg);
  EXPECT_EQ(t2.host, "192.0.2.10");
  EXPECT_EQ(t2.user, "fileuser");
  EXPECT_EQ(t2.port, 22);
  EXPECT_EQ(t2.private_key, "/keys/file");
  EXPECT_FALSE(t2.bastion);
  EXPECT_EQ(t2.proxy_command, "nc %h %p");
}

}  // namespace
}  // namespace rayctl
