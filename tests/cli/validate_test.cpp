// `rayctl validate` and `rayctl render` as a user and a CI script see them: exit codes,
// compiler-style text (source line and caret on a TTY only), -o json, --strict, --cluster,
// NO_COLOR, and render output that validates clean. In-process through the harness, except the
// one test that needs a real pseudo-terminal.
#include "cli_harness.h"
#include "core/process.h"
#include "core/state_store.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

using namespace rayctl;
using namespace rayctl::cli::testing;
namespace fs = std::filesystem;

namespace {

const std::string kSrc = RAYCTL_SOURCE_DIR;
const std::string kFix = kSrc + "/tests/fixtures/config/";

// Runs the rayctl binary under a pseudo-terminal (util-linux `script`), as a person at a terminal
// would, with a colour-capable TERM and NO_COLOR unset unless `env` sets it.
ProcessResult rayctl_tty(const std::string& args, const std::string& env = "") {
  std::string cmd = "env -u NO_COLOR TERM=xterm " + env + " " + std::string(RAYCTL_BINARY) + " " + args;
  return run_process({{"script", "-qec", cmd, "/dev/null"}});
}

// A directory removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "rayctl-validate-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace

TEST(ValidateCli, SamplesAreCleanWithExitZero) {
  for (const char* f : {"manifests/cluster/onprem.yaml", "manifests/cluster/local.yaml", "manifests/serve/rag.yaml",
                        "manifests/kuberay/raycluster-cpu.yaml", "manifests/kuberay/raycluster-gpu.yaml",
                        "manifests/kuberay/rayservice-rag.yaml", "manifests/kuberay/rayservice-inference.yaml",
                        "manifests/serve/llm.yaml"}) {
    auto r = run_cli({"validate", "--strict", kSrc + "/" + f});
    EXPECT_EQ(r.exit_code, 0) << f << "\n" << r.out << r.err;
    EXPECT_EQ(r.out.find("error"), std::string::npos) << r.out;
  }
}

TEST(ValidateCli, ErrorsPrintLikeACompilerAndExitOne) {
  auto r = run_cli({"validate", kFix + "launcher-auth-typo.yaml"});
  EXPECT_EQ(r.exit_code, 1);
  std::string all = r.out + r.err;
  EXPECT_TRUE(contains(all, kFix + "launcher-auth-typo.yaml:8:3: error[RL012]: unknown key 'ssh_usr'")) << all;
  EXPECT_TRUE(contains(all, "did you mean 'ssh_user'")) << all;
  EXPECT_TRUE(contains(all, "1 error")) << all;
  // Not a terminal: no escape codes, no source excerpt.
  EXPECT_FALSE(contains(all, "\x1b[")) << all;
  EXPECT_FALSE(contains(all, "  ssh_usr: other\n")) << all;
}

TEST(ValidateCli, OnATerminalTheSourceLineAndCaretAreShown) {
  auto r = run_cli({"validate", kFix + "launcher-auth-typo.yaml"}, {.tty = true, .color = true});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.out, "ssh_usr: other")) << r.out;
  EXPECT_TRUE(contains(r.out, "^")) << r.out;
  EXPECT_TRUE(contains(r.out + r.err, "\x1b[")) << "colour expected on a colour terminal:\n" << r.out << r.err;
  auto plain =
      run_cli({"validate", kFix + "launcher-auth-typo.yaml"}, {.tty = true, .color = true, .env = {{"NO_COLOR", "1"}}});
  EXPECT_TRUE(contains(plain.out, "ssh_usr: other")) << plain.out;
  EXPECT_FALSE(contains(plain.out + plain.err, "\x1b[")) << "NO_COLOR must turn colours off:\n"
                                                         << plain.out << plain.err;
  auto flag = run_cli({"--no-color", "validate", kFix + "launcher-auth-typo.yaml"}, {.tty = true, .color = true});
  EXPECT_TRUE(contains(flag.out, "ssh_usr: other")) << flag.out;
  EXPECT_FALSE(contains(flag.out + flag.err, "\x1b[")) << flag.out << flag.err;
}

// Subprocess on purpose: only a real pseudo-terminal exercises the binary's own detection
// (isatty, TERM, NO_COLOR in IOStreams::system) that the in-process runs above stand in for.
TEST(ValidateCli, ARealTerminalIsDetected) {
  auto r = rayctl_tty("validate " + kFix + "launcher-auth-typo.yaml");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(contains(r.out, "ssh_usr: other")) << r.out;
  EXPECT_TRUE(contains(r.out, "^")) << r.out;
  EXPECT_TRUE(contains(r.out, "\x1b[")) << "colour expected on a TTY:\n" << r.out;
  auto plain = rayctl_tty("validate " + kFix + "launcher-auth-typo.yaml", "NO_COLOR=1");
  EXPECT_TRUE(contains(plain.out, "ssh_usr: other")) << plain.out;
  EXPECT_FALSE(contains(plain.out, "\x1b[")) << "NO_COLOR must turn colours off:\n" << plain.out;
}

TEST(ValidateCli, WarningsFailOnlyWithStrict) {
  auto r = run_cli({"validate", kFix + "serve-deprecated.yaml"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out + r.err, "warning[RL014]")) << r.out << r.err;
  auto s = run_cli({"validate", "--strict", kFix + "serve-deprecated.yaml"});
  EXPECT_EQ(s.exit_code, 1);
  EXPECT_TRUE(contains(s.err, "(--strict)")) << s.err;
}

TEST(ValidateCli, JsonCarriesEveryDiagnosticField) {
  auto r = run_cli({"validate", "-o", "json", kFix + "launcher-auth-typo.yaml", kFix + "serve-deprecated.yaml"});
  EXPECT_EQ(r.exit_code, 1);
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["ok"], false);
  EXPECT_EQ(j["errors"], 1);
  EXPECT_EQ(j["warnings"], 1);
  EXPECT_EQ(j["files"].size(), 2u);
  ASSERT_EQ(j["diagnostics"].size(), 2u);
  for (const auto& d : j["diagnostics"])
    for (const char* k : {"id", "severity", "file", "line", "column", "message", "hint"})
      EXPECT_TRUE(d.contains(k)) << "missing " << k << " in " << d.dump();
  const auto& e = j["diagnostics"][0];
  EXPECT_EQ(e["id"], "RL012");
  EXPECT_EQ(e["severity"], "error");
  EXPECT_EQ(e["line"], 8);
  EXPECT_EQ(e["column"], 3);
  EXPECT_EQ(j["diagnostics"][1]["severity"], "warning");
  // YAML output carries the same data.
  auto y = run_cli({"validate", "-o", "yaml", kFix + "serve-deprecated.yaml"});
  EXPECT_EQ(y.exit_code, 0);
  EXPECT_TRUE(contains(y.out, "id: RL014")) << y.out;
}

TEST(ValidateCli, YamlSyntaxErrorNamesThePosition) {
  auto r = run_cli({"validate", kFix + "serve-syntax.yaml"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.out + r.err, kFix + "serve-syntax.yaml:")) << r.out << r.err;
  EXPECT_TRUE(contains(r.out + r.err, "error[")) << r.out << r.err;
}

// A fuzz finding: yaml-cpp 0.7 alone would read endless empty documents from this file until
// memory ran out. rayctl stops at the stray ',' at once, with a compiler-style error.
TEST(ValidateCli, StrayCommaStopsAtOnceWithAPositionedError) {
  const std::string input = kSrc + "/tests/fixtures/fuzz-regressions/config-stray-comma-endless-documents.yaml";
  const auto started = std::chrono::steady_clock::now();
  auto r = run_cli({"validate", input});
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(r.exit_code, 1);
  std::string all = r.out + r.err;
  EXPECT_TRUE(contains(all, input + ":1:1: error[RL001]: YAML syntax error: unexpected ',' where a value should start"))
      << all;
  EXPECT_TRUE(contains(all, "inside [ ] or { }")) << all;  // the hint
  EXPECT_LT(took, std::chrono::seconds(10));               // milliseconds in practice; generous for sanitizer builds
}

// A fuzz finding: `a: &a [*a]` made a node that contains itself, and validate died of a stack
// overflow (SIGSEGV) instead of reporting it.
TEST(ValidateCli, AliasInsideItsOwnNodeIsAnErrorNotACrash) {
  const std::string input = kSrc + "/tests/fixtures/fuzz-regressions/config-alias-inside-its-own-node.yaml";
  auto r = run_cli({"validate", input});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(
      contains(r.out + r.err, input + ":2:4: error[RL001]: this node contains an alias (*name) to its own anchor"))
      << r.out << r.err;
}

TEST(ValidateCli, ServeConfigAgainstAClusterFile) {
  TempDir dir;
  std::string serve = dir.path() + "/serve.yaml";
  write_file_atomic(serve,
                    "applications:\n"
                    "  - name: a\n"
                    "    import_path: m:app\n"
                    "    deployments:\n"
                    "      - name: Big\n"
                    "        ray_actor_options:\n"
                    "          num_gpus: 8\n");
  auto alone = run_cli({"validate", serve});
  EXPECT_EQ(alone.exit_code, 0) << alone.out << alone.err;
  auto r = run_cli({"validate", serve, "--cluster", kSrc + "/manifests/cluster/onprem.yaml"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  std::string all = r.out + r.err;
  EXPECT_TRUE(contains(all, serve + ":7:")) << all;
  EXPECT_TRUE(contains(all, "GPU")) << all;
}

TEST(ValidateCli, BadCommandLinesExitTwo) {
  EXPECT_EQ(run_cli({"validate"}).exit_code, 2);
  auto missing = run_cli({"validate", "/nonexistent/cluster.yaml"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_TRUE(contains(missing.err, "/nonexistent/cluster.yaml")) << missing.err;
  EXPECT_EQ(run_cli({"render", "--to", "nonsense", kSrc + "/manifests/cluster/onprem.yaml"}).exit_code, 2);
}

TEST(RenderCli, LauncherToRayClusterAndRayServiceValidateClean) {
  TempDir dir;
  auto rc = run_cli({"render", "--to", "raycluster", kSrc + "/manifests/cluster/onprem.yaml"});
  ASSERT_EQ(rc.exit_code, 0) << rc.err;
  EXPECT_TRUE(contains(rc.out, "kind: RayCluster")) << rc.out;
  EXPECT_TRUE(contains(rc.out, "nvidia.com/gpu")) << rc.out;  // the GPU group's limit
  write_file_atomic(dir.path() + "/rc.yaml", rc.out);
  auto v = run_cli({"validate", "--strict", dir.path() + "/rc.yaml"});
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;

  // The sample rag.yaml has a local working_dir, which a RayService cannot carry: refused.
  auto local = run_cli({"render", "--to", "rayservice", kSrc + "/manifests/cluster/onprem.yaml", "--serve",
                        kSrc + "/manifests/serve/rag.yaml"});
  EXPECT_EQ(local.exit_code, 1);
  EXPECT_TRUE(contains(local.err, "rag.yaml:15:20")) << local.err;
  EXPECT_TRUE(contains(local.err, "remote .zip URI")) << local.err;
  EXPECT_TRUE(local.out.empty()) << local.out;
  std::string serve = dir.path() + "/serve.yaml";
  write_file_atomic(serve,
                    "applications:\n"
                    "  - name: rag\n"
                    "    import_path: rag:app\n"
                    "    runtime_env: {working_dir: \"https://example.com/rag.zip\"}\n"
                    "    deployments:\n"
                    "      - name: Generator\n"
                    "        ray_actor_options: {num_gpus: 1, num_cpus: 2}\n");
  auto rs = run_cli({"render", "--to", "rayservice", kSrc + "/manifests/cluster/onprem.yaml", "--serve", serve});
  ASSERT_EQ(rs.exit_code, 0) << rs.err;
  EXPECT_TRUE(contains(rs.out, "kind: RayService")) << rs.out;
  EXPECT_TRUE(contains(rs.out, "serveConfigV2:")) << rs.out;
  write_file_atomic(dir.path() + "/rs.yaml", rs.out);
  auto v2 = run_cli({"validate", dir.path() + "/rs.yaml"});
  EXPECT_EQ(v2.exit_code, 0) << v2.out << v2.err;
}

TEST(RenderCli, InvalidInputIsRefusedWithItsPosition) {
  auto r = run_cli({"render", "--to", "raycluster", kFix + "launcher-auth-typo.yaml"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(contains(r.out + r.err, "launcher-auth-typo.yaml:8:3")) << r.out << r.err;
}

// render is where a cloud or Docker launcher file goes (RL229/RL230 tell `up` users so): it reads
// them without up's refusals and warnings, while validate still refuses the aws file.
TEST(RenderCli, CloudAndDockerLauncherFilesRenderWithoutUpsRefusals) {
  for (const char* f : {"aws-example-minimal.yaml", "gcp-example-minimal.yaml", "local-example-full.yaml"}) {
    const std::string file = kSrc + "/tests/fixtures/launcher-fields/" + f;
    auto r = run_cli({"render", "--to", "raycluster", file});
    EXPECT_EQ(r.exit_code, 0) << f << "\n" << r.err;
    EXPECT_TRUE(contains(r.out, "kind: RayCluster")) << f;
    EXPECT_FALSE(contains(r.err, "RL229") || contains(r.err, "RL230") || contains(r.err, "RL231")) << r.err;
  }
  EXPECT_EQ(run_cli({"validate", kSrc + "/tests/fixtures/launcher-fields/aws-example-minimal.yaml"}).exit_code, 1);
}
