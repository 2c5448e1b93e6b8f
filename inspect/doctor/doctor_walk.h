// DoctorContext: what each layer's checks record into as the walk goes outside in, and the
// options every check honours (the per-check time bound, --app, --path). A walk records every
// check it runs — the healthy ones too, with what they saw — and stops after the first layer
// with a failure (callers test broken() between layers).
#pragma once

#include "cluster/dashboard/dashboard_client.h"
#include "cluster/launcher/cluster_target.h"
#include "core/output.h"
#include "inspect/doctor/doctor_report.h"

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace rayctl {

class CancelFlag;
class ProgressBoard;

struct DoctorOptions {
  std::string app;                 // --app NAME: only this Serve application (it must exist)
  std::vector<std::string> paths;  // --path PATH: routes to request besides each app's route_prefix
  // The bound on each check's network calls (connect + reply), --check-timeout.
  std::chrono::milliseconds check_timeout{5000};
  ConnectOptions connect;  // --accept-new-host-keys
};

class DoctorContext {
 public:
  DoctorContext(DoctorReport& report, const DoctorOptions& opt, IOStreams& io, CancelFlag& cancel);
  ~DoctorContext();

  // Records one check (its title from the catalogue; the fix defaults to the catalogue's) with the
  // time since the previous record. The reference is valid until the next check is recorded.
  CheckResult& ok(const std::string& id, const std::string& subject, const std::string& summary);
  CheckResult& warn(const std::string& id, const std::string& subject, const std::string& summary,
                    std::vector<std::string> evidence = {}, const std::string& fix = {});
  CheckResult& fail(const std::string& id, const std::string& subject, const std::string& summary,
                    std::vector<std::string> evidence = {}, const std::string& fix = {});

  // A check has failed: the walk stops at the end of the layer it is in.
  bool broken() const;
  // Announces the layer about to be walked (progress on a TTY; a plain line with -v), and records
  // the checks deferred to it.
  void begin_layer(DoctorLayer l);
  // Records a check when the walk reaches `layer`: for a provider that learns about a later
  // layer early (Kubernetes: nvidia.com/gpu limits against num-gpus, DR502, read from the spec
  // in the pods layer). Never recorded when the walk stops before that layer, so a later layer's
  // failure cannot cut the walk short of the layers in between.
  void at_layer(DoctorLayer layer, std::function<void(DoctorContext&)> record);

  DoctorReport& report;
  const DoctorOptions& opt;
  IOStreams& io;
  CancelFlag& cancel;

 private:
  CheckResult& record(const std::string& id, const std::string& subject, CheckState state, const std::string& summary,
                      std::vector<std::string> evidence, const std::string& fix);
  std::chrono::steady_clock::time_point last_;
  std::unique_ptr<ProgressBoard> progress_;
  std::vector<std::pair<DoctorLayer, std::function<void(DoctorContext&)>>> deferred_;
};

// How the walk reaches one Ray head's HTTP endpoints, whatever runs the cluster: the provider's
// walk fills it (SSH tunnel, direct, the API server's service proxy).
struct RayAccess {
  DashboardEndpoint endpoint;  // url (for messages), token, timeout per request (the check bound)
  std::string route;           // how requests travel, for evidence lines: "SSH tunnel to head ..."
  // Opens a transport to the dashboard; throws Error(Network|Timeout|Auth|HostKey) when it cannot.
  std::function<std::unique_ptr<DashboardTransport>()> open_dashboard;
  // Opens a transport to the Serve HTTP proxy listening on `port` on the head (Serve's
  // http_options.port); throws like open_dashboard.
  std::function<std::unique_ptr<DashboardTransport>(int port)> open_serve_proxy;
  // Optional: lines that say why the dashboard does not answer, read another way than through
  // it (the SSH provider: the head's dashboard process and the tail of its dashboard.log).
  std::function<std::vector<std::string>()> dashboard_evidence;
};

}  // namespace rayctl
