// Deciding whether a shared verb (up, down, status, logs) acts on a Kubernetes cluster: a
// KubeRay manifest file, a KIND/NAME target (raycluster/x, rayservice/y), or any of the
// Kubernetes connection flags. Everything else goes to the SSH path.
#pragma once

#include "cli/kube_verbs.h"

#include <string>

namespace rayctl::cli {

bool is_kube_target(const std::string& target, const KubeFlags& f);

}  // namespace rayctl::cli
