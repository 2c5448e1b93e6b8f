// HttpResponder: how a handler answers — a whole response, or a stream of chunks (SSE) — from any
// thread; the server thread writes what it produces (see http_server.h).
#include "inference/server/http_responder_shared.h"
#include "inference/server/http_server.h"

#include <string>

namespace rayctl::inference {

HttpResponder::HttpResponder(std::shared_ptr<HttpResponderShared> shared) : shared_(std::move(shared)) {}

static std::string head_block(HttpResponderShared& s, int status, const std::string& content_type,
                              const HttpHeaders& extra) {
  std::string h = "HTTP/1.1 " + std::to_string(status) + " " + HttpServer::status_text(status) + "\r\n";
  h += "Server: rayctl\r\n";
  if (!content_type.empty()) h += "Content-Type: " + content_type + "\r\n";
  for (const auto& [k, v] : extra) h += k + ": " + v + "\r\n";
  h += s.keep_alive ? "Connection: keep-alive\r\n" : "Connection: close\r\n";
  return h;
}

void HttpResponder::send(int status, const std::string& content_type, std::string body, const HttpHeaders& extra) {
  auto& s = *shared_;
  {
    std::lock_guard<std::mutex> lk(s.mu);
    if (s.closed || s.started) return;
    s.out += head_block(s, status, content_type, extra);
    s.out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
    if (!s.head) s.out += body;
    s.started = s.done = true;
  }
  s.notify();
}

void HttpResponder::start_stream(int status, const std::string& content_type, const HttpHeaders& extra) {
  auto& s = *shared_;
  {
    std::lock_guard<std::mutex> lk(s.mu);
    if (s.closed || s.started) return;
    if (s.http10) s.keep_alive = false;  // HTTP/1.0 has no chunked encoding: end = close
    s.chunked = !s.http10;
    s.out += head_block(s, status, content_type, extra);
    s.out += s.chunked ? "Transfer-Encoding: chunked\r\n\r\n" : "\r\n";
    s.started = true;
  }
  s.notify();
}

void HttpResponder::write(std::string_view data) {
  if (data.empty()) return;
  auto& s = *shared_;
  {
    std::lock_guard<std::mutex> lk(s.mu);
    if (s.closed || s.done || !s.started) return;
    if (s.chunked) {
      char hex[20];
      std::snprintf(hex, sizeof hex, "%zx\r\n", data.size());
      s.out += hex;
      s.out.append(data);
      s.out += "\r\n";
    } else {
      s.out.append(data);
    }
  }
  s.notify();
}

void HttpResponder::end() {
  auto& s = *shared_;
  {
    std::lock_guard<std::mutex> lk(s.mu);
    if (s.done) return;
    if (s.chunked && !s.closed) s.out += "0\r\n\r\n";
    s.done = true;
  }
  s.notify();
}

bool HttpResponder::closed() const {
  std::lock_guard<std::mutex> lk(shared_->mu);
  return shared_->closed;
}

void HttpResponder::on_close(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lk(shared_->mu);
    if (!shared_->closed) {
      shared_->on_close = std::move(fn);
      return;
    }
  }
  fn();
}

const char* HttpServer::status_text(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 411: return "Length Required";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
  }
}

}  // namespace rayctl::inference
