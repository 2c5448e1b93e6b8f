// What `rayctl doctor` found: the checks it ran, layer by layer from the outside in, each with
// its ID (the catalogue in doctor_checks.h, documented in man/rayctl-doctor.1), its state, the
// evidence (pod events, scheduler reasons, log lines, Serve messages, the failing request) and
// the fix. The walk stops at the first broken layer; the layers after it are "not checked".
// to_json() is the stable `-o json` shape (documented in the man page; tests pin its keys).
#pragma once

#include "core/error.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace rayctl {

// The layers, outside in. A cluster walks the ones its provider has: SSH clusters ssh → ray →
// dashboard → serve → resources → app; Kubernetes ones kubernetes → kuberay → pods → ray →
// dashboard → serve → resources → app; --address dashboard → serve → resources → app.
enum class DoctorLayer { Ssh, Kubernetes, KubeRay, Pods, Ray, Dashboard, Serve, Resources, App };
const char* layer_name(DoctorLayer l);  // "ssh", "kubernetes", "kuberay", "pods", "ray", ...
std::optional<DoctorLayer> parse_layer(const std::string& name);

enum class CheckState {
  Ok,
  Warn,  // worth knowing, not broken (e.g. no Serve applications deployed)
  Fail,  // this layer is broken: the walk stops after its layer
};
const char* check_state_name(CheckState s);  // "ok" | "warn" | "fail"

struct CheckResult {
  std::string id;  // "DR201"
  DoctorLayer layer = DoctorLayer::Ssh;
  std::string title;    // the catalogue's: "raylet running on every node"
  std::string subject;  // what it was about: a node, pod, app, deployment or route; "" = the cluster
  CheckState state = CheckState::Ok;
  std::string summary;                // one line: what was found
  std::vector<std::string> evidence;  // lines that show it: events, log lines, messages, replies
  std::string fix;                    // what to do (failures and warnings)
  double seconds = 0;

  nlohmann::json to_json() const;
};

struct DoctorReport {
  std::string target;               // as the user named it
  std::string provider;             // "ssh" | "local" | "kubernetes" | "dashboard"
  std::vector<DoctorLayer> layers;  // the layers this walk covers, in order
  std::vector<CheckResult> checks;  // in the order they ran
  double seconds = 0;

  // The first layer (in walk order) with a failed check, if any.
  std::optional<DoctorLayer> broken_layer() const;
  // The first failed check of that layer.
  const CheckResult* first_failure() const;
  bool healthy() const { return !broken_layer(); }
  // Layers after the broken one, which the walk did not check.
  bool checked(DoctorLayer l) const;
  // 0 healthy, 4 a layer is broken (man rayctl-doctor, EXIT STATUS).
  ExitCode exit_code() const { return healthy() ? ExitCode::Ok : ExitCode::Unhealthy; }

  nlohmann::json to_json() const;
};

}  // namespace rayctl
