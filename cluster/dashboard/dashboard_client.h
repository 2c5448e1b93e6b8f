// DashboardClient: the Ray dashboard's HTTP API as rayctl uses it — the Serve REST API
// (GET/PUT/DELETE /api/serve/applications/), the runtime-env packages API, the state API
// (nodes, log index, log tail) and cluster status — over a DashboardTransport (direct, SSH
// tunnel or the Kubernetes service proxy).
// It turns transport failures and HTTP statuses into rayctl Errors a user can act on; it does
// not decide anything about deploys (that is ServeDeploy's job).
#pragma once

#include "cluster/dashboard/dashboard_transport.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace rayctl {

// Where the dashboard is and how to talk to it. `token` is a secret: never printed or logged.
struct DashboardEndpoint {
  std::string url;     // "http://127.0.0.1:8265", no trailing slash (for messages; requests use the transport)
  std::string token;   // bearer token for clusters started with RAY_AUTH_MODE=token; empty = none
  std::string source;  // how the address was found, for messages: "--address", "RAY_DASHBOARD_ADDRESS", ...
  std::chrono::milliseconds timeout{30000};  // per request
  // RAYCTL_SEND_LOCAL_TOKEN=1: ~/.ray/auth_token may go to a dashboard off this machine too.
  bool send_local_token_anywhere = false;
};

// A log to read through the state API: one of filename / actor_id / pid on a node.
struct LogQuery {
  std::string node_id;
  std::string filename;
  std::string actor_id;
  std::string pid;
  std::string suffix = "out";  // "out" | "err" (for actor_id / pid)
  int lines = 1000;
};

// A node as the dashboard's state API (or Ray's GCS, cluster/launcher/cluster_probe.h) reports it.
struct LiveNode {
  std::string node_id;
  std::string ip;
  bool is_head = false;
  bool alive = false;
  double cpus = 0;
  double gpus = 0;
};
// Parses the body of /api/v0/nodes; throws Error(Remote) on an unexpected shape.
std::vector<LiveNode> parse_live_nodes(const std::string& body);

// The Ray version reported by GET /api/ray/version.
struct RayVersion {
  std::string ray_version;  // "2.53.0"
  std::string session_name;
  int major = 0, minor = 0;
};
RayVersion parse_ray_version(const nlohmann::json& body);

// Maps a non-2xx dashboard reply to the Error a user sees ("what" names the request, e.g.
// "PUT /api/serve/applications/"). Pure, so the wording is tested without a server.
[[noreturn]] void throw_dashboard_status(const std::string& what, long status, const std::string& body,
                                         const std::string& url);
// The useful part of a server's error text: the last line of a Python traceback, or the text
// itself trimmed to `max_chars`.
std::string summarize_server_error(const std::string& body, size_t max_chars = 2000);

class DashboardClient {
 public:
  DashboardClient(DashboardEndpoint endpoint, DashboardTransport& transport);

  const DashboardEndpoint& endpoint() const { return ep_; }

  // GET /api/ray/version; refuses Ray older than 2.7 (no multi-application REST API). Cached.
  const RayVersion& version();

  // Serve REST API.
  nlohmann::json serve_details();                     // GET /api/serve/applications/ (ServeInstanceDetails)
  void put_serve_config(const nlohmann::json& body);  // PUT: accepted, applied asynchronously
  void delete_serve();                                // DELETE: shuts Serve down

  // Runtime-env packages ("gcs://_ray_pkg_<hash>.zip"), as `ray job submit` uploads them.
  bool package_exists(const std::string& gcs_uri);
  void upload_package(const std::string& gcs_uri, const std::string& zip_bytes);

  // State API.
  std::vector<nlohmann::json> nodes();  // rows of /api/v0/nodes
  // The nodes, in one short GET (`timeout` bounds connect and reply): `up` polls with it.
  std::vector<LiveNode> live_nodes(std::chrono::milliseconds timeout);
  nlohmann::json log_index(const std::string& node_id, const std::string& glob = "*");  // {category:[files]}
  std::string log_tail(const LogQuery& q);                                              // /api/v0/logs/file
  nlohmann::json cluster_status();  // /api/cluster_status?format=1 → data

 private:
  HttpResponse call(const std::string& method, const std::string& path, const std::string& body = {},
                    const std::string& content_type = {}, std::optional<std::chrono::milliseconds> timeout = {});
  HttpResponse send_once(HttpRequest req, const std::string& what);
  HttpRequest make_request(const std::string& method, const std::string& path) const;
  nlohmann::json parse_json(const HttpResponse& r, const std::string& what) const;
  nlohmann::json state_api_data(const HttpResponse& r, const std::string& what) const;
  std::string log_query_string(const LogQuery& q) const;

  DashboardEndpoint ep_;
  DashboardTransport& transport_;
  std::optional<RayVersion> version_;
  bool tried_default_token_ = false;
};

// Where Ray keeps its token when neither RAY_AUTH_TOKEN nor RAY_AUTH_TOKEN_PATH is set.
std::string default_ray_token_path();  // ~/.ray/auth_token
// Whether that local token may go to the dashboard at `url` (as this machine reaches it): it
// belongs to the Ray on this machine, so only to a loopback address, unless `forced`. A token
// the user names (--token-file, RAY_AUTH_TOKEN...) is not subject to this.
bool may_send_local_ray_token(const std::string& url, bool forced);

}  // namespace rayctl
