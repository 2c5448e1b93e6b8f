// DR171, DR173, DR175 and DR203 from the pods, their events, the head service and the GCS's nodes.
#include "inspect/doctor/kube_pod_checks.h"

#include "inspect/doctor/kube_json.h"

#include <fmt/format.h>

#include <set>

namespace rayctl {

using kj::at;
using kj::num;
using kj::str;
using nlohmann::json;

namespace {

bool deleting(const json& pod) { return !at(at(pod, "metadata"), "deletionTimestamp").is_null(); }

// "pod NAME (group G)" for evidence lines.
std::string pod_subject(const json& pod) {
  std::string group = kj::label(pod, "ray.io/group");
  return fmt::format("pod {}{}", kj::name_of(pod), group.empty() ? "" : " (" + group + ")");
}

const json* condition(const json& pod, const std::string& type) {
  const json& cs = at(at(pod, "status"), "conditions");
  if (cs.is_array())
    for (const auto& c : cs)
      if (str(c, "type") == type) return &c;
  return nullptr;
}

// The newest FailedScheduling event message about `pod`.
std::string scheduling_event(const std::vector<json>& events, const std::string& pod) {
  std::string best, best_time;
  for (const auto& e : events) {
    const json& io = at(e, "involvedObject");
    if (str(io, "name") != pod || str(e, "reason") != "FailedScheduling") continue;
    std::string t = str(e, "lastTimestamp").empty() ? str(e, "eventTime") : str(e, "lastTimestamp");
    if (best.empty() || t >= best_time) best = str(e, "message"), best_time = t;
  }
  return best;
}

// Container waiting reasons that mean it will not run without a change.
bool stuck_reason(const std::string& r) {
  static const std::set<std::string> stuck = {"CrashLoopBackOff", "ImagePullBackOff",           "ErrImagePull",
                                              "InvalidImageName", "CreateContainerConfigError", "CreateContainerError",
                                              "RunContainerError"};
  return stuck.count(r) > 0;
}

std::string last_termination(const json& status) {
  const json& t = at(at(status, "lastState"), "terminated");
  if (t.is_null()) return "";
  std::string msg = str(t, "message");
  if (msg.size() > 200) msg = msg.substr(0, 200) + "…";
  return fmt::format("last exit: {} (exit code {}{}){}{}", str(t, "reason").empty() ? "terminated" : str(t, "reason"),
                     num(t, "exitCode"), str(t, "finishedAt").empty() ? "" : " at " + str(t, "finishedAt"),
                     msg.empty() ? "" : ": ", msg);
}

std::vector<json> statuses_of(const json& pod) {
  std::vector<json> out;
  for (const char* key : {"initContainerStatuses", "containerStatuses"}) {
    const json& cs = at(at(pod, "status"), key);
    if (cs.is_array())
      for (const auto& c : cs) out.push_back(c);
  }
  return out;
}

}  // namespace

const json* head_pod(const std::vector<json>& pods) {
  for (const auto& p : pods)
    if (kj::label(p, "ray.io/node-type") == "head" && !deleting(p)) return &p;
  return nullptr;
}

DoctorFinding scheduling_finding(const std::vector<json>& pods, const std::vector<json>& events) {
  DoctorFinding f{"DR171", CheckState::Ok, "", "", {}, ""};
  std::set<std::string> nodes;
  int live = 0, unscheduled = 0;
  for (const auto& p : pods) {
    if (deleting(p)) continue;
    ++live;
    std::string node = str(at(p, "spec"), "nodeName");
    const json* sched = condition(p, "PodScheduled");
    bool scheduled = !node.empty() && !(sched && str(*sched, "status") == "False");
    if (scheduled) {
      nodes.insert(node);
      continue;
    }
    ++unscheduled;
    std::string said = sched ? fmt::format("{}: {}", str(*sched, "reason"), str(*sched, "message")) : "";
    std::string event = scheduling_event(events, kj::name_of(p));
    std::string why = !said.empty()    ? said
                      : !event.empty() ? "FailedScheduling: " + event
                                       : "waiting for the scheduler (no reason reported yet)";
    f.evidence.push_back(fmt::format("{}: Pending, not scheduled: {}", pod_subject(p), why));
    if (!said.empty() && !event.empty() && said.find(event) == std::string::npos)
      f.evidence.push_back(fmt::format("{}: event FailedScheduling: {}", pod_subject(p), event));
  }
  if (!head_pod(pods)) {
    f.state = CheckState::Fail;
    f.summary = "there is no head pod";
    f.evidence.insert(f.evidence.begin(),
                      "the operator has not created the head pod (the kuberay layer's "
                      "conditions and events say why)");
    f.fix = "Read the object's events (rayctl status TARGET); the operator reports pod creation failures there.";
  } else if (unscheduled > 0) {
    f.state = CheckState::Fail;
    f.subject = f.evidence.empty() ? "" : f.evidence.front().substr(0, f.evidence.front().find(':'));
    f.summary = fmt::format("{} of {} pods not scheduled", unscheduled, live);
  } else {
    f.summary = fmt::format("{} pod{} scheduled on {} node{}", live, live == 1 ? "" : "s", nodes.size(),
                            nodes.size() == 1 ? "" : "s");
  }
  return f;
}

std::vector<std::pair<std::string, std::string>> crash_looping(const std::vector<json>& pods) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& p : pods)
    for (const auto& c : statuses_of(p))
      if (str(at(at(c, "state"), "waiting"), "reason") == "CrashLoopBackOff")
        out.emplace_back(kj::name_of(p), str(c, "name"));
  return out;
}

DoctorFinding containers_finding(const std::vector<json>& pods,
                                 const std::map<std::string, std::vector<std::string>>& logs) {
  DoctorFinding f{"DR173", CheckState::Ok, "", "", {}, ""};
  int running = 0, restarted = 0, stuck = 0;
  for (const auto& p : pods) {
    if (deleting(p)) continue;
    std::string phase = str(at(p, "status"), "phase");
    if (phase == "Failed") {
      ++stuck;
      f.evidence.push_back(fmt::format("{}: phase Failed: {} {}", pod_subject(p), str(at(p, "status"), "reason"),
                                       str(at(p, "status"), "message")));
    }
    for (const auto& c : statuses_of(p)) {
      std::string who = fmt::format("{} container {}", pod_subject(p), str(c, "name"));
      const json& waiting = at(at(c, "state"), "waiting");
      long restarts = num(c, "restartCount");
      std::string last = last_termination(c);
      if (!at(at(c, "state"), "running").is_null()) ++running;
      if (stuck_reason(str(waiting, "reason"))) {
        ++stuck;
        f.evidence.push_back(fmt::format("{}: {}: {}; restarted {} times{}{}", who, str(waiting, "reason"),
                                         str(waiting, "message"), restarts, last.empty() ? "" : "; ", last));
        auto log = logs.find(kj::name_of(p) + "/" + str(c, "name"));
        if (log != logs.end())
          for (const auto& line : log->second) f.evidence.push_back("  [previous run] " + line);
      } else if (restarts > 0) {
        ++restarted;
        f.evidence.push_back(
            fmt::format("{}: running, but restarted {} times{}{}", who, restarts, last.empty() ? "" : "; ", last));
      }
    }
  }
  if (stuck > 0) {
    f.state = CheckState::Fail;
    f.subject = f.evidence.front().substr(0, f.evidence.front().find(':'));
    f.summary = fmt::format("{} container{} not running", stuck, stuck == 1 ? "" : "s");
  } else if (restarted > 0) {
    f.state = CheckState::Warn;
    f.summary = fmt::format("{} container{} restarted", restarted, restarted == 1 ? "" : "s");
  } else {
    f.summary = fmt::format("{} container{} running, none restarted", running, running == 1 ? "" : "s");
  }
  return f;
}

DoctorFinding head_service_finding(const std::string& service_name, const KubeReply& service, const KubeReply& slices,
                                   const json* head) {
  DoctorFinding f{"DR175", CheckState::Ok, "service " + service_name, "", {}, ""};
  if (!service.ok()) {
    f.state = service.denied() ? CheckState::Warn : CheckState::Fail;
    f.summary = service.not_found() ? "the head service does not exist" : "could not read the head service";
    f.evidence = {service.describe()};
    return f;
  }
  if (!head) {
    f.state = CheckState::Fail;
    f.summary = "there is no head pod for it to select";
    return f;
  }
  if (!slices.ok()) {
    f.state = CheckState::Warn;
    f.summary = "exists; its endpoints could not be read";
    f.evidence = {"EndpointSlices: " + slices.describe()};
    return f;
  }
  std::string head_name = kj::name_of(*head);
  std::vector<std::string> seen;
  for (const auto& s : slices.items()) {
    const json& eps = at(s, "endpoints");
    if (!eps.is_array()) continue;
    for (const auto& ep : eps) {
      std::string target = str(at(ep, "targetRef"), "name");
      const json& addrs = at(ep, "addresses");
      std::string addr = addrs.is_array() && !addrs.empty() && addrs[0].is_string() ? addrs[0].get<std::string>() : "";
      const json& ready = at(at(ep, "conditions"), "ready");
      seen.push_back(fmt::format("{} {}{}", target.empty() ? "(no pod)" : target, addr,
                                 ready.is_boolean() && !ready.get<bool>() ? " (not ready)" : ""));
      if (target != head_name) continue;
      if (ready.is_boolean() && !ready.get<bool>()) {
        f.state = CheckState::Fail;
        f.summary = fmt::format("points at the head pod {}, which is not ready", head_name);
        return f;
      }
      f.summary = fmt::format("→ head pod {} ({})", head_name, addr);
      return f;
    }
  }
  f.state = CheckState::Fail;
  f.summary = fmt::format("has no endpoint for the head pod {}", head_name);
  f.evidence.push_back(seen.empty() ? "its EndpointSlices list no endpoints"
                                    : fmt::format("its endpoints: {}", fmt::join(seen, ", ")));
  const json& selector = at(at(service.body, "spec"), "selector");
  if (selector.is_object())
    for (auto it = selector.begin(); it != selector.end(); ++it)
      if (it.value().is_string() && kj::label(*head, it.key().c_str()) != it.value().get<std::string>())
        f.evidence.push_back(fmt::format("its selector wants {}={}, the head pod has \"{}\"", it.key(),
                                         it.value().get<std::string>(), kj::label(*head, it.key().c_str())));
  return f;
}

DoctorFinding joined_finding(const std::vector<json>& pods, const std::vector<LiveNode>& nodes,
                             const std::string& error) {
  DoctorFinding f{"DR203", CheckState::Ok, "", "", {}, ""};
  std::vector<const json*> running;
  for (const auto& p : pods)
    if (!deleting(p) && str(at(p, "status"), "phase") == "Running") running.push_back(&p);
  if (!error.empty()) {
    f.state = CheckState::Warn;
    f.summary = fmt::format("{} Ray pods running; the GCS's nodes could not be read", running.size());
    f.evidence = {error};
    f.fix = "The dashboard layer below checks the dashboard itself.";
    return f;
  }
  std::set<std::string> alive_ips;
  size_t alive = 0;
  for (const auto& n : nodes) {
    if (!n.alive) {
      f.evidence.push_back(fmt::format("node {} ({}) is not ALIVE", n.node_id.substr(0, 12), n.ip));
      continue;
    }
    ++alive;
    alive_ips.insert(n.ip);
  }
  if (alive >= running.size()) {
    f.summary = fmt::format("{} Ray pod{} running, {} node{} ALIVE", running.size(), running.size() == 1 ? "" : "s",
                            alive, alive == 1 ? "" : "s");
    return f;
  }
  f.state = CheckState::Fail;
  f.summary = fmt::format("{} Ray pods running but only {} node{} ALIVE in the GCS: pods running but not joined",
                          running.size(), alive, alive == 1 ? "" : "s");
  // Pod IPs name the missing ones when they are the addresses Ray reports (no NAT in between).
  bool comparable = false;
  for (const auto* p : running) comparable |= alive_ips.count(str(at(*p, "status"), "podIP")) > 0;
  for (const auto* p : running) {
    std::string ip = str(at(*p, "status"), "podIP");
    if (!comparable || !alive_ips.count(ip))
      f.evidence.push_back(fmt::format("{} {} ({}){}", pod_subject(*p), ip, kj::label(*p, "ray.io/node-type"),
                                       comparable ? ": no ALIVE node has this address" : ""));
  }
  return f;
}

}  // namespace rayctl
