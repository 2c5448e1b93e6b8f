// `rayctl doctor TARGET`: walks a cluster's layers outside in — SSH or Kubernetes → KubeRay →
// pods → Ray → dashboard → Serve → resources → application — runs each check with a time
// bound, and stops at (and names) the first broken layer with its evidence and its fix.
// The target is taken the way the other verbs take it: a recorded NAME or launcher FILE,
// raycluster/NAME or rayservice/NAME (with the kubeconfig flags), or --address URL of a Ray
// dashboard (its Ray, Serve and application layers only).
#pragma once

#include "cluster/cluster.h"
#include "cluster/dashboard/dashboard_address.h"
#include "inspect/doctor/doctor_report.h"
#include "inspect/doctor/doctor_walk.h"

namespace rayctl {

struct DoctorTarget {
  ClusterRef ref;                   // TARGET and --kubeconfig/--context/-n; empty with --address
  DashboardAddressOptions address;  // --address URL, --token-file
};

// Throws Error(Usage) for contradictory targets and Error(NotFound) for an unknown one; what the
// walk finds broken is in the report, not thrown.
DoctorReport run_doctor(const DoctorTarget& target, const DoctorOptions& opt, const EnvLookup& env, IOStreams& io,
                        CancelFlag& cancel);

// The walk over the Ray, dashboard, Serve, resources and application layers of one head,
// shared by every provider (inspect/doctor/ray_layers.cpp).
void walk_ray_layers(const RayAccess& access, DoctorContext& ctx);

}  // namespace rayctl
