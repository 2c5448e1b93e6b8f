// DashboardTransport: how HTTP requests reach one Ray head's dashboard — straight to a URL
// (a local head, a routable dashboard, --address), through an SSH tunnel to the head's loopback,
// or through the Kubernetes API server's service proxy (cluster/kube/kube_dashboard.h). The
// Ray API on top of it is DashboardClient's; `up`'s probe, `status` and every `serve` verb go
// through this one seam, whatever runs the cluster.
#pragma once

#include "core/http_client.h"

#include <memory>
#include <string>

namespace rayctl {

class CancelFlag;
struct SshTarget;

class DashboardTransport {
 public:
  virtual ~DashboardTransport() = default;
  // Sends `req`, whose url is a path on the dashboard ("/api/v0/nodes?limit=10"); returns any
  // HTTP status; throws Error(Network|Timeout) when the dashboard cannot be reached.
  virtual HttpResponse send(HttpRequest req) = 0;
  // The dashboard's address as this machine reaches it (for a tunnel: its local end).
  virtual std::string url() const = 0;
  // How the requests travel, for messages: "direct", "SSH tunnel to head 10.0.0.5:8265", ...
  virtual std::string route() const = 0;
  // True once it can no longer work (a tunnel whose SSH connection is lost): open a new one.
  virtual bool broken() const { return false; }
};

// Requests straight to `base_url` ("http://127.0.0.1:8265").
std::unique_ptr<DashboardTransport> direct_dashboard(const std::string& base_url, const std::string& route = "direct");
// Requests through an SSH tunnel to 127.0.0.1:`port` on the node `target` names; connects now
// (throws Error(Network|Auth|HostKey) naming the node).
std::unique_ptr<DashboardTransport> tunnelled_dashboard(const SshTarget& target, int port, const CancelFlag* cancel);

}  // namespace rayctl
