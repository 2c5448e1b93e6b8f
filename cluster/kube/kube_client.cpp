// The Kubernetes REST client: credentials, retries and error mapping around HttpClient.
#include "cluster/kube/kube_client.h"

#include "core/error.h"

#include <fmt/format.h>

#include <thread>

namespace rayctl {

std::string KubeResource::collection_path(const std::string& ns) const {
  std::string base = group_version == "v1" ? "/api/v1" : "/apis/" + group_version;
  if (namespaced && !ns.empty()) return fmt::format("{}/namespaces/{}/{}", base, url_encode(ns), plural);
  return fmt::format("{}/{}", base, plural);
}

std::string KubeResource::object_path(const std::string& ns, const std::string& name) const {
  return collection_path(ns) + "/" + url_encode(name);
}

const KubeResource& KubeResource::raycluster() {
  static const KubeResource r{"ray.io/v1", "rayclusters", "RayCluster", true};
  return r;
}
const KubeResource& KubeResource::rayservice() {
  static const KubeResource r{"ray.io/v1", "rayservices", "RayService", true};
  return r;
}
const KubeResource& KubeResource::pod() {
  static const KubeResource r{"v1", "pods", "Pod", true};
  return r;
}
const KubeResource& KubeResource::event() {
  static const KubeResource r{"v1", "events", "Event", true};
  return r;
}

std::optional<KubeResource> KubeResource::for_kind(const std::string& api_version, const std::string& kind) {
  if (api_version.rfind("ray.io/", 0) != 0) return std::nullopt;
  if (kind == "RayCluster") return KubeResource{api_version, "rayclusters", kind, true};
  if (kind == "RayService") return KubeResource{api_version, "rayservices", kind, true};
  if (kind == "RayJob") return KubeResource{api_version, "rayjobs", kind, true};
  return std::nullopt;
}

KubeClient::KubeClient(KubeTarget target, bool stdin_is_tty)
    : target_(std::make_shared<const KubeTarget>(std::move(target))),
      creds_(std::make_shared<KubeCredentials>(*target_, stdin_is_tty)),
      http_(std::make_unique<HttpClient>()) {}

KubeClient::KubeClient(std::shared_ptr<const KubeTarget> t, std::shared_ptr<KubeCredentials> c)
    : target_(std::move(t)), creds_(std::move(c)), http_(std::make_unique<HttpClient>()) {}

std::unique_ptr<KubeClient> KubeClient::clone() const {
  return std::unique_ptr<KubeClient>(new KubeClient(target_, creds_));
}

std::optional<std::chrono::milliseconds> retry_after_delay(const std::string& value) {
  if (value.empty() || value.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  // Digit by digit, stopping at the cap: a huge value must neither overflow nor throw.
  long long seconds = 0;
  for (char c : value) {
    seconds = seconds * 10 + (c - '0');
    if (seconds >= 10) return std::chrono::seconds(10);
  }
  return std::chrono::seconds(seconds);
}

namespace {

bool retryable_status(long s) { return s == 429 || s == 500 || s == 502 || s == 503 || s == 504; }

std::chrono::milliseconds backoff(int attempt, const HttpResponse* r) {
  if (r)
    if (auto d = retry_after_delay(r->header("retry-after"))) return *d;
  return std::chrono::milliseconds(200 << attempt);  // 200, 400, 800 ms
}

constexpr int kMaxRetries = 3;

}  // namespace

HttpResponse KubeClient::send(HttpRequest req, bool safe_to_retry) {
  req.url = target_->server + req.url;
  bool reauthed = false;
  for (int attempt = 0;; ++attempt) {
    HttpRequest r = req;
    creds_->apply(r);
    HttpResponse resp;
    try {
      resp = http_->send(r);
    } catch (const Error& e) {
      if (safe_to_retry && e.kind() == ErrorKind::Network && attempt < kMaxRetries) {
        std::this_thread::sleep_for(backoff(attempt, nullptr));
        continue;
      }
      if (e.kind() == ErrorKind::Network)
        throw Error(ErrorKind::Network, e.message(),
                    fmt::format("is the API server of context \"{}\" reachable? (kubeconfig: {})", target_->context,
                                target_->config_source));
      throw;
    }
    if (resp.status == 401 && !reauthed && creds_->invalidate()) {
      reauthed = true;  // exec plugin re-run / token file re-read, once
      continue;
    }
    if (safe_to_retry && retryable_status(resp.status) && attempt < kMaxRetries) {
      std::this_thread::sleep_for(backoff(attempt, &resp));
      continue;
    }
    return resp;
  }
}

void KubeClient::fail(const HttpResponse& r, const KubeRequestInfo& info) {
  last_failure_ = r;
  throw kube_api_error(r, info, target_->identity());
}

static nlohmann::json parse_body(const HttpResponse& r) {
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_discarded()) throw Error(ErrorKind::Remote, "the API server sent a response that is not JSON");
  return j;
}

nlohmann::json KubeClient::get(const std::string& path, const KubeRequestInfo& info) {
  HttpRequest req;
  req.url = path;
  req.headers.emplace_back("Accept", "application/json");
  auto r = send(req, true);
  if (r.status / 100 != 2) fail(r, info);
  return parse_body(r);
}

std::optional<nlohmann::json> KubeClient::get_optional(const std::string& path, const KubeRequestInfo& info) {
  HttpRequest req;
  req.url = path;
  req.headers.emplace_back("Accept", "application/json");
  auto r = send(req, true);
  if (r.status == 404) {
    auto s = parse_kube_status(r);
    if (s.is_status && s.kind != "namespaces") return std::nullopt;
  }
  if (r.status / 100 != 2) fail(r, info);
  return parse_body(r);
}

nlohmann::json KubeClient::apply(const KubeResource& res, const nlohmann::json& object, const ApplyOptions& opt) {
  auto meta = object.value("metadata", nlohmann::json::object());
  std::string name = meta.value("name", "");
  std::string ns = meta.value("namespace", target_->namespace_);
  HttpRequest req;
  req.method = "PATCH";
  req.url =
      fmt::format("{}?fieldManager={}&fieldValidation=Strict{}{}", res.object_path(ns, name),
                  url_encode(opt.field_manager), opt.force ? "&force=true" : "", opt.dry_run ? "&dryRun=All" : "");
  req.headers.emplace_back("Content-Type", "application/apply-patch+yaml");  // JSON is valid YAML
  req.headers.emplace_back("Accept", "application/json");
  nlohmann::json body = object;
  body["metadata"]["namespace"] = ns;
  req.body = body.dump();
  auto r = send(req, true);  // apply is idempotent
  if (r.status / 100 != 2) fail(r, {"apply", fmt::format("{} {}/{}", res.kind, ns, name), res.ray_io()});
  return parse_body(r);
}

bool KubeClient::remove(const std::string& path, const std::string& propagation, const KubeRequestInfo& info) {
  HttpRequest req;
  req.method = "DELETE";
  req.url = path;
  req.headers.emplace_back("Content-Type", "application/json");
  req.headers.emplace_back("Accept", "application/json");
  req.body = nlohmann::json{{"kind", "DeleteOptions"}, {"apiVersion", "v1"}, {"propagationPolicy", propagation}}.dump();
  auto r = send(req, true);
  if (r.status == 404) {
    auto s = parse_kube_status(r);
    if (s.is_status) return false;
  }
  if (r.status / 100 != 2) fail(r, info);
  return true;
}

HttpResponse KubeClient::stream(const std::string& path, const ChunkHandler& on_chunk,
                                std::chrono::milliseconds timeout) {
  HttpRequest req;
  req.url = target_->server + path;
  req.timeout = timeout;
  req.headers.emplace_back("Accept", "application/json");
  for (int pass = 0; pass < 2; ++pass) {
    HttpRequest r = req;
    creds_->apply(r);
    long status = 0;
    std::string error_body;
    auto resp = http_->stream(
        r,
        [&](std::string_view chunk) {
          if (status / 100 != 2) {
            error_body.append(chunk);
            return true;
          }
          return on_chunk(chunk);
        },
        [&](long s) { status = s; });
    if (resp.status == 0) resp.status = status;
    resp.body = std::move(error_body);
    if (resp.status == 401 && pass == 0 && creds_->invalidate()) continue;
    return resp;
  }
  return {};
}

std::string KubeClient::service_proxy_path(const std::string& ns, const std::string& svc, const std::string& port,
                                           const std::string& path) {
  std::string p = path.empty() || path[0] != '/' ? "/" + path : path;
  return fmt::format("/api/v1/namespaces/{}/services/{}:{}/proxy{}", url_encode(ns), url_encode(svc), port, p);
}

}  // namespace rayctl
