// The serve layer's checks (see serve_checks.h).
#include "inspect/doctor/serve_checks.h"

#include "inspect/doctor/route_probe.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <sstream>

namespace rayctl {

namespace {

std::string node_ip_of(const nlohmann::json& details, const char* section, const std::string& node_id) {
  const nlohmann::json* obj = nullptr;
  if (std::string(section) == "controller_info") {
    if (details.contains("controller_info")) obj = &details["controller_info"];
  } else if (details.contains("proxies") && details["proxies"].contains(node_id)) {
    obj = &details["proxies"][node_id];
  }
  if (obj && obj->is_object() && obj->contains("node_ip") && (*obj)["node_ip"].is_string())
    return (*obj)["node_ip"].get<std::string>();
  return node_id.size() > 12 ? node_id.substr(0, 12) : node_id;
}

std::vector<DoctorFinding> proxy_findings(const ServeStatus& s, const nlohmann::json& details) {
  std::vector<DoctorFinding> out;
  int healthy = 0;
  std::vector<std::string> others;
  for (const auto& [node, status] : s.proxies) {
    std::string where = node_ip_of(details, "proxies", node);
    if (status == "UNHEALTHY")
      out.push_back(
          finding("DR402", CheckState::Fail, "proxy on " + where, "the Serve proxy on " + where + " is UNHEALTHY"));
    else if (status == "HEALTHY")
      ++healthy;
    else
      others.push_back(where + " " + status);  // STARTING, DRAINING, DRAINED: not broken
  }
  if (s.proxies.empty() && s.proxy_location.value_or("") != "Disabled")
    out.push_back(finding("DR402", CheckState::Warn, "", "Serve runs no HTTP proxy yet"));
  else if (out.empty())
    out.push_back(finding("DR402", CheckState::Ok, "",
                          fmt::format("{} prox{} HEALTHY{}", healthy, healthy == 1 ? "y" : "ies",
                                      others.empty() ? "" : " (" + fmt::format("{}", fmt::join(others, ", ")) + ")")));
  return out;
}

std::string replica_counts(const ServeDeploymentStatus& d) { return replica_summary(d); }

void deployment_findings(const ServeAppStatus& a, std::vector<DoctorFinding>& out) {
  std::vector<std::string> healthy;
  for (const auto& d : a.deployments) {
    std::string subject = deployment_subject(a.name, d.name);
    if (d.status == "UNHEALTHY" || d.status == "DEPLOY_FAILED") {
      auto ev = message_lines(d.message);
      out.push_back(finding("DR405", CheckState::Fail, subject,
                            fmt::format("deployment {} is {} ({}; {})", d.name, d.status, replica_counts(d),
                                        d.status_trigger.empty() ? "no trigger" : d.status_trigger),
                            ev));
    } else if (d.status == "HEALTHY") {
      healthy.push_back(d.name + " " + replica_counts(d));
    } else {
      // UPDATING, UPSCALING, DOWNSCALING: moving, not broken; the resources layer says why it waits.
      out.push_back(finding("DR405", CheckState::Warn, subject,
                            fmt::format("deployment {} is {} ({})", d.name, d.status, replica_counts(d)),
                            message_lines(d.message)));
    }
  }
  if (!healthy.empty())
    out.push_back(finding("DR405", CheckState::Ok, a.name, fmt::format("healthy: {}", fmt::join(healthy, ", "))));
}

void app_findings(const ServeAppStatus& a, std::vector<DoctorFinding>& out) {
  const std::string route = a.route_prefix ? " at " + *a.route_prefix : " (no HTTP route)";
  if (a.status == "RUNNING")
    out.push_back(finding("DR404", CheckState::Ok, a.name, "RUNNING" + route));
  else if (a.status == "DEPLOY_FAILED" || a.status == "UNHEALTHY")
    out.push_back(finding("DR404", CheckState::Fail, a.name, "application " + a.name + " is " + a.status,
                          message_lines(a.message)));
  else
    out.push_back(finding("DR404", CheckState::Warn, a.name, "application " + a.name + " is " + a.status,
                          message_lines(a.message)));
  deployment_findings(a, out);
}

std::vector<std::string> app_names(const ServeStatus& s) {
  std::vector<std::string> names;
  for (const auto& a : s.apps) names.push_back(a.name);
  return names;
}

}  // namespace

std::string deployment_subject(const std::string& app, const std::string& deployment) { return app + "/" + deployment; }

std::vector<std::string> message_lines(const std::string& message, size_t max_lines) {
  std::vector<std::string> lines;
  std::istringstream in(message);
  for (std::string l; std::getline(in, l);)
    if (worth_showing(l)) lines.push_back(l);
  if (lines.size() <= max_lines || max_lines < 2) return lines;
  std::vector<std::string> cut{lines.front(), "..."};
  cut.insert(cut.end(), lines.end() - static_cast<long>(max_lines - 1), lines.end());
  return cut;
}

std::vector<const ServeAppStatus*> selected_apps(const ServeStatus& s, const std::string& app) {
  std::vector<const ServeAppStatus*> out;
  for (const auto& a : s.apps)
    if (app.empty() || a.name == app) out.push_back(&a);
  return out;
}

std::vector<DoctorFinding> serve_findings(const ServeStatus& s, const nlohmann::json& details, const std::string& app) {
  std::vector<DoctorFinding> out;
  if (!s.serve_running) {
    // Nothing deployed yet is a state, not a fault, unless an application was asked for.
    out.push_back(finding("DR401", app.empty() ? CheckState::Warn : CheckState::Fail, "",
                          app.empty() ? "Serve is not running: no application is deployed"
                                      : "Serve is not running, so application " + app + " is not deployed"));
    return out;
  }
  out.push_back(finding("DR401", CheckState::Ok, "",
                        "controller running on " + node_ip_of(details, "controller_info", s.controller_node_id)));
  for (auto& f : proxy_findings(s, details)) out.push_back(std::move(f));
  if (!app.empty() && !s.app(app)) {
    auto names = app_names(s);
    out.push_back(
        finding("DR403", CheckState::Fail, app, "application " + app + " is not deployed",
                {names.empty() ? "no application is deployed" : fmt::format("deployed: {}", fmt::join(names, ", "))}));
    return out;
  }
  if (s.apps.empty()) {
    out.push_back(finding("DR403", CheckState::Warn, "", "Serve runs but no application is deployed"));
    return out;
  }
  out.push_back(finding("DR403", CheckState::Ok, app,
                        app.empty() ? fmt::format("{} application(s): {}", s.apps.size(), fmt::join(app_names(s), ", "))
                                    : "application " + app + " is deployed"));
  for (const auto* a : selected_apps(s, app)) app_findings(*a, out);
  return out;
}

}  // namespace rayctl
