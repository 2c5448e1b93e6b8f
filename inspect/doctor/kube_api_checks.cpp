// DR151-DR153: the Kubernetes API reachable, the credentials authorised, the KubeRay CRDs served.
#include "inspect/doctor/kube_api_checks.h"

#include <fmt/format.h>

namespace rayctl {

using nlohmann::json;

DoctorFinding api_reachable_finding(const std::string& server, const KubeReply& version) {
  DoctorFinding f{"DR151", CheckState::Ok, server, "", {}, ""};
  if (version.status == 0) {
    f.state = CheckState::Fail;
    f.summary = "no answer from the API server";
    f.evidence = {"GET " + server + "/version: " + version.message};
  } else if (version.ok()) {
    std::string v = version.body.is_object() ? version.body.value("gitVersion", "") : "";
    f.summary = v.empty() ? "answers" : "Kubernetes " + v;
  } else if (version.denied()) {
    f.summary = fmt::format("answers (HTTP {} to /version)", version.status);
  } else {
    f.state = CheckState::Fail;
    f.summary = fmt::format("answers HTTP {} to /version", version.status);
    f.evidence = {"GET " + server + "/version: " + version.describe()};
    f.fix = "The API server is up but unhealthy: its /readyz and its log say why.";
  }
  return f;
}

DoctorFinding api_authorised_finding(const std::string& identity, const KubeReply& version,
                                     const std::vector<std::pair<std::string, KubeReply>>& reads) {
  DoctorFinding f{"DR152", CheckState::Ok, identity, "", {}, ""};
  if (version.status == 401) {
    f.state = CheckState::Fail;
    f.summary = "the API server rejected the credentials (401 Unauthorized)";
    f.evidence = {"GET /version: " + version.describe()};
    f.fix = "The token or client certificate is expired or wrong: refresh the kubeconfig (or the exec plugin's login).";
    return f;
  }
  std::vector<std::string> allowed;
  for (const auto& [what, r] : reads) {
    if (r.denied()) {
      f.state = CheckState::Fail;
      f.evidence.push_back(fmt::format("{}: {}", what, r.describe()));
    } else if (r.status != 0) {
      allowed.push_back(what);
    }
  }
  if (f.state == CheckState::Fail) {
    f.summary = "not allowed to read what doctor needs";
    if (!reads.empty() && reads.front().second.status == 401)
      f.fix = "The token or client certificate is expired or wrong: refresh the kubeconfig.";
    return f;
  }
  f.summary = allowed.empty() ? "accepted" : fmt::format("may {}", fmt::join(allowed, ", "));
  return f;
}

namespace {

// Why one CRD does not serve ray.io/v1, or "" when it does.
std::string crd_problem(const CrdReply& c) {
  if (c.reply.not_found()) return c.name + " is not installed";
  if (!c.reply.ok()) return c.name + ": " + c.reply.describe();
  const json& body = c.reply.body;
  bool v1_served = false;
  std::vector<std::string> served;
  if (body.contains("spec") && body["spec"].contains("versions") && body["spec"]["versions"].is_array())
    for (const auto& v : body["spec"]["versions"]) {
      if (!v.value("served", false)) continue;
      served.push_back(v.value("name", ""));
      v1_served |= v.value("name", "") == "v1";
    }
  if (!v1_served)
    return fmt::format("{} does not serve v1 (served: {}): the CRDs are older than KubeRay 1.0", c.name,
                       served.empty() ? "none" : fmt::format("{}", fmt::join(served, ", ")));
  if (body.contains("status") && body["status"].contains("conditions") && body["status"]["conditions"].is_array())
    for (const auto& cond : body["status"]["conditions"])
      if (cond.value("type", "") == "Established" && cond.value("status", "") != "True")
        return fmt::format("{} is not Established: {}", c.name, cond.value("message", ""));
  return "";
}

// From the discovery document of ray.io/v1: is `plural` served?
bool discovered(const KubeReply& discovery, const std::string& plural) {
  if (!discovery.ok() || !discovery.body.contains("resources")) return false;
  for (const auto& r : discovery.body["resources"])
    if (r.value("name", "") == plural) return true;
  return false;
}

}  // namespace

DoctorFinding crd_finding(const std::vector<CrdReply>& crds, const KubeReply& discovery) {
  DoctorFinding f{"DR153", CheckState::Ok, "", "", {}, ""};
  std::vector<std::string> ok_names;
  for (const auto& c : crds) {
    std::string problem;
    if (c.reply.denied()) {
      // Reading CRDs is a cluster-scoped right many users lack: ask discovery instead.
      std::string plural = c.name.substr(0, c.name.find('.'));
      if (!discovered(discovery, plural))
        problem = fmt::format("{}: ray.io/v1 does not list {} ({}; the CRD itself may not be read: {})", c.name, plural,
                              discovery.ok() ? "served" : discovery.describe(), c.reply.describe());
    } else {
      problem = crd_problem(c);
    }
    if (problem.empty()) {
      ok_names.push_back(c.name);
      continue;
    }
    f.evidence.push_back(problem);
    if (c.required)
      f.state = CheckState::Fail;
    else if (f.state == CheckState::Ok)
      f.state = CheckState::Warn;
  }
  if (f.state == CheckState::Ok)
    f.summary = fmt::format("{} serve ray.io/v1", fmt::join(ok_names, ", "));
  else
    f.summary = f.state == CheckState::Fail ? "the KubeRay CRDs this object needs are not served"
                                            : "a KubeRay CRD is missing (not needed by this object)";
  return f;
}

}  // namespace rayctl
