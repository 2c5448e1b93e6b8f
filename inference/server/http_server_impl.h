// The inside of HttpServer, shared by its two source files: the event loop, accepting and
// deadlines (http_server.cpp) and what happens on one connection — reading, parsing, running
// the handler, writing (http_connection.cpp). Internal to the server folder.
#pragma once

#include "inference/server/http_request_parser.h"
#include "inference/server/http_responder_shared.h"
#include "inference/server/http_server.h"

#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>

namespace rayctl::inference {

using HttpClock = std::chrono::steady_clock;

// One client connection: what it sent and has not been consumed, the request whose head has
// been parsed (waiting for its body), the response in flight and the bytes not yet written.
struct HttpConnection {
  int fd = -1;
  uint64_t id = 0;
  std::string peer;
  std::string in;     // received; bytes before in_off are consumed
  size_t in_off = 0;  // compacted once per service pass, never per request
  bool have_head = false;
  HttpRequest head;           // have_head: the parsed head, body still arriving
  HttpHeadResult frame;       // have_head: its framing
  bool body_refused = false;  // the body gate said no: answer at once, drop the body
  size_t discard = 0;         // bytes of a refused body still to drop as they arrive
  std::string out;
  size_t out_off = 0;
  std::shared_ptr<HttpResponderShared> cur;  // the response in flight
  bool close_after = false;                  // close once `out` is written and no response is in flight
  bool sent_continue = false;
  bool in_request = false;                        // a request's first byte has arrived and it is not dispatched yet
  uint32_t interest = 0;                          // the epoll events asked for
  HttpClock::time_point last = HttpClock::now();  // accept, a finished response, or write progress
  HttpClock::time_point request_start, body_start;
};

struct HttpServer::Impl {
  HttpServerOptions opt;
  HttpHandler handler;
  HttpParseLimits limits;
  int listen_fd = -1, ep = -1;
  int bound_port = 0;
  int cap = 0;  // connections allowed at once
  std::shared_ptr<ServerNotifier> notifier = std::make_shared<ServerNotifier>();
  std::unordered_map<uint64_t, HttpConnection> conns;
  uint64_t next_id = 2;
  std::atomic<bool> stopping{false};
  std::atomic<int> open{0};
  std::thread thread;
  bool accepting = true;
  HttpClock::time_point accept_resume;

  // http_server.cpp
  void run();
  void accept_all();
  void add_connection(int fd, const sockaddr_storage& ss);
  bool evict_stalled();
  void pause_accepting();
  void sweep(HttpClock::time_point now);
  // http_connection.cpp
  void service(uint64_t id);
  void on_event(uint64_t id, uint32_t events);
  bool read_input(HttpConnection& c);
  bool dispatch_next(HttpConnection& c);
  void run_handler(HttpConnection& c, HttpRequest req, bool keep_alive);
  void take_output(HttpConnection& c);
  bool flush(HttpConnection& c);
  void update_interest(HttpConnection& c);
  void reject(HttpConnection& c, int status, const std::string& msg);
  void close_conn(uint64_t id, bool client_gone);
};

}  // namespace rayctl::inference
