// `rayctl diff` for KubeRay manifests: the live object, the file as the API server would store
// it (server-side apply with dryRun=All, as `rayctl up` applies it: field manager rayctl), the
// classification, and the nodes' free capacity when a new RayCluster is built.
#include "cluster/kube/kube_client.h"
#include "inspect/diff/diff.h"
#include "inspect/diff/raycluster_diff.h"
#include "inspect/diff/rayservice_diff.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

namespace rayctl {

namespace {

using json = nlohmann::json;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// TARGET for a manifest: KIND/NAME of the same kind, or NAME; it renames the object compared.
std::string target_name(const std::string& target, const std::string& kind, const std::string& file_name) {
  if (target.empty()) return file_name;
  std::error_code ec;
  if (std::filesystem::is_regular_file(target, ec))
    throw Error(ErrorKind::Usage, "TARGET for a KubeRay manifest is KIND/NAME or NAME, not a file",
                "leave it out to compare with the object the manifest names");
  auto slash = target.find('/');
  if (slash == std::string::npos) return target;
  std::string k = lower(target.substr(0, slash));
  if (k != lower(kind) && k != lower(kind) + "s")
    throw Error(ErrorKind::Usage, fmt::format("the file holds a {}, TARGET names a {}", kind, target.substr(0, slash)),
                "compare a manifest with an object of its own kind");
  return target.substr(slash + 1);
}

// The file's object as the API server would store it; the file's own object (noted) when the
// dry run is refused, e.g. by RBAC.
json dry_run_apply(KubeClient& client, const KubeResource& res, const json& obj, DiffReport& r) {
  ApplyOptions opt;
  opt.dry_run = true;
  opt.force = true;  // what the object becomes, whoever owns the fields today
  try {
    return client.apply(res, obj, opt);
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::Invalid) throw;  // the API server rejects the file: applying it would fail
    r.notes.push_back("the API server's dry run failed (" + std::string(e.what()) +
                      "); compared with the file as written, so fields the API server defaults may show as changes");
    return obj;
  }
}

// Notes where the active RayCluster differs from the live RayService (rayservice_diff.h).
void check_active_cluster(KubeClient& client, const std::string& ns, const json& live, DiffReport& r) {
  std::string active =
      live.value("status", json::object()).value("activeServiceStatus", json::object()).value("rayClusterName", "");
  if (active.empty()) return;
  auto cluster = client.get_optional(KubeResource::raycluster().object_path(ns, active),
                                     {"get", "RayCluster " + ns + "/" + active, true});
  if (cluster) note_cluster_drift(*cluster, live, r);
}

void check_free_capacity(KubeClient& client, DiffReport& r) {
  try {
    json nodes = client.get("/api/v1/nodes", {"list", "nodes", false});
    json pods = client.get("/api/v1/pods?fieldSelector=status.phase!%3DSucceeded,status.phase!%3DFailed",
                           {"list", "pods in all namespaces", false});
    r.capacity = check_capacity(r.capacity->needed, free_capacity(nodes, pods));
  } catch (const Error& e) {
    r.capacity->note = std::string("the API did not allow listing nodes and pods: ") + e.what();
  }
}

}  // namespace

DiffReport run_kube_diff(const json& object, const DiffTarget& t, IOStreams& io) {
  std::string kind = object.value("kind", ""), api_version = object.value("apiVersion", "");
  auto res = KubeResource::for_kind(api_version, kind);
  if (!res || (kind != "RayService" && kind != "RayCluster"))
    throw Error(ErrorKind::Usage, "rayctl diff compares RayService and RayCluster manifests, not " + kind);
  json meta = object.value("metadata", json::object());
  std::string name = target_name(t.ref.target, kind, meta.value("name", ""));
  KubeTarget kt = load_kube_target(t.ref.kubeconfig, {t.ref.context, t.ref.namespace_});
  // The manifest's namespace wins, as `rayctl up` applies it there.
  std::string ns = meta.value("namespace", kt.namespace_);
  kt.namespace_ = ns;
  say_debug(io, fmt::format("kubernetes: {} at {}, namespace {}", kt.identity(), kt.server, ns));
  KubeClient client(std::move(kt));
  json obj = object;
  obj["metadata"]["name"] = name;
  obj["metadata"]["namespace"] = ns;
  auto live = client.get_optional(res->object_path(ns, name), {"get", kind + " " + ns + "/" + name, true});
  DiffReport scratch;
  json desired = dry_run_apply(client, *res, obj, scratch);
  DiffReport r = kind == "RayService" ? diff_rayservice(live.value_or(json()), desired)
                                      : diff_raycluster(live.value_or(json()), desired);
  r.target = lower(kind) + "/" + ns + "/" + name;
  r.notes.insert(r.notes.begin(), scratch.notes.begin(), scratch.notes.end());
  if (live && kind == "RayService") check_active_cluster(client, ns, *live, r);
  if (r.capacity) check_free_capacity(client, r);
  return r;
}

}  // namespace rayctl
