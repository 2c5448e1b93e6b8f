// KubeCredentials: turns a KubeTarget's user entry into what each request carries — a bearer
// token header, or TLS client certificate material — running exec credential plugins
// (client.authentication.k8s.io) when needed and caching their result until it expires.
// Secrets held here are never printed; errors name the plugin or file, never the token.
#pragma once

#include "cluster/kube/kube_config.h"
#include "core/http_client.h"

#include <chrono>
#include <mutex>
#include <optional>
#include <string>

namespace rayctl {

// What an exec plugin returned (ExecCredential.status).
struct ExecCredential {
  std::string token;
  std::string client_cert_pem, client_key_pem;
  std::optional<std::chrono::system_clock::time_point> expires;
};

// Parses the plugin's stdout. Throws Error(Auth) naming the plugin when it is malformed.
ExecCredential parse_exec_credential(const std::string& plugin, const std::string& json_text);
// The KUBERNETES_EXEC_INFO value handed to the plugin.
std::string exec_info_json(const KubeExecConfig& exec, const KubeTarget& target, bool interactive);
// RFC 3339 "2026-11-23T10:00:00Z" (fractional seconds and offsets accepted).
std::optional<std::chrono::system_clock::time_point> parse_rfc3339(const std::string& s);

class KubeCredentials {
 public:
  explicit KubeCredentials(const KubeTarget& target, bool stdin_is_tty = false);

  // Adds Authorization and client certificate material to a request (thread-safe).
  void apply(HttpRequest& req);
  // After a 401: forget cached tokens so that the next apply() re-runs the plugin / re-reads
  // the token file. Returns false when nothing could change (static token, certificate).
  bool invalidate();
  // How many times the exec plugin ran (for tests and -v output).
  int exec_runs() const { return exec_runs_; }

 private:
  void refresh_exec_locked();
  const KubeTarget& target_;
  bool stdin_tty_;
  std::mutex mu_;
  std::optional<ExecCredential> exec_cached_;
  std::string file_token_;
  std::chrono::steady_clock::time_point file_read_at_{};
  int exec_runs_ = 0;
};

}  // namespace rayctl
