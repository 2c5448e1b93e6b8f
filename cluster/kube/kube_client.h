// KubeClient: a Kubernetes REST client on core/http_client.h for the handful of calls rayctl
// makes — get/list, server-side apply, delete, streamed GETs (watch, logs) and the API
// server's service proxy. It adds credentials, re-authenticates once after a 401 (exec
// plugins, rotated token files), retries 429/5xx and transport failures where the call is
// safe to repeat, and maps failures through kube_api_error.h. One instance per thread.
#pragma once

#include "cluster/kube/kube_api_error.h"
#include "cluster/kube/kube_config.h"
#include "cluster/kube/kube_credentials.h"
#include "core/http_client.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace rayctl {

// An API resource type: group/version, plural, kind, and whether it lives in a namespace.
struct KubeResource {
  std::string group_version;  // "v1", "ray.io/v1"
  std::string plural;         // "rayclusters"
  std::string kind;           // "RayCluster"
  bool namespaced = true;

  std::string collection_path(const std::string& ns) const;  // /apis/ray.io/v1/namespaces/ns/rayclusters
  std::string object_path(const std::string& ns, const std::string& name) const;
  bool ray_io() const { return group_version.rfind("ray.io/", 0) == 0; }

  static const KubeResource& raycluster();
  static const KubeResource& rayservice();
  static const KubeResource& pod();
  static const KubeResource& event();
  // The resource for a manifest's apiVersion + kind; nullopt when rayctl does not handle it.
  static std::optional<KubeResource> for_kind(const std::string& api_version, const std::string& kind);
};

struct ApplyOptions {
  bool dry_run = false;  // dryRun=All: the API server validates and defaults, stores nothing
  bool force = false;    // take ownership of fields another manager owns
  std::string field_manager = "rayctl";
};

// The wait a Retry-After header asks for (delay-seconds only), capped at 10 s; nullopt when
// absent or not a number.
std::optional<std::chrono::milliseconds> retry_after_delay(const std::string& value);

class KubeClient {
 public:
  explicit KubeClient(KubeTarget target, bool stdin_is_tty = false);
  // Another client for another thread: same target and credential cache, own connection.
  std::unique_ptr<KubeClient> clone() const;

  const KubeTarget& target() const { return *target_; }
  const std::string& ns() const { return target_->namespace_; }

  // Sends `path` (server-relative, with query) with credentials and retries; returns any status.
  HttpResponse send(HttpRequest req, bool safe_to_retry);
  // GET returning JSON; throws the mapped Error for non-2xx.
  nlohmann::json get(const std::string& path, const KubeRequestInfo& info);
  // GET; nullopt on a 404 for a missing object (CRD or namespace problems still throw).
  std::optional<nlohmann::json> get_optional(const std::string& path, const KubeRequestInfo& info);
  // Server-side apply of a whole object (PATCH application/apply-patch+yaml, JSON body).
  // Returns the response object; throws the mapped Error (the raw response in last_failure()).
  nlohmann::json apply(const KubeResource& res, const nlohmann::json& object, const ApplyOptions& opt);
  // DELETE with a propagation policy; false when the object was already gone.
  bool remove(const std::string& path, const std::string& propagation, const KubeRequestInfo& info);
  // Streams a GET body (watch, logs); `timeout` 0 means none. Returns the response status;
  // a non-2xx body is collected and returned in the response for mapping.
  HttpResponse stream(const std::string& path, const ChunkHandler& on_chunk, std::chrono::milliseconds timeout);

  // /api/v1/namespaces/{ns}/services/{svc}:{port}/proxy{path}
  static std::string service_proxy_path(const std::string& ns, const std::string& svc, const std::string& port,
                                        const std::string& path);

  const HttpResponse& last_failure() const { return last_failure_; }
  [[noreturn]] void fail(const HttpResponse& r, const KubeRequestInfo& info);

 private:
  KubeClient(std::shared_ptr<const KubeTarget> t, std::shared_ptr<KubeCredentials> c);
  std::shared_ptr<const KubeTarget> target_;
  std::shared_ptr<KubeCredentials> creds_;
  std::unique_ptr<HttpClient> http_;
  HttpResponse last_failure_;
};

}  // namespace rayctl
