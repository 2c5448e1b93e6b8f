// DR161: the KubeRay operator running, from its leader Lease, its Deployment and the object's
// observedGeneration.
#include "inspect/doctor/kube_operator_check.h"

#include "cluster/kube/kube_credentials.h"

#include <fmt/format.h>

#include <algorithm>

namespace rayctl {

using nlohmann::json;

namespace {

// Slack on top of leaseDurationSeconds: the Date header has whole seconds and renewals come
// every RetryPeriod (2 s in controller-runtime), so a live leader is never this far behind.
constexpr long kLeaseSlackSeconds = 2;

struct LeaseView {
  std::string where;  // "kuberay-system/ray-operator-leader"
  std::string holder;
  long duration = 15;
  long age = -1;  // seconds since renewTime; -1 unknown
  bool fresh() const { return !holder.empty() && age >= 0 && age <= duration + kLeaseSlackSeconds; }
};

LeaseView view_lease(const json& lease, std::chrono::system_clock::time_point now) {
  LeaseView v;
  const json meta = lease.value("metadata", json::object());
  const json spec = lease.value("spec", json::object());
  v.where = meta.value("namespace", "") + "/" + meta.value("name", "");
  v.holder = spec.value("holderIdentity", "");
  if (spec.contains("leaseDurationSeconds") && spec["leaseDurationSeconds"].is_number())
    v.duration = spec["leaseDurationSeconds"].get<long>();
  std::string renew = spec.value("renewTime", spec.value("acquireTime", ""));
  if (auto t = parse_rfc3339(renew))
    v.age = std::max<long>(0, std::chrono::duration_cast<std::chrono::seconds>(now - *t).count());
  return v;
}

std::string describe_lease(const LeaseView& l) {
  if (l.holder.empty()) return fmt::format("Lease {} has no holder (released)", l.where);
  return fmt::format("Lease {} held by {}, renewed {} ago (expires after {} s without renewal)", l.where, l.holder,
                     l.age < 0 ? std::string("at an unknown time") : fmt::format("{} s", l.age), l.duration);
}

struct DeploymentView {
  std::string where;
  long want = 1, available = 0;
  std::string why;  // the Available / Progressing condition's message when not available
};

DeploymentView view_deployment(const json& d) {
  DeploymentView v;
  const json meta = d.value("metadata", json::object());
  const json st = d.value("status", json::object());
  v.where = meta.value("namespace", "") + "/" + meta.value("name", "");
  v.want = d.value("spec", json::object()).value("replicas", 1L);
  v.available = st.value("availableReplicas", 0L);
  for (const auto& c : st.value("conditions", json::array()))
    if (c.value("status", "") != "True" && v.why.empty())
      v.why = fmt::format("{} {}: {}", c.value("type", ""), c.value("reason", ""), c.value("message", ""));
  return v;
}

// "generation 3 was never reconciled (observedGeneration 2)" or "" when the status is current.
std::string unreconciled(const json* object) {
  if (!object) return "";
  const json meta = object->value("metadata", json::object());
  std::string what = object->value("kind", "object") + " " + meta.value("name", "");
  if (!object->contains("status") || (*object)["status"].is_null())
    return what + " has no status: no operator has ever reconciled it";
  long gen = meta.value("generation", 0L);
  const json& st = (*object)["status"];
  if (st.contains("observedGeneration") && st["observedGeneration"].is_number()) {
    long observed = st["observedGeneration"].get<long>();
    if (observed < gen)
      return fmt::format("{}: generation {} not reconciled yet (status.observedGeneration {})", what, gen, observed);
  }
  return "";
}

// A leader renewing its Lease: running (a warning when it still has not reconciled the object).
DoctorFinding live_leader(const LeaseView& l, const std::string& stale_object) {
  DoctorFinding f{"DR161", CheckState::Ok, l.where, "", {}, ""};
  f.summary = fmt::format("leader {} renewed its Lease {} s ago", l.holder, l.age);
  if (!stale_object.empty()) {
    f.state = CheckState::Warn;
    f.summary += ", but it has not reconciled this object";
    f.evidence = {stale_object};
    f.fix =
        "The operator may watch other namespaces only (--watch-namespace / the chart's watchNamespace), or be failing "
        "on this object: read its log.";
  }
  return f;
}

// No live Lease, but the operator's Deployment was found: its available pods decide.
void judge_deployment(DoctorFinding& f, const std::vector<DeploymentView>& deps, bool stale_lease,
                      const std::string& stale_object) {
  f.subject = deps.front().where;
  bool any_available = std::any_of(deps.begin(), deps.end(), [](const DeploymentView& d) { return d.available > 0; });
  if (!any_available) {
    f.state = CheckState::Fail;
    f.summary = "the operator's Deployment has no available pod";
  } else if (stale_lease) {
    // Available pods but nobody renewing the Lease: a hung leader, or one running without leader election.
    f.state = CheckState::Warn;
    f.summary = "the operator's pods are available, but its leader Lease is not being renewed";
  } else {
    f.summary = fmt::format("Deployment {} available", deps.front().where);
    f.evidence.clear();
    if (!stale_object.empty()) {
      f.state = CheckState::Warn;
      f.evidence = {stale_object};
    }
  }
}

}  // namespace

DoctorFinding operator_finding(const OperatorEvidence& e) {
  DoctorFinding f{"DR161", CheckState::Ok, "", "", {}, ""};
  std::vector<LeaseView> leases;
  for (const auto& l : e.leases.items()) leases.push_back(view_lease(l, e.now));
  std::vector<DeploymentView> deps;
  for (const auto& d : e.deployments.items()) deps.push_back(view_deployment(d));
  std::string stale_object = unreconciled(e.object);
  for (const auto& l : leases)
    if (l.fresh()) return live_leader(l, stale_object);

  for (const auto& l : leases) f.evidence.push_back(describe_lease(l));
  for (const auto& d : deps)
    f.evidence.push_back(fmt::format("Deployment {}: {} of {} replicas available{}{}", d.where, d.available, d.want,
                                     d.why.empty() ? "" : "; ", d.why));
  if (!stale_object.empty()) f.evidence.push_back(stale_object);
  if (!deps.empty()) {
    judge_deployment(f, deps, !leases.empty(), stale_object);
    return f;
  }
  if (!leases.empty()) {
    f.subject = leases.front().where;
    f.state = CheckState::Fail;
    f.summary = "no operator holds its leader Lease: the KubeRay operator has stopped";
    return f;
  }
  // Neither found (leader election off, another install method, or no right to list them).
  for (const auto* r : {&e.leases, &e.deployments})
    if (!r->ok()) f.evidence.insert(f.evidence.begin(), "could not look: " + r->describe());
  f.evidence.insert(f.evidence.begin(),
                    fmt::format("no Lease {} and no Deployment labelled {}", kKubeRayLeaseName, kKubeRayOperatorLabel));
  bool never = !stale_object.empty();
  f.state = never ? CheckState::Fail : CheckState::Warn;
  f.summary = never ? "no sign of a running KubeRay operator, and the object is not reconciled"
                    : "the operator was not found, but the object's status is current";
  return f;
}

}  // namespace rayctl
