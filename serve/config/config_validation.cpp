// `rayctl validate` as a library: kind detection, loading, every check, cross-file placement.
#include "serve/config/config_validation.h"

#include "cluster/spec/cluster_checks.h"
#include "core/error.h"
#include "core/yaml_reader.h"
#include "serve/config/placement_checks.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace rayctl {

namespace {

ConfigKind classify(const YAML::Node& root) {
  if (looks_like_kuberay_manifest(root)) {
    std::string kind = root["kind"].Scalar();
    if (kind == "RayService") return ConfigKind::RayService;
    if (kind == "RayCluster") return ConfigKind::RayCluster;
    return ConfigKind::Other;
  }
  if (looks_like_serve_config(root)) return ConfigKind::Serve;
  if (looks_like_launcher_config(root)) return ConfigKind::Launcher;
  return ConfigKind::Other;
}

void report_other(const YamlDocument& doc, Diagnostics& diags) {
  const YAML::Node& root = doc.root;
  if (root.IsMap() && root["apiVersion"].IsDefined() && root["kind"].IsDefined() && root["kind"].IsScalar()) {
    Diagnostic d;
    d.id = diag_id::kUnknownDocument;
    d.severity = Severity::Note;
    d.loc = doc.start();
    d.message = fmt::format("skipping {} (rayctl checks RayCluster and RayService objects)", root["kind"].Scalar());
    diags.add(d);
    return;
  }
  diags.error(diag_id::kUnknownDocument, doc.start(),
              "cannot tell what this document is: not a Ray launcher file, a Serve config or a KubeRay manifest",
              "a launcher file has 'cluster_name' / 'provider', a Serve config has 'applications', a KubeRay manifest "
              "has 'apiVersion: ray.io/v1' and 'kind: RayCluster' or 'RayService'");
}

std::string read_text(const std::string& path, Diagnostics& diags) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diags.error(diag_id::kUnreadable, SourceLoc{path, 0, 0}, fmt::format("cannot read {}", path),
                "check the path and the file's permissions");
    return {};
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::optional<YamlFile> parse_file(const std::string& label, const std::string& text, Diagnostics& diags,
                                   int line_offset = 0, int column_offset = 0) {
  try {
    return YamlFile::parse(label, text, line_offset, column_offset);
  } catch (const Error& e) {
    diags.error(diag_id::kSyntax, e.loc(), e.message(), e.hint());
  }
  return std::nullopt;
}

// Positions inside a string that could not be mapped line by line point at serveConfigV2
// itself; the message keeps the position inside the string.
void remap_inexact(Diagnostics& inner, const EmbeddedServeConfig& e, Diagnostics& out) {
  for (Diagnostic d : inner.items()) {
    if (d.loc.known())
      d.message += fmt::format(" (line {}, column {} of the serveConfigV2 string)", d.loc.line, d.loc.column);
    d.loc = e.loc;
    if (d.related) {
      d.related_message += fmt::format(" (line {} of the serveConfigV2 string)", d.related->line);
      d.related = e.loc;
    }
    out.add(std::move(d));
  }
}

std::optional<LauncherConfig> load_checked_launcher(const YamlDocument& doc, Diagnostics& diags, LauncherUse use) {
  auto c = load_launcher_config(doc, diags);
  if (c) check_launcher_config(*c, diags, use);
  return c;
}

std::optional<KubeRayManifest> load_checked_kuberay(const YamlDocument& doc, const std::string& text,
                                                    Diagnostics& diags) {
  auto m = load_kuberay_manifest(doc, diags, text);
  if (m) check_kuberay_manifest(*m, diags);
  return m;
}

LoadedDocument load_document(const YamlDocument& doc, const std::string& text, Diagnostics& diags,
                             const ClusterResources* cluster, LauncherUse use) {
  LoadedDocument out;
  out.file = doc.file;
  out.index = doc.index;
  out.kind = classify(doc.root);
  switch (out.kind) {
    case ConfigKind::Launcher: out.launcher = load_checked_launcher(doc, diags, use); break;
    case ConfigKind::Serve:
      out.serve = load_serve_config(doc, diags);
      if (out.serve && cluster) check_serve_placement(*out.serve, *cluster, diags);
      break;
    case ConfigKind::RayCluster: out.kuberay = load_checked_kuberay(doc, text, diags); break;
    case ConfigKind::RayService:
      out.kuberay = load_checked_kuberay(doc, text, diags);
      if (out.kuberay) out.serve = load_embedded_serve_config(*out.kuberay, diags);
      break;
    case ConfigKind::Other: report_other(doc, diags); break;
  }
  return out;
}

}  // namespace

const char* config_kind_name(ConfigKind k) {
  switch (k) {
    case ConfigKind::Launcher: return "launcher";
    case ConfigKind::Serve: return "serve";
    case ConfigKind::RayCluster: return "RayCluster";
    case ConfigKind::RayService: return "RayService";
    case ConfigKind::Other: break;
  }
  return "other";
}

std::optional<ServeConfig> load_embedded_serve_config(const KubeRayManifest& m, Diagnostics& diags) {
  if (!m.serve_config) {
    if (m.kind == "RayService") {
      Diagnostic d;
      d.id = diag_id::kMissingKey;
      d.severity = Severity::Warning;
      d.loc = m.locs.count("spec") ? m.locs.at("spec") : m.loc;
      d.message = "RayService has no serveConfigV2, so it deploys no Serve application and never becomes Ready";
      d.hint = "add 'serveConfigV2: |' with the Serve config (applications: ...) indented below it";
      diags.add(d);
    }
    return std::nullopt;
  }
  const EmbeddedServeConfig& e = *m.serve_config;
  Diagnostics inner;
  std::optional<ServeConfig> serve;
  int lo = e.positions_exact ? e.line_offset : 0, co = e.positions_exact ? e.column_offset : 0;
  if (auto file = parse_file(m.file, e.text, inner, lo, co)) {
    if (file->documents.empty()) {
      inner.error(diag_id::kMissingKey, e.loc, "serveConfigV2 is empty",
                  "put the Serve config (applications: ...) in it");
    } else {
      if (file->documents.size() > 1)
        inner.error(diag_id::kBadValue, file->documents[1].start(), "serveConfigV2 holds more than one YAML document",
                    "keep one Serve config (remove '---')");
      serve = load_serve_config(file->documents.front(), inner);
      if (serve) check_serve_placement(*serve, m.resources, inner);
    }
  }
  // KubeRay PUTs serveConfigV2 as written: nothing uploads a local working_dir for it.
  Diagnostics adjusted;
  for (Diagnostic d : inner.items()) {
    if (d.id == diag_id::kLocalRuntimeEnv) {
      d.severity = Severity::Error;
      d.hint =
          "KubeRay sends serveConfigV2 to Serve as written, and Serve rejects local paths: use a remote .zip URI "
          "(https://, s3://, gs://) or bake the code into the image and drop working_dir";
    }
    adjusted.add(std::move(d));
  }
  if (e.positions_exact)
    diags.append(adjusted);
  else
    remap_inexact(adjusted, e, diags);
  if (serve) serve->file = m.file;
  return serve;
}

void validate_config_text(const std::string& label, const std::string& text, ValidationResult& out,
                          const ClusterResources* cluster, LauncherUse use) {
  out.sources.add(label, text);
  auto file = parse_file(label, text, out.diagnostics);
  if (!file) return;
  if (file->documents.empty())
    out.diagnostics.error(diag_id::kUnknownDocument, SourceLoc{label, 1, 1}, "the file holds no YAML document",
                          "write a launcher file, a Serve config or a KubeRay manifest");
  for (const auto& doc : file->documents)
    out.documents.push_back(load_document(doc, text, out.diagnostics, cluster, use));
}

std::optional<ClusterResources> load_cluster_resources(const std::string& path, Diagnostics& diags,
                                                       SourceCache* sources) {
  std::string text = read_text(path, diags);
  if (sources) sources->add(path, text);
  auto file = parse_file(path, text, diags);
  if (!file) return std::nullopt;
  for (const auto& doc : file->documents) {
    switch (classify(doc.root)) {
      case ConfigKind::Launcher:
        // Only its node shapes matter here: a cloud or Docker file is a fine --cluster.
        if (auto c = load_checked_launcher(doc, diags, LauncherUse::Render)) return c->resources;
        break;
      case ConfigKind::RayCluster:
      case ConfigKind::RayService:
        if (auto m = load_checked_kuberay(doc, text, diags)) return m->resources;
        break;
      default: break;
    }
  }
  diags.error(diag_id::kUnknownDocument, SourceLoc{path, 0, 0},
              fmt::format("{} describes no cluster (expected a launcher file, a RayCluster or a RayService)", path),
              "pass the cluster's launcher file or KubeRay manifest to --cluster");
  return std::nullopt;
}

ValidationResult validate_config_files(const std::vector<std::string>& files, const ValidationOptions& opt) {
  ValidationResult out;
  std::optional<ClusterResources> cluster;
  if (opt.cluster_file) {
    // A cluster file also given as FILE is reported once, by the loop below.
    bool listed = std::find(files.begin(), files.end(), *opt.cluster_file) != files.end();
    Diagnostics scratch;
    cluster = load_cluster_resources(*opt.cluster_file, listed ? scratch : out.diagnostics, &out.sources);
  }
  for (const auto& f : files) {
    out.files.push_back(f);
    Diagnostics read_diags;
    std::string text = read_text(f, read_diags);
    if (read_diags.has_errors()) {
      out.diagnostics.append(read_diags);
      continue;
    }
    validate_config_text(f, text, out, cluster ? &*cluster : nullptr, opt.launcher_use);
  }
  if (opt.cluster_file && std::find(files.begin(), files.end(), *opt.cluster_file) == files.end())
    out.files.push_back(*opt.cluster_file);
  out.diagnostics.sort();
  return out;
}

}  // namespace rayctl
