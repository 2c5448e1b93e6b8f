// Human rendering of RayObjectHealth.
#include "cluster/kube/kube_health_print.h"

#include <fmt/format.h>

namespace rayctl {

namespace {

const RayClusterHealth* cluster_of(const RayObjectHealth& h) {
  if (h.cluster) return &*h.cluster;
  if (h.service && h.service->cluster) return &*h.service->cluster;
  return nullptr;
}

std::string pods_ready(const RayClusterHealth& c) {
  int want = 0, ready = 0;
  for (const auto& g : c.groups) {
    want += g.desired;
    ready += std::min(g.ready, g.desired);
  }
  return fmt::format("{}/{} pods ready", ready, want);
}

void print_apps(std::ostream& os, const char* title, const std::vector<ServeAppHealth>& apps) {
  if (apps.empty()) return;
  os << '\n' << title << '\n';
  Table t({"APP", "STATUS", "DEPLOYMENT", "DEPLOYMENT STATUS", "MESSAGE"});
  for (const auto& a : apps) {
    t.add_row({a.name, a.status, "", "", a.message});
    for (const auto& d : a.deployments) t.add_row({"", "", d.name, d.status, d.message});
  }
  t.print(os);
}

}  // namespace

std::string kube_health_summary(const RayObjectHealth& h) {
  std::string head = fmt::format("{} {}/{}", h.kind, h.namespace_, h.name);
  if (!h.found)
    return head + ": not found" + (h.live_pods ? fmt::format(" ({} pods still terminating)", h.live_pods) : "");
  if (h.cluster) return fmt::format("{}: {} ({})", head, h.cluster->state, pods_ready(*h.cluster));
  const auto& s = *h.service;
  std::string detail =
      s.ready_reason.empty() ? "" : " — Ready=" + std::string(s.ready ? "True" : "False") + " " + s.ready_reason;
  if (s.cluster) detail += fmt::format("; cluster {} {}", s.cluster->name, pods_ready(*s.cluster));
  return fmt::format("{}: {}{}", head, s.state, detail);
}

void print_kube_reasons(std::ostream& os, const RayObjectHealth& h, const Style& st) {
  const auto& reasons = h.reasons();
  if (reasons.empty()) return;
  os << '\n' << st.bold("Not ready because:") << '\n';
  for (const char* layer : {"kubernetes", "kuberay", "ray", "serve"})
    for (const auto& r : reasons)
      if (r.layer == layer)
        os << "  " << st.yellow("[" + r.layer + "]") << ' ' << r.subject << ": " << r.message << '\n';
}

void print_kube_health(std::ostream& os, const RayObjectHealth& h, const Style& st) {
  os << st.bold(kube_health_summary(h)) << '\n';
  if (!h.found) return;
  if (h.service) {
    const auto& s = *h.service;
    os << fmt::format("active cluster: {}   pending cluster: {}   serve endpoints: {}\n",
                      s.active_cluster.empty() ? "-" : s.active_cluster,
                      s.pending_cluster.empty() ? "-" : s.pending_cluster, s.serve_endpoints);
    if (!s.ready_message.empty()) os << "Ready condition: " << s.ready_message << '\n';
    print_apps(os, "Applications (active cluster):", s.active_apps);
    print_apps(os, "Applications (pending cluster):", s.pending_apps);
  }
  if (const auto* c = cluster_of(h)) {
    os << '\n';
    Table groups({"GROUP", "DESIRED", "PODS", "RUNNING", "READY"});
    for (const auto& g : c->groups)
      groups.add_row({g.name, std::to_string(g.desired), std::to_string(g.pods), std::to_string(g.running),
                      std::to_string(g.ready)});
    groups.print(os);
    if (!c->pods.empty()) {
      os << '\n';
      Table pods({"POD", "GROUP", "PHASE", "READY", "NODE", "RESTARTS", "WAITING"});
      for (const auto& p : c->pods)
        pods.add_row({p.name, p.group, p.deleting ? "Terminating" : p.phase, p.ready ? "yes" : "no",
                      p.node.empty() ? "-" : p.node, std::to_string(p.restarts), p.ready ? "" : p.waiting});
      pods.print(os);
    }
  }
  print_kube_reasons(os, h, st);
}

void KubeProgress::update(const RayObjectHealth& h) {
  if (!h.found) {
    board_.set(h.kind + " " + h.name, h.live_pods ? fmt::format("deleted, {} pods terminating", h.live_pods) : "gone");
    return;
  }
  if (h.service) {
    board_.set("RayService " + h.name,
               h.service->state + (h.service->ready_reason.empty() ? "" : " (" + h.service->ready_reason + ")"));
    const auto& apps = h.service->pending_apps.empty() ? h.service->active_apps : h.service->pending_apps;
    for (const auto& a : apps) board_.set("app " + a.name, a.status);
  }
  if (const auto* c = cluster_of(h)) {
    for (const auto& g : c->groups) {
      int pending = g.pods - g.running;
      board_.set(fmt::format("{} {}", g.head ? "head" : "group", g.name),
                 fmt::format("{}/{} ready{}", std::min(g.ready, g.desired), g.desired,
                             pending > 0 ? fmt::format(", {} pending", pending) : ""));
    }
  }
  // Transient states are on the board already; log only what explains a wait.
  static const char* transient[] = {"waiting for the scheduler", "starting on node", "the operator has created",
                                    "no status yet", "has not observed generation"};
  for (const auto& r : h.reasons()) {
    bool skip = false;
    for (const char* t : transient) skip |= r.message.find(t) != std::string::npos;
    if (skip) continue;
    auto line = fmt::format("[{}] {}: {}", r.layer, r.subject, r.message);
    if (said_.insert(line).second) board_.log(line);
  }
}

}  // namespace rayctl
