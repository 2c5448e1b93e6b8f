// Dashboard node listing (see cluster_probe.h).
#include "cluster/cluster_probe.h"

#include "core/error.h"
#include "core/http_client.h"

namespace rayctl {

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

DashboardAccess::DashboardAccess(const LauncherNode& head, const SshSettings& ssh, const ConnectOptions& opt,
                                 int dashboard_port, const CancelFlag* cancel) {
  if (head.is_local) {
    base_url_ = "http://127.0.0.1:" + std::to_string(dashboard_port);
    return;
  }
  SshTarget t = ssh_target_for(ssh, head, opt);
  t.node = head.name + " (dashboard tunnel)";
  tunnel_ = std::make_unique<SshTunnel>(t, "127.0.0.1", dashboard_port, cancel);
  base_url_ = tunnel_->local_url();
}

std::vector<LiveNode> DashboardAccess::nodes(int timeout_ms) const {
  HttpClient http;
  HttpRequest req;
  req.url = base_url_ + "/api/v0/nodes?limit=10000&timeout=5";
  req.connect_timeout = std::chrono::milliseconds(std::min(timeout_ms, 3000));
  req.timeout = std::chrono::milliseconds(timeout_ms);
  HttpResponse resp = http.send(req);
  if (resp.status != 200)
    throw Error(ErrorKind::Network, "the dashboard answered /api/v0/nodes with HTTP " + std::to_string(resp.status));
  return parse_live_nodes(resp.body);
}

const LiveNode* match_live_node(const std::vector<LiveNode>& live, const LauncherNode& node) {
  for (const auto& n : live)
    if (n.alive && n.ip == node.host) return &n;
  if (node.is_local && node.is_head)
    for (const auto& n : live)
      if (n.alive && n.is_head) return &n;
  return nullptr;
}

}  // namespace rayctl
