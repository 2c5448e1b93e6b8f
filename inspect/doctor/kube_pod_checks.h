// The pods layer of `rayctl doctor` as the pods themselves show it: scheduled, with the
// scheduler's reason when not (DR171); containers running, not crash-looping or stuck pulling
// (DR173); the head service pointing at the head pod, which is how workers find the GCS
// (DR175). And the Ray layer's view on Kubernetes: every running Ray pod joined, i.e. ALIVE in
// the GCS as the dashboard reports it (DR203). Pure: findings from the API's objects. `pods` are
// the Ray pods of one RayCluster (label ray.io/cluster).
#pragma once

#include "cluster/dashboard/dashboard_client.h"
#include "inspect/doctor/kube_api_probe.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace rayctl {

// DR171. `events`: Warning events of the namespace (their FailedScheduling messages are used).
DoctorFinding scheduling_finding(const std::vector<nlohmann::json>& pods, const std::vector<nlohmann::json>& events);

// Containers waiting in CrashLoopBackOff (whose previous run's log is worth reading): {pod, container}.
std::vector<std::pair<std::string, std::string>> crash_looping(const std::vector<nlohmann::json>& pods);
// DR173. `logs`: the last lines of a crash-looping container's previous run, by "pod/container".
DoctorFinding containers_finding(const std::vector<nlohmann::json>& pods,
                                 const std::map<std::string, std::vector<std::string>>& logs);

// DR175. `service`: GET of the head service; `slices`: its EndpointSlices
// (labelSelector kubernetes.io/service-name=NAME); `head`: the head pod, if any.
DoctorFinding head_service_finding(const std::string& service_name, const KubeReply& service, const KubeReply& slices,
                                   const nlohmann::json* head);

// DR203: the running Ray pods against the nodes the dashboard reports; `error` is set instead
// of `nodes` when the dashboard could not be asked (the dashboard layer then says why).
DoctorFinding joined_finding(const std::vector<nlohmann::json>& pods, const std::vector<LiveNode>& nodes,
                             const std::string& error);

// The head pod among `pods` (label ray.io/node-type=head, not being deleted), or nullptr.
const nlohmann::json* head_pod(const std::vector<nlohmann::json>& pods);

}  // namespace rayctl
