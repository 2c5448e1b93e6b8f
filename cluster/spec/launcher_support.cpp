// The launcher fields `rayctl up` refuses or ignores (see launcher_support.h).
#include "cluster/spec/launcher_support.h"

#include "cluster/spec/cluster_diag_ids.h"

#include <fmt/format.h>

namespace rayctl {

namespace {

const char* kNoAutoscaler =
    "an SSH cluster has no autoscaler in rayctl: `rayctl up` starts every worker in worker_ips (up to "
    "max_workers) and they run until `rayctl down`";

}  // namespace

const std::vector<IgnoredLauncherField>& launcher_fields_up_ignores() {
  static const std::vector<IgnoredLauncherField> fields = {
      {"auth.ssh_proxy_use_node_id",
       "on-prem machines have no node ids: the proxy command's %h is the host from head_ip / worker_ips", "remove it"},
      {"auth.ssh_public_key", "rayctl installs no keys; the machines must already accept auth.ssh_private_key",
       "remove it (Ray uses it only for cloud providers)"},
      {"file_mounts_sync_continuously",
       "rayctl copies file_mounts once per `rayctl up`; nothing syncs them while the cluster runs",
       "run `rayctl up` again to copy changed mounts (setup commands re-run when a mount changes)"},
      {"idle_timeout_minutes", kNoAutoscaler, "remove it; `rayctl down` stops the cluster"},
      {"upscaling_speed", kNoAutoscaler, "remove it"},
      {"min_workers", kNoAutoscaler, "remove it; list fewer worker_ips or set max_workers to start fewer workers"},
      {"no_restart", "rayctl reads --no-restart from its command line only", "use `rayctl up --no-restart FILE`"},
      {"provider.coordinator_address",
       "rayctl does not talk to a coordinator server; it starts the machines listed in head_ip and worker_ips",
       "remove it"},
      {"provider.external_head_ip", "rayctl reaches the head at head_ip (through provider.bastion if set)",
       "put the address this machine can reach in head_ip, or set provider.bastion"},
      {"provider.use_internal_ips", "rayctl uses head_ip and worker_ips exactly as written", "remove it"},
      {"docker", "the docker block names no image, so Docker is off (as in Ray) and its options do nothing",
       "remove the docker block"},
  };
  return fields;
}

void check_launcher_up_support(const LauncherConfig& c, Diagnostics& diags) {
  if (c.provider_type != "local" && !c.provider_type.empty() && c.locs.count("provider.type")) {
    diags.error(diag_id::kCloudProvider, c.locs.at("provider.type"),
                fmt::format("provider type '{}': `rayctl up` creates no cloud machines; it starts Ray on machines "
                            "you list (provider type 'local') or on Kubernetes through KubeRay",
                            c.provider_type),
                "for Kubernetes: `rayctl render --to raycluster FILE > raycluster.yaml` then `rayctl up "
                "raycluster.yaml`; for your own machines: 'type: local' with head_ip and worker_ips");
    return;  // one error: the rest of the file is for another launcher
  }
  if (c.docker.enabled() && c.locs.count("docker.image"))
    diags.error(diag_id::kDockerOnHost, c.locs.at("docker.image"),
                "rayctl runs Ray on the host, not in a container: `rayctl up` would run every setup and start "
                "command outside this image",
                "remove the docker block (or set image: \"\") and install Ray on the machines with setup_commands; "
                "to run the image, use KubeRay: `rayctl render --to raycluster FILE`");
  if (c.head_ip.empty() && c.ignored_fields.count("provider.coordinator_address"))
    diags.error(diag_id::kCloudProvider, c.ignored_fields.at("provider.coordinator_address"),
                "provider.coordinator_address: rayctl does not use a coordinator server, so this cluster has no "
                "machines for `rayctl up`",
                "list the machines instead: head_ip: 10.0.0.1 and worker_ips: [10.0.0.2, ...]");
  for (const auto& f : launcher_fields_up_ignores()) {
    auto it = c.ignored_fields.find(f.path);
    if (it == c.ignored_fields.end()) continue;
    if (c.head_ip.empty() && it->first == "provider.coordinator_address") continue;  // the error above
    diags.warning(diag_id::kIgnoredByUp, it->second,
                  fmt::format("'{}' is ignored by `rayctl up`: {}", f.path, f.instead), f.hint);
  }
}

}  // namespace rayctl
