// Table-driven: every fixture under tests/fixtures/config names the diagnostics it must produce
// with comment lines "# expect: RL203 41:19" (and optionally "# cluster: <path>" for --cluster).
// Each expected id must fire exactly there, and no other error or warning may appear.
// Also: every sample under manifests/ validates with no error and no warning.
#include "serve/config/config_validation.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

namespace fs = std::filesystem;
using namespace rayctl;

namespace {

struct Expectation {
  std::set<std::string> expected;  // "RL203 41:19"
  std::optional<std::string> cluster;
};

Expectation read_expectations(const fs::path& p) {
  Expectation e;
  std::ifstream in(p);
  std::string line;
  std::regex expect_re(R"(^#\s*expect:\s*(RL\d{3})\s+(\d+):(\d+)\s*$)");
  std::smatch m;
  while (std::getline(in, line)) {
    if (std::regex_match(line, m, expect_re)) e.expected.insert(m[1].str() + " " + m[2].str() + ":" + m[3].str());
    if (line.rfind("# cluster: ", 0) == 0) e.cluster = (p.parent_path() / line.substr(11)).string();
  }
  return e;
}

std::set<std::string> actual(const ValidationResult& r) {
  std::set<std::string> out;
  for (const auto& d : r.diagnostics.items())
    if (d.severity != Severity::Note)
      out.insert(d.id + " " + std::to_string(d.loc.line) + ":" + std::to_string(d.loc.column));
  return out;
}

std::string dump(const ValidationResult& r) {
  std::ostringstream os;
  SourceCache sc = r.sources;
  render_diagnostics(os, r.diagnostics, sc, {});
  return os.str();
}

}  // namespace

TEST(ConfigFixtures, EachBrokenFixtureFiresExactlyWhereExpected) {
  fs::path dir = fs::path(RAYCTL_TEST_DATA) / "fixtures" / "config";
  int count = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".yaml") continue;
    Expectation e = read_expectations(entry.path());
    ASSERT_FALSE(e.expected.empty()) << entry.path() << " has no '# expect:' line";
    ValidationOptions opt;
    opt.cluster_file = e.cluster;
    ValidationResult r = validate_config_files({entry.path().string()}, opt);
    EXPECT_EQ(actual(r), e.expected) << entry.path().filename() << ":\n" << dump(r);
    ++count;
  }
  EXPECT_GE(count, 40);
}

TEST(ConfigFixtures, SamplesValidateClean) {
  fs::path root = RAYCTL_SOURCE_DIR;
  std::vector<std::string> files;
  for (const char* sub : {"manifests/cluster", "manifests/kuberay", "manifests/serve"})
    for (const auto& entry : fs::directory_iterator(root / sub))
      if (entry.path().extension() == ".yaml") files.push_back(entry.path().string());
  ASSERT_GE(files.size(), 5u);
  ValidationResult r = validate_config_files(files);
  EXPECT_EQ(r.diagnostics.error_count(), 0u) << dump(r);
  EXPECT_EQ(r.diagnostics.warning_count(), 0u) << dump(r);
  for (const auto& d : r.documents) EXPECT_NE(d.kind, ConfigKind::Other) << d.file;
}
