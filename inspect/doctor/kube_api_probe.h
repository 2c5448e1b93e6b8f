// KubeProbe: how `rayctl doctor` reads the Kubernetes API. Every GET is bounded by the check
// timeout and returns what the API server said — the status, the body, the Status message —
// instead of throwing, so that a check can turn a 403 or a 404 into its finding. Each reply also
// carries the API server's clock (the Date header), which lease ages are measured against so
// that a skewed local clock does not make a live operator look dead.
// The findings the kube_* checks compute from these replies are DoctorFindings (below).
#pragma once

#include "cluster/kube/kube_client.h"
#include "inspect/doctor/doctor_walk.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace rayctl {

// One API reply. status 0: none came (`message` holds the transport error).
struct KubeReply {
  long status = 0;
  nlohmann::json body;  // the parsed body of a 2xx reply; null otherwise
  std::string message;  // the Status message of a non-2xx reply, or the transport error
  std::optional<std::chrono::system_clock::time_point> server_time;  // the Date header

  bool ok() const { return status / 100 == 2; }
  bool denied() const { return status == 401 || status == 403; }
  bool not_found() const { return status == 404; }
  // "403 Forbidden: pods is forbidden: User ..." / "no reply: connection refused" (for evidence).
  std::string describe() const;
  // items[] of a list reply (empty for anything else).
  std::vector<nlohmann::json> items() const;

  // Builders for tests and for the probe.
  static KubeReply of(long status, nlohmann::json body, std::string message = {});
  static KubeReply failed(std::string error);
};

// "Fri, 04 Dec 2026 08:49:17 GMT" (RFC 7231 IMF-fixdate); nullopt for anything else.
std::optional<std::chrono::system_clock::time_point> parse_http_date(const std::string& s);

class KubeProbe {
 public:
  KubeProbe(KubeClient& client, std::chrono::milliseconds timeout) : client_(client), timeout_(timeout) {}

  // GET `path` (server-relative, with query). `retry`: repeat 429/5xx and transport failures the
  // way KubeClient does; off for the first contact, whose failure is the finding.
  KubeReply get(const std::string& path, bool retry = true);
  // GET of a text body (a pod's log); nullopt on any failure.
  std::optional<std::string> get_text(const std::string& path);
  KubeClient& client() { return client_; }
  const std::string& ns() const { return client_.ns(); }

 private:
  KubeClient& client_;
  std::chrono::milliseconds timeout_;
};

// A check's outcome computed from API objects before it is recorded: the pure functions of the
// kube_*_checks files return these (so they are unit-tested), and the walk records them.
struct DoctorFinding {
  std::string id;
  CheckState state = CheckState::Ok;
  std::string subject, summary;
  std::vector<std::string> evidence;
  std::string fix;  // "" = the catalogue's
};

inline void record_finding(DoctorContext& ctx, const DoctorFinding& f) {
  if (f.state == CheckState::Ok)
    ctx.ok(f.id, f.subject, f.summary).evidence = f.evidence;
  else if (f.state == CheckState::Warn)
    ctx.warn(f.id, f.subject, f.summary, f.evidence, f.fix);
  else
    ctx.fail(f.id, f.subject, f.summary, f.evidence, f.fix);
}

}  // namespace rayctl
