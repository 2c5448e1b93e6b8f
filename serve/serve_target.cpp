// Resolving the serve verbs' target and acting on it (see serve_target.h).
#include "serve/serve_target.h"

#include "cluster/spec/spec_files.h"
#include "core/yaml_source.h"
#include "serve/config/serve_spec.h"

namespace rayctl {

namespace {

// The Serve config text a RayService gets: a Serve config file as it is, or the serveConfigV2
// of a RayService manifest.
std::string serve_config_text(const std::string& path, IOStreams& io) {
  auto file = YamlFile::load(path);
  for (const auto& d : file.documents)
    if (looks_like_kuberay_manifest(d.root)) {
      auto spec = load_kuberay_spec(path, io);
      if (!spec.manifest.serve_config)
        throw Error(ErrorKind::Invalid, path + " has no spec.serveConfigV2",
                    "give a Serve config file or a RayService manifest");
      return spec.manifest.serve_config->text;
    }
  if (file.documents.empty() || !file.documents.front().root["applications"])
    throw Error(ErrorKind::Invalid, path + " is not a Serve config (no applications:)",
                "give a Serve config (applications: [...]) or a RayService manifest");
  return file.text;
}

}  // namespace

std::unique_ptr<ServeTarget> ServeTarget::open(const ServeTargetOptions& opt, const EnvLookup& env, IOStreams& io) {
  auto t = std::unique_ptr<ServeTarget>(new ServeTarget());
  t->io_ = io;
  t->cluster_arg_ = opt.addr.cluster;
  if (opt.addr.cluster.empty()) {
    if (opt.kube.has_kube_flags())
      throw Error(ErrorKind::Usage, "--kubeconfig/--context/-n need the RayService to act on",
                  "add --cluster rayservice/NAME");
    t->endpoint_ = resolve_dashboard_address(opt.addr, env);
    t->transport_ = direct_dashboard(t->endpoint_.url, t->endpoint_.source);
    return t;
  }
  if (!opt.addr.address.empty())
    throw Error(ErrorKind::Usage, "--cluster and --address both name a dashboard", "pass only one of them");
  t->endpoint_.token = resolve_dashboard_token(opt.addr.token_file, env);
  t->endpoint_.timeout = opt.addr.request_timeout;
  ClusterRef ref = opt.kube;
  ref.target = opt.addr.cluster;
  t->cluster_ = open_cluster(ref, io);
  t->owner_ = t->cluster_->serve_config_owner();
  t->endpoint_.source = "cluster " + t->cluster_->name();
  return t;
}

DashboardClient& ServeTarget::dashboard_for_reading() {
  if (!client_) {
    if (!transport_) {
      transport_ = cluster_->dashboard(io_, nullptr);
      endpoint_.url = transport_->url();
      if (transport_->route().rfind("direct", 0) != 0) endpoint_.source += " (" + transport_->route() + ")";
    }
    client_ = std::make_unique<DashboardClient>(endpoint_, *transport_);
  }
  return *client_;
}

DashboardClient& ServeTarget::dashboard(const std::string& verb) {
  if (owner_)
    throw Error(ErrorKind::Usage, "`rayctl serve " + verb + "` does not act on a RayService yet",
                "`rayctl serve status --cluster " + cluster_arg_ + "` shows its applications; `rayctl down " +
                    cluster_arg_ + "` removes the RayService");
  return dashboard_for_reading();
}

ServeDeployReport deploy_serve_file(ServeTarget& target, const std::string& file, const ServeDeployOptions& opt,
                                    IOStreams& io) {
  if (ServeConfigOwner* owner = target.owner()) {
    if (opt.merge)
      throw Error(ErrorKind::Usage, "--merge does not apply to a RayService",
                  "its spec.serveConfigV2 is the whole Serve config: put every application in the file");
    return owner->deploy(serve_config_text(file, io), opt.wait, opt.timeout, io);
  }
  ServeConfig cfg = load_serve_spec(file, io);
  ServeDeploy deploy(target.dashboard("deploy"), io, opt);
  return deploy.run(cfg, file);
}

ServeStatusReport serve_status(ServeTarget& target, bool live) {
  if (target.owner() && !live) return target.owner()->status();
  return parse_serve_status(target.dashboard_for_reading().serve_details());
}

}  // namespace rayctl
