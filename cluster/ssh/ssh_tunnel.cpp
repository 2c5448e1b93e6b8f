// Local port forward over SSH (see ssh_tunnel.h).
#include "cluster/ssh/ssh_tunnel.h"

#include "cluster/ssh/ssh_forwarder.h"
#include "core/error.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cerrno>

namespace rayctl {

SshTunnel::SshTunnel(const SshTarget& target, const std::string& remote_host, int remote_port, const CancelFlag* cancel,
                     int local_port) {
  // Listen first: a taken local port is the user's to fix before any connection is made.
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(local_port));
  socklen_t len = sizeof addr;
  int one = 1;
  if (fd >= 0) ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 64) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const bool taken = errno == EADDRINUSE;
    if (fd >= 0) ::close(fd);
    if (taken)
      throw Error(ErrorKind::Conflict, "127.0.0.1:" + std::to_string(local_port) + " is already in use",
                  "pick another local port, or stop what listens there");
    throw Error(ErrorKind::Io, "cannot listen on 127.0.0.1 for the tunnel to " + target.node);
  }
  std::unique_ptr<SshSession> session;
  try {
    session = SshSession::open(target, cancel);
  } catch (...) {
    ::close(fd);
    throw;
  }
  local_port_ = ntohs(addr.sin_port);
  forwarder_ = std::make_unique<SshForwarder>(std::move(session));
  forwarder_->add_listener(fd, remote_host, remote_port);
  forwarder_->start();
}

SshTunnel::~SshTunnel() = default;

std::string SshTunnel::failure() const { return forwarder_ ? forwarder_->failure() : std::string(); }

}  // namespace rayctl
