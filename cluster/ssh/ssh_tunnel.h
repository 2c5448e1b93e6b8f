// SshTunnel: a local port forward over SSH, like `ssh -N -L 127.0.0.1:0:HOST:PORT node`.
// It listens on 127.0.0.1 on a free port and carries each accepted connection over its own
// SSH connection to the node (direct-tcpip), where HOST:PORT is resolved — so a Ray dashboard
// bound to 127.0.0.1:8265 on the head is reachable as http://127.0.0.1:<local_port> here.
// Usage (serve, status, up):
//     SshTunnel tunnel(target, "127.0.0.1", 8265);
//     HttpClient().send({.url = tunnel.local_url() + "/api/v0/nodes"});
// The tunnel lives as long as the object; its thread owns the SSH connection.
#pragma once

#include "cluster/ssh/ssh_session.h"

#include <memory>
#include <string>

namespace rayctl {

class SshForwarder;

class SshTunnel {
 public:
  // Connects (throws Error(Network|Auth|HostKey) naming the node) and starts listening on
  // 127.0.0.1:local_port (0: a free port; a taken port throws Error(Conflict)).
  SshTunnel(const SshTarget& target, const std::string& remote_host, int remote_port,
            const CancelFlag* cancel = nullptr, int local_port = 0);
  ~SshTunnel();
  SshTunnel(const SshTunnel&) = delete;
  SshTunnel& operator=(const SshTunnel&) = delete;

  std::string local_url() const { return "http://127.0.0.1:" + std::to_string(local_port_); }
  int local_port() const { return local_port_; }
  // Non-empty once the SSH connection under the tunnel is lost.
  std::string failure() const;

 private:
  int local_port_ = 0;
  std::unique_ptr<SshForwarder> forwarder_;
};

}  // namespace rayctl
