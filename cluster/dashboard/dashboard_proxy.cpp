// The local dashboard proxy (see dashboard_proxy.h): a listening socket, one thread per
// connection, one request per connection, forwarded through the transport under a lock.
#include "cluster/dashboard/dashboard_proxy.h"

#include "cluster/nodes/remote_runner.h"
#include "core/error.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>
#include <thread>
#include <vector>

namespace rayctl {

namespace {

constexpr size_t kMaxHead = 64 * 1024;
constexpr size_t kMaxBody = 64 * 1024 * 1024;

// Headers that describe one hop, not the message (RFC 9110 7.6.1), plus those this proxy sets
// itself: they are never passed on in either direction.
const std::set<std::string> kHopHeaders = {"connection",
                                           "keep-alive",
                                           "proxy-connection",
                                           "proxy-authorization",
                                           "proxy-authenticate",
                                           "te",
                                           "trailer",
                                           "transfer-encoding",
                                           "upgrade",
                                           "host",
                                           "content-length",
                                           "accept-encoding"};

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(const std::string& s) {
  size_t a = s.find_first_not_of(" \t"), b = s.find_last_not_of(" \t\r");
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

const char* reason(long status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    default: return "";
  }
}

std::string plain_response(long status, const std::string& text) {
  return fmt::format(
      "HTTP/1.1 {} {}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\n"
      "Connection: close\r\n\r\n{}",
      status, reason(status), text.size() + 1, text + "\n");
}

void write_all(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the browser went away; nothing to tell it
    off += static_cast<size_t>(n);
  }
}

// Reads until the end of the header block; "" when the client closed or sent too much.
bool read_head(int fd, std::string& buf, size_t& head_end) {
  char chunk[8192];
  while ((head_end = buf.find("\r\n\r\n")) == std::string::npos) {
    if (buf.size() > kMaxHead) return false;
    ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    buf.append(chunk, static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

DashboardProxy::DashboardProxy(std::unique_ptr<DashboardTransport> transport, int port)
    : transport_(std::move(transport)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw Error(ErrorKind::Io, std::string("socket: ") + std::strerror(errno));
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 64) != 0) {
    int err = errno;
    ::close(listen_fd_);
    if (err == EADDRINUSE)
      throw Error(ErrorKind::Conflict, fmt::format("port {} on 127.0.0.1 is already in use", port),
                  "pick another with --port, or --port 0 for any free port");
    throw Error(ErrorKind::Io, fmt::format("cannot listen on 127.0.0.1:{}: {}", port, std::strerror(err)));
  }
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
}

DashboardProxy::~DashboardProxy() {
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

void DashboardProxy::serve_until(const CancelFlag& cancel) {
  std::vector<std::thread> connections;
  while (!cancel.cancelled()) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    timeval tv{10, 0};  // a browser that opens a connection and sends nothing holds a thread 10 s at most
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    connections.emplace_back([this, fd] {
      handle(fd);
      ::close(fd);
    });
  }
  for (auto& t : connections) t.join();
}

void DashboardProxy::handle(int fd) {
  std::string buf;
  size_t head_end = 0;
  if (!read_head(fd, buf, head_end)) {
    if (buf.size() > kMaxHead) write_all(fd, plain_response(431, "rayctl dashboard: request headers too large"));
    return;
  }
  std::string head = buf.substr(0, head_end);
  std::string body = buf.substr(head_end + 4);
  size_t length = 0;
  for (size_t at = head.find("\r\n"); at != std::string::npos; at = head.find("\r\n", at + 2)) {
    std::string line = head.substr(at + 2, head.find("\r\n", at + 2) - at - 2);
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = lower(line.substr(0, colon));
    if (name == "transfer-encoding")
      return write_all(fd, plain_response(411, "rayctl dashboard: send a Content-Length, not a chunked body"));
    if (name == "content-length") {
      std::string v = trim(line.substr(colon + 1));
      if (v.empty() || v.size() > 10 || v.find_first_not_of("0123456789") != std::string::npos)
        return write_all(fd, plain_response(400, "rayctl dashboard: bad Content-Length"));
      length = std::stoul(v);
    }
  }
  if (length > kMaxBody) return write_all(fd, plain_response(413, "rayctl dashboard: request body too large"));
  char chunk[65536];
  while (body.size() < length) {
    ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    body.append(chunk, static_cast<size_t>(n));
  }
  body.resize(length);
  write_all(fd, forward(head, body));
}

std::string DashboardProxy::forward(const std::string& head, const std::string& body) {
  std::string request_line = head.substr(0, head.find("\r\n"));
  auto sp1 = request_line.find(' '), sp2 = request_line.rfind(' ');
  if (sp1 == std::string::npos || sp2 == sp1) return plain_response(400, "rayctl dashboard: bad request line");
  HttpRequest req;
  req.method = request_line.substr(0, sp1);
  req.url = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
  if (req.url.empty() || req.url[0] != '/')
    return plain_response(400, "rayctl dashboard: only origin-form targets (/path) are served");
  for (size_t at = head.find("\r\n"); at != std::string::npos; at = head.find("\r\n", at + 2)) {
    std::string line = head.substr(at + 2, head.find("\r\n", at + 2) - at - 2);
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    if (!kHopHeaders.count(lower(name))) req.headers.emplace_back(name, trim(line.substr(colon + 1)));
  }
  req.body = body;
  req.timeout = std::chrono::seconds(60);
  HttpResponse r;
  try {
    std::lock_guard lock(transport_mu_);
    r = transport_->send(req);
  } catch (const Error& e) {
    return plain_response(502, "rayctl dashboard: " + e.message() + " (" + transport_->route() + ")");
  }
  ++requests_;
  std::string out = fmt::format("HTTP/1.1 {} {}\r\n", r.status, reason(r.status));
  for (const auto& [name, value] : r.headers)
    if (!kHopHeaders.count(name)) out += name + ": " + value + "\r\n";
  out += fmt::format("Content-Length: {}\r\nConnection: close\r\n\r\n", r.body.size());
  return out + r.body;
}

}  // namespace rayctl
