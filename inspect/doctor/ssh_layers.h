// The outer layers of a launcher (SSH or local) cluster for `rayctl doctor`: each node reachable
// with a known host key and an accepted key (DR101-DR103), Ray's processes on each node (raylet;
// GCS on the head: DR201, DR202), every node ALIVE in the GCS (DR203); then how the walk reaches
// the head's dashboard and Serve proxy (direct or through an SSH tunnel).
#pragma once

#include "cluster/launcher/ssh_cluster.h"
#include "inspect/doctor/doctor_walk.h"

namespace rayctl {

// Walks the ssh and ray layers; stops early (ctx.broken()) when one is broken.
void walk_ssh_layers(const SshCluster& cluster, DoctorContext& ctx);
// How to reach the head's dashboard and Serve proxy for walk_ray_layers.
RayAccess ssh_ray_access(const SshCluster& cluster, DoctorContext& ctx);

}  // namespace rayctl
