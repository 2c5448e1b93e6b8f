// Loading KubeRay RayCluster / RayService manifests (ray.io/v1): the parts rayctl reasons about
// (groups, replicas, rayStartParams, containers[0] resources and ports, serveConfigV2) with
// their positions, and the NodeShape each group gives Ray. Everything else stays in `object`
// untouched; unknown keys inside the parts we know are warnings (the API server prunes them),
// never errors. The checks across fields are a later step (cluster_checks.cpp).
#include "cluster/spec/kuberay_manifest.h"

#include "core/json_yaml.h"
#include "core/yaml_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <cmath>

namespace rayctl {

namespace {

const char* kPrunedHint =
    "the API server drops fields its CRD does not know; check the spelling (ignore this if it is a field of a newer "
    "KubeRay)";

// A mapping's value by key without yaml-cpp's throwing operator[]; Undefined when absent.
YAML::Node child(const YAML::Node& map, const char* key) {
  if (map.IsDefined() && map.IsMap())
    for (auto it = map.begin(); it != map.end(); ++it)
      if (it->first.IsScalar() && it->first.Scalar() == key) return it->second;
  return YAML::Node(YAML::NodeType::Undefined);
}

// As Kubernetes reads it (goyaml v2 gives a timestamp-looking value to a map of strings as its text).
bool is_string_scalar(const YAML::Node& n) {
  if (!n.IsScalar()) return false;
  YamlScalar::Kind k = resolve_scalar(n, YamlDialect::GoYamlV2).kind;
  return k == YamlScalar::Kind::String || k == YamlScalar::Kind::Timestamp;
}

// Reads a map of strings (rayStartParams, resources). Kubernetes rejects non-string values.
std::map<std::string, std::string> read_string_map(const YamlDocument& doc, const YAML::Node& n,
                                                   const std::string& path, const std::string& loc_prefix,
                                                   std::map<std::string, SourceLoc>& locs, Diagnostics& diags) {
  std::map<std::string, std::string> out;
  if (!n.IsDefined() || n.IsNull()) return out;
  if (!n.IsMap()) {
    diags.error(diag_id::kWrongType, doc.loc(n),
                fmt::format("'{}' must be a mapping of strings, not {}", path, yaml_kind_name(n, doc.dialect)),
                "write it as 'key: \"value\"' lines");
    return out;
  }
  for (auto it = n.begin(); it != n.end(); ++it) {
    if (!it->first.IsScalar()) continue;
    std::string key = it->first.Scalar();
    locs[loc_prefix + key] = doc.loc(it->second);
    if (!it->second.IsScalar()) {
      diags.error(diag_id::kWrongType, doc.loc(it->second),
                  fmt::format("'{}.{}' must be a string, not {}", path, key, yaml_kind_name(it->second, doc.dialect)),
                  "Kubernetes stores these values as strings; write the value in quotes");
      continue;
    }
    if (!is_string_scalar(it->second)) {
      diags.error(diag_id::kWrongType, doc.loc(it->second),
                  fmt::format("'{}.{}' must be a string, but {} is read as a {}", path, key, it->second.Scalar(),
                              yaml_to_json(it->second, YamlDialect::GoYamlV2).is_boolean() ? "boolean" : "number"),
                  fmt::format("quote it: {}: \"{}\" (the API server rejects a non-string value here)", key,
                              it->second.Scalar()));
    }
    out[key] = it->second.Scalar();
  }
  return out;
}

std::optional<double> param_number(const std::map<std::string, std::string>& params, const std::string& key) {
  auto it = params.find(key);
  if (it == params.end()) return std::nullopt;
  std::string v = it->second;
  if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front()) v = v.substr(1, v.size() - 2);
  if (auto d = parse_double(v)) return d;
  return parse_quantity(v);
}

std::optional<double> resource_value(const std::map<std::string, std::string>& m, const std::string& key) {
  auto it = m.find(key);
  if (it == m.end()) return std::nullopt;
  return parse_quantity(it->second);
}

// The resources one pod of a group gives Ray, the way KubeRay builds `ray start`: rayStartParams
// win; otherwise container limits (then requests) for CPU (rounded up) and memory; GPUs from any
// limit whose name ends in "gpu"; custom resources from rayStartParams.resources (JSON) and the
// group's `resources`.
NodeShape compute_shape(const RayGroupSpec& g) {
  NodeShape s;
  s.name = g.name;
  s.is_head = g.is_head;
  s.loc = g.loc;
  if (auto v = param_number(g.ray_start_params, "num-cpus")) {
    s.cpus = *v;
  } else if (auto l = resource_value(g.limits, "cpu")) {
    s.cpus = std::ceil(*l - 1e-9);
  } else if (auto r = resource_value(g.requests, "cpu")) {
    s.cpus = std::ceil(*r - 1e-9);
  }
  if (auto v = param_number(g.ray_start_params, "num-gpus")) {
    s.gpus = *v;
  } else {
    double gpus = 0;
    for (const auto& [name, q] : g.limits)
      if (name.size() >= 3 && name.compare(name.size() - 3, 3, "gpu") == 0)
        if (auto v = parse_quantity(q)) gpus += *v;
    s.gpus = gpus;
  }
  if (auto v = param_number(g.ray_start_params, "memory")) {
    s.memory_bytes = *v;
  } else if (auto l = resource_value(g.limits, "memory")) {
    s.memory_bytes = *l;
  } else if (auto r = resource_value(g.requests, "memory")) {
    s.memory_bytes = *r;
  }
  if (auto tpu = resource_value(g.limits, "google.com/tpu")) s.custom["TPU"] = *tpu;
  auto res = g.ray_start_params.find("resources");
  if (res != g.ray_start_params.end()) {
    std::string text = res->second;
    if (text.size() >= 2 && (text.front() == '"' || text.front() == '\'') && text.back() == text.front())
      text = text.substr(1, text.size() - 2);
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_object())
      for (auto it = j.begin(); it != j.end(); ++it)
        if (it.value().is_number()) s.custom[it.key()] = it.value().get<double>();
  }
  for (const auto& [name, q] : g.ray_resources) {
    auto v = parse_quantity(q);
    if (!v) continue;
    if (name == "CPU")
      s.cpus = *v;
    else if (name == "GPU")
      s.gpus = *v;
    else if (name == "memory")
      s.memory_bytes = *v;
    else
      s.custom[name] = *v;
  }
  if (g.is_head) {
    s.min_count = s.max_count = 1;
  } else {
    s.min_count = g.min_replicas;
    s.max_count = g.max_replicas;
  }
  return s;
}

// containers[0] of a pod template: the Ray container (KubeRay's rule).
void read_container(const YamlDocument& doc, const YAML::Node& tmpl, const std::string& path, RayGroupSpec& g,
                    Diagnostics& diags) {
  YamlMapReader t(doc, tmpl, path, diags);
  t.allow_all();
  YamlMapReader spec(doc, t.node("spec"), path + ".spec", diags);
  spec.allow_all();
  YAML::Node containers = spec.node("containers");
  g.locs["template"] = doc.loc(tmpl);
  if (!containers.IsDefined() || !containers.IsSequence() || containers.size() == 0) {
    if (t.is_map())
      diags.error(diag_id::kMissingKey, spec.is_map() ? spec.loc() : t.loc(),
                  fmt::format("{}.spec has no containers; KubeRay runs Ray in containers[0]", path),
                  "add spec.containers with the Ray container first (name, image, resources)");
    return;
  }
  g.container_count = static_cast<int>(containers.size());
  g.locs["containers"] = doc.loc(containers);
  YAML::Node c = containers[0];
  YamlMapReader cr(doc, c, path + ".spec.containers[0]", diags);
  cr.allow_all();
  if (!cr.is_map()) return;
  g.locs["container"] = cr.loc();
  g.container_name = cr.str("name").value_or("");
  YamlMapReader res(doc, cr.node("resources"), path + ".spec.containers[0].resources", diags);
  res.allow_all();
  if (res.is_map()) {
    g.locs["resources"] = res.loc();
    g.requests = read_string_map(doc, res.node("requests"), res.child_path("requests"), "requests.", g.locs, diags);
    g.limits = read_string_map(doc, res.node("limits"), res.child_path("limits"), "limits.", g.locs, diags);
    for (const auto* m : {&g.requests, &g.limits})
      for (const auto& [name, q] : *m)
        if (!parse_quantity(q)) {
          std::string key = (m == &g.requests ? "requests." : "limits.") + name;
          diags.error(diag_id::kBadValue, g.locs[key], fmt::format("'{}' is not a Kubernetes quantity: '{}'", key, q),
                      "use a number with an optional suffix, e.g. \"2\", \"500m\", \"4Gi\"");
        }
  }
  YAML::Node ports = cr.node("ports");
  if (ports.IsDefined() && ports.IsSequence()) {
    g.locs["ports"] = doc.loc(ports);
    for (const auto& p : ports) {
      if (!p.IsMap()) continue;
      ContainerPort cp;
      YAML::Node name = child(p, "name"), port = child(p, "containerPort");
      if (name.IsDefined() && name.IsScalar()) cp.name = name.Scalar();
      if (port.IsDefined() && port.IsScalar()) cp.port = static_cast<int>(parse_int(port.Scalar()).value_or(0));
      g.ports.push_back(cp);
    }
  }
}

RayGroupSpec read_group(const YamlDocument& doc, const YAML::Node& n, const std::string& path, bool is_head,
                        Diagnostics& diags) {
  RayGroupSpec g;
  g.is_head = is_head;
  g.loc = doc.loc(n);
  YamlMapReader r(doc, n, path, diags);
  if (!r.is_map()) return g;
  if (is_head) {
    g.name = "headgroup";
    g.replicas = g.min_replicas = g.max_replicas = 1;
    r.allow({"serviceType", "headService", "enableIngress", "ingressOptions", "labels"});
  } else {
    g.name = r.str("groupName", true).value_or("");
    g.locs["groupName"] = r.value_loc("groupName");
    g.replicas_set = r.has("replicas");
    g.min_set = r.has("minReplicas");
    g.max_set = r.has("maxReplicas");
    g.locs["replicas"] = r.value_loc("replicas");
    g.locs["minReplicas"] = r.value_loc("minReplicas");
    g.locs["maxReplicas"] = r.value_loc("maxReplicas");
    g.min_replicas = static_cast<int>(r.integer("minReplicas", 0, INT32_MAX).value_or(0));
    g.max_replicas = static_cast<int>(r.integer("maxReplicas", 0, INT32_MAX).value_or(INT32_MAX));
    g.replicas = static_cast<int>(r.integer("replicas", 0, INT32_MAX).value_or(0));
    int hosts = static_cast<int>(r.integer("numOfHosts", 1, 1 << 16).value_or(1));
    if (hosts > 1) {
      g.min_replicas = static_cast<int>(std::min<int64_t>(INT32_MAX, int64_t{g.min_replicas} * hosts));
      g.max_replicas = static_cast<int>(std::min<int64_t>(INT32_MAX, int64_t{g.max_replicas} * hosts));
      g.replicas = static_cast<int>(std::min<int64_t>(INT32_MAX, int64_t{g.replicas} * hosts));
    }
    r.allow({"labels", "idleTimeoutSeconds", "priority", "scaleStrategy", "suspend"});
  }
  g.locs["group"] = g.loc;
  g.locs["rayStartParams"] = r.has("rayStartParams") ? r.key_loc("rayStartParams") : g.loc;
  g.ray_start_params =
      read_string_map(doc, r.node("rayStartParams"), r.child_path("rayStartParams"), "rayStartParams.", g.locs, diags);
  g.ray_resources = read_string_map(doc, r.node("resources"), r.child_path("resources"), "resources.", g.locs, diags);
  YAML::Node tmpl = r.node("template");
  if (!tmpl.IsDefined()) {
    diags.error(diag_id::kMissingKey, g.loc, fmt::format("missing required key 'template' in {}", path),
                "add a pod template whose containers[0] is the Ray container");
  } else {
    read_container(doc, tmpl, r.child_path("template"), g, diags);
  }
  r.report_unknown(Severity::Warning, kPrunedHint);
  return g;
}

RayClusterSpecView read_cluster_spec(const YamlDocument& doc, const YAML::Node& n, const std::string& path,
                                     Diagnostics& diags) {
  RayClusterSpecView v;
  YamlMapReader r(doc, n, path, diags);
  if (!r.is_map()) return v;
  v.ray_version = r.str("rayVersion");
  v.in_tree_autoscaling = r.boolean("enableInTreeAutoscaling").value_or(false);
  YAML::Node head = r.node("headGroupSpec");
  if (!head.IsDefined()) {
    diags.error(diag_id::kMissingKey, r.loc(), fmt::format("missing required key 'headGroupSpec' in {}", path),
                "add headGroupSpec with rayStartParams and a pod template");
  } else {
    v.groups.push_back(read_group(doc, head, r.child_path("headGroupSpec"), true, diags));
  }
  YAML::Node workers = r.node("workerGroupSpecs");
  if (workers.IsDefined() && !workers.IsNull()) {
    if (!workers.IsSequence()) {
      diags.error(diag_id::kWrongType, doc.loc(workers),
                  fmt::format("'{}.workerGroupSpecs' must be a list, not {}", path, yaml_kind_name(workers)),
                  "write each worker group as a '- groupName: ...' item");
    } else {
      for (size_t i = 0; i < workers.size(); ++i)
        v.groups.push_back(read_group(doc, workers[i], fmt::format("{}.workerGroupSpecs[{}]", path, i), false, diags));
    }
  }
  r.allow({"autoscalerOptions", "suspend", "managedBy", "headServiceAnnotations", "gcsFaultToleranceOptions",
           "upgradeStrategy", "authOptions", "networkPolicy", "tlsOptions", "historyServerOptions"});
  r.report_unknown(Severity::Warning, kPrunedHint);
  return v;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::string cur;
  for (char c : text) {
    if (c == '\n') {
      if (!cur.empty() && cur.back() == '\r') cur.pop_back();
      lines.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) lines.push_back(cur);
  return lines;
}

std::string strip_trailing_newlines(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

// Maps a serveConfigV2 string back to manifest lines: a literal block (`|`, `|-`, `|+`, `|2`)
// maps line by line with its indentation stripped; a one-line quoted or plain string maps to
// its column. Anything else keeps positions relative to the string (positions_exact = false).
EmbeddedServeConfig locate_embedded(const YamlDocument& doc, const YAML::Node& value, const SourceLoc& key_loc,
                                    const std::string& source_text) {
  EmbeddedServeConfig e;
  e.text = value.Scalar();
  e.loc = key_loc;
  e.positions_exact = false;
  YAML::Mark m = value.Mark();
  std::vector<std::string> lines = split_lines(source_text);
  int L = m.line, C = m.column;
  if (L < 0 || C < 0 || L >= static_cast<int>(lines.size()) || C > static_cast<int>(lines[L].size())) {
    e.line_offset = doc.line_offset + std::max(0, L);
    e.column_offset = doc.column_offset;
    return e;
  }
  const std::string& line = lines[L];
  if (C < static_cast<int>(line.size()) && line[C] == '|') {
    int explicit_indent = 0;
    for (size_t i = C + 1;
         i < line.size() && (line[i] == '-' || line[i] == '+' || std::isdigit(static_cast<unsigned char>(line[i])));
         ++i)
      if (std::isdigit(static_cast<unsigned char>(line[i]))) explicit_indent = line[i] - '0';
    int indent = -1;
    if (explicit_indent > 0) {
      size_t k = 0;
      while (k < line.size() && (line[k] == ' ' || (line[k] == '-' && k + 1 < line.size() && line[k + 1] == ' '))) ++k;
      indent = static_cast<int>(k) + explicit_indent;
    } else {
      for (size_t l = L + 1; l < lines.size(); ++l) {
        size_t first = lines[l].find_first_not_of(' ');
        if (first == std::string::npos) continue;
        indent = static_cast<int>(first);
        break;
      }
    }
    if (indent > 0) {
      std::string rebuilt;
      for (size_t l = L + 1; l < lines.size(); ++l) {
        const std::string& s = lines[l];
        size_t first = s.find_first_not_of(' ');
        if (first == std::string::npos) {
          rebuilt += (s.size() > static_cast<size_t>(indent) ? s.substr(indent) : std::string()) + "\n";
          continue;
        }
        if (static_cast<int>(first) < indent) break;
        rebuilt += s.substr(indent) + "\n";
      }
      if (strip_trailing_newlines(rebuilt) == strip_trailing_newlines(e.text)) {
        e.line_offset = doc.line_offset + L + 1;
        e.column_offset = doc.column_offset + indent;
        e.positions_exact = true;
        return e;
      }
    }
  } else if (e.text.find('\n') == std::string::npos) {
    bool quoted = C < static_cast<int>(line.size()) && (line[C] == '"' || line[C] == '\'');
    int start = quoted ? C + 1 : C;
    if (line.compare(start, e.text.size(), e.text) == 0) {
      e.line_offset = doc.line_offset + L;
      e.column_offset = doc.column_offset + start;
      e.positions_exact = true;
      return e;
    }
  }
  e.line_offset = doc.line_offset + L;
  e.column_offset = doc.column_offset + C;
  return e;
}

void read_service_spec(const YamlDocument& doc, YamlMapReader& spec, KubeRayManifest& m, const std::string& source_text,
                       Diagnostics& diags) {
  for (const char* k : {"serviceUnhealthySecondThreshold", "deploymentUnhealthySecondThreshold"})
    if (spec.has(k)) m.locs[std::string("spec.") + k] = spec.key_loc(k);
  spec.allow({"serviceUnhealthySecondThreshold", "deploymentUnhealthySecondThreshold", "upgradeStrategy",
              "excludeHeadPodFromServeSvc", "serveService", "rayClusterDeletionDelaySeconds", "suspend", "managedBy"});
  if (spec.has("serveService")) m.locs["spec.serveService"] = spec.key_loc("serveService");
  YAML::Node cfg = spec.node("rayClusterConfig");
  if (!cfg.IsDefined()) {
    diags.error(diag_id::kMissingKey, spec.loc(), "missing required key 'rayClusterConfig' in spec",
                "add spec.rayClusterConfig: the RayCluster spec (headGroupSpec, workerGroupSpecs) to run Serve on");
  } else {
    m.locs["spec.rayClusterConfig"] = spec.key_loc("rayClusterConfig");
    m.cluster = read_cluster_spec(doc, cfg, "spec.rayClusterConfig", diags);
    // Walk only through mappings that exist: a chain of lookups on absent keys is not safe in yaml-cpp.
    YAML::Node at;
    at.reset(cfg);
    bool found = true;
    for (const char* key : {"headGroupSpec", "headService", "metadata", "name"}) {
      if (!at.IsDefined() || !at.IsMap()) {
        found = false;
        break;
      }
      at.reset(child(at, key));  // rebind; operator= would write into the document
    }
    if (found && at.IsDefined()) m.locs["headService.metadata.name"] = doc.loc(at);
  }
  YAML::Node serve = spec.node("serveConfigV2");
  if (serve.IsDefined() && !serve.IsNull()) {
    m.locs["spec.serveConfigV2"] = spec.key_loc("serveConfigV2");
    if (!serve.IsScalar()) {
      diags.error(diag_id::kWrongType, doc.loc(serve),
                  fmt::format("'spec.serveConfigV2' must be a string holding YAML, not {}", yaml_kind_name(serve)),
                  "write it as a block string: 'serveConfigV2: |' followed by the Serve config indented below");
    } else {
      m.serve_config = locate_embedded(doc, serve, spec.key_loc("serveConfigV2"), source_text);
    }
  }
}

}  // namespace

bool looks_like_kuberay_manifest(const YAML::Node& root) {
  if (!root.IsMap()) return false;
  YAML::Node api = child(root, "apiVersion"), kind = child(root, "kind");
  return api.IsDefined() && api.IsScalar() && api.Scalar().rfind("ray.io/", 0) == 0 && kind.IsDefined() &&
         kind.IsScalar();
}

std::optional<KubeRayManifest> load_kuberay_manifest(const YamlDocument& parsed, Diagnostics& diags,
                                                     const std::string& source_text) {
  // Kubernetes reads manifests with sigs.k8s.io/yaml (goyaml v2): its typing, not PyYAML's. The
  // serveConfigV2 string inside is Ray's, read with PyYAML (a document of its own).
  YamlDocument doc = parsed;
  doc.dialect = YamlDialect::GoYamlV2;
  YamlMapReader r(doc, doc.root, "", diags);
  if (!r.is_map()) return std::nullopt;
  KubeRayManifest m;
  m.file = doc.file;
  m.loc = doc.start();
  m.object = yaml_to_json(doc, doc.root);
  auto api = r.str("apiVersion", true);
  m.locs["apiVersion"] = r.value_loc("apiVersion");
  if (api && *api != "ray.io/v1") {
    if (*api == "ray.io/v1alpha1")
      diags.warning(diag_id::kDeprecated, r.value_loc("apiVersion"), "apiVersion ray.io/v1alpha1 is deprecated",
                    "use apiVersion: ray.io/v1 (the storage version since KubeRay 1.0)");
    else
      diags.error(diag_id::kBadValue, r.value_loc("apiVersion"), fmt::format("unsupported apiVersion '{}'", *api),
                  "use apiVersion: ray.io/v1");
  }
  m.kind = r.one_of("kind", {"RayCluster", "RayService"}, true).value_or("");
  m.locs["kind"] = r.value_loc("kind");
  if (m.kind.empty()) return std::nullopt;
  YamlMapReader meta(doc, r.node("metadata"), "metadata", diags);
  meta.allow_all();
  if (!r.has("metadata")) {
    diags.error(diag_id::kMissingKey, r.loc(), "missing required key 'metadata'", "add metadata with a name");
  } else if (meta.is_map()) {
    bool generated = meta.has("generateName");
    m.name = meta.str("name", !generated).value_or("");
    m.locs["metadata.name"] = meta.has("name") ? meta.value_loc("name") : meta.loc();
    m.namespace_ = meta.str("namespace").value_or("");
  }
  r.allow({"status"});
  YamlMapReader spec(doc, r.node("spec"), "spec", diags);
  if (!r.has("spec")) {
    diags.error(
        diag_id::kMissingKey, r.loc(), "missing required key 'spec'",
        m.kind == "RayService" ? "add spec with rayClusterConfig and serveConfigV2" : "add spec with headGroupSpec");
  } else if (spec.is_map()) {
    m.locs["spec"] = spec.loc();
    if (m.kind == "RayCluster") {
      spec.allow_all();
      m.cluster = read_cluster_spec(doc, r.node("spec"), "spec", diags);
    } else {
      read_service_spec(doc, spec, m, source_text, diags);
      spec.report_unknown(Severity::Warning, kPrunedHint);
    }
  }
  r.report_unknown(Severity::Warning, kPrunedHint);
  m.resources.source = doc.file;
  for (auto& g : m.cluster.groups) {
    g.shape = compute_shape(g);
    // Without the autoscaler a group runs exactly `replicas` pods (clamped into [min, max]).
    if (!g.is_head && !m.cluster.in_tree_autoscaling) {
      int n = std::clamp(g.replicas, g.min_replicas, std::max(g.min_replicas, g.max_replicas));
      g.shape.min_count = g.shape.max_count = n;
    }
    m.resources.shapes.push_back(g.shape);
  }
  return m;
}

}  // namespace rayctl
