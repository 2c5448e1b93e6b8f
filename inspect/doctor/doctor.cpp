#include "inspect/doctor/doctor.h"

#include "cluster/kube/kuberay_cluster.h"
#include "cluster/launcher/ssh_cluster.h"
#include "core/error.h"
#include "inspect/doctor/kube_layers.h"
#include "inspect/doctor/ssh_layers.h"

#include <chrono>

namespace rayctl {
namespace {

// "http://host:8265" with its port replaced: the Serve proxy listens on the dashboard's host.
std::string with_port(const std::string& url, int port) {
  auto scheme_end = url.find("://");
  size_t host_start = scheme_end == std::string::npos ? 0 : scheme_end + 3;
  size_t host_end = url.find('/', host_start);
  std::string authority =
      url.substr(host_start, host_end == std::string::npos ? std::string::npos : host_end - host_start);
  std::string host = authority;
  if (!authority.empty() && authority[0] == '[') {
    host = authority.substr(0, authority.find(']') + 1);
  } else if (auto colon = authority.rfind(':'); colon != std::string::npos) {
    host = authority.substr(0, colon);
  }
  return "http://" + host + ":" + std::to_string(port);
}

RayAccess address_access(const DoctorTarget& t, const DoctorOptions& opt, const EnvLookup& env) {
  DashboardAddressOptions a = t.address;
  a.request_timeout = opt.check_timeout;
  RayAccess access;
  access.endpoint = resolve_dashboard_address(a, env);
  access.endpoint.timeout = opt.check_timeout;
  access.route = "direct";
  std::string url = access.endpoint.url;
  access.open_dashboard = [url] { return direct_dashboard(url); };
  access.open_serve_proxy = [url](int port) { return direct_dashboard(with_port(url, port)); };
  return access;
}

}  // namespace

DoctorReport run_doctor(const DoctorTarget& t, const DoctorOptions& opt, const EnvLookup& env, IOStreams& io,
                        CancelFlag& cancel) {
  auto start = std::chrono::steady_clock::now();
  const bool by_address = !t.address.address.empty();
  if (by_address && !t.ref.target.empty())
    throw Error(ErrorKind::Usage, "give either TARGET or --address, not both",
                "--address URL checks a Ray dashboard you reach directly; TARGET names a cluster");
  if (by_address && t.ref.has_kube_flags())
    throw Error(ErrorKind::Usage, "--kubeconfig, --context and -n name a KubeRay object, not a --address");
  if (!by_address && t.ref.target.empty())
    throw Error(ErrorKind::Usage,
                "name the cluster to check: TARGET (NAME, FILE, raycluster/NAME, rayservice/NAME) "
                "or --address URL of its dashboard");
  DoctorReport report;
  DoctorContext ctx(report, opt, io, cancel);
  using L = DoctorLayer;
  if (by_address) {
    RayAccess access = address_access(t, opt, env);
    report.target = access.endpoint.url;
    report.provider = "dashboard";
    report.layers = {L::Dashboard, L::Serve, L::Resources, L::App};
    walk_ray_layers(access, ctx);
  } else {
    report.target = t.ref.target;
    std::unique_ptr<Cluster> cluster = open_cluster(t.ref, io);
    report.provider = cluster->provider();
    if (auto* ssh = dynamic_cast<SshCluster*>(cluster.get())) {
      report.layers = {L::Ssh, L::Ray, L::Dashboard, L::Serve, L::Resources, L::App};
      walk_ssh_layers(*ssh, ctx);
      if (!ctx.broken()) walk_ray_layers(ssh_ray_access(*ssh, ctx), ctx);
    } else if (auto* kube = dynamic_cast<KubeRayCluster*>(cluster.get())) {
      report.layers = {L::Kubernetes, L::KubeRay, L::Pods, L::Ray, L::Dashboard, L::Serve, L::Resources, L::App};
      walk_kube_layers(*kube, ctx);
      if (!ctx.broken()) walk_ray_layers(kube_ray_access(*kube, ctx), ctx);
    } else {
      throw Error(ErrorKind::Internal, "doctor does not know clusters of provider " + cluster->provider());
    }
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace rayctl
