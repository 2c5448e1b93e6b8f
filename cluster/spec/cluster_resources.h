// The cluster as Ray's scheduler sees it: a list of node shapes (launcher node types or
// KubeRay head/worker groups), each with the logical resources one node offers and how many
// such nodes can exist. Produced by the launcher and KubeRay loaders; consumed by the Serve
// placement checks and by `serve deploy`'s pre-flight (from live /api/v0/nodes too).
#pragma once

#include "core/diagnostics.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rayctl {

// One kind of node: what a single node offers, and how many there can be.
struct NodeShape {
  std::string name;  // node type or worker group name ("headgroup" for a KubeRay head)
  bool is_head = false;
  // Logical resources one node offers; nullopt = not declared (Ray auto-detects at start).
  std::optional<double> cpus;
  std::optional<double> gpus;
  std::optional<double> memory_bytes;
  std::map<std::string, double> custom;  // custom resources, e.g. {"accelerator_type:A100": 1}
  int min_count = 0;
  int max_count = 0;  // head: 1
  SourceLoc loc;      // where the type / group is declared (for "both locations involved")
};

struct ClusterResources {
  std::string source;  // file the shapes came from, or "live cluster"
  std::vector<NodeShape> shapes;
};

}  // namespace rayctl
