// SshSession on libssh2 (see ssh_session.h): connecting (with bastion and retries),
// host-key check, auth, and exec. SFTP upload and PTY sessions are in ssh_session_io.cpp.
#include "cluster/ssh/ssh_session.h"

#include "cluster/ssh/proxy_process.h"
#include "cluster/ssh/ssh_auth.h"
#include "cluster/ssh/ssh_forwarder.h"
#include "cluster/ssh/ssh_host_key.h"
#include "core/error.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <libssh2.h>
#include <libssh2_sftp.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <thread>

namespace rayctl {
namespace {

using Clock = std::chrono::steady_clock;

void libssh2_once() {
  static std::once_flag once;
  std::call_once(once, [] { libssh2_init(0); });
}

Error network_error(const SshTarget& t, const std::string& what) {
  return Error(ErrorKind::Network, t.subject() + ": cannot connect to " + t.address() + ": " + what,
               "check that the host is up, sshd listens on port " + std::to_string(t.port) +
                   " and nothing blocks it (provider.connect_timeout_s sets the timeout)",
               {});
}

// TCP keepalive probes, and TCP_USER_TIMEOUT: data unacknowledged for `dead_after` ends the
// connection (a vanished host otherwise holds it for ~15 minutes of retransmissions).
void set_tcp_options(int fd, std::chrono::seconds dead_after) {
  int on = 1, idle = 15, intvl = 5, cnt = 3;
  ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt);
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  if (dead_after.count() > 0) {
    unsigned ms = unsigned(std::min<long long>(dead_after.count(), 3600) * 1000);
    ::setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &ms, sizeof ms);
  }
}

// TCP connect with a deadline, polling `cancel`.
int tcp_connect(const SshTarget& t, const CancelFlag* cancel) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int gai = ::getaddrinfo(t.host.c_str(), std::to_string(t.port).c_str(), &hints, &res);
  if (gai != 0) throw network_error(t, std::string("cannot resolve host: ") + gai_strerror(gai));
  std::string last = "no address";
  int fd = -1;
  for (addrinfo* ai = res; ai && fd < 0; ai = ai->ai_next) {
    int s = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
    if (s < 0) continue;
    int rc = ::connect(s, ai->ai_addr, ai->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      auto deadline = Clock::now() + t.connect_timeout;
      rc = -1;
      errno = ETIMEDOUT;
      while (Clock::now() < deadline) {
        if (cancel && cancel->cancelled()) {
          ::close(s);
          ::freeaddrinfo(res);
          throw Error(ErrorKind::Cancelled, t.subject() + ": connecting cancelled", {}, {});
        }
        pollfd p{s, POLLOUT, 0};
        if (::poll(&p, 1, 100) > 0) {
          int err = 0;
          socklen_t len = sizeof err;
          ::getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len);
          rc = err == 0 ? 0 : -1;
          errno = err;
          break;
        }
      }
    }
    if (rc == 0) {
      fd = s;
      break;
    }
    last = errno == ETIMEDOUT ? "timed out after " + std::to_string(t.connect_timeout.count() / 1000) + " s"
                              : std::string(std::strerror(errno));
    ::close(s);
  }
  ::freeaddrinfo(res);
  if (fd < 0) throw network_error(t, last);
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  set_tcp_options(fd, t.dead_after());
  return fd;
}

int signal_number(const char* name) {
  static const std::pair<const char*, int> table[] = {
      {"HUP", 1},   {"INT", 2},   {"QUIT", 3},  {"ILL", 4},   {"ABRT", 6},  {"FPE", 8},  {"KILL", 9},
      {"SEGV", 11}, {"PIPE", 13}, {"ALRM", 14}, {"TERM", 15}, {"USR1", 10}, {"USR2", 12}};
  for (auto& [n, v] : table)
    if (std::strcmp(n, name) == 0) return v;
  return 1;
}

// Splits a byte stream into lines for an OutputSink.
class LineSplitter {
 public:
  LineSplitter(int stream, const OutputSink& sink) : stream_(stream), sink_(sink) {}
  void feed(const char* p, size_t n) {
    buf_.append(p, n);
    size_t pos;
    while ((pos = buf_.find('\n')) != std::string::npos) {
      std::string line = buf_.substr(0, pos);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (sink_) sink_(stream_, line);
      buf_.erase(0, pos + 1);
    }
  }
  void flush() {
    if (!buf_.empty() && sink_) sink_(stream_, buf_);
    buf_.clear();
  }

 private:
  int stream_;
  const OutputSink& sink_;
  std::string buf_;
};

}  // namespace

std::string SshTarget::address() const { return user + "@" + host + ":" + std::to_string(port); }

std::chrono::seconds SshTarget::dead_after() const {
  if (alive_interval_s <= 0 || alive_count_max <= 0) return std::chrono::seconds(0);
  return std::chrono::seconds(static_cast<long long>(alive_interval_s) * alive_count_max);
}

SshJump parse_ssh_jump(const std::string& text, const std::string& default_user) {
  SshJump j;
  j.user = default_user;
  std::string rest = text;
  if (auto at = rest.find('@'); at != std::string::npos) {
    j.user = rest.substr(0, at);
    rest = rest.substr(at + 1);
  }
  if (auto colon = rest.rfind(':'); colon != std::string::npos && rest.find(']') == std::string::npos) {
    try {
      j.port = std::stoi(rest.substr(colon + 1));
    } catch (...) {
      throw Error(ErrorKind::Invalid, "bastion '" + text + "' has a bad port", "write it as user@host:port");
    }
    rest = rest.substr(0, colon);
  }
  if (!rest.empty() && rest.front() == '[' && rest.back() == ']') rest = rest.substr(1, rest.size() - 2);
  if (rest.empty() || j.user.empty()) throw Error(ErrorKind::Invalid, "bastion '" + text + "' is not user@host[:port]");
  j.host = rest;
  return j;
}

std::string wrap_cancellable(const std::string& command) {
  // fd 3 keeps the channel's stdin for the watcher; the command itself reads /dev/null. Only
  // the line "cancel" triggers the signal: a closed channel (EOF) leaves the command alone.
  return "exec 3<&0 </dev/null; { IFS= read -r rayctl_req <&3 && [ \"$rayctl_req\" = cancel ] && kill -TERM 0; } "
         ">/dev/null 2>&1 & exec 3<&-; " +
         command;
}

SshSession::SshSession(SshTarget target) : target_(std::move(target)) {}

SshSession::~SshSession() { close_all(); }

void SshSession::close_all() {
  if (sftp_) {
    libssh2_session_set_blocking(session_, 1);
    libssh2_session_set_timeout(session_, 2000);
    libssh2_sftp_shutdown(sftp_);
    sftp_ = nullptr;
  }
  if (session_) {
    libssh2_session_set_blocking(session_, 1);
    libssh2_session_set_timeout(session_, 2000);
    libssh2_session_disconnect(session_, "rayctl done");
    libssh2_session_free(session_);
    session_ = nullptr;
  }
  if (sock_ >= 0) ::close(sock_);
  sock_ = -1;
  jump_.reset();
  proxy_.reset();
}

std::unique_ptr<SshSession> SshSession::open(const SshTarget& target, const CancelFlag* cancel) {
  libssh2_once();
  auto backoff = target.retry_backoff;
  for (int attempt = 1;; ++attempt) {
    std::unique_ptr<SshSession> s(new SshSession(target));
    try {
      s->connect_once(cancel);
      return s;
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::Network || attempt >= std::max(1, target.connect_attempts)) throw;
    }
    auto until = Clock::now() + backoff;
    while (Clock::now() < until) {
      if (cancel && cancel->cancelled())
        throw Error(ErrorKind::Cancelled, target.subject() + ": connecting cancelled", {}, {});
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    backoff *= 2;
  }
}

void SshSession::connect_once(const CancelFlag* cancel) {
  if (target_.bastion) {
    SshTarget jt = target_;
    jt.node = target_.node + " (bastion " + target_.bastion->host + ")";
    jt.host = target_.bastion->host;
    jt.port = target_.bastion->port;
    jt.user = target_.bastion->user;
    jt.bastion.reset();
    jt.connect_attempts = 1;
    auto js = SshSession::open(jt, cancel);
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
      throw network_error(target_, "socketpair failed");
    jump_ = std::make_unique<SshForwarder>(std::move(js));
    jump_->add_stream(sv[1], target_.host, target_.port);
    jump_->start();
    sock_ = sv[0];
  } else if (!target_.proxy_command.empty()) {
    std::string cmd = expand_proxy_command(target_.proxy_command, target_.host, target_.port, target_.user,
                                           target_.alias.empty() ? target_.host : target_.alias);
    proxy_ = ProxyProcess::start(cmd, target_.subject());
    sock_ = proxy_->release_fd();
  } else {
    sock_ = tcp_connect(target_, cancel);
  }
  session_ = libssh2_session_init_ex(nullptr, nullptr, nullptr, this);
  if (!session_) throw Error(ErrorKind::Internal, "libssh2_session_init failed");
  last_recv_ = Clock::now().time_since_epoch().count();
  libssh2_session_callback_set(session_, LIBSSH2_CALLBACK_RECV, reinterpret_cast<void*>(&SshSession::recv_hook));
  libssh2_session_set_blocking(session_, 1);
  libssh2_session_set_timeout(session_, long(target_.connect_timeout.count()));
  if (libssh2_session_handshake(session_, sock_) != 0) {
    std::string via = jump_ ? "the bastion " + target_.bastion->user + "@" + target_.bastion->host + ":" +
                                  std::to_string(target_.bastion->port)
                            : std::string();
    if (jump_ && !jump_->refused().empty())
      throw network_error(target_, via + " could not open a connection to " + jump_->refused());
    if (proxy_) {
      for (int i = 0; i < 20 && !proxy_->ended(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
      auto how = proxy_->ended();
      throw network_error(target_, "SSH handshake through the proxy command `" + target_.proxy_command + "` failed" +
                                       (how ? ": the command " + *how + " (its stderr is above)" : ""));
    }
    char* msg = nullptr;
    libssh2_session_last_error(session_, &msg, nullptr, 0);
    throw network_error(target_, std::string("SSH handshake failed") + (jump_ ? " through " + via : "") + ": " +
                                     (msg ? msg : "unknown error"));
  }
  verify_host_key(session_, target_);  // throws Error(HostKey) unless the key is known or accepted
  authenticate_ssh(session_, target_);
  if (target_.alive_interval_s > 0) libssh2_keepalive_config(session_, 1, unsigned(target_.alive_interval_s));
  libssh2_session_set_timeout(session_, 0);
}

ssize_t SshSession::recv_hook(int fd, void* buf, size_t len, int flags, void** abstract) {
  ssize_t n = ::recv(fd, buf, len, flags);
  if (n < 0) return -errno;  // libssh2's convention (as its own _libssh2_recv)
  if (n > 0) static_cast<SshSession*>(*abstract)->last_recv_ = Clock::now().time_since_epoch().count();
  return n;
}

Error SshSession::lost(const std::string& when) const {
  char* msg = nullptr;
  libssh2_session_last_error(session_, &msg, nullptr, 0);
  return Error(ErrorKind::Network,
               target_.subject() + ": the SSH connection to " + target_.address() + " was lost " + when + " (" +
                   (msg ? msg : "unknown") + "); the command's outcome is unknown and it was not re-run",
               "check the node, then re-run: completed steps are skipped", {});
}

void SshSession::keep_alive(Clock::time_point since, const std::string& when) {
  int next = 0;
  if (target_.alive_interval_s > 0 && libssh2_keepalive_send(session_, &next) < 0 &&
      libssh2_session_last_errno(session_) != LIBSSH2_ERROR_EAGAIN)
    throw lost(when);
  auto dead = target_.dead_after();
  if (dead.count() == 0) return;
  auto heard = std::max(since, Clock::time_point(Clock::duration(last_recv_.load())));
  if (Clock::now() - heard < dead) return;
  throw Error(ErrorKind::Network,
              target_.subject() + " (" + target_.address() + ") stopped answering " + when + ": nothing from it for " +
                  std::to_string(dead.count()) + " s (" + std::to_string(target_.alive_count_max) +
                  " keepalives every " + std::to_string(target_.alive_interval_s) +
                  " s unanswered); the command's outcome is unknown and it was not re-run",
              "check the node (is it up, is its network reachable?), then re-run: completed steps are skipped; "
              "provider.ssh_alive_interval_s and provider.ssh_alive_count_max set how long rayctl waits",
              {});
}

void SshSession::wait_socket(int timeout_ms) const {
  pollfd p{sock_, 0, 0};
  int dir = libssh2_session_block_directions(session_);
  if (dir & LIBSSH2_SESSION_BLOCK_INBOUND) p.events |= POLLIN;
  if (dir & LIBSSH2_SESSION_BLOCK_OUTBOUND) p.events |= POLLOUT;
  if (p.events == 0) p.events = POLLIN;
  ::poll(&p, 1, timeout_ms);
}

int SshSession::exec(const std::string& command, const OutputSink& sink, const CancelFlag& cancel) {
  libssh2_session_set_blocking(session_, 0);
  const auto started = Clock::now();
  LIBSSH2_CHANNEL* ch = nullptr;
  while (!(ch = libssh2_channel_open_session(session_))) {
    if (libssh2_session_last_errno(session_) != LIBSSH2_ERROR_EAGAIN) throw lost("opening a channel");
    keep_alive(started, "opening a channel");
    wait_socket(200);
  }
  // Freed on every way out, the throws included.
  std::unique_ptr<LIBSSH2_CHANNEL, int (*)(LIBSSH2_CHANNEL*)> owned(ch, libssh2_channel_free);
  std::string wrapped = wrap_cancellable(command);
  int rc;
  while ((rc = libssh2_channel_exec(ch, wrapped.c_str())) == LIBSSH2_ERROR_EAGAIN) {
    keep_alive(started, "starting a command");
    wait_socket(200);
  }
  if (rc != 0) throw lost("starting a command");
  LineSplitter out(1, sink), err(2, sink);
  bool cancel_sent = false;
  Clock::time_point give_up{};
  char buf[16384];
  for (;;) {
    bool progress = false;
    for (int stream : {0, 1}) {
      ssize_t n = libssh2_channel_read_ex(ch, stream, buf, sizeof buf);
      if (n > 0) {
        (stream == 0 ? out : err).feed(buf, size_t(n));
        progress = true;
      } else if (n < 0 && n != LIBSSH2_ERROR_EAGAIN) {
        throw lost("while running a command");
      }
    }
    if (progress) continue;
    if (libssh2_channel_eof(ch)) break;
    if (cancel.cancelled() && !cancel_sent) {
      for (int i = 0; i < 50 && libssh2_channel_write(ch, "cancel\n", 7) == LIBSSH2_ERROR_EAGAIN; ++i) wait_socket(100);
      cancel_sent = true;
      give_up = Clock::now() + std::chrono::seconds(5);
    }
    if (cancel_sent && Clock::now() > give_up) break;
    keep_alive(started, "while running a command");
    wait_socket(200);
  }
  out.flush();
  err.flush();
  auto deadline = Clock::now() + std::chrono::seconds(3);
  while (libssh2_channel_close(ch) == LIBSSH2_ERROR_EAGAIN && Clock::now() < deadline) wait_socket(100);
  while (libssh2_channel_wait_closed(ch) == LIBSSH2_ERROR_EAGAIN && Clock::now() < deadline) wait_socket(100);
  int status = libssh2_channel_get_exit_status(ch);
  char* sig = nullptr;
  libssh2_channel_get_exit_signal(ch, &sig, nullptr, nullptr, nullptr, nullptr, nullptr);
  if (sig) {
    status = 128 + signal_number(sig);
    libssh2_free(session_, sig);
  }
  return cancel_sent ? kCancelledExit : status;
}

}  // namespace rayctl
