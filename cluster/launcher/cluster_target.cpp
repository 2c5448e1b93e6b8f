// Resolving FILE|NAME into a cluster and reaching its nodes (see cluster_target.h).
#include "cluster/launcher/cluster_target.h"

#include "cluster/spec/spec_files.h"

#include "cluster/nodes/local_executor.h"
#include "core/diagnostics.h"
#include "core/error.h"
#include "core/suggest.h"
#include "core/yaml_source.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

namespace rayctl {

const LauncherNode& ClusterTarget::head() const {
  if (nodes.empty()) throw Error(ErrorKind::Invalid, "cluster " + name + " has no nodes");
  return nodes.front();
}

const LauncherNode& ClusterTarget::node(const std::string& n) const {
  std::vector<std::string> names;
  for (const auto& x : nodes) {
    if (x.name == n || x.host == n) return x;
    names.push_back(x.name);
  }
  std::string list;
  for (const auto& x : names) list += (list.empty() ? "" : ", ") + x;
  std::string near = closest_match(n, names);
  throw Error(ErrorKind::NotFound, "cluster " + name + " has no node '" + n + "'",
              (near.empty() ? "" : "did you mean '" + near + "'? ") + "nodes: " + list);
}

std::string provider_kind(const std::vector<LauncherNode>& nodes) {
  for (const auto& n : nodes)
    if (!n.is_local) return "ssh";
  return "local";
}

namespace {

// The nodes as recorded: who and where, without commands (those are in the file, if it exists).
std::vector<LauncherNode> nodes_from_record(const ClusterRecord& r) {
  std::vector<LauncherNode> out;
  for (const auto& n : r.nodes)
    out.push_back({.name = n.name, .host = n.host, .is_head = n.is_head, .is_local = n.is_local});
  return out;
}

}  // namespace

ClusterTarget resolve_cluster_target(const std::string& arg, IOStreams& io, const ClusterStateStore& store) {
  ClusterTarget t;
  std::error_code ec;
  if (std::filesystem::is_regular_file(arg, ec)) {
    t.config = load_launcher_spec(arg, io);
    t.name = t.config->cluster_name;
    t.nodes = t.config->nodes;
    t.ssh = t.config->ssh;
    t.provider = provider_kind(t.nodes);
    t.record = store.load(t.name);
    return t;
  }
  auto rec = store.load(arg);
  if (!rec) {
    auto names = store.list();
    std::string near = closest_match(arg, names);
    std::string hint = near.empty() ? "" : "did you mean '" + near + "'? ";
    hint +=
        names.empty() ? "no cluster is recorded yet; bring one up with `rayctl up FILE`" : "recorded clusters: " + [&] {
          std::string s;
          for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
          return s;
        }();
    throw Error(ErrorKind::NotFound, "'" + arg + "' is neither a file nor a cluster rayctl knows", hint);
  }
  t.name = rec->name;
  t.provider = rec->provider;
  if (!rec->config_file.empty() && std::filesystem::is_regular_file(rec->config_file, ec)) {
    try {
      t.config = load_launcher_spec(rec->config_file, io);
    } catch (const Error&) {
      say_warning(io, "the cluster's file " + rec->config_file + " no longer loads; using the recorded nodes");
    }
  }
  if (t.config && t.config->cluster_name == t.name) {
    t.nodes = t.config->nodes;
    t.ssh = t.config->ssh;
  } else {
    t.config.reset();
    t.nodes = nodes_from_record(*rec);
    t.ssh = rec->ssh;
  }
  t.record = std::move(rec);
  return t;
}

SshTarget ssh_target_for(const SshSettings& ssh, const LauncherNode& node, const ConnectOptions& opt) {
  SshTarget t;
  t.node = node.name;
  t.host = node.host;
  t.port = ssh.port;
  t.user = ssh.user;
  if (t.user.empty()) {
    const char* u = std::getenv("USER");
    t.user = u ? u : "root";
  }
  t.private_key = ssh.private_key;
  t.known_hosts = ssh.known_hosts;
  t.accept_new_host_keys = opt.accept_new_host_keys;
  if (!ssh.bastion.empty()) t.bastion = parse_ssh_jump(ssh.bastion, t.user);
  t.connect_timeout = std::chrono::seconds(std::max(1, ssh.connect_timeout_s));
  t.alive_interval_s = ssh.alive_interval_s;
  t.alive_count_max = ssh.alive_count_max;
  t.connect_attempts = opt.connect_attempts;
  t.proxy_command = ssh.proxy_command;
  if (auto path = OpenSshConfig::default_path()) apply_openssh_config(t, ssh, OpenSshConfig::load(*path));
  return t;
}

void apply_openssh_config(SshTarget& t, const SshSettings& ssh, const OpenSshConfig& cfg) {
  const char* u = std::getenv("USER");
  OpenSshHostConfig hc = cfg.resolve(t.host, u ? u : "", t.user);
  if (hc.hostname && *hc.hostname != t.host) {
    t.alias = t.host;
    t.host = *hc.hostname;
  }
  if (hc.user && !ssh.user_given) t.user = *hc.user;
  if (hc.port && !ssh.port_given) t.port = *hc.port;
  if (hc.identity_file && ssh.private_key.empty()) t.private_key = *hc.identity_file;
  if (hc.user_known_hosts_file && ssh.known_hosts.empty()) t.known_hosts = *hc.user_known_hosts_file;
  if (!ssh.timeouts_given) {
    if (hc.connect_timeout) t.connect_timeout = std::chrono::seconds(*hc.connect_timeout);
    if (hc.server_alive_interval) t.alive_interval_s = *hc.server_alive_interval;
    if (hc.server_alive_count_max) t.alive_count_max = *hc.server_alive_count_max;
  }
  // How to reach the host: the cluster file's bastion / proxy command, else the config's
  // ProxyCommand or ProxyJump (its first hop).
  if (ssh.bastion.empty() && ssh.proxy_command.empty()) {
    if (hc.proxy_command && *hc.proxy_command != "none") {
      t.proxy_command = *hc.proxy_command;
    } else if (hc.proxy_jump && *hc.proxy_jump != "none") {
      std::string first = hc.proxy_jump->substr(0, hc.proxy_jump->find(','));
      t.bastion = parse_ssh_jump(first, t.user);
    }
  }
  // accept-new records unknown keys; `no` / `off` never turn checking off in rayctl: they are
  // taken as accept-new (a changed key is still refused).
  if (hc.strict_host_key_checking) {
    const std::string& v = *hc.strict_host_key_checking;
    if (v == "accept-new" || v == "no" || v == "off") t.accept_new_host_keys = true;
  }
}

std::unique_ptr<RemoteRunner> NodeRunnerFactory::make(const LauncherNode& node) {
  if (node.is_local) return std::make_unique<LocalRunner>(node.name);
  return std::make_unique<SshRunner>(ssh_target_for(ssh_, node, opt_), pool_);
}

}  // namespace rayctl
