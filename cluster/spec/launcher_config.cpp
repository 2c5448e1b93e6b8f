// Loading a Ray cluster-launcher file (`ray up` format) with Ray 2.53's schema and defaults:
// top-level keys are closed (unknown = error), `provider:` is open (rayctl's extension keys live
// there), provider `local` gets Ray's generated node type, per-type min/max workers and the
// merged setup/start commands. Cross-field checks are a later step (cluster_checks.cpp).
#include "cluster/spec/launcher_config.h"

#include "cluster/spec/cluster_diag_ids.h"
#include "core/json_yaml.h"
#include "core/yaml_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>

namespace rayctl {

namespace {

const char* kLocalNodeType = "local.cluster.node";

// Ray 2.53 autoscaler/local/defaults.yaml (the setup lists are empty on purpose upstream).
const std::vector<std::string> kDefaultHeadStart = {
    "ray stop", "ulimit -c unlimited; ray start --head --port=6379 --autoscaling-config=~/ray_bootstrap_config.yaml"};
const std::vector<std::string> kDefaultWorkerStart = {"ray stop", "ray start --address=$RAY_HEAD_IP:6379"};

std::string expand_home(const std::string& p) {
  if (p.rfind("~/", 0) == 0 || p == "~") {
    const char* home = std::getenv("HOME");
    if (home) return std::string(home) + p.substr(1);
  }
  return p;
}

bool is_loopback(const std::string& host) {
  return host == "127.0.0.1" || host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

// Reads `resources:` of a node type: Ray's schema wants integers ≥ 0 (memory in bytes).
std::map<std::string, double> read_resources(YamlMapReader& parent, const std::string& key) {
  std::map<std::string, double> out;
  YamlMapReader r(parent.doc(), parent.node(key), parent.child_path(key), parent.diags());
  if (!r.is_map()) return out;
  r.allow_all();
  for (auto it = parent.node(key).begin(); it != parent.node(key).end(); ++it) {
    if (!it->first.IsScalar()) continue;
    const std::string name = it->first.Scalar();
    if (auto v = r.integer(name, 0)) out[name] = static_cast<double>(*v);
  }
  return out;
}

// Records a field `rayctl up` ignores (launcher_support.h) unless its value changes nothing.
void note_ignored(YamlMapReader& r, const std::string& key, LauncherConfig& c, bool no_effect) {
  YAML::Node n = r.node(key);
  if (!n.IsDefined() || n.IsNull() || no_effect) return;
  if ((n.IsSequence() || n.IsMap()) && n.size() == 0) return;
  if (n.IsScalar() && n.Scalar().empty()) return;
  c.ignored_fields[r.child_path(key)] = r.key_loc(key);
}

std::vector<std::string> commands(YamlMapReader& r, const std::string& key, const std::vector<std::string>& dflt) {
  if (!r.has(key)) {
    r.node(key);
    return dflt;
  }
  return r.str_list(key).value_or(std::vector<std::string>{});
}

void read_auth(YamlMapReader& top, LauncherConfig& c, bool local) {
  YamlMapReader a(top.doc(), top.node("auth"), "auth", top.diags());
  const char* user = std::getenv("USER");
  c.ssh.user = local && user ? user : "ubuntu";
  if (!a.is_map()) return;
  if (auto v = a.str("ssh_user")) {
    c.ssh.user = *v;
    c.ssh.user_given = true;
  }
  if (auto v = a.str("ssh_private_key")) c.ssh.private_key = expand_home(*v);
  if (auto v = a.str("ssh_proxy_command")) c.ssh.proxy_command = *v;
  if (!c.ssh.bastion.empty() && !c.ssh.proxy_command.empty())
    a.diags().error(diag_id::kBadValue, a.value_loc("ssh_proxy_command"),
                    "auth.ssh_proxy_command and provider.bastion both say how to reach the nodes",
                    "keep one: the proxy command, or the bastion (a ProxyJump-like hop)");
  a.str("ssh_public_key");
  note_ignored(a, "ssh_proxy_use_node_id", c, !a.boolean("ssh_proxy_use_node_id").value_or(false));
  note_ignored(a, "ssh_public_key", c, false);
  c.locs["auth.ssh_private_key"] = a.value_loc("ssh_private_key");
  a.report_unknown(Severity::Error);
}

void read_docker(YamlMapReader& top, LauncherConfig& c) {
  YamlMapReader d(top.doc(), top.node("docker"), "docker", top.diags());
  if (!d.is_map()) return;
  c.docker.image = d.str("image").value_or("");
  c.docker.head_image = d.str("head_image").value_or("");
  c.docker.worker_image = d.str("worker_image").value_or("");
  c.docker.container_name = d.str("container_name").value_or(c.docker.enabled() ? "ray_docker" : "");
  c.docker.pull_before_run = d.boolean("pull_before_run").value_or(true);
  c.docker.run_options = d.str_list("run_options").value_or(std::vector<std::string>{});
  c.docker.head_run_options = d.str_list("head_run_options").value_or(std::vector<std::string>{});
  c.docker.worker_run_options = d.str_list("worker_run_options").value_or(std::vector<std::string>{});
  d.boolean("disable_automatic_runtime_detection");
  d.boolean("disable_shm_size_detection");
  d.boolean("use_podman");
  c.locs["docker"] = top.key_loc("docker");
  for (const char* k : {"image", "head_image", "worker_image"})
    if (d.has(k) && !d.node(k).IsNull() && !d.node(k).Scalar().empty()) {
      c.locs["docker.image"] = d.value_loc(k);
      break;
    }
  bool options = false;  // without an image Docker is off (as in Ray); options then do nothing
  const YAML::Node block = top.node("docker");
  for (auto it = block.begin(); it != block.end(); ++it) {
    const YAML::Node v = it->second;
    bool empty = v.IsNull() || (v.IsScalar() && (v.Scalar().empty() || v.Scalar() == "false")) ||
                 ((v.IsSequence() || v.IsMap()) && v.size() == 0);
    options = options || !empty;
  }
  note_ignored(top, "docker", c, c.docker.enabled() || !options);
  d.report_unknown(Severity::Error);
}

// rayctl's extension keys under provider (ray up ignores them; see man rayctl-config(5)).
void read_provider_extensions(YamlMapReader& p, LauncherConfig& c) {
  c.ssh.port = static_cast<int>(p.integer("ssh_port", 1, 65535).value_or(22));
  c.ssh.port_given = p.has("ssh_port");
  c.ssh.bastion = p.str("bastion").value_or("");
  c.locs["provider.bastion"] = p.value_loc("bastion");
  c.ssh.known_hosts = expand_home(p.str("known_hosts_file").value_or(""));
  c.ssh.connect_timeout_s = static_cast<int>(p.integer("connect_timeout_s", 1, 600).value_or(10));
  c.ssh.alive_interval_s = static_cast<int>(p.integer("ssh_alive_interval_s", 0, 3600).value_or(10));
  c.ssh.alive_count_max = static_cast<int>(p.integer("ssh_alive_count_max", 1, 100).value_or(3));
  c.ssh.timeouts_given = p.has("connect_timeout_s") || p.has("ssh_alive_interval_s") || p.has("ssh_alive_count_max");
  LauncherNodeType head;
  head.name = "head";
  head.is_head = true;
  head.loc = p.has("head_resources") ? p.key_loc("head_resources") : p.value_loc("head_ip");
  head.resources = read_resources(p, "head_resources");
  head.hosts = {c.head_ip};
  c.node_types.push_back(head);
  YAML::Node groups = p.node("worker_groups");
  if (!groups.IsDefined() || groups.IsNull()) return;
  c.locs["provider.worker_groups"] = p.key_loc("worker_groups");
  YamlMapReader gr(p.doc(), groups, p.child_path("worker_groups"), p.diags());
  if (!gr.is_map()) return;
  gr.allow_all();
  for (auto it = groups.begin(); it != groups.end(); ++it) {
    if (!it->first.IsScalar()) continue;
    LauncherNodeType t;
    t.name = it->first.Scalar();
    t.loc = p.doc().loc(it->first);
    YamlMapReader g(p.doc(), it->second, gr.child_path(t.name), p.diags());
    if (!g.is_map()) continue;
    t.hosts = g.str_list("hosts", true).value_or(std::vector<std::string>{});
    YAML::Node hosts = g.node("hosts");
    if (hosts.IsSequence())
      for (size_t i = 0; i < hosts.size(); ++i)
        c.locs[fmt::format("provider.worker_groups.{}.hosts[{}]", t.name, i)] = p.doc().loc(hosts[i]);
    t.resources = read_resources(g, "resources");
    g.report_unknown(Severity::Error);
    c.node_types.push_back(t);
  }
}

void read_provider(YamlMapReader& top, LauncherConfig& c) {
  YamlMapReader p(top.doc(), top.node("provider"), "provider", top.diags());
  if (!top.has("provider")) {
    top.diags().error(diag_id::kMissingKey, top.loc(), "missing required key 'provider'",
                      "add 'provider:' with 'type: local', 'head_ip' and 'worker_ips'");
    return;
  }
  if (!p.is_map()) return;
  c.locs["provider"] = top.key_loc("provider");
  c.provider_type = p.str("type", true).value_or("");
  c.locs["provider.type"] = p.value_loc("type");
  if (c.provider_type != "local") {
    p.allow_all();
    return;
  }
  c.head_ip = p.str("head_ip").value_or("");
  c.locs["provider.head_ip"] = p.value_loc("head_ip");
  c.worker_ips = p.str_list("worker_ips").value_or(std::vector<std::string>{});
  YAML::Node ips = p.node("worker_ips");
  if (ips.IsSequence())
    for (size_t i = 0; i < ips.size(); ++i) c.locs[fmt::format("provider.worker_ips[{}]", i)] = p.doc().loc(ips[i]);
  bool coordinator = p.has("coordinator_address");
  p.str("coordinator_address");
  note_ignored(p, "coordinator_address", c, false);
  if (!coordinator && (!p.has("head_ip") || !p.has("worker_ips")))
    top.diags().error(
        diag_id::kMissingKey, p.loc(),
        fmt::format("provider 'local' needs 'head_ip' and 'worker_ips'{}",
                    p.has("head_ip") ? " (worker_ips is missing)" : " (head_ip is missing)"),
        "list the machines: head_ip: 10.0.0.1 and worker_ips: [10.0.0.2, ...] ([] for a head-only cluster)");
  p.str("external_head_ip");
  note_ignored(p, "external_head_ip", c, false);
  note_ignored(p, "use_internal_ips", c, !p.boolean("use_internal_ips").value_or(false));
  read_provider_extensions(p, c);
  p.report_unknown(Severity::Warning, "Ray ignores unknown provider keys; check the spelling");
}

void read_node_types(YamlMapReader& top, LauncherConfig& c) {
  YAML::Node types = top.node("available_node_types");
  if (!types.IsDefined() || types.IsNull()) return;
  c.locs["available_node_types"] = top.key_loc("available_node_types");
  YamlMapReader all(top.doc(), types, "available_node_types", top.diags());
  if (!all.is_map()) return;
  all.allow_all();
  for (auto it = types.begin(); it != types.end(); ++it) {
    if (!it->first.IsScalar()) continue;
    LauncherNodeType t;
    t.name = it->first.Scalar();
    t.loc = top.doc().loc(it->first);
    YamlMapReader r(top.doc(), it->second, all.child_path(t.name), top.diags());
    if (!r.is_map()) continue;
    r.node("node_config");
    if (!r.has("node_config") && c.provider_type != "local")
      top.diags().error(diag_id::kMissingKey, r.loc(),
                        fmt::format("missing required key 'node_config' in {}", r.path()),
                        "add 'node_config: {}' (provider-specific instance settings)");
    if (!r.has("resources"))
      top.diags().error(diag_id::kMissingKey, r.loc(), fmt::format("missing required key 'resources' in {}", r.path()),
                        "add 'resources: {CPU: 8}' (or {} to let Ray detect them)");
    t.resources = read_resources(r, "resources");
    auto mn = r.integer("min_workers", 0);
    auto mx = r.integer("max_workers", 0);
    t.min_workers = static_cast<int>(mn.value_or(0));
    t.max_workers = mx ? static_cast<int>(*mx) : -1;  // filled after the head type is known
    c.locs["available_node_types." + t.name + ".min_workers"] = mn ? r.value_loc("min_workers") : t.loc;
    c.locs["available_node_types." + t.name + ".max_workers"] = mx ? r.value_loc("max_workers") : t.loc;
    r.number("idle_timeout_s", 0);
    r.integer("priority", 0);  // Ray 2.60: the autoscaler's order among types; rayctl starts every listed worker
    r.allow({"labels", "docker"});
    r.str_list("initialization_commands");
    r.str_list("worker_setup_commands");
    r.report_unknown(Severity::Error);
    c.node_types.push_back(t);
  }
}

void read_top_level(YamlMapReader& r, LauncherConfig& c) {
  c.cluster_name = r.str("cluster_name").value_or("default");
  c.locs["cluster_name"] = r.value_loc("cluster_name");
  c.head_node_type = r.str("head_node_type").value_or("");
  c.locs["head_node_type"] = r.value_loc("head_node_type");
  note_ignored(r, "upscaling_speed", c, r.number("upscaling_speed", 0).value_or(1) == 1);
  note_ignored(r, "idle_timeout_minutes", c, r.number("idle_timeout_minutes", 0).value_or(5) == 5);
  if (auto fm = r.node("file_mounts"); fm.IsMap()) {
    YamlMapReader m(r.doc(), fm, "file_mounts", r.diags());
    m.allow_all();
    for (auto it = fm.begin(); it != fm.end(); ++it)
      if (it->first.IsScalar())
        if (auto v = m.str(it->first.Scalar())) c.file_mounts[it->first.Scalar()] = expand_home(*v);
  } else if (fm.IsDefined() && !fm.IsNull()) {
    r.diags().error(diag_id::kWrongType, r.value_loc("file_mounts"),
                    "'file_mounts' must be a mapping of remote path: local path",
                    "write '/remote/dir: ./local/dir' lines under file_mounts");
  }
  for (const auto& p : r.str_list("cluster_synced_files").value_or(std::vector<std::string>{}))
    c.cluster_synced_files.push_back(expand_home(p));
  note_ignored(r, "file_mounts_sync_continuously", c,
               !r.boolean("file_mounts_sync_continuously").value_or(false) || c.file_mounts.empty());
  c.rsync_exclude = r.str_list("rsync_exclude").value_or(std::vector<std::string>{});
  c.rsync_filter = r.str_list("rsync_filter").value_or(std::vector<std::string>{});
  r.allow({"metadata"});
  note_ignored(r, "no_restart", c, !r.boolean("no_restart").value_or(false));
  for (const char* removed :
       {"initial_workers", "autoscaling_mode", "target_utilization_fraction", "worker_default_node_type"})
    if (r.has(removed)) {
      r.node(removed);
      r.diags().error(
          diag_id::kUnknownKey, r.key_loc(removed),
          fmt::format("'{}' was removed from Ray's launcher schema; `ray up` rejects it", removed),
          "remove it (node types and the autoscaler replace it: available_node_types, min_workers, max_workers)");
    }
}

std::string override_prefix(const std::map<std::string, double>& resources) {
  if (resources.empty()) return {};
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [k, v] : resources)
    j[k] =
        v == static_cast<double>(static_cast<int64_t>(v)) ? nlohmann::json(static_cast<int64_t>(v)) : nlohmann::json(v);
  return fmt::format("export RAY_OVERRIDE_RESOURCES='{}'; ",
                     j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace

bool looks_like_launcher_config(const YAML::Node& root) {
  if (!root.IsMap() || root["kind"].IsDefined() || root["applications"].IsDefined()) return false;
  return root["provider"].IsDefined() || root["cluster_name"].IsDefined() || root["available_node_types"].IsDefined() ||
         root["head_node_type"].IsDefined();
}

// Ray's defaults: per-type min/max workers (head type max 0), local's generated node type,
// merged setup commands, and the node list with the commands each node runs.
static void apply_defaults(YamlMapReader& r, LauncherConfig& c) {
  bool local = c.provider_type == "local";
  auto global_max = r.integer("max_workers", 0);
  c.locs["max_workers"] = global_max ? r.value_loc("max_workers") : r.loc();
  std::optional<int64_t> local_min;
  if (local) {
    local_min = r.integer("min_workers", 0);
    c.locs["min_workers"] = r.value_loc("min_workers");
  } else if (r.has("min_workers")) {
    r.deprecated("min_workers", "available_node_types.<type>.min_workers");
  }
  c.max_workers = static_cast<int>(global_max.value_or(local ? static_cast<int64_t>(c.worker_ips.size()) : 2));
  if (local) {
    c.head_node_type = kLocalNodeType;
    int n = static_cast<int>(c.worker_ips.size());
    int capped_max = std::min(c.max_workers, n);
    int min = static_cast<int>(std::min<int64_t>(local_min.value_or(n), capped_max));
    if (global_max && *global_max != n)
      r.diags().warning(
          diag_id::kWorkersCapped, c.locs["max_workers"],
          *global_max > n
              ? fmt::format("max_workers {} is above the {} worker_ips; Ray caps it at {}", *global_max, n, n)
              : fmt::format("max_workers {} is below the {} worker_ips; only {} workers will join", *global_max, n,
                            *global_max),
          "for provider local, leave max_workers out: it defaults to the number of worker_ips");
    if (local_min && *local_min < capped_max)  // Ray keeps only min_workers when idle; rayctl starts all
      c.ignored_fields["min_workers"] = r.key_loc("min_workers");
    if (local_min && *local_min > capped_max)
      r.diags().warning(diag_id::kWorkersCapped, c.locs["min_workers"],
                        fmt::format("min_workers {} is above the {} usable workers; Ray caps it at {}", *local_min,
                                    capped_max, capped_max),
                        "lower min_workers or add worker_ips");
    c.max_workers = capped_max;
    // Workers not in a rayctl worker group form Ray's own `local.cluster.node` type.
    std::vector<std::string> grouped;
    for (const auto& t : c.node_types) grouped.insert(grouped.end(), t.hosts.begin(), t.hosts.end());
    LauncherNodeType rest;
    rest.name = kLocalNodeType;
    rest.loc = c.locs.count("provider.worker_ips[0]") ? c.locs["provider.worker_ips[0]"] : c.locs["provider"];
    for (const auto& ip : c.worker_ips)
      if (std::find(grouped.begin(), grouped.end(), ip) == grouped.end()) rest.hosts.push_back(ip);
    if (!rest.hosts.empty()) c.node_types.push_back(rest);
    for (auto& t : c.node_types) {
      if (t.is_head) continue;
      t.max_workers = static_cast<int>(t.hosts.size());
      t.min_workers = std::min(t.max_workers, min);
    }
  } else {
    for (auto& t : c.node_types) {
      t.is_head = t.name == c.head_node_type;
      if (t.max_workers < 0) t.max_workers = t.is_head ? 0 : c.max_workers;
    }
    std::stable_partition(c.node_types.begin(), c.node_types.end(),
                          [](const LauncherNodeType& t) { return t.is_head; });
  }
}

static void build_nodes(LauncherConfig& c, const std::vector<std::string>& init,
                        const std::vector<std::string>& head_setup, const std::vector<std::string>& worker_setup,
                        const std::vector<std::string>& head_start, const std::vector<std::string>& worker_start) {
  if (c.provider_type != "local" || c.head_ip.empty()) return;
  auto type_of = [&](const std::string& ip) -> const LauncherNodeType* {
    for (const auto& t : c.node_types)
      if (!t.is_head && std::find(t.hosts.begin(), t.hosts.end(), ip) != t.hosts.end()) return &t;
    return nullptr;
  };
  LauncherNode head;
  head.name = "head";
  head.host = c.head_ip;
  head.node_type = kLocalNodeType;
  head.is_head = true;
  head.is_local = is_loopback(c.head_ip);
  head.initialization_commands = init;
  head.setup_commands = head_setup;
  std::string prefix = c.node_types.empty() ? "" : override_prefix(c.node_types.front().resources);
  for (const auto& cmd : head_start) head.start_ray_commands.push_back(prefix + cmd);
  head.loc = c.locs["provider.head_ip"];
  c.nodes.push_back(head);
  int limit = c.max_workers;
  for (size_t i = 0; i < c.worker_ips.size() && static_cast<int>(i) < limit; ++i) {
    LauncherNode w;
    w.name = fmt::format("worker-{}", i + 1);
    w.host = c.worker_ips[i];
    const LauncherNodeType* t = type_of(w.host);
    w.node_type = t ? t->name : kLocalNodeType;
    w.is_local = is_loopback(w.host);
    w.initialization_commands = init;
    w.setup_commands = worker_setup;
    std::string p = t ? override_prefix(t->resources) : "";
    for (const auto& cmd : worker_start) w.start_ray_commands.push_back(p + cmd);
    w.loc = c.locs[fmt::format("provider.worker_ips[{}]", i)];
    c.nodes.push_back(w);
  }
}

static NodeShape shape_of(const LauncherNodeType& t) {
  NodeShape s;
  s.name = t.name;
  s.is_head = t.is_head;
  s.loc = t.loc;
  s.min_count = t.is_head ? 1 : t.min_workers;
  s.max_count = t.is_head ? 1 : t.max_workers;
  if (t.resources.empty()) return s;  // Ray detects the machine's resources at start
  for (const auto& [k, v] : t.resources) {
    if (k == "CPU")
      s.cpus = v;
    else if (k == "GPU")
      s.gpus = v;
    else if (k == "memory")
      s.memory_bytes = v;
    else
      s.custom[k] = v;
  }
  if (!s.gpus) s.gpus = 0;  // declared resources without GPU: Ray is told exactly these
  return s;
}

std::optional<LauncherConfig> load_launcher_config(const YamlDocument& doc, Diagnostics& diags) {
  YamlMapReader r(doc, doc.root, "", diags);
  if (!r.is_map()) return std::nullopt;
  LauncherConfig c;
  c.file = doc.file;
  read_top_level(r, c);
  read_provider(r, c);
  bool local = c.provider_type == "local";
  read_auth(r, c, local);
  read_docker(r, c);
  for (const char* legacy : {"head_node", "worker_nodes"}) {
    if (!r.has(legacy)) continue;
    YAML::Node n = r.node(legacy);
    c.locs[legacy] = r.key_loc(legacy);
    if (!local && (n.IsNull() || (n.IsMap() && n.size() == 0)))
      diags.warning(diag_id::kDeprecated, r.key_loc(legacy),
                    fmt::format("'{}' is a legacy field; Ray drops it when empty", legacy),
                    "remove it; use head_node_type and available_node_types");
    else if (!local)
      diags.error(diag_id::kUnknownKey, r.key_loc(legacy),
                  fmt::format("'{}' is no longer supported by Ray (≥ 2.0)", legacy),
                  "describe machines with head_node_type and available_node_types");
  }
  if (local && r.has("available_node_types")) {
    r.node("available_node_types");
    c.locs["available_node_types"] = r.key_loc("available_node_types");
  } else {
    read_node_types(r, c);
  }
  auto init = commands(r, "initialization_commands", {});
  auto setup = commands(r, "setup_commands", {});
  auto head_setup = commands(r, "head_setup_commands", {});
  auto worker_setup = commands(r, "worker_setup_commands", {});
  auto head_start = commands(r, "head_start_ray_commands", kDefaultHeadStart);
  auto worker_start = commands(r, "worker_start_ray_commands", kDefaultWorkerStart);
  c.locs["head_start_ray_commands"] = r.has("head_start_ray_commands") ? r.key_loc("head_start_ray_commands") : r.loc();
  head_setup.insert(head_setup.begin(), setup.begin(), setup.end());
  worker_setup.insert(worker_setup.begin(), setup.begin(), setup.end());
  apply_defaults(r, c);
  r.report_unknown(Severity::Error);
  build_nodes(c, init, head_setup, worker_setup, head_start, worker_start);
  c.resources.source = doc.file;
  for (const auto& t : c.node_types) c.resources.shapes.push_back(shape_of(t));
  c.head_start_ray_commands = std::move(head_start);
  return c;
}

}  // namespace rayctl
