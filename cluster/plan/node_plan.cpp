// Planning of `rayctl up` per node (see node_plan.h). No I/O here.
#include "cluster/plan/node_plan.h"

#include "core/content_digest.h"
#include "core/process.h"

#include <regex>
#include <sstream>

namespace rayctl {
namespace {

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += x + "\n";
  return s;
}

// Strips leading "export K=V;" segments (Ray's RAY_OVERRIDE_RESOURCES prefix) for matching.
std::string without_exports(const std::string& cmd) {
  static const std::regex exports(R"(^\s*(export\s+[A-Za-z_][A-Za-z0-9_]*=('[^']*'|"[^"]*"|[^;\s]*)\s*;\s*)*)");
  return std::regex_replace(cmd, exports, "", std::regex_constants::format_first_only);
}

bool starts_ray(const std::string& cmd) {
  static const std::regex start(R"((^|[\s;&|(/])ray\s+start(\s|$))");
  return std::regex_search(cmd, start);
}

int int_flag(const std::string& cmd, const std::string& flag, int fallback) {
  std::regex re("--" + flag + R"((=|\s+)(\d+))");
  std::smatch m;
  return std::regex_search(cmd, m, re) ? std::stoi(m[2].str()) : fallback;
}

std::string str_flag(const std::string& cmd, const std::string& flag, const std::string& fallback) {
  std::regex re("--" + flag + R"((=|\s+)([^\s;&|]+))");
  std::smatch m;
  return std::regex_search(cmd, m, re) ? m[2].str() : fallback;
}

std::string mounts_hash(const std::vector<MountDigest>& mounts) {
  Sha256 h;
  for (const auto& m : mounts) h.update(m.remote + "\0" + m.hash + "\n");
  return h.hex_digest();
}

}  // namespace

const char* node_action_name(NodeAction a) {
  switch (a) {
    case NodeAction::Verify: return "verify";
    case NodeAction::Start: return "start";
    case NodeAction::Setup: return "setup";
    case NodeAction::SetupAndStart: return "setup+start";
  }
  return "?";
}

bool is_ray_stop_command(const std::string& command) {
  static const std::regex stop(
      R"(^\s*(\S*/)?ray\s+stop(\s+(-f|--force|-v|--verbose|-g\s*\d+|--grace-period[= ]\d+))*\s*$)");
  return std::regex_match(without_exports(command), stop);
}

// Where rayctl kept session ids before; `down` still reads it, if it passes the checks below.
static std::string legacy_session_dir(const std::string& cluster) { return shell_quote("/tmp/rayctl-" + cluster); }

// Shell function: rayctl_owned PATH is true when PATH exists, is not a symlink, belongs to this
// user and is writable by no one else. Another user can plant a directory, a symlink or ids
// in a shared place like /tmp; none of them passes.
static const char* const kOwnedCheck =
    "rayctl_owned() { [ -e \"$1\" ] && [ ! -L \"$1\" ] && [ \"$(stat -c %u -- \"$1\")\" = \"$(id -u)\" ] && "
    "case \"$(stat -c %a -- \"$1\")\" in *[2367]? | *[2367]) return 1;; esac; }; ";

// Per machine (/tmp, like Ray's own /tmp/ray) and per user; not under $HOME, which is often
// shared between nodes (NFS) while session ids are not. RAYCTL_NODE_RUN_DIR on the node moves
// it. Shell text: expands on the node.
std::string node_session_dir(const std::string& cluster) {
  return "\"${RAYCTL_NODE_RUN_DIR:-/tmp/rayctl-$(id -u)}\"/" + shell_quote(cluster);
}

// Shell that creates the session dir 0700 (or finds it so) and exits 3 unless it, its parent
// and any ray.sid in it are this user's alone; see kOwnedCheck.
static std::string session_dir_setup(const std::string& cluster) {
  return std::string(kOwnedCheck) + "rayctl_d=" + node_session_dir(cluster) +
         "; (umask 077 && mkdir -p -- \"$rayctl_d\") 2>/dev/null; "
         "{ rayctl_owned \"$rayctl_d\" && [ -d \"$rayctl_d\" ] && [ \"$(stat -c %a -- \"$rayctl_d\")\" = 700 ] && "
         "rayctl_owned \"$(dirname -- \"$rayctl_d\")\" && "
         "{ { [ ! -e \"$rayctl_d/ray.sid\" ] && [ ! -L \"$rayctl_d/ray.sid\" ]; } || rayctl_owned "
         "\"$rayctl_d/ray.sid\"; "
         "}; } || { echo \"rayctl: refusing $rayctl_d: it and its parent must be directories (not symlinks) owned "
         "by $(id -un) and writable by no one else (the session dir mode 0700); remove them and re-run\" >&2; "
         "exit 3; }; ";
}

std::string scoped_stop_script(const std::string& cluster) {
  // Only processes in the sessions rayctl recorded are signalled: never by name, and only ids
  // from files no one else could have written.
  return std::string(kOwnedCheck) +
         "rayctl_sid() { [ -e \"$1/ray.sid\" ] || [ -L \"$1/ray.sid\" ] || return 1; "
         "if rayctl_owned \"$1\" && rayctl_owned \"$1/ray.sid\"; then echo \"$1/ray.sid\"; else "
         "echo \"rayctl: ignoring $1/ray.sid: not this user's alone (or a symlink)\" >&2; return 1; fi; }; "
         "f=$(rayctl_sid " +
         node_session_dir(cluster) +
         ") || f=/dev/null; "
         "g=$(rayctl_sid " +
         legacy_session_dir(cluster) +
         ") || g=/dev/null; "
         "ids() { cat -- \"$f\" \"$g\" 2>/dev/null; }; "
         "alive() { n=0; for s in $(ids); do "
         "n=$((n + $(ps -o stat= -s \"$s\" 2>/dev/null | grep -vc '^Z'))); done; echo $n; }; "
         "stopped=$(alive); "
         "if [ -n \"$(ids)\" ]; then for s in $(ids); do [ \"$s\" -gt 1 ] 2>/dev/null && pkill -TERM -s \"$s\"; "
         "done; "
         "i=0; while [ \"$(alive)\" -gt 0 ] && [ $i -lt 75 ]; do sleep 0.2; i=$((i+1)); done; "
         "for s in $(ids); do [ \"$s\" -gt 1 ] 2>/dev/null && pkill -KILL -s \"$s\"; done; sleep 0.2; fi; "
         "left=$(alive); [ \"$left\" = 0 ] && for x in \"$f\" \"$g\"; do [ \"$x\" = /dev/null ] || rm -f -- \"$x\"; "
         "done; "
         // Zombies are not counted: a just-stopped gcs_server can linger unreaped for a moment.
         "other=$(ps -eo stat=,args= | grep -v '^Z' | grep -E '[r]aylet/raylet|[g]cs_server' | wc -l); "
         "echo \"rayctl-stop: stopped=$stopped left=$left other_ray=$other\"; [ \"$left\" = 0 ]";
}

std::vector<std::string> effective_start_commands(const LauncherNode& node, const std::string& cluster,
                                                  std::vector<std::string>* notes) {
  std::vector<std::string> out;
  static const std::regex autoscaling(R"(\s--autoscaling-config(=|\s+)\S+)");
  for (std::string cmd : node.start_ray_commands) {
    if (is_ray_stop_command(cmd)) {
      out.push_back(scoped_stop_script(cluster));
      continue;
    }
    if (starts_ray(cmd)) {
      if (node.is_head && std::regex_search(cmd, autoscaling)) {
        cmd = std::regex_replace(cmd, autoscaling, "");
        if (notes)
          notes->push_back(
              "head: removed --autoscaling-config from the start command (rayctl sets workers up itself; "
              "Ray's autoscaler would race it)");
      }
      // A new session whose id is recorded: `down` stops exactly these processes.
      cmd = session_dir_setup(cluster) + "setsid -w bash -c " +
            shell_quote("echo $$ >> " + node_session_dir(cluster) + "/ray.sid; " + cmd);
    }
    out.push_back(cmd);
  }
  return out;
}

std::string head_gcs_wait_script(const std::string& head_host, int gcs_port) {
  return "rayctl_gcs=" + shell_quote(head_host + "/" + std::to_string(gcs_port)) +
         "; i=0; until (exec 3<>\"/dev/tcp/$rayctl_gcs\") 2>/dev/null; do i=$((i+1)); "
         "[ $i -lt 3000 ] || { echo \"rayctl: the head's GCS at $rayctl_gcs did not accept connections\" >&2; exit 3; "
         "}; "
         "sleep 0.1; done";
}

HeadEndpoints head_endpoints(const LauncherNode& head) {
  HeadEndpoints e;
  for (const auto& cmd : head.start_ray_commands) {
    if (!starts_ray(cmd)) continue;
    e.gcs_port = int_flag(cmd, "port", e.gcs_port);
    e.dashboard_port = int_flag(cmd, "dashboard-port", e.dashboard_port);
    e.dashboard_host = str_flag(cmd, "dashboard-host", e.dashboard_host);
    e.temp_dir = str_flag(cmd, "temp-dir", e.temp_dir);
    static const std::regex program(R"((^|[\s;&|(])((\S*/)?ray)\s+start(\s|$))");
    std::smatch m;
    if (std::regex_search(cmd, m, program)) e.ray_program = m[2].str();
  }
  return e;
}

bool ClusterPlan::changes_anything() const {
  for (const auto& n : nodes)
    if (n.action != NodeAction::Verify || !n.uploads.empty()) return true;
  return false;
}

namespace {

// Decides one node's action from its record and what was observed.
void decide(NodePlan& p, const NodeRecord* rec, bool alive, const UpFlags& f, bool head_restarts) {
  auto set = [&](NodeAction a, std::string why) {
    p.action = a;
    p.reason = std::move(why);
  };
  if (f.force_setup)
    set(NodeAction::SetupAndStart, "--force-setup");
  else if (!rec)
    set(NodeAction::SetupAndStart, "new node");
  else if (rec->status != "up-to-date")
    set(NodeAction::SetupAndStart, "last run " + (rec->status.empty() ? std::string("unfinished") : rec->status));
  else if (f.restart_only)
    set(NodeAction::Start, "--restart-only");
  else if (rec->setup_hash != p.setup_hash)
    set(f.no_restart && alive ? NodeAction::Setup : NodeAction::SetupAndStart, "setup commands or file_mounts changed");
  else if (rec->start_hash != p.start_hash)
    set(f.no_restart && alive ? NodeAction::Verify : NodeAction::Start,
        f.no_restart && alive ? "start commands changed (not restarted: --no-restart)" : "start commands changed");
  else if (!alive)
    set(NodeAction::Start, "Ray is not running");
  else if (head_restarts && !p.is_head)
    set(NodeAction::Start, "the head restarts");
  else
    set(NodeAction::Verify, "unchanged");
  if (f.restart_only && p.action == NodeAction::SetupAndStart && rec && rec->status == "up-to-date")
    p.action = NodeAction::Start;
  p.restarts_running = alive && (p.action == NodeAction::Start || p.action == NodeAction::SetupAndStart);
}

}  // namespace

ClusterPlan plan_up(const LauncherConfig& cfg, const ClusterRecord* previous, const ClusterObservation& seen,
                    const std::vector<MountDigest>& mounts, const UpFlags& flags) {
  ClusterPlan plan;
  plan.cluster = cfg.cluster_name;
  if (cfg.nodes.empty()) return plan;
  const LauncherNode& head = cfg.nodes.front();
  plan.head = head_endpoints(head);
  plan.head_host = head.host;
  std::string mhash = mounts_hash(mounts);
  bool head_restarts = false;
  for (const auto& n : cfg.nodes) {
    NodePlan p;
    p.node = n.name;
    p.host = n.host;
    p.is_head = n.is_head;
    p.is_local = n.is_local;
    p.env["RAY_HEAD_IP"] = head.host;
    std::vector<std::string>* notes = n.is_head ? &plan.notes : nullptr;
    auto start = effective_start_commands(n, cfg.cluster_name, notes);
    p.setup_hash = sha256_hex(joined(n.initialization_commands) + "\x1f" + joined(n.setup_commands) + "\x1f" + mhash);
    p.start_hash = sha256_hex(joined(start) + "\x1f" + head.host + ":" + std::to_string(plan.head.gcs_port));
    const NodeRecord* rec = previous ? previous->find(n.name) : nullptr;
    if (rec && rec->host != n.host) rec = nullptr;
    bool alive = seen.probed && seen.alive_hosts.count(n.host) > 0;
    decide(p, rec, alive, flags, head_restarts);
    if (n.is_head)
      head_restarts = p.restarts_running || (p.action == NodeAction::Start || p.action == NodeAction::SetupAndStart);
    bool setup = p.action == NodeAction::Setup || p.action == NodeAction::SetupAndStart;
    bool run_start = p.action == NodeAction::Start || p.action == NodeAction::SetupAndStart;
    if (setup || flags.restart_only) {
      for (const auto& m : mounts)
        for (const auto& f : m.files) p.uploads.push_back(f);
    }
    if (setup) {
      for (const auto& c : n.initialization_commands) p.steps.push_back({"initialization", c});
      for (const auto& c : n.setup_commands) p.steps.push_back({"setup", c});
    }
    bool waits = false;
    for (const auto& c : start) {
      if (!run_start) break;
      bool ray = starts_ray(c);
      if (ray && !n.is_head && !waits) {
        p.steps.push_back({"start", head_gcs_wait_script(head.host, plan.head.gcs_port), false, true});
        waits = true;
      }
      p.steps.push_back({"start", c, ray});
    }
    plan.nodes.push_back(std::move(p));
  }
  return plan;
}

std::string render_plan(const ClusterPlan& plan) {
  std::ostringstream os;
  os << "Plan for cluster " << plan.cluster << " (head " << plan.head_host << ", GCS port " << plan.head.gcs_port
     << ", dashboard " << plan.head.dashboard_host << ":" << plan.head.dashboard_port << ")\n";
  for (const auto& note : plan.notes) os << "  note: " << note << "\n";
  for (const auto& n : plan.nodes) {
    os << "\n"
       << n.node << " (" << n.host << (n.is_head ? ", head" : ", worker") << (n.is_local ? ", local" : ", ssh")
       << "): " << node_action_name(n.action) << " — " << n.reason << "\n";
    for (const auto& [local, remote] : n.uploads) os << "  upload  " << local << " -> " << remote << "\n";
    for (const auto& s : n.steps)
      os << "  " << s.phase << ": "
         << (s.waits_for_head
                 ? "(wait until the head's GCS at " + plan.head_host + ":" + std::to_string(plan.head.gcs_port) +
                       " accepts connections, if the head is still starting)"
                 : s.command)
         << "\n";
    if (n.action == NodeAction::Verify) os << "  (no commands: only checks that Ray is alive)\n";
  }
  return os.str();
}

nlohmann::json plan_to_json(const ClusterPlan& plan) {
  nlohmann::json nodes = nlohmann::json::array();
  for (const auto& n : plan.nodes) {
    nlohmann::json steps = nlohmann::json::array(), uploads = nlohmann::json::array();
    for (const auto& s : n.steps)
      steps.push_back({{"phase", s.phase}, {"command", s.command}, {"waits_for_head", s.waits_for_head}});
    for (const auto& [l, r] : n.uploads) uploads.push_back({{"local", l}, {"remote", r}});
    nodes.push_back({{"node", n.node},
                     {"host", n.host},
                     {"head", n.is_head},
                     {"local", n.is_local},
                     {"action", node_action_name(n.action)},
                     {"reason", n.reason},
                     {"uploads", uploads},
                     {"steps", steps},
                     {"setup_hash", n.setup_hash},
                     {"start_hash", n.start_hash}});
  }
  return {{"cluster", plan.cluster},
          {"head_host", plan.head_host},
          {"gcs_port", plan.head.gcs_port},
          {"dashboard_port", plan.head.dashboard_port},
          {"notes", plan.notes},
          {"nodes", nodes}};
}

}  // namespace rayctl
