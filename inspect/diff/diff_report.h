// DiffReport: what `rayctl diff FILE [TARGET]` found — every change between the file and what is
// live, each classified by what applying the file does with it (the Effect), with the reason and
// the rule it follows. One report for every kind of file (RayService, RayCluster, launcher file,
// Serve config); its JSON form is stable and documented in man/rayctl-diff.1. It does not fetch
// anything: rayservice_diff.h, raycluster_diff.h and launcher_diff.h fill it from live state.
#pragma once

#include "core/output.h"
#include "inspect/diff/capacity.h"
#include "serve/deploy/serve_diff.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace rayctl {

// The operator whose controller source the KubeRay rules follow (scripts/k8s/kuberay/go.mod).
inline constexpr const char* kKubeRayRulesVersion = "v1.6.1";

enum class Effect {
  InPlace,        // applied to what runs, nothing is replaced (serveConfigV2, an appended worker group)
  NewCluster,     // a RayService builds a second RayCluster and switches over when it serves
  Ignored,        // the object changes but the operator does nothing with it
  Scale,          // a worker group's pod count changes
  NewPodsOnly,    // a RayCluster template change: running pods keep the old one
  RecreatesPods,  // every pod is deleted and created again (RayCluster upgradeStrategy Recreate)
  DeletesPods,    // suspend
};
const char* effect_name(Effect e);  // "in-place", "new-cluster", "ignored", "scale", ...

// One changed field (or group of fields) of a KubeRay object.
struct DiffChange {
  std::string path;  // "spec.rayClusterConfig.workerGroupSpecs[gpu].template.spec.containers[ray-worker].image"
  nlohmann::json before, after;  // null = absent
  Effect effect = Effect::InPlace;
  std::string reason;  // why this effect, for humans
  std::string rule;    // the controller code it follows: "rayservice_controller.go shouldPrepareNewCluster"
};

// One node of a launcher-file cluster: what `rayctl up FILE` would do there and why.
struct NodeDiff {
  std::string node, host, role;  // role: "head" | "worker"
  std::string action;            // "verify" | "start" | "setup" | "setup+start" (node_plan.h)
  std::string reason;            // the plan's reason: "setup commands or file_mounts changed"
  bool restarts_running = false;
  bool commands_known = false;  // the commands last applied could be recovered (see launcher_diff.h)
  std::vector<std::string> before_setup, after_setup, before_start, after_start;
};

struct DiffReport {
  std::string kind;    // "RayService" | "RayCluster" | "launcher" | "serve"
  std::string target;  // "rayservice/ns/name", "cluster demo", "http://127.0.0.1:8265"
  std::string file;
  bool exists = true;  // false: the target has nothing yet and applying creates it
  std::vector<DiffChange> changes;
  std::optional<ServeDiff> serve;         // serveConfigV2 of a RayService, or a Serve config
  Effect serve_effect = Effect::InPlace;  // RayService: in place, or deployed on the new cluster
  std::optional<CapacityCheck> capacity;  // when a new RayCluster is built
  std::vector<NodeDiff> nodes;            // launcher files
  std::vector<std::string> notes;

  bool has_changes() const;
  bool has(Effect e) const;
  nlohmann::json to_json() const;
};

// The human report: one line per change with its effect, the Serve diff, the capacity verdict,
// the nodes and their command diffs; fits a screen for the usual edit.
void print_diff_report(std::ostream& os, const DiffReport& r, const Style& st);

// Shows a JSON value in one line for humans: strings without quotes, long values cut.
std::string show_value(const nlohmann::json& v);

}  // namespace rayctl
