// The kuberay layer's checks on the object itself: it exists (DR162), its conditions are not
// the operator's own failures (DR163), and its head exposes the Serve port when Serve needs it
// (DR164). DR163 fails only for what the operator reports as failed (ReplicaFailure,
// ValidationFailed, InitializingTimeout, suspended, deleting); a cluster still provisioning or a
// RayService not Ready yet is a warning whose cause the later layers name (a Pending pod, an
// application that does not import). Pure: findings from the API's objects.
#pragma once

#include "cluster/kube/kube_readiness.h"
#include "inspect/doctor/kube_api_probe.h"

#include <string>

namespace rayctl {

// DR162. `object` is the GET of KIND/NAME; `siblings` the list of that kind in the namespace
// (asked only when it is missing, to name the ones that exist).
DoctorFinding object_exists_finding(const std::string& kind, const std::string& ns, const std::string& name,
                                    const KubeReply& object, const KubeReply& siblings);

// DR163 for a RayCluster / a RayService, from kube_readiness's evaluation of the live objects.
DoctorFinding raycluster_conditions_finding(const nlohmann::json& rc, const RayClusterHealth& h);
DoctorFinding rayservice_conditions_finding(const nlohmann::json& rs, const RayServiceHealth& h);

// DR164 from the object's spec (a RayService's rayClusterConfig, or a RayCluster's spec).
DoctorFinding serve_port_finding(const nlohmann::json& object);

// The spec a RayCluster is made from: spec.rayClusterConfig of a RayService, spec of a RayCluster.
const nlohmann::json& cluster_spec_of(const nlohmann::json& object);

}  // namespace rayctl
