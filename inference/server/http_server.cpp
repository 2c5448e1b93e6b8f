// HttpServer: binding, the epoll event loop, accepting clients (under a cap derived from
// RLIMIT_NOFILE, with back-off when descriptors run out) and the deadlines that reap slow and
// idle clients. What happens on one connection is in http_connection.cpp; the request parser
// in http_request_parser.cpp; what handlers write goes through HttpResponder.
#include "inference/server/http_server.h"

#include "core/error.h"
#include "inference/server/http_request_parser.h"
#include "inference/server/http_server_impl.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <vector>

namespace rayctl::inference {

namespace {

constexpr uint64_t kListenTag = 0, kWakeTag = 1;
// Descriptors kept free for everything else the process opens (model file, logs, engine).
constexpr int kReservedFds = 64;

int connection_cap_for(int wanted) {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) return wanted;
  const long fit = static_cast<long>(rl.rlim_cur) - kReservedFds;
  return static_cast<int>(std::max(16L, std::min<long>(wanted, fit)));
}

}  // namespace

std::string HttpRequest::header(std::string_view name) const {
  std::string n = http_lower(name);
  for (const auto& [k, v] : headers) {
    if (k == n) return v;
  }
  return {};
}

HttpServer::HttpServer(HttpServerOptions options, HttpHandler handler) : impl_(std::make_unique<Impl>()) {
  impl_->opt = std::move(options);
  impl_->handler = std::move(handler);
  impl_->limits.max_header_bytes = impl_->opt.max_header_bytes;
  impl_->limits.max_body_bytes = impl_->opt.max_body_bytes;
}

HttpServer::~HttpServer() { stop(); }

int HttpServer::port() const { return impl_->bound_port; }
int HttpServer::open_connections() const { return impl_->open.load(); }
int HttpServer::connection_cap() const {
  return impl_->cap ? impl_->cap : connection_cap_for(impl_->opt.max_connections);
}

void HttpServer::start() {
  auto& m = *impl_;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  std::string port = std::to_string(m.opt.port);
  int rc = getaddrinfo(m.opt.host.c_str(), port.c_str(), &hints, &res);
  if (rc != 0)
    throw Error(ErrorKind::Usage, "cannot resolve --host " + m.opt.host + ": " + gai_strerror(rc),
                "give an IP address such as 127.0.0.1 or 0.0.0.0");
  std::string last_err;
  for (addrinfo* ai = res; ai; ai = ai->ai_next) {
    int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) continue;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && ::listen(fd, 1024) == 0) {
      m.listen_fd = fd;
      break;
    }
    last_err = std::strerror(errno);
    ::close(fd);
  }
  freeaddrinfo(res);
  if (m.listen_fd < 0)
    throw Error(ErrorKind::Io, "cannot listen on " + m.opt.host + ":" + port + ": " + last_err,
                "pick a free port with --port, or stop the process that holds it");
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  getsockname(m.listen_fd, reinterpret_cast<sockaddr*>(&ss), &len);
  m.bound_port = ntohs(ss.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                                                : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  m.cap = connection_cap_for(m.opt.max_connections);
  m.ep = epoll_create1(EPOLL_CLOEXEC);
  m.notifier->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kListenTag;
  epoll_ctl(m.ep, EPOLL_CTL_ADD, m.listen_fd, &ev);
  ev.data.u64 = kWakeTag;
  epoll_ctl(m.ep, EPOLL_CTL_ADD, m.notifier->efd, &ev);
  m.thread = std::thread([&m] { m.run(); });
}

void HttpServer::stop() {
  auto& m = *impl_;
  if (!m.thread.joinable()) return;
  m.stopping = true;
  uint64_t one = 1;
  ssize_t r = ::write(m.notifier->efd, &one, sizeof one);
  (void)r;
  m.thread.join();
  std::vector<uint64_t> ids;
  for (auto& [id, c] : m.conns) ids.push_back(id);
  for (uint64_t id : ids) m.close_conn(id, true);
  ::close(m.listen_fd);
  ::close(m.ep);
  // The eventfd stays open while responders may still notify; the notifier closes with the server.
  m.notifier->ids.clear();
}

void HttpServer::Impl::run() {
  epoll_event events[256];
  auto last_sweep = HttpClock::now();
  while (!stopping) {
    int n = epoll_wait(ep, events, 256, 250);
    for (int i = 0; i < n && !stopping; ++i) {
      const uint64_t tag = events[i].data.u64;
      if (tag == kListenTag) {
        accept_all();
      } else if (tag == kWakeTag) {
        uint64_t v;
        while (::read(notifier->efd, &v, sizeof v) > 0) {
        }
        std::vector<uint64_t> ids;
        {
          std::lock_guard<std::mutex> lk(notifier->mu);
          ids.swap(notifier->ids);
        }
        for (uint64_t id : ids) service(id);
      } else {
        on_event(tag, events[i].events);
      }
    }
    const auto now = HttpClock::now();
    if (!accepting && now >= accept_resume) {
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.u64 = kListenTag;
      epoll_ctl(ep, EPOLL_CTL_MOD, listen_fd, &ev);
      accepting = true;
    }
    if (now - last_sweep >= std::chrono::milliseconds(250)) {
      last_sweep = now;
      sweep(now);
    }
  }
}

// Out of descriptors with nobody to evict: stop watching the listen socket for a moment rather
// than spinning on a readiness that accept() cannot consume.
void HttpServer::Impl::pause_accepting() {
  epoll_event ev{};
  ev.data.u64 = kListenTag;
  epoll_ctl(ep, EPOLL_CTL_MOD, listen_fd, &ev);
  accepting = false;
  accept_resume = HttpClock::now() + std::chrono::milliseconds(100);
}

// Closes the connection that has waited longest without a response in flight (a slow or idle
// client), so a new client can take its place. False when every connection is being served.
bool HttpServer::Impl::evict_stalled() {
  HttpConnection* oldest = nullptr;
  HttpClock::time_point oldest_t{};
  for (auto& [id, c] : conns) {
    if (c.cur || c.out_off < c.out.size()) continue;
    const auto t = c.in_request ? c.request_start : c.last;
    if (!oldest || t < oldest_t) oldest = &c, oldest_t = t;
  }
  if (!oldest) return false;
  close_conn(oldest->id, false);
  return true;
}

void HttpServer::Impl::accept_all() {
  for (int i = 0; i < 256; ++i) {  // bounded, so a connect flood cannot starve the others
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    int fd = accept4(listen_fd, reinterpret_cast<sockaddr*>(&ss), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        if (evict_stalled()) continue;
        pause_accepting();
      }
      return;
    }
    if (static_cast<int>(conns.size()) >= cap && !evict_stalled()) {
      static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      ssize_t r = ::send(fd, busy, sizeof busy - 1, MSG_NOSIGNAL);
      (void)r;
      ::close(fd);
      continue;
    }
    add_connection(fd, ss);
  }
}

void HttpServer::Impl::add_connection(int fd, const sockaddr_storage& ss) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  char host[INET6_ADDRSTRLEN] = "?";
  int port = 0;
  if (ss.ss_family == AF_INET) {
    auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
    port = ntohs(a->sin_port);
  } else if (ss.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
    port = ntohs(a->sin6_port);
  }
  uint64_t id = next_id++;
  HttpConnection& c = conns[id];
  c.fd = fd;
  c.id = id;
  c.peer = std::string(host) + ":" + std::to_string(port);
  c.interest = EPOLLIN | EPOLLRDHUP;
  epoll_event ev{};
  ev.events = c.interest;
  ev.data.u64 = id;
  epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  ++open;
}

// Header and body deadlines (counted from the request's first byte, not refreshed per byte),
// and idle keep-alive connections.
void HttpServer::Impl::sweep(HttpClock::time_point now) {
  using std::chrono::duration;
  std::vector<uint64_t> late, idle;
  for (auto& [id, c] : conns) {
    if (c.cur) continue;
    if (c.in_request && !c.have_head && duration<double>(now - c.request_start).count() > opt.header_timeout_s)
      late.push_back(id);
    else if (c.have_head && duration<double>(now - c.body_start).count() > opt.body_timeout_s)
      late.push_back(id);
    else if (!c.in_request && !c.have_head && now - c.last > std::chrono::seconds(opt.idle_timeout_s))
      idle.push_back(id);
  }
  for (uint64_t id : late) {
    auto it = conns.find(id);
    if (it == conns.end()) continue;
    reject(it->second, 408, "request not received in time");
    service(id);
  }
  for (uint64_t id : idle) close_conn(id, false);
}

}  // namespace rayctl::inference
