// Local port forward over SSH (see ssh_tunnel.h).
#include "cluster/ssh/ssh_tunnel.h"

#include "cluster/ssh/ssh_forwarder.h"
#include "core/error.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace rayctl {

SshTunnel::SshTunnel(const SshTarget& target, const std::string& remote_host, int remote_port,
                     const CancelFlag* cancel) {
  auto session = SshSession::open(target, cancel);
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 64) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (fd >= 0) ::close(fd);
    throw Error(ErrorKind::Io, "cannot listen on 127.0.0.1 for the tunnel to " + target.node);
  }
  local_port_ = ntohs(addr.sin_port);
  forwarder_ = std::make_unique<SshForwarder>(std::move(session));
  forwarder_->add_listener(fd, remote_host, remote_port);
  forwarder_->start();
}

SshTunnel::~SshTunnel() = default;

std::string SshTunnel::failure() const { return forwarder_ ? forwarder_->failure() : std::string(); }

}  // namespace rayctl
