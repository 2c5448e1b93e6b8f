// libFuzzer target: arbitrary bytes as what a client sends the inference worker's HTTP server.
// First through parse_http_head, request after request by offset as the server consumes a
// pipelined buffer (checking the framing it reports stays inside the bytes); then the same
// bytes over a loopback connection to a real HttpServer (one for the whole run, with a body gate
// that refuses /deny), read back until the server closes: every response must start with a
// status line, and the server must close within its deadlines rather than hang. Any crash,
// sanitizer report or broken invariant is a finding.
#include "inference/server/http_request_parser.h"
#include "inference/server/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

using namespace rayctl::inference;

namespace {

void parse_all(std::string_view buf) {
  HttpParseLimits limits;
  limits.max_header_bytes = 4096;
  limits.max_body_bytes = 1 << 16;
  limits.max_header_fields = 32;
  for (int n = 0; !buf.empty() && n < 10000; ++n) {
    HttpRequest req;
    const HttpHeadResult r = parse_http_head(buf, limits, req);
    if (r.state == HttpHeadResult::State::NeedMore) {
      if (buf.size() > limits.max_header_bytes) __builtin_trap();  // past the limit must be an error
      return;
    }
    if (r.state == HttpHeadResult::State::Error) {
      if (r.status < 400 || r.status > 505 || r.message.empty()) __builtin_trap();
      return;
    }
    if (r.head_bytes == 0 || r.head_bytes > buf.size() || r.head_bytes > limits.max_header_bytes ||
        r.body_bytes > limits.max_body_bytes || req.method.empty() || req.path.empty() || req.path[0] != '/')
      __builtin_trap();
    const size_t take = r.head_bytes + r.body_bytes;
    if (take > buf.size()) return;  // the body is still to come
    buf.remove_prefix(take);
  }
}

HttpServer& server() {
  static HttpServer* s = [] {
    HttpServerOptions o;
    o.port = 0;
    o.max_body_bytes = 1 << 16;
    o.max_header_bytes = 4096;
    o.header_timeout_s = 1;
    o.body_timeout_s = 1;
    o.idle_timeout_s = 1;
    o.body_gate = [](const HttpRequest& head) { return head.path != "/deny"; };
    auto* srv = new HttpServer(o, [](const HttpRequest& req, std::shared_ptr<HttpResponder> resp) {
      if (req.path == "/stream") {
        resp->start_stream(200, "text/plain");
        resp->write(req.body);
        resp->end();
        return;
      }
      resp->send(req.path == "/deny" ? 401 : 200, "text/plain", req.method + " " + req.target + " " + req.body);
    });
    srv->start();
    return srv;  // lives for the whole run (reachable: not a leak)
  }();
  return *s;
}

// Sends the bytes, half-closes, and reads until the server closes. Traps on a hang.
void round_trip(std::string_view bytes) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(server().port()));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return;
  }
  size_t off = 0;
  std::string got;
  char buf[65536];
  bool wr_open = true;
  for (int rounds = 0;; ++rounds) {
    if (wr_open && off == bytes.size()) {
      shutdown(fd, SHUT_WR);
      wr_open = false;
    }
    pollfd p{fd, static_cast<short>(POLLIN | (wr_open ? POLLOUT : 0)), 0};
    if (poll(&p, 1, 5000) <= 0) __builtin_trap();  // neither answered nor closed within 5 s
    if (p.revents & POLLOUT) {
      const ssize_t w = send(fd, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (w > 0) off += static_cast<size_t>(w);
      if (w < 0) wr_open = false;  // the server closed on us (a rejected request)
    }
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
      const ssize_t r = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
      if (r == 0 || (r < 0 && errno != EAGAIN)) break;
      if (r > 0) got.append(buf, static_cast<size_t>(r));
    }
  }
  close(fd);
  if (!got.empty() && got.rfind("HTTP/1.", 0) != 0) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  parse_all(bytes);
  round_trip(bytes);
  return 0;
}
