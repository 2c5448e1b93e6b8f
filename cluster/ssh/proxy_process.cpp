// ProxyProcess (see proxy_process.h).
#include "cluster/ssh/proxy_process.h"

#include "core/error.h"

#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>
#include <vector>

extern char** environ;

namespace rayctl {

namespace {

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "was killed by signal " + std::to_string(WTERMSIG(status));
  return "ended";
}

}  // namespace

std::optional<char> expand_percent_tokens(const std::string& text, const std::map<char, std::string>& tokens,
                                          std::string& out) {
  out.clear();
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    char t = i + 1 < text.size() ? text[i + 1] : '\0';
    auto it = tokens.find(t);
    if (t == '%')
      out += '%';
    else if (it != tokens.end())
      out += it->second;
    else
      return t;
    ++i;
  }
  return std::nullopt;
}

std::string expand_proxy_command(const std::string& command, const std::string& host, int port, const std::string& user,
                                 const std::string& alias) {
  std::string out;
  if (auto bad =
          expand_percent_tokens(command, {{'h', host}, {'p', std::to_string(port)}, {'r', user}, {'n', alias}}, out))
    throw Error(ErrorKind::Invalid,
                "proxy command '" + command + "': unknown token %" + std::string(*bad ? 1 : 0, *bad),
                "use %h (host), %p (port), %r (user), %n (host as written) or %% (a percent sign)");
  return out;
}

std::unique_ptr<ProxyProcess> ProxyProcess::start(const std::string& command, const std::string& subject) {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
    throw Error(ErrorKind::Network, subject + ": socketpair for the proxy command: " + std::strerror(errno));
  // Everything the child needs is made here: posix_spawn does the rest without allocating.
  std::vector<std::string> args = {"/bin/sh", "-c", command};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, sv[1], 0);
  posix_spawn_file_actions_adddup2(&fa, sv[1], 1);
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, "/bin/sh", &fa, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  ::close(sv[1]);
  if (rc != 0) {
    ::close(sv[0]);
    throw Error(ErrorKind::Network, subject + ": cannot start the proxy command: " + std::strerror(rc));
  }
  std::unique_ptr<ProxyProcess> p(new ProxyProcess());
  p->pid_ = pid;
  p->fd_ = sv[0];
  return p;
}

int ProxyProcess::release_fd() {
  int fd = fd_;
  fd_ = -1;
  return fd;
}

std::optional<std::string> ProxyProcess::ended() {
  if (!status_ && pid_ > 0) {
    int st = 0;
    if (::waitpid(pid_, &st, WNOHANG) == pid_) status_ = st;
  }
  if (status_) return describe_status(*status_);
  return std::nullopt;
}

void ProxyProcess::stop(std::chrono::milliseconds grace) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (pid_ <= 0) return;
  // The group, not only the shell: a command's children (ssh -W, nc) go too, even one that
  // ignores SIGTERM.
  ::kill(-pid_, SIGTERM);
  auto until = std::chrono::steady_clock::now() + grace;
  while (!ended() && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ::kill(-pid_, SIGKILL);  // whatever is left of the group (the shell may be gone already)
  if (!status_) {
    int st = 0;
    while (::waitpid(pid_, &st, 0) < 0 && errno == EINTR) {
    }
    status_ = st;
  }
  pid_ = -1;
}

ProxyProcess::~ProxyProcess() { stop(); }

}  // namespace rayctl
