// SshForwarder: moves bytes between local sockets and direct-tcpip channels of one SSH
// session, on its own thread (the session is used by that thread only). It carries the
// connection to a node behind a bastion (ProxyJump: a socketpair end ↔ a channel to the node)
// and the local port forwards of SshTunnel (a listening socket whose connections each get a
// channel). Remote endpoints are resolved by the SSH server, as with `ssh -L` / `ssh -J`.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace rayctl {

class SshSession;

class SshForwarder {
 public:
  explicit SshForwarder(std::unique_ptr<SshSession> session);
  ~SshForwarder();  // stops the thread and closes every socket and channel
  SshForwarder(const SshForwarder&) = delete;
  SshForwarder& operator=(const SshForwarder&) = delete;

  // Forwards the connected local socket `fd` (ownership taken) to host:port.
  void add_stream(int fd, const std::string& host, int port);
  // Accepts on the listening socket `fd` (ownership taken); each connection goes to host:port.
  void add_listener(int fd, const std::string& host, int port);
  // Starts the pumping thread; streams and listeners may be added before or after.
  void start();
  // Why the thread stopped ("" while it runs): e.g. the SSH connection was lost.
  std::string failure() const;
  // Why the server last refused to open a channel to host:port ("" = never), e.g. the bastion
  // cannot reach the node: "192.168.1.7:22: Channel open failure (connect failed)".
  std::string refused() const;

 private:
  struct Stream;
  struct Listener {
    int fd;
    std::string host;
    int port;
  };
  void loop();
  bool pump_once();  // one pass over every stream; false when the session is gone

  std::unique_ptr<SshSession> session_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  int wake_[2] = {-1, -1};
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Stream>> streams_;
  std::vector<Listener> listeners_;
  std::string failure_;
  std::string refused_;
};

}  // namespace rayctl
