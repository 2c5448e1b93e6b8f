// The Serve config loader beyond the fixture table: what it keeps, maps and leaves out of the
// request body, and where it says things are.
#include "serve/config/serve_config.h"
#include "cluster/spec/kuberay_manifest.h"
#include "core/error.h"
#include "core/state_store.h"
#include "core/yaml_source.h"
#include "serve/config/config_validation.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>

using namespace rayctl;

namespace {

struct Loaded {
  std::optional<ServeConfig> config;
  Diagnostics diags;
};

Loaded load(const std::string& text) {
  Loaded l;
  auto f = YamlFile::parse("serve.yaml", text);
  l.config = load_serve_config(f.documents.at(0), l.diags);
  return l;
}

const Diagnostic* find(const Diagnostics& ds, const std::string& id) {
  for (const auto& d : ds.items())
    if (d.id == id) return &d;
  return nullptr;
}

}  // namespace

TEST(ServeConfigLoader, DeprecatedNamesAreMappedWithAWarningAtTheirPosition) {
  auto l = load(
      "applications:\n"
      "  - name: app\n"
      "    import_path: mod:app\n"
      "    deployments:\n"
      "      - name: D\n"
      "        max_concurrent_queries: 7\n"
      "        autoscaling_config:\n"
      "          min_replicas: 1\n"
      "          max_replicas: 3\n"
      "          target_num_ongoing_requests_per_replica: 2\n");
  ASSERT_TRUE(l.config);
  EXPECT_EQ(l.diags.error_count(), 0u);
  EXPECT_EQ(l.diags.warning_count(), 2u);
  const auto& d = l.config->applications.at(0).deployments.at(0);
  EXPECT_EQ(d.max_ongoing_requests, 7);
  ASSERT_TRUE(d.autoscaling);
  EXPECT_EQ(d.autoscaling->target_ongoing_requests, 2.0);
  // The body carries today's names only.
  const auto& body_dep = l.config->body["applications"][0]["deployments"][0];
  EXPECT_EQ(body_dep["max_ongoing_requests"], 7);
  EXPECT_FALSE(body_dep.contains("max_concurrent_queries"));
  EXPECT_EQ(body_dep["autoscaling_config"]["target_ongoing_requests"], 2);
  EXPECT_FALSE(body_dep["autoscaling_config"].contains("target_num_ongoing_requests_per_replica"));
  // Each warning points at the deprecated key itself.
  std::set<int> lines;
  for (const auto& w : l.diags.items()) {
    EXPECT_EQ(w.severity, Severity::Warning);
    EXPECT_FALSE(w.hint.empty());
    lines.insert(w.loc.line);
  }
  EXPECT_EQ(lines, (std::set<int>{6, 10}));
}

TEST(ServeConfigLoader, BodyHasExactlyTheFieldsWritten) {
  auto l = load(
      "applications:\n"
      "  - name: a\n"
      "    import_path: pkg.mod:build\n"
      "    args: {k: v}\n");
  ASSERT_TRUE(l.config);
  EXPECT_EQ(l.diags.items().size(), 0u);
  const auto& app = l.config->body["applications"][0];
  EXPECT_EQ(app["name"], "a");
  EXPECT_EQ(app["import_path"], "pkg.mod:build");
  EXPECT_EQ(app["args"]["k"], "v");
  EXPECT_FALSE(app.contains("route_prefix"));  // Serve's default applies, not ours
  EXPECT_FALSE(app.contains("deployments"));
  EXPECT_FALSE(l.config->body.contains("http_options"));
  // The struct still knows the effective route.
  EXPECT_EQ(l.config->applications[0].route_prefix, std::optional<std::string>("/"));
}

TEST(ServeConfigLoader, ActorOptionsAndAutoReplicas) {
  auto l = load(
      "proxy_location: EveryNode\n"
      "applications:\n"
      "  - name: llm\n"
      "    route_prefix: /llm\n"
      "    import_path: serve_llm:app\n"
      "    deployments:\n"
      "      - name: Model\n"
      "        num_replicas: auto\n"
      "        ray_actor_options:\n"
      "          num_cpus: 2\n"
      "          num_gpus: 0.5\n"
      "          memory: 1073741824\n"
      "          resources: {accel: 1}\n");
  ASSERT_TRUE(l.config);
  EXPECT_EQ(l.diags.error_count(), 0u);
  const auto& d = l.config->applications.at(0).deployments.at(0);
  EXPECT_TRUE(d.num_replicas_auto);
  EXPECT_FALSE(d.num_replicas);
  EXPECT_EQ(d.num_cpus, 2.0);
  EXPECT_EQ(d.num_gpus, 0.5);
  EXPECT_EQ(d.memory_bytes, 1073741824.0);
  EXPECT_EQ(d.resources.at("accel"), 1.0);
  EXPECT_TRUE(d.has_actor_options);
  EXPECT_EQ(d.locs.at("ray_actor_options.num_gpus").line, 11);
  EXPECT_EQ(d.locs.at("ray_actor_options.num_gpus").column, 21);
  EXPECT_EQ(l.config->proxy_location, std::optional<std::string>("EveryNode"));
  EXPECT_EQ(l.config->body["applications"][0]["deployments"][0]["num_replicas"], "auto");
}

TEST(ServeConfigLoader, WrongTypeIsAnErrorNamingTheField) {
  auto l = load(
      "applications:\n"
      "  - name: a\n"
      "    import_path: m:a\n"
      "    deployments:\n"
      "      - name: D\n"
      "        num_replicas: [1]\n");
  ASSERT_GE(l.diags.error_count(), 1u);
  const Diagnostic& e = l.diags.items().at(0);
  EXPECT_EQ(e.severity, Severity::Error);
  EXPECT_EQ(e.loc.line, 6);
  EXPECT_EQ(e.loc.column, 23);
  EXPECT_NE(e.message.find("num_replicas"), std::string::npos) << e.message;
}

TEST(ServeConfigLoader, UnknownKeySuggestsTheNearestName) {
  auto l = load(
      "applications:\n"
      "  - name: a\n"
      "    import_pth: m:a\n");
  const Diagnostic* d = find(l.diags, "RL012");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->loc.line, 3);
  EXPECT_NE((d->message + d->hint).find("import_path"), std::string::npos) << d->message << " / " << d->hint;
}

// A RayService's serveConfigV2 block: positions of the inner Serve config point at manifest lines.
const std::string kRagService = std::string(RAYCTL_SOURCE_DIR) + "/manifests/kuberay/rayservice-rag.yaml";

TEST(ServeConfigLoader, ServeConfigV2PositionsPointIntoTheManifest) {
  Diagnostics diags;
  auto f = YamlFile::load(kRagService);
  auto m = load_kuberay_manifest(f.documents.at(0), diags, f.text);
  ASSERT_TRUE(m && m->serve_config);
  const EmbeddedServeConfig& e = *m->serve_config;
  EXPECT_TRUE(e.positions_exact);
  EXPECT_EQ(e.loc.line, 16);
  auto inner = YamlFile::parse(kRagService, e.text, e.line_offset, e.column_offset);
  auto sc = load_serve_config(inner.documents.at(0), diags);
  ASSERT_TRUE(sc);
  const auto& gen = sc->applications.at(0).deployments.at(2);
  EXPECT_EQ(gen.name, "Generator");
  SourceLoc l = gen.locs.at("ray_actor_options.num_gpus");
  EXPECT_EQ(l.line, 43);    // the line of `num_gpus: 1` in the manifest file
  EXPECT_EQ(l.column, 25);  // its value, counting the block's indentation
}

// Inputs fuzz_config_loaders once crashed on or ran out of memory on
// (tests/fixtures/fuzz-regressions): each must load to diagnostics (or a rayctl::Error), and its
// JSON rendering must not throw. Some must give one particular diagnostic.
TEST(ServeConfigLoader, FuzzRegressionsLoadToDiagnostics) {
  const std::filesystem::path dir = std::string(RAYCTL_SOURCE_DIR) + "/tests/fixtures/fuzz-regressions";
  const std::map<std::string, std::string> expected = {
      // yaml-cpp 0.7's LoadAll yielded endless empty documents here (jbeder/yaml-cpp#1040).
      {"config-stray-comma-endless-documents.yaml",
       "config-stray-comma-endless-documents.yaml:1:1: YAML syntax error: unexpected ',' where a value should start"},
      // `b: &b [*b, ...]`: a node that contains itself overflowed the stack of every walker.
      {"config-alias-inside-its-own-node.yaml",
       "config-alias-inside-its-own-node.yaml:2:4: this node contains an alias (*name) to its own anchor, so it "
       "repeats itself without end"},
  };
  int n = 0;
  size_t checked = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    ++n;
    const std::string name = e.path().filename().string();
    std::string text = read_file_or_throw(e.path().string());
    ValidationResult r;
    try {
      validate_config_text(name, text, r, nullptr);
    } catch (const Error&) {
      EXPECT_EQ(expected.count(name), 0u) << name << " should load to a diagnostic";
      continue;  // a clear rayctl error is fine
    }
    EXPECT_NO_THROW((void)to_json(r.diagnostics).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))
        << e.path();
    EXPECT_GT(r.diagnostics.items().size(), 0u) << e.path();
    if (auto it = expected.find(name); it != expected.end()) {
      ++checked;
      ASSERT_EQ(r.diagnostics.items().size(), 1u) << name;
      const Diagnostic& d = r.diagnostics.items()[0];
      EXPECT_EQ(d.severity, Severity::Error);
      EXPECT_EQ(d.id, "RL001");  // YAML syntax
      EXPECT_EQ(d.loc.str() + ": " + d.message, it->second);
    }
  }
  EXPECT_GE(n, 4);
  EXPECT_EQ(checked, expected.size());
}

TEST(ServeConfig, NewerServeBuildKeysAndYaml11ValuesAreAccepted) {
  // `serve build` of newer Ray writes grpc_options.enable_reflection; `yes` is a boolean for
  // PyYAML, so user_config {flag: yes} reaches Serve as true, and 8_000 is an integer.
  const std::string text =
      "grpc_options:\n  port: 9000\n  grpc_servicer_functions: []\n  enable_reflection: yes\n"
      "http_options:\n  port: 8_000\n"
      "applications:\n- name: app\n  import_path: m:app\n  deployments:\n  - name: D\n"
      "    user_config: {flag: yes, level: off, ratio: 1e3}\n";
  ValidationResult r;
  validate_config_text("built.yaml", text, r, nullptr);
  EXPECT_TRUE(r.diagnostics.empty());
  ASSERT_EQ(r.documents.size(), 1u);
  ASSERT_TRUE(r.documents[0].serve.has_value());
  const nlohmann::json& body = r.documents[0].serve->body;
  const nlohmann::json& user = body["applications"][0]["deployments"][0]["user_config"];
  EXPECT_EQ(user["flag"], true);
  EXPECT_EQ(user["level"], false);
  EXPECT_EQ(user["ratio"], "1e3");
  EXPECT_EQ(body["http_options"]["port"], 8000);
  EXPECT_EQ(body["grpc_options"]["enable_reflection"], true);
}

TEST(ServeConfig, Ray260SchemaFieldsAreKnownAndRangeChecked) {
  // Ray 2.60's ServeDeploySchema / DeploymentSchema / RayActorOptionsSchema additions: no
  // "unknown key" warning (before: RL012, and a did-you-mean from tracing_config to
  // logging_config), and Serve's ranges for the rolling-update fields.
  const std::string text =
      "controller_options: {runtime_env: {}}\ntracing_config: {enabled: false}\n"
      "applications:\n- name: app\n  import_path: m:app\n  deployments:\n  - name: D\n"
      "    rolling_update_percentage: 0.25\n    max_surge_percent: 25\n"
      "    gang_scheduling_config: {}\n    backpressure_config: {}\n    deployment_actors: []\n"
      "    placement_group_bundle_label_selector: []\n"
      "    ray_actor_options: {num_cpus: 1, label_selector: {zone: a}, fallback_strategy: []}\n";
  ValidationResult ok;
  validate_config_text("serve-2.60.yaml", text, ok, nullptr);
  EXPECT_TRUE(ok.diagnostics.empty()) << (ok.diagnostics.empty() ? "" : ok.diagnostics.items()[0].message);
  ValidationResult bad;
  validate_config_text("bad.yaml",
                       "tracing_config: on\napplications:\n- name: app\n  import_path: m:app\n  deployments:\n"
                       "  - name: D\n    rolling_update_percentage: 1.5\n    max_surge_percent: 101\n",
                       bad, nullptr);
  EXPECT_EQ(bad.diagnostics.error_count(), 3u);
}

TEST(ValidationOptions, RenderReadsCloudAndDockerLauncherFilesWithoutUpsRefusals) {
  // `rayctl render` maps node types and the docker image to KubeRay, so RL229/RL230/RL231 are
  // `up`'s and not raised for it (cli/cmd_render.cpp sets launcher_use = Render).
  const std::string fixtures = std::string(RAYCTL_TEST_DATA) + "/fixtures/launcher-fields/";
  for (const char* f : {"aws-example-minimal.yaml", "local-example-full.yaml", "local-ignored-fields.yaml"}) {
    ValidationOptions up, render;
    render.launcher_use = LauncherUse::Render;
    EXPECT_FALSE(validate_config_files({fixtures + f}, up).diagnostics.empty()) << f;
    EXPECT_TRUE(validate_config_files({fixtures + f}, render).diagnostics.empty()) << f;
  }
}
