// What `rayctl up FILE` would do on each node of a launcher-file cluster, and why: the `up` plan
// (cluster/plan/node_plan.h plan_up and its reasons) against the cluster's record
// (cluster/cluster_state.h), with the nodes the record has up to date taken as running (the diff
// does not connect to them). The record keeps only hashes of what was applied, so the old
// commands are known only when the file `up` last used (the record's config_file) still hashes
// to the recorded values: then each changed node shows its command diff — the commands as the
// files write them, not as rayctl wraps them to scope `ray stop` (node_plan.h). Pure: parsed files and
// the record in, report out; reading file_mounts (digest_file_mounts) is the caller's.
#pragma once

#include "cluster/cluster_state.h"
#include "cluster/plan/node_plan.h"
#include "cluster/spec/launcher_config.h"
#include "inspect/diff/diff_report.h"

#include <vector>

namespace rayctl {

struct LauncherDiffInput {
  const LauncherConfig* config = nullptr;  // the file
  std::vector<MountDigest> mounts;         // its file_mounts, read
  const ClusterRecord* record = nullptr;   // null: never brought up
  // The file `up` last used and its mounts, when it still exists; its commands are the "before"
  // of nodes whose recorded hashes it reproduces.
  const LauncherConfig* previous = nullptr;
  std::vector<MountDigest> previous_mounts;
};

DiffReport diff_launcher(const LauncherDiffInput& in);

}  // namespace rayctl
