// `rayctl diff FILE [TARGET]`: what applying FILE would change, each change classified by what
// the system that applies it does — KubeRay for a RayService or RayCluster manifest
// (rayservice_diff.h, raycluster_diff.h), `rayctl up` for a launcher file (launcher_diff.h),
// Serve for a Serve config (serve/deploy/serve_diff.h). This file does the reading: the file,
// the live object (with the API server's dry-run apply of the file as the "after", so defaults
// compare equal), the nodes' free capacity, the cluster record, the live Serve applications.
// It changes nothing anywhere.
#pragma once

#include "cluster/cluster.h"
#include "cluster/dashboard/dashboard_address.h"
#include "inspect/diff/diff_report.h"

#include <string>

namespace rayctl {

struct DiffTarget {
  std::string file;
  // TARGET and --kubeconfig/--context/-n. TARGET defaults to what the file names: the
  // cluster_name of a launcher file, metadata.name/namespace of a KubeRay manifest. For a Serve
  // config it is the cluster whose dashboard to compare with (as `serve --cluster`).
  ClusterRef ref;
  DashboardAddressOptions address;  // --address, --token-file (Serve configs)
  bool merge = false;               // Serve configs: live apps the file leaves out are kept
};

// Throws Error for what stops the comparison (unreadable file, unknown cluster, API errors);
// the differences are in the report.
DiffReport run_diff(const DiffTarget& target, const EnvLookup& env, IOStreams& io);

// The KubeRay part (inspect/diff/kube_diff.cpp): the object named by the manifest `object`
// (or by TARGET), live vs the dry-run apply, classified, with the capacity check.
DiffReport run_kube_diff(const nlohmann::json& object, const DiffTarget& target, IOStreams& io);

}  // namespace rayctl
