// The app layer's checks: what one real request through Serve's HTTP proxy says about a route —
// the proxy's own 404 ("Path '/x' not found", no route_prefix matches: DR601), nothing accepting
// connections (DR602), a server error from the application (DR603), or an answer (ok; an
// application's own 404 or 405 is an answer too). Pure: the walk (ray_layers.cpp) sends the
// requests and adds the route table and the replica's log lines as evidence.
#pragma once

#include "inspect/doctor/doctor_finding.h"
#include "serve/deploy/serve_status.h"

#include <optional>
#include <string>
#include <vector>

namespace rayctl {

// How one request ended: `error` set when no HTTP reply came (refused, reset, timed out);
// `slow` when the connection was made but no reply came within the bound.
struct RouteReply {
  std::string error;
  bool slow = false;
  long status = 0;
  std::string body;
};

// `path` as requested; `port` the proxy's (http_options.port) for messages.
DoctorFinding classify_route_reply(const std::string& path, int port, const RouteReply& reply);

// The application whose route_prefix serves `path` (Serve's longest-prefix match), if any.
const ServeAppStatus* app_for_path(const ServeStatus& s, const std::string& path);

// The body of GET /-/routes ({"/echo": "echo"}) as evidence lines; the text itself otherwise.
std::vector<std::string> route_table_lines(const std::string& body);

// The lines of a replica's log worth showing: the last Python traceback (its first line, then
// its last `max_lines` - 1 lines, where the exception is), else the last `max_lines` lines.
std::vector<std::string> error_log_lines(const std::string& log, size_t max_lines = 10);

// False for lines with nothing to read: blank, or Python's ^^^^ / ~~~~ underlines.
bool worth_showing(const std::string& line);

// The Serve proxy's port from http_options (8000 when Serve did not say).
int serve_http_port(const ServeStatus& s);

}  // namespace rayctl
