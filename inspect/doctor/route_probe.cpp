// The app layer's request classification (see route_probe.h).
#include "inspect/doctor/route_probe.h"

#include "cluster/dashboard/dashboard_client.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <sstream>

namespace rayctl {

namespace {

std::string request_text(const std::string& path, long status) {
  return "GET " + path + " → HTTP " + std::to_string(status);
}

// Serve's proxy answers a path no route matches with exactly this text (ray/serve/_private/proxy.py).
bool proxy_not_found(const RouteReply& r) {
  return r.status == 404 && r.body.rfind("Path '", 0) == 0 && r.body.find("' not found") != std::string::npos;
}

bool prefix_matches(const std::string& prefix, const std::string& path) {
  if (prefix == "/") return true;
  if (path.rfind(prefix, 0) != 0) return false;
  return path.size() == prefix.size() || path[prefix.size()] == '/' || path[prefix.size()] == '?';
}

}  // namespace

bool worth_showing(const std::string& line) {
  // Python 3.11+ underlines the failing expression with a line of ^ and ~: noise in evidence.
  return line.find_first_not_of(" \t^~") != std::string::npos;
}

DoctorFinding classify_route_reply(const std::string& path, int port, const RouteReply& r) {
  if (!r.error.empty() && r.slow)
    return finding("DR603", CheckState::Fail, path,
                   "GET " + path + " got no answer in time (the proxy took the request)", {r.error},
                   "The application did not answer within --check-timeout: its replica's log says what it is doing; "
                   "a slow first request (a model still loading) needs a longer --check-timeout.");
  if (!r.error.empty())
    return finding("DR602", CheckState::Fail, path,
                   "no reply from the Serve proxy on port " + std::to_string(port) + " for GET " + path, {r.error});
  std::string body = summarize_server_error(r.body, 300);
  if (proxy_not_found(r))
    return finding("DR601", CheckState::Fail, path, "no application's route matches " + path + " (the proxy's 404)",
                   {request_text(path, r.status) + ": " + body});
  if (r.status >= 500)
    return finding("DR603", CheckState::Fail, path, request_text(path, r.status) + " (a server error)",
                   {request_text(path, r.status) + (body.empty() ? "" : ": " + body)});
  if (r.status >= 400)
    return finding("DR603", CheckState::Ok, path,
                   request_text(path, r.status) + ": the application's own answer (a route matched)");
  return finding("DR603", CheckState::Ok, path, request_text(path, r.status));
}

const ServeAppStatus* app_for_path(const ServeStatus& s, const std::string& path) {
  const ServeAppStatus* best = nullptr;
  for (const auto& a : s.apps)
    if (a.route_prefix && prefix_matches(*a.route_prefix, path) &&
        (!best || a.route_prefix->size() > best->route_prefix->size()))
      best = &a;
  return best;
}

std::vector<std::string> route_table_lines(const std::string& body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return {"GET /-/routes: " + summarize_server_error(body, 300)};
  if (j.empty()) return {"the proxy's route table (GET /-/routes) is empty"};
  std::vector<std::string> out;
  for (const auto& [route, app] : j.items())
    out.push_back("route " + route + " → application " + (app.is_string() ? app.get<std::string>() : app.dump()));
  return out;
}

std::vector<std::string> error_log_lines(const std::string& log, size_t max_lines) {
  std::vector<std::string> lines;
  std::istringstream in(log);
  for (std::string l; std::getline(in, l);) {
    if (!l.empty() && l.back() == '\r') l.pop_back();
    if (worth_showing(l)) lines.push_back(l);
  }
  size_t tb = std::string::npos;
  for (size_t i = lines.size(); i-- > 0;)
    if (lines[i].find("Traceback (most recent call last):") != std::string::npos) {
      tb = i;
      break;
    }
  if (tb == std::string::npos) {
    size_t from = lines.size() > max_lines ? lines.size() - max_lines : 0;
    return {lines.begin() + static_cast<long>(from), lines.end()};
  }
  // The traceback ends at its exception line: the first one after it that is not indented.
  size_t end = tb + 1;
  while (end < lines.size() && (lines[end][0] == ' ' || lines[end][0] == '\t')) ++end;
  end = std::min(end + 1, lines.size());
  std::vector<std::string> out{lines[tb]};
  size_t keep = max_lines > 1 ? max_lines - 1 : 0;
  size_t from = std::max(tb + 1, end > keep ? end - keep : 0);
  if (from > tb + 1) out.push_back("...");
  out.insert(out.end(), lines.begin() + static_cast<long>(from), lines.begin() + static_cast<long>(end));
  return out;
}

int serve_http_port(const ServeStatus& s) {
  if (s.http_options.is_object() && s.http_options.contains("port") && s.http_options["port"].is_number_integer())
    return s.http_options["port"].get<int>();
  return 8000;
}

}  // namespace rayctl
