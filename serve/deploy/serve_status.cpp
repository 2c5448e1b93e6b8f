// ServeStatus: parsing ServeInstanceDetails, the health verdict, and the printers.
#include "serve/deploy/serve_status.h"

#include <algorithm>
#include <cmath>
#include <ctime>

namespace rayctl {

namespace {

std::string str_or(const nlohmann::json& j, const char* key, const std::string& dflt = "") {
  if (!j.is_object() || !j.contains(key) || !j[key].is_string()) return dflt;
  return j[key].get<std::string>();
}

ServeDeploymentStatus parse_deployment(const std::string& name, const nlohmann::json& d) {
  ServeDeploymentStatus out;
  out.name = str_or(d, "name", name);
  out.status = str_or(d, "status", "UNKNOWN");
  out.status_trigger = str_or(d, "status_trigger");
  out.message = str_or(d, "message");
  if (d.contains("target_num_replicas") && d["target_num_replicas"].is_number_integer())
    out.target_replicas = d["target_num_replicas"].get<int>();
  out.required_resources = d.value("required_resources", nlohmann::json::object());
  if (d.contains("replicas") && d["replicas"].is_array()) {
    for (const auto& r : d["replicas"]) {
      ServeReplica rep;
      rep.replica_id = str_or(r, "replica_id");
      rep.state = str_or(r, "state", "UNKNOWN");
      rep.node_id = str_or(r, "node_id");
      rep.node_ip = str_or(r, "node_ip");
      rep.actor_id = str_or(r, "actor_id");
      rep.log_file_path = str_or(r, "log_file_path");
      if (r.contains("pid") && r["pid"].is_number_integer()) rep.pid = r["pid"].get<long>();
      out.replica_states[rep.state]++;
      out.replicas.push_back(std::move(rep));
    }
  }
  return out;
}

}  // namespace

int ServeDeploymentStatus::running() const {
  auto it = replica_states.find("RUNNING");
  return it == replica_states.end() ? 0 : it->second;
}

const ServeDeploymentStatus* ServeAppStatus::deployment(const std::string& n) const {
  for (const auto& d : deployments)
    if (d.name == n) return &d;
  return nullptr;
}

const ServeAppStatus& ServeStatus::require_app(const std::string& n) const {
  if (const ServeAppStatus* a = app(n)) return *a;
  std::string live;
  for (const auto& x : apps) live += (live.empty() ? "" : ", ") + x.name;
  throw Error(ErrorKind::NotFound, "no Serve application named '" + n + "'",
              live.empty() ? "Serve has no applications" : "live applications: " + live, {}, "app " + n);
}

const ServeAppStatus* ServeStatus::app(const std::string& n) const {
  for (const auto& a : apps)
    if (a.name == n) return &a;
  return nullptr;
}

ServeStatus parse_serve_status(const nlohmann::json& details) {
  ServeStatus s;
  if (!details.is_object()) return s;
  const auto& ci = details.value("controller_info", nlohmann::json::object());
  s.controller_node_id = str_or(ci, "node_id");
  s.serve_running = !s.controller_node_id.empty();
  if (details.contains("proxies") && details["proxies"].is_object())
    for (const auto& [node, p] : details["proxies"].items()) s.proxies[node] = str_or(p, "status", "UNKNOWN");
  s.http_options = details.value("http_options", nlohmann::json());
  s.grpc_options = details.value("grpc_options", nlohmann::json());
  if (details.contains("proxy_location") && details["proxy_location"].is_string())
    s.proxy_location = details["proxy_location"].get<std::string>();
  if (details.contains("target_capacity") && details["target_capacity"].is_number())
    s.target_capacity = details["target_capacity"].get<double>();
  if (details.contains("applications") && details["applications"].is_object()) {
    for (const auto& [name, a] : details["applications"].items()) {
      ServeAppStatus app;
      app.name = str_or(a, "name", name);
      app.status = str_or(a, "status", "UNKNOWN");
      app.message = str_or(a, "message");
      app.source = str_or(a, "source");
      if (a.contains("route_prefix") && a["route_prefix"].is_string())
        app.route_prefix = a["route_prefix"].get<std::string>();
      if (a.contains("last_deployed_time_s") && a["last_deployed_time_s"].is_number())
        app.last_deployed_time_s = a["last_deployed_time_s"].get<double>();
      app.deployed_app_config = a.value("deployed_app_config", nlohmann::json());
      if (a.contains("deployments") && a["deployments"].is_object())
        for (const auto& [dn, d] : a["deployments"].items()) app.deployments.push_back(parse_deployment(dn, d));
      s.apps.push_back(std::move(app));
    }
  }
  std::sort(s.apps.begin(), s.apps.end(), [](const auto& x, const auto& y) { return x.name < y.name; });
  return s;
}

ServeHealth app_health(const ServeAppStatus& a) {
  if (a.status == "DEPLOY_FAILED" || a.status == "UNHEALTHY") return ServeHealth::Failed;
  for (const auto& d : a.deployments)
    if (d.status == "UNHEALTHY" || d.status == "DEPLOY_FAILED") return ServeHealth::Failed;
  if (a.status == "RUNNING") return ServeHealth::Running;
  return ServeHealth::Pending;  // NOT_STARTED, DEPLOYING, DELETING, anything new
}

ServeHealth serve_health(const ServeStatus& s, const std::vector<std::string>& apps) {
  ServeHealth worst = ServeHealth::Running;
  auto take = [&](ServeHealth h) {
    if (static_cast<int>(h) > static_cast<int>(worst)) worst = h;
  };
  if (apps.empty()) {
    for (const auto& a : s.apps) take(app_health(a));
  } else {
    for (const auto& name : apps) {
      take(app_health(s.require_app(name)));
    }
  }
  for (const auto& [node, st] : s.proxies)
    if (st == "UNHEALTHY") take(ServeHealth::Failed);
  return worst;
}

ExitCode exit_code_for(ServeHealth h) {
  switch (h) {
    case ServeHealth::Running: return ExitCode::Ok;
    case ServeHealth::Pending: return ExitCode::Pending;
    case ServeHealth::Failed: return ExitCode::Unhealthy;
  }
  return ExitCode::Error;
}

const char* health_name(ServeHealth h) {
  switch (h) {
    case ServeHealth::Running: return "running";
    case ServeHealth::Pending: return "pending";
    case ServeHealth::Failed: return "failed";
  }
  return "unknown";
}

std::string replica_summary(const ServeDeploymentStatus& d) {
  std::string s = std::to_string(d.running());
  if (d.target_replicas >= 0) s += "/" + std::to_string(d.target_replicas);
  s += " running";
  std::string others;
  for (const auto& [state, n] : d.replica_states)
    if (state != "RUNNING") others += (others.empty() ? "" : ", ") + std::to_string(n) + " " + state;
  if (!others.empty()) s += " (" + others + ")";
  return s;
}

namespace {
bool selected(const std::vector<std::string>& apps, const std::string& name) {
  return apps.empty() || std::find(apps.begin(), apps.end(), name) != apps.end();
}
}  // namespace

nlohmann::json serve_status_json(const ServeStatus& s, const std::vector<std::string>& apps) {
  nlohmann::json j;
  j["health"] = health_name(serve_health(s, apps));
  j["serve_running"] = s.serve_running;
  j["proxies"] = nlohmann::json::object();
  for (const auto& [node, st] : s.proxies) j["proxies"][node] = st;
  j["applications"] = nlohmann::json::object();
  for (const auto& a : s.apps) {
    if (!selected(apps, a.name)) continue;
    nlohmann::json ja{{"status", a.status},
                      {"message", a.message},
                      {"route_prefix", a.route_prefix ? nlohmann::json(*a.route_prefix) : nlohmann::json()},
                      {"last_deployed_time_s", a.last_deployed_time_s},
                      {"deployments", nlohmann::json::object()}};
    for (const auto& d : a.deployments) {
      nlohmann::json states = nlohmann::json::object();
      for (const auto& [st, n] : d.replica_states) states[st] = n;
      ja["deployments"][d.name] = {
          {"status", d.status},
          {"status_trigger", d.status_trigger},
          {"message", d.message},
          {"target_replicas", d.target_replicas < 0 ? nlohmann::json() : nlohmann::json(d.target_replicas)},
          {"running_replicas", d.running()},
          {"replica_states", states}};
    }
    j["applications"][a.name] = ja;
  }
  j["target_capacity"] = s.target_capacity ? nlohmann::json(*s.target_capacity) : nlohmann::json();
  return j;
}

namespace {
std::string colored_status(const std::string& status, const Style& st) {
  if (status == "RUNNING" || status == "HEALTHY") return st.green(status);
  if (status == "DEPLOY_FAILED" || status == "UNHEALTHY") return st.red(status);
  return st.yellow(status);
}

std::string first_line(const std::string& m) {
  size_t nl = m.find('\n');
  return nl == std::string::npos ? m : m.substr(0, nl) + " …";
}
}  // namespace

void print_serve_status(std::ostream& os, const ServeStatus& s, const std::vector<std::string>& apps, const Style& st) {
  if (!s.serve_running && s.apps.empty()) {
    os << "Serve is not running on this cluster (no applications).\n";
    return;
  }
  Table t({"APPLICATION", "DEPLOYMENT", "STATUS", "REPLICAS", "ROUTE"});
  std::vector<std::string> notes;
  for (const auto& a : s.apps) {
    if (!selected(apps, a.name)) continue;
    t.add_row({a.name, "", colored_status(a.status, st), "", a.route_prefix.value_or("-")});
    if (!a.message.empty()) notes.push_back(a.name + ": " + a.message);
    for (const auto& d : a.deployments) {
      t.add_row({"", d.name, colored_status(d.status, st), replica_summary(d), ""});
      if (!d.message.empty()) notes.push_back(a.name + "/" + d.name + ": " + first_line(d.message));
    }
  }
  t.print(os);
  for (const auto& [node, pst] : s.proxies)
    if (pst != "HEALTHY") notes.push_back("proxy on node " + node.substr(0, 12) + ": " + pst);
  if (!notes.empty()) {
    os << "\n";
    for (const auto& n : notes) os << n << "\n";
  }
}

}  // namespace rayctl
