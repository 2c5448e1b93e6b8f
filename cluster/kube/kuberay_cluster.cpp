// The KubeRay object behind the Cluster interface (see kuberay_cluster.h).
#include "cluster/kube/kuberay_cluster.h"

#include "cluster/kube/kube_health_print.h"
#include "core/duration.h"

#include <fmt/format.h>

namespace rayctl {

namespace {

// The operator names a cluster's head service NAME-head-svc, for a RayCluster and a RayService.
std::string head_service(const std::string& name) { return name + "-head-svc"; }

// "raycluster/x" → {raycluster, x}; nullopt without a slash. Throws Error(Usage) for other kinds.
std::optional<std::pair<KubeResource, std::string>> parse_kind_name(const std::string& target) {
  auto slash = target.find('/');
  if (slash == std::string::npos) return std::nullopt;
  std::string kind = target.substr(0, slash), name = target.substr(slash + 1);
  for (auto& c : kind) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (name.empty())
    throw Error(ErrorKind::Usage, "'" + target + "' names no object", "use raycluster/NAME or rayservice/NAME");
  if (kind == "raycluster" || kind == "rayclusters") return std::make_pair(KubeResource::raycluster(), name);
  if (kind == "rayservice" || kind == "rayservices") return std::make_pair(KubeResource::rayservice(), name);
  throw Error(ErrorKind::Usage, fmt::format("unknown kind \"{}\"", target.substr(0, slash)),
              "use raycluster/NAME or rayservice/NAME");
}

// Progress lines while rayctl waits, on a TTY or as plain lines (not with -q).
HealthCallback progress_of(IOStreams& io, std::unique_ptr<KubeProgress>& progress) {
  if (io.verbosity < 0) return [](const RayObjectHealth&) {};
  progress = std::make_unique<KubeProgress>(io);
  return [p = progress.get()](const RayObjectHealth& h) { p->update(h); };
}

class KubeProxyDashboard : public DashboardTransport {
 public:
  KubeProxyDashboard(std::unique_ptr<KubeClient> client, std::string service, std::string port)
      : client_(std::move(client)), service_(std::move(service)), port_(std::move(port)) {}
  HttpResponse send(HttpRequest req) override {
    req.url = KubeClient::service_proxy_path(client_->ns(), service_, port_, req.url);
    bool safe_to_retry = req.method == "GET";
    return client_->send(std::move(req), safe_to_retry);
  }
  std::string url() const override {
    return client_->target().server + KubeClient::service_proxy_path(client_->ns(), service_, port_, "");
  }
  std::string route() const override {
    return "the API server's service proxy to " + client_->ns() + "/" + service_ +
           (port_ == "dashboard" ? "" : ":" + port_);
  }

 private:
  std::unique_ptr<KubeClient> client_;
  std::string service_, port_;
};

}  // namespace

std::unique_ptr<DashboardTransport> kube_proxy_dashboard(const KubeClient& client, const std::string& service) {
  return kube_proxy_service(client, service, "dashboard");
}

std::unique_ptr<DashboardTransport> kube_proxy_service(const KubeClient& client, const std::string& service,
                                                       const std::string& port) {
  return std::make_unique<KubeProxyDashboard>(client.clone(), service, port);
}

KubeRayCluster::KubeRayCluster(const ClusterRef& ref, std::optional<KubeRaySpec> spec, bool stdin_is_tty)
    : ref_(ref), spec_(std::move(spec)), stdin_is_tty_(stdin_is_tty) {
  if (spec_) {
    name_ = spec_->manifest.name;
    resource_ = KubeResource::for_kind(spec_->manifest.object.value("apiVersion", "ray.io/v1"), spec_->manifest.kind);
  } else if (auto kn = parse_kind_name(ref.target)) {
    resource_ = kn->first;
    name_ = kn->second;
  } else {
    name_ = ref.target;
  }
}

KubeRayCluster::~KubeRayCluster() = default;

KubeClient& KubeRayCluster::client(IOStreams* io) {
  if (!client_) {
    auto target = load_kube_target(ref_.kubeconfig, {ref_.context, ref_.namespace_});
    if (io)
      say_debug(*io,
                fmt::format("kubernetes: {} at {}, namespace {}", target.identity(), target.server, target.namespace_));
    client_ = std::make_unique<KubeClient>(std::move(target), stdin_is_tty_);
  }
  return *client_;
}

const KubeResource& KubeRayCluster::resource() {
  if (!resource_) resource_ = kube_resolve_kind(client(), name_);
  return *resource_;
}

UpReport KubeRayCluster::up(const UpOptions& opt, IOStreams& io, CancelFlag&) {
  if (!spec_)
    throw Error(ErrorKind::Usage, "`up` needs the manifest file, not " + ref_.target, "run `rayctl up MANIFEST.yaml`");
  KubeUpRequest req;
  req.object = spec_->manifest.object;
  req.apply.dry_run = opt.dry_run;
  req.apply.force = opt.force_conflicts;
  req.wait = opt.wait && !opt.dry_run;
  req.timeout = opt.timeout;
  std::unique_ptr<KubeProgress> progress;
  auto on_change = progress_of(io, progress);
  KubeClient& c = client(&io);
  try {
    auto r = kube_up(c, req, on_change);
    if (progress) progress->finish();
    return r;
  } catch (const Error& e) {
    if (progress) progress->finish();
    long status = c.last_failure().status;
    if (e.kind() == ErrorKind::Invalid && (status == 422 || status == 400 || status == 500)) {
      // The API server's validation failures, at the manifest's lines.
      auto diags = validation_diagnostics(parse_kube_status(c.last_failure()), spec_->file.documents[spec_->doc]);
      SourceCache cache;
      cache.add(spec_->file.file, spec_->file.text);
      render_diagnostics(*io.err, diags, cache, {io.color, io.err_tty});
    }
    throw;
  }
}

DownReport KubeRayCluster::down(const DownOptions& opt, IOStreams& io, CancelFlag&) {
  if (opt.workers_only)
    throw Error(ErrorKind::Usage, "--workers-only stops the workers of an SSH cluster",
                "scale a KubeRay worker group with its replicas (rayctl up MANIFEST.yaml)");
  std::unique_ptr<KubeProgress> progress;
  auto on_change = progress_of(io, progress);
  KubeClient& c = client(&io);
  auto r = kube_down(c, resource(), name_, opt.wait, opt.timeout, on_change);
  if (progress) progress->finish();
  if (r.waited && r.outcome == WaitOutcome::TimedOut) {
    print_kube_reasons(*io.err, r.health, Style{io.color});
    throw Error(ErrorKind::Timeout,
                fmt::format("{} {}/{}: {} pods still present after {}", r.kind, r.namespace_, r.name,
                            r.health.live_pods, format_duration(opt.timeout)),
                "pods may be held by finalizers; check them with rayctl status");
  }
  return r;
}

StatusReport KubeRayCluster::status(const ConnectOptions&, IOStreams& io, CancelFlag&) {
  KubeClient& c = client(&io);
  return kube_status(c, resource(), name_);
}

std::vector<std::string> KubeRayCluster::logs(const LogsOptions& opt, IOStreams& io, CancelFlag&) {
  if (!opt.nodes.empty() || !opt.component.empty())
    throw Error(ErrorKind::Usage,
                "--node and --component pick Ray's log files on SSH nodes; " + describe() + " runs on Kubernetes",
                "use --group GROUP, --pod POD or --container NAME");
  KubeClient& c = client(&io);
  KubeLogRequest req{opt.group, opt.pod, opt.container, opt.follow, opt.tail, opt.timestamps};
  Style st{io.color};
  kube_logs(c, resource(), name_, req, [&](const std::string& prefix, const std::string& line) {
    if (opt.json_lines)
      *io.out << nlohmann::json{{"source", prefix}, {"line", line}}.dump() << '\n';
    else
      *io.out << st.cyan("[" + prefix + "]") << ' ' << line << '\n';
    io.out->flush();
  });
  return {};
}

void KubeRayCluster::refuse_shell(const std::string& what, const std::string& command) const {
  std::string ns = ref_.namespace_.empty() ? "" : " -n " + ref_.namespace_;
  throw Error(
      ErrorKind::Usage,
      fmt::format("`rayctl {}` does not reach into Kubernetes pods yet ({} runs on Kubernetes)", what, describe()),
      fmt::format("use kubectl{} exec -it svc/{} -- {}", ns, head_service(name_), command));
}

std::vector<ExecNodeResult> KubeRayCluster::exec(const ExecOptions& opt, IOStreams&, CancelFlag&) {
  refuse_shell("exec", opt.command.empty() ? "CMD" : opt.command);
}

int KubeRayCluster::attach(const std::string&, const ConnectOptions&, const std::vector<PortForward>& port_forwards) {
  if (!port_forwards.empty()) {
    std::string ns = ref_.namespace_.empty() ? "" : " -n " + ref_.namespace_;
    std::string ports;
    for (const PortForward& f : port_forwards)
      ports += " " + (f.local == f.remote ? std::to_string(f.local)
                                          : std::to_string(f.local) + ":" + std::to_string(f.remote));
    throw Error(ErrorKind::Usage,
                fmt::format("`rayctl attach --port-forward` does not reach into Kubernetes pods yet ({} runs on "
                            "Kubernetes)",
                            describe()),
                fmt::format("use kubectl{} port-forward svc/{}{} (and `rayctl dashboard` for the dashboard)", ns,
                            head_service(name_), ports));
  }
  refuse_shell("attach", "bash");
}

std::unique_ptr<DashboardTransport> KubeRayCluster::dashboard(IOStreams& io, const CancelFlag*) {
  return kube_proxy_dashboard(client(&io), head_service(name_));
}

ServeConfigOwner* KubeRayCluster::serve_config_owner() {
  if (resource().kind == "RayService") return this;
  throw Error(
      ErrorKind::Usage,
      fmt::format("{} is not a RayService; Serve on Kubernetes is deployed through a RayService's serveConfigV2",
                  describe()),
      "use --cluster rayservice/NAME (rayctl render --to rayservice CLUSTER.yaml --serve SERVE.yaml makes one)");
}

KubeUpResult KubeRayCluster::deploy(const std::string& serve_config_yaml, bool wait, std::chrono::milliseconds timeout,
                                    IOStreams& io) {
  std::unique_ptr<KubeProgress> progress;
  auto on_change = progress_of(io, progress);
  auto r = kube_serve_deploy(client(&io), name_, serve_config_yaml, wait, timeout, on_change);
  if (progress) progress->finish();
  return r;
}

RayObjectHealth KubeRayCluster::status() { return kube_status(client(), resource(), name_); }

std::string KubeRayCluster::describe() const {
  std::string kind = resource_ ? resource_->kind : "object";
  return kind + " " + (ref_.namespace_.empty() ? "" : ref_.namespace_ + "/") + name_;
}

}  // namespace rayctl
