// ProxyProcess: an SSH connection through a command, like OpenSSH's ProxyCommand (Ray's
// auth.ssh_proxy_command, ~/.ssh/config). The command runs under /bin/sh in a process group of
// its own, its stdin and stdout on one end of a socketpair; libssh2 speaks SSH over the other
// end. Its stderr is rayctl's (what it says reaches the user, as with ssh). When the object
// goes, the whole group gets SIGTERM, then SIGKILL after a grace period, and is reaped.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <sys/types.h>

namespace rayctl {

// Replaces OpenSSH's %-tokens in `text` from `tokens` ('%%' is a percent sign). Returns the
// first token that is neither (x for %x; NUL for a trailing %), else nullopt.
std::optional<char> expand_percent_tokens(const std::string& text, const std::map<char, std::string>& tokens,
                                          std::string& out);

// Expands OpenSSH's ProxyCommand tokens: %h host, %p port, %r remote user, %n the host as the
// user wrote it (an alias), %% a percent sign. Throws Error(Invalid) on any other %x.
std::string expand_proxy_command(const std::string& command, const std::string& host, int port, const std::string& user,
                                 const std::string& alias);

class ProxyProcess {
 public:
  // Starts `/bin/sh -c command` (tokens already expanded). Throws Error(Network) when it
  // cannot be started; `subject` names the node in messages.
  static std::unique_ptr<ProxyProcess> start(const std::string& command, const std::string& subject);
  ~ProxyProcess();
  ProxyProcess(const ProxyProcess&) = delete;
  ProxyProcess& operator=(const ProxyProcess&) = delete;

  // Our end of the socketpair; the caller owns it from here on (closes it).
  int release_fd();
  pid_t pid() const { return pid_; }
  // The command's exit status if it has ended ("exited with status 1", "killed by signal 9"),
  // else nullopt. Does not block.
  std::optional<std::string> ended();
  // Ends the group now: SIGTERM, up to `grace` for it to go, then SIGKILL; reaps the command.
  void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(1000));

 private:
  ProxyProcess() = default;
  pid_t pid_ = -1;
  int fd_ = -1;
  std::optional<int> status_;  // waitpid status once reaped
};

}  // namespace rayctl
