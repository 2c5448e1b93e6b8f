// Direct and SSH-tunnelled dashboard transports (see dashboard_transport.h).
#include "cluster/dashboard/dashboard_transport.h"

#include "cluster/ssh/ssh_tunnel.h"

namespace rayctl {

namespace {

class DirectDashboard : public DashboardTransport {
 public:
  DirectDashboard(std::string base_url, std::string route) : base_(std::move(base_url)), route_(std::move(route)) {
    while (!base_.empty() && base_.back() == '/') base_.pop_back();
  }
  HttpResponse send(HttpRequest req) override {
    req.url = url_join(base_, req.url);
    return http_.send(req);
  }
  std::string url() const override { return base_; }
  std::string route() const override { return route_; }

 private:
  std::string base_, route_;
  HttpClient http_;
};

class TunnelledDashboard : public DashboardTransport {
 public:
  TunnelledDashboard(const SshTarget& target, int port, const CancelFlag* cancel)
      : tunnel_(target, "127.0.0.1", port, cancel),
        direct_(tunnel_.local_url(), "SSH tunnel to " + target.host + ":" + std::to_string(port)) {}
  HttpResponse send(HttpRequest req) override { return direct_.send(std::move(req)); }
  std::string url() const override { return direct_.url(); }
  std::string route() const override { return direct_.route(); }
  bool broken() const override { return !tunnel_.failure().empty(); }

 private:
  SshTunnel tunnel_;
  DirectDashboard direct_;
};

}  // namespace

std::unique_ptr<DashboardTransport> direct_dashboard(const std::string& base_url, const std::string& route) {
  return std::make_unique<DirectDashboard>(base_url, route);
}

std::unique_ptr<DashboardTransport> tunnelled_dashboard(const SshTarget& target, int port, const CancelFlag* cancel) {
  auto t = target;
  t.node = target.node + " (dashboard tunnel)";
  return std::make_unique<TunnelledDashboard>(t, port, cancel);
}

}  // namespace rayctl
