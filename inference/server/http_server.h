// HttpServer: a small HTTP/1.1 server on POSIX sockets for the inference worker: one epoll
// thread accepts connections, parses requests (Content-Length bodies, keep-alive, pipelined
// requests answered in order, Expect: 100-continue) and writes responses, whole or streamed
// in chunked encoding (SSE). Handlers run on that thread and must not block: they answer at
// once or keep the HttpResponder and write to it later from any thread (the engine thread
// streams tokens that way). A client that goes away mid-response is noticed (EOF, reset,
// failed write) and the responder's on_close callback runs, so the work behind it can be
// cancelled. It binds 127.0.0.1 unless told otherwise. No TLS, no HTTP/2: put a proxy in front.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rayctl::inference {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;
  std::string target;  // as sent: path + query
  std::string path;    // without the query
  std::string query;
  std::string version;  // "HTTP/1.1"
  HttpHeaders headers;  // names lower-cased
  std::string body;
  std::string peer;  // "127.0.0.1:53412"
  // First value of a header (name in any case), or "".
  std::string header(std::string_view name) const;
};

struct HttpResponderShared;

// One response in flight. Thread-safe; every method may be called from any thread.
class HttpResponder {
 public:
  explicit HttpResponder(std::shared_ptr<HttpResponderShared> shared);
  // A complete response. Ignored after the client went away.
  void send(int status, const std::string& content_type, std::string body, const HttpHeaders& extra = {});
  // Starts a streamed (chunked) response; follow with write()s and one end().
  void start_stream(int status, const std::string& content_type, const HttpHeaders& extra = {});
  void write(std::string_view data);
  void end();
  // True once the client disconnected (or the server stopped) before the response ended.
  bool closed() const;
  // Runs once, on the server thread, if the client disconnects before the response ends.
  // Runs at once if that already happened.
  void on_close(std::function<void()> fn);

 private:
  std::shared_ptr<HttpResponderShared> shared_;
};

using HttpHandler = std::function<void(const HttpRequest&, std::shared_ptr<HttpResponder>)>;

// Decides, from a request's head alone, whether its body is worth reading (false: the handler
// runs at once with an empty body, e.g. to answer 401, and the connection closes after it).
using HttpBodyGate = std::function<bool(const HttpRequest& head)>;

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 8000;  // 0: an ephemeral port (see HttpServer::port())
  size_t max_body_bytes = 16u << 20;
  size_t max_header_bytes = 64u << 10;
  // Also capped by RLIMIT_NOFILE (less a reserve for the model, logs and the engine). At the cap
  // a new client takes the place of the oldest one that has not finished sending a request head.
  int max_connections = 4096;
  int idle_timeout_s = 120;      // keep-alive connections with no request in flight
  double header_timeout_s = 10;  // from a request's first byte to the end of its head
  double body_timeout_s = 60;    // from the end of the head to the end of the body
  HttpBodyGate body_gate;        // empty: every body is read
};

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, HttpHandler handler);
  ~HttpServer();  // stops
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds, listens and starts the server thread. Throws rayctl::Error(Io/Usage) when the
  // address cannot be bound (in use, bad host).
  void start();
  void stop();
  int port() const;
  int open_connections() const;
  // The connection cap in force: max_connections, lowered to fit RLIMIT_NOFILE.
  int connection_cap() const;

  static const char* status_text(int status);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rayctl::inference
