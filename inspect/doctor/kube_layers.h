// The outer layers of a KubeRay cluster for `rayctl doctor`: the API server reachable and the
// credentials authorised, the CRDs served (DR151-DR153); the operator running, the object and
// its conditions, the head's Serve port (DR161-DR164); the pods scheduled, GPUs fitting, not
// crash-looping, one Ray version, the head service (DR171-DR175); nvidia.com/gpu vs num-gpus
// (DR502); then how the walk reaches the head through the API server's service proxy.
#pragma once

#include "cluster/kube/kuberay_cluster.h"
#include "inspect/doctor/doctor_walk.h"

namespace rayctl {

// Walks the kubernetes, kuberay and pods layers; stops early (ctx.broken()) when one is broken.
void walk_kube_layers(KubeRayCluster& cluster, DoctorContext& ctx);
// How to reach the head's dashboard and Serve proxy for walk_ray_layers (the service proxy).
RayAccess kube_ray_access(KubeRayCluster& cluster, DoctorContext& ctx);

}  // namespace rayctl
