// HttpServer: epoll event loop, HTTP/1.1 request parsing and response streaming. What handlers
// write goes through HttpResponder (http_responder.cpp).
#include "inference/server/http_server.h"
#include "inference/server/http_responder_shared.h"

#include "core/error.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace rayctl::inference {

namespace {

constexpr uint64_t kListenTag = 0, kWakeTag = 1;
using Clock = std::chrono::steady_clock;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
  return std::string(s.substr(b, e - b));
}

}  // namespace

std::string HttpRequest::header(std::string_view name) const {
  std::string n = lower(name);
  for (const auto& [k, v] : headers) {
    if (k == n) return v;
  }
  return {};
}

struct Connection {
  int fd = -1;
  uint64_t id = 0;
  std::string in, out;
  size_t out_off = 0;
  std::shared_ptr<HttpResponderShared> cur;
  bool cur_done = false;
  bool close_after = false;  // close once `out` is flushed
  bool sent_continue = false;
  bool want_write = false;
  Clock::time_point last = Clock::now();
  std::string peer;
};

struct HttpServer::Impl {
  HttpServerOptions opt;
  HttpHandler handler;
  int listen_fd = -1, ep = -1;
  int bound_port = 0;
  std::shared_ptr<ServerNotifier> notifier = std::make_shared<ServerNotifier>();
  std::unordered_map<uint64_t, Connection> conns;
  uint64_t next_id = 2;
  std::atomic<bool> stopping{false};
  std::atomic<int> open{0};
  std::thread thread;

  void run();
  void accept_all();
  void on_readable(Connection& c);
  void parse(Connection& c);
  void pump(Connection& c);
  void flush(Connection& c);
  void close_conn(uint64_t id, bool client_gone);
  void reject(Connection& c, int status, const std::string& msg);
  void set_write_interest(Connection& c, bool on);
};

HttpServer::HttpServer(HttpServerOptions options, HttpHandler handler) : impl_(std::make_unique<Impl>()) {
  impl_->opt = std::move(options);
  impl_->handler = std::move(handler);
}

HttpServer::~HttpServer() { stop(); }

int HttpServer::port() const { return impl_->bound_port; }
int HttpServer::open_connections() const { return impl_->open.load(); }

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
  auto last_sweep = Clock::now();
  while (!stopping) {
    int n = epoll_wait(ep, events, 256, 1000);
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
        for (uint64_t id : ids) {
          auto it = conns.find(id);
          if (it != conns.end()) pump(it->second);
        }
      } else {
        auto it = conns.find(tag);
        if (it == conns.end()) continue;
        const uint32_t e = events[i].events;
        if (e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) on_readable(it->second);
        it = conns.find(tag);
        if (it != conns.end() && (e & EPOLLOUT)) flush(it->second);
      }
    }
    auto now = Clock::now();
    if (now - last_sweep > std::chrono::seconds(1)) {
      last_sweep = now;
      std::vector<uint64_t> idle;
      for (auto& [id, c] : conns) {
        if (!c.cur && now - c.last > std::chrono::seconds(opt.idle_timeout_s)) idle.push_back(id);
      }
      for (uint64_t id : idle) close_conn(id, false);
    }
  }
}

void HttpServer::Impl::accept_all() {
  for (;;) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    int fd = accept4(listen_fd, reinterpret_cast<sockaddr*>(&ss), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;  // EAGAIN, or EMFILE: try again on the next readiness
    if (static_cast<int>(conns.size()) >= opt.max_connections) {
      static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      ssize_t r = ::send(fd, busy, sizeof busy - 1, MSG_NOSIGNAL);
      (void)r;
      ::close(fd);
      continue;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    char host[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (ss.ss_family == AF_INET) {
      auto* a = reinterpret_cast<sockaddr_in*>(&ss);
      inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
      port = ntohs(a->sin_port);
    } else if (ss.ss_family == AF_INET6) {
      auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
      inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
      port = ntohs(a->sin6_port);
    }
    uint64_t id = next_id++;
    Connection& c = conns[id];
    c.fd = fd;
    c.id = id;
    c.peer = std::string(host) + ":" + std::to_string(port);
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.u64 = id;
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    ++open;
  }
}

void HttpServer::Impl::on_readable(Connection& c) {
  char buf[16384];
  for (;;) {
    ssize_t r = ::recv(c.fd, buf, sizeof buf, 0);
    if (r > 0) {
      c.in.append(buf, static_cast<size_t>(r));
      c.last = Clock::now();
      if (c.in.size() > opt.max_body_bytes + opt.max_header_bytes + 65536) {
        close_conn(c.id, true);
        return;
      }
      continue;
    }
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (r < 0 && errno == EINTR) continue;
    close_conn(c.id, true);  // EOF or reset: the client is gone
    return;
  }
  parse(c);
}

void HttpServer::Impl::reject(Connection& c, int status, const std::string& msg) {
  std::string body = "{\"error\":{\"message\":\"" + msg +
                     "\",\"type\":\"invalid_request_error\",\"code\":" + std::to_string(status) + "}}";
  c.out += "HTTP/1.1 " + std::to_string(status) + " " + HttpServer::status_text(status) +
           "\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n\r\n" + body;
  c.close_after = true;
  c.in.clear();
  flush(c);
}

void HttpServer::Impl::parse(Connection& c) {
  while (!c.cur && !c.close_after) {
    size_t hdr_end = c.in.find("\r\n\r\n");
    if (hdr_end == std::string::npos) {
      if (c.in.size() > opt.max_header_bytes) reject(c, 431, "request headers too large");
      return;
    }
    HttpRequest req;
    std::string_view head(c.in.data(), hdr_end);
    size_t line_end = head.find("\r\n");
    std::string_view line = head.substr(0, line_end);
    size_t sp1 = line.find(' '), sp2 = line.rfind(' ');
    if (sp1 == std::string_view::npos || sp2 == sp1) return reject(c, 400, "malformed request line");
    req.method = std::string(line.substr(0, sp1));
    req.target = std::string(line.substr(sp1 + 1, sp2 - sp1 - 1));
    req.version = std::string(line.substr(sp2 + 1));
    if (req.version != "HTTP/1.1" && req.version != "HTTP/1.0") return reject(c, 505, "unsupported HTTP version");
    size_t q = req.target.find('?');
    req.path = req.target.substr(0, q);
    if (q != std::string::npos) req.query = req.target.substr(q + 1);
    size_t at = line_end == std::string_view::npos ? head.size() : line_end + 2;
    while (at < head.size()) {
      size_t e = head.find("\r\n", at);
      if (e == std::string_view::npos) e = head.size();
      std::string_view h = head.substr(at, e - at);
      size_t colon = h.find(':');
      if (colon == std::string_view::npos || colon == 0) return reject(c, 400, "malformed header line");
      req.headers.emplace_back(lower(h.substr(0, colon)), trim(h.substr(colon + 1)));
      at = e + 2;
    }
    if (!req.header("transfer-encoding").empty())
      return reject(c, 411, "chunked request bodies are not supported; send Content-Length");
    size_t body_len = 0;
    std::string cl = req.header("content-length");
    if (!cl.empty()) {
      char* endp = nullptr;
      errno = 0;
      unsigned long long v = std::strtoull(cl.c_str(), &endp, 10);
      if (errno || *endp || cl[0] == '-') return reject(c, 400, "bad Content-Length");
      if (v > opt.max_body_bytes) return reject(c, 413, "request body too large");
      body_len = static_cast<size_t>(v);
    }
    if (c.in.size() < hdr_end + 4 + body_len) {
      if (!c.sent_continue && lower(req.header("expect")) == "100-continue") {
        c.out += "HTTP/1.1 100 Continue\r\n\r\n";
        c.sent_continue = true;
        flush(c);
      }
      return;
    }
    req.body = c.in.substr(hdr_end + 4, body_len);
    c.in.erase(0, hdr_end + 4 + body_len);
    c.sent_continue = false;
    req.peer = c.peer;
    auto shared = std::make_shared<HttpResponderShared>();
    std::string conn_hdr = lower(req.header("connection"));
    shared->http10 = req.version == "HTTP/1.0";
    shared->keep_alive = shared->http10 ? conn_hdr == "keep-alive" : conn_hdr != "close";
    shared->head = req.method == "HEAD";
    shared->conn_id = c.id;
    shared->notifier = notifier;
    c.cur = shared;
    c.cur_done = false;
    auto responder = std::make_shared<HttpResponder>(shared);
    try {
      handler(req, responder);
    } catch (const std::exception& e) {
      responder->send(500, "application/json",
                      "{\"error\":{\"message\":\"internal error\",\"type\":\"internal_error\",\"code\":500}}");
    }
    const uint64_t id = c.id;
    pump(c);
    if (!conns.count(id)) return;  // closed while pumping
  }
}

// Moves what the current responder produced into the connection and writes it.
void HttpServer::Impl::pump(Connection& c) {
  if (!c.cur) return;
  {
    std::lock_guard<std::mutex> lk(c.cur->mu);
    if (c.out_off == c.out.size()) {
      c.out.clear();
      c.out_off = 0;
    }
    c.out += c.cur->out;
    c.cur->out.clear();
    c.cur_done = c.cur->done;
    if (c.cur_done && !c.cur->keep_alive) c.close_after = true;
  }
  flush(c);
}

void HttpServer::Impl::set_write_interest(Connection& c, bool on) {
  if (c.want_write == on) return;
  c.want_write = on;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP | (on ? EPOLLOUT : 0u);
  ev.data.u64 = c.id;
  epoll_ctl(ep, EPOLL_CTL_MOD, c.fd, &ev);
}

void HttpServer::Impl::flush(Connection& c) {
  while (c.out_off < c.out.size()) {
    ssize_t w = ::send(c.fd, c.out.data() + c.out_off, c.out.size() - c.out_off, MSG_NOSIGNAL);
    if (w > 0) {
      c.out_off += static_cast<size_t>(w);
      continue;
    }
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      set_write_interest(c, true);
      return;
    }
    if (w < 0 && errno == EINTR) continue;
    close_conn(c.id, true);
    return;
  }
  c.out.clear();
  c.out_off = 0;
  set_write_interest(c, false);
  if (c.close_after) {
    close_conn(c.id, false);
    return;
  }
  if (c.cur && c.cur_done) {
    c.cur.reset();
    c.last = Clock::now();
    parse(c);  // a pipelined request may be waiting
  }
}

void HttpServer::Impl::close_conn(uint64_t id, bool client_gone) {
  auto it = conns.find(id);
  if (it == conns.end()) return;
  Connection& c = it->second;
  epoll_ctl(ep, EPOLL_CTL_DEL, c.fd, nullptr);
  ::close(c.fd);
  std::function<void()> fn;
  if (c.cur) {
    std::lock_guard<std::mutex> lk(c.cur->mu);
    if (!c.cur->closed) {
      c.cur->closed = true;
      if (client_gone && !c.cur->done) fn = std::move(c.cur->on_close);
      c.cur->on_close = nullptr;
    }
  }
  conns.erase(it);
  --open;
  if (fn) fn();
}

}  // namespace rayctl::inference
