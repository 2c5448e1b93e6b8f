// DR162-DR164: the object exists, its conditions, the head's Serve port.
#include "inspect/doctor/kube_object_checks.h"

#include "inspect/doctor/kube_json.h"

#include <fmt/format.h>

namespace rayctl {

using nlohmann::json;

namespace {

using kj::at;
using kj::str;

// "HeadPodReady=True, RayClusterProvisioned=False (RayClusterPodsProvisioning: ...)", one per line.
std::vector<std::string> condition_lines(const json& object) {
  std::vector<std::string> out;
  const json& cs = at(at(object, "status"), "conditions");
  if (!cs.is_array()) return out;
  for (const auto& c : cs) {
    std::string line = str(c, "type") + "=" + str(c, "status");
    if (!str(c, "reason").empty()) line += " (" + str(c, "reason") + ")";
    if (!str(c, "message").empty()) line += ": " + str(c, "message");
    out.push_back(line);
  }
  return out;
}

bool deleting(const json& object) { return !at(at(object, "metadata"), "deletionTimestamp").is_null(); }

}  // namespace

const json& cluster_spec_of(const json& object) {
  const json& spec = at(object, "spec");
  if (str(object, "kind") == "RayService") return at(spec, "rayClusterConfig");
  return spec;
}

DoctorFinding object_exists_finding(const std::string& kind, const std::string& ns, const std::string& name,
                                    const KubeReply& object, const KubeReply& siblings) {
  DoctorFinding f{"DR162", CheckState::Ok, kind + " " + ns + "/" + name, "", {}, ""};
  if (object.ok()) {
    const json& meta = at(object.body, "metadata");
    f.summary = fmt::format("exists (generation {}, created {})",
                            at(meta, "generation").is_number() ? at(meta, "generation").get<long>() : 0L,
                            str(meta, "creationTimestamp"));
    return f;
  }
  f.state = CheckState::Fail;
  if (!object.not_found()) {
    f.summary = "could not be read";
    f.evidence = {object.describe()};
    return f;
  }
  f.summary = "not found";
  f.evidence.push_back(object.describe());  // names a missing namespace, too
  std::vector<std::string> names;
  for (const auto& o : siblings.items()) names.push_back(str(at(o, "metadata"), "name"));
  if (siblings.ok())
    f.evidence.push_back(names.empty() ? fmt::format("no {} exists in namespace {}", kind, ns)
                                       : fmt::format("{}s in namespace {}: {}", kind, ns, fmt::join(names, ", ")));
  return f;
}

DoctorFinding raycluster_conditions_finding(const json& rc, const RayClusterHealth& h) {
  DoctorFinding f{"DR163", CheckState::Ok, "RayCluster " + h.name, "", condition_lines(rc), ""};
  auto cond = [&](const char* type) { return h.conditions.count(type) ? h.conditions.at(type) : std::string(); };
  if (deleting(rc)) {
    f.state = CheckState::Fail;
    f.summary = "being deleted";
    f.fix = "It was deleted; finalizers keep it until they are done. Create it again once it is gone.";
  } else if (h.state == "suspended" || cond("RayClusterSuspending") == "True") {
    f.state = CheckState::Fail;
    f.summary = "suspended: spec.suspend is true, so no pods run";
    f.fix = "Set spec.suspend to false (or remove it) and apply the manifest again.";
  } else if (cond("ReplicaFailure") == "True") {
    f.state = CheckState::Fail;
    f.summary = "the operator failed to create its pods (ReplicaFailure)";
    f.fix = "The condition's message is the API server's refusal (quota, admission, invalid pod template): fix that.";
  } else if (h.ready) {
    std::vector<std::string> met;
    for (const auto& [type, status] : h.conditions)
      if (status == "True") met.push_back(type);
    f.summary = met.empty() ? "ready" : fmt::format("ready ({})", fmt::join(met, ", "));
  } else {
    f.state = CheckState::Warn;
    f.summary = h.state == "provisioning" ? "provisioning: not every pod is ready yet" : "not ready (" + h.state + ")";
    f.fix = "The pods layer below names the pod that holds it up.";
  }
  return f;
}

DoctorFinding rayservice_conditions_finding(const json& rs, const RayServiceHealth& h) {
  DoctorFinding f{"DR163", CheckState::Ok, "RayService " + h.name, "", condition_lines(rs), ""};
  if (!h.active_cluster.empty()) f.evidence.push_back("active RayCluster " + h.active_cluster);
  if (!h.pending_cluster.empty()) f.evidence.push_back("pending RayCluster " + h.pending_cluster);
  bool suspended = false;
  for (const auto& line : f.evidence) suspended |= line.rfind("Suspended=True", 0) == 0;
  if (deleting(rs)) {
    f.state = CheckState::Fail;
    f.summary = "being deleted";
    f.fix = "It was deleted; finalizers keep it until they are done. Create it again once it is gone.";
  } else if (suspended) {
    f.state = CheckState::Fail;
    f.summary = "suspended: spec.suspend is true, so its clusters are gone";
    f.fix = "Set spec.suspend to false and apply the manifest again.";
  } else if (h.ready_reason == "ValidationFailed") {
    f.state = CheckState::Fail;
    f.summary = "the operator rejected the spec (ValidationFailed): " + h.ready_message;
    f.fix = "Fix the field the message names and apply again (`rayctl validate FILE` catches most of these).";
  } else if (h.ready_reason == "InitializingTimeout") {
    f.state = CheckState::Fail;
    f.summary = "it did not become ready within ray.io/initializing-timeout (InitializingTimeout)";
    f.fix =
        "This state is terminal: KubeRay deleted its clusters. Fix the cause, then delete and recreate the "
        "RayService.";
  } else if (h.ready && !h.upgrade_in_progress) {
    f.summary = fmt::format("Ready ({}), {} Serve endpoint{}", h.ready_reason.empty() ? "Running" : h.ready_reason,
                            h.serve_endpoints, h.serve_endpoints == 1 ? "" : "s");
    f.evidence.clear();
  } else {
    f.state = CheckState::Warn;
    f.summary = h.upgrade_in_progress ? "upgrading: a new RayCluster is being brought up"
                                      : "not Ready yet" + (h.ready_reason.empty() ? "" : " (" + h.ready_reason + ")");
    for (const auto& a : h.pending_apps.empty() ? h.active_apps : h.pending_apps)
      f.evidence.push_back(fmt::format("app {}: {}{}{}", a.name, a.status, a.message.empty() ? "" : ": ", a.message));
    f.fix =
        "The layers below name the cause: a pod that is not scheduled, Ray not joined, or a Serve application "
        "that fails.";
  }
  return f;
}

DoctorFinding serve_port_finding(const json& object) {
  bool service = str(object, "kind") == "RayService";
  const json& meta = at(object, "metadata");
  bool serve_svc_asked = str(at(meta, "annotations"), "ray.io/enable-serve-service") == "true";
  const json& spec = cluster_spec_of(object);
  const json& containers = at(at(at(at(spec, "headGroupSpec"), "template"), "spec"), "containers");
  const json& head = containers.is_array() && !containers.empty() ? containers[0] : json();
  DoctorFinding f{"DR164", CheckState::Ok, "container " + str(head, "name"), "", {}, ""};
  const json& ports = at(head, "ports");
  std::vector<std::string> listed;
  if (ports.is_array())
    for (const auto& p : ports) {
      std::string name = str(p, "name");
      long number = at(p, "containerPort").is_number() ? at(p, "containerPort").get<long>() : 0;
      // KubeRay's serve service takes the ports named serve or serve-* (serve-grpc, ...).
      if (name == "serve" || name.rfind("serve-", 0) == 0) {
        f.summary = fmt::format("containerPort {} named {}", number, name);
        return f;
      }
      listed.push_back(fmt::format("{} {}", name.empty() ? "(unnamed)" : name, number));
    }
  if (listed.empty()) {
    // KubeRay gives the head service its default ports (serve 8000 among them) when none are named.
    f.summary = "no containerPorts: KubeRay's defaults apply, serve 8000 among them";
    return f;
  }
  if (service && at(at(object, "spec"), "serveService").is_object()) {
    f.summary = "no port named serve on the head, but spec.serveService defines the serve service";
    return f;
  }
  if (!service && !serve_svc_asked) {
    f.summary = "no port named serve (only Serve needs one; this RayCluster asks for no serve service)";
    return f;
  }
  f.state = CheckState::Fail;
  f.summary = "the head container has no port named serve (or serve-*)";
  f.evidence = {fmt::format("head container {} ports: {}", str(head, "name"), fmt::join(listed, ", ")),
                service ? "KubeRay builds the RayService's serve service from the head's port named serve: without "
                          "it there are no Serve endpoints and the RayService never becomes Ready"
                        : "the annotation ray.io/enable-serve-service asks for a serve service, which KubeRay builds "
                          "from the head's port named serve"};
  return f;
}

}  // namespace rayctl
