// Channel ↔ socket pumping (see ssh_forwarder.h).
#include "cluster/ssh/ssh_forwarder.h"

#include "cluster/ssh/ssh_session.h"

#include <fcntl.h>
#include <libssh2.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace rayctl {

struct SshForwarder::Stream {
  int fd = -1;
  std::string host;
  int port = 0;
  LIBSSH2_CHANNEL* channel = nullptr;
  std::string to_channel;  // read from fd, not yet written to the channel
  std::string to_fd;       // read from the channel, not yet written to fd
  bool fd_eof = false;     // local side closed its write half
  bool eof_sent = false;
  bool channel_eof = false;
  bool dead = false;
};

namespace {

void set_nonblocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

}  // namespace

SshForwarder::SshForwarder(std::unique_ptr<SshSession> session) : session_(std::move(session)) {
  if (::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) wake_[0] = wake_[1] = -1;
}

SshForwarder::~SshForwarder() {
  stop_ = true;
  if (wake_[1] >= 0) (void)!::write(wake_[1], "x", 1);
  if (thread_.joinable()) thread_.join();
  for (auto& s : streams_) {
    if (s->channel) libssh2_channel_free(s->channel);
    if (s->fd >= 0) ::close(s->fd);
  }
  for (auto& l : listeners_) ::close(l.fd);
  for (int fd : wake_)
    if (fd >= 0) ::close(fd);
}

void SshForwarder::add_stream(int fd, const std::string& host, int port) {
  set_nonblocking(fd);
  auto s = std::make_unique<Stream>();
  s->fd = fd;
  s->host = host;
  s->port = port;
  {
    std::lock_guard<std::mutex> g(mu_);
    streams_.push_back(std::move(s));
  }
  if (wake_[1] >= 0) (void)!::write(wake_[1], "x", 1);
}

void SshForwarder::add_listener(int fd, const std::string& host, int port) {
  set_nonblocking(fd);
  std::lock_guard<std::mutex> g(mu_);
  listeners_.push_back({fd, host, port});
}

void SshForwarder::start() {
  thread_ = std::thread([this] { loop(); });
}

std::string SshForwarder::failure() const {
  std::lock_guard<std::mutex> g(mu_);
  return failure_;
}

std::string SshForwarder::refused() const {
  std::lock_guard<std::mutex> g(mu_);
  return refused_;
}

bool SshForwarder::pump_once() {
  LIBSSH2_SESSION* ss = session_->raw();
  std::lock_guard<std::mutex> g(mu_);
  char buf[32768];
  for (auto& s : streams_) {
    if (s->dead) continue;
    if (!s->channel) {
      s->channel = libssh2_channel_direct_tcpip_ex(ss, s->host.c_str(), s->port, "127.0.0.1", 0);
      if (!s->channel) {
        char* msg = nullptr;
        int err = libssh2_session_last_error(ss, &msg, nullptr, 0);
        if (err != LIBSSH2_ERROR_EAGAIN) {  // refused by the server: drop this stream
          s->dead = true;
          refused_ = s->host + ":" + std::to_string(s->port) + ": " + (msg ? msg : "refused");
        }
        continue;
      }
    }
    // local → channel
    if (!s->fd_eof && s->to_channel.size() < (1 << 20)) {
      ssize_t n = ::recv(s->fd, buf, sizeof buf, 0);
      if (n > 0)
        s->to_channel.append(buf, size_t(n));
      else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
        s->fd_eof = true;
    }
    while (!s->to_channel.empty()) {
      ssize_t w = libssh2_channel_write(s->channel, s->to_channel.data(), s->to_channel.size());
      if (w == LIBSSH2_ERROR_EAGAIN) break;
      if (w < 0) {
        s->dead = true;
        break;
      }
      s->to_channel.erase(0, size_t(w));
    }
    if (s->fd_eof && s->to_channel.empty() && !s->eof_sent && !s->dead) {
      if (libssh2_channel_send_eof(s->channel) != LIBSSH2_ERROR_EAGAIN) s->eof_sent = true;
    }
    // channel → local
    while (!s->dead && s->to_fd.size() < (1 << 20)) {
      ssize_t n = libssh2_channel_read(s->channel, buf, sizeof buf);
      if (n > 0) {
        s->to_fd.append(buf, size_t(n));
        continue;
      }
      if (n < 0 && n != LIBSSH2_ERROR_EAGAIN) {
        if (n == LIBSSH2_ERROR_SOCKET_RECV || n == LIBSSH2_ERROR_SOCKET_DISCONNECT) return false;
        s->dead = true;
      }
      break;
    }
    if (libssh2_channel_eof(s->channel)) s->channel_eof = true;
    while (!s->to_fd.empty()) {
      ssize_t w = ::send(s->fd, s->to_fd.data(), s->to_fd.size(), MSG_NOSIGNAL);
      if (w < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK) s->dead = true;
        break;
      }
      s->to_fd.erase(0, size_t(w));
    }
    if (s->channel_eof && s->to_fd.empty()) ::shutdown(s->fd, SHUT_WR);
    if ((s->channel_eof && s->to_fd.empty() && s->fd_eof && s->to_channel.empty())) s->dead = true;
  }
  // Reap finished streams.
  for (auto it = streams_.begin(); it != streams_.end();) {
    auto& s = *it;
    if (!s->dead) {
      ++it;
      continue;
    }
    if (s->channel) {
      libssh2_channel_close(s->channel);
      libssh2_channel_free(s->channel);
    }
    ::close(s->fd);
    it = streams_.erase(it);
  }
  return true;
}

void SshForwarder::loop() {
  LIBSSH2_SESSION* ss = session_->raw();
  libssh2_session_set_blocking(ss, 0);
  while (!stop_) {
    std::vector<pollfd> fds;
    {
      std::lock_guard<std::mutex> g(mu_);
      fds.push_back({wake_[0], POLLIN, 0});
      fds.push_back({session_->socket_fd(), POLLIN, 0});
      for (auto& l : listeners_) fds.push_back({l.fd, POLLIN, 0});
      for (auto& s : streams_)
        if (!s->fd_eof) fds.push_back({s->fd, POLLIN, 0});
    }
    ::poll(fds.data(), fds.size(), 50);
    if (fds[0].revents & POLLIN) {
      char b[64];
      while (::read(wake_[0], b, sizeof b) > 0) {
      }
    }
    {
      std::lock_guard<std::mutex> g(mu_);
      for (auto& l : listeners_) {
        int c;
        while ((c = ::accept4(l.fd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
          auto s = std::make_unique<Stream>();
          s->fd = c;
          s->host = l.host;
          s->port = l.port;
          streams_.push_back(std::move(s));
        }
      }
    }
    if (!pump_once()) {
      std::lock_guard<std::mutex> g(mu_);
      failure_ = "the SSH connection to " + session_->target().address() + " was lost";
      for (auto& s : streams_) ::shutdown(s->fd, SHUT_RDWR);
      return;
    }
    int next = 0;
    libssh2_keepalive_send(ss, &next);
  }
}

}  // namespace rayctl
