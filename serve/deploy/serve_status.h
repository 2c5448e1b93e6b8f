// ServeStatus: what a running Serve reports (GET /api/serve/applications/) reduced to what
// `rayctl serve status` shows and what `serve deploy` waits on — applications, deployments,
// replica counts by state, proxies — and the health verdict that becomes the exit code:
//   0  every selected application RUNNING (and no proxy UNHEALTHY)
//   3  something still DEPLOYING / NOT_STARTED / DELETING (Pending)
//   4  an application DEPLOY_FAILED or UNHEALTHY, a deployment UNHEALTHY, or a proxy UNHEALTHY
// The worst verdict wins. Printing (table, JSON) lives here too; fetching does not.
#pragma once

#include "core/error.h"
#include "core/output.h"

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace rayctl {

struct ServeReplica {
  std::string replica_id, state, node_id, node_ip, actor_id, log_file_path;
  long pid = 0;
};

struct ServeDeploymentStatus {
  std::string name, status, status_trigger, message;
  int target_replicas = -1;                   // -1 when Serve did not say
  std::map<std::string, int> replica_states;  // STATE → count
  std::vector<ServeReplica> replicas;
  nlohmann::json required_resources;  // {"CPU": 0.5} per replica
  int running() const;
};

struct ServeAppStatus {
  std::string name, status, message, source;  // source: declarative | imperative
  std::optional<std::string> route_prefix;
  double last_deployed_time_s = 0;
  nlohmann::json deployed_app_config;  // null for imperative (serve.run) apps
  std::vector<ServeDeploymentStatus> deployments;
  const ServeDeploymentStatus* deployment(const std::string& name) const;
};

struct ServeStatus {
  bool serve_running = false;  // a controller exists
  std::string controller_node_id;
  std::map<std::string, std::string> proxies;  // node_id → status
  std::vector<ServeAppStatus> apps;
  nlohmann::json http_options, grpc_options;
  std::optional<std::string> proxy_location;
  std::optional<double> target_capacity;
  const ServeAppStatus* app(const std::string& name) const;
  // The named app; throws Error(NotFound) listing the live applications when there is none.
  const ServeAppStatus& require_app(const std::string& name) const;
};

ServeStatus parse_serve_status(const nlohmann::json& details);

enum class ServeHealth { Running = 0, Pending = 3, Failed = 4 };
ServeHealth app_health(const ServeAppStatus& a);
// Verdict over `apps` (all when empty); throws Error(NotFound) naming a missing app.
ServeHealth serve_health(const ServeStatus& s, const std::vector<std::string>& apps = {});
ExitCode exit_code_for(ServeHealth h);
const char* health_name(ServeHealth h);  // "running" | "pending" | "failed"

// "2/3 running (1 STARTING)" for a deployment.
std::string replica_summary(const ServeDeploymentStatus& d);

// -o json|yaml: stable shape, documented in man/rayctl-serve.1:
// {health, serve_running, proxies:{node:status}, applications:{app:{status, message, route_prefix,
//  last_deployed_time_s, deployments:{d:{status, status_trigger, message, target_replicas,
//  running_replicas, replica_states:{STATE:n}}}}}, target_capacity}
nlohmann::json serve_status_json(const ServeStatus& s, const std::vector<std::string>& apps = {});
// Human table: one row per deployment under its application, messages below.
void print_serve_status(std::ostream& os, const ServeStatus& s, const std::vector<std::string>& apps, const Style& st);

}  // namespace rayctl
