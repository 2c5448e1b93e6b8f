// LauncherConfig: a Ray cluster-launcher YAML file (`ray up` format) after loading,
// validation and Ray's defaults — the plain struct `rayctl up/down/exec` plan from.
// Loading keeps positions (for diagnostics); this struct is what the rest of rayctl sees.
// rayctl-only settings live under `provider:` (Ray allows extra keys there, so the same file
// still works with `ray up`); they are documented in man/rayctl-config.5.
#pragma once

#include "cluster/spec/cluster_resources.h"
#include "core/diagnostics.h"
#include "core/yaml_source.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rayctl {

struct SshSettings {
  std::string user;            // auth.ssh_user (Ray's schema default "ubuntu"; local: $USER)
  std::string private_key;     // auth.ssh_private_key, ~ expanded; "" = agent / default keys
  int port = 22;               // provider.ssh_port (rayctl extension)
  std::string proxy_command;   // auth.ssh_proxy_command (Ray): OpenSSH ProxyCommand (%h %p %r %n)
  std::string bastion;         // provider.bastion "user@host:port" (rayctl extension)
  std::string known_hosts;     // provider.known_hosts_file (rayctl extension); "" = ~/.ssh/known_hosts
  int connect_timeout_s = 10;  // provider.connect_timeout_s (rayctl extension)
  int alive_interval_s = 10;   // provider.ssh_alive_interval_s (rayctl extension; 0 = no keepalives)
  int alive_count_max = 3;     // provider.ssh_alive_count_max: unanswered intervals before a node is dead
  // Written in the file (else ~/.ssh/config may set them; the values above are the defaults).
  bool user_given = false, port_given = false, timeouts_given = false;
};

// One machine of an on-prem cluster, with what rayctl will run there.
struct LauncherNode {
  std::string name;       // "head", "worker-1", ... or the node type name + index; unique
  std::string host;       // IP or host name from head_ip / worker_ips
  std::string node_type;  // key of available_node_types (local: "local.cluster.node")
  bool is_head = false;
  bool is_local = false;  // 127.0.0.1 / localhost / ::1: run without SSH
  std::vector<std::string> initialization_commands;
  std::vector<std::string> setup_commands;  // common + head/worker setup, merged as Ray does
  // head_start_ray_commands / worker_start_ray_commands. Worker commands keep Ray's
  // `$RAY_HEAD_IP`: executors export RAY_HEAD_IP=<head host> first, as Ray does. When the node's
  // type declares resources (available_node_types or rayctl's provider.worker_groups), each
  // command is prefixed with `export RAY_OVERRIDE_RESOURCES='<json>';` (Ray's own mechanism).
  std::vector<std::string> start_ray_commands;
  SourceLoc loc;  // where the node's host is written
};

// The `docker:` section (Ray's schema); empty image = Docker off.
struct LauncherDocker {
  std::string image, head_image, worker_image, container_name;
  bool pull_before_run = true;
  std::vector<std::string> run_options, head_run_options, worker_run_options;
  bool enabled() const { return !image.empty() || !head_image.empty() || !worker_image.empty(); }
};

// One entry of available_node_types (or, for provider local, the head / a rayctl worker group),
// with Ray's per-type defaults applied. `resources` empty = auto-detected by Ray at start.
struct LauncherNodeType {
  std::string name;
  bool is_head = false;
  int min_workers = 0, max_workers = 0;
  std::map<std::string, double> resources;  // as written: CPU, GPU, memory (bytes), custom
  std::vector<std::string> hosts;           // provider local: the IPs of this group
  SourceLoc loc;
};

struct LauncherConfig {
  std::string file;
  std::string cluster_name = "default";
  std::string provider_type = "local";
  std::string head_ip;
  std::vector<std::string> worker_ips;
  int max_workers = 0;
  SshSettings ssh;
  std::map<std::string, std::string> file_mounts;  // remote path → local path (as written, ~ expanded)
  std::vector<std::string> rsync_exclude;          // rsync --exclude patterns for file_mounts directories
  std::vector<std::string> rsync_filter;           // per-directory exclude files (".gitignore"), rsync dir-merge
  std::vector<std::string> cluster_synced_files;   // ~ expanded; copied from this machine to every node
  std::vector<LauncherNode> nodes;                 // head first, then workers in file order
  ClusterResources resources;                      // node types as shapes (for Serve placement checks)
  std::string source_text;                         // the file's bytes (hashing, render)
  // Extensions of the contract (render, checks):
  std::string head_node_type;
  std::vector<LauncherNodeType> node_types;          // head type first
  std::vector<std::string> head_start_ray_commands;  // as written, or Ray's default list when absent
  LauncherDocker docker;
  // Where fields are written, by dotted path ("provider.head_ip", "available_node_types.gpu"),
  // for checks that point at a field after loading.
  std::map<std::string, SourceLoc> locs;
  // Fields Ray acts on that `rayctl up` reads and ignores (launcher_support.h), by dotted path →
  // their key, when written with a value that would change what Ray does (not [], false, or
  // Ray's default).
  std::map<std::string, SourceLoc> ignored_fields;
};

// Loads a launcher file with Ray's defaults; diagnostics get every problem of its fields with
// its position. The checks across fields are a separate step (check_launcher_config in
// cluster_checks.h; load_launcher_spec in spec_files.h runs both).
// Returns nullopt only when the file cannot be interpreted at all (not a mapping, not YAML).
std::optional<LauncherConfig> load_launcher_config(const YamlDocument& doc, Diagnostics& diags);

// True when a YAML document looks like a launcher file (has cluster_name/provider, no kind).
bool looks_like_launcher_config(const YAML::Node& root);

}  // namespace rayctl
