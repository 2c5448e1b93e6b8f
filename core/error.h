// Error: the one exception type rayctl's libraries throw for failures a user must see.
// It carries a kind (which decides the process exit code), a message, a hint and, where it
// applies, a location in a file or a named object (node, pod, app). The CLI prints it through
// one printer for humans and for -o json.
#pragma once

#include "core/diagnostics.h"

#include <stdexcept>
#include <string>

namespace rayctl {

// Documented exit codes (man/rayctl.1, EXIT STATUS). Never renumber.
enum class ExitCode : int {
  Ok = 0,
  Error = 1,        // operation failed, or validation found errors
  Usage = 2,        // bad command line
  Pending = 3,      // not ready yet: deploying, pods pending
  Unhealthy = 4,    // failed / unhealthy (serve status, deploy)
  Timeout = 5,      // --timeout expired
  Unreachable = 6,  // could not connect (SSH, dashboard, API server)
  Auth = 7,         // authentication / host key / permission problem
  Conflict = 8,     // lock held by another rayctl, 409 from the API server
  Cancelled = 130,  // interrupted (SIGINT)
};

enum class ErrorKind {
  Invalid,
  Usage,
  NotFound,
  Io,
  Network,
  Auth,
  HostKey,
  Timeout,
  Conflict,
  Remote,
  Cancelled,
  Internal
};

ExitCode exit_code_for(ErrorKind k);
const char* error_kind_name(ErrorKind k);  // "invalid", "usage", ... (stable, in -o json)

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, std::string message, std::string hint = {}, SourceLoc loc = {}, std::string subject = {});

  ErrorKind kind() const { return kind_; }
  const std::string& message() const { return message_; }
  const std::string& hint() const { return hint_; }
  const SourceLoc& loc() const { return loc_; }
  // What the error is about when it is not a file position: "node worker-1", "pod x", "app rag".
  const std::string& subject() const { return subject_; }

 private:
  ErrorKind kind_;
  std::string message_;
  std::string hint_;
  SourceLoc loc_;
  std::string subject_;
};

nlohmann::json to_json(const Error& e);

}  // namespace rayctl
