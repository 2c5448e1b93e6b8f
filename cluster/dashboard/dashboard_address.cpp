// Dashboard address and token resolution.
#include "cluster/dashboard/dashboard_address.h"

#include "cluster/launcher/cluster_target.h"
#include "cluster/plan/node_plan.h"
#include "cluster/ssh/ssh_tunnel.h"
#include "core/error.h"
#include "core/http_client.h"
#include "core/state_store.h"

#include <cstdlib>

namespace rayctl {

EnvLookup process_env() {
  return [](const std::string& name) {
    const char* v = std::getenv(name.c_str());
    return std::string(v ? v : "");
  };
}

std::string normalize_dashboard_url(const std::string& address) {
  std::string a = address;
  while (!a.empty() && (a.back() == '/' || a.back() == ' ')) a.pop_back();
  while (!a.empty() && a.front() == ' ') a.erase(a.begin());
  if (a.empty()) throw Error(ErrorKind::Usage, "the dashboard address is empty", "pass --address http://HOST:8265");
  size_t sep = a.find("://");
  if (sep == std::string::npos) return "http://" + a;
  std::string scheme = a.substr(0, sep);
  if (scheme == "http" || scheme == "https") return a;
  throw Error(ErrorKind::Usage, "'" + address + "' is not a dashboard address (scheme " + scheme + "://)",
              "rayctl serve talks to the Ray dashboard over HTTP: use http://HOST:8265 (not the ray:// client "
              "port 10001 or the GCS port 6379)");
}

std::string resolve_dashboard_token(const std::string& token_file, const EnvLookup& env) {
  auto from_file = [](const std::string& path, const std::string& what) {
    auto text = read_file(path);
    if (!text)
      throw Error(ErrorKind::Io, "cannot read the Ray auth token file " + path + " (" + what + ")",
                  "`ray get-auth-token` on the head prints the token");
    std::string t = *text;
    while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.pop_back();
    if (t.empty()) throw Error(ErrorKind::Invalid, "the Ray auth token file " + path + " is empty (" + what + ")");
    return t;
  };
  if (!token_file.empty()) return from_file(token_file, "--token-file");
  std::string tok = env("RAY_AUTH_TOKEN");
  if (!tok.empty()) return tok;
  std::string path = env("RAY_AUTH_TOKEN_PATH");
  if (!path.empty()) return from_file(path, "RAY_AUTH_TOKEN_PATH");
  return {};
}

DashboardEndpoint resolve_dashboard_address(const DashboardAddressOptions& opt, const EnvLookup& env) {
  DashboardEndpoint ep;
  if (!opt.address.empty()) {
    ep.url = normalize_dashboard_url(opt.address);
    ep.source = "--address";
  } else if (std::string a = env("RAY_DASHBOARD_ADDRESS"); !a.empty()) {
    ep.url = normalize_dashboard_url(a);
    ep.source = "RAY_DASHBOARD_ADDRESS";
  } else {
    ep.url = "http://127.0.0.1:8265";
    ep.source = "the default address";
  }
  ep.token = resolve_dashboard_token(opt.token_file, env);
  ep.timeout = opt.request_timeout;
  return ep;
}

namespace {

bool is_loopback_host(const std::string& h) { return h == "127.0.0.1" || h == "localhost" || h == "::1"; }

// A --cluster connection: the endpoint plus the tunnel that carries it, if any.
class ClusterDashboardConnection : public DashboardConnection {
 public:
  std::unique_ptr<SshTunnel> tunnel;
};

// True when something answers GET /api/ray/version at `url` (a short probe before a tunnel).
bool dashboard_answers(const std::string& url, const std::string& token) {
  HttpClient http;
  HttpRequest req;
  req.url = url + "/api/ray/version";
  req.connect_timeout = std::chrono::milliseconds(1500);
  req.timeout = std::chrono::milliseconds(3000);
  if (!token.empty()) req.headers.emplace_back("Authorization", "Bearer " + token);
  try {
    return http.send(req).status > 0;
  } catch (const Error&) {
    return false;
  }
}

}  // namespace

ClusterDashboardRoute cluster_dashboard_route(const ClusterTarget& t) {
  ClusterDashboardRoute r;
  r.cluster = t.name;
  const LauncherNode& head = t.head();
  r.head = head.name;
  // The record says how `up` started the head; without one, read the head's start commands.
  std::string bind_host;
  if (t.record) {
    r.dashboard_port = t.record->dashboard_port;
    bind_host = t.record->dashboard_local_only ? "127.0.0.1" : "0.0.0.0";
  } else {
    HeadEndpoints e = head_endpoints(head);
    r.dashboard_port = e.dashboard_port;
    bind_host = e.dashboard_host;
  }
  const std::string port = std::to_string(r.dashboard_port);
  if (head.is_local) {
    r.direct_url = "http://127.0.0.1:" + port;
  } else if (!is_loopback_host(bind_host)) {
    std::string host = head.host.find(':') != std::string::npos ? "[" + head.host + "]" : head.host;
    r.direct_url = "http://" + host + ":" + port;
    r.ssh_fallback = true;
  } else {
    r.ssh_fallback = true;  // bound to the head's loopback: only SSH gets there
  }
  return r;
}

std::unique_ptr<DashboardConnection> connect_dashboard(const DashboardAddressOptions& opt, const EnvLookup& env,
                                                       IOStreams& io) {
  if (opt.cluster.empty()) {
    auto c = std::make_unique<DashboardConnection>();
    c->endpoint = resolve_dashboard_address(opt, env);
    return c;
  }
  if (!opt.address.empty())
    throw Error(ErrorKind::Usage, "--cluster and --address both name a dashboard", "pass only one of them");
  ClusterTarget target = resolve_cluster_target(opt.cluster, io);
  if (target.provider == "kubernetes")
    throw Error(ErrorKind::Usage, "cluster " + target.name + " runs on Kubernetes",
                "name its RayService instead: --cluster rayservice/NAME (with --kubeconfig/--context/-n as needed)");
  ClusterDashboardRoute route = cluster_dashboard_route(target);
  auto c = std::make_unique<ClusterDashboardConnection>();
  c->endpoint.token = resolve_dashboard_token(opt.token_file, env);
  c->endpoint.timeout = opt.request_timeout;
  if (!route.direct_url.empty() && (!route.ssh_fallback || dashboard_answers(route.direct_url, c->endpoint.token))) {
    c->endpoint.url = route.direct_url;
    c->endpoint.source = "cluster " + route.cluster;
    say_debug(io, "dashboard of cluster " + route.cluster + ": " + route.direct_url + " (direct)");
    return c;
  }
  SshTarget ssh = ssh_target_for(target.ssh, target.head(), ConnectOptions{});
  ssh.node = route.head + " (dashboard tunnel)";
  c->tunnel = std::make_unique<SshTunnel>(ssh, "127.0.0.1", route.dashboard_port);
  c->endpoint.url = c->tunnel->local_url();
  c->endpoint.source = "cluster " + route.cluster + " (SSH tunnel to " + target.head().host + ":" +
                       std::to_string(route.dashboard_port) + ")";
  say_debug(io, "dashboard of cluster " + route.cluster + ": " + c->endpoint.source + " at " + c->endpoint.url);
  return c;
}

}  // namespace rayctl
