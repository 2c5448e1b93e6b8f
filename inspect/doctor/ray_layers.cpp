// The walk over one Ray head's HTTP endpoints, shared by every provider (doctor.h): the
// dashboard answering (DR301), Serve's controller, proxies, applications and deployments
// (DR401-DR405, serve_checks.h), Serve's asks against Ray's resources (DR501, resource_fit.h)
// and a real request to each route through the Serve proxy (DR601-DR603, route_probe.h).
// This file does the requests and gathers evidence (route table, replica logs); what the
// replies mean is decided by those pure classifiers. Each transport is opened once per walk.
#include "inspect/doctor/doctor.h"

#include "inspect/doctor/doctor_finding.h"
#include "inspect/doctor/resource_fit.h"
#include "inspect/doctor/route_probe.h"
#include "inspect/doctor/serve_checks.h"

#include <optional>

namespace rayctl {

namespace {

void append(std::vector<std::string>& to, const std::vector<std::string>& from) {
  to.insert(to.end(), from.begin(), from.end());
}

class RayWalk {
 public:
  RayWalk(const RayAccess& access, DoctorContext& ctx) : a_(access), ctx_(ctx) {}

  bool dashboard();
  std::optional<ServeStatus> serve();
  void resources(const ServeStatus& s);
  void app(const ServeStatus& s);

 private:
  std::vector<std::string> replica_log_lines(const ServeDeploymentStatus& d);
  std::vector<std::string> app_error_lines(const ServeAppStatus& a);
  RouteReply request(DashboardTransport& proxy, const std::string& path) const;
  void check_route(DashboardTransport& proxy, const ServeStatus& s, const std::string& path, int port);

  const RayAccess& a_;
  DoctorContext& ctx_;
  std::unique_ptr<DashboardTransport> transport_;
  std::unique_ptr<DashboardClient> client_;
};

bool RayWalk::dashboard() {
  ctx_.begin_layer(DoctorLayer::Dashboard);
  try {
    transport_ = a_.open_dashboard();
    DashboardEndpoint ep = a_.endpoint;
    ep.timeout = ctx_.opt.check_timeout;
    if (ep.url.empty()) ep.url = transport_->url();
    client_ = std::make_unique<DashboardClient>(ep, *transport_);
    const RayVersion& v = client_->version();
    // A tunnel's local port changes every run: name where it leads instead.
    const std::string route = transport_->route();
    ctx_.ok("DR301", "",
            route.rfind("SSH tunnel", 0) == 0
                ? "Ray " + v.ray_version + " answers through the " + route
                : "Ray " + v.ray_version + " answers at " + client_->endpoint().url + " (" + route + ")");
    return true;
  } catch (const Error& e) {
    std::vector<std::string> ev{e.message()};
    if (!a_.route.empty()) ev.push_back("route: " + a_.route);
    if (a_.dashboard_evidence) append(ev, a_.dashboard_evidence());
    ctx_.fail("DR301", "", "the Ray dashboard does not answer", ev);
    return false;
  }
}

std::optional<ServeStatus> RayWalk::serve() {
  ctx_.begin_layer(DoctorLayer::Serve);
  nlohmann::json details;
  try {
    details = client_->serve_details();
  } catch (const Error& e) {
    ctx_.fail("DR401", "", "GET /api/serve/applications/ failed", {e.message()});
    return std::nullopt;
  }
  ServeStatus s = parse_serve_status(details);
  for (DoctorFinding& f : serve_findings(s, details, ctx_.opt.app)) {
    if (f.id == "DR405" && f.state == CheckState::Fail)
      for (const auto* a : selected_apps(s, ctx_.opt.app))
        for (const auto& d : a->deployments)
          if (deployment_subject(a->name, d.name) == f.subject) append(f.evidence, replica_log_lines(d));
    record_finding(ctx_, f);
  }
  if (ctx_.broken()) return std::nullopt;
  return s;
}

// The error lines of the deployment's first replica that has a log (the traceback, if any).
std::vector<std::string> RayWalk::replica_log_lines(const ServeDeploymentStatus& d) {
  for (const auto& r : d.replicas) {
    if (r.node_id.empty() || r.log_file_path.empty()) continue;
    LogQuery q;
    q.node_id = r.node_id;
    q.filename = r.log_file_path[0] == '/' ? r.log_file_path.substr(1) : r.log_file_path;
    q.lines = 200;
    try {
      std::vector<std::string> out{"replica " + r.replica_id + " log (" + q.filename + "):"};
      append(out, error_log_lines(client_->log_tail(q)));
      return out;
    } catch (const Error& e) {
      return {"could not read replica " + r.replica_id + "'s log: " + e.message()};
    }
  }
  return {"no live replica of " + d.name + " to read a log from"};
}

// For a server error: the log lines of the application's replica that shows a traceback, else
// of its first deployment's replica.
std::vector<std::string> RayWalk::app_error_lines(const ServeAppStatus& a) {
  std::vector<std::string> first;
  for (const auto& d : a.deployments) {
    auto lines = replica_log_lines(d);
    for (const auto& l : lines)
      if (l.find("Traceback (most recent call last)") != std::string::npos) return lines;
    if (first.empty()) first = lines;
  }
  return first;
}

void RayWalk::resources(const ServeStatus& s) {
  ctx_.begin_layer(DoctorLayer::Resources);
  std::vector<NodeResources> nodes;
  ClusterUsage usage;
  // Only a deployment short of replicas needs Ray's side: a healthy walk makes no request here.
  if (s.serve_running && replicas_pending(s, ctx_.opt.app)) {
    try {
      nodes = parse_node_resources(client_->nodes());
    } catch (const Error& e) {
      say_debug(ctx_.io, "doctor: GET /api/v0/nodes: " + e.message());
    }
    try {
      nlohmann::json cs = client_->cluster_status();
      if (cs.contains("clusterStatus") && cs["clusterStatus"].is_string())
        usage = parse_cluster_status_text(cs["clusterStatus"].get<std::string>());
    } catch (const Error& e) {
      say_debug(ctx_.io, "doctor: GET /api/cluster_status: " + e.message());
    }
  }
  for (const auto& f : resource_findings(s, nodes, usage, ctx_.opt.app)) record_finding(ctx_, f);
}

RouteReply RayWalk::request(DashboardTransport& proxy, const std::string& path) const {
  HttpRequest req;
  req.url = path;
  req.timeout = ctx_.opt.check_timeout;
  req.connect_timeout = std::min(ctx_.opt.check_timeout, std::chrono::milliseconds(5000));
  RouteReply r;
  try {
    HttpResponse resp = proxy.send(req);
    r.status = resp.status;
    r.body = resp.body;
  } catch (const Error& e) {
    r.error = e.message();
    // curl's "Operation timed out" is a transfer that started and got no reply; a connect
    // timeout reads "Connection timed out" / "Failed to connect": nothing accepted it.
    r.slow = e.kind() == ErrorKind::Timeout && e.message().find("Operation timed out") != std::string::npos;
  }
  return r;
}

void RayWalk::check_route(DashboardTransport& proxy, const ServeStatus& s, const std::string& path, int port) {
  DoctorFinding f = classify_route_reply(path, port, request(proxy, path));
  if (f.id == "DR601" && f.state == CheckState::Fail) {
    RouteReply routes = request(proxy, "/-/routes");
    append(f.evidence, routes.error.empty() ? route_table_lines(routes.body)
                                            : std::vector<std::string>{"GET /-/routes: " + routes.error});
  } else if (f.id == "DR603" && f.state == CheckState::Fail) {
    if (const ServeAppStatus* a = app_for_path(s, path)) {
      f.evidence.push_back("served by application " + a->name + " (route " + *a->route_prefix + ")");
      append(f.evidence, app_error_lines(*a));
    }
  }
  record_finding(ctx_, f);
}

void RayWalk::app(const ServeStatus& s) {
  ctx_.begin_layer(DoctorLayer::App);
  std::vector<std::string> paths;
  for (const auto* a : selected_apps(s, ctx_.opt.app))
    if (a->status == "RUNNING" && a->route_prefix) paths.push_back(*a->route_prefix);
  for (const auto& p : ctx_.opt.paths) paths.push_back(p.empty() || p[0] != '/' ? "/" + p : p);
  if (paths.empty()) {
    ctx_.ok("DR601", "",
            s.serve_running ? "no RUNNING application has an HTTP route to request"
                            : "Serve is not running: no route to request");
    return;
  }
  const int port = serve_http_port(s);
  std::unique_ptr<DashboardTransport> proxy;
  try {
    proxy = a_.open_serve_proxy(port);
  } catch (const Error& e) {
    ctx_.fail("DR602", "", "cannot open a connection to the Serve proxy on port " + std::to_string(port),
              {e.message()});
    return;
  }
  for (const auto& path : paths) check_route(*proxy, s, path, port);
}

}  // namespace

void walk_ray_layers(const RayAccess& access, DoctorContext& ctx) {
  RayWalk walk(access, ctx);
  if (!walk.dashboard()) return;
  std::optional<ServeStatus> serve = walk.serve();
  if (!serve) return;
  walk.resources(*serve);
  if (ctx.broken()) return;
  walk.app(*serve);
}

}  // namespace rayctl
