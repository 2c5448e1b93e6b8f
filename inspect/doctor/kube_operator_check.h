// DR161: is a KubeRay operator running? An operator installed by its Helm chart or kustomize
// runs with leader election on, so while it runs its leader renews the Lease
// "ray-operator-leader" (coordination.k8s.io/v1, in the operator's namespace) every couple of
// seconds and a Lease older than its leaseDurationSeconds means no operator is reconciling. A
// Deployment labelled app.kubernetes.io/name=kuberay-operator (the Helm chart's) says whether
// its pods are available, and the object itself says whether its current generation was ever
// reconciled (status.observedGeneration). Pure: the finding is computed from those replies.
#pragma once

#include "inspect/doctor/kube_api_probe.h"

#include <chrono>
#include <string>

namespace rayctl {

// The Lease the operator's controller-runtime manager holds (LeaderElectionID in KubeRay's main.go).
inline constexpr const char* kKubeRayLeaseName = "ray-operator-leader";
// The Helm chart's label on the operator's Deployment.
inline constexpr const char* kKubeRayOperatorLabel = "app.kubernetes.io/name=kuberay-operator";

struct OperatorEvidence {
  KubeReply leases;                           // a list of Leases named ray-operator-leader (all namespaces, or one)
  KubeReply deployments;                      // a list of Deployments with kKubeRayOperatorLabel
  const nlohmann::json* object = nullptr;     // the RayCluster / RayService, when it exists
  std::chrono::system_clock::time_point now;  // the API server's clock
};

DoctorFinding operator_finding(const OperatorEvidence& e);

}  // namespace rayctl
