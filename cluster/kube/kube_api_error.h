// KubeApiError: turning a Kubernetes API response that is not 2xx into an Error a user can act
// on — 401/403 naming the identity used, 404 on the ray.io group meaning "KubeRay CRDs are not
// installed", 409 conflicts with the field managers, 422/400 validation failures with their
// field paths, which are also mapped back to a line of the manifest when we have its YAML.
#pragma once

#include "core/diagnostics.h"
#include "core/error.h"
#include "core/http_client.h"
#include "core/yaml_source.h"

#include <string>
#include <vector>

namespace rayctl {

struct KubeStatusCause {
  std::string reason, message, field;
};

// A metav1.Status body (or what could be recovered from a non-JSON body).
struct KubeStatus {
  long code = 0;
  bool is_status = false;  // the body was a Status object
  std::string reason, message;
  std::string kind, name, group;  // details
  std::vector<KubeStatusCause> causes;
};

KubeStatus parse_kube_status(const HttpResponse& r);

// What the request was about, for messages: verb "apply", object "RayCluster default/cpu".
struct KubeRequestInfo {
  std::string verb;
  std::string object;
  bool ray_io = false;  // the path is under /apis/ray.io/ (404 may mean missing CRDs)
};

// Maps a failed response to an Error (kinds: Auth, NotFound, Conflict, Invalid, Remote).
Error kube_api_error(const HttpResponse& r, const KubeRequestInfo& info, const std::string& identity);

// Field paths named by a validation failure: causes[].field, else ".spec.x[0].y: ..." found in
// the message. Normalised without the leading dot: "spec.workerGroupSpecs[0].replicas".
std::vector<std::string> kube_error_fields(const KubeStatus& s);

// Where a field path ("spec.workerGroupSpecs[0].replicas") sits in a YAML document: the
// deepest existing node along the path (unknown leaf keys point at their parent).
SourceLoc locate_field(const YamlDocument& doc, const std::string& path);

// Diagnostics for a 422/400 against a manifest: one per field, at the manifest's line.
Diagnostics validation_diagnostics(const KubeStatus& s, const YamlDocument& doc);

}  // namespace rayctl
