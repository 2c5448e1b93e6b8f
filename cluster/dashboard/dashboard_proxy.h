// DashboardProxy: the head's dashboard on a local port, for a browser. It listens on
// 127.0.0.1 and forwards each HTTP request through a DashboardTransport — direct, an SSH tunnel
// or the Kubernetes API server's service proxy — so `rayctl dashboard` works the same whatever
// runs the cluster. One request at a time goes through the transport (its client is not shared
// between threads); each answer closes its connection. Not a general HTTP proxy: no upgrades
// (WebSocket), no chunked request bodies, loopback only.
#pragma once

#include "cluster/dashboard/dashboard_transport.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

namespace rayctl {

class CancelFlag;

class DashboardProxy {
 public:
  // Listens on 127.0.0.1:`port` (0: a free port). Throws Error(Conflict) when the port is taken.
  DashboardProxy(std::unique_ptr<DashboardTransport> transport, int port);
  ~DashboardProxy();
  DashboardProxy(const DashboardProxy&) = delete;
  DashboardProxy& operator=(const DashboardProxy&) = delete;

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string route() const { return transport_->route(); }
  size_t requests() const { return requests_.load(); }

  // Serves connections on this thread until `cancel` is set (checked every 200 ms).
  void serve_until(const CancelFlag& cancel);

 private:
  void handle(int fd);
  std::string forward(const std::string& head, const std::string& body);

  std::unique_ptr<DashboardTransport> transport_;
  std::mutex transport_mu_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<size_t> requests_{0};
};

}  // namespace rayctl
