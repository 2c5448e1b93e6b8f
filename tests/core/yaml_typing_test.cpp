// rayctl's typing of plain scalars against the real readers, live: tests/core/yaml_typing_pyyaml.py
// generates a corpus of thousands of scalars and prints how PyYAML (Ray's reader) types each; every
// one must come out of yaml-cpp + resolve_scalar with the same kind and value. Python comes from
// RAYCTL_RAY_VENV (scripts/install-ray.sh, as scripts/test.sh exports it; PyYAML from PyPI),
// else RAYCTL_PYYAML_PYTHON, else python3; the test skips when none has PyYAML. The same corpus
// goes through goyaml v2 (Kubernetes' reader) when RAYCTL_GOYAML_CHECK names its checker.
#include "core/json_yaml.h"

#include <gtest/gtest.h>

#include <fmt/format.h>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

using namespace rayctl;

namespace {

std::string python_with_pyyaml() {
  std::vector<std::string> candidates;
  if (const char* v = std::getenv("RAYCTL_RAY_VENV")) candidates.push_back(std::string(v) + "/bin/python");
  if (const char* p = std::getenv("RAYCTL_PYYAML_PYTHON")) candidates.push_back(p);
  candidates.push_back("python3");
  for (const auto& py : candidates)
    if (std::system(fmt::format("'{}' -c 'import yaml' >/dev/null 2>&1", py).c_str()) == 0) return py;
  return {};
}

std::string run(const std::string& cmd) {
  std::unique_ptr<FILE, int (*)(FILE*)> p(popen(cmd.c_str(), "r"), pclose);
  std::string out;
  if (!p) return out;
  char buf[65536];
  for (size_t n; (n = fread(buf, 1, sizeof buf, p.get())) > 0;) out.append(buf, n);
  return out;
}

// The same canonical value the script prints.
std::string canonical(const YamlScalar& v) {
  switch (v.kind) {
    case YamlScalar::Kind::Bool: return v.boolean ? "true" : "false";
    case YamlScalar::Kind::Int: return v.integer ? std::to_string(*v.integer) : "big";
    case YamlScalar::Kind::Float: {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.17g", v.number);
      return buf;
    }
    default: return "";
  }
}

// Compares every row [text, kind, value] of `out` with rayctl's typing in `dialect`.
void compare(const std::string& out, YamlDialect dialect) {
  size_t compared = 0, mismatched = 0;
  size_t start = 0;
  while (start < out.size()) {
    size_t end = out.find('\n', start);
    if (end == std::string::npos) end = out.size();
    const std::string line = out.substr(start, end - start);
    start = end + 1;
    if (line.empty()) continue;
    auto row = nlohmann::json::parse(line);
    const std::string text = row[0], kind = row[1], value = row[2];
    YAML::Node doc = YAML::Load("- " + text + "\n");
    YamlScalar got = resolve_scalar(doc[0], dialect);
    // goyaml v2 hands a timestamp to interface{} as its text (decode.go, "backward compatibility").
    if (dialect == YamlDialect::GoYamlV2 && got.kind == YamlScalar::Kind::Timestamp)
      got.kind = YamlScalar::Kind::String;
    ++compared;
    if (yaml_scalar_kind_name(got.kind) == kind && canonical(got) == value &&
        (doc[0].IsNull() || doc[0].Scalar() == text))
      continue;
    if (++mismatched <= 25)
      ADD_FAILURE() << fmt::format("'{}': the reader {} {}, rayctl {} {} (yaml-cpp read '{}')", text, kind, value,
                                   yaml_scalar_kind_name(got.kind), canonical(got), doc[0].Scalar());
  }
  EXPECT_EQ(mismatched, 0u) << "of " << compared;
  EXPECT_GE(compared, 1000u) << "the corpus is too small; did the script fail?";
}

}  // namespace

TEST(PyYamlTyping, EveryScalarOfTheCorpusTypesAsPyYamlTypesIt) {
  const std::string py = python_with_pyyaml();
  if (py.empty()) GTEST_SKIP() << "no Python with PyYAML (set RAYCTL_RAY_VENV: bash scripts/install-ray.sh)";
  compare(run(fmt::format("'{}' '{}/core/yaml_typing_pyyaml.py'", py, RAYCTL_TEST_DATA)), YamlDialect::PyYaml);
}

// The same corpus through goyaml v2 (KubeRay manifests): RAYCTL_GOYAML_CHECK names the checker
// built from tests/core/yaml_typing_goyaml (tests/integration/spec_samples.cmake builds it).
TEST(GoYamlTyping, EveryScalarOfTheCorpusTypesAsGoYamlV2TypesIt) {
  const std::string py = python_with_pyyaml();
  const char* check = std::getenv("RAYCTL_GOYAML_CHECK");
  if (py.empty() || !check) GTEST_SKIP() << "set RAYCTL_GOYAML_CHECK (ctest -R goyaml_typing builds it) and PyYAML";
  compare(run(fmt::format("'{}' '{}/core/yaml_typing_pyyaml.py' | '{}'", py, RAYCTL_TEST_DATA, check)),
          YamlDialect::GoYamlV2);
}
