// The kubernetes layer of `rayctl doctor`: the API server answers (DR151), the credentials are
// accepted and may read the object and its pods (DR152), and the KubeRay CRDs are installed and
// serve ray.io/v1 (DR153). Pure: each finding is computed from the API's replies.
#pragma once

#include "inspect/doctor/kube_api_probe.h"

#include <string>
#include <utility>
#include <vector>

namespace rayctl {

// DR151 from GET /version. A 401/403 means the server answered (DR152 then fails).
DoctorFinding api_reachable_finding(const std::string& server, const KubeReply& version);

// DR152 from the first reads ("get RayService default/x", "list pods in default") and the
// /version reply (a 401 there already says the credentials were rejected).
DoctorFinding api_authorised_finding(const std::string& identity, const KubeReply& version,
                                     const std::vector<std::pair<std::string, KubeReply>>& reads);

// One CRD as GET /apis/apiextensions.k8s.io/v1/customresourcedefinitions/NAME answered.
struct CrdReply {
  std::string name;      // "rayclusters.ray.io"
  bool required = true;  // a RayService's CRD is not needed to run a RayCluster
  KubeReply reply;
};

// DR153. `discovery` is GET /apis/ray.io/v1, asked only when the CRDs themselves may not be
// read (a user with namespace rights only): its resource list shows what is served.
DoctorFinding crd_finding(const std::vector<CrdReply>& crds, const KubeReply& discovery);

}  // namespace rayctl
