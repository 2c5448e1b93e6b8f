// One HttpServer connection, driven by service(): read what the client sent (bounded), parse
// and dispatch requests one after the other in a loop — pipelined requests are consumed by
// offset and the buffer is compacted once per pass — move what the response in flight
// produced into the output, write it. Nothing here recurses: reading, parsing, the handler and
// writing never call back into each other.
#include "inference/server/http_server_impl.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <functional>
#include <mutex>

namespace rayctl::inference {

namespace {

// Output waiting for a slow reader beyond which no further pipelined request is dispatched.
constexpr size_t kOutHigh = 1u << 20;

size_t unconsumed(const HttpConnection& c) { return c.in.size() - c.in_off; }
size_t unwritten(const HttpConnection& c) { return c.out.size() - c.out_off; }

// How many unconsumed bytes a connection may hold: one head (plus a byte, to see it is too
// large) until a head has been accepted, then that request's body and the next head. A body the
// gate refused is discarded as it arrives, never held.
size_t read_limit(const HttpConnection& c, const HttpServerOptions& opt) {
  if (c.close_after) return 0;
  if (c.have_head && !c.body_refused) return c.frame.head_bytes + c.frame.body_bytes + opt.max_header_bytes + 1;
  return opt.max_header_bytes + 5;
}

}  // namespace

void HttpServer::Impl::on_event(uint64_t id, uint32_t events) {
  auto it = conns.find(id);
  if (it == conns.end()) return;
  HttpConnection& c = it->second;
  if (events & (EPOLLHUP | EPOLLERR)) return close_conn(id, true);
  if (events & (EPOLLIN | EPOLLRDHUP)) {
    // A half-closed client whose bytes we cannot take any more is gone as far as we care.
    if ((events & EPOLLRDHUP) && unconsumed(c) >= read_limit(c, opt)) return close_conn(id, true);
    if (!read_input(c)) return;
  }
  service(id);
}

// Reads what the socket holds, up to the connection's limit. False when the client is gone
// (EOF or error) and the connection was closed.
bool HttpServer::Impl::read_input(HttpConnection& c) {
  char buf[65536];
  const size_t limit = read_limit(c, opt);
  while (unconsumed(c) < limit) {
    const ssize_t r = ::recv(c.fd, buf, std::min(sizeof buf, limit - unconsumed(c)), 0);
    if (r > 0) {
      const size_t skip = std::min(c.discard, static_cast<size_t>(r));
      c.discard -= skip;
      c.in.append(buf + skip, static_cast<size_t>(r) - skip);
      if (unconsumed(c) > 0 && !c.in_request && !c.have_head) {
        c.in_request = true;
        c.request_start = HttpClock::now();
      }
      continue;
    }
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (r < 0 && errno == EINTR) continue;
    close_conn(c.id, true);  // EOF or reset: the client is gone
    return false;
  }
  return true;
}

void HttpServer::Impl::service(uint64_t id) {
  auto it = conns.find(id);
  if (it == conns.end()) return;
  HttpConnection& c = it->second;
  for (;;) {
    if (c.cur) take_output(c);
    if (c.cur || c.close_after || unwritten(c) > kOutHigh) break;
    if (!dispatch_next(c)) break;
  }
  if (c.in_off > 0) {  // once per pass, however many requests were consumed
    c.in.erase(0, c.in_off);
    c.in_off = 0;
  }
  if (!flush(c)) return;
  if (c.close_after && !c.cur && unwritten(c) == 0) return close_conn(id, false);
  update_interest(c);
}

// Parses the next request in the buffer and runs its handler. False when there is none yet
// (or the bytes were rejected).
bool HttpServer::Impl::dispatch_next(HttpConnection& c) {
  const std::string_view buf(c.in.data() + c.in_off, unconsumed(c));
  if (!c.have_head) {
    if (buf.empty()) {
      c.in_request = false;
      return false;
    }
    if (!c.in_request) {
      c.in_request = true;
      c.request_start = HttpClock::now();
    }
    HttpRequest req;
    HttpHeadResult r = parse_http_head(buf, limits, req);
    if (r.state == HttpHeadResult::State::NeedMore) return false;
    if (r.state == HttpHeadResult::State::Error) {
      reject(c, r.status, r.message);
      return false;
    }
    c.head = std::move(req);
    c.frame = r;
    c.have_head = true;
    c.body_start = HttpClock::now();
    c.body_refused = r.body_bytes > 0 && opt.body_gate && !opt.body_gate(c.head);
  }
  size_t take = c.frame.head_bytes + c.frame.body_bytes;
  if (c.body_refused) {  // answer now; the body is dropped as it arrives
    take = std::min(take, buf.size());
    c.discard = c.frame.head_bytes + c.frame.body_bytes - take;
  } else if (buf.size() < take) {
    if (c.frame.expect_continue && !c.sent_continue) {
      c.out += "HTTP/1.1 100 Continue\r\n\r\n";
      c.sent_continue = true;
    }
    return false;
  }
  HttpRequest req = std::move(c.head);
  if (!c.body_refused) req.body.assign(buf.substr(c.frame.head_bytes, c.frame.body_bytes));
  c.in_off += take;
  c.have_head = c.body_refused = c.sent_continue = c.in_request = false;
  run_handler(c, std::move(req), c.frame.keep_alive);
  return true;
}

void HttpServer::Impl::run_handler(HttpConnection& c, HttpRequest req, bool keep_alive) {
  req.peer = c.peer;
  auto shared = std::make_shared<HttpResponderShared>();
  shared->http10 = req.version == "HTTP/1.0";
  shared->keep_alive = keep_alive;
  shared->head = req.method == "HEAD";
  shared->conn_id = c.id;
  shared->notifier = notifier;
  c.cur = shared;
  auto responder = std::make_shared<HttpResponder>(shared);
  try {
    handler(req, responder);
  } catch (const std::exception&) {
    responder->send(500, "application/json",
                    "{\"error\":{\"message\":\"internal error\",\"type\":\"internal_error\",\"code\":500}}");
  }
}

// Moves what the current responder produced into the connection's output.
void HttpServer::Impl::take_output(HttpConnection& c) {
  bool done = false;
  {
    std::lock_guard<std::mutex> lk(c.cur->mu);
    c.out += c.cur->out;
    c.cur->out.clear();
    done = c.cur->done;
    if (done && !c.cur->keep_alive) c.close_after = true;
  }
  if (done) {
    c.cur.reset();
    c.last = HttpClock::now();
  }
}

// Writes what it can. False when the client is gone and the connection was closed.
bool HttpServer::Impl::flush(HttpConnection& c) {
  while (c.out_off < c.out.size()) {
    const ssize_t w = ::send(c.fd, c.out.data() + c.out_off, c.out.size() - c.out_off, MSG_NOSIGNAL);
    if (w > 0) {
      c.out_off += static_cast<size_t>(w);
      c.last = HttpClock::now();
      continue;
    }
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (w < 0 && errno == EINTR) continue;
    close_conn(c.id, true);
    return false;
  }
  if (c.out_off == c.out.size()) {
    c.out.clear();
    c.out_off = 0;
  } else if (c.out_off > kOutHigh) {
    c.out.erase(0, c.out_off);
    c.out_off = 0;
  }
  return true;
}

// Reads only while there is room and no backlog of output; writes while output waits.
void HttpServer::Impl::update_interest(HttpConnection& c) {
  uint32_t want = EPOLLRDHUP;
  if (unwritten(c) > 0) want |= EPOLLOUT;
  if (unconsumed(c) < read_limit(c, opt) && unwritten(c) <= kOutHigh) want |= EPOLLIN;
  if (want == c.interest) return;
  c.interest = want;
  epoll_event ev{};
  ev.events = want;
  ev.data.u64 = c.id;
  epoll_ctl(ep, EPOLL_CTL_MOD, c.fd, &ev);
}

// Answers with an error and closes once it is written; what else the client sent is dropped.
void HttpServer::Impl::reject(HttpConnection& c, int status, const std::string& msg) {
  std::string body = "{\"error\":{\"message\":\"" + msg +
                     "\",\"type\":\"invalid_request_error\",\"code\":" + std::to_string(status) + "}}";
  c.out += "HTTP/1.1 " + std::to_string(status) + " " + HttpServer::status_text(status) +
           "\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n\r\n" + body;
  c.close_after = true;
  c.in_off = c.in.size();
  c.have_head = c.in_request = false;
}

void HttpServer::Impl::close_conn(uint64_t id, bool client_gone) {
  auto it = conns.find(id);
  if (it == conns.end()) return;
  HttpConnection& c = it->second;
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
