// The state an HttpResponder shares with the server thread: the bytes a handler produced that the
// thread has not yet written, the response's framing, and the eventfd notifier that wakes the
// thread. Internal to the server folder (http_server.cpp, http_responder.cpp).
#pragma once

#include <unistd.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace rayctl::inference {

// Wakes the server thread when a responder has bytes for a connection.
struct ServerNotifier {
  int efd = -1;
  std::mutex mu;
  std::vector<uint64_t> ids;
  void notify(uint64_t id) {
    {
      std::lock_guard<std::mutex> lk(mu);
      ids.push_back(id);
    }
    uint64_t one = 1;
    ssize_t r = ::write(efd, &one, sizeof one);
    (void)r;
  }
};

struct HttpResponderShared {
  std::mutex mu;
  std::string out;  // produced, not yet taken by the server thread
  bool started = false, chunked = false, done = false, closed = false;
  bool keep_alive = true, http10 = false, head = false;
  std::function<void()> on_close;
  uint64_t conn_id = 0;
  std::weak_ptr<ServerNotifier> notifier;
  void notify() {
    if (auto n = notifier.lock()) n->notify(conn_id);
  }
};

}  // namespace rayctl::inference
