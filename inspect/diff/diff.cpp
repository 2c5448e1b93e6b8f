// `rayctl diff`: which kind of file, where its target is, and the launcher and Serve cases
// (see diff.h; the KubeRay case is kube_diff.cpp).
#include "inspect/diff/diff.h"

#include "cluster/launcher/cluster_up.h"
#include "cluster/spec/spec_files.h"
#include "core/yaml_source.h"
#include "inspect/diff/launcher_diff.h"
#include "serve/config/serve_spec.h"
#include "serve/serve_target.h"

#include <filesystem>
#include <sstream>

namespace rayctl {

namespace {

enum class FileKind { KubeRay, Serve, Launcher };

FileKind file_kind(const std::string& path) {
  YamlFile file = YamlFile::load(path);
  for (const auto& d : file.documents)
    if (looks_like_kuberay_manifest(d.root)) return FileKind::KubeRay;
  for (const auto& d : file.documents)
    if (looks_like_serve_config(d.root)) return FileKind::Serve;
  return FileKind::Launcher;
}

bool is_file(const std::string& path) {
  std::error_code ec;
  return !path.empty() && std::filesystem::is_regular_file(path, ec);
}

// The file the record says `up` last used, loaded without printing its diagnostics (it is
// only the "before" of the command diff); nullopt when it is gone or no longer loads.
std::optional<LauncherConfig> load_quietly(const std::string& path) {
  if (!is_file(path)) return std::nullopt;
  std::ostringstream sink;
  IOStreams quiet = IOStreams::capture(sink, sink);
  try {
    return load_launcher_spec(path, quiet);
  } catch (const Error&) {
    return std::nullopt;
  }
}

void refuse_address(const DiffTarget& t, const std::string& what) {
  if (!t.address.address.empty())
    throw Error(ErrorKind::Usage, "--address is for Serve configs", what + " is compared with its own target");
}

DiffReport launcher_diff(const DiffTarget& t, IOStreams& io) {
  refuse_address(t, "a launcher file");
  if (t.ref.has_kube_flags())
    throw Error(ErrorKind::Usage, "--kubeconfig/--context/-n are for KubeRay manifests", "drop them");
  LauncherConfig cfg = load_launcher_spec(t.file, io);
  std::string name = cfg.cluster_name;
  if (is_file(t.ref.target)) {
    if (auto other = load_quietly(t.ref.target)) name = other->cluster_name;
  } else if (!t.ref.target.empty()) {
    name = t.ref.target;
  }
  ClusterStateStore store;
  std::optional<ClusterRecord> record = store.load(name);
  if (!record && !t.ref.target.empty())
    throw Error(ErrorKind::NotFound, "no cluster named " + name + " was brought up by rayctl",
                "run `rayctl status` to list them, or leave TARGET out to use the file's cluster_name");
  if (record) cfg.cluster_name = record->name;
  LauncherDiffInput in;
  in.config = &cfg;
  in.mounts = digest_file_mounts(cfg);
  in.record = record ? &*record : nullptr;
  std::optional<LauncherConfig> previous = record ? load_quietly(record->config_file) : std::nullopt;
  if (previous) {
    previous->cluster_name = record->name;
    in.previous = &*previous;
    in.previous_mounts = digest_file_mounts(*previous);
  }
  return diff_launcher(in);
}

DiffReport serve_diff(const DiffTarget& t, const EnvLookup& env, IOStreams& io) {
  ServeConfig cfg = load_serve_spec(t.file, io);
  ServeTargetOptions opt;
  opt.addr = t.address;
  opt.addr.cluster = t.ref.target;
  opt.kube = t.ref;
  auto target = ServeTarget::open(opt, env, io);
  DashboardClient& dash = target->dashboard_for_reading();
  DiffReport r;
  r.kind = "serve";
  r.file = t.file;
  r.target = t.ref.target.empty() ? dash.endpoint().url : t.ref.target;
  r.serve = diff_serve_config(dash.serve_details(), cfg.body, t.merge);
  if (target->owner())
    r.notes.push_back("the Serve config belongs to " + target->owner()->describe() +
                      ": apply it with `rayctl serve deploy` (it goes into spec.serveConfigV2)");
  return r;
}

}  // namespace

DiffReport run_diff(const DiffTarget& t, const EnvLookup& env, IOStreams& io) {
  if (!is_file(t.file)) throw Error(ErrorKind::NotFound, "no such file: " + t.file);
  switch (file_kind(t.file)) {
    case FileKind::KubeRay: {
      refuse_address(t, "a KubeRay manifest");
      KubeRaySpec spec = load_kuberay_spec(t.file, io);
      DiffReport r = run_kube_diff(spec.manifest.object, t, io);
      r.file = t.file;
      return r;
    }
    case FileKind::Serve: return serve_diff(t, env, io);
    case FileKind::Launcher: return launcher_diff(t, io);
  }
  return {};
}

}  // namespace rayctl
