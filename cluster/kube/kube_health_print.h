// Printing the health of a RayCluster / RayService for humans: a one-line summary, groups and
// pods tables, Serve applications, and the reasons it is not ready, grouped by layer. Also the
// live progress lines shown while rayctl waits. -o json prints RayObjectHealth::to_json().
#pragma once

#include "cluster/kube/kube_ray_monitor.h"
#include "core/output.h"

#include <ostream>
#include <set>
#include <string>

namespace rayctl {

std::string kube_health_summary(const RayObjectHealth& h);
void print_kube_health(std::ostream& os, const RayObjectHealth& h, const Style& st);
void print_kube_reasons(std::ostream& os, const RayObjectHealth& h, const Style& st);

// Feeds a ProgressBoard from successive health snapshots: one item per group / app, and each
// new not-ready reason logged once above the board.
class KubeProgress {
 public:
  explicit KubeProgress(IOStreams& io) : board_(io) {}
  void update(const RayObjectHealth& h);
  void finish() { board_.finish(); }

 private:
  ProgressBoard board_;
  std::set<std::string> said_;
};

}  // namespace rayctl
