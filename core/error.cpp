// Error kinds, their exit codes and JSON form.
#include "core/error.h"

namespace rayctl {

ExitCode exit_code_for(ErrorKind k) {
  switch (k) {
    case ErrorKind::Usage: return ExitCode::Usage;
    case ErrorKind::Network: return ExitCode::Unreachable;
    case ErrorKind::Auth:
    case ErrorKind::HostKey: return ExitCode::Auth;
    case ErrorKind::Timeout: return ExitCode::Timeout;
    case ErrorKind::Conflict: return ExitCode::Conflict;
    case ErrorKind::Cancelled: return ExitCode::Cancelled;
    default: return ExitCode::Error;
  }
}

const char* error_kind_name(ErrorKind k) {
  switch (k) {
    case ErrorKind::Invalid: return "invalid";
    case ErrorKind::Usage: return "usage";
    case ErrorKind::NotFound: return "not_found";
    case ErrorKind::Io: return "io";
    case ErrorKind::Network: return "network";
    case ErrorKind::Auth: return "auth";
    case ErrorKind::HostKey: return "host_key";
    case ErrorKind::Timeout: return "timeout";
    case ErrorKind::Conflict: return "conflict";
    case ErrorKind::Remote: return "remote";
    case ErrorKind::Cancelled: return "cancelled";
    case ErrorKind::Internal: return "internal";
  }
  return "internal";
}

Error::Error(ErrorKind kind, std::string message, std::string hint, SourceLoc loc, std::string subject)
    : std::runtime_error(message),
      kind_(kind),
      message_(std::move(message)),
      hint_(std::move(hint)),
      loc_(std::move(loc)),
      subject_(std::move(subject)) {}

nlohmann::json to_json(const Error& e) {
  nlohmann::json j = {{"kind", error_kind_name(e.kind())},
                      {"message", e.message()},
                      {"exit_code", static_cast<int>(exit_code_for(e.kind()))}};
  j["hint"] = e.hint().empty() ? nlohmann::json(nullptr) : nlohmann::json(e.hint());
  j["subject"] = e.subject().empty() ? nlohmann::json(nullptr) : nlohmann::json(e.subject());
  if (!e.loc().file.empty()) {
    j["file"] = e.loc().file;
    j["line"] = e.loc().line;
    j["column"] = e.loc().column;
  }
  return j;
}

}  // namespace rayctl
