// LiveNodeSource: where `up` learns what runs on a launcher cluster — the node list of the head's
// Ray, from Ray's GCS (a small query run on the head, ready as soon as the GCS is) or from the
// head's dashboard (which may need seconds more to serve HTTP) — and whether the dashboard
// serves yet. It is the seam that lets a unit test drive `up` without Ray.
#pragma once

#include "cluster/launcher/cluster_probe.h"
#include "cluster/nodes/remote_runner.h"
#include "cluster/plan/node_plan.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rayctl {

class LiveNodeSource {
 public:
  virtual ~LiveNodeSource() = default;
  // Before planning: the nodes that run now; nullopt when nothing answered within a few
  // seconds (Ray is not running).
  virtual std::optional<std::vector<LiveNode>> observe(const CancelFlag& cancel) = 0;
  // The head has started its Ray: a moment to open the way to its dashboard while workers finish.
  virtual void head_started(const CancelFlag& cancel) = 0;
  // The node list now, for the ALIVE wait; throws Error when nothing answers.
  virtual std::vector<LiveNode> nodes(const CancelFlag& cancel) = 0;
  // One try at the dashboard; throws Error while it does not serve.
  virtual void check_dashboard(const CancelFlag& cancel) = 0;
  // Which source answered last ("GCS" or "dashboard"), for -v lines.
  virtual std::string last_source() const = 0;
};

// The real source for a launcher cluster: the head's dashboard raced against Ray's GCS on the
// head (runners from `runners`, which pools one connection per node).
std::unique_ptr<LiveNodeSource> head_live_nodes(const LauncherConfig& cfg, const ClusterPlan& shape,
                                                const ConnectOptions& connect, const RunnerFactory& runners,
                                                IOStreams& io);

}  // namespace rayctl
