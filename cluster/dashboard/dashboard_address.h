// Finding the Ray dashboard: turns --address / RAY_DASHBOARD_ADDRESS / --cluster and the
// token sources (--token-file, RAY_AUTH_TOKEN, RAY_AUTH_TOKEN_PATH) into a DashboardEndpoint.
// The order is the `serve` CLI's (flag, then environment, then http://localhost:8265); a
// --cluster is a Cluster's own dashboard (Cluster::dashboard(), cluster/cluster.h).
#pragma once

#include "cluster/dashboard/dashboard_client.h"
#include "core/output.h"

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace rayctl {

struct DashboardAddressOptions {
  std::string address;     // --address URL (http(s)://host:port or host:port)
  std::string cluster;     // --cluster NAME|FILE
  std::string token_file;  // --token-file PATH
  std::chrono::milliseconds request_timeout{30000};
};

// Reads an environment variable; tests pass their own.
using EnvLookup = std::function<std::string(const std::string& name)>;
EnvLookup process_env();

// "host:port" → "http://host:port"; "http://h:p/" → "http://h:p". Throws Error(Usage) for other
// schemes (ray://, gcs addresses) with a hint about the dashboard port.
std::string normalize_dashboard_url(const std::string& address);

// The bearer token, if any: --token-file, then RAY_AUTH_TOKEN, then RAY_AUTH_TOKEN_PATH.
// (Ray's default ~/.ray/auth_token is tried by DashboardClient only after a 401.)
std::string resolve_dashboard_token(const std::string& token_file, const EnvLookup& env);

// Resolves the endpoint for --address / env / default (no I/O beyond reading a token file).
DashboardEndpoint resolve_dashboard_address(const DashboardAddressOptions& opt, const EnvLookup& env);

}  // namespace rayctl
