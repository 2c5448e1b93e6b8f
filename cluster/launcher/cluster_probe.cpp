// Dashboard node listing (see cluster_probe.h).
#include "cluster/launcher/cluster_probe.h"

#include "core/error.h"
#include "core/http_client.h"
#include "core/process.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <sstream>

namespace rayctl {

DashboardAccess::DashboardAccess(const LauncherNode& head, const SshSettings& ssh, const ConnectOptions& opt,
                                 int dashboard_port, const CancelFlag* cancel)
    : transport_(head.is_local ? direct_dashboard("http://127.0.0.1:" + std::to_string(dashboard_port))
                               : tunnelled_dashboard(ssh_target_for(ssh, head, opt), dashboard_port, cancel)),
      client_(std::make_unique<DashboardClient>(DashboardEndpoint{}, *transport_)) {}

std::vector<LiveNode> DashboardAccess::nodes(int timeout_ms) {
  return client_->live_nodes(std::chrono::milliseconds(timeout_ms));
}

bool ends_retries(const Error& e) {
  return e.kind() == ErrorKind::Auth || e.kind() == ErrorKind::HostKey || e.kind() == ErrorKind::Cancelled;
}

std::string gcs_nodes_command(const std::string& ray_program, const std::string& gcs_address) {
  static const char* script =
      "import json, sys\n"
      "from ray._raylet import GcsClient\n"
      "rows = []\n"
      "for n in GcsClient(address=sys.argv[1]).get_all_node_info(timeout=5).values():\n"
      "    rows.append({'node_id': n.node_id.hex(), 'node_ip': n.node_manager_address, 'is_head_node': "
      "n.is_head_node,\n"
      "                 'state': 'ALIVE' if n.state == 0 else 'DEAD', 'resources_total': dict(n.resources_total)})\n"
      "print('rayctl-gcs-nodes: ' + json.dumps({'data': {'result': {'result': rows}}}))\n";
  // The interpreter from the ray program's "#!" line (a venv's python, or "/usr/bin/env python3").
  return "rayctl_ray=$(command -v " + shell_quote(ray_program) +
         ") && rayctl_py=$(sed -n '1s/^#! *//p' \"$rayctl_ray\") && " +
         "[ -n \"$rayctl_py\" ] && exec $(command -v timeout >/dev/null && echo timeout 10) $rayctl_py -c " +
         shell_quote(script) + " " + shell_quote(gcs_address);
}

std::optional<std::vector<LiveNode>> parse_gcs_nodes_line(const std::string& line) {
  const std::string tag = "rayctl-gcs-nodes: ";
  if (line.rfind(tag, 0) != 0) return std::nullopt;
  return parse_live_nodes(line.substr(tag.size()));
}

bool is_ip_address(const std::string& host) {
  unsigned char buf[sizeof(in6_addr)];
  return ::inet_pton(AF_INET, host.c_str(), buf) == 1 || ::inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

std::set<std::string> node_addresses(const std::string& host, const std::vector<std::string>& reported) {
  std::set<std::string> out;
  if (is_ip_address(host)) {
    out.insert(host);
    return out;
  }
  for (const auto& a : reported)
    if (is_ip_address(a)) out.insert(a);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (::getaddrinfo(host.c_str(), nullptr, &hints, &res) != 0) return out;  // e.g. only the bastion knows it
  for (addrinfo* ai = res; ai; ai = ai->ai_next) {
    char text[INET6_ADDRSTRLEN] = {};
    const void* addr = ai->ai_family == AF_INET
                           ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(ai->ai_addr)->sin_addr)
                           : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(ai->ai_addr)->sin6_addr);
    if ((ai->ai_family == AF_INET || ai->ai_family == AF_INET6) && ::inet_ntop(ai->ai_family, addr, text, sizeof text))
      out.insert(text);
  }
  ::freeaddrinfo(res);
  return out;
}

std::string report_addresses_command() {
  // SSH_CONNECTION = "client_ip client_port server_ip server_port"; hostname -I may be missing.
  return "set -- ${SSH_CONNECTION:-}; echo \"rayctl-addresses: ${3:-} $(hostname -I 2>/dev/null)\"";
}

std::vector<std::string> parse_reported_addresses(const std::string& line) {
  const std::string tag = "rayctl-addresses:";
  std::vector<std::string> out;
  if (line.rfind(tag, 0) != 0) return out;
  std::istringstream words(line.substr(tag.size()));
  for (std::string w; words >> w;)
    if (is_ip_address(w) && std::find(out.begin(), out.end(), w) == out.end()) out.push_back(w);
  return out;
}

const LiveNode* match_live_node(const std::vector<LiveNode>& live, const LauncherNode& node,
                                const std::set<std::string>& addresses) {
  for (const auto& n : live)
    if (n.alive && addresses.count(n.ip)) return &n;
  if (node.is_local && node.is_head)
    for (const auto& n : live)
      if (n.alive && n.is_head) return &n;
  return nullptr;
}

const LiveNode* match_live_node(const std::vector<LiveNode>& live, const LauncherNode& node) {
  return match_live_node(live, node, node_addresses(node.host));
}

}  // namespace rayctl
