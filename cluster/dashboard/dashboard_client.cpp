// DashboardClient: requests, status mapping and error wording for the Ray dashboard API.
#include "cluster/dashboard/dashboard_client.h"

#include "core/error.h"
#include "core/state_store.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <sstream>

namespace rayctl {

namespace {

const char* kConnectHint =
    "is Ray running there? The dashboard listens on 127.0.0.1:8265 by default, so from another machine "
    "start the head with `ray start --head --dashboard-host=0.0.0.0`, or use `--cluster NAME` and rayctl "
    "tunnels to it over SSH; set the address with --address or RAY_DASHBOARD_ADDRESS";

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

}  // namespace

RayVersion parse_ray_version(const nlohmann::json& body) {
  RayVersion v;
  if (body.is_object()) {
    v.ray_version = body.value("ray_version", "");
    v.session_name = body.value("session_name", "");
  }
  std::istringstream in(v.ray_version);
  char dot = 0;
  if (!(in >> v.major >> dot >> v.minor)) v.major = v.minor = 0;
  return v;
}

std::string summarize_server_error(const std::string& body, size_t max_chars) {
  std::string text = trim(body);
  // A Python traceback: the exception line at the end says what went wrong.
  if (text.rfind("Traceback (most recent call last):", 0) == 0) {
    size_t nl = text.find_last_of('\n');
    if (nl != std::string::npos) text = trim(text.substr(nl + 1));
  }
  if (text.size() > max_chars) text = text.substr(0, max_chars) + " …";
  return text;
}

void throw_dashboard_status(const std::string& what, long status, const std::string& body, const std::string& url) {
  std::string server = summarize_server_error(body);
  std::string said = server.empty() ? "" : ": " + server;
  std::string head = what + " → HTTP " + std::to_string(status);
  if (status == 401 || status == 403)
    throw Error(ErrorKind::Auth, "the Ray dashboard at " + url + " refused the request (" + head + ")" + said,
                "the cluster uses token authentication: set RAY_AUTH_TOKEN, RAY_AUTH_TOKEN_PATH or --token-file "
                "(`ray get-auth-token` on the head prints it)");
  if (status == 404)
    throw Error(ErrorKind::NotFound, head + " at " + url + said,
                "is this a Ray dashboard (Ray >= 2.7)? Check the port: the dashboard's default is 8265");
  if (status == 501)
    throw Error(ErrorKind::Remote, "Ray Serve is not installed on the cluster (" + head + ")" + said,
                "install it on every node: pip install \"ray[serve]\"");
  if (status == 503)
    throw Error(ErrorKind::Remote, "the Serve controller or the GCS is unavailable (" + head + ")" + said,
                "the cluster may be starting or overloaded; retry in a few seconds");
  if (status == 409 || status == 412) throw Error(ErrorKind::Conflict, head + said);
  if (status >= 400 && status < 500)
    throw Error(ErrorKind::Invalid, "the Ray dashboard rejected the request (" + head + ")" + said);
  throw Error(ErrorKind::Remote, "the Ray dashboard failed (" + head + ")" + said,
              status >= 500 ? "the dashboard log (dashboard*.log in the session's logs) has the full traceback" : "");
}

std::vector<LiveNode> parse_live_nodes(const std::string& body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.contains("data"))
    throw Error(ErrorKind::Remote, "the dashboard answered /api/v0/nodes with something that is not Ray's JSON");
  std::vector<LiveNode> out;
  const auto& rows = j["data"]["result"]["result"];
  if (!rows.is_array()) return out;
  for (const auto& r : rows) {
    LiveNode n;
    n.node_id = r.value("node_id", "");
    n.ip = r.value("node_ip", "");
    n.is_head = r.value("is_head_node", false);
    n.alive = r.value("state", "") == "ALIVE";
    if (r.contains("resources_total") && r["resources_total"].is_object()) {
      n.cpus = r["resources_total"].value("CPU", 0.0);
      n.gpus = r["resources_total"].value("GPU", 0.0);
    }
    out.push_back(n);
  }
  return out;
}

std::vector<LiveNode> DashboardClient::live_nodes(std::chrono::milliseconds timeout) {
  HttpRequest req = make_request("GET", "/api/v0/nodes?limit=10000&timeout=5");
  req.connect_timeout = std::min(timeout, std::chrono::milliseconds(3000));
  req.timeout = timeout;
  HttpResponse r = transport_.send(req);
  if (r.status != 200)
    throw Error(ErrorKind::Network, "the dashboard answered /api/v0/nodes with HTTP " + std::to_string(r.status));
  return parse_live_nodes(r.body);
}

std::string default_ray_token_path() {
  const char* home = std::getenv("HOME");
  return std::string(home ? home : "") + "/.ray/auth_token";
}

bool may_send_local_ray_token(const std::string& url, bool forced) {
  if (forced) return true;
  auto scheme = url.find("://");
  std::string rest = scheme == std::string::npos ? url : url.substr(scheme + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (auto at = rest.rfind('@'); at != std::string::npos) rest = rest.substr(at + 1);
  std::string host;
  if (!rest.empty() && rest[0] == '[')
    host = rest.substr(1, rest.find(']') == std::string::npos ? std::string::npos : rest.find(']') - 1);
  else
    host = rest.substr(0, rest.find(':'));
  for (auto& ch : host) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (host == "localhost" || host == "::1") return true;
  // 127.0.0.0/8, written as a dotted quad of digits only (not 127.evil.example).
  if (host.rfind("127.", 0) != 0 || host.find_first_not_of("0123456789.") != std::string::npos) return false;
  return std::count(host.begin(), host.end(), '.') == 3;
}

DashboardClient::DashboardClient(DashboardEndpoint endpoint, DashboardTransport& transport)
    : ep_(std::move(endpoint)), transport_(transport) {
  if (ep_.url.empty()) ep_.url = transport_.url();
  while (!ep_.url.empty() && ep_.url.back() == '/') ep_.url.pop_back();
}

HttpRequest DashboardClient::make_request(const std::string& method, const std::string& path) const {
  HttpRequest req;
  req.method = method;
  req.url = path;
  req.timeout = ep_.timeout;
  if (!ep_.token.empty()) req.headers.emplace_back("Authorization", "Bearer " + ep_.token);
  return req;
}

HttpResponse DashboardClient::send_once(HttpRequest req, const std::string& what) {
  try {
    return transport_.send(req);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::Network && e.kind() != ErrorKind::Timeout) throw;
    std::string src = ep_.source.empty() ? "" : " (from " + ep_.source + ")";
    if (e.kind() == ErrorKind::Timeout)
      throw Error(ErrorKind::Timeout, what + " to the Ray dashboard at " + ep_.url + src + " timed out: " + e.message(),
                  "the dashboard may be overloaded; raise --request-timeout");
    throw Error(ErrorKind::Network, "cannot reach the Ray dashboard at " + ep_.url + src + ": " + e.message(),
                kConnectHint);
  }
}

HttpResponse DashboardClient::call(const std::string& method, const std::string& path, const std::string& body,
                                   const std::string& content_type, std::optional<std::chrono::milliseconds> timeout) {
  HttpRequest req = make_request(method, path);
  req.body = body;
  if (!content_type.empty()) req.headers.emplace_back("Content-Type", content_type);
  if (timeout) req.timeout = *timeout;
  std::string what = method + " " + path;
  HttpResponse r = send_once(req, what);
  // Token auth with no token given: Ray's own default token file is the last resort, once.
  if ((r.status == 401 || r.status == 403) && ep_.token.empty() && !tried_default_token_) {
    tried_default_token_ = true;
    // Never to a remote dashboard (least of all over plain http): the user names that token.
    std::optional<std::string> tok;
    if (may_send_local_ray_token(transport_.url(), ep_.send_local_token_anywhere))
      tok = read_file(default_ray_token_path());
    if (tok) {
      std::string t = *tok;
      while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.pop_back();
      if (!t.empty()) {
        ep_.token = t;
        req.headers.emplace_back("Authorization", "Bearer " + t);
        r = send_once(req, what);
      }
    }
  }
  return r;
}

nlohmann::json DashboardClient::parse_json(const HttpResponse& r, const std::string& what) const {
  try {
    return nlohmann::json::parse(r.body);
  } catch (const nlohmann::json::exception&) {
    throw Error(ErrorKind::Remote,
                what + " at " + ep_.url + " returned a reply that is not JSON: " + summarize_server_error(r.body, 300),
                "is this address the Ray dashboard (port 8265 by default), not the Serve HTTP port?");
  }
}

const RayVersion& DashboardClient::version() {
  if (version_) return *version_;
  HttpResponse r = call("GET", "/api/ray/version");
  if (r.status != 200) throw_dashboard_status("GET /api/ray/version", r.status, r.body, ep_.url);
  RayVersion v = parse_ray_version(parse_json(r, "GET /api/ray/version"));
  if (v.major == 0) throw Error(ErrorKind::Remote, "the dashboard at " + ep_.url + " did not report a Ray version");
  if (v.major < 2 || (v.major == 2 && v.minor < 7))
    throw Error(ErrorKind::Invalid, "Ray " + v.ray_version + " at " + ep_.url + " is too old for rayctl serve",
                "the multi-application Serve REST API needs Ray >= 2.7; upgrade the cluster");
  version_ = v;
  return *version_;
}

nlohmann::json DashboardClient::serve_details() {
  HttpResponse r = call("GET", "/api/serve/applications/");
  if (r.status != 200) throw_dashboard_status("GET /api/serve/applications/", r.status, r.body, ep_.url);
  return parse_json(r, "GET /api/serve/applications/");
}

void DashboardClient::put_serve_config(const nlohmann::json& body) {
  HttpResponse r = call("PUT", "/api/serve/applications/", body.dump(), "application/json");
  if (r.status == 400)
    throw Error(ErrorKind::Invalid, "Ray Serve rejected the config: " + summarize_server_error(r.body, 4000),
                "fix the file and deploy again; `rayctl validate FILE` checks it offline");
  if (r.status != 200) throw_dashboard_status("PUT /api/serve/applications/", r.status, r.body, ep_.url);
}

void DashboardClient::delete_serve() {
  HttpResponse r = call("DELETE", "/api/serve/applications/");
  if (r.status != 200) throw_dashboard_status("DELETE /api/serve/applications/", r.status, r.body, ep_.url);
}

namespace {
// "gcs://_ray_pkg_x.zip" → "/api/packages/gcs/_ray_pkg_x.zip"
std::string package_path(const std::string& uri) {
  size_t sep = uri.find("://");
  if (sep == std::string::npos) throw Error(ErrorKind::Internal, "not a package URI: " + uri);
  return "/api/packages/" + uri.substr(0, sep) + "/" + url_encode(uri.substr(sep + 3));
}
}  // namespace

bool DashboardClient::package_exists(const std::string& gcs_uri) {
  std::string path = package_path(gcs_uri);
  HttpResponse r = call("GET", path);
  if (r.status == 200) return true;
  if (r.status == 404) return false;
  throw_dashboard_status("GET " + path, r.status, r.body, ep_.url);
}

void DashboardClient::upload_package(const std::string& gcs_uri, const std::string& zip_bytes) {
  std::string path = package_path(gcs_uri);
  HttpResponse r = call("PUT", path, zip_bytes, "application/octet-stream", std::chrono::milliseconds(300000));
  if (r.status != 200) throw_dashboard_status("PUT " + path, r.status, r.body, ep_.url);
}

nlohmann::json DashboardClient::state_api_data(const HttpResponse& r, const std::string& what) const {
  nlohmann::json j = parse_json(r, what);
  if (r.status != 200 || !j.value("result", false)) {
    std::string msg = j.is_object() ? j.value("msg", "") : "";
    throw_dashboard_status(what, r.status == 200 ? 500 : r.status, msg.empty() ? r.body : msg, ep_.url);
  }
  return j["data"];
}

std::vector<nlohmann::json> DashboardClient::nodes() {
  HttpResponse r = call("GET", "/api/v0/nodes?limit=10000&detail=false");
  nlohmann::json data = state_api_data(r, "GET /api/v0/nodes");
  std::vector<nlohmann::json> out;
  const auto& rows = data["result"]["result"];
  if (rows.is_array())
    for (const auto& n : rows) out.push_back(n);
  return out;
}

nlohmann::json DashboardClient::log_index(const std::string& node_id, const std::string& glob) {
  std::string path = "/api/v0/logs?node_id=" + url_encode(node_id) + "&glob=" + url_encode(glob) + "&timeout=10";
  HttpResponse r = call("GET", path);
  return state_api_data(r, "GET /api/v0/logs")["result"];
}

std::string DashboardClient::log_query_string(const LogQuery& q) const {
  std::string s =
      "node_id=" + url_encode(q.node_id) + "&lines=" + std::to_string(q.lines) + "&filter_ansi_code=true&timeout=10";
  if (!q.filename.empty()) s += "&filename=" + url_encode(q.filename);
  if (!q.actor_id.empty()) s += "&actor_id=" + url_encode(q.actor_id) + "&suffix=" + url_encode(q.suffix);
  if (!q.pid.empty()) s += "&pid=" + url_encode(q.pid) + "&suffix=" + url_encode(q.suffix);
  return s;
}

std::string DashboardClient::log_tail(const LogQuery& q) {
  HttpResponse r = call("GET", "/api/v0/logs/file?" + log_query_string(q));
  if (r.status != 200) throw_dashboard_status("GET /api/v0/logs/file", r.status, r.body, ep_.url);
  return r.body;
}

nlohmann::json DashboardClient::cluster_status() {
  HttpResponse r = call("GET", "/api/cluster_status?format=1");
  if (r.status != 200) throw_dashboard_status("GET /api/cluster_status", r.status, r.body, ep_.url);
  nlohmann::json j = parse_json(r, "GET /api/cluster_status");
  return j.contains("data") ? j["data"] : j;
}

}  // namespace rayctl
