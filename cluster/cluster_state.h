// ClusterRecord: what rayctl knows about one cluster it brought up — one JSON file per cluster
// under state_dir()/clusters/<name>.json (atomic writes, mode 0600), with a sibling .lock file
// that `up`/`down` hold (flock) so two operations on one cluster cannot interleave.
// The record names the provider ("ssh" or "local"; KubeRay clusters have no record, the API
// server holds them), the nodes with the hashes of what was applied to each, the head address
// and the dashboard URL.
// It holds no secrets: key files are recorded by path only.
#pragma once

#include "cluster/spec/launcher_config.h"
#include "core/state_store.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rayctl {

// One node as last applied.
struct NodeRecord {
  std::string name;
  std::string host;
  bool is_head = false;
  bool is_local = false;
  std::string status;      // "up-to-date", "failed", "stopped"
  std::string setup_hash;  // init + setup commands + file_mounts contents
  std::string start_hash;  // effective start commands + head address
  std::string last_error;
  // The node's own IP addresses, as it reported them over SSH when `up` last set it up; how a
  // node configured by host name is found in the dashboard's list (Ray reports IPs).
  std::vector<std::string> addresses;
  int64_t updated_at = 0;  // unix seconds
};

// How the nodes were reached (paths only, never key contents).
struct ClusterRecord {
  int version = 1;
  std::string name;
  std::string provider = "ssh";  // "ssh" | "local" | "kubernetes"
  std::string config_file;       // absolute path of the file `up` used
  std::string head_host;
  std::string head_address;   // "host:gcs_port"
  std::string dashboard_url;  // as bound on the head, e.g. "http://127.0.0.1:8265"
  int dashboard_port = 8265;
  bool dashboard_local_only = true;  // bound to 127.0.0.1 on the head: reach it through SSH
  std::string ray_temp_dir;          // --temp-dir of the head, "" = Ray's default
  SshSettings ssh;                   // as `up` used them, so later commands reach the nodes without the file
  nlohmann::json provider_data = nlohmann::json::object();  // read and written back as is; nothing sets it today
  std::vector<NodeRecord> nodes;
  int64_t updated_at = 0;

  NodeRecord* find(const std::string& node_name);
  const NodeRecord* find(const std::string& node_name) const;
};

nlohmann::json to_json(const ClusterRecord& r);
ClusterRecord cluster_record_from_json(const nlohmann::json& j);  // throws Error(Invalid)

// Reads and writes ClusterRecords under a state directory (state_dir() by default).
class ClusterStateStore {
 public:
  explicit ClusterStateStore(std::string dir = {});
  std::string path_for(const std::string& cluster) const;
  std::optional<ClusterRecord> load(const std::string& cluster) const;
  void save(ClusterRecord r) const;  // stamps updated_at
  void remove(const std::string& cluster) const;
  std::vector<std::string> list() const;  // cluster names, sorted
  // Takes the cluster's lock; throws Error(Conflict) naming the holder when another rayctl has it.
  std::unique_ptr<FileLock> lock(const std::string& cluster) const;

 private:
  std::string dir_;
};

// Cluster names become file names: letters, digits, '-', '_', '.' only.
void check_cluster_name(const std::string& name);
int64_t unix_now();

}  // namespace rayctl
