// JsonChange: one difference between two Kubernetes objects (or parts of them), named by a path
// a person can read — "workerGroupSpecs[gpu].template.spec.containers[ray-worker].image".
// Lists of named things (worker groups, containers, env, ports, volumes) are matched by name,
// not by position, so that reordering is no change and an edit names its element. Before
// comparing, null, {} and [] count as absent: the operator's Go types drop them (omitempty), so
// `rayStartParams: {}` and no rayStartParams are the same spec to KubeRay.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace rayctl {

struct JsonChange {
  // Path parts: object keys as they are, list elements as "[name]" (or "[3]" for unnamed ones).
  std::vector<std::string> segments;
  nlohmann::json before;  // null when absent
  nlohmann::json after;   // null when absent

  std::string path() const;  // segments joined: "a.b[x].c"
};

// Every difference, outermost first; an element added or removed is one change (not one per
// leaf), and so is a list of unnamed values.
std::vector<JsonChange> diff_json(const nlohmann::json& before, const nlohmann::json& after);

// `j` without null, {} and [] anywhere (see the file comment).
nlohmann::json drop_empty(const nlohmann::json& j);

}  // namespace rayctl
