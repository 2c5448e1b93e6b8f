// The serve layer's checks, read from what GET /api/serve/applications/ returns (parsed by
// parse_serve_status, serve/deploy/serve_status.h): the controller (DR401), the proxies (DR402),
// the --app asked for (DR403), each application RUNNING (DR404) and its deployments healthy
// (DR405). Pure: the walk (ray_layers.cpp) adds the replicas' log lines to failed deployments.
#pragma once

#include "inspect/doctor/doctor_finding.h"
#include "serve/deploy/serve_status.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace rayctl {

// `details` is the raw reply (for node IPs the parsed status leaves out); `app` is --app ("" = all).
std::vector<DoctorFinding> serve_findings(const ServeStatus& s, const nlohmann::json& details, const std::string& app);

// The applications the later layers look at: --app alone, else every one.
std::vector<const ServeAppStatus*> selected_apps(const ServeStatus& s, const std::string& app);

// "app/deployment", the subject of a deployment's checks.
std::string deployment_subject(const std::string& app, const std::string& deployment);

// The evidence lines of a Serve message: its lines, a long traceback cut to its first line and
// last `max_lines` - 1 (where the exception is).
std::vector<std::string> message_lines(const std::string& message, size_t max_lines = 12);

}  // namespace rayctl
