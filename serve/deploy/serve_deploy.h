// ServeDeploy: `rayctl serve deploy FILE` from a loaded config to a RUNNING (or failed) Serve.
// Order: version check → local packages hashed → pre-flight against live resources
// (/api/v0/nodes; RL3xx placement checks, refused unless --force) → diff against the live
// config → confirmation for deleting live apps (unless -y / --merge) → package upload → PUT
// → wait with per-deployment replica progress until every app of the file is RUNNING,
// DEPLOY_FAILED / UNHEALTHY (report with Serve's messages and the failing replica's log
// tail), or --timeout (report naming the pending replicas).
// The pure steps (merging, live resources, the readiness verdict) are exposed for tests.
#pragma once

#include "cluster/dashboard/dashboard_client.h"
#include "cluster/spec/cluster_resources.h"
#include "core/error.h"
#include "core/output.h"
#include "serve/config/serve_config.h"
#include "serve/deploy/serve_diff.h"
#include "serve/deploy/serve_status.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace rayctl {

struct ServeDeployOptions {
  bool merge = false;  // keep live apps the file leaves out (GET + merge + PUT)
  bool yes = false;    // no confirmation for deleting live apps
  Confirmer confirm;   // asked before deleting live apps when !yes; unset: refuse (use -y or --merge)
  bool wait = true;    // --no-wait clears it
  bool force = false;  // deploy even when the pre-flight says it can never be scheduled
  std::chrono::milliseconds timeout{std::chrono::minutes(10)};
  // Status polls while waiting: rayctl notices RUNNING at most this late (bench/serve: its
  // overhead budget is 100 ms, its own work ~25 ms). Each poll is one GET on the dashboard.
  std::chrono::milliseconds poll_interval{50};
};

// The outcome, for the printer and the exit code.
struct ServeDeployResult {
  std::string outcome;  // "running" | "accepted" (--no-wait) | "failed" | "timeout" | "unchanged-cancelled"
  ServeDiff diff;
  std::vector<std::string> uploaded;  // package events
  std::vector<std::string> report;    // failure / timeout report lines
  nlohmann::json status;              // serve_status_json of the file's apps at the end
  double seconds = 0;
  // Where the time went (for bench/serve): rayctl's own work before the PUT (version, package
  // hashing and upload, pre-flight, GET and diff), the PUT itself (Serve's controller accepting
  // the config), and the wait until the verdict with the number of status polls.
  double prepare_s = 0, put_s = 0, wait_s = 0;
  int polls = 0;
  ExitCode exit_code = ExitCode::Ok;
};
nlohmann::json to_json(const ServeDeployResult& r);

// Node shapes of the live cluster: one shape per ALIVE node from /api/v0/nodes rows.
ClusterResources live_cluster_resources(const std::vector<nlohmann::json>& nodes);
// `body` plus every live declaratively deployed app it does not name (with its live config).
nlohmann::json merge_with_live(const nlohmann::json& body, const nlohmann::json& live_details);

// Where one app of the file stands after the PUT. `prior_deployed_time` is the app's
// last_deployed_time_s before the PUT (0 when it was not deployed).
enum class AppProgress { Waiting, Running, Failed };
AppProgress app_progress(const ServeAppStatus* live, const nlohmann::json& sent_app_config, double prior_deployed_time);

// Lines naming what is not running yet: "rag/Generator: 0/1 running (1 STARTING) — <message>".
std::vector<std::string> pending_report(const ServeAppStatus& app);

class ServeDeploy {
 public:
  ServeDeploy(DashboardClient& client, IOStreams& io, ServeDeployOptions opt);
  // `config_path` locates relative working_dir / py_modules paths.
  ServeDeployResult run(const ServeConfig& cfg, const std::string& config_path);
  // The pre-flight alone (run() does it too): the config's placement against the live nodes;
  // throws Error(Invalid) when a replica can never be scheduled (unless force). `inference
  // deploy` calls it before copying files to the nodes.
  void preflight(const ServeConfig& cfg);

 private:
  bool confirm_removal(const std::vector<std::string>& apps);
  void wait(const nlohmann::json& body, const std::map<std::string, double>& prior, ServeDeployResult& r);
  std::vector<std::string> failure_report(const ServeAppStatus& app);
  std::string replica_log_tail(const ServeAppStatus& app, const ServeDeploymentStatus& d,
                               const std::string& controller_node);

  DashboardClient& client_;
  IOStreams& io_;
  ServeDeployOptions opt_;
};

}  // namespace rayctl

namespace rayctl {

// `rayctl serve delete [APP...]`: with no APP, shuts Serve down (DELETE); with APPs, PUTs the
// live declarative config without them. Waits (unless `wait` is false) until they are gone;
// throws Error(Timeout) naming what is left. Returns the names deleted.
std::vector<std::string> delete_serve_apps(DashboardClient& client, const std::vector<std::string>& apps, bool wait,
                                           std::chrono::milliseconds timeout,
                                           std::chrono::milliseconds poll = std::chrono::milliseconds(200));

}  // namespace rayctl
