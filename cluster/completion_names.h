// The names a shell completes on a rayctl command line that only the machine knows: clusters
// rayctl recorded, kubeconfig contexts, and the namespaces of the selected API server. Each
// answers quickly and never throws: a completion that fails offers nothing.
#pragma once

#include "cluster/cluster_state.h"

#include <chrono>
#include <string>
#include <vector>

namespace rayctl {

// Clusters in the state store, sorted.
std::vector<std::string> recorded_cluster_names(const ClusterStateStore& store);

// Contexts of the kubeconfig that --kubeconfig (else $KUBECONFIG, else ~/.kube/config) names, sorted.
std::vector<std::string> kube_context_names(const std::string& kubeconfig);

// Namespaces the selected API server lists (GET /api/v1/namespaces, bounded by `timeout`); when
// it cannot be asked, the namespaces the kubeconfig's contexts name. Sorted, no duplicates.
std::vector<std::string> kube_namespace_names(const std::string& kubeconfig, const std::string& context,
                                              std::chrono::milliseconds timeout);

}  // namespace rayctl
