// Per-cluster state files (see cluster_state.h).
#include "cluster/cluster_state.h"

#include "core/error.h"

#include <algorithm>
#include <chrono>
#include <filesystem>

namespace rayctl {

NodeRecord* ClusterRecord::find(const std::string& n) {
  for (auto& r : nodes)
    if (r.name == n) return &r;
  return nullptr;
}
const NodeRecord* ClusterRecord::find(const std::string& n) const { return const_cast<ClusterRecord*>(this)->find(n); }

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void check_cluster_name(const std::string& name) {
  bool ok = !name.empty() && name.size() <= 100 && name[0] != '.' && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum((unsigned char)c) || c == '-' || c == '_' || c == '.';
  });
  if (!ok)
    throw Error(ErrorKind::Invalid, "cluster name '" + name + "' cannot be used as a state file name",
                "use letters, digits, '-', '_' and '.' in cluster_name");
}

nlohmann::json to_json(const ClusterRecord& r) {
  nlohmann::json nodes = nlohmann::json::array();
  for (const auto& n : r.nodes)
    nodes.push_back({{"name", n.name},
                     {"host", n.host},
                     {"is_head", n.is_head},
                     {"is_local", n.is_local},
                     {"status", n.status},
                     {"setup_hash", n.setup_hash},
                     {"start_hash", n.start_hash},
                     {"last_error", n.last_error},
                     {"addresses", n.addresses},
                     {"updated_at", n.updated_at}});
  return {{"version", r.version},
          {"name", r.name},
          {"provider", r.provider},
          {"config_file", r.config_file},
          {"head_host", r.head_host},
          {"head_address", r.head_address},
          {"dashboard_url", r.dashboard_url},
          {"dashboard_port", r.dashboard_port},
          {"dashboard_local_only", r.dashboard_local_only},
          {"ray_temp_dir", r.ray_temp_dir},
          {"ssh",
           {{"user", r.ssh.user},
            {"port", r.ssh.port},
            {"private_key", r.ssh.private_key},
            {"known_hosts", r.ssh.known_hosts},
            {"bastion", r.ssh.bastion},
            {"connect_timeout_s", r.ssh.connect_timeout_s},
            {"alive_interval_s", r.ssh.alive_interval_s},
            {"alive_count_max", r.ssh.alive_count_max},
            {"user_given", r.ssh.user_given},
            {"port_given", r.ssh.port_given},
            {"timeouts_given", r.ssh.timeouts_given},
            {"proxy_command", r.ssh.proxy_command}}},
          {"provider_data", r.provider_data},
          {"nodes", nodes},
          {"updated_at", r.updated_at}};
}

ClusterRecord cluster_record_from_json(const nlohmann::json& j) {
  try {
    ClusterRecord r;
    r.version = j.value("version", 1);
    r.name = j.at("name").get<std::string>();
    r.provider = j.value("provider", "ssh");
    r.config_file = j.value("config_file", "");
    r.head_host = j.value("head_host", "");
    r.head_address = j.value("head_address", "");
    r.dashboard_url = j.value("dashboard_url", "");
    r.dashboard_port = j.value("dashboard_port", 8265);
    r.dashboard_local_only = j.value("dashboard_local_only", true);
    r.ray_temp_dir = j.value("ray_temp_dir", "");
    if (j.contains("ssh")) {
      const auto& s = j["ssh"];
      r.ssh.user = s.value("user", "");
      r.ssh.port = s.value("port", 22);
      r.ssh.private_key = s.value("private_key", "");
      r.ssh.known_hosts = s.value("known_hosts", "");
      r.ssh.bastion = s.value("bastion", "");
      r.ssh.connect_timeout_s = s.value("connect_timeout_s", 10);
      r.ssh.alive_interval_s = s.value("alive_interval_s", 10);
      r.ssh.alive_count_max = s.value("alive_count_max", 3);
      // Records from before ~/.ssh/config support: what they hold was what rayctl used.
      r.ssh.user_given = s.value("user_given", true);
      r.ssh.port_given = s.value("port_given", true);
      r.ssh.timeouts_given = s.value("timeouts_given", true);
      r.ssh.proxy_command = s.value("proxy_command", "");
    }
    r.provider_data = j.value("provider_data", nlohmann::json::object());
    for (const auto& n : j.value("nodes", nlohmann::json::array())) {
      NodeRecord nr;
      nr.name = n.at("name").get<std::string>();
      nr.host = n.value("host", "");
      nr.is_head = n.value("is_head", false);
      nr.is_local = n.value("is_local", false);
      nr.status = n.value("status", "");
      nr.setup_hash = n.value("setup_hash", "");
      nr.start_hash = n.value("start_hash", "");
      nr.last_error = n.value("last_error", "");
      nr.addresses = n.value("addresses", std::vector<std::string>{});
      nr.updated_at = n.value("updated_at", int64_t(0));
      r.nodes.push_back(nr);
    }
    r.updated_at = j.value("updated_at", int64_t(0));
    return r;
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorKind::Invalid, std::string("malformed cluster state: ") + e.what(),
                "remove the state file; the next `rayctl up` re-applies everything");
  }
}

ClusterStateStore::ClusterStateStore(std::string dir)
    : dir_(dir.empty() ? state_dir() + "/clusters" : std::move(dir)) {}

std::string ClusterStateStore::path_for(const std::string& cluster) const {
  check_cluster_name(cluster);
  return dir_ + "/" + cluster + ".json";
}

std::optional<ClusterRecord> ClusterStateStore::load(const std::string& cluster) const {
  std::string path = path_for(cluster);
  auto text = read_file(path);
  if (!text) return std::nullopt;
  nlohmann::json j = nlohmann::json::parse(*text, nullptr, false);
  if (j.is_discarded())
    throw Error(ErrorKind::Invalid, "cluster state " + path + " is not valid JSON",
                "remove it; the next `rayctl up` re-applies everything");
  return cluster_record_from_json(j);
}

void ClusterStateStore::save(ClusterRecord r) const {
  r.updated_at = unix_now();
  write_file_atomic(path_for(r.name), to_json(r).dump(2) + "\n", 0600);
}

void ClusterStateStore::remove(const std::string& cluster) const {
  std::error_code ec;
  std::filesystem::remove(path_for(cluster), ec);
}

std::vector<std::string> ClusterStateStore::list() const {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir_, ec))
    if (e.path().extension() == ".json") names.push_back(e.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::unique_ptr<FileLock> ClusterStateStore::lock(const std::string& cluster) const {
  try {
    return std::make_unique<FileLock>(path_for(cluster) + ".lock");
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::Conflict) throw;
    throw Error(ErrorKind::Conflict, "cluster '" + cluster + "' is busy: " + e.message(),
                "another `rayctl up` or `rayctl down` is working on it; wait for it to finish", {},
                "cluster " + cluster);
  }
}

}  // namespace rayctl
