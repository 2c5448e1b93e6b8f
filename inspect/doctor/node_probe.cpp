// The doctor's per-node probe command and the reading of its output (see node_probe.h).
#include "inspect/doctor/node_probe.h"

#include "cluster/launcher/cluster_probe.h"
#include "core/process.h"

#include <sstream>

namespace rayctl {

namespace {

const char* kPsTag = "rayctl-ps: ";
const char* kLogTag = "rayctl-log: ";

bool take_tag(const std::string& line, const char* tag, std::string& rest) {
  const std::string t = tag;
  if (line.rfind(t, 0) != 0) return false;
  rest = line.substr(t.size());
  return true;
}

// "1234 raylet /path/raylet --flags" → the Ray process it is, if any. The dashboard is a Python
// process: only its command line names it.
std::string ray_process_name(const std::string& comm, const std::string& args) {
  if (comm == "raylet" || comm == "gcs_server") return comm;
  if (args.find("dashboard/dashboard.py") != std::string::npos) return "dashboard";
  return {};
}

std::string logs_dir(const std::string& temp_dir) { return temp_dir + "/session_latest/logs"; }

}  // namespace

const RayComponent& raylet_component() {
  static const RayComponent c{"raylet", {"raylet.out", "raylet.err"}};
  return c;
}

const RayComponent& gcs_component() {
  static const RayComponent c{"gcs_server", {"gcs_server.out", "gcs_server.err"}};
  return c;
}

void NodeProbe::add_line(int stream, const std::string& line) {
  std::string rest;
  if (stream == 1 && take_tag(line, kPsTag, rest)) {
    std::istringstream in(rest);
    long pid = 0;
    std::string comm, args;
    if (!(in >> pid >> comm)) return;
    std::getline(in, args);
    std::string name = ray_process_name(comm, args);
    if (!name.empty() && !processes.count(name)) processes[name] = pid;
  } else if (stream == 1 && take_tag(line, kLogTag, rest)) {
    // "raylet raylet.out: text": the component first, then the evidence line as printed.
    size_t sp = rest.find(' ');
    if (sp == std::string::npos) return;
    logs[rest.substr(0, sp)].push_back(rest.substr(sp + 1));
  } else if (stream == 1) {
    try {
      if (auto nodes = parse_gcs_nodes_line(line)) gcs_nodes = std::move(*nodes);
    } catch (const Error& e) {
      errors.push_back(e.message());
    }
  } else if (stream == 2 && !line.empty()) {
    errors.push_back(line);
  }
}

std::string node_probe_command(const std::string& ray_temp_dir, const std::vector<RayComponent>& components,
                               int log_lines) {
  const std::string dir = shell_quote(logs_dir(ray_temp_dir));
  std::string cmd = "ps -eo pid=,comm=,args= | sed 's/^ */" + std::string(kPsTag) + "/'";
  for (const auto& c : components) {
    // Only a process that is not running gets its logs tailed: the healthy probe stays short.
    const std::string tag = std::string(kLogTag) + c.process + " ";
    std::string files;
    for (const auto& f : c.logs) files += " " + f;
    cmd += "; ps -eo comm= | grep -qx " + c.process + " || ( if cd " + dir + " 2>/dev/null; then for f in" + files +
           "; do if [ -f \"$f\" ]; then tail -n " + std::to_string(log_lines) + " \"$f\" | sed \"s|^|" + tag +
           "$f: |\"; fi; done; else echo " + shell_quote(tag + "no Ray logs under " + logs_dir(ray_temp_dir)) +
           "; fi )";
  }
  return cmd;
}

std::string dashboard_evidence_command(const std::string& ray_temp_dir, int log_lines) {
  const std::string log = shell_quote(logs_dir(ray_temp_dir) + "/dashboard.log");
  // The "[d]" keeps grep from matching its own command line.
  return "for p in dashboard agent; do pid=$(ps -eo pid=,args= | grep \"[d]ashboard/$p\\.py\" | awk 'NR==1{print "
         "$1}'); "
         "if [ -n \"$pid\" ]; then echo \"process $p.py running (pid $pid)\"; "
         "else echo \"no $p.py process on the head\"; fi; done; "
         "if [ -f " +
         log + " ]; then echo 'last lines of dashboard.log:'; tail -n " + std::to_string(log_lines) + " " + log +
         "; else echo " + shell_quote("no " + logs_dir(ray_temp_dir) + "/dashboard.log") + "; fi";
}

}  // namespace rayctl

namespace rayctl {

DoctorFinding ssh_finding(const std::string& node, const std::string& address, bool connected, const NodeOutcome& o) {
  if (connected) return finding("DR101", CheckState::Ok, node, "connected to " + address);
  std::vector<std::string> ev{o.error};
  if (!o.hint.empty()) ev.push_back("hint: " + o.hint);
  const ErrorKind kind = o.error_kind.value_or(ErrorKind::Network);
  if (kind == ErrorKind::HostKey)
    return finding("DR102", CheckState::Fail, node, "the host key of " + address + " is unknown or changed", ev);
  if (kind == ErrorKind::Auth) return finding("DR103", CheckState::Fail, node, address + " refused the SSH key", ev);
  if (kind == ErrorKind::Cancelled)
    return finding("DR101", CheckState::Fail, node, "interrupted while connecting to " + address, ev);
  return finding("DR101", CheckState::Fail, node, "cannot reach " + node + " at " + address + " over SSH", ev);
}

namespace {

DoctorFinding process_finding(const char* id, const LauncherNode& node, const NodeProbe& p, const std::string& proc) {
  if (p.running(proc))
    return finding(id, CheckState::Ok, node.name, proc + " running (pid " + std::to_string(p.processes.at(proc)) + ")");
  auto it = p.logs.find(proc);
  std::vector<std::string> ev;
  if (it != p.logs.end()) ev = it->second;
  if (ev.empty()) ev.push_back("no " + proc + " log lines on the node");
  return finding(id, CheckState::Fail, node.name, proc + " is not running on " + node.name + " (" + node.host + ")",
                 ev);
}

std::string short_id(const std::string& id) { return id.size() > 12 ? id.substr(0, 12) : id; }

}  // namespace

std::vector<DoctorFinding> process_findings(const LauncherNode& node, const NodeProbe& p,
                                            const std::string& probe_error) {
  if (!probe_error.empty())
    return {
        finding("DR201", CheckState::Fail, node.name, "could not list the processes on " + node.name, {probe_error})};
  std::vector<DoctorFinding> out{process_finding("DR201", node, p, "raylet")};
  if (node.is_head) out.push_back(process_finding("DR202", node, p, "gcs_server"));
  return out;
}

std::vector<DoctorFinding> gcs_findings(const ClusterTarget& t, const NodeProbe& head) {
  if (!head.running("gcs_server")) return {};
  if (!head.gcs_nodes) {
    std::vector<std::string> ev(head.errors.size() > 6 ? head.errors.end() - 6 : head.errors.begin(),
                                head.errors.end());
    if (ev.empty()) ev.push_back("the node query printed nothing");
    return {finding(
        "DR203", CheckState::Fail, "",
        head.timed_out ? "the head's GCS did not list its nodes in time" : "the head's GCS did not list its nodes",
        ev)};
  }
  std::vector<std::string> listed;
  for (const auto& n : *head.gcs_nodes)
    listed.push_back("GCS lists " + n.ip + " " + (n.alive ? "ALIVE" : "DEAD") + " (node " + short_id(n.node_id) +
                     (n.is_head ? ", head" : "") + ")");
  std::vector<DoctorFinding> out;
  for (const auto& n : t.nodes) {
    const NodeRecord* r = t.record ? t.record->find(n.name) : nullptr;
    auto addresses = node_addresses(n.host, r && r->host == n.host ? r->addresses : std::vector<std::string>{});
    if (const LiveNode* ln = match_live_node(*head.gcs_nodes, n, addresses)) {
      out.push_back(finding("DR203", CheckState::Ok, n.name,
                            "ALIVE in the GCS as " + ln->ip + " (node " + short_id(ln->node_id) + ")"));
      continue;
    }
    bool dead = false;
    for (const auto& ln : *head.gcs_nodes) dead = dead || (!ln.alive && addresses.count(ln.ip));
    out.push_back(finding("DR203", CheckState::Fail, n.name,
                          n.name + " (" + n.host + ") is " + (dead ? "DEAD in the GCS" : "not in the GCS's node list"),
                          listed));
  }
  return out;
}

}  // namespace rayctl
